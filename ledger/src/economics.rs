//! Who gets paid what, and how reputations move. All splits are integer arithmetic
//! whose parts add up exactly to the whole, so value is conserved.
//!
//! * **Order reward** (finalize, winner exists): the provider gets
//!   `PROVIDER_SHARE_PERCENT` (80%); the remaining 20% is split equally among the
//!   *valid* validations of the winning claim; the integer-division remainder goes to
//!   the provider. No winner: the whole reward is refunded to the requester.
//! * **Successful challenge** (proof invalid): the validator's stake is slashed; the
//!   challenger gets their own stake back plus `CHALLENGER_SLASH_PERCENT` (50%) of the
//!   slashed stake; the rest goes to the protocol treasury (an on-ledger balance).
//! * **Failed challenge** (proof valid): the challenger's stake is forfeited to the
//!   validator they wrongly challenged (compensation for the griefing).
//! * **Validation stakes** of valid validations are returned at finalize.

/// Provider's share of the order reward, percent.
pub const PROVIDER_SHARE_PERCENT: u64 = 80;
/// Challenger's share of a slashed validator stake, percent.
pub const CHALLENGER_SLASH_PERCENT: u64 = 50;

/// Reputation changes (added to `NodeInfo::reputation`).
pub mod reputation {
    /// Provider of the winning claim.
    pub const WIN: i64 = 10;
    /// Provider who committed but never revealed (counted at finalize).
    pub const UNREVEALED_CLAIM: i64 = -2;
    /// Validator who committed a validation but never revealed it (its stake goes to
    /// the treasury at finalize).
    pub const UNREVEALED_VALIDATION: i64 = -2;
    /// Validator whose validation was valid at finalize.
    pub const VALID_VALIDATION: i64 = 1;
    /// Validator slashed by a successful challenge.
    pub const SLASHED: i64 = -20;
    /// Verifier whose challenge found an invalid proof.
    pub const CHALLENGE_WON: i64 = 5;
    /// Verifier who challenged a valid proof.
    pub const CHALLENGE_LOST: i64 = -5;
}

/// Splits `reward` into (provider part, per-validator part) for `validators` >= 1
/// validators; provider part absorbs the remainder so that
/// `provider + each * validators == reward`.
pub fn split_reward(reward: u64, validators: u64) -> (u64, u64) {
    let provider_base =
        reward / 100 * PROVIDER_SHARE_PERCENT + reward % 100 * PROVIDER_SHARE_PERCENT / 100;
    let pool = reward - provider_base;
    if validators == 0 {
        return (reward, 0);
    }
    let each = pool / validators;
    (reward - each * validators, each)
}

/// Splits a slashed stake into (challenger bonus, treasury part).
pub fn split_slash(stake: u64) -> (u64, u64) {
    let bonus =
        stake / 100 * CHALLENGER_SLASH_PERCENT + stake % 100 * CHALLENGER_SLASH_PERCENT / 100;
    (bonus, stake - bonus)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_add_up() {
        for reward in [0u64, 1, 7, 99, 100, 1000, 12345, u64::MAX] {
            for v in 1..=7u64 {
                let (p, e) = split_reward(reward, v);
                assert_eq!(p as u128 + e as u128 * v as u128, reward as u128);
                if reward >= 100 {
                    assert!(p >= e);
                }
            }
            let (b, t) = split_slash(reward);
            assert_eq!(b as u128 + t as u128, reward as u128);
        }
        assert_eq!(split_reward(1000, 2), (800, 100));
        assert_eq!(split_reward(1000, 3), (802, 66));
        assert_eq!(split_slash(300), (150, 150));
    }
}
