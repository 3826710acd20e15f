//! `Validation` (paper: a validator's score report for a claimed model, here a statement
//! plus a SNARK proof) and `Challenge` (paper: the verify phase, a verifier disputing a
//! validation).
//!
//! A validation is made in two steps so that a proof belongs to the validator who made
//! it: before the validation deadline the validator commits
//! [`validation_commitment`] `= H(domain, network id, validator, order, claim,
//! H(statement), H(proof), salt)` with its stake ([`ValidationCommit`]); after the
//! deadline it reveals statement, proof and salt, which must match a commitment made by
//! the same account. No proof is public while commitments are open, so a copied proof
//! has no commitment of its own, whatever order a primary puts requests in.

use crate::bytes32::Bytes32;
use crate::statement::Statement;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Domain tag of validation commitments.
pub const VALIDATION_COMMIT_DOMAIN: &[u8] = b"zkpot-ledger/validation-commit/v1";

/// SHA-256 of the statement's canonical (postcard) encoding.
pub fn statement_digest(statement: &Statement) -> Bytes32 {
    Bytes32(Sha256::digest(postcard::to_allocvec(statement).unwrap_or_default()).into())
}

/// SHA-256 of the proof bytes.
pub fn proof_digest(proof: &[u8]) -> Bytes32 {
    Bytes32(Sha256::digest(proof).into())
}

/// `SHA-256(VALIDATION_COMMIT_DOMAIN || network || validator || order (u64 BE) ||
/// claim (u64 BE) || statement_digest || proof_digest || salt)`.
pub fn validation_commitment(
    network: &Bytes32,
    validator: &Bytes32,
    order: u64,
    claim: u64,
    statement: &Statement,
    proof: &[u8],
    salt: &Bytes32,
) -> Bytes32 {
    let mut h = Sha256::new();
    h.update(VALIDATION_COMMIT_DOMAIN);
    h.update(network.0);
    h.update(validator.0);
    h.update(order.to_be_bytes());
    h.update(claim.to_be_bytes());
    h.update(statement_digest(statement).0);
    h.update(proof_digest(proof).0);
    h.update(salt.0);
    Bytes32(h.finalize().into())
}

/// A validator's commitment to a validation, before it is revealed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationCommit {
    /// Validation id (the revealed validation keeps it).
    pub id: u64,
    /// The order.
    pub order: u64,
    /// The claim validated.
    pub claim: u64,
    /// The validator's account.
    pub validator: Bytes32,
    /// [`validation_commitment`].
    pub commitment: Bytes32,
    /// Stake escrowed.
    pub stake: u64,
    /// Ledger time of the commit.
    pub committed_at: u64,
}

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
    /// The proof bytes, kept for challenges until the order is finalized (then the
    /// whole validation is pruned).
    pub proof: Vec<u8>,
    /// SHA-256 of the proof bytes.
    pub proof_sha256: Bytes32,
    /// Length of the proof in bytes.
    pub proof_len: u64,
    /// Stake escrowed (0 once slashed or returned).
    pub stake: u64,
    /// Stake originally posted.
    pub posted_stake: u64,
    /// The commitment it was revealed against.
    pub commitment: Bytes32,
    /// Ledger time of the commit.
    pub committed_at: u64,
    /// Ledger time of the reveal.
    pub revealed_at: u64,
    /// Current status.
    pub status: ValidationStatus,
    /// Challenges, in order.
    pub challenges: Vec<ChallengeRecord>,
}
