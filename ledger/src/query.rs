//! Read-only views of the PoT state, as JSON. The same functions answer queries sent
//! through consensus (`Op::Query`, linearizable: the reply is f+1-matched like any
//! operation) and local reads of one replica's state (fast, possibly stale). Proof bytes
//! are never returned, only their length and SHA-256. A finalized order answers with its
//! settlement summary (its claims and validations were pruned), or, once that summary
//! was dropped too, says so.

use crate::bytes32::Bytes32;
use crate::state::PotState;
use crate::tx::Query;
use crate::claim::Claim;
use crate::validation::Validation;
use serde_json::{json, Value};

impl PotState {
    /// Answers `q`.
    pub fn query(&self, q: &Query) -> Value {
        match q {
            Query::GetOrder { order } => self.order_view(*order),
            Query::ListOrders => {
                let row = |id: u64, requester: &Bytes32, spec: &crate::order::OrderSpec, claims: u64, outcome: Option<&crate::order::Outcome>| {
                    (id, json!({
                        "id": id,
                        "requester": requester,
                        "reward": spec.reward,
                        "mode": spec.mode,
                        "claims": claims,
                        "finalized": outcome.is_some(),
                        "outcome": outcome,
                    }))
                };
                let open = self.orders.values().map(|o| row(o.id, &o.requester, &o.spec, o.claims.len() as u64, None));
                let settled = self.settled.values().map(|s| row(s.id, &s.requester, &s.spec, s.claims, Some(&s.outcome)));
                let mut all: Vec<(u64, Value)> = open.chain(settled).collect();
                all.sort_by_key(|(id, _)| *id);
                Value::Array(all.into_iter().map(|(_, v)| v).collect())
            }
            Query::GetAccount { account } => self.account_view(account),
            Query::GetValidations { order } => match self.orders.get(order) {
                None if self.is_settled(*order) => json!({"error": format!("order {order} is finalized: its validations were pruned (see its settlement)")}),
                None => json!({"error": format!("order {order} does not exist")}),
                Some(o) => Value::Array(
                    o.claims
                        .iter()
                        .filter_map(|c| self.claims.get(c))
                        .flat_map(|c| c.validations.iter())
                        .filter_map(|v| {
                            self.validations.get(v).map(validation_view).or_else(|| {
                                self.validation_commits.get(v).map(|c| json!({
                                    "id": c.id,
                                    "order": c.order,
                                    "claim": c.claim,
                                    "validator": c.validator,
                                    "commitment": c.commitment,
                                    "stake": c.stake,
                                    "committed_at": c.committed_at,
                                    "status": "committed",
                                }))
                            })
                        })
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
                    "network": self.network,
                })
            }
        }
    }

    fn order_view(&self, id: u64) -> Value {
        let Some(o) = self.orders.get(&id) else {
            return match self.settled.get(&id) {
                Some(s) => {
                    let winner = match &s.outcome {
                        crate::order::Outcome::Won(w) => serde_json::to_value(w).unwrap_or(Value::Null),
                        _ => Value::Null,
                    };
                    json!({
                        "id": s.id,
                        "requester": s.requester,
                        "created_at": s.created_at,
                        "finalized_at": s.finalized_at,
                        "spec": s.spec,
                        "escrow": 0,
                        "claims": s.claims,
                        "validations": s.validations,
                        "slashed_validations": s.slashed_validations,
                        "unrevealed_validations": s.unrevealed_validations,
                        "finalized": true,
                        "outcome": s.outcome,
                        "winner": winner,
                    })
                }
                None if self.is_settled(id) => json!({"error": format!("order {id} was finalized and its summary pruned (see its Finalized receipt)")}),
                None => json!({"error": format!("order {id} does not exist")}),
            };
        };
        let claims: Vec<Value> = o
            .claims
            .iter()
            .filter_map(|c| self.claims.get(c))
            .map(|c| claim_view(c, self.claim_score(c.id)))
            .collect();
        json!({
            "id": o.id,
            "requester": o.requester,
            "created_at": o.created_at,
            "spec": o.spec,
            "escrow": o.escrow,
            "claims": claims,
            "finalized": false,
            "outcome": Value::Null,
            "winner": Value::Null,
        })
    }

    fn account_view(&self, id: &Bytes32) -> Value {
        match self.accounts.get(id) {
            None => json!({"network": self.network, "account": id, "exists": false}),
            Some(a) => json!({
                "network": self.network,
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

/// One claim with its score (`None` until a validation is counted), as queries and the read
/// API show it.
pub(crate) fn claim_view(c: &Claim, score: Option<u64>) -> Value {
    json!({
        "id": c.id,
        "order": c.order,
        "provider": c.provider,
        "commitment": c.commitment,
        "committed_at": c.committed_at,
        "model_commitment": c.model_commitment,
        "revealed_at": c.revealed_at,
        "validations": c.validations,
        "score": score,
    })
}

pub(crate) fn validation_view(v: &Validation) -> Value {
    json!({
        "id": v.id,
        "order": v.order,
        "claim": v.claim,
        "validator": v.validator,
        "statement": v.statement,
        "score": v.statement.score,
        "proof_len": v.proof_len,
        "proof_sha256": v.proof_sha256,
        "stake": v.stake,
        "posted_stake": v.posted_stake,
        "commitment": v.commitment,
        "committed_at": v.committed_at,
        "revealed_at": v.revealed_at,
        "status": v.status,
        "challenges": v.challenges,
    })
}
