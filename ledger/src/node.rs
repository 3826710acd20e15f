//! Running one node: load a [`NodeConfig`], build the PoT app with a proof checker,
//! run the PBFT replica until it stops. `zkpot node --config node.json`.
//!
//! A node refuses to start if its proof checker does not hold exactly the genesis
//! verifying keys, or if it would use a stand-in checker without being a development
//! node; a node with any development setting prints a warning on every start.

use crate::app::PotApp;
use crate::checker::ProofChecker;
use crate::config::{builtin_checker, development_warning, NodeConfig};
use crate::state::Genesis;
use crate::error::LedgerError;
use std::path::PathBuf;
use std::sync::Arc;

/// `zkpot node` arguments.
#[derive(Clone, Debug, clap::Args)]
pub struct NodeArgs {
    /// Node configuration file (written by `zkpot cluster`).
    #[arg(long)]
    pub config: PathBuf,
}

/// Runs a node until the replica stops (bind or disk failure) or the task is dropped.
pub async fn run_node(
    config: NodeConfig,
    checker: Arc<dyn ProofChecker>,
) -> Result<(), LedgerError> {
    if checker.is_stand_in() && !config.development {
        return Err(LedgerError::Config(format!(
            "the proof checker {:?} is a stand-in: only a development node (\"development\": true) may use it",
            config.checker
        )));
    }
    if let Some(w) = development_warning(&config, checker.as_ref()) {
        eprintln!("{w}");
    }
    let app = PotApp::new(&config.genesis, checker.clone())?;
    eprintln!(
        "zkpot-ledger node {} of {} listening on {:?}, network {}, checker {}",
        config.replica.id,
        config.replica.cluster.n(),
        config
            .replica
            .cluster
            .replicas
            .get(config.replica.id as usize)
            .map(|r| r.addr),
        config.genesis.network_id().to_hex(),
        config.checker
    );
    let Some(api_addr) = config.api else {
        return zkpot_pbft::run_replica(config.replica, app)
            .await
            .map_err(|e| LedgerError::Consensus(e.to_string()));
    };
    // the read API: the replica publishes its state after every execution
    let view: crate::app::StateView = Arc::new(std::sync::Mutex::new(None));
    let app = app.with_view(view.clone());
    let stats = Arc::new(zkpot_pbft::RuntimeStats::default());
    let sources = crate::api::ApiSources {
        view,
        keys: checker.verifying_keys(),
        stats: Some(stats.clone()),
        replica: config.replica.id,
        cluster: config.replica.cluster.clone(),
        snarkjs: None,
    };
    let api = crate::api::serve(api_addr, sources).await?;
    eprintln!("zkpot-ledger node {}: read API and auditor page at {}", config.replica.id, api.url());
    let result = zkpot_pbft::run_replica_with_stats(config.replica, app, stats)
        .await
        .map_err(|e| LedgerError::Consensus(e.to_string()));
    drop(api);
    result
}

/// Maps a checker name from a node config (with its genesis and development flag) to a
/// checker.
pub type CheckerResolver = dyn Fn(&str, &Genesis, bool) -> Result<Arc<dyn ProofChecker>, LedgerError>;

/// Blocking entry point: loads `args.config`, resolves its checker name with
/// `resolve` (use [`builtin_checker`] or wrap it to add the real verifier), and runs
/// the node on a new multi-threaded tokio runtime. Do not call from inside a runtime.
pub fn run_node_blocking(args: &NodeArgs, resolve: &CheckerResolver) -> Result<(), LedgerError> {
    let config = NodeConfig::load(&args.config)?;
    let checker = resolve(&config.checker, &config.genesis, config.development)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| LedgerError::io("tokio runtime", e))?;
    rt.block_on(run_node(config, checker))
}

/// [`run_node_blocking`] with the built-in checkers only.
pub fn run_node_builtin(args: &NodeArgs) -> Result<(), LedgerError> {
    run_node_blocking(args, &builtin_checker)
}

/// What a stopped node's database holds: the PoT state it recovers to (last stable
/// snapshot + committed requests replayed, exactly what a restart does) and its view.
pub fn inspect_node_db(
    config: &NodeConfig,
    checker: Arc<dyn ProofChecker>,
) -> Result<(crate::state::PotState, u64, u64), LedgerError> {
    let store = zkpot_pbft::RedbStore::open(&config.replica.db_path)
        .map_err(|e| LedgerError::Consensus(e.to_string()))?;
    let persisted = store
        .load()
        .map_err(|e| LedgerError::Consensus(e.to_string()))?;
    let view = persisted.view;
    let key = config
        .replica
        .signing_key()
        .map_err(|e| LedgerError::Config(e.to_string()))?;
    let app = PotApp::new(&config.genesis, checker)?;
    let replica = zkpot_pbft::Replica::recover(
        config.replica.id,
        &config.replica.cluster,
        config.replica.params.clone(),
        key,
        app,
        persisted,
    )
    .map_err(|e| LedgerError::Consensus(e.to_string()))?;
    Ok((replica.app().state().clone(), view, replica.last_executed()))
}
