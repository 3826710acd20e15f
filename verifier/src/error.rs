//! The one error type of `zkpot-verifier`: why a statement, key or proof was rejected.

use thiserror::Error;

/// Why verification did not accept.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// A file ended before its declared length.
    #[error("{what} is truncated: {detail}")]
    Truncated { what: &'static str, detail: String },
    /// A file is not a zkpot artifact of the expected kind.
    #[error("{what}: {detail}")]
    NotAnArtifact { what: &'static str, detail: String },
    /// A file declares a format version this build cannot read.
    #[error("{what} has format version {found}, this build reads versions 1 to {supported}")]
    UnsupportedVersion { what: &'static str, found: u8, supported: u8 },
    /// The checksum does not match: the file was changed or damaged.
    #[error("{what} is corrupted: its checksum does not match its contents")]
    Corrupted { what: &'static str },
    /// The payload inside a well-formed container could not be decoded.
    #[error("{what} is malformed: {detail}")]
    Malformed { what: &'static str, detail: String },
    /// The statement JSON is invalid.
    #[error("bad statement: {0}")]
    Statement(String),
    /// Statement, key and proof are for different circuits or backends.
    #[error("mismatch: {0}")]
    Mismatch(String),
    /// The proof is well-formed but does not verify for this statement and key.
    #[error("proof rejected: it does not verify for this statement and verifying key ({0})")]
    Rejected(String),
    /// The verifying key is not one the verifier trusts: unpinned, pinned to another digest,
    /// or development material where that is not allowed.
    #[error("untrusted verifying key: {0}")]
    Untrusted(String),
    /// File I/O.
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}
