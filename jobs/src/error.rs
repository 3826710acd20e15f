//! The one error type of `zkpot-jobs`: each names the file or the chunk that is wrong.

use thiserror::Error;

/// Errors from loading inputs, planning, proving a chunk and assembling a bundle.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum JobError {
    /// A file that could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Arguments or files that do not fit together (a chunk index past the plan, a plan for
    /// another chunk size, a data set that is not the plan's).
    #[error("{0}")]
    Invalid(String),
    /// Assembly refused a chunk (missing, duplicated, foreign, corrupt, proved with another key).
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Circuit(#[from] zkpot_circuits::error::CircuitError),
    /// Boxed: an ONNX error is large, and every result of this crate would carry its size.
    #[error(transparent)]
    Onnx(Box<zkpot_onnx::error::OnnxError>),
    #[error(transparent)]
    Params(#[from] zkpot_params::error::ParamsError),
    #[error(transparent)]
    Prove(#[from] zkpot_prover::error::ProveError),
    #[error(transparent)]
    Verify(#[from] zkpot_verifier::VerifyError),
}

impl From<zkpot_onnx::error::OnnxError> for JobError {
    fn from(e: zkpot_onnx::error::OnnxError) -> Self {
        JobError::Onnx(Box::new(e))
    }
}

impl JobError {
    /// An I/O error on `path`.
    pub fn io(action: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        JobError::Io { action, path: path.display().to_string(), source }
    }
}

/// Reads a text file, naming it on failure.
pub fn read_text(path: &std::path::Path) -> Result<String, JobError> {
    std::fs::read_to_string(path).map_err(|e| JobError::io("cannot read", path, e))
}

/// Writes a file atomically (a crash leaves the old file or the new one, never half of one).
pub fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), JobError> {
    Ok(zkpot_params::cache::write_atomic(path, bytes)?)
}
