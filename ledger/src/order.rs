//! `Order` (paper: the requester's training task): escrowed reward, architecture id
//! (= circuit shape id), dataset commitment, N, the four deadlines, the mode, and the
//! minimum validator stake; and `Settlement`, what the state keeps of it once finalized.
//!
//! The phases (the paper's Eqs. 1-3: claim commit t1 < training deadline < claim reveal
//! t2; validation commitment t4 < validation deadline <= validation reveal t5 < reveal
//! deadline, the paper's signature-then-message; challenge t6 < challenge deadline):
//! ```text
//! created ── train ──> training ── validate ──> validation ── reveal ──> reveal ── challenge ──> challenge ── finalize
//!          claim commits       claim reveals,             validation reveals         challenges
//!                              validation commits         (challenges may start)
//! ```

use crate::bytes32::Bytes32;
use serde::{Deserialize, Serialize};
pub use zkpot_verifier::ScoreFunction;

/// How validations are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The ledger runs the proof checker before accepting a validation.
    Eager,
    /// The ledger checks statement fields only; proofs are checked when challenged.
    Optimistic,
}

impl Mode {
    /// Parses `eager` or `optimistic`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "eager" => Some(Self::Eager),
            "optimistic" => Some(Self::Optimistic),
            _ => None,
        }
    }
}

/// What the requester asks for (the body of a put-order transaction).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSpec {
    /// Reward escrowed from the requester.
    pub reward: u64,
    /// Architecture id = circuit shape id (hex).
    pub shape_id: String,
    /// Commitment to the test set.
    pub dataset_commitment: Bytes32,
    /// Test-set size N.
    pub samples: u64,
    /// Claims commit before this; claim reveals from this on.
    pub training_deadline: u64,
    /// Claim reveals and validation commitments before this; validation reveals from
    /// this on (so no proof is public while commitments are open).
    pub validation_deadline: u64,
    /// Validation reveals before this; at least the genesis minimum reveal window after
    /// the validation deadline.
    pub reveal_deadline: u64,
    /// Challenges before this; finalize from this on; at least the genesis minimum
    /// challenge window after the reveal deadline.
    pub challenge_deadline: u64,
    /// Eager or optimistic checking.
    pub mode: Mode,
    /// Minimum stake a validator escrows with each validation (at least the genesis
    /// `min_validation_stake`).
    pub min_validator_stake: u64,
    /// What the score counts (`top-1`, `top-k`, `mse`): validations must name this
    /// score function, and finalize picks the highest score, or the lowest for `mse`.
    /// Absent in JSON means top-1.
    #[serde(default)]
    pub score_function: ScoreFunction,
}

/// The winner of a finalized order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Winner {
    /// Winning claim id.
    pub claim: u64,
    /// Its provider.
    pub provider: Bytes32,
    /// Its revealed model commitment.
    pub model_commitment: Bytes32,
    /// Its score: a count out of N, or for `mse` the mean squared error in units of
    /// 2^-2s (lower is better).
    pub score: u64,
    /// Paid to the provider.
    pub provider_reward: u64,
    /// Validations paid a validator share.
    pub rewarded_validations: Vec<u64>,
    /// Paid to each rewarded validator.
    pub validator_reward_each: u64,
}

/// How an order ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A winner was paid.
    Won(Winner),
    /// No valid claim: the reward went back to the requester.
    Refunded {
        /// Amount refunded.
        amount: u64,
    },
}

/// An order on the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Sequential id.
    pub id: u64,
    /// Who put it and escrowed the reward.
    pub requester: Bytes32,
    /// Ledger time it was accepted.
    pub created_at: u64,
    /// The requested task.
    pub spec: OrderSpec,
    /// Reward still escrowed (spec.reward until finalized, then 0).
    pub escrow: u64,
    /// Claim ids, in commit order.
    pub claims: Vec<u64>,
}

/// What the state keeps of a finalized order (its claims, validations and proofs are
/// pruned; the `Finalized` receipt and this summary are what auditors read).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    /// Order id.
    pub id: u64,
    /// Who put it.
    pub requester: Bytes32,
    /// Ledger time it was accepted.
    pub created_at: u64,
    /// Ledger time it was finalized.
    pub finalized_at: u64,
    /// The requested task.
    pub spec: OrderSpec,
    /// Claims made on it.
    pub claims: u64,
    /// Validations revealed on it.
    pub validations: u64,
    /// Validations found invalid (slashed).
    pub slashed_validations: Vec<u64>,
    /// Validation commitments never revealed (stake forfeited).
    pub unrevealed_validations: Vec<u64>,
    /// The outcome (winner or refund).
    pub outcome: Outcome,
}

/// Longest accepted architecture (shape) id, hex characters.
pub const MAX_SHAPE_ID_LEN: usize = 128;

/// A shape id is 1..=[`MAX_SHAPE_ID_LEN`] lowercase hex digits (the verifier's form, so
/// it names exactly one genesis key).
pub fn check_shape_id(shape: &str) -> Result<(), String> {
    if shape.is_empty()
        || shape.len() > MAX_SHAPE_ID_LEN
        || !shape.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    {
        return Err(format!("a shape id must be 1..={MAX_SHAPE_ID_LEN} lowercase hex digits, got {:?}", crate::statement::clip(shape)));
    }
    Ok(())
}
