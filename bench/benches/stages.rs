//! Both backends, stage by stage (key generation or setup, proving, verification), keyed by N:
//! one criterion group per (backend, workload). `cargo bench -p zkpot-bench` runs the tiny
//! model; `ZKPOT_BENCH_DIGITS=1` adds the digits MLP on 100 and 500 samples.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use zkpot_bench::{digits, shape, tiny};
use zkpot_circuits::halo2::Witness;
use zkpot_params::srs::dev_srs;
use zkpot_prover::groth16::DevSeed;
use zkpot_prover::{Backend, Groth16Backend, Halo2Backend};

fn workloads() -> Vec<(&'static str, usize, fn(usize) -> Witness)> {
    let mut w: Vec<(&'static str, usize, fn(usize) -> Witness)> = vec![("tiny", 16, tiny), ("tiny", 128, tiny)];
    if std::env::var_os("ZKPOT_BENCH_DIGITS").is_some() {
        w.extend([("digits", 100, digits as fn(usize) -> Witness), ("digits", 500, digits)]);
    }
    w
}

/// keygen, prove and verify of one backend on one workload.
fn stages<B: Backend>(c: &mut Criterion, group: String, params: &B::Params, witness: &Witness) {
    let n = witness.data.len();
    let shape = shape(witness);
    let mut g = c.benchmark_group(group);
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_with_input(BenchmarkId::new("keygen", n), &n, |b, _| b.iter(|| B::setup(params, &shape).expect("keygen")));
    let (pk, vk) = B::setup(params, &shape).expect("keygen");
    g.bench_with_input(BenchmarkId::new("prove", n), &n, |b, _| b.iter(|| B::prove(params, &pk, witness.clone()).expect("prove")));
    let (statement, proof) = B::prove(params, &pk, witness.clone()).expect("prove");
    g.bench_with_input(BenchmarkId::new("verify", n), &n, |b, _| b.iter(|| B::verify(&vk, &statement, &proof).expect("verify")));
    g.finish();
}

fn bench(c: &mut Criterion) {
    for (name, n, make) in workloads() {
        let witness = make(n);
        let params = dev_srs(shape(&witness).k(), [5; 32]);
        stages::<Halo2Backend>(c, format!("halo2/{name}"), &params, &witness);
        stages::<Groth16Backend>(c, format!("groth16/{name}"), &DevSeed::default(), &witness);
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
