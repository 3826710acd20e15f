//! Prints the size of a circuit: rows per column group, k, degree and column counts, and the
//! Groth16 constraint count of the same statement. The digits MLP by default, or any quantized
//! model (`zkpot quantize --model @mnist-mlp --out q.json`).
//! Run: `cargo run --release -p zkpot-circuits --example circuit_stats -- 500 [q.json]`

use halo2_proofs::plonk::{Circuit, ConstraintSystem};
use zkpot_circuits::field::Fr;
use zkpot_circuits::fixed::FixedParams;
use zkpot_circuits::halo2::{CircuitShape, ValidationCircuit};
use zkpot_circuits::quantize::quantize_model;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(500);
    let model = match std::env::args().nth(2) {
        Some(path) => zkpot_circuits::model::QuantizedModel::from_json(&std::fs::read_to_string(&path).expect("readable model file")).expect("a quantized model"),
        None => quantize_model(&zkpot_circuits::bundled::digits_model().unwrap(), FixedParams::DEFAULT).unwrap(),
    };
    let shape = CircuitShape::new(model.architecture(), n);
    let mut cs = ConstraintSystem::<Fr>::default();
    let _ = ValidationCircuit::configure_with_params(&mut cs, shape.clone());
    println!("N = {n}, shape {}", shape.id());
    println!("main rows {}, poseidon rows {}, k = {}", shape.main_rows(), shape.poseidon_rows(), shape.k());
    println!(
        "model values {} ({} Poseidon rows), conv block rows {}, dataset values {}",
        shape.model_values(),
        zkpot_circuits::poseidon::chip::PoseidonConfig::chain_rows(shape.model_elements()),
        shape.conv_rows(),
        shape.dataset_values()
    );
    println!("groth16 constraints {}", zkpot_circuits::groth16::cost::ConstraintCount::of(&shape).total);
    // the largest chunk that fits each k: what to pass as --chunk-size
    for k in shape.k().saturating_sub(2).max(16)..=shape.k() + 3 {
        let Some(lo) = CircuitShape::max_samples(&model.architecture(), shape.score, k) else {
            println!("k = {k}: no chunk fits (the model alone needs more rows)");
            continue;
        };
        println!("k = {k}: chunks of up to {lo} samples");
    }
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
