//! Put order: the requester escrows the reward and fixes the task and its deadlines.
//! The circuit must be one the network has a verifying key for (genesis), the minimum
//! validation stake at least genesis's, and the reveal and challenge windows at least
//! genesis's minimums.

use crate::bytes32::Bytes32;
use crate::order::{check_shape_id, Order, OrderSpec};
use crate::reject::Reject;
use crate::state::{Params, PotState, Receipt};


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
        check_shape_id(&spec.shape_id).map_err(|detail| Reject::BadShapeId { detail })?;
        if !self.verifying_keys.contains_key(&spec.shape_id) {
            return Err(Reject::UnknownCircuit {
                shape_id: spec.shape_id.clone(),
            });
        }
        let min = self.params.min_validation_stake.max(1);
        if spec.min_validator_stake < min {
            return Err(Reject::OrderStakeBelowMinimum {
                min,
                got: spec.min_validator_stake,
            });
        }
        check_deadlines(spec, &self.params, now)?;
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
            },
        );
        Ok(Receipt::OrderPut { order: id })
    }
}

/// `now < training < validation`, `reveal >= validation + min reveal window`,
/// `challenge >= reveal + min challenge window` (each window at least 1 ms).
fn check_deadlines(spec: &OrderSpec, params: &Params, now: u64) -> Result<(), Reject> {
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
    let reveal_min = params.min_reveal_window_ms.max(1);
    if spec.reveal_deadline < spec.validation_deadline.saturating_add(reveal_min) {
        return bad(format!(
            "reveal deadline {} leaves less than the network's minimum reveal window of {reveal_min} ms after the validation deadline {}",
            spec.reveal_deadline, spec.validation_deadline
        ));
    }
    let challenge_min = params.min_challenge_window_ms.max(1);
    if spec.challenge_deadline < spec.reveal_deadline.saturating_add(challenge_min) {
        return bad(format!(
            "challenge deadline {} leaves less than the network's minimum challenge window of {challenge_min} ms after the reveal deadline {}",
            spec.challenge_deadline, spec.reveal_deadline
        ));
    }
    Ok(())
}
