//! The node-local archive behind the read API: the orders, claims, validation commitments
//! and revealed validations (with their proofs) this node has seen in its replicated
//! state. The state prunes a finalized order down to a [`crate::order::Settlement`]; the
//! archive keeps what an auditor wants to look at afterwards (who claimed, which proofs
//! were posted, how challenges went), for the newest [`MAX_ARCHIVED_ORDERS`] orders.
//!
//! The archive is NOT replicated state: it holds what this node observed while running
//! (a node restarted from a snapshot taken after an order was finalized never saw its
//! validations). Every record says where it came from (`"source": "state"` or
//! `"archive"`), and the proofs themselves can be checked by anyone, which is the point.

use crate::claim::Claim;
use crate::order::Order;
use crate::state::PotState;
use crate::validation::{Validation, ValidationCommit};
use std::collections::BTreeMap;

/// Orders whose records the archive keeps (the oldest are dropped first).
pub const MAX_ARCHIVED_ORDERS: usize = 1024;

/// What this node has seen of orders that the state may since have pruned.
#[derive(Debug, Default)]
pub struct Archive {
    pub(crate) orders: BTreeMap<u64, Order>,
    pub(crate) claims: BTreeMap<u64, Claim>,
    pub(crate) commits: BTreeMap<u64, ValidationCommit>,
    pub(crate) validations: BTreeMap<u64, Validation>,
}

impl Archive {
    /// Records the open orders, claims and validations of `state` (a validation's proof is
    /// copied only when the validation is new or its status or challenges changed).
    pub fn observe(&mut self, state: &PotState) {
        copy_changed(&mut self.orders, &state.orders);
        copy_changed(&mut self.claims, &state.claims);
        copy_changed(&mut self.commits, &state.validation_commits);
        for (id, v) in &state.validations {
            let changed = self.validations.get(id).is_none_or(|a| {
                a.status != v.status || a.challenges.len() != v.challenges.len() || a.stake != v.stake
            });
            if changed {
                self.validations.insert(*id, v.clone());
            }
        }
        while self.orders.len() > MAX_ARCHIVED_ORDERS {
            let Some((gone, _)) = self.orders.pop_first() else { break };
            self.claims.retain(|_, c| c.order != gone);
            self.commits.retain(|_, c| c.order != gone);
            self.validations.retain(|_, v| v.order != gone);
        }
    }

    /// Number of orders archived.
    pub fn orders(&self) -> usize {
        self.orders.len()
    }
}

fn copy_changed<T: Clone + PartialEq>(into: &mut BTreeMap<u64, T>, from: &BTreeMap<u64, T>) {
    for (id, x) in from {
        if into.get(id) != Some(x) {
            into.insert(*id, x.clone());
        }
    }
}
