//! The replicated application: what PBFT orders requests for.

use crate::types::{ClientId, SeqNo};

/// Context of one execution, identical on every correct replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExecCtx {
    /// Sequence number of the batch holding the request.
    pub seq: SeqNo,
    /// Position of the request inside its batch.
    pub index: u32,
    /// The client that signed the request.
    pub client: ClientId,
    /// The client's own request timestamp (a per-client counter).
    pub client_timestamp: u64,
    /// Milliseconds chosen by the primary in the pre-prepare and agreed through
    /// consensus; clamped to be non-decreasing across batches. Backups refuse a batch
    /// time not above the previous batch's or more than `Params::max_clock_skew_ms`
    /// ahead of their clock, so it is never far ahead of a correct replica's clock.
    /// The application must take time only from here to stay deterministic.
    pub time_ms: u64,
}

/// Error an application may return from [`App::restore`].
pub type AppError = Box<dyn std::error::Error + Send + Sync>;

/// A deterministic state machine replicated by PBFT.
///
/// The core calls `execute` once per committed request, in sequence order, on
/// every replica. `snapshot`/`restore` are used for checkpoints and state
/// transfer: two replicas that executed the same requests must produce
/// byte-identical snapshots (the checkpoint digest is SHA-256 over the snapshot
/// together with the reply cache, see `docs/pbft.md`).
///
/// The application must keep its state in memory (or treat any external store as
/// a cache it can rebuild): after a crash the replica restores the last stable
/// snapshot and re-executes the committed requests persisted after it.
pub trait App {
    /// Execute one operation and return its result (sent back to the client).
    fn execute(&mut self, op: &[u8], ctx: &ExecCtx) -> Vec<u8>;
    /// Serialize the full application state.
    fn snapshot(&self) -> Vec<u8>;
    /// Replace the state with a snapshot produced by `snapshot`.
    fn restore(&mut self, snapshot: &[u8]) -> Result<(), AppError>;
}
