//! Claim commit and reveal (paper: Claim phase). Commit before the training deadline;
//! reveal from the training deadline until the validation deadline; one claim per
//! provider per order; the requester cannot claim.

use crate::account::Role;
use crate::bytes32::Bytes32;
use crate::claim::{claim_commitment, Claim};
use crate::reject::Reject;
use crate::state::{PotState, Receipt};

impl PotState {
    /// The claim of `provider` on order `order`, if any.
    pub fn claim_of(&self, order: u64, provider: &Bytes32) -> Option<&Claim> {
        let o = self.orders.get(&order)?;
        o.claims
            .iter()
            .filter_map(|id| self.claims.get(id))
            .find(|c| c.provider == *provider)
    }

    pub(crate) fn claim_commit(
        &mut self,
        provider: Bytes32,
        order: u64,
        commitment: Bytes32,
        now: u64,
    ) -> Result<Receipt, Reject> {
        self.node_with_role(&provider, Role::Provider)?;
        let o = self.open_order(order)?;
        if now >= o.spec.training_deadline {
            return Err(Reject::CommitWindowClosed {
                deadline: o.spec.training_deadline,
                now,
            });
        }
        if o.requester == provider {
            return Err(Reject::RequesterCannotClaim);
        }
        if let Some(c) = self.claim_of(order, &provider) {
            return Err(Reject::DuplicateClaim { claim: c.id });
        }
        let id = self.next_claim;
        self.next_claim = self.next_claim.saturating_add(1);
        self.claims.insert(
            id,
            Claim {
                id,
                order,
                provider,
                commitment,
                committed_at: now,
                model_commitment: None,
                revealed_at: None,
                validations: Vec::new(),
            },
        );
        if let Some(o) = self.orders.get_mut(&order) {
            o.claims.push(id);
        }
        if let Some(n) = self.node_mut(&provider) {
            n.open = n.open.saturating_add(1);
            n.record.claims = n.record.claims.saturating_add(1);
        }
        Ok(Receipt::ClaimCommitted { order, claim: id })
    }

    pub(crate) fn claim_reveal(
        &mut self,
        provider: Bytes32,
        order: u64,
        model: Bytes32,
        salt: Bytes32,
        now: u64,
    ) -> Result<Receipt, Reject> {
        let o = self.open_order(order)?;
        let (training, validation) = (o.spec.training_deadline, o.spec.validation_deadline);
        let claim = self
            .claim_of(order, &provider)
            .ok_or(Reject::NoClaim { order })?;
        let id = claim.id;
        if now < training {
            return Err(Reject::RevealTooEarly {
                opens: training,
                now,
            });
        }
        if now >= validation {
            return Err(Reject::RevealWindowClosed {
                deadline: validation,
                now,
            });
        }
        if claim.model_commitment.is_some() {
            return Err(Reject::AlreadyRevealed { claim: id });
        }
        if claim_commitment(&model, &salt, &provider) != claim.commitment {
            return Err(Reject::RevealMismatch { claim: id });
        }
        if let Some(c) = self.claims.get_mut(&id) {
            c.model_commitment = Some(model);
            c.revealed_at = Some(now);
        }
        Ok(Receipt::ClaimRevealed {
            order,
            claim: id,
            model_commitment: model,
        })
    }
}
