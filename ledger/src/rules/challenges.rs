//! Challenge (paper: Verify phase, Eq. 3): a verifier stakes against an unchallenged,
//! revealed validation before the challenge deadline, and the ledger resolves it at once
//! by running the proof checker. Payouts are in `economics`. A proof the ledger cannot
//! check (no verifying key) is not a verdict: the challenge is refused
//! (`Reject::CannotCheck`) and nobody is slashed.

use crate::account::Role;
use crate::bytes32::Bytes32;
use crate::checker::ProofChecker;
use crate::economics::{reputation, split_slash};
use crate::reject::Reject;
use crate::state::{PotState, Receipt};
use crate::validation::{ChallengeRecord, ValidationStatus};

impl PotState {
    pub(crate) fn challenge(
        &mut self,
        challenger: Bytes32,
        validation: u64,
        stake: u64,
        now: u64,
        checker: &dyn ProofChecker,
    ) -> Result<Receipt, Reject> {
        self.node_with_role(&challenger, Role::Verifier)?;
        let Some(v) = self.validations.get(&validation) else {
            return Err(if self.validation_commits.contains_key(&validation) {
                Reject::ValidationNotRevealed { validation }
            } else {
                Reject::UnknownValidation { validation }
            });
        };
        let o = self.open_order(v.order)?;
        if now >= o.spec.challenge_deadline {
            return Err(Reject::ChallengeWindowClosed {
                deadline: o.spec.challenge_deadline,
                now,
            });
        }
        match v.status {
            ValidationStatus::Verified => return Err(Reject::AlreadyVerified { validation }),
            ValidationStatus::Invalid => return Err(Reject::AlreadyInvalidated { validation }),
            ValidationStatus::Unchallenged => {}
        }
        let min = self.params.min_challenge_stake.max(1);
        if stake < min {
            return Err(Reject::ChallengeStakeBelowMinimum { min, got: stake });
        }
        self.can_pay(&challenger, stake)?;
        checker
            .can_check(&v.statement)
            .map_err(|detail| Reject::CannotCheck { detail: crate::statement::clip(&detail) })?;
        let verdict = checker
            .check(&v.statement, &v.proof)
            .map_err(|detail| crate::statement::clip(&detail));
        let validator = v.validator;
        let slashed = v.stake;
        // Nothing below can fail.
        let receipt = match verdict {
            Err(detail) => {
                // Invalid proof: slash the validator; the challenger keeps their stake
                // and earns the bonus; the rest goes to the treasury.
                let (bonus, to_treasury) = split_slash(slashed);
                self.credit(&challenger, bonus);
                self.treasury = self.treasury.saturating_add(to_treasury);
                if let Some(v) = self.validations.get_mut(&validation) {
                    v.stake = 0;
                    v.status = ValidationStatus::Invalid;
                    v.challenges.push(ChallengeRecord {
                        challenger,
                        stake,
                        at: now,
                        succeeded: true,
                        detail: Some(detail.clone()),
                    });
                }
                if let Some(n) = self.node_mut(&validator) {
                    n.open = n.open.saturating_sub(1);
                    n.reputation = n.reputation.saturating_add(reputation::SLASHED);
                    n.record.slashed = n.record.slashed.saturating_add(1);
                }
                if let Some(n) = self.node_mut(&challenger) {
                    n.reputation = n.reputation.saturating_add(reputation::CHALLENGE_WON);
                    n.record.challenges_won = n.record.challenges_won.saturating_add(1);
                }
                Receipt::Challenged {
                    validation,
                    succeeded: true,
                    challenger_reward: bonus,
                    forfeited: 0,
                    to_treasury,
                    detail: Some(detail),
                }
            }
            Ok(()) => {
                // Valid proof: the challenger's stake goes to the validator.
                self.debit(&challenger, stake);
                self.credit(&validator, stake);
                if let Some(v) = self.validations.get_mut(&validation) {
                    v.status = ValidationStatus::Verified;
                    v.challenges.push(ChallengeRecord {
                        challenger,
                        stake,
                        at: now,
                        succeeded: false,
                        detail: None,
                    });
                }
                if let Some(n) = self.node_mut(&challenger) {
                    n.reputation = n.reputation.saturating_add(reputation::CHALLENGE_LOST);
                    n.record.challenges_lost = n.record.challenges_lost.saturating_add(1);
                }
                Receipt::Challenged {
                    validation,
                    succeeded: false,
                    challenger_reward: 0,
                    forfeited: stake,
                    to_treasury: 0,
                    detail: None,
                }
            }
        };
        Ok(receipt)
    }
}
