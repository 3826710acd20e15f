//! The read API's routes (GET only): status, the checkpoint certificate and snapshot, orders,
//! validations, challenges, accounts, totals, keys, and the page. Path and query parameters are parsed by hand so that every
//! bad request gets a JSON error that names the problem.

use super::certificate::Certificate;
use super::query::{clip, Params};
use super::{page, ApiError, ApiState};
use crate::app::PotApp;
use crate::bytes32::Bytes32;
use crate::tx::Query;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use zkpot_verifier::groth16::Groth16Proof;
use zkpot_verifier::{AnyKey, ProofFile};

type S = State<Arc<ApiState>>;
type Reply = Result<Json<Value>, ApiError>;

/// The router: API, page, JSON 404/405, CORS and no-sniff headers on every response.
pub fn router(state: Arc<ApiState>) -> Router {
    Router::new()
        .route("/", get(page::index))
        .route("/app.js", get(page::app_js))
        .route("/style.css", get(page::style_css))
        .route("/vendor/snarkjs.min.js", get(page::snarkjs))
        .route("/api/v1/status", get(status))
        .route("/api/v1/checkpoint", get(checkpoint))
        .route("/api/v1/checkpoint/snapshot", get(checkpoint_snapshot))
        .route("/api/v1/orders", get(orders))
        .route("/api/v1/orders/{id}", get(order))
        .route("/api/v1/validations", get(validations))
        .route("/api/v1/validations/{id}", get(validation))
        .route("/api/v1/validations/{id}/snarkjs", get(validation_snarkjs))
        .route("/api/v1/challenges", get(challenges))
        .route("/api/v1/accounts", get(accounts))
        .route("/api/v1/accounts/{id}", get(account))
        .route("/api/v1/totals", get(totals))
        .route("/api/v1/keys", get(keys))
        .route("/api/v1/keys/{digest}", get(key))
        .fallback(|| async { ApiError::not_found("no such endpoint; the API is under /api/v1 (see docs/auditor.md)") })
        .method_not_allowed_fallback(|| async {
            ApiError { status: StatusCode::METHOD_NOT_ALLOWED, message: "this API is read-only: GET only".into() }
        })
        .layer(axum::middleware::map_response(common_headers))
        .with_state(state)
}

async fn common_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn id(raw: &str, what: &str) -> Result<u64, ApiError> {
    raw.parse().map_err(|_| ApiError::bad(format!("{what} id {:?} is not a non-negative integer", clip(raw))))
}

/// The path parameter, or a JSON error (bad percent-encoding, not UTF-8).
fn segment(raw: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    raw.map(|Path(s)| s).map_err(|e| ApiError::bad(format!("bad path parameter: {}", e.body_text())))
}

fn no_params(q: &RawQuery) -> Result<(), ApiError> {
    Params::parse(q.0.as_deref(), &[]).map(|_| ())
}

async fn status(State(s): S, q: RawQuery) -> Reply {
    no_params(&q)?;
    let (view, last_executed, stable_seq) = s.stats.as_ref().map_or((None, None, None), |st| {
        (Some(st.view.load(Ordering::Relaxed)), Some(st.last_executed.load(Ordering::Relaxed)), Some(st.stable_seq.load(Ordering::Relaxed)))
    });
    let f = s.cluster.f;
    let mut v = s.with_book(|b| {
        json!({
            "replica": s.replica,
            "replicas": s.cluster.n(),
            "f": f,
            "network": b.state.network,
            "development_network": b.state.development_network,
            "verifying_keys": b.state.verifying_keys,
            "applied": b.state.applied,
            "last_seq": b.state.last_seq,
            "ledger_time": b.state.last_time,
            "state_digest": Bytes32(Sha256::digest(PotApp::encode_snapshot(b.state)).into()),
            "archived_orders": b.archive.orders(),
        })
    })?;
    v["view"] = json!(view);
    v["last_executed"] = json!(last_executed);
    v["stable_checkpoint_seq"] = json!(stable_seq);
    v["checkpoint"] = json!("/api/v1/checkpoint");
    v["agreement"] = json!(format!(
        "state_digest is SHA-256 of this replica's state snapshot after request last_seq; replicas that executed the same requests have the same digest: read it from f+1 = {} nodes and compare at equal last_seq, or check the stable checkpoint's certificate at /api/v1/checkpoint (signed by n - f = {} replicas; `zkpot ledger checkpoint`)",
        f + 1,
        s.cluster.quorum()
    ));
    Ok(Json(v))
}

/// The replica's stable checkpoint, or 503.
fn stable(s: &ApiState) -> Result<Arc<zkpot_pbft::replica::StableCheckpoint>, ApiError> {
    s.stats
        .as_ref()
        .and_then(|st| st.stable_checkpoint())
        .ok_or_else(|| ApiError::unavailable("this node publishes no stable checkpoint (its replica has not started, or it runs without runtime stats)"))
}

/// The stable checkpoint's certificate ([`Certificate`], documented in docs/auditor.md).
async fn checkpoint(State(s): S, q: RawQuery) -> Reply {
    no_params(&q)?;
    let cp = stable(&s)?;
    let network = s.with_book(|b| b.state.network)?;
    let cert = Certificate::of(&cp, &s.cluster, network, s.replica);
    serde_json::to_value(cert).map(Json).map_err(|e| ApiError::unavailable(format!("the certificate does not encode: {e}")))
}

/// The certified snapshot's bytes (`application/octet-stream`); with `seq`, 409 if the
/// stable checkpoint is no longer at `seq`.
async fn checkpoint_snapshot(State(s): S, q: RawQuery) -> Result<Response, ApiError> {
    let p = Params::parse(q.0.as_deref(), &["seq"])?;
    let cp = stable(&s)?;
    if let Some(seq) = p.u64("seq")? {
        if seq != cp.proof.seq {
            return Err(ApiError::conflict(format!("the stable checkpoint is at seq {} now, not {seq}: read /api/v1/checkpoint again", cp.proof.seq)));
        }
    }
    let mut r = Response::new(axum::body::Body::from(cp.snapshot.to_vec()));
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    Ok(r)
}

async fn orders(State(s): S, q: RawQuery) -> Reply {
    let p = Params::parse(q.0.as_deref(), &["offset", "limit"])?;
    let page = p.page()?;
    s.with_book(|b| {
        let ids = b.order_ids();
        page.of(&ids, |i| b.order(*i))
    })
    .map(Json)
}

async fn order(State(s): S, raw: Result<Path<String>, PathRejection>, q: RawQuery) -> Reply {
    no_params(&q)?;
    let raw = segment(raw)?;
    let i = id(&raw, "order")?;
    s.with_book(|b| b.order(i))?.map(Json).ok_or_else(|| ApiError::not_found(format!("order {i} is unknown to this node (never put, or pruned from its archive)")))
}

async fn validations(State(s): S, q: RawQuery) -> Reply {
    let p = Params::parse(q.0.as_deref(), &["order", "offset", "limit"])?;
    let page = p.page()?;
    let order = p.u64("order")?;
    s.with_book(|b| {
        let ids = match order {
            Some(o) => b.validation_ids(o),
            None => b.all_validation_ids(),
        };
        page.of(&ids, |i| b.validation_view(*i, false))
    })
    .map(Json)
}

async fn validation(State(s): S, raw: Result<Path<String>, PathRejection>, q: RawQuery) -> Reply {
    no_params(&q)?;
    let raw = segment(raw)?;
    let i = id(&raw, "validation")?;
    s.with_book(|b| b.validation_view(i, true))?.map(Json).ok_or_else(|| ApiError::not_found(format!("validation {i} is unknown to this node")))
}

/// A Groth16 validation in snarkjs's JSON: `verification_key` (the genesis key for its
/// shape), `proof`, `public` (model commitment, data set commitment, N, S).
async fn validation_snarkjs(State(s): S, raw: Result<Path<String>, PathRejection>, q: RawQuery) -> Reply {
    no_params(&q)?;
    let raw = segment(raw)?;
    let i = id(&raw, "validation")?;
    let (statement, proof, digest) = s
        .with_book(|b| {
            b.state.validations.get(&i).or_else(|| b.archive.validations.get(&i)).map(|v| {
                (v.statement.clone(), v.proof.clone(), b.state.verifying_keys.get(&v.statement.shape_id).copied())
            })
        })?
        .ok_or_else(|| ApiError::not_found(format!("validation {i} is unknown to this node, or only committed")))?;
    let digest = digest.ok_or_else(|| ApiError::unprocessable(format!("the network's genesis lists no key for shape {}", statement.shape_id)))?;
    let key = s.keys.get(&hex::encode(digest.0)).ok_or_else(|| ApiError::unprocessable(format!("this node does not hold the key {} (its checker is a stand-in?)", digest.to_hex())))?;
    let AnyKey::Groth16(key) = key else {
        return Err(ApiError::unprocessable(format!(
            "validation {i} is a {} proof: browsers check Groth16 proofs only; its status is the replicas' verdict",
            key.backend()
        )));
    };
    let file = ProofFile::from_bytes(&proof).map_err(|e| ApiError::unprocessable(format!("validation {i}: the proof file does not decode: {e}")))?;
    let p = Groth16Proof::from_bytes(&file.proof).map_err(|e| ApiError::unprocessable(format!("validation {i}: the proof's points do not decode: {e}")))?;
    let public = zkpot_verifier::groth16::public_inputs(&statement).map_err(|e| ApiError::unprocessable(format!("validation {i}: {e}")))?;
    let public: [_; zkpot_verifier::groth16::PUBLIC_INPUTS] =
        public.try_into().map_err(|_| ApiError::unprocessable("the statement does not have 4 public inputs"))?;
    Ok(Json(json!({
        "validation": i,
        "vk_digest": digest,
        "statement": statement,
        "verification_key": zkpot_verifier::snarkjs::verification_key(&key.vk),
        "proof": zkpot_verifier::snarkjs::proof(&p),
        "public": zkpot_verifier::snarkjs::public(&public),
    })))
}

async fn challenges(State(s): S, q: RawQuery) -> Reply {
    let p = Params::parse(q.0.as_deref(), &["offset", "limit"])?;
    let page = p.page()?;
    s.with_book(|b| {
        let all = b.challenges();
        page.of(&all, |c| Some(c.clone()))
    })
    .map(Json)
}

async fn accounts(State(s): S, q: RawQuery) -> Reply {
    let p = Params::parse(q.0.as_deref(), &["offset", "limit"])?;
    let page = p.page()?;
    s.with_book(|b| {
        let ids: Vec<Bytes32> = b.state.accounts.keys().copied().collect();
        page.of(&ids, |a| b.account(a))
    })
    .map(Json)
}

async fn account(State(s): S, raw: Result<Path<String>, PathRejection>, q: RawQuery) -> Reply {
    no_params(&q)?;
    let raw = segment(raw)?;
    let a = Bytes32::from_hex(&raw).map_err(|e| ApiError::bad(format!("account {:?}: {e}", clip(&raw))))?;
    s.with_book(|b| b.account(&a))?.map(Json).ok_or_else(|| ApiError::not_found(format!("account {} has no record", a.to_hex())))
}

async fn totals(State(s): S, q: RawQuery) -> Reply {
    no_params(&q)?;
    s.with_book(|b| b.state.query(&Query::Totals)).map(Json)
}

async fn keys(State(s): S, q: RawQuery) -> Reply {
    no_params(&q)?;
    s.with_book(|b| {
        let list: Vec<Value> = b
            .state
            .verifying_keys
            .iter()
            .map(|(shape, digest)| {
                let held = s.keys.get(&hex::encode(digest.0));
                json!({
                    "shape_id": shape,
                    "digest": digest,
                    "held": held.is_some(),
                    "backend": held.map(|k| k.backend()),
                    "development": held.map(|k| k.is_development()),
                })
            })
            .collect();
        json!({ "items": list })
    })
    .map(Json)
}

async fn key(State(s): S, raw: Result<Path<String>, PathRejection>, q: RawQuery) -> Reply {
    no_params(&q)?;
    let raw = segment(raw)?;
    let d = Bytes32::from_hex(&raw).map_err(|e| ApiError::bad(format!("key digest {:?}: {e}", clip(&raw))))?;
    let k = s.keys.get(&hex::encode(d.0)).ok_or_else(|| ApiError::not_found(format!("this node holds no key with digest {}", d.to_hex())))?;
    let snarkjs = match k {
        AnyKey::Groth16(g) => zkpot_verifier::snarkjs::verification_key(&g.vk),
        AnyKey::Halo2(_) => Value::Null,
    };
    Ok(Json(json!({
        "digest": d,
        "shape_id": k.shape_id(),
        "backend": k.backend(),
        "development": k.is_development(),
        "key_file_hex": hex::encode(k.to_bytes()),
        "verification_key": snarkjs,
    })))
}
