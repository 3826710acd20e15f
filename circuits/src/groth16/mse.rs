//! The R1CS twin of mean-squared-error scoring ([`crate::score::ScoreFunction::Mse`]:
//! [`crate::score::squared_error`] and [`crate::score::mean_rounded`]), and of the halo2
//! gadget [`crate::halo2::mse`]. Synthesized only for mse shapes, so classification circuits
//! and their keys are unchanged.
//!
//! Per sample `i`, with `z_i` the model's single output (the last layer's `b`-bit value) and
//! `t_i` the target (the data set's `b`-bit label-slot variable, bound by the data set
//! commitment): `e_i = z_i - t_i` (linear, free) and `q_i = e_i^2` (one product). Then
//! `SSE = sum_i q_i` (linear), and with the public score `S`, `N` a constant of the shape and a
//! witness `r`:
//! * `SSE + floor(N/2) = S N + r` (one constraint: `S N` is linear, `N` being a constant);
//! * `r` and `N - 1 - r` each in `[0, 2^m)` with `2^m >= N` ([`rem_bits`]; `m` constraints each);
//! * `S` in `[0, 2^(2b))` (`2b` constraints).
//!
//! Soundness. `|z_i|, |t_i| <= 2^(b-1)`, so `|e_i| < 2^b`, `q_i < 2^(2b)` and
//! `SSE + floor(N/2) < N 2^(2b) + N`: an integer far below the field's `p ~ 2^254` (`b <= 20`,
//! `N <= 2^b`), with no wrap-around. `r` and `N - 1 - r` in `[0, 2^m)` with `2^m <= 2N < p / 2`
//! force `r` to be an integer in `[0, N)`: an `r >= N` makes `N - 1 - r` a negative integer,
//! i.e. the field element `p - (r - N + 1) > 2^m`. With `S < 2^(2b)`, `S N + r < N 2^(2b) + N`
//! is below `p` as well, so the field equation is an integer equation, and
//! `S = (SSE + floor(N/2) - r) / N` with `0 <= r < N` is exactly
//! `floor((SSE + floor(N/2)) / N)`, the reference's rounded mean. The honest `S` fits:
//! `S <= (SSE + N/2) / N <= (2^b - 1)^2 + 1/2`, so `S < 2^(2b)`. The shape keeps halo2's bound
//! `N <= 2^b` ([`crate::halo2::CircuitShape::check_mse_samples`]); this gadget alone would
//! be sound for any `N < 2^64`.
//!
//! Cost: 1 constraint per sample, `2 m + 2 b` once (the relation takes the place of the
//! top-1 / top-k circuits' final `sum = S` equality).

use super::convert::ark_from_i64;
use super::num::{enforce_bits, enforce_equal, enforce_product, Num};
use super::ArkFr;
use crate::fixed::FixedParams;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// Bits of each remainder check: the least `m >= 1` with `2^m >= n`.
pub fn rem_bits(n: usize) -> u32 {
    usize::BITS - (n.max(2) - 1).leading_zeros()
}

/// The prover's values in the gadget: each sample's square and the remainder of the mean (public
/// so tests can tamper with them; [`MseClaim::honest`] is what the circuit uses).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MseClaim {
    /// `q_i = (z_i - t_i)^2`.
    pub squares: Vec<ArkFr>,
    /// `r = SSE + floor(N/2) - S N`, in `[0, N)` for the honest `S`.
    pub rem: ArkFr,
}

impl MseClaim {
    /// The honest squares of `outputs` against `targets`, and the remainder for the claimed
    /// `score`.
    pub fn honest(outputs: &[Num], targets: &[Num], score: &Num) -> MseClaim {
        let squares: Vec<ArkFr> = outputs.iter().zip(targets).map(|(z, t)| (z.val - t.val) * (z.val - t.val)).collect();
        let n = outputs.len() as i64;
        let sse: ArkFr = squares.iter().sum();
        MseClaim { rem: sse + ark_from_i64(n / 2) - score.val * ark_from_i64(n), squares }
    }
}

/// Enforces that `score` is the rounded mean squared error of `outputs` against `targets`
/// (one pair per sample).
pub fn enforce_mse(cs: &ConstraintSystemRef<ArkFr>, outputs: &[Num], targets: &[Num], score: &Num, fixed: FixedParams) -> Result<(), SynthesisError> {
    let claim = MseClaim::honest(outputs, targets, score);
    claim_mse(cs, outputs, targets, score, &claim, fixed)
}

/// [`enforce_mse`] with the prover's values `claim` (honest or not).
pub fn claim_mse(cs: &ConstraintSystemRef<ArkFr>, outputs: &[Num], targets: &[Num], score: &Num, claim: &MseClaim, fixed: FixedParams) -> Result<(), SynthesisError> {
    let n = outputs.len();
    if targets.len() != n || claim.squares.len() != n {
        return Err(SynthesisError::Unsatisfiable);
    }
    let mut squares = Vec::with_capacity(n);
    for ((z, t), q) in outputs.iter().zip(targets).zip(&claim.squares) {
        let e = z.sub(t);
        let q = Num::witness(cs, *q)?;
        enforce_product(cs, &e, &e, &q)?;
        squares.push(q);
    }
    let one = ark_from_i64(1);
    let sse = Num::sum(squares.iter().map(|q| (one, q)));
    let r = Num::witness(cs, claim.rem)?;
    let n_f = ark_from_i64(n as i64);
    enforce_equal(cs, &sse.add_const(ark_from_i64(n as i64 / 2)), &score.scale(n_f).add(&r))?;
    let m = rem_bits(n);
    enforce_bits(cs, &r, m)?;
    enforce_bits(cs, &Num::constant(ark_from_i64(n as i64 - 1)).sub(&r), m)?;
    enforce_bits(cs, score, 2 * fixed.value_bits)
}

/// Constraints of one sample's square.
pub const PER_SAMPLE: usize = 1;

/// Constraints of the mean over `n` samples (besides the samples' squares), the relation
/// included.
pub fn constraints_once(n: usize, fixed: FixedParams) -> usize {
    1 + 2 * rem_bits(n) as usize + 2 * fixed.value_bits as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remainder_bits_cover_n() {
        for n in 1..70usize {
            let m = rem_bits(n);
            assert!(m >= 1 && (1usize << m) >= n && (m == 1 || (1usize << (m - 1)) < n), "n = {n}: m = {m}");
        }
    }
}
