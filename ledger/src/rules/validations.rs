//! Validate (paper: Validate phase, Eq. 2), in two steps so that a proof belongs to its
//! validator:
//!
//! * commit, before the validation deadline, on a revealed claim: the validator escrows
//!   a stake (at least the order's minimum, itself at least genesis's) with
//!   `H(network, validator, order, claim, H(statement), H(proof), salt)`; one per
//!   validator per claim.
//! * reveal, from the validation deadline until the reveal deadline: statement, proof
//!   and salt, which must hash to a commitment made by the signer. The statement must
//!   match the order (shape id, dataset commitment, N, score function) and the revealed
//!   model, with score <= N for counts. Eager orders run the proof checker now;
//!   optimistic orders accept and check only if challenged.
//!
//! Commitments close before any proof can be revealed, so a proof seen in a reveal can
//! only be resubmitted by its own validator: a copier has no commitment, and any
//! commitment it makes now is too late. A commitment never revealed forfeits its stake
//! at finalize.

use crate::account::Role;
use crate::bytes32::Bytes32;
use crate::checker::ProofChecker;
use crate::order::Mode;
use crate::reject::Reject;
use crate::state::{PotState, Receipt};
use crate::statement::{Statement, StatementChecks};
use crate::validation::{proof_digest, validation_commitment, Validation, ValidationCommit, ValidationStatus};

impl PotState {
    /// The validation (committed or revealed) of `validator` on claim `claim`, if any.
    fn validation_of(&self, claim: u64, validator: &Bytes32) -> Option<u64> {
        let c = self.claims.get(&claim)?;
        c.validations.iter().copied().find(|id| {
            self.validation_commits.get(id).map(|v| v.validator) == Some(*validator)
                || self.validations.get(id).map(|v| v.validator) == Some(*validator)
        })
    }

    pub(crate) fn validate_commit(
        &mut self,
        validator: Bytes32,
        order: u64,
        claim: u64,
        commitment: Bytes32,
        stake: u64,
        now: u64,
    ) -> Result<Receipt, Reject> {
        self.node_with_role(&validator, Role::Validator)?;
        let o = self.open_order(order)?;
        let c = self
            .claims
            .get(&claim)
            .ok_or(Reject::UnknownClaim { claim })?;
        if c.order != order {
            return Err(Reject::ClaimNotInOrder { claim, order });
        }
        if now >= o.spec.validation_deadline {
            return Err(Reject::ValidationWindowClosed {
                deadline: o.spec.validation_deadline,
                now,
            });
        }
        if c.model_commitment.is_none() {
            return Err(Reject::ClaimNotRevealed { claim });
        }
        if let Some(id) = self.validation_of(claim, &validator) {
            return Err(Reject::DuplicateValidation { validation: id });
        }
        let min = o
            .spec
            .min_validator_stake
            .max(self.params.min_validation_stake)
            .max(1);
        if stake < min {
            return Err(Reject::ValidatorStakeBelowMinimum { min, got: stake });
        }
        self.can_pay(&validator, stake)?;
        // Nothing below can fail.
        self.debit(&validator, stake);
        let id = self.next_validation;
        self.next_validation = self.next_validation.saturating_add(1);
        self.validation_commits.insert(
            id,
            ValidationCommit {
                id,
                order,
                claim,
                validator,
                commitment,
                stake,
                committed_at: now,
            },
        );
        if let Some(c) = self.claims.get_mut(&claim) {
            c.validations.push(id);
        }
        if let Some(n) = self.node_mut(&validator) {
            n.open = n.open.saturating_add(1);
            n.record.validations = n.record.validations.saturating_add(1);
        }
        Ok(Receipt::ValidationCommitted {
            order,
            claim,
            validation: id,
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn validate_reveal(
        &mut self,
        validator: Bytes32,
        validation: u64,
        statement: &Statement,
        proof: &[u8],
        salt: &Bytes32,
        now: u64,
        checker: &dyn ProofChecker,
    ) -> Result<Receipt, Reject> {
        let Some(commit) = self.validation_commits.get(&validation) else {
            return Err(if self.validations.contains_key(&validation) {
                Reject::ValidationAlreadyRevealed { validation }
            } else {
                Reject::UnknownValidation { validation }
            });
        };
        if commit.validator != validator {
            return Err(Reject::NotYourCommitment { validation });
        }
        let (order, claim) = (commit.order, commit.claim);
        let o = self.open_order(order)?;
        if now < o.spec.validation_deadline {
            return Err(Reject::ValidationRevealTooEarly {
                opens: o.spec.validation_deadline,
                now,
            });
        }
        if now >= o.spec.reveal_deadline {
            return Err(Reject::ValidationRevealWindowClosed {
                deadline: o.spec.reveal_deadline,
                now,
            });
        }
        let proof_len = proof.len() as u64;
        if proof_len > self.params.max_proof_bytes {
            return Err(Reject::ProofTooLarge {
                max: self.params.max_proof_bytes,
                got: proof_len,
            });
        }
        let expected = validation_commitment(&self.network, &validator, order, claim, statement, proof, salt);
        if expected != commit.commitment {
            return Err(Reject::ValidationRevealMismatch { validation });
        }
        let model = self
            .claims
            .get(&claim)
            .and_then(|c| c.model_commitment)
            .ok_or(Reject::ClaimNotRevealed { claim })?;
        statement.check_fields(
            &o.spec.shape_id,
            &o.spec.dataset_commitment,
            o.spec.samples,
            o.spec.score_function,
            &model,
        )?;
        let status = match o.spec.mode {
            Mode::Eager => {
                checker
                    .can_check(statement)
                    .map_err(|detail| Reject::CannotCheck { detail })?;
                checker
                    .check(statement, proof)
                    .map_err(|detail| Reject::ProofRejected {
                        detail: crate::statement::clip(&detail),
                    })?;
                ValidationStatus::Verified
            }
            Mode::Optimistic => ValidationStatus::Unchallenged,
        };
        // Nothing below can fail.
        let Some(commit) = self.validation_commits.remove(&validation) else {
            return Err(Reject::UnknownValidation { validation });
        };
        self.validations.insert(
            validation,
            Validation {
                id: validation,
                order,
                claim,
                validator,
                statement: statement.clone(),
                proof: proof.to_vec(),
                proof_sha256: proof_digest(proof),
                proof_len,
                stake: commit.stake,
                posted_stake: commit.stake,
                commitment: commit.commitment,
                committed_at: commit.committed_at,
                revealed_at: now,
                status,
                challenges: Vec::new(),
            },
        );
        Ok(Receipt::Validated {
            order,
            claim,
            validation,
            verified: status == ValidationStatus::Verified,
        })
    }
}
