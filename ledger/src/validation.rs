//! `Validation` (paper: a validator's score report for a claimed model, here a statement
//! plus a SNARK proof) and `Challenge` (paper: the verify phase, a verifier disputing a
//! validation).

use crate::bytes32::Bytes32;
use crate::statement::Statement;
use serde::{Deserialize, Serialize};

/// Where a validation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidationStatus {
    /// Optimistic mode, not challenged (yet): counts as valid at finalize.
    Unchallenged,
    /// The proof checker accepted the proof (eager mode, or a failed challenge).
    Verified,
    /// A challenge found the proof invalid; the stake was slashed.
    Invalid,
}

impl ValidationStatus {
    /// Counts toward finalize.
    pub fn is_valid(self) -> bool {
        !matches!(self, Self::Invalid)
    }
}

/// A challenge and how it was resolved (challenges resolve at once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeRecord {
    /// The verifier.
    pub challenger: Bytes32,
    /// Stake they put up.
    pub stake: u64,
    /// Ledger time.
    pub at: u64,
    /// True iff the proof was found invalid.
    pub succeeded: bool,
    /// The checker's reason when the proof was invalid.
    pub detail: Option<String>,
}

/// A validator's proof that a revealed model scores `statement.score`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validation {
    /// Sequential id.
    pub id: u64,
    /// The order.
    pub order: u64,
    /// The claim validated.
    pub claim: u64,
    /// The validator's account.
    pub validator: Bytes32,
    /// The public statement.
    pub statement: Statement,
    /// The proof bytes, kept for challenges until the order is finalized, then
    /// dropped (no challenge can come any more); `proof_sha256` and `proof_len` stay.
    pub proof: Vec<u8>,
    /// SHA-256 of the proof bytes.
    pub proof_sha256: Bytes32,
    /// Length of the proof in bytes.
    pub proof_len: u64,
    /// Stake escrowed (0 once slashed or returned).
    pub stake: u64,
    /// Stake originally posted.
    pub posted_stake: u64,
    /// Ledger time.
    pub submitted_at: u64,
    /// Current status.
    pub status: ValidationStatus,
    /// Challenges, in order.
    pub challenges: Vec<ChallengeRecord>,
}
