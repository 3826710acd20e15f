//! `LocalCluster`: n PBFT replicas of the PoT app as tokio tasks in this process,
//! talking over real loopback TCP sockets, with redb files in a scratch directory.
//! Used by the demo helper and the benchmarks (a ProofChecker object cannot be handed
//! to separate processes); `cluster` spawns separate processes instead.

use crate::app::{PotApp, StateView};
use crate::checker::ProofChecker;
use crate::config::{free_addrs, local_node_configs};
use crate::error::LedgerError;
use crate::net_client::PbftLedger;
use crate::state::Genesis;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;
use zkpot_pbft::{ClusterConfig, Params as PbftParams, RuntimeStats};

/// A running in-process cluster. Dropping it aborts the replicas.
pub struct LocalCluster {
    /// Public cluster description (for clients).
    pub cluster: ClusterConfig,
    /// Each replica's latest state (filled only with `start_with_views`).
    pub views: Vec<StateView>,
    /// Scratch directory holding the databases.
    pub dir: PathBuf,
    /// Each replica's runtime counters (view, last executed, frames in).
    pub stats: Vec<Arc<RuntimeStats>>,
    tasks: Vec<JoinHandle<()>>,
}

impl LocalCluster {
    /// Starts `n` replicas (n >= 4) on free loopback ports, databases under `dir`
    /// (created; existing databases there are reused, i.e. recovered).
    pub async fn start(
        n: usize,
        dir: PathBuf,
        genesis: &Genesis,
        checker: Arc<dyn ProofChecker>,
        params: PbftParams,
    ) -> Result<Self, LedgerError> {
        Self::start_inner(n, dir, genesis, checker, params, false).await
    }

    /// [`LocalCluster::start`], with every replica publishing its state into
    /// `views` after each execution (a full state clone per request: tests only).
    pub async fn start_with_views(
        n: usize,
        dir: PathBuf,
        genesis: &Genesis,
        checker: Arc<dyn ProofChecker>,
        params: PbftParams,
    ) -> Result<Self, LedgerError> {
        Self::start_inner(n, dir, genesis, checker, params, true).await
    }

    async fn start_inner(
        n: usize,
        dir: PathBuf,
        genesis: &Genesis,
        checker: Arc<dyn ProofChecker>,
        params: PbftParams,
        publish: bool,
    ) -> Result<Self, LedgerError> {
        std::fs::create_dir_all(&dir).map_err(|e| LedgerError::io(dir.display().to_string(), e))?;
        let addrs = free_addrs(n)?;
        let configs = local_node_configs(&addrs, &dir, genesis, &params, "in-process");
        let cluster = configs
            .first()
            .map(|c| c.replica.cluster.clone())
            .ok_or_else(|| LedgerError::Config("a cluster needs at least one node".into()))?;
        let mut tasks = Vec::new();
        let mut views = Vec::new();
        let mut stats = Vec::new();
        for c in configs {
            let view: StateView = Arc::new(Mutex::new(None));
            let app = PotApp::new(genesis, checker.clone())?;
            let app = if publish {
                app.with_view(view.clone())
            } else {
                app
            };
            views.push(view);
            let id = c.replica.id;
            let st = Arc::new(RuntimeStats::default());
            stats.push(st.clone());
            tasks.push(tokio::spawn(async move {
                if let Err(e) = zkpot_pbft::run_replica_with_stats(c.replica, app, st).await {
                    eprintln!("replica {id} stopped: {e}");
                }
            }));
        }
        Ok(Self {
            cluster,
            views,
            dir,
            stats,
            tasks,
        })
    }

    /// A client connected to this cluster.
    pub fn client(&self, seed: &str) -> Result<PbftLedger, LedgerError> {
        PbftLedger::connect(&self.cluster, seed)
    }

    /// Stops every replica.
    pub fn stop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A fresh scratch directory under the system temp dir.
pub fn scratch_dir(label: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!(
        "zkpot-ledger-{label}-{}-{nanos}",
        std::process::id()
    ))
}

