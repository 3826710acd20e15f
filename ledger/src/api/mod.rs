//! # The auditor's read API and page
//!
//! Every node can serve, on a separate port its config names (`"api"`), a read-only
//! HTTP/JSON API over its replicated state and a static page for auditors at `/`.
//! It runs on the node's tokio runtime (axum), answers GET only, sends
//! `Access-Control-Allow-Origin: *`, pages every list (at most [`query::MAX_LIMIT`]
//! items), and answers a bad request with `{"error": ..., "status": ...}`.
//!
//! Endpoints (all under `/api/v1`): `status` (state digest, sequence numbers, view, stable
//! checkpoint), `checkpoint` (the stable checkpoint's certificate: the signed checkpoint
//! messages of the replicas), `checkpoint/snapshot` (the certified state, binary), `orders`, `orders/{id}`, `validations`, `validations/{id}` (with the
//! proof bytes as hex), `validations/{id}/snarkjs` (a Groth16 validation's key, proof and
//! public signals in snarkjs's JSON), `challenges`, `accounts`, `accounts/{hex}`, `totals`,
//! `keys`, `keys/{digest}` (the key file as hex, and a Groth16 key in snarkjs's JSON).
//!
//! A read on one node may be stale and a node may lie: a client that needs agreement
//! checks the checkpoint certificate (signed by n - f replicas; [`certificate::verify`],
//! `zkpot ledger checkpoint`), or reads `status` from f+1 nodes and compares `state_digest`
//! at equal `last_seq` (snapshots are byte-identical across replicas); a browser checks
//! Groth16 proofs and the certificate's Ed25519 signatures itself.
//!
//! # Layout
//! * [`archive`]: what the node saw of orders the state has pruned.
//! * [`views`]: the JSON of orders, claims, validations, challenges, accounts.
//! * [`query`]: query strings and bounded pages.
//! * [`page`]: the static page (embedded) and the vendored snarkjs bundle.
//! * [`certificate`]: the checkpoint certificate's JSON and its verifier.
//! * [`fetch`]: the auditor's HTTP client and `zkpot ledger checkpoint`'s check.
//! * [`handlers`]: the routes.
//! * [`local`]: APIs on an in-process cluster, and the demo kept up for a browser.

pub mod archive;
pub mod certificate;
pub mod fetch;
pub mod handlers;
pub mod local;
pub mod page;
pub mod query;
pub mod views;

use crate::app::StateView;
use crate::error::LedgerError;
use archive::Archive;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;
use views::Book;
use zkpot_pbft::{ClusterConfig, RuntimeStats};
use zkpot_verifier::AnyKey;

/// How often the archive copies the state (it also does on every request).
pub const ARCHIVE_INTERVAL: Duration = Duration::from_millis(100);

/// What a node's API reads.
pub struct ApiSources {
    /// The replica's state, published after every execution.
    pub view: StateView,
    /// The verifying keys the node's checker holds.
    pub keys: Vec<AnyKey>,
    /// The replica's runtime counters (view, last executed, stable checkpoint and its
    /// certificate).
    pub stats: Option<Arc<RuntimeStats>>,
    /// This replica's id and the cluster (replica keys, f).
    pub replica: u32,
    pub cluster: ClusterConfig,
    /// The snarkjs browser bundle to serve at `/vendor/snarkjs.min.js`
    /// ([`page::default_snarkjs_path`] unless set).
    pub snarkjs: Option<PathBuf>,
}

/// The shared state of the handlers.
pub struct ApiState {
    view: StateView,
    archive: Mutex<Archive>,
    /// Keys by digest (lowercase hex).
    keys: BTreeMap<String, AnyKey>,
    stats: Option<Arc<RuntimeStats>>,
    replica: u32,
    cluster: ClusterConfig,
    snarkjs: PathBuf,
}

impl ApiState {
    /// Runs `f` on the state merged with the archive (bringing the archive up to date
    /// first); 503 until the replica published a state.
    pub fn with_book<R>(&self, f: impl FnOnce(&Book) -> R) -> Result<R, ApiError> {
        let state = self.view.lock().map_err(|_| ApiError::unavailable("the state view is poisoned"))?;
        let Some(state) = state.as_ref() else {
            return Err(ApiError::unavailable("this node has not published a state yet"));
        };
        let mut archive = self.archive.lock().map_err(|_| ApiError::unavailable("the archive is poisoned"))?;
        archive.observe(state);
        Ok(f(&Book { state, archive: &archive }))
    }

    fn observe(&self) {
        if let (Ok(state), Ok(mut archive)) = (self.view.lock(), self.archive.lock()) {
            if let Some(s) = state.as_ref() {
                archive.observe(s);
            }
        }
    }
}

/// A JSON error: `{"error": message, "status": code}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    /// 400.
    pub fn bad(message: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, message: message.into() }
    }
    /// 404.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self { status: StatusCode::NOT_FOUND, message: message.into() }
    }
    /// 422: the request is fine but the thing cannot be had in that form.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self { status: StatusCode::UNPROCESSABLE_ENTITY, message: message.into() }
    }
    /// 409: the thing asked for is no longer there (it moved on).
    pub fn conflict(message: impl Into<String>) -> Self {
        Self { status: StatusCode::CONFLICT, message: message.into() }
    }
    /// 503.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self { status: StatusCode::SERVICE_UNAVAILABLE, message: message.into() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(serde_json::json!({"error": self.message, "status": self.status.as_u16()}))).into_response()
    }
}

/// A running API server. Dropping it stops the server.
pub struct ApiServer {
    /// The address it listens on.
    pub addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

impl ApiServer {
    /// The page's address.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Binds `addr` (port 0: a free port) and serves the API and the page on the current
/// tokio runtime, with a background task keeping the archive up to date.
pub async fn serve(addr: SocketAddr, sources: ApiSources) -> Result<ApiServer, LedgerError> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| LedgerError::io(format!("read API address {addr}"), e))?;
    let addr = listener.local_addr().map_err(|e| LedgerError::io("read API address", e))?;
    let state = Arc::new(ApiState {
        view: sources.view,
        archive: Mutex::new(Archive::default()),
        keys: sources.keys.into_iter().map(|k| (k.digest_hex(), k)).collect(),
        stats: sources.stats,
        replica: sources.replica,
        cluster: sources.cluster,
        snarkjs: sources.snarkjs.unwrap_or_else(page::default_snarkjs_path),
    });
    let router = handlers::router(state.clone());
    let server = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            eprintln!("read API on {addr} stopped: {e}");
        }
    });
    let archiver = tokio::spawn(async move {
        loop {
            state.observe();
            tokio::time::sleep(ARCHIVE_INTERVAL).await;
        }
    });
    Ok(ApiServer { addr, tasks: vec![server, archiver] })
}
