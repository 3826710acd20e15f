//! `LedgerError`: the crate's one error type, for the edges (config files, encoding,
//! networking, command line). Protocol rejections are values ([`crate::Reject`]) carried
//! in replies, and become `LedgerError::Rejected` only at the client edge.

use crate::reject::Reject;

/// Errors of the ledger crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// A configuration (genesis, node, cluster) is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// File or socket I/O failed.
    #[error("i/o on {what}: {source}")]
    Io {
        /// What was being read or written.
        what: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// JSON encoding or decoding failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// Binary encoding or decoding failed.
    #[error("encoding: {0}")]
    Encoding(String),
    /// The ledger rejected a transaction.
    #[error("rejected ({code}): {0}", code = .0.code())]
    Rejected(Reject),
    /// Consensus / networking failed.
    #[error("consensus: {0}")]
    Consensus(String),
    /// Bad command-line input.
    #[error("usage: {0}")]
    Usage(String),
}

impl LedgerError {
    /// Wraps an I/O error with what was being done.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            what: what.into(),
            source,
        }
    }
}
