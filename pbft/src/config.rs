//! Cluster membership, protocol parameters and per-replica configuration.
//!
//! [`ClusterConfig`] is public information (addresses and public keys) shared by
//! replicas and clients, loadable from JSON:
//!
//! ```json
//! { "f": 1, "replicas": [ { "addr": "127.0.0.1:7000", "public_key": "<64 hex>" }, ... ] }
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;

use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::crypto::verifying_key_from_hex;
use crate::error::{PbftError, Result};
use crate::types::{ReplicaId, View};

/// One replica as seen by everyone else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaInfo {
    /// Listening address (replicas and clients connect here).
    pub addr: SocketAddr,
    /// Ed25519 public key, hex.
    pub public_key: String,
}

/// Public description of the cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterConfig {
    /// Maximum number of faulty replicas tolerated.
    pub f: usize,
    /// All replicas; replica `i` is `replicas[i]`. `n = replicas.len() >= 3f+1`.
    pub replicas: Vec<ReplicaInfo>,
}

impl ClusterConfig {
    /// Build from addresses and keys.
    pub fn new(f: usize, replicas: Vec<(SocketAddr, VerifyingKey)>) -> Self {
        ClusterConfig {
            f,
            replicas: replicas
                .into_iter()
                .map(|(addr, k)| ReplicaInfo { addr, public_key: hex::encode(k.to_bytes()) })
                .collect(),
        }
    }

    /// Parse and validate JSON.
    pub fn from_json(s: &str) -> Result<Self> {
        let c: ClusterConfig = serde_json::from_str(s)?;
        c.keys()?;
        Ok(c)
    }

    /// Read and validate a JSON file.
    pub fn load(path: &std::path::Path) -> Result<Self> {
        Self::from_json(&std::fs::read_to_string(path)?)
    }

    /// Number of replicas.
    pub fn n(&self) -> usize {
        self.replicas.len()
    }

    /// Decode and check the public keys; errors if `n < 3f+1`.
    pub fn keys(&self) -> Result<Vec<VerifyingKey>> {
        if self.n() == 0 || self.n() < 3 * self.f + 1 {
            return Err(PbftError::Config(format!("n = {} < 3f+1 with f = {}", self.n(), self.f)));
        }
        self.replicas
            .iter()
            .enumerate()
            .map(|(i, r)| {
                verifying_key_from_hex(&r.public_key)
                    .ok_or_else(|| PbftError::Config(format!("replica {i}: bad public key")))
            })
            .collect()
    }

    /// Size of a quorum, `n - f` ([`quorum`]).
    pub fn quorum(&self) -> usize {
        quorum(self.n(), self.f)
    }

    /// Primary of view `v` (§4.1).
    pub fn primary(&self, v: View) -> ReplicaId {
        primary_of(v, self.n())
    }
}

/// Size of every quorum: prepared certificates (the pre-prepare plus `quorum - 1`
/// prepares), commit certificates, stable-checkpoint proofs and the view-changes of a
/// new-view. With `n = 3f+1` this is the paper's `2f+1`; for any `n >= 3f+1` it is
/// `n - f`, so that any two quorums share at least `2(n-f) - n = n - 2f >= f+1`
/// replicas, at least one of them correct (with `2f+1` and `n = 5, f = 1` two
/// quorums of 3 could share a single, faulty replica). See `docs/pbft.md`.
pub fn quorum(n: usize, f: usize) -> usize {
    n.saturating_sub(f)
}

/// Primary of view `v` in a cluster of `n` replicas.
pub fn primary_of(v: View, n: usize) -> ReplicaId {
    (v % n.max(1) as u64) as ReplicaId
}

/// Protocol constants. Defaults suit a LAN; tests shrink the timeouts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// Checkpoint period K (§4.3).
    pub checkpoint_interval: u64,
    /// Log window L: sequence numbers accepted are in `(h, h+L]` (§4.3). Must be a
    /// multiple of K, at least 2K.
    pub log_window: u64,
    /// Maximum requests in one pre-prepare.
    pub max_batch: usize,
    /// Maximum pre-prepared but not yet executed batches the primary keeps in
    /// flight; further requests queue and go out batched (§6.1 of the TOCS paper).
    pub max_in_flight: u64,
    /// Base view-change timeout T; doubled on every consecutive failed view change.
    pub view_change_timeout_ms: u64,
    /// Cap on the doubled view-change timeout (the paper doubles without bound;
    /// a cap keeps recovery time bounded after long partitions).
    pub view_change_timeout_max_ms: u64,
    /// Period of the status timer (retransmission and lag detection).
    pub status_interval_ms: u64,
    /// Client retransmission timeout (broadcast to all replicas on expiry).
    pub client_retry_ms: u64,
    /// How far (ms) a pre-prepare's batch time may be ahead of a backup's own clock.
    /// Backups refuse a pre-prepare whose time is not above the previous batch's or
    /// is further ahead than this, and change views if the primary does not make
    /// progress otherwise; so a committed time is never more than this ahead of some
    /// correct replica's clock.
    #[serde(default = "default_skew")]
    pub max_clock_skew_ms: u64,
    /// Largest operation a request may carry (bytes). Bigger requests are refused at
    /// ingress (the runtime answers the client with a rejection) and a pre-prepare
    /// holding one is refused by backups.
    #[serde(default = "default_max_request")]
    pub max_request_bytes: usize,
    /// Largest total of operation bytes in one batch; the primary stops filling a
    /// batch before it, backups refuse a pre-prepare above it.
    #[serde(default = "default_max_batch_bytes")]
    pub max_batch_bytes: usize,
    /// Most clients with a request waiting at one replica; requests of further
    /// clients are dropped until some execute (the client retransmits).
    #[serde(default = "default_max_pending")]
    pub max_pending_clients: usize,
    /// Size of the chunks a checkpoint snapshot is hashed and transferred in (bytes).
    /// Part of the checkpoint digest ([`crate::snapshot`]), so equal on all replicas; one
    /// chunk message must fit half a frame (`crate::limits::check`).
    #[serde(default = "default_chunk_bytes")]
    pub snapshot_chunk_bytes: u32,
    /// Largest snapshot a lagging replica accepts in state transfer (bytes): an offer
    /// declaring more is refused (`Stats::snapshots_refused`), so a faulty replica cannot
    /// make it buffer more. Must be at least the size the application's state can reach.
    #[serde(default = "default_max_snapshot")]
    pub max_snapshot_bytes: u64,
}

fn default_chunk_bytes() -> u32 {
    4 << 20
}

fn default_max_snapshot() -> u64 {
    4 << 30
}

fn default_max_pending() -> usize {
    4096
}

fn default_skew() -> u64 {
    5_000
}
fn default_max_request() -> usize {
    256 << 10
}
fn default_max_batch_bytes() -> usize {
    // A new-view re-proposes up to log_window batches; with L = 256 and the
    // certificates of n = 100 replicas it must still fit one frame (`crate::limits`).
    384 << 10
}

impl Default for Params {
    fn default() -> Self {
        Params {
            // Castro and Liskov's library uses K = 128 and L = 256; with K = 16 the
            // checkpoint snapshots (the whole ledger state, proofs included, serialized,
            // hashed and written by every replica) cost more than consensus itself
            // once the state holds a few megabytes.
            checkpoint_interval: 128,
            log_window: 256,
            max_batch: 64,
            max_in_flight: 4,
            view_change_timeout_ms: 2000,
            view_change_timeout_max_ms: 64_000,
            status_interval_ms: 300,
            client_retry_ms: 1000,
            max_clock_skew_ms: default_skew(),
            max_request_bytes: default_max_request(),
            max_batch_bytes: default_max_batch_bytes(),
            max_pending_clients: default_max_pending(),
            snapshot_chunk_bytes: default_chunk_bytes(),
            max_snapshot_bytes: default_max_snapshot(),
        }
    }
}

impl Params {
    /// Check the constraints between fields.
    pub fn validate(&self) -> Result<()> {
        let k = self.checkpoint_interval;
        if k == 0 || self.log_window < 2 * k || self.log_window % k != 0 {
            return Err(PbftError::Config("log_window must be a multiple of K, >= 2K".into()));
        }
        if self.max_batch == 0 || self.max_in_flight == 0 {
            return Err(PbftError::Config("max_batch and max_in_flight must be > 0".into()));
        }
        if self.max_request_bytes == 0 || self.max_batch_bytes < self.max_request_bytes {
            return Err(PbftError::Config("need 0 < max_request_bytes <= max_batch_bytes".into()));
        }
        if self.snapshot_chunk_bytes == 0 || self.max_snapshot_bytes == 0 {
            return Err(PbftError::Config("snapshot_chunk_bytes and max_snapshot_bytes must be > 0".into()));
        }
        Ok(())
    }
}

/// Everything one replica process needs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReplicaConfig {
    /// This replica's index in `cluster.replicas`.
    pub id: ReplicaId,
    /// Public cluster description.
    pub cluster: ClusterConfig,
    /// Ed25519 secret key seed, hex (32 bytes).
    pub secret_key: String,
    /// redb database file.
    pub db_path: PathBuf,
    /// Protocol constants (must be equal on all replicas).
    #[serde(default)]
    pub params: Params,
}

impl ReplicaConfig {
    /// Read a replica configuration from a JSON file and check its key.
    pub fn load(path: &std::path::Path) -> Result<Self> {
        let c: ReplicaConfig = serde_json::from_str(&std::fs::read_to_string(path)?)?;
        c.params.validate()?;
        crate::limits::check(c.cluster.n(), c.cluster.f, &c.params)?;
        c.signing_key()?;
        Ok(c)
    }

    /// Decode the signing key and check it matches the cluster's public key.
    pub fn signing_key(&self) -> Result<SigningKey> {
        let seed: [u8; 32] = hex::decode(&self.secret_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| PbftError::Config("secret_key must be 32 hex bytes".into()))?;
        let key = SigningKey::from_bytes(&seed);
        let keys = self.cluster.keys()?;
        match keys.get(self.id as usize) {
            Some(pk) if *pk == key.verifying_key() => Ok(key),
            Some(_) => Err(PbftError::Config("secret key does not match cluster public key".into())),
            None => Err(PbftError::Config(format!("replica id {} out of range", self.id))),
        }
    }
}
