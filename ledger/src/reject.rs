//! `Reject`: why the PoT state machine refused a transaction. Every rejection path has
//! its own variant, a stable snake_case `code` and a human sentence (`Display`), and
//! travels back to the client in the reply. A rejected transaction changes nothing
//! except, when its signature and nonce were good, the account's nonce.

use crate::account::Role;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A reason a transaction was rejected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reject {
    // --- envelope ---
    /// The operation bytes did not decode.
    Malformed { detail: String },
    /// The signer field is not a valid ed25519 public key.
    BadPublicKey,
    /// The signature is not 64 bytes or does not verify.
    BadSignature,
    /// The signer has no account (not in genesis, never received a transfer).
    UnknownAccount { account: String },
    /// The nonce is not the account's next nonce.
    BadNonce { expected: u64, got: u64 },
    /// The transaction was signed for another network (genesis digest).
    WrongNetwork { expected: String, got: String },
    // --- money ---
    /// An amount that must be positive was zero.
    ZeroAmount { what: String },
    /// The account cannot pay.
    InsufficientBalance { needed: u64, available: u64 },
    // --- node registry ---
    /// The account is already a registered node.
    AlreadyRegistered { role: Role },
    /// The account is not a registered node.
    NotRegistered,
    /// The node stake is below the minimum for its role.
    StakeBelowMinimum { min: u64, got: u64 },
    /// The transaction needs a node of another role.
    WrongRole { required: Role, actual: Role },
    /// The node still has unfinished claims, validations or orders.
    OpenCommitments { count: u64 },
    // --- orders ---
    /// Deadlines must satisfy now < training < validation < reveal < challenge, with
    /// the genesis minimum reveal and challenge windows.
    BadDeadlines { detail: String },
    /// The order names a circuit (shape id) the network has no verifying key for.
    UnknownCircuit { shape_id: String },
    /// The order's minimum validation stake is below the genesis minimum.
    OrderStakeBelowMinimum { min: u64, got: u64 },
    /// N (samples) must be positive.
    ZeroSamples,
    /// The architecture (shape) id must be non-empty hex.
    BadShapeId { detail: String },
    /// No order with this id.
    UnknownOrder { order: u64 },
    /// The order is finalized already.
    OrderFinalized { order: u64 },
    // --- claims ---
    /// Commits are accepted only before the training deadline.
    CommitWindowClosed { deadline: u64, now: u64 },
    /// One claim per provider per order.
    DuplicateClaim { claim: u64 },
    /// A requester cannot claim their own order.
    RequesterCannotClaim,
    /// No claim by this provider on this order.
    NoClaim { order: u64 },
    /// Reveals are accepted only from the training deadline on.
    RevealTooEarly { opens: u64, now: u64 },
    /// Reveals are accepted only before the validation deadline.
    RevealWindowClosed { deadline: u64, now: u64 },
    /// The claim is already revealed.
    AlreadyRevealed { claim: u64 },
    /// H(model_commitment || salt || provider_pubkey) differs from the commit.
    RevealMismatch { claim: u64 },
    // --- validations ---
    /// No claim with this id.
    UnknownClaim { claim: u64 },
    /// The claim belongs to another order.
    ClaimNotInOrder { claim: u64, order: u64 },
    /// The claim has not been revealed, so there is no model to validate.
    ClaimNotRevealed { claim: u64 },
    /// Validation commitments are accepted only before the validation deadline.
    ValidationWindowClosed { deadline: u64, now: u64 },
    /// One validation per validator per claim.
    DuplicateValidation { validation: u64 },
    /// Validation reveals are accepted only from the validation deadline on.
    ValidationRevealTooEarly { opens: u64, now: u64 },
    /// Validation reveals are accepted only before the reveal deadline.
    ValidationRevealWindowClosed { deadline: u64, now: u64 },
    /// The validation commitment was made by another account.
    NotYourCommitment { validation: u64 },
    /// The validation is already revealed.
    ValidationAlreadyRevealed { validation: u64 },
    /// The revealed statement, proof and salt do not hash to the commitment.
    ValidationRevealMismatch { validation: u64 },
    /// The validation is committed but not revealed, so there is nothing to challenge.
    ValidationNotRevealed { validation: u64 },
    /// The validation stake is below the order's minimum validator stake.
    ValidatorStakeBelowMinimum { min: u64, got: u64 },
    /// The statement is not a zkpot statement this ledger understands.
    BadStatement { detail: String },
    /// A statement field differs from the order or the revealed claim.
    StatementMismatch {
        field: String,
        expected: String,
        got: String,
    },
    /// score > samples.
    ScoreExceedsSamples { score: u64, samples: u64 },
    /// The proof checker refused the proof (eager mode).
    ProofRejected { detail: String },
    /// The ledger cannot check this proof (no verifying key for it). Not a verdict:
    /// nobody is slashed and nothing changes.
    CannotCheck { detail: String },
    /// The proof is larger than the ledger accepts.
    ProofTooLarge { max: u64, got: u64 },
    // --- challenges ---
    /// No validation with this id.
    UnknownValidation { validation: u64 },
    /// Challenges are accepted only before the challenge deadline.
    ChallengeWindowClosed { deadline: u64, now: u64 },
    /// The validation's proof was already checked and found valid.
    AlreadyVerified { validation: u64 },
    /// The validation was already found invalid and slashed.
    AlreadyInvalidated { validation: u64 },
    /// The challenge stake is below the minimum.
    ChallengeStakeBelowMinimum { min: u64, got: u64 },
    // --- finalize ---
    /// Finalize is accepted only from the challenge deadline on.
    FinalizeTooEarly { opens: u64, now: u64 },
}

impl Reject {
    /// The stable snake_case code (the serde tag).
    pub fn code(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("code").and_then(|c| c.as_str()).map(str::to_string))
            .unwrap_or_else(|| "unknown".to_string())
    }
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Reject::*;
        match self {
            Malformed { detail } => write!(f, "malformed operation: {detail}"),
            BadPublicKey => write!(f, "signer is not a valid ed25519 public key"),
            BadSignature => write!(f, "signature does not verify for the signer's key"),
            UnknownAccount { account } => write!(f, "account {account} does not exist"),
            BadNonce { expected, got } => write!(f, "bad nonce: expected {expected}, got {got}"),
            WrongNetwork { expected, got } => write!(
                f,
                "transaction signed for network {got}, this network is {expected}"
            ),
            ZeroAmount { what } => write!(f, "{what} must be positive"),
            InsufficientBalance { needed, available } => {
                write!(f, "insufficient balance: needs {needed}, has {available}")
            }
            AlreadyRegistered { role } => write!(f, "account is already registered as {role}"),
            NotRegistered => write!(f, "account is not a registered node"),
            StakeBelowMinimum { min, got } => write!(f, "stake {got} is below the minimum {min}"),
            WrongRole { required, actual } => {
                write!(f, "only a {required} may do this; this node is a {actual}")
            }
            OpenCommitments { count } => {
                write!(f, "node has {count} unfinished claims/validations/orders")
            }
            BadDeadlines { detail } => write!(f, "bad deadlines: {detail}"),
            UnknownCircuit { shape_id } => write!(
                f,
                "the network has no verifying key for circuit shape {shape_id} (genesis lists the accepted keys)"
            ),
            OrderStakeBelowMinimum { min, got } => write!(
                f,
                "the order's minimum validation stake {got} is below the network minimum {min}"
            ),
            ZeroSamples => write!(f, "N (samples) must be positive"),
            BadShapeId { detail } => write!(f, "bad architecture id: {detail}"),
            UnknownOrder { order } => write!(f, "order {order} does not exist"),
            OrderFinalized { order } => write!(f, "order {order} is already finalized"),
            CommitWindowClosed { deadline, now } => {
                write!(
                    f,
                    "claim commits closed at the training deadline {deadline} (now {now})"
                )
            }
            DuplicateClaim { claim } => {
                write!(f, "this provider already has claim {claim} on this order")
            }
            RequesterCannotClaim => write!(f, "the requester cannot claim their own order"),
            NoClaim { order } => write!(f, "this provider has no claim on order {order}"),
            RevealTooEarly { opens, now } => {
                write!(
                    f,
                    "reveals open at the training deadline {opens} (now {now})"
                )
            }
            RevealWindowClosed { deadline, now } => {
                write!(
                    f,
                    "reveals closed at the validation deadline {deadline} (now {now})"
                )
            }
            AlreadyRevealed { claim } => write!(f, "claim {claim} is already revealed"),
            RevealMismatch { claim } => write!(
                f,
                "reveal does not match the commit of claim {claim}: \
                 H(model_commitment || salt || provider_pubkey) differs"
            ),
            UnknownClaim { claim } => write!(f, "claim {claim} does not exist"),
            ClaimNotInOrder { claim, order } => {
                write!(f, "claim {claim} does not belong to order {order}")
            }
            ClaimNotRevealed { claim } => write!(f, "claim {claim} has not been revealed"),
            ValidationWindowClosed { deadline, now } => {
                write!(
                    f,
                    "validation commitments closed at the validation deadline {deadline} (now {now})"
                )
            }
            DuplicateValidation { validation } => {
                write!(
                    f,
                    "this validator already validated this claim (validation {validation})"
                )
            }
            ValidationRevealTooEarly { opens, now } => write!(
                f,
                "validation reveals open at the validation deadline {opens} (now {now})"
            ),
            ValidationRevealWindowClosed { deadline, now } => write!(
                f,
                "validation reveals closed at the reveal deadline {deadline} (now {now})"
            ),
            NotYourCommitment { validation } => write!(
                f,
                "validation {validation} was committed by another account; a reveal must match the signer's own commitment"
            ),
            ValidationAlreadyRevealed { validation } => {
                write!(f, "validation {validation} is already revealed")
            }
            ValidationRevealMismatch { validation } => write!(
                f,
                "reveal does not match the commitment of validation {validation}: \
                 H(network, validator, order, claim, statement, proof, salt) differs"
            ),
            ValidationNotRevealed { validation } => {
                write!(f, "validation {validation} has not been revealed")
            }
            ValidatorStakeBelowMinimum { min, got } => {
                write!(
                    f,
                    "validation stake {got} is below the minimum {min}"
                )
            }
            BadStatement { detail } => write!(f, "bad statement: {detail}"),
            StatementMismatch {
                field,
                expected,
                got,
            } => {
                write!(f, "statement {field} is {got}, expected {expected}")
            }
            ScoreExceedsSamples { score, samples } => {
                write!(f, "score {score} exceeds N = {samples}")
            }
            ProofRejected { detail } => write!(f, "proof rejected: {detail}"),
            CannotCheck { detail } => write!(
                f,
                "the ledger cannot check this proof ({detail}); nothing was changed and nobody is slashed"
            ),
            ProofTooLarge { max, got } => write!(f, "proof is {got} bytes, at most {max} accepted"),
            UnknownValidation { validation } => write!(f, "validation {validation} does not exist"),
            ChallengeWindowClosed { deadline, now } => {
                write!(
                    f,
                    "challenges closed at the challenge deadline {deadline} (now {now})"
                )
            }
            AlreadyVerified { validation } => {
                write!(f, "validation {validation} was already verified valid")
            }
            AlreadyInvalidated { validation } => {
                write!(f, "validation {validation} was already found invalid")
            }
            ChallengeStakeBelowMinimum { min, got } => {
                write!(f, "challenge stake {got} is below the minimum {min}")
            }
            FinalizeTooEarly { opens, now } => {
                write!(
                    f,
                    "finalize opens at the challenge deadline {opens} (now {now})"
                )
            }
        }
    }
}
