//! Node and cluster configuration files.
//!
//! A cluster directory (written by `zkpot cluster`) holds:
//! * `cluster.json`: the public PBFT cluster description (addresses, public keys, f);
//! * `genesis.json`: protocol parameters and initial balances;
//! * `node-<i>.json`: one [`NodeConfig`] per replica (with its secret key; mode 0600);
//! * `keys/<name>.key`: the funded accounts' key files (mode 0600), unless development;
//! * `node-<i>.redb`, `node-<i>.log`: each node's database and output;
//! * `pids.json`: process ids of the spawned nodes.
//!
//! Secure by default: replica and account keys are random (OS generator), and nodes
//! check proofs with the real verifier holding exactly the genesis keys
//! (`snark:<key dir>`). A development cluster (`development: true`, `zkpot cluster
//! --dev`) uses keys from PUBLIC seeds (`replica-<i>`, `dev/<name>`) and may use the
//! stand-in checkers; every node started so prints a warning.

use crate::bytes32::Bytes32;
use crate::checker::{AcceptAll, FakeSnarkChecker, MarkerChecker, ProofChecker};
use crate::demo::{demo_genesis, DEMO_FUNDS};
use crate::error::LedgerError;
use crate::keys::{account_from_seed, signing_key_from_seed, write_secret_file};
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
    /// Proof checker: `snark:<key dir>` (zkpot's verifier with the genesis verifying
    /// keys, read from that directory; `halo2:<key dir>` is the same; the default
    /// `snark` without a directory is refused), or, only when `development` is set, the
    /// stand-ins `fake-snark`, `marker`, `accept-all`.
    #[serde(default = "default_checker")]
    pub checker: String,
    /// A development node: stand-in checkers allowed; warned about on every start.
    #[serde(default)]
    pub development: bool,
    /// Address of the node's read-only HTTP API and auditor page (`zkpot_ledger::api`);
    /// none: no API.
    #[serde(default)]
    pub api: Option<SocketAddr>,
}

fn default_checker() -> String {
    "snark".to_string()
}

/// Names of the stand-in checkers (development only).
pub const STAND_IN_CHECKERS: &[&str] = &["fake-snark", "marker", "accept-all"];

/// The proof checker named `name` for a node of `genesis`: `snark:<key dir>` holds
/// exactly the genesis keys ([`crate::snark::SnarkChecker::for_genesis`]); the stand-ins
/// need `development`.
pub fn builtin_checker(
    name: &str,
    genesis: &Genesis,
    development: bool,
) -> Result<Arc<dyn ProofChecker>, LedgerError> {
    if let Some(dir) = name.strip_prefix("snark:").or_else(|| name.strip_prefix("halo2:")) {
        return Ok(Arc::new(crate::snark::SnarkChecker::for_genesis(Path::new(dir), genesis)?));
    }
    if name == "snark" || name == "halo2" {
        return Err(LedgerError::Config(
            "the proof checker needs the directory of the network's verifying keys: snark:<key dir>".into(),
        ));
    }
    if STAND_IN_CHECKERS.contains(&name) && !development {
        return Err(LedgerError::Config(format!(
            "the stand-in proof checker {name:?} does not verify proofs: it needs a development node (\"development\": true, `zkpot cluster --dev`)"
        )));
    }
    match name {
        "fake-snark" => Ok(Arc::new(FakeSnarkChecker)),
        "marker" => Ok(Arc::new(MarkerChecker::new())),
        "accept-all" => Ok(Arc::new(AcceptAll)),
        other => Err(LedgerError::Config(format!(
            "unknown proof checker {other:?} (snark:<key dir>; development only: fake-snark, marker, accept-all)"
        ))),
    }
}

/// The development warning a node prints on every start, or `None` for a node with no
/// development setting: a stand-in checker, a public-seed replica key, a development
/// network, or funded public-seed (`dev/...`, `demo/...`) accounts.
pub fn development_warning(config: &NodeConfig, checker: &dyn ProofChecker) -> Option<String> {
    let mut why = Vec::new();
    if checker.is_stand_in() {
        why.push(format!("the proof checker {:?} is a stand-in that does not verify proofs", config.checker));
    }
    if let Ok(key) = config.replica.signing_key() {
        if crate::keys::is_development_key(&key, config.replica.id as usize) {
            why.push(format!("the replica key is the public-seed key replica-{}", config.replica.id));
        }
    }
    if config.genesis.development_network {
        why.push("genesis marks a development network".to_string());
    }
    let public: Vec<String> = DEV_ACCOUNTS
        .iter()
        .map(|n| format!("dev/{n}"))
        .chain(crate::demo::DEMO_ACTORS.iter().map(|(s, _)| s.to_string()))
        .filter(|seed| config.genesis.allocations.contains_key(&account_from_seed(seed)))
        .collect();
    if !public.is_empty() {
        why.push(format!("genesis funds {} accounts whose keys come from public seeds ({}, ...)", public.len(), public[0]));
    }
    if why.is_empty() && !config.development {
        return None;
    }
    Some(format!(
        "WARNING: DEVELOPMENT NODE {}: anyone can sign for its keys or fake its proofs; never use it for value.\n  - {}",
        config.replica.id,
        if why.is_empty() { "development flag set".to_string() } else { why.join("\n  - ") }
    ))
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

/// Writes a JSON file holding a secret (pretty, mode 0600).
pub fn write_secret_json<T: Serialize>(path: &Path, value: &T) -> Result<(), LedgerError> {
    write_secret_file(path, serde_json::to_string_pretty(value)?.as_bytes())
}

impl NodeConfig {
    /// Loads and checks a node configuration (refused if others can read it: it holds
    /// the replica's secret key).
    pub fn load(path: &Path) -> Result<Self, LedgerError> {
        crate::keys::check_private(path)?;
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

/// The genesis of a development cluster: public-seed dev accounts and demo actors, each
/// funded; a development network accepting `verifying_keys`.
pub fn dev_genesis(verifying_keys: std::collections::BTreeMap<String, Bytes32>) -> Genesis {
    let mut g = demo_genesis(verifying_keys);
    for name in DEV_ACCOUNTS {
        g.allocations
            .insert(account_from_seed(&format!("dev/{name}")), DEMO_FUNDS * 10);
    }
    g
}

/// A PBFT cluster of replicas at `addrs` with `keys` (same length); f = (n-1)/3.
pub fn cluster_config_with(addrs: &[SocketAddr], keys: &[ed25519_dalek::SigningKey]) -> ClusterConfig {
    let n = addrs.len();
    ClusterConfig::new(
        n.saturating_sub(1) / 3,
        addrs
            .iter()
            .zip(keys)
            .map(|(a, k)| (*a, k.verifying_key()))
            .collect(),
    )
}

/// A development PBFT cluster of `n` replicas on the given loopback addresses, keys
/// from the public seeds `replica-<i>`; f = (n-1)/3.
pub fn cluster_config(addrs: &[SocketAddr]) -> ClusterConfig {
    let keys: Vec<_> = (0..addrs.len()).map(replica_key).collect();
    cluster_config_with(addrs, &keys)
}

/// The public-seed (development) signing key of replica `i`.
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

/// Node configurations for replicas at `addrs` with `keys`, databases in `dir`.
pub fn node_configs(
    addrs: &[SocketAddr],
    keys: &[ed25519_dalek::SigningKey],
    dir: &Path,
    genesis: &Genesis,
    params: &PbftParams,
    checker: &str,
    development: bool,
) -> Vec<NodeConfig> {
    let cluster = cluster_config_with(addrs, keys);
    keys.iter()
        .enumerate()
        .map(|(i, key)| NodeConfig {
            replica: ReplicaConfig {
                id: i as u32,
                cluster: cluster.clone(),
                secret_key: hex::encode(key.to_bytes()),
                db_path: dir.join(format!("node-{i}.redb")),
                params: params.clone(),
            },
            genesis: genesis.clone(),
            checker: checker.to_string(),
            development,
            api: None,
        })
        .collect()
}

/// Development node configurations (public-seed replica keys `replica-<i>`) for a local
/// cluster whose databases live in `dir`: tests, benchmarks, the demo.
pub fn local_node_configs(
    addrs: &[SocketAddr],
    dir: &Path,
    genesis: &Genesis,
    params: &PbftParams,
    checker: &str,
) -> Vec<NodeConfig> {
    let keys: Vec<_> = (0..addrs.len()).map(replica_key).collect();
    node_configs(addrs, &keys, dir, genesis, params, checker, true)
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
    /// `keys/<name>.key`: an account's key file.
    pub fn key(&self, name: &str) -> PathBuf {
        self.0.join("keys").join(format!("{name}.key"))
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
