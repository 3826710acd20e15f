//! Read APIs on an in-process [`LocalCluster`] (one per replica, on free loopback
//! ports), and the demo with its page kept up: `zkpot demo --serve`.

use super::{serve, ApiServer, ApiSources};
use crate::checker::ProofChecker;
use crate::demo::{remove_demo_cluster, run_demo_on, start_demo_cluster};
use crate::error::LedgerError;
use crate::local_cluster::LocalCluster;
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
            cluster: cluster.cluster.clone(),
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
    let mut cluster = start_demo_cluster(checker.clone(), verifying_keys, true).await?;
    let result = async {
        let apis = serve_local_cluster(&cluster, checker.as_ref(), serve.addr).await?;
        let mut summary = run_demo_on(&cluster, statement, proof).await?;
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
    remove_demo_cluster(&mut cluster);
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
