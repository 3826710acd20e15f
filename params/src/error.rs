//! The one error type of `zkpot-params`.

use thiserror::Error;

/// Errors from parameter and key handling.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// File I/O.
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A parameter or key file that cannot be decoded.
    #[error(transparent)]
    Artifact(#[from] zkpot_verifier::VerifyError),
    /// A ceremony file too small for the circuit.
    #[error("the KZG parameters in {path} support circuits up to k = {have}, this circuit needs k = {need}")]
    TooSmall { path: String, have: u32, need: u32 },
    /// halo2 key generation failed.
    #[error("key generation failed: {0}")]
    Keygen(String),
    /// A cached file that does not belong to the parameters in use.
    #[error("the cached file {path} does not match the parameters in use: {detail}; delete it (or the cache directory) and run again")]
    CacheMismatch { path: String, detail: String },
    /// A ceremony file whose points are not consistent powers of one tau.
    #[error("the SRS in {path} fails the consistency check: {detail}")]
    Inconsistent { path: String, detail: String },
    /// A ceremony file that cannot be parsed.
    #[error("cannot read the ceremony file {path}: {detail}")]
    Ceremony { path: String, detail: String },
    /// A key that was made for another circuit shape.
    #[error("the key in {path} is for circuit shape {found}, expected {expected}")]
    WrongShape { path: String, found: String, expected: String },
}
