//! The read API's JSON: orders with their phase and deadlines, claims, validations
//! (statement, proof, verifying-key digest), challenges, accounts, drawn from a
//! [`Book`], the replicated state merged with this node's [`Archive`].

use super::archive::Archive;
use crate::bytes32::Bytes32;
use crate::claim::Claim;
use crate::order::{Outcome, OrderSpec};
use crate::state::PotState;
use crate::validation::{Validation, ValidationCommit};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The state and the archive, read together (state first).
pub struct Book<'a> {
    pub state: &'a PotState,
    pub archive: &'a Archive,
}

/// Where an order stands at ledger time `now` (the order's phases, see [`crate::order`]).
pub fn phase(spec: &OrderSpec, now: u64, finalized: bool) -> &'static str {
    if finalized {
        "finalized"
    } else if now < spec.training_deadline {
        "training"
    } else if now < spec.validation_deadline {
        "validation"
    } else if now < spec.reveal_deadline {
        "reveal"
    } else if now < spec.challenge_deadline {
        "challenge"
    } else {
        "awaiting finalize"
    }
}

fn source(in_state: bool) -> &'static str {
    if in_state { "state" } else { "archive" }
}

impl Book<'_> {
    /// Every order id the state or the archive knows, ascending.
    pub fn order_ids(&self) -> Vec<u64> {
        let ids: BTreeSet<u64> = self
            .state
            .orders
            .keys()
            .chain(self.state.settled.keys())
            .chain(self.archive.orders.keys())
            .copied()
            .collect();
        ids.into_iter().collect()
    }

    fn claim(&self, id: u64) -> Option<(&Claim, bool)> {
        self.state.claims.get(&id).map(|c| (c, true)).or_else(|| self.archive.claims.get(&id).map(|c| (c, false)))
    }

    fn validation(&self, id: u64) -> Option<(&Validation, bool)> {
        self.state.validations.get(&id).map(|v| (v, true)).or_else(|| self.archive.validations.get(&id).map(|v| (v, false)))
    }

    fn commit(&self, id: u64) -> Option<(&ValidationCommit, bool)> {
        self.state.validation_commits.get(&id).map(|v| (v, true)).or_else(|| self.archive.commits.get(&id).map(|v| (v, false)))
    }

    /// The claim ids of an order (open or archived).
    fn claim_ids(&self, order: u64) -> Vec<u64> {
        match self.state.orders.get(&order).or_else(|| self.archive.orders.get(&order)) {
            Some(o) => o.claims.clone(),
            None => Vec::new(),
        }
    }

    /// The validation ids of an order, through its claims.
    pub fn validation_ids(&self, order: u64) -> Vec<u64> {
        self.claim_ids(order)
            .into_iter()
            .filter_map(|c| self.claim(c))
            .flat_map(|(c, _)| c.validations.clone())
            .collect()
    }

    /// Every validation id the state or the archive knows (revealed or committed), ascending.
    pub fn all_validation_ids(&self) -> Vec<u64> {
        let ids: BTreeSet<u64> = self
            .state
            .validations
            .keys()
            .chain(self.state.validation_commits.keys())
            .chain(self.archive.validations.keys())
            .chain(self.archive.commits.keys())
            .copied()
            .collect();
        ids.into_iter().collect()
    }

    /// One order: spec, deadlines, phase, claims (model commitments), validations
    /// (summaries), outcome and winner. `None` if neither the state nor the archive has it.
    pub fn order(&self, id: u64) -> Option<Value> {
        let now = self.state.last_time;
        let open = self.state.orders.get(&id);
        let archived = self.archive.orders.get(&id);
        let settled = self.state.settled.get(&id);
        let (requester, created_at, spec) = match (open.or(archived), settled) {
            (Some(o), _) => (o.requester, o.created_at, o.spec.clone()),
            (None, Some(s)) => (s.requester, s.created_at, s.spec.clone()),
            (None, None) => return None,
        };
        let finalized = open.is_none() && (settled.is_some() || self.state.is_settled(id));
        let outcome = settled.map(|s| &s.outcome);
        let winner = match outcome {
            Some(Outcome::Won(w)) => serde_json::to_value(w).unwrap_or(Value::Null),
            _ => Value::Null,
        };
        let claims: Vec<Value> = self
            .claim_ids(id)
            .into_iter()
            .filter_map(|c| self.claim(c))
            .map(|(c, in_state)| claim_view(c, in_state, self.state.claim_score(c.id)))
            .collect();
        let validations: Vec<Value> = self
            .validation_ids(id)
            .into_iter()
            .filter_map(|v| self.validation_view(v, false))
            .collect();
        Some(json!({
            "id": id,
            "requester": requester,
            "created_at": created_at,
            "phase": phase(&spec, now, finalized),
            "ledger_time": now,
            "deadlines": {
                "training": spec.training_deadline,
                "validation": spec.validation_deadline,
                "reveal": spec.reveal_deadline,
                "challenge": spec.challenge_deadline,
            },
            "spec": spec,
            "finalized": finalized,
            "finalized_at": settled.map(|s| s.finalized_at),
            "settlement": settled.map(|s| json!({
                "claims": s.claims,
                "validations": s.validations,
                "slashed_validations": s.slashed_validations,
                "unrevealed_validations": s.unrevealed_validations,
            })),
            "outcome": outcome,
            "winner": winner,
            "claims": claims,
            "validations": validations,
            "source": source(open.is_some() || settled.is_some()),
        }))
    }

    /// One validation (revealed, or only committed). With `proof`, the proof bytes as hex.
    pub fn validation_view(&self, id: u64, proof: bool) -> Option<Value> {
        if let Some((v, in_state)) = self.validation(id) {
            let vk_digest = self.state.verifying_keys.get(&v.statement.shape_id);
            let mut out = crate::query::validation_view(v);
            out["backend"] = json!(v.statement.backend);
            out["shape_id"] = json!(v.statement.shape_id);
            out["samples"] = json!(v.statement.samples);
            out["score_function"] = json!(v.statement.score_function);
            out["vk_digest"] = json!(vk_digest);
            out["source"] = json!(source(in_state));
            if proof {
                out["proof_hex"] = Value::String(hex::encode(&v.proof));
            }
            return Some(out);
        }
        self.commit(id).map(|(c, in_state)| {
            json!({
                "id": c.id,
                "order": c.order,
                "claim": c.claim,
                "validator": c.validator,
                "status": "committed",
                "commitment": c.commitment,
                "stake": c.stake,
                "committed_at": c.committed_at,
                "challenges": [],
                "source": source(in_state),
            })
        })
    }

    /// Every challenge, flattened, in validation order.
    pub fn challenges(&self) -> Vec<Value> {
        self.all_validation_ids()
            .into_iter()
            .filter_map(|id| self.validation(id))
            .flat_map(|(v, in_state)| {
                v.challenges.iter().map(move |c| {
                    json!({
                        "validation": v.id,
                        "order": v.order,
                        "claim": v.claim,
                        "validator": v.validator,
                        "challenger": c.challenger,
                        "stake": c.stake,
                        "at": c.at,
                        "succeeded": c.succeeded,
                        "detail": c.detail,
                        "source": source(in_state),
                    })
                })
            })
            .collect()
    }

    /// One account.
    pub fn account(&self, id: &Bytes32) -> Option<Value> {
        self.state.accounts.get(id).map(|a| {
            json!({
                "account": id,
                "balance": a.balance,
                "nonce": a.nonce,
                "open_orders": a.open_orders,
                "node": a.node,
            })
        })
    }
}

fn claim_view(c: &Claim, in_state: bool, score: Option<u64>) -> Value {
    let mut v = crate::query::claim_view(c, score);
    v["source"] = json!(source(in_state));
    v
}
