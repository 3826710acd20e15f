//! The crate's single error type.

use crate::types::SeqNo;

/// Everything that can go wrong in zkpot-pbft.
///
/// Errors on network input (`BadSignature`, `Malformed`, ...) are returned by
/// [`crate::verify`] and the codec; the runtime counts and drops such input, it
/// never stops a replica because of it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PbftError {
    /// A signature (or a batch of signatures) did not verify.
    #[error("bad signature: {0}")]
    BadSignature(&'static str),
    /// A message is well-formed on the wire but violates a protocol rule
    /// (wrong quorum size, digest mismatch, unknown replica, ...).
    #[error("invalid message: {0}")]
    Invalid(&'static str),
    /// A frame could not be decoded.
    #[error("malformed frame: {0}")]
    Malformed(String),
    /// Unsupported wire-format version byte.
    #[error("unsupported wire version {0}")]
    Version(u8),
    /// Configuration is inconsistent (n < 3f+1, bad key, ...).
    #[error("configuration: {0}")]
    Config(String),
    /// The application rejected a snapshot.
    #[error("application: {0}")]
    App(String),
    /// A snapshot did not hash to the checkpoint digest it claims.
    #[error("snapshot at seq {0} does not match the stable checkpoint digest")]
    SnapshotMismatch(SeqNo),
    /// The embedded database failed.
    #[error("storage: {0}")]
    Storage(String),
    /// Socket-level failure.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// JSON (configuration files).
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// f+1 replicas refused the request at ingress (too large, ...).
    #[error("refused by f+1 replicas: {0}")]
    Rejected(String),
    /// The client gave up waiting for f+1 matching replies.
    #[error("timed out waiting for f+1 matching replies")]
    Timeout,
}

impl From<postcard::Error> for PbftError {
    fn from(e: postcard::Error) -> Self {
        PbftError::Malformed(e.to_string())
    }
}

/// Shorthand used across the crate.
pub type Result<T, E = PbftError> = std::result::Result<T, E>;
