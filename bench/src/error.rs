//! The one error type of `zkpot-bench`.

use thiserror::Error;

/// Why a benchmark run failed.
#[derive(Debug, Error)]
pub enum BenchError {
    #[error(transparent)]
    Circuit(#[from] zkpot_circuits::error::CircuitError),
    #[error(transparent)]
    Prove(#[from] zkpot_prover::error::ProveError),
    #[error(transparent)]
    Params(#[from] zkpot_params::error::ParamsError),
    #[error(transparent)]
    Onnx(#[from] zkpot_onnx::OnnxError),
    #[error("unknown workload `{0}`: expected digits, mnist-mlp, mnist-cnn or mnist-lstm")]
    UnknownWorkload(String),
    #[error("backend `{0}` is not available in this build")]
    UnknownBackend(String),
    #[error("benchmark child process failed: {0}")]
    Child(String),
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot merge {path}: {why}")]
    Merge { path: String, why: String },
    #[error("plot: {0}")]
    Plot(String),
}
