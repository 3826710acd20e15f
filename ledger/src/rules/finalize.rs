//! Finalize (paper: Finalize phase), from the challenge deadline on, by anyone.
//!
//! A revealed claim's score is the score of its verified validations if it has any
//! (a checked proof is the truth), else the highest score among its unchallenged
//! validations; invalid validations never count. "Best" follows the order's score
//! function: the highest count for top-1 / top-k, the lowest error for `mse` (and a
//! claim's own score is the best of its validations in the same sense). The best score
//! wins; ties go to the earliest claim commit (lowest claim id). The reward is split per `economics`
//! between the winner's provider and the validators of the winning claim whose valid
//! validation reports the winning score. Every valid validation's stake comes back.
//! No candidate: the reward is refunded to the requester. A validation commitment that
//! was never revealed forfeits its stake to the treasury.
//!
//! Then the order is pruned: its claims, validations (with their proofs) and
//! commitments leave the state, and the order becomes a [`Settlement`] (task, counts,
//! slashed and unrevealed validation ids, outcome); only the newest
//! `params.max_settled_orders` settlements are kept. The `Finalized` receipt carries the
//! outcome too.

use crate::economics::{reputation, split_reward};
use crate::order::{Outcome, Settlement, Winner};
use crate::reject::Reject;
use crate::state::{PotState, Receipt};
use crate::validation::{Validation, ValidationStatus};

impl PotState {
    /// The score of a claim per the rule above, or `None` if it has no valid validation.
    pub fn claim_score(&self, claim: u64) -> Option<u64> {
        let c = self.claims.get(&claim)?;
        c.model_commitment?;
        let score_fn = self.orders.get(&c.order).map(|o| o.spec.score_function).unwrap_or_default();
        let best = |scores: &mut dyn Iterator<Item = u64>| scores.reduce(|b, s| if score_fn.better(s, b) { s } else { b });
        let vals: Vec<&Validation> = c
            .validations
            .iter()
            .filter_map(|id| self.validations.get(id))
            .collect();
        let verified = best(&mut vals.iter().filter(|v| v.status == ValidationStatus::Verified).map(|v| v.statement.score));
        verified.or_else(|| {
            best(&mut vals.iter().filter(|v| v.status == ValidationStatus::Unchallenged).map(|v| v.statement.score))
        })
    }

    pub(crate) fn finalize(&mut self, order: u64, now: u64) -> Result<Receipt, Reject> {
        let o = self.open_order(order)?;
        if now < o.spec.challenge_deadline {
            return Err(Reject::FinalizeTooEarly {
                opens: o.spec.challenge_deadline,
                now,
            });
        }
        let requester = o.requester;
        let reward = o.escrow;
        let claim_ids = o.claims.clone();
        let score_fn = o.spec.score_function;

        // Winner: best score, ties to the lowest claim id (claims are in commit order).
        let mut best: Option<(u64, u64)> = None;
        for &cid in &claim_ids {
            if let Some(score) = self.claim_score(cid) {
                if best.is_none_or(|(s, _)| score_fn.better(score, s)) {
                    best = Some((score, cid));
                }
            }
        }

        // Return valid validation stakes, forfeit unrevealed ones; settle validator and
        // provider records.
        let mut winner_validations = Vec::new();
        let (mut revealed_count, mut slashed, mut unrevealed) = (0u64, Vec::new(), Vec::new());
        for &cid in &claim_ids {
            let Some(c) = self.claims.get(&cid) else {
                continue;
            };
            let provider = c.provider;
            let revealed = c.model_commitment.is_some();
            for vid in c.validations.clone() {
                if let Some(commit) = self.validation_commits.remove(&vid) {
                    unrevealed.push(vid);
                    self.treasury = self.treasury.saturating_add(commit.stake);
                    if let Some(n) = self.node_mut(&commit.validator) {
                        n.open = n.open.saturating_sub(1);
                        n.reputation = n.reputation.saturating_add(reputation::UNREVEALED_VALIDATION);
                    }
                    continue;
                }
                let Some(v) = self.validations.get_mut(&vid) else {
                    continue;
                };
                revealed_count += 1;
                if !v.status.is_valid() {
                    slashed.push(vid);
                    continue;
                }
                let (validator, stake) = (v.validator, v.stake);
                v.stake = 0;
                if best.is_some_and(|(s, w)| w == cid && v.statement.score == s) {
                    winner_validations.push((vid, validator));
                }
                self.credit(&validator, stake);
                if let Some(n) = self.node_mut(&validator) {
                    n.open = n.open.saturating_sub(1);
                    n.reputation = n.reputation.saturating_add(reputation::VALID_VALIDATION);
                }
            }
            if let Some(n) = self.node_mut(&provider) {
                n.open = n.open.saturating_sub(1);
                if !revealed {
                    n.reputation = n.reputation.saturating_add(reputation::UNREVEALED_CLAIM);
                }
            }
        }

        let outcome = match best
            .and_then(|(score, cid)| self.claims.get(&cid).map(|c| (score, c.clone())))
        {
            Some((score, c)) => {
                let (provider_reward, each) = split_reward(reward, winner_validations.len() as u64);
                self.credit(&c.provider, provider_reward);
                for (_, validator) in &winner_validations {
                    self.credit(validator, each);
                }
                if let Some(n) = self.node_mut(&c.provider) {
                    n.reputation = n.reputation.saturating_add(reputation::WIN);
                    n.record.wins = n.record.wins.saturating_add(1);
                }
                Outcome::Won(Winner {
                    claim: c.id,
                    provider: c.provider,
                    model_commitment: c.model_commitment.unwrap_or_default(),
                    score,
                    provider_reward,
                    rewarded_validations: winner_validations.iter().map(|(id, _)| *id).collect(),
                    validator_reward_each: each,
                })
            }
            None => {
                self.credit(&requester, reward);
                Outcome::Refunded { amount: reward }
            }
        };
        if let Some(a) = self.accounts.get_mut(&requester) {
            a.open_orders = a.open_orders.saturating_sub(1);
        }
        // Prune: the order's claims and validations leave the state; a summary stays.
        for cid in &claim_ids {
            if let Some(c) = self.claims.remove(cid) {
                for vid in &c.validations {
                    self.validations.remove(vid);
                }
            }
        }
        if let Some(o) = self.orders.remove(&order) {
            self.settled.insert(
                order,
                Settlement {
                    id: order,
                    requester,
                    created_at: o.created_at,
                    finalized_at: now,
                    spec: o.spec,
                    claims: claim_ids.len() as u64,
                    validations: revealed_count,
                    slashed_validations: slashed,
                    unrevealed_validations: unrevealed,
                    outcome: outcome.clone(),
                },
            );
        }
        while self.settled.len() as u64 > self.params.max_settled_orders {
            self.settled.pop_first();
        }
        Ok(Receipt::Finalized { order, outcome })
    }
}
