//! Read-only views of the PoT state, as JSON. The same functions answer queries sent
//! through consensus (`Op::Query`, linearizable: the reply is f+1-matched like any
//! operation) and local reads of one replica's state (fast, possibly stale). Proof bytes
//! are never returned, only their length and SHA-256.

use crate::bytes32::Bytes32;
use crate::state::PotState;
use crate::tx::Query;
use crate::validation::Validation;
use serde_json::{json, Value};

impl PotState {
    /// Answers `q`.
    pub fn query(&self, q: &Query) -> Value {
        match q {
            Query::GetOrder { order } => self.order_view(*order),
            Query::ListOrders => Value::Array(
                self.orders
                    .values()
                    .map(|o| {
                        json!({
                            "id": o.id,
                            "requester": o.requester,
                            "reward": o.spec.reward,
                            "mode": o.spec.mode,
                            "claims": o.claims.len(),
                            "finalized": o.is_finalized(),
                            "outcome": o.outcome,
                        })
                    })
                    .collect(),
            ),
            Query::GetAccount { account } => self.account_view(account),
            Query::GetValidations { order } => match self.orders.get(order) {
                None => json!({"error": format!("order {order} does not exist")}),
                Some(o) => Value::Array(
                    o.claims
                        .iter()
                        .filter_map(|c| self.claims.get(c))
                        .flat_map(|c| c.validations.iter())
                        .filter_map(|v| self.validations.get(v))
                        .map(validation_view)
                        .collect(),
                ),
            },
            Query::Totals => {
                let t = self.totals();
                json!({
                    "balances": t.balances.to_string(),
                    "node_stakes": t.node_stakes.to_string(),
                    "order_escrows": t.order_escrows.to_string(),
                    "validation_stakes": t.validation_stakes.to_string(),
                    "treasury": t.treasury.to_string(),
                    "total": t.total().to_string(),
                    "applied": self.applied,
                    "last_seq": self.last_seq,
                    "last_time": self.last_time,
                })
            }
        }
    }

    fn order_view(&self, id: u64) -> Value {
        let Some(o) = self.orders.get(&id) else {
            return json!({"error": format!("order {id} does not exist")});
        };
        let claims: Vec<Value> = o
            .claims
            .iter()
            .filter_map(|c| self.claims.get(c))
            .map(|c| {
                json!({
                    "id": c.id,
                    "provider": c.provider,
                    "commitment": c.commitment,
                    "committed_at": c.committed_at,
                    "model_commitment": c.model_commitment,
                    "revealed_at": c.revealed_at,
                    "validations": c.validations,
                    "score": self.claim_score(c.id),
                })
            })
            .collect();
        let winner = match &o.outcome {
            Some(crate::order::Outcome::Won(w)) => serde_json::to_value(w).unwrap_or(Value::Null),
            _ => Value::Null,
        };
        json!({
            "id": o.id,
            "requester": o.requester,
            "created_at": o.created_at,
            "spec": o.spec,
            "escrow": o.escrow,
            "claims": claims,
            "finalized": o.is_finalized(),
            "outcome": o.outcome,
            "winner": winner,
        })
    }

    fn account_view(&self, id: &Bytes32) -> Value {
        match self.accounts.get(id) {
            None => json!({"account": id, "exists": false}),
            Some(a) => json!({
                "account": id,
                "exists": true,
                "balance": a.balance,
                "nonce": a.nonce,
                "open_orders": a.open_orders,
                "node": a.node,
            }),
        }
    }
}

fn validation_view(v: &Validation) -> Value {
    json!({
        "id": v.id,
        "order": v.order,
        "claim": v.claim,
        "validator": v.validator,
        "statement": v.statement,
        "score": v.statement.score,
        "proof_len": v.proof_len,
        "proof_sha256": v.proof_sha256,
        "proof_retained": !v.proof.is_empty(),
        "stake": v.stake,
        "posted_stake": v.posted_stake,
        "submitted_at": v.submitted_at,
        "status": v.status,
        "challenges": v.challenges,
    })
}
