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
//! * [`order`], [`claim`], [`validation`]: Order (+ Settlement), Claim, Validation
//!   (committed, then revealed) + Challenge.
//! * [`statement`]: the verifier's public statement and the ledger's field checks.
//! * [`tx`]: signed transactions, queries, and `Op` (what clients submit).
//!
//! Protocol core (pure, no I/O):
//! * [`state`]: `PotState` and `apply`; the per-phase rules live in the private
//!   `rules/` module (`accounts`, `orders`, `claims`, `validations`, `challenges`,
//!   `finalize`).
//! * [`economics`]: reward and slashing splits, reputation rule.
//! * [`checker`]: the `ProofChecker` seam for the SNARK verifier, and stand-ins for tests.
//! * [`snark`]: `SnarkChecker`, the real verifier (zkpot-verifier, halo2 and Groth16) behind that
//!   seam, holding exactly the verifying keys genesis lists.
//! * [`mod@execute`]: op bytes in, deterministic JSON reply out.
//! * [`query`]: read-only views.
//! * [`reject`]: every rejection reason; [`error`]: the crate error.
//!
//! Edges:
//! * [`keys`]: random keys and key files (mode 0600); public-seed development keys.
//! * [`client`]: the `LedgerClient` trait, helpers, and the in-memory `LocalLedger`.
//! * [`demo`]: the end-to-end PoT scenario used by `zkpot demo`.
//! * [`app`]: `PotApp`, the state machine as a `zkpot_pbft::App` (snapshots).
//! * [`config`]: node configs, cluster directories, built-in checkers.
//! * [`node`]: `zkpot node` (one replica); [`cluster`]: `zkpot cluster` (separate
//!   processes); [`local_cluster`]: in-process replicas over loopback TCP.
//! * [`net_client`]: `PbftLedger`, a `LedgerClient` over the PBFT TCP client.
//! * [`cli`]: the `zkpot ledger ...` client commands.
//! * [`mod@api`]: every node's read-only HTTP/JSON API and the auditor's page (with in-browser
//!   Groth16 verification), on a port the node config names (`"api"`); the stable checkpoint's
//!   certificate and its verifier (`zkpot ledger checkpoint`).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod account;
pub mod api;
pub mod app;
pub mod bytes32;
pub mod checker;
pub mod snark;
pub mod claim;
pub mod cli;
pub mod client;
pub mod cluster;
pub mod config;
pub mod demo;
pub mod economics;
pub mod error;
pub mod execute;
pub mod keys;
pub mod local_cluster;
pub mod net_client;
pub mod node;
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
pub use order::{Mode, Order, OrderSpec, Outcome, ScoreFunction, Winner};
pub use reject::Reject;
pub use state::{Genesis, Params, PotState, Receipt, Totals, TxContext};
pub use statement::Statement;
pub use tx::{Op, Query, SignedTx, TxBody};
