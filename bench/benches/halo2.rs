//! halo2 backend: key generation, proving and verification, keyed by N.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use zkpot_bench::{digits, shape, tiny};
use zkpot_circuits::halo2::Witness;
use zkpot_params::srs::dev_srs;
use zkpot_prover::{Backend, Halo2Backend};

fn workloads() -> Vec<(&'static str, usize, fn(usize) -> Witness)> {
    let mut w: Vec<(&'static str, usize, fn(usize) -> Witness)> = vec![("tiny", 16, tiny), ("tiny", 128, tiny)];
    if std::env::var_os("ZKPOT_BENCH_DIGITS").is_some() {
        w.extend([("digits", 100, digits as fn(usize) -> Witness), ("digits", 500, digits)]);
    }
    w
}

fn bench(c: &mut Criterion) {
    for (name, n, make) in workloads() {
        let witness = make(n);
        let shape = shape(&witness);
        let params = dev_srs(shape.k(), [5; 32]);
        let mut g = c.benchmark_group(format!("halo2/{name}"));
        g.sample_size(10);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("keygen", n), &n, |b, _| b.iter(|| Halo2Backend::setup(&params, &shape).expect("keygen")));
        let (pk, vk) = Halo2Backend::setup(&params, &shape).expect("keygen");
        g.bench_with_input(BenchmarkId::new("prove", n), &n, |b, _| {
            b.iter(|| Halo2Backend::prove(&params, &pk, witness.clone()).expect("prove"))
        });
        let (statement, proof) = Halo2Backend::prove(&params, &pk, witness.clone()).expect("prove");
        g.bench_with_input(BenchmarkId::new("verify", n), &n, |b, _| b.iter(|| Halo2Backend::verify(&vk, &statement, &proof).expect("verify")));
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
