//! # zkpot-ledger
//!
//! The Proof-of-Training (PoT) ledger: a deterministic state machine for the PoT
//! protocol (orders, two-phase claims, SNARK-backed validations, challenges,
//! finalization), replicated by PBFT (`zkpot-pbft`) across aggregator nodes.
//!
//! # Layout
//!
//! Data (what the paper calls the PoT data structures):
//! * [`bytes32`]: 32-byte keys/hashes/field elements, hex in JSON.
//! * [`account`]: accounts and the network record table (node info).
//! * [`order`], [`claim`], [`validation`]: Order, Claim, Validation + Challenge.
//! * [`statement`]: the verifier's public statement and the ledger's field checks.
//! * [`tx`]: signed transactions, queries, and `Op` (what clients submit).
//!
//! Protocol core (pure, no I/O):
//! * [`state`]: `PotState` and `apply`; [`rules`](crate::state) per phase in `rules/`.
//! * [`economics`]: reward and slashing splits, reputation rule.
//! * [`checker`]: the `ProofChecker` seam for the SNARK verifier.
//! * [`execute`]: op bytes in, deterministic JSON reply out.
//! * [`query`]: read-only views.
//! * [`reject`]: every rejection reason; [`error`]: the crate error.
//!
//! Edges:
//! * [`keys`]: deterministic keys from seeds (tests, demos, local clusters).
//! * [`client`]: the `LedgerClient` trait, helpers, and the in-memory `LocalLedger`.
//! * [`demo`]: the end-to-end PoT scenario used by `zkpot demo`.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod account;
pub mod bytes32;
pub mod checker;
pub mod claim;
pub mod client;
pub mod demo;
pub mod economics;
pub mod error;
pub mod execute;
pub mod keys;
pub mod order;
pub mod query;
pub mod reject;
mod rules;
pub mod state;
pub mod statement;
pub mod tx;
pub mod validation;

pub use account::{Account, NodeInfo, Role};
pub use bytes32::Bytes32;
pub use checker::{AcceptAll, FakeSnarkChecker, MarkerChecker, ProofChecker};
pub use error::LedgerError;
pub use execute::{execute, Reply, TxOutcome};
pub use order::{Mode, Order, OrderSpec, Outcome, Winner};
pub use reject::Reject;
pub use state::{Genesis, Params, PotState, Receipt, Totals, TxContext};
pub use statement::Statement;
pub use tx::{Op, Query, SignedTx, TxBody};
