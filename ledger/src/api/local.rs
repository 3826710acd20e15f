//! Read APIs on an in-process [`LocalCluster`] (one per replica, on free loopback
//! ports), and the demo with its page kept up: `zkpot demo --serve`.

use super::{serve, ApiServer, ApiSources};
use crate::checker::ProofChecker;
use crate::demo::{demo_genesis, run_demo, DemoTiming};
use crate::error::LedgerError;
use crate::local_cluster::{scratch_dir, LocalCluster};
use crate::statement::Statement;
use crate::bytes32::Bytes32;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// Serves a read API for every replica of `cluster` (started with
/// [`LocalCluster::start_with_views`]); replica 0's on `first` when given (else a free
/// port), the others on free loopback ports.
pub async fn serve_local_cluster(
    cluster: &LocalCluster,
    checker: &dyn ProofChecker,
    first: Option<SocketAddr>,
) -> Result<Vec<ApiServer>, LedgerError> {
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut out = Vec::new();
    for (i, view) in cluster.views.iter().enumerate() {
        let sources = ApiSources {
            view: view.clone(),
            keys: checker.verifying_keys(),
            stats: cluster.stats.get(i).cloned(),
            replica: i as u32,
            replicas: cluster.views.len(),
            snarkjs: None,
        };
        out.push(serve(if i == 0 { first.unwrap_or(any) } else { any }, sources).await?);
    }
    Ok(out)
}

/// How the demo's page is served.
#[derive(Clone, Copy, Debug, Default)]
pub struct DemoServe {
    /// Address of replica 0's API and page (none: a free loopback port).
    pub addr: Option<SocketAddr>,
    /// Keep the cluster and the pages up after the scenario, until Ctrl-C.
    pub keep: bool,
}

/// [`crate::demo::run_demo_cluster`] with a read API on every replica: runs the scenario,
/// adds the pages' addresses to the summary (`"page"`, `"apis"`), hands the summary to
/// `ready`, and, with `serve.keep`, keeps everything up until Ctrl-C.
pub async fn run_demo_cluster_serving(
    statement: &Statement,
    proof: &[u8],
    checker: Arc<dyn ProofChecker>,
    verifying_keys: BTreeMap<String, Bytes32>,
    serve: DemoServe,
    ready: impl FnOnce(&Value),
) -> Result<Value, LedgerError> {
    eprintln!(
        "WARNING: the demo runs a DEVELOPMENT network: its replica and account keys come from public seeds (replica-<i>, demo/...){}",
        if checker.is_stand_in() { ", and its proof checker is a stand-in that does not verify proofs" } else { "" }
    );
    let dir = scratch_dir("demo-serve");
    let params = zkpot_pbft::Params { view_change_timeout_ms: 2000, ..zkpot_pbft::Params::default() };
    let mut cluster = LocalCluster::start_with_views(4, dir.clone(), &demo_genesis(verifying_keys), checker.clone(), params).await?;
    let result = async {
        let apis = serve_local_cluster(&cluster, checker.as_ref(), serve.addr).await?;
        let mut client = cluster.client("demo")?;
        crate::cluster::wait_ready_client(&mut client, std::time::Duration::from_secs(20)).await?;
        let mut summary = run_demo(&mut client, statement, proof, DemoTiming::default()).await?;
        summary["cluster"] = json!({"replicas": 4, "f": 1, "transport": "in-process tokio replicas over loopback TCP", "development": true});
        summary["page"] = json!(apis.first().map(|a| a.url()));
        summary["apis"] = json!(apis.iter().map(|a| a.url()).collect::<Vec<_>>());
        ready(&summary);
        if serve.keep {
            tokio::signal::ctrl_c().await.map_err(|e| LedgerError::io("waiting for Ctrl-C", e))?;
        }
        drop(apis);
        Ok::<Value, LedgerError>(summary)
    }
    .await;
    cluster.stop();
    drop(cluster);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Blocking [`run_demo_cluster_serving`] on its own tokio runtime (do not call from inside one).
pub fn run_demo_cluster_serving_blocking(
    statement: &Statement,
    proof: &[u8],
    checker: Arc<dyn ProofChecker>,
    verifying_keys: BTreeMap<String, Bytes32>,
    serve: DemoServe,
    ready: impl FnOnce(&Value),
) -> Result<Value, LedgerError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| LedgerError::io("tokio runtime", e))?;
    rt.block_on(run_demo_cluster_serving(statement, proof, checker, verifying_keys, serve, ready))
}
