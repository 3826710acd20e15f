//! The tokio runtime around the pure core.
//!
//! - `codec.rs`: frames (length-delimited, version byte, postcard).
//! - `peers.rs`: persistent outgoing connections to other replicas, with
//!   reconnection and exponential backoff.
//! - `replica_runtime.rs`: [`run_replica`]: listener, event loop, timers,
//!   persistence before sending.
//! - `routes.rs`: which connection a client's replies go to (capped).
//! - `client.rs`: the async [`Client`].

pub mod codec;
mod client;
mod peers;
mod routes;
mod replica_runtime;

pub use client::Client;
pub use replica_runtime::{max_conns_per_ip, run_replica, run_replica_with_stats, RuntimeStats, CLIENT_INPUT_BUDGET};
