//! One benchmark measurement: a backend proving a workload (the bundled digits MLP, or the
//! bundled MNIST MLP or CNN, [`crate::workload`]) on its first N test samples, stage by stage, in the current process (run it in a fresh process so the peak
//! memory belongs to this configuration alone; `zkpot bench` does).

use crate::error::BenchError;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::{Duration, Instant};
use zkpot_circuits::eval::evaluate;
use zkpot_circuits::halo2::{CircuitShape, Witness};
use zkpot_prover::groth16::DevSeed;
use zkpot_verifier::ProofFile;
use zkpot_prover::{Backend, Groth16Backend, Halo2Backend};

/// What one (backend, N) run measured.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Measurement {
    /// The workload ([`crate::WORKLOADS`]); absent in files written before MNIST: `digits`.
    #[serde(default = "digits_name")]
    pub workload: String,
    pub backend: String,
    pub samples: usize,
    pub score: u64,
    /// Circuit size: `k` (halo2 rows = 2^k) or the number of R1CS constraints (Groth16).
    pub k: Option<u32>,
    pub rows_used: Option<u64>,
    pub constraints: Option<u64>,
    pub srs_seconds: f64,
    pub keygen_seconds: f64,
    pub prove_seconds: f64,
    /// CPU seconds (user + system, all threads) of this process while proving: comparable when
    /// other work shares the machine, unlike the wall time (absent in older files: 0).
    #[serde(default)]
    pub prove_cpu_seconds: f64,
    pub verify_ms: f64,
    pub proof_bytes: usize,
    pub peak_rss_mib: f64,
    /// The native fixed-point evaluation of the same samples (the validation function).
    pub native_eval_ms: f64,
    /// prove time / native evaluation time.
    pub prove_over_native: f64,
}

impl Measurement {
    /// A made-up row for the tests of the table, plot and merge.
    #[cfg(test)]
    pub(crate) fn example(workload: &str, backend: &str, n: usize, prove: f64, mem: f64) -> Measurement {
        Measurement {
            workload: workload.into(),
            backend: backend.into(),
            samples: n,
            score: n as u64,
            k: Some(16),
            rows_used: Some(1000),
            constraints: None,
            srs_seconds: 0.1,
            keygen_seconds: 1.0,
            prove_seconds: prove,
            prove_cpu_seconds: prove,
            verify_ms: 5.0,
            proof_bytes: 3000,
            peak_rss_mib: mem,
            native_eval_ms: 0.5,
            prove_over_native: prove / 5e-4,
        }
    }
}

fn digits_name() -> String {
    "digits".into()
}

/// User + system CPU seconds of this process so far (Linux `/proc/self/stat`, 100 ticks/s; 0
/// elsewhere).
pub fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let tick = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

/// Peak resident memory of this process so far, in MiB (Linux; 0 elsewhere).
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// Mean time of the native validation function on the witness's samples (repeated to 200 ms).
pub fn native_eval_time(w: &Witness) -> Duration {
    let start = Instant::now();
    let mut runs = 0u32;
    while runs == 0 || start.elapsed() < Duration::from_millis(200) {
        std::hint::black_box(evaluate(&w.model, &w.data).ok());
        runs += 1;
    }
    start.elapsed() / runs
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

/// Median verification time over a few runs.
fn verify_time(mut f: impl FnMut() -> Result<(), BenchError>) -> Result<Duration, BenchError> {
    let mut times = Vec::new();
    for _ in 0..9 {
        let (res, took) = timed(&mut f);
        res?;
        times.push(took);
    }
    times.sort();
    Ok(times[times.len() / 2])
}

/// What one backend's stages measured.
struct Stages {
    score: u64,
    keygen: Duration,
    prove: Duration,
    prove_cpu: f64,
    verify: Duration,
    proof_bytes: usize,
}

/// Key generation (or circuit-specific setup), proving and verification of `witness` with
/// backend `B`, each timed and announced through `progress` as `name N = n: stage`.
fn stages<B: Backend<Proof = ProofFile>>(name: &str, params: &B::Params, shape: &CircuitShape, witness: Witness, progress: &dyn Fn(&str)) -> Result<Stages, BenchError> {
    let n = shape.samples;
    progress(&format!("{name} N = {n}: key generation"));
    let (keys, keygen) = timed(|| B::setup(params, shape));
    let (pk, vk) = keys?;
    progress(&format!("{name} N = {n}: proving"));
    let cpu = cpu_seconds();
    let (res, prove) = timed(|| B::prove(params, &pk, witness));
    let prove_cpu = cpu_seconds() - cpu;
    let (statement, proof) = res?;
    progress(&format!("{name} N = {n}: verifying"));
    let verify = verify_time(|| Ok(B::verify(&vk, &statement, &proof)?))?;
    Ok(Stages { score: statement.score, keygen, prove, prove_cpu, verify, proof_bytes: proof.proof.len() })
}

/// Measures `backend` on `workload` with its first `n` test samples. The development SRS
/// is cached in `cache`; keys are always generated afresh (key generation is measured).
pub fn measure(backend: &str, workload: &str, n: usize, cache: &Path, progress: &dyn Fn(&str)) -> Result<Measurement, BenchError> {
    let witness = crate::workload(workload, n)?;
    let native = native_eval_time(&witness);
    let shape = CircuitShape::new(witness.model.architecture(), n);
    // (backend name, k, rows used, constraints, SRS time, stages)
    let (name, k, rows_used, constraints, srs, st) = match backend {
        "halo2" | zkpot_verifier::HALO2_BACKEND => {
            progress(&format!("halo2 N = {n}: SRS (k = {})", shape.k()));
            let (params, srs) = timed(|| zkpot_params::cache::dev_srs_cached(cache, shape.k()));
            let params = params?.0;
            let st = stages::<Halo2Backend>("halo2", &params, &shape, witness, progress)?;
            let rows = shape.main_rows().max(shape.poseidon_rows()).max(shape.recurrent_rows()) as u64;
            (zkpot_verifier::HALO2_BACKEND, Some(shape.k()), Some(rows), None, srs, st)
        }
        "groth16" | zkpot_verifier::GROTH16_BACKEND => {
            // Groth16 has no universal SRS: the circuit-specific setup is the key generation.
            let constraints = zkpot_circuits::groth16::cost::ConstraintCount::of(&shape).total as u64;
            progress(&format!("groth16 N = {n}: {constraints} constraints, development keys"));
            let st = stages::<Groth16Backend>("groth16", &DevSeed::default(), &shape, witness, progress)?;
            (zkpot_verifier::GROTH16_BACKEND, None, None, Some(constraints), Duration::ZERO, st)
        }
        other => return Err(BenchError::UnknownBackend(other.into())),
    };
    Ok(Measurement {
        workload: workload.into(),
        backend: name.into(),
        samples: n,
        score: st.score,
        k,
        rows_used,
        constraints,
        srs_seconds: srs.as_secs_f64(),
        keygen_seconds: st.keygen.as_secs_f64(),
        prove_seconds: st.prove.as_secs_f64(),
        prove_cpu_seconds: st.prove_cpu,
        verify_ms: st.verify.as_secs_f64() * 1e3,
        proof_bytes: st.proof_bytes,
        peak_rss_mib: peak_rss_mib(),
        native_eval_ms: native.as_secs_f64() * 1e3,
        prove_over_native: st.prove.as_secs_f64() / native.as_secs_f64().max(1e-9),
    })
}
