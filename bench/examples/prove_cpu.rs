//! Proves a workload (default the digits MLP; `mnist-mlp`, `mnist-cnn`) on its first N test samples (keys made first, not measured) and prints
//! wall time and this process's CPU time for the proof alone: a CPU-time figure stays
//! comparable when other work shares the machine. Run:
//! `cargo run --release -p zkpot-bench --example prove_cpu -- 500 [runs] [workload]`

use std::time::Instant;
use zkpot_bench::measure::cpu_seconds;
use zkpot_circuits::halo2::CircuitShape;
use zkpot_prover::{Backend, Halo2Backend};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(500);
    let runs: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let workload = args.next().unwrap_or_else(|| "digits".into());
    let witness = zkpot_bench::workload(&workload, n).expect("a known workload");
    let shape = CircuitShape::new(witness.model.architecture(), n);
    let cache = zkpot_params::cache::default_dir();
    let params = zkpot_params::cache::dev_srs_cached(&cache, shape.k()).expect("SRS").0;
    let (c0, t0) = (cpu_seconds(), Instant::now());
    let (pk, vk) = Halo2Backend::setup(&params, &shape).expect("keygen");
    println!("{workload}, N = {n}, k = {}", shape.k());
    println!("keygen: wall {:.2} s, cpu {:.2} s", t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
    for _ in 0..runs {
        let (c0, t0) = (cpu_seconds(), Instant::now());
        let (statement, proof) = Halo2Backend::prove(&params, &pk, witness.clone()).expect("prove");
        println!("prove: wall {:.2} s, cpu {:.2} s, proof {} B, S = {}", t0.elapsed().as_secs_f64(), cpu_seconds() - c0, proof.proof.len(), statement.score);
        Halo2Backend::verify(&vk, &statement, &proof).expect("verifies");
    }
}
