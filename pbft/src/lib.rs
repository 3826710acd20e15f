//! zkpot-pbft: Practical Byzantine Fault Tolerance (Castro & Liskov, OSDI'99 /
//! TOCS 2002), generic over the replicated application.
//!
//! # Layout
//!
//! - [`app`]: the [`App`] trait the replicated service implements, and [`ExecCtx`].
//! - [`types`], [`message`], [`crypto`]: identifiers, the signed protocol
//!   messages, Ed25519 signing and key derivation.
//! - [`sigcheck`]: the one Ed25519 acceptance rule (cofactored, batchable), also
//!   used by the ledger for transaction signatures.
//! - [`limits`]: worst-case message sizes; parameters whose new-view could exceed
//!   one frame are refused.
//! - [`snapshot`]: checkpoint snapshots as Merkle trees of chunks (the certified
//!   digest, chunk proofs), so state transfer moves them in verified pieces.
//! - [`verify`]: checks every signature (batch-verified) and stateless rule of an
//!   incoming message; the core only accepts [`verify::Verified`] messages.
//! - [`replica`]: the pure protocol core, [`Replica::handle`]`(now, Event) ->
//!   Vec<Action>`: normal case, checkpoints, view change, state transfer,
//!   recovery. No I/O, clocks or randomness.
//! - [`event`]: [`Event`], [`Action`], [`TimerId`], [`PersistOp`].
//! - [`client`]: the pure client state machine (f+1 matching replies,
//!   retransmission) shared by the async client and the simulator.
//! - [`storage`]: [`PersistedState`] and the redb-backed [`RedbStore`].
//! - [`net`]: tokio runtime: framing ([`net::codec`]), [`run_replica`] and the
//!   async [`Client`].
//! - [`config`]: [`ClusterConfig`] (JSON), [`Params`], [`ReplicaConfig`].
//!
//! # Quick start
//!
//! ```ignore
//! // Replica process: the app must start in its genesis state (also on restart).
//! let cfg = zkpot_pbft::ReplicaConfig::load("replica.json".as_ref())?;
//! zkpot_pbft::run_replica(cfg, MyApp::genesis()).await?;
//!
//! // Client process (inside a tokio runtime).
//! let cluster = zkpot_pbft::ClusterConfig::load("cluster.json".as_ref())?;
//! let mut client = zkpot_pbft::Client::connect(&cluster, signing_key)?;
//! let result: Vec<u8> = client.submit(op).await?; // f+1 matching replies
//! ```
//!
//! See `docs/pbft.md` for the message flow, the persisted tables and known limits.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]
#![warn(missing_docs)]

pub mod app;
pub mod client;
pub mod config;
pub mod crypto;
pub mod error;
pub mod event;
pub mod limits;
pub mod message;
pub mod net;
pub mod replica;
pub mod sigcheck;
pub mod snapshot;
pub mod storage;
pub mod types;
pub mod verify;

pub use app::{App, AppError, ExecCtx};
pub use client::ClientCore;
pub use config::{ClusterConfig, Params, ReplicaConfig, ReplicaInfo};
pub use error::{PbftError, Result};
pub use event::{Action, Event, PersistOp, TimerId};
pub use net::{run_replica, run_replica_with_stats, Client, RuntimeStats};
pub use replica::{Replica, Stats};
pub use storage::{PersistedState, RedbStore};
pub use types::{ClientId, Digest, ReplicaId, SeqNo, View};
pub use verify::{Verified, Verifier};
