//! Put order: the requester escrows the reward and fixes the task and its deadlines.

use crate::bytes32::Bytes32;
use crate::order::{Order, OrderSpec};
use crate::reject::Reject;
use crate::state::{PotState, Receipt};

/// Longest accepted architecture (shape) id, hex characters.
pub const MAX_SHAPE_ID_LEN: usize = 128;

impl PotState {
    pub(crate) fn put_order(
        &mut self,
        requester: Bytes32,
        spec: &OrderSpec,
        now: u64,
    ) -> Result<Receipt, Reject> {
        if spec.reward == 0 {
            return Err(Reject::ZeroAmount {
                what: "order reward".into(),
            });
        }
        if spec.samples == 0 {
            return Err(Reject::ZeroSamples);
        }
        if spec.shape_id.is_empty()
            || spec.shape_id.len() > MAX_SHAPE_ID_LEN
            || !spec.shape_id.chars().all(|c| c.is_ascii_hexdigit())
        {
            return Err(Reject::BadShapeId {
                detail: format!(
                    "must be 1..={MAX_SHAPE_ID_LEN} hex digits, got {:?}",
                    spec.shape_id
                ),
            });
        }
        check_deadlines(spec, now)?;
        self.can_pay(&requester, spec.reward)?;
        self.debit(&requester, spec.reward);
        let id = self.next_order;
        self.next_order = self.next_order.saturating_add(1);
        if let Some(a) = self.accounts.get_mut(&requester) {
            a.open_orders = a.open_orders.saturating_add(1);
        }
        self.orders.insert(
            id,
            Order {
                id,
                requester,
                created_at: now,
                spec: spec.clone(),
                escrow: spec.reward,
                claims: Vec::new(),
                outcome: None,
            },
        );
        Ok(Receipt::OrderPut { order: id })
    }
}

/// `now < training < validation <= challenge`.
fn check_deadlines(spec: &OrderSpec, now: u64) -> Result<(), Reject> {
    let bad = |detail: String| Err(Reject::BadDeadlines { detail });
    if spec.training_deadline <= now {
        return bad(format!(
            "training deadline {} is not after now {now}",
            spec.training_deadline
        ));
    }
    if spec.validation_deadline <= spec.training_deadline {
        return bad(format!(
            "validation deadline {} is not after the training deadline {}",
            spec.validation_deadline, spec.training_deadline
        ));
    }
    if spec.challenge_deadline < spec.validation_deadline {
        return bad(format!(
            "challenge deadline {} is before the validation deadline {}",
            spec.challenge_deadline, spec.validation_deadline
        ));
    }
    Ok(())
}
