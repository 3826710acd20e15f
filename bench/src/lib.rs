//! # zkpot-bench: benchmark workloads and the `zkpot bench` tables
//!
//! The workloads the criterion benches (`benches/stages.rs`, both backends) measure: the bundled digits MLP on
//! its first N test samples, and a tiny random model for quick runs. `zkpot bench --workload`
//! also measures the bundled MNIST MLP and CNN on their first N test digits ([`workload`]). Run with
//! `cargo bench -p zkpot-bench` (set `ZKPOT_BENCH_DIGITS=1` to include the digits model).
//!
//! * [`measure`]: one (backend, N) measurement, stage by stage.
//! * [`runner`]: `zkpot bench`: every configuration in its own process, then the outputs.
//! * [`merge`]: `zkpot bench --merge`, one table and plot from several runs' `bench.json`.
//! * [`table`], [`plot`]: the markdown table and the SVG plot.

pub mod error;
pub mod measure;
pub mod merge;
pub mod plot;
pub mod runner;
pub mod table;

pub use error::BenchError;

pub use measure::Measurement;

use zkpot_circuits::halo2::{CircuitShape, Witness};
use zkpot_circuits::testing::{random_dataset, random_model, TINY};

/// The digits MLP on its first `n` bundled test samples.
pub fn digits(n: usize) -> Witness {
    zkpot_circuits::bundled::digits_witness(n).expect("the bundled digits model and data")
}

/// The workloads `zkpot bench --workload` knows.
pub const WORKLOADS: [&str; 4] = ["digits", "mnist-mlp", "mnist-cnn", "mnist-lstm"];

/// A named workload on its first `n` test samples, quantized at the default format: `digits`
/// (the digits MLP), `mnist-mlp` (784-128-10), `mnist-cnn` (LeNet-5 class) or `mnist-lstm`
/// (sequential MNIST, LSTM 28 -> 32 and a dense head) on the bundled MNIST test digits.
pub fn workload(name: &str, n: usize) -> Result<Witness, BenchError> {
    let fixed = zkpot_circuits::fixed::FixedParams::DEFAULT;
    let model = match name {
        "digits" => return Ok(zkpot_circuits::bundled::digits_witness(n)?),
        "mnist-mlp" => zkpot_onnx::bundled::mnist_mlp()?,
        "mnist-cnn" => zkpot_onnx::bundled::mnist_cnn()?,
        "mnist-lstm" => zkpot_onnx::bundled::mnist_lstm()?,
        other => return Err(BenchError::UnknownWorkload(other.into())),
    };
    let model = zkpot_circuits::quantize::quantize_model(&model, fixed)?;
    let data = zkpot_circuits::mnist::mnist_test()?.take(n)?.quantize(fixed)?;
    Ok(Witness::new(model, data)?)
}

/// A tiny 8-16-4 random model (8-bit values) on `n` random samples.
pub fn tiny(n: usize) -> Witness {
    let model = random_model(7, TINY, &[8, 16, 4], 3);
    let data = random_dataset(7, TINY, 8, 4, n, 10);
    Witness::new(model, data).expect("in bound")
}

/// The circuit shape of a witness.
pub fn shape(w: &Witness) -> CircuitShape {
    CircuitShape::new(w.model.architecture(), w.data.len())
}
