//! `execute`: the PBFT-facing step, `(state, op bytes, agreed context) -> reply bytes`.
//! Decodes an [`Op`], applies it, and answers with deterministic JSON (same bytes on
//! every correct replica, so the client can match f+1 replies). Malformed bytes get a
//! rejection reply, never a panic.

use crate::checker::ProofChecker;
use crate::reject::Reject;
use crate::state::{PotState, Receipt, TxContext};
use crate::tx::{verify_all, Op, SignedTx};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The result of one transaction, as the client sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxOutcome {
    /// Transaction kind (`validate`, `finalize`, ...).
    pub tx: String,
    /// Accepted?
    pub ok: bool,
    /// What it did, when accepted.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub receipt: Option<Receipt>,
    /// Rejection code, when rejected.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub code: Option<String>,
    /// Rejection reason in words, when rejected.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
    /// The structured rejection, when rejected.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reject: Option<Reject>,
}

impl TxOutcome {
    /// Builds the outcome of `kind` from an apply result.
    pub fn from_result(kind: &str, r: Result<Receipt, Reject>) -> Self {
        match r {
            Ok(receipt) => Self {
                tx: kind.to_string(),
                ok: true,
                receipt: Some(receipt),
                code: None,
                reason: None,
                reject: None,
            },
            Err(e) => Self {
                tx: kind.to_string(),
                ok: false,
                receipt: None,
                code: Some(e.code()),
                reason: Some(e.to_string()),
                reject: Some(e),
            },
        }
    }
}

/// The reply to an `Op`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    /// One transaction.
    Tx(TxOutcome),
    /// A batch, in order.
    Batch { outcomes: Vec<TxOutcome> },
    /// A query answer.
    Query { answer: Value },
    /// The op did not decode.
    Malformed { outcome: TxOutcome },
}

impl Reply {
    /// Deterministic JSON bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_else(|_| b"{\"reply\":\"unencodable\"}".to_vec())
    }

    /// Parses reply bytes.
    pub fn from_bytes(b: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(b)
    }
}

/// Applies `tx`, whose signature check gave `signature`.
fn apply_one(
    state: &mut PotState,
    tx: &SignedTx,
    signature: Result<(), Reject>,
    ctx: TxContext,
    checker: &dyn ProofChecker,
) -> TxOutcome {
    TxOutcome::from_result(tx.body.kind(), state.apply_checked(tx, signature, ctx, checker))
}

/// Decodes and applies `op` to `state`; returns the reply.
pub fn execute(
    state: &mut PotState,
    op: &[u8],
    ctx: TxContext,
    checker: &dyn ProofChecker,
) -> Reply {
    match Op::decode(op) {
        Err(e) => {
            state.last_time = state.last_time.max(ctx.now);
            state.last_seq = state.last_seq.max(ctx.seq);
            Reply::Malformed {
                outcome: TxOutcome::from_result("unknown", Err(e)),
            }
        }
        Ok(Op::Tx(tx)) => Reply::Tx(apply_one(state, &tx, tx.verify(), ctx, checker)),
        Ok(Op::Batch(txs)) => Reply::Batch {
            outcomes: txs
                .iter()
                .zip(verify_all(&txs))
                .map(|(t, sig)| apply_one(state, t, sig, ctx, checker))
                .collect(),
        },
        Ok(Op::Query(q)) => {
            state.last_time = state.last_time.max(ctx.now);
            state.last_seq = state.last_seq.max(ctx.seq);
            Reply::Query {
                answer: state.query(&q),
            }
        }
    }
}
