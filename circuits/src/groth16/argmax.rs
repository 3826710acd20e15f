//! The R1CS twin of [`crate::fixed::argmax`] (lowest index on ties) and of the comparison with
//! the label in [`crate::eval::SampleTrace::correct`].
//!
//! The prover supplies the prediction `k` as a one-hot vector `e` (booleans summing to 1). With
//! `m = sum_j e_j v_j` (the predicted logit), every `j` must satisfy
//! `d_j = m - v_j - [j < k] >= 0`, where `[j < k] = sum_{i > j} e_i` is linear: strictly smaller
//! before `k`, at most `m` after it. Logits are `b`-bit values, so `d_j` lies in `[0, 2^b)` for
//! an honest prover and is checked with `b` bits; a negative `d_j` is a huge field element.
//! `correct = [k == label]` is the is-zero gadget on `k - label` (two constraints).
//!
//! Cost per sample with `C` classes: `C` (booleans) + 1 (one-hot sum) + `C` (products) +
//! `C b` (comparisons) + 2 (equality with the label).

use super::num::{enforce_bits, enforce_boolean, enforce_equal, enforce_product, mul, Num};
use super::ArkFr;
use crate::fixed::FixedParams;
use ark_ff::{Field, One, Zero};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// Allocates the one-hot vector `e` of position `pos` over `values` (booleans summing to 1; all
/// zero, so unsatisfiable, when `pos` is out of range) and returns it with the picked value
/// `sum_j e_j v_j`. Cost: `2 C + 1`.
pub fn one_hot_pick(cs: &ConstraintSystemRef<ArkFr>, values: &[Num], pos: usize) -> Result<(Vec<Num>, Num), SynthesisError> {
    let one = ArkFr::one();
    let mut e = Vec::with_capacity(values.len());
    for k in 0..values.len() {
        let bit = Num::witness(cs, if k == pos { one } else { ArkFr::zero() })?;
        enforce_boolean(cs, &bit)?;
        e.push(bit);
    }
    enforce_equal(cs, &Num::sum(e.iter().map(|b| (one, b))), &Num::constant(one))?;
    let mut products = Vec::with_capacity(values.len());
    for (b, v) in e.iter().zip(values) {
        products.push(mul(cs, b, v)?);
    }
    let picked = Num::sum(products.iter().map(|p| (one, p)));
    Ok((e, picked))
}

/// Enforces that `prediction` is the argmax of `logits` and returns the bit `prediction == label`.
pub fn argmax_correct(cs: &ConstraintSystemRef<ArkFr>, logits: &[Num], prediction: usize, label: &Num, fixed: FixedParams) -> Result<Num, SynthesisError> {
    let one = ArkFr::one();
    let (e, m) = one_hot_pick(cs, logits, prediction)?;
    for j in 0..logits.len() {
        let before = Num::sum(e[j + 1..].iter().map(|b| (one, b)));
        let d = m.sub(&logits[j]).sub(&before);
        enforce_bits(cs, &d, fixed.value_bits)?;
    }
    // is-zero on k - label: diff * inv = 1 - c, diff * c = 0
    let index = Num::sum(e.iter().enumerate().map(|(k, b)| (ArkFr::from(k as u64), b)));
    let diff = index.sub(label);
    let c = Num::witness(cs, if diff.val.is_zero() { one } else { ArkFr::zero() })?;
    let inv = Num::witness(cs, diff.val.inverse().unwrap_or_else(ArkFr::zero))?;
    enforce_product(cs, &diff, &inv, &Num::constant(one).sub(&c))?;
    enforce_product(cs, &diff, &c, &Num::constant(ArkFr::zero()))?;
    Ok(c)
}

/// Constraints of one sample's argmax and label check.
pub fn constraints(classes: usize, fixed: FixedParams) -> usize {
    classes * (2 + fixed.value_bits as usize) + 1 + 2
}
