//! Node and cluster configuration files.
//!
//! A cluster directory (written by `zkpot cluster`) holds:
//! * `cluster.json`: the public PBFT cluster description (addresses, public keys, f);
//! * `genesis.json`: protocol parameters and initial balances;
//! * `node-<i>.json`: one [`NodeConfig`] per replica (with its secret key);
//! * `node-<i>.redb`, `node-<i>.log`: each node's database and output;
//! * `pids.json`: process ids of the spawned nodes.
//!
//! Keys are derived from seeds (`replica-<i>`, `dev/<name>`): a local test cluster,
//! not a production key ceremony.

use crate::bytes32::Bytes32;
use crate::checker::{AcceptAll, FakeSnarkChecker, MarkerChecker, ProofChecker};
use crate::demo::{demo_genesis, DEMO_FUNDS};
use crate::error::LedgerError;
use crate::keys::{account_from_seed, signing_key_from_seed};
use crate::state::Genesis;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zkpot_pbft::{ClusterConfig, Params as PbftParams, ReplicaConfig};

/// Names of the funded development accounts (`dev/<name>` seeds).
pub const DEV_ACCOUNTS: &[&str] = &[
    "requester",
    "provider-1",
    "provider-2",
    "validator-1",
    "validator-2",
    "validator-3",
    "verifier-1",
    "verifier-2",
];

/// Everything one node process needs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NodeConfig {
    /// PBFT replica configuration (id, cluster, secret key, database, params).
    pub replica: ReplicaConfig,
    /// Genesis of the PoT state.
    pub genesis: Genesis,
    /// Proof checker: `snark:<key dir>` (zkpot's verifier with the halo2 and Groth16 verifying
    /// keys in that directory; `halo2:<key dir>` is the same), or the stand-ins `fake-snark` (default), `marker`, `accept-all`.
    #[serde(default = "default_checker")]
    pub checker: String,
}

fn default_checker() -> String {
    "fake-snark".to_string()
}

/// The proof checkers this crate provides, by name.
pub fn builtin_checker(name: &str) -> Result<Arc<dyn ProofChecker>, LedgerError> {
    if let Some(dir) = name.strip_prefix("snark:").or_else(|| name.strip_prefix("halo2:")) {
        return Ok(Arc::new(crate::snark::SnarkChecker::from_dir(std::path::Path::new(dir))?));
    }
    match name {
        "fake-snark" => Ok(Arc::new(FakeSnarkChecker)),
        "marker" => Ok(Arc::new(MarkerChecker::new())),
        "accept-all" => Ok(Arc::new(AcceptAll)),
        other => Err(LedgerError::Config(format!(
            "unknown proof checker {other:?} (built in: snark:<key dir> (halo2: is the same), fake-snark, marker, accept-all)"
        ))),
    }
}

/// Reads a JSON file.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, LedgerError> {
    let s = std::fs::read_to_string(path)
        .map_err(|e| LedgerError::io(path.display().to_string(), e))?;
    Ok(serde_json::from_str(&s)?)
}

/// Writes a JSON file (pretty).
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), LedgerError> {
    let s = serde_json::to_string_pretty(value)?;
    std::fs::write(path, s).map_err(|e| LedgerError::io(path.display().to_string(), e))
}

impl NodeConfig {
    /// Loads and checks a node configuration.
    pub fn load(path: &Path) -> Result<Self, LedgerError> {
        let c: Self = read_json(path)?;
        c.replica
            .signing_key()
            .map_err(|e| LedgerError::Config(e.to_string()))?;
        c.replica
            .params
            .validate()
            .map_err(|e| LedgerError::Config(e.to_string()))?;
        Ok(c)
    }
}

/// The genesis of a local cluster: dev accounts and demo actors, each funded.
pub fn dev_genesis() -> Genesis {
    let mut g = demo_genesis();
    for name in DEV_ACCOUNTS {
        g.allocations
            .insert(account_from_seed(&format!("dev/{name}")), DEMO_FUNDS * 10);
    }
    g
}

/// A PBFT cluster of `n` replicas on the given loopback addresses, keys from seeds
/// `replica-<i>`; f = (n-1)/3.
pub fn cluster_config(addrs: &[SocketAddr]) -> ClusterConfig {
    let n = addrs.len();
    ClusterConfig::new(
        n.saturating_sub(1) / 3,
        addrs
            .iter()
            .enumerate()
            .map(|(i, a)| (*a, replica_key(i).verifying_key()))
            .collect(),
    )
}

/// The signing key of replica `i` of a local cluster.
pub fn replica_key(i: usize) -> ed25519_dalek::SigningKey {
    signing_key_from_seed(&format!("replica-{i}"))
}

/// `n` free loopback addresses (bind to port 0, read, release).
pub fn free_addrs(n: usize) -> Result<Vec<SocketAddr>, LedgerError> {
    let listeners: Vec<std::net::TcpListener> = (0..n)
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .map_err(|e| LedgerError::io("bind 127.0.0.1:0", e))
        })
        .collect::<Result<_, _>>()?;
    listeners
        .iter()
        .map(|l| l.local_addr().map_err(|e| LedgerError::io("local_addr", e)))
        .collect()
}

/// Node configurations for a local cluster whose databases live in `dir`.
pub fn local_node_configs(
    addrs: &[SocketAddr],
    dir: &Path,
    genesis: &Genesis,
    params: &PbftParams,
    checker: &str,
) -> Vec<NodeConfig> {
    let cluster = cluster_config(addrs);
    (0..addrs.len())
        .map(|i| NodeConfig {
            replica: ReplicaConfig {
                id: i as u32,
                cluster: cluster.clone(),
                secret_key: hex::encode(replica_key(i).to_bytes()),
                db_path: dir.join(format!("node-{i}.redb")),
                params: params.clone(),
            },
            genesis: genesis.clone(),
            checker: checker.to_string(),
        })
        .collect()
}

/// Paths inside a cluster directory.
pub struct ClusterDir(pub PathBuf);

impl ClusterDir {
    /// `cluster.json`.
    pub fn cluster(&self) -> PathBuf {
        self.0.join("cluster.json")
    }
    /// `genesis.json`.
    pub fn genesis(&self) -> PathBuf {
        self.0.join("genesis.json")
    }
    /// `node-<i>.json`.
    pub fn node(&self, i: usize) -> PathBuf {
        self.0.join(format!("node-{i}.json"))
    }
    /// `node-<i>.log`.
    pub fn log(&self, i: usize) -> PathBuf {
        self.0.join(format!("node-{i}.log"))
    }
    /// `pids.json`.
    pub fn pids(&self) -> PathBuf {
        self.0.join("pids.json")
    }
    /// Loads `cluster.json`.
    pub fn load_cluster(&self) -> Result<ClusterConfig, LedgerError> {
        read_json(&self.cluster())
    }
}

/// The account id of a development seed.
pub fn account_of_seed(seed: &str) -> Bytes32 {
    account_from_seed(seed)
}
