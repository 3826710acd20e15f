//! Accounts and the network record table (paper: "node info"): balances, nonces, and
//! for registered nodes their role, stake, reputation and participation counters.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a registered node does in the PoT protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Trains models and claims orders.
    Provider,
    /// Evaluates claimed models and posts score proofs.
    Validator,
    /// Checks validations and challenges bad ones.
    Verifier,
}

impl Role {
    /// Parses `provider`, `validator` or `verifier`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "provider" => Some(Self::Provider),
            "validator" => Some(Self::Validator),
            "verifier" => Some(Self::Verifier),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Provider => "provider",
            Self::Validator => "validator",
            Self::Verifier => "verifier",
        })
    }
}

/// A registered node's entry in the network record table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeRecord {
    /// Claims committed.
    pub claims: u64,
    /// Orders won.
    pub wins: u64,
    /// Validations accepted.
    pub validations: u64,
    /// Validations slashed after a successful challenge.
    pub slashed: u64,
    /// Challenges that found an invalid proof.
    pub challenges_won: u64,
    /// Challenges against a valid proof.
    pub challenges_lost: u64,
}

/// A registered node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    /// Its single role.
    pub role: Role,
    /// Escrowed registration stake, returned on unregister.
    pub stake: u64,
    /// Reputation score (see `economics::reputation`); may go negative.
    pub reputation: i64,
    /// Ledger time of registration.
    pub registered_at: u64,
    /// Claims/validations in orders not yet finalized; unregister needs 0.
    pub open: u64,
    /// Participation counters.
    pub record: NodeRecord,
}

/// An account, keyed by its ed25519 public key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Spendable balance.
    pub balance: u64,
    /// Number of transactions accepted for signature and nonce; the next must carry it.
    pub nonce: u64,
    /// Node registration, if any.
    pub node: Option<NodeInfo>,
    /// Orders this account put that are not finalized (unregister is not blocked by
    /// these; kept for queries).
    pub open_orders: u64,
}
