//! Validate (paper: Validate phase): a validator escrows a stake and posts a statement
//! and proof for a revealed claim before the validation deadline. The statement must
//! match the order (shape id, dataset commitment, N) and the revealed model, with
//! score <= N. Eager orders run the proof checker now; optimistic orders accept and
//! check only if challenged.

use crate::account::Role;
use crate::bytes32::Bytes32;
use crate::checker::ProofChecker;
use crate::order::Mode;
use crate::reject::Reject;
use crate::state::{PotState, Receipt};
use crate::statement::{Statement, StatementChecks};
use crate::validation::{Validation, ValidationStatus};
use sha2::{Digest, Sha256};

impl PotState {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn validate(
        &mut self,
        validator: Bytes32,
        order: u64,
        claim: u64,
        statement: &Statement,
        proof: &[u8],
        stake: u64,
        now: u64,
        checker: &dyn ProofChecker,
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
        let model = c
            .model_commitment
            .ok_or(Reject::ClaimNotRevealed { claim })?;
        if let Some(v) = c
            .validations
            .iter()
            .filter_map(|id| self.validations.get(id))
            .find(|v| v.validator == validator)
        {
            return Err(Reject::DuplicateValidation { validation: v.id });
        }
        let min = o.spec.min_validator_stake.max(1);
        if stake < min {
            return Err(Reject::ValidatorStakeBelowMinimum { min, got: stake });
        }
        let proof_len = proof.len() as u64;
        if proof_len > self.params.max_proof_bytes {
            return Err(Reject::ProofTooLarge {
                max: self.params.max_proof_bytes,
                got: proof_len,
            });
        }
        statement.check_fields(
            &o.spec.shape_id,
            &o.spec.dataset_commitment,
            o.spec.samples,
            o.spec.score_function,
            &model,
        )?;
        self.can_pay(&validator, stake)?;
        let status = match o.spec.mode {
            Mode::Eager => {
                checker
                    .check(statement, proof)
                    .map_err(|detail| Reject::ProofRejected { detail })?;
                ValidationStatus::Verified
            }
            Mode::Optimistic => ValidationStatus::Unchallenged,
        };
        // Nothing below can fail.
        self.debit(&validator, stake);
        let id = self.next_validation;
        self.next_validation = self.next_validation.saturating_add(1);
        self.validations.insert(
            id,
            Validation {
                id,
                order,
                claim,
                validator,
                statement: statement.clone(),
                proof: proof.to_vec(),
                proof_sha256: Bytes32(Sha256::digest(proof).into()),
                proof_len,
                stake,
                posted_stake: stake,
                submitted_at: now,
                status,
                challenges: Vec::new(),
            },
        );
        if let Some(c) = self.claims.get_mut(&claim) {
            c.validations.push(id);
        }
        if let Some(n) = self.node_mut(&validator) {
            n.open = n.open.saturating_add(1);
            n.record.validations = n.record.validations.saturating_add(1);
        }
        Ok(Receipt::Validated {
            order,
            claim,
            validation: id,
            verified: status == ValidationStatus::Verified,
        })
    }
}
