//! The R1CS twin of top-k scoring ([`crate::score::ScoreFunction::TopK`] with
//! [`crate::score::label_rank`]): a sample counts iff fewer than `k` classes rank ahead of its
//! label, a class `j` ranking ahead iff `z_j > z_l`, or `z_j = z_l` and `j < l`.
//!
//! The label enters as a one-hot vector `e` on the data set's label variable (which the data set
//! commitment binds): booleans summing to 1 with `sum_j j e_j = label`, and `z_l = sum_j e_j z_j`
//! ([`super::argmax::one_hot_pick`]). With the linear `[j >= l] = sum_{i <= j} e_i`, class `j`
//! ranks ahead iff `d_j = z_j - z_l - [j >= l] >= 0`. The prover supplies the bit `g_j` and
//! `t_j = g_j ? d_j : -d_j - 1 = g_j (2 d_j + 1) - d_j - 1` (one product) is range-checked to
//! `b` bits: logits are `b`-bit values, so an honest `t_j` lies in `[0, 2^b)`, and a wrong `g_j`
//! makes it negative, a huge field element. The rank is `sum_j g_j` (linear), and the bit
//! `c = [rank < k]` is checked the same way: `c ? k - 1 - rank : rank - k` in `[0, 2^m)` with
//! `2^m > C`.
//!
//! Cost per sample with `C` classes: `2 C + 1` (one-hot and `z_l`) + 1 (the label) +
//! `C (b + 2)` (the comparisons) + `2 + m` (the count).

use super::argmax::one_hot_pick;
use super::convert::ark_from_i64;
use super::num::{enforce_bits, enforce_boolean, enforce_equal, mul, Num};
use super::ArkFr;
use crate::fixed::FixedParams;
use ark_ff::{One, Zero};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// Bits of the count check: `2^m > classes`.
fn count_bits(classes: usize) -> u32 {
    (usize::BITS - classes.leading_zeros()).max(1)
}

/// A fresh bit with value `b` (one constraint).
fn bit(cs: &ConstraintSystemRef<ArkFr>, b: bool) -> Result<Num, SynthesisError> {
    let x = Num::witness(cs, if b { ArkFr::one() } else { ArkFr::zero() })?;
    enforce_boolean(cs, &x)?;
    Ok(x)
}

/// `g (2 d + 1) - d - 1`, i.e. `g ? d : -d - 1` (one product).
fn either(cs: &ConstraintSystemRef<ArkFr>, g: &Num, d: &Num) -> Result<Num, SynthesisError> {
    let one = ArkFr::one();
    let q = mul(cs, g, &d.scale(ArkFr::from(2u64)).add_const(one))?;
    Ok(q.sub(d).add_const(-one))
}

/// Enforces the rank of the label among `logits` and returns the bit `rank < k`. `label` is the
/// data set's label variable, `label_value` its value (where the one-hot vector goes).
pub fn topk_correct(cs: &ConstraintSystemRef<ArkFr>, logits: &[Num], label: &Num, label_value: i64, k: usize, fixed: FixedParams) -> Result<Num, SynthesisError> {
    claim_rank(cs, logits, label, label_value, k, fixed, None)
}

/// [`topk_correct`], where `flip = Some(j)` makes the prover claim the wrong bit `g_j` (or, for
/// `j = C`, the wrong count bit `c`): how the tests check that every claim is forced.
fn claim_rank(cs: &ConstraintSystemRef<ArkFr>, logits: &[Num], label: &Num, label_value: i64, k: usize, fixed: FixedParams, flip: Option<usize>) -> Result<Num, SynthesisError> {
    let one = ArkFr::one();
    let pos = usize::try_from(label_value).unwrap_or(usize::MAX);
    let (e, zl) = one_hot_pick(cs, logits, pos)?;
    let index = Num::sum(e.iter().enumerate().map(|(j, b)| (ArkFr::from(j as u64), b)));
    enforce_equal(cs, &index, label)?;
    let zl_value = logits.get(pos).map(|z| z.val);
    let mut rank = Num::constant(ArkFr::zero());
    let mut rank_value = 0usize;
    for (j, z) in logits.iter().enumerate() {
        let at_or_after = Num::sum(e[..=j].iter().map(|b| (one, b)));
        let d = z.sub(&zl).sub(&at_or_after);
        // honest: d_j >= 0 as a small integer iff it is below 2^b (d_j in [-2^b, 2^b))
        let ahead = zl_value.is_some() && to_small(d.val) >= 0;
        let g = bit(cs, ahead != (flip == Some(j)))?;
        enforce_bits(cs, &either(cs, &g, &d)?, fixed.value_bits)?;
        rank = rank.add(&g);
        rank_value += ahead as usize;
    }
    let c = bit(cs, (rank_value < k) != (flip == Some(logits.len())))?;
    // c ? k - 1 - rank : rank - k
    let d = Num::constant(ark_from_i64(k as i64 - 1)).sub(&rank);
    enforce_bits(cs, &either(cs, &c, &d)?, count_bits(logits.len()))?;
    Ok(c)
}

/// A field element read as a signed integer: `x` if it is below `2^127`, else `x - p`.
fn to_small(x: ArkFr) -> i128 {
    use ark_ff::{BigInteger, PrimeField};
    let neg = -x;
    let small = |v: ArkFr| -> Option<i128> {
        let b = v.into_bigint();
        (b.num_bits() < 127).then(|| b.0[0] as i128 | (b.0[1] as i128) << 64)
    };
    small(x).or_else(|| small(neg).map(|v| -v)).unwrap_or(i128::MAX)
}

/// Constraints of one sample's rank and count.
pub fn constraints(classes: usize, fixed: FixedParams) -> usize {
    2 * classes + 1 + 1 + classes * (fixed.value_bits as usize + 2) + 2 + count_bits(classes) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::label_rank;
    use crate::testing::{SplitMix, TINY};
    use ark_relations::gr1cs::ConstraintSystem;

    /// The gadget on `logits` and `label`, with an optional wrong claim: (satisfied, bit).
    fn run(logits: &[i64], label: i64, k: usize, flip: Option<usize>) -> (bool, bool) {
        let cs = ConstraintSystem::<ArkFr>::new_ref();
        let z: Vec<Num> = logits.iter().map(|v| Num::witness(&cs, ark_from_i64(*v)).unwrap()).collect();
        let l = Num::witness(&cs, ark_from_i64(label)).unwrap();
        let c = claim_rank(&cs, &z, &l, label, k, TINY, flip).unwrap();
        assert_eq!(cs.num_constraints(), constraints(logits.len(), TINY));
        (cs.is_satisfied().unwrap(), c.val == ArkFr::one())
    }

    #[test]
    fn rank_bits_match_the_reference_and_every_wrong_claim_fails() {
        let mut rng = SplitMix(5);
        let cases = [(vec![1i64, 3, 3, 2], 2usize), (vec![-128, 127, -128, 127, 0], 3), (vec![0, 0, 0], 2)];
        let random = (0..20).map(|_| ((0..5).map(|_| rng.range(-3, 3)).collect::<Vec<i64>>(), 1 + rng.range(1, 3) as usize));
        for (logits, k) in cases.into_iter().chain(random) {
            for label in 0..logits.len() {
                let (ok, c) = run(&logits, label as i64, k, None);
                assert!(ok, "{logits:?} label {label}");
                assert_eq!(c, label_rank(&logits, label) < k, "{logits:?} label {label} k {k}");
                for j in 0..=logits.len() {
                    assert!(!run(&logits, label as i64, k, Some(j)).0, "{logits:?} label {label}: flipped claim {j}");
                }
            }
        }
        // a label that is not a class: no one-hot vector exists
        assert!(!run(&[1, 2, 3], 3, 2, None).0);
        assert!(!run(&[1, 2, 3], -1, 2, None).0);
    }

    #[test]
    fn small_values_read_back() {
        for v in [0i64, 1, -1, 255, -256] {
            assert_eq!(to_small(ark_from_i64(v)), v as i128);
        }
        assert_eq!(count_bits(3), 2);
        assert_eq!(count_bits(4), 3);
    }
}
