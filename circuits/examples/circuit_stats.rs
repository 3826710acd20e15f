//! Prints the size of the digits circuit: rows per column group, k, degree and column counts.
//! Run: `cargo run --release -p zkpot-circuits --example circuit_stats -- 500`

use halo2_proofs::plonk::{Circuit, ConstraintSystem};
use zkpot_circuits::field::Fr;
use zkpot_circuits::fixed::FixedParams;
use zkpot_circuits::halo2::{CircuitShape, ValidationCircuit};
use zkpot_circuits::quantize::quantize_model;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(500);
    let model = quantize_model(&zkpot_circuits::bundled::digits_model().unwrap(), FixedParams::DEFAULT).unwrap();
    let shape = CircuitShape::new(model.architecture(), n);
    let mut cs = ConstraintSystem::<Fr>::default();
    let _ = ValidationCircuit::configure_with_params(&mut cs, shape.clone());
    println!("N = {n}, shape {}", shape.id());
    println!("main rows {}, poseidon rows {}, k = {}", shape.main_rows(), shape.poseidon_rows(), shape.k());
    println!(
        "degree {}, advice {}, fixed {}, selectors {}, lookups {}, permutation columns {}",
        cs.degree(),
        cs.num_advice_columns(),
        cs.num_fixed_columns(),
        cs.num_selectors(),
        cs.lookups().len(),
        cs.permutation().get_columns().len()
    );
}
