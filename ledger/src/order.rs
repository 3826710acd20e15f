//! `Order` (paper: the requester's training task): escrowed reward, architecture id
//! (= circuit shape id), dataset commitment, N, the three deadlines, the mode, and the
//! minimum validator stake; plus the outcome once finalized.

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
    /// Claims commit before this; reveals from this on.
    pub training_deadline: u64,
    /// Reveals and validations before this.
    pub validation_deadline: u64,
    /// Challenges before this; finalize from this on.
    pub challenge_deadline: u64,
    /// Eager or optimistic checking.
    pub mode: Mode,
    /// Minimum stake a validator escrows with each validation.
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
    /// Set by finalize.
    pub outcome: Option<Outcome>,
}

impl Order {
    /// True once finalized.
    pub fn is_finalized(&self) -> bool {
        self.outcome.is_some()
    }
}
