//! `zkpot cluster`: write a local cluster's configuration into a directory and start
//! it as SEPARATE node processes (`<current exe> node --config DIR/node-<i>.json`),
//! logs in `DIR/node-<i>.log`, pids in `DIR/pids.json`; then wait until the cluster
//! answers. `stop_cluster` kills those pids.
//!
//! Secure by default: random replica and account keys (account key files in
//! `DIR/keys/`, mode 0600), the real proof checker over the verifying keys of `--keys
//! DIR`, which genesis lists by digest. `--dev` makes a development cluster instead:
//! public-seed keys (`replica-<i>`, `dev/<name>`), and optionally a stand-in checker
//! (`--checker fake-snark`) accepting the `--shape` ids; every node says so when it starts.

use crate::bytes32::Bytes32;
use crate::client::{ledger_time, LedgerClient};
use crate::config::{
    dev_genesis, free_addrs, node_configs, read_json, replica_key, write_json, write_secret_json, ClusterDir,
    DEV_ACCOUNTS, STAND_IN_CHECKERS,
};
use crate::error::LedgerError;
use crate::keys::{account_from_seed, account_of, generate_key, write_key_file};
use crate::snark::SnarkChecker;
use crate::state::{Genesis, Params};
use std::collections::BTreeMap;
use crate::net_client::PbftLedger;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use zkpot_pbft::Params as PbftParams;

/// `zkpot cluster` arguments.
#[derive(Clone, Debug, clap::Args)]
pub struct ClusterArgs {
    /// Number of replicas (>= 4; f = (n-1)/3).
    #[arg(long, default_value_t = 4)]
    pub nodes: usize,
    /// Directory for configs, databases and logs (created).
    #[arg(long)]
    pub dir: PathBuf,
    /// First port (replica i listens on base+i); default: free ports picked by the OS.
    #[arg(long)]
    pub base_port: Option<u16>,
    /// Directory of the verifying keys the network accepts (genesis lists their
    /// digests; nodes check proofs with them).
    #[arg(long)]
    pub keys: Option<PathBuf>,
    /// Proof checker: `snark` (the real verifier over --keys). The stand-ins
    /// `fake-snark`, `marker`, `accept-all` need --dev.
    #[arg(long, default_value = "snark")]
    pub checker: String,
    /// DEVELOPMENT cluster: public-seed replica and account keys (`replica-<i>`,
    /// `dev/<name>`) that anyone can sign with, stand-in checkers allowed. Never for value.
    #[arg(long)]
    pub dev: bool,
    /// With --dev and a stand-in checker: circuit shape ids the network accepts
    /// (default: the demo's sample shape).
    #[arg(long = "shape")]
    pub shapes: Vec<String>,
    /// Only write the configuration; start nothing.
    #[arg(long)]
    pub no_start: bool,
    /// Stay in the foreground until the nodes exit.
    #[arg(long)]
    pub foreground: bool,
    /// PBFT view-change timeout (ms).
    #[arg(long, default_value_t = 2000)]
    pub view_change_timeout_ms: u64,
    /// Give every node a read-only HTTP API and auditor page on a free loopback port
    /// (written into its config as `"api"`; each node prints its address on start).
    #[arg(long)]
    pub api: bool,
}

/// Writes the cluster directory; returns the node config paths.
pub fn write_cluster_dir(args: &ClusterArgs) -> Result<Vec<PathBuf>, LedgerError> {
    if args.nodes < 4 {
        return Err(LedgerError::Usage(
            "a PBFT cluster needs at least 4 nodes".into(),
        ));
    }
    std::fs::create_dir_all(&args.dir)
        .map_err(|e| LedgerError::io(args.dir.display().to_string(), e))?;
    let dir = ClusterDir(args.dir.clone());
    let addrs: Vec<SocketAddr> = match args.base_port {
        Some(p) => (0..args.nodes)
            .map(|i| {
                let port = p
                    .checked_add(i as u16)
                    .ok_or_else(|| LedgerError::Usage("port overflow".into()))?;
                Ok(SocketAddr::from(([127, 0, 0, 1], port)))
            })
            .collect::<Result<_, LedgerError>>()?,
        None => free_addrs(args.nodes)?,
    };
    let params = PbftParams {
        view_change_timeout_ms: args.view_change_timeout_ms,
        ..PbftParams::default()
    };
    let dir_abs = std::fs::canonicalize(&args.dir)
        .map_err(|e| LedgerError::io(args.dir.display().to_string(), e))?;
    let (checker, verifying_keys) = cluster_checker(args)?;
    let (genesis, replica_keys) = if args.dev {
        (dev_genesis(verifying_keys), (0..args.nodes).map(replica_key).collect::<Vec<_>>())
    } else {
        let keys_dir = args.dir.join("keys");
        std::fs::create_dir_all(&keys_dir).map_err(|e| LedgerError::io(keys_dir.display().to_string(), e))?;
        let mut allocations = BTreeMap::new();
        for name in DEV_ACCOUNTS {
            let key = generate_key();
            write_key_file(&dir.key(name), &key)?;
            allocations.insert(account_of(&key), crate::demo::DEMO_FUNDS * 10);
        }
        let genesis = Genesis {
            params: Params::default(),
            allocations,
            verifying_keys,
            development_network: false,
        };
        (genesis, (0..args.nodes).map(|_| generate_key()).collect())
    };
    if let Some(keys_dir) = checker.strip_prefix("snark:") {
        // refuse now, not at every node's start, keys the genesis cannot admit (development
        // material on a network not marked as a development network)
        SnarkChecker::for_genesis(Path::new(keys_dir), &genesis)?;
    }
    let mut configs = node_configs(&addrs, &replica_keys, &dir_abs, &genesis, &params, &checker, args.dev);
    if args.api {
        for (c, a) in configs.iter_mut().zip(free_addrs(args.nodes)?) {
            c.api = Some(a);
        }
    }
    if let Some(c) = configs.first() {
        write_json(&dir.cluster(), &c.replica.cluster)?;
    }
    write_json(&dir.genesis(), &genesis)?;
    let mut paths = Vec::new();
    for (i, c) in configs.iter().enumerate() {
        write_secret_json(&dir.node(i), c)?;
        paths.push(dir.node(i));
    }
    Ok(paths)
}

/// The checker name for the node configs and the verifying keys genesis lists.
fn cluster_checker(args: &ClusterArgs) -> Result<(String, BTreeMap<String, Bytes32>), LedgerError> {
    let name = args.checker.as_str();
    if STAND_IN_CHECKERS.contains(&name) {
        if !args.dev {
            return Err(LedgerError::Usage(format!(
                "--checker {name} is a stand-in that does not verify proofs: it needs --dev"
            )));
        }
        let shapes = if args.shapes.is_empty() {
            vec![crate::demo::sample_statement().shape_id]
        } else {
            args.shapes.clone()
        };
        let mut keys = BTreeMap::new();
        for shape in shapes {
            crate::order::check_shape_id(&shape).map_err(|e| LedgerError::Usage(format!("--shape: {e}")))?;
            let digest = crate::demo::stand_in_key_digest(&shape);
            keys.insert(shape, digest);
        }
        return Ok((name.to_string(), keys));
    }
    let keys_dir = match (name, &args.keys) {
        ("snark" | "halo2", Some(dir)) => dir.clone(),
        ("snark" | "halo2", None) => {
            return Err(LedgerError::Usage(
                "give --keys DIR, the verifying keys the network accepts (or --dev --checker fake-snark for a development cluster)".into(),
            ))
        }
        (other, _) => match other.strip_prefix("snark:").or_else(|| other.strip_prefix("halo2:")) {
            Some(dir) => PathBuf::from(dir),
            None => return Err(LedgerError::Usage(format!("unknown --checker {other:?}"))),
        },
    };
    // node processes may run elsewhere: the key directory is written as an absolute path
    let abs = std::fs::canonicalize(&keys_dir).map_err(|e| LedgerError::io(keys_dir.display().to_string(), e))?;
    let keys = SnarkChecker::digests_in_dir(&abs)?;
    Ok((format!("snark:{}", abs.display()), keys))
}

/// Spawns `<current exe> node --config <config>` with output to `log`.
pub fn spawn_node(config: &Path, log: &Path) -> Result<Child, LedgerError> {
    let exe = std::env::current_exe().map_err(|e| LedgerError::io("current_exe", e))?;
    spawn_node_with(&exe, config, log)
}

/// Spawns `<exe> node --config <config>` with output to `log`.
pub fn spawn_node_with(exe: &Path, config: &Path, log: &Path) -> Result<Child, LedgerError> {
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| LedgerError::io(log.display().to_string(), e))?;
    let err = out
        .try_clone()
        .map_err(|e| LedgerError::io(log.display().to_string(), e))?;
    Command::new(exe)
        .arg("node")
        .arg("--config")
        .arg(config)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| LedgerError::io("spawn node", e))
}

/// Waits until the cluster in `dir` answers a query through consensus.
pub async fn wait_ready(dir: &Path, timeout: Duration) -> Result<u64, LedgerError> {
    let cluster = ClusterDir(dir.to_path_buf()).load_cluster()?;
    let mut l = PbftLedger::connect(&cluster, "cluster-ready")?
        .with_timeouts(Duration::from_millis(500), Duration::from_secs(3));
    wait_ready_client(&mut l, timeout).await
}

/// Retries a ledger-time query on `l` until it answers or `timeout` passes.
pub async fn wait_ready_client<L: LedgerClient>(
    l: &mut L,
    timeout: Duration,
) -> Result<u64, LedgerError> {
    let deadline = Instant::now() + timeout;
    loop {
        match ledger_time(l).await {
            Ok(t) => return Ok(t),
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => l.pause(200).await,
        }
    }
}

/// `zkpot cluster`: write configs, start the nodes, wait until ready; JSON summary.
pub fn run_cluster(args: &ClusterArgs) -> Result<Value, LedgerError> {
    let paths = write_cluster_dir(args)?;
    let dir = ClusterDir(args.dir.clone());
    let genesis: Genesis = read_json(&dir.genesis())?;
    let accounts: serde_json::Map<String, Value> = if args.dev {
        DEV_ACCOUNTS
            .iter()
            .map(|n| (format!("dev/{n}"), json!(account_from_seed(&format!("dev/{n}")))))
            .collect()
    } else {
        DEV_ACCOUNTS
            .iter()
            .filter_map(|n| {
                let key = crate::keys::read_key_file(&dir.key(n)).ok()?;
                Some((n.to_string(), json!({"account": account_of(&key), "key_file": dir.key(n)})))
            })
            .collect()
    };
    let mut summary = json!({
        "dir": args.dir,
        "nodes": args.nodes,
        "configs": paths,
        "network": genesis.network_id(),
        "verifying_keys": genesis.verifying_keys,
        "development": args.dev,
        "accounts": accounts,
    });
    if args.dev {
        let w = "WARNING: DEVELOPMENT CLUSTER: replica and account keys come from public seeds (anyone can sign for them)";
        eprintln!("{w}{}", if STAND_IN_CHECKERS.contains(&args.checker.as_str()) { "; the proof checker is a stand-in that does not verify proofs" } else { "" });
        summary["warning"] = json!(w);
    }
    if args.no_start {
        return Ok(summary);
    }
    let mut children = Vec::new();
    for (i, p) in paths.iter().enumerate() {
        children.push(spawn_node(p, &dir.log(i))?);
    }
    let pids: Vec<u32> = children.iter().map(|c| c.id()).collect();
    write_json(&dir.pids(), &pids)?;
    summary["pids"] = json!(pids);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| LedgerError::io("tokio runtime", e))?;
    let t = rt.block_on(wait_ready(&args.dir, Duration::from_secs(30)))?;
    summary["ready_at_ledger_ms"] = json!(t);
    if args.foreground {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        for mut c in children {
            let _ = c.wait();
        }
    }
    Ok(summary)
}

/// Kills the node processes listed in `DIR/pids.json` (the ones `run_cluster` started).
pub fn stop_cluster(dir: &Path) -> Result<Value, LedgerError> {
    let pids: Vec<u32> = read_json(&ClusterDir(dir.to_path_buf()).pids())?;
    let mut killed = Vec::new();
    for pid in pids {
        let ok = Command::new("kill")
            .arg(pid.to_string())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        killed.push(json!({"pid": pid, "signalled": ok}));
    }
    Ok(json!({"stopped": killed}))
}
