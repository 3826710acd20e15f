//! Running one node: load a [`NodeConfig`], build the PoT app with a proof checker,
//! run the PBFT replica until it stops. `zkpot node --config node.json`.

use crate::app::PotApp;
use crate::checker::ProofChecker;
use crate::config::{builtin_checker, NodeConfig};
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
pub async fn run_node(config: NodeConfig, checker: Arc<dyn ProofChecker>) -> Result<(), LedgerError> {
    let app = PotApp::new(&config.genesis, checker)?;
    eprintln!(
        "zkpot-ledger node {} of {} listening on {:?}, checker {}",
        config.replica.id,
        config.replica.cluster.n(),
        config.replica.cluster.replicas.get(config.replica.id as usize).map(|r| r.addr),
        config.checker
    );
    zkpot_pbft::run_replica(config.replica, app).await.map_err(|e| LedgerError::Consensus(e.to_string()))
}

/// Blocking entry point: loads `args.config`, resolves its checker name with
/// `resolve` (use [`builtin_checker`] or wrap it to add the real verifier), and runs
/// the node on a new multi-threaded tokio runtime. Do not call from inside a runtime.
pub fn run_node_blocking(
    args: &NodeArgs,
    resolve: &dyn Fn(&str) -> Result<Arc<dyn ProofChecker>, LedgerError>,
) -> Result<(), LedgerError> {
    let config = NodeConfig::load(&args.config)?;
    let checker = resolve(&config.checker)?;
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
