//! The R1CS twins of max and average pooling ([`crate::layers::pool`]), for one sample. A
//! window's taps are its in-bounds inputs only ([`PoolLayer::windows`]): padding is never a
//! variable, so it can never win a max or enter a sum. Inputs are `b`-bit values (data values
//! or the outputs of a range-checked layer), and so are both gadgets' outputs.
//!
//! **Max-pool**, per output with taps `x_1..x_T`: `out` is a witness with `out - x_t in
//! [0, 2^b)` for every tap (`b` bits each: `out` is at least every tap), and
//! `prod_t (out - x_t) = 0` (`T - 1` products: `out` equals a tap, so it is the maximum). A
//! window of one tap is that tap (no constraint).
//!
//! **Average-pool**, per output with tap sum `sum` (a free linear combination) and divisor `d`:
//! `out` is allocated as `b` slot bits (its range check), and the remainder is not a variable:
//! it *is* `rem = 2 sum + d - 2 d out`, range-checked to `[0, 2d)` (`m` bits with
//! `2^(m-1) < 2d <= 2^m`, twice, `rem` and `2d - 1 - rem`, unless `2d = 2^m`). With `out` bounded
//! the relation holds over the integers, so `out = floor((2 sum + d) / (2d))`, the rounding of
//! [`crate::layers::pool::round_div`]; a quotient off by one leaves `rem` outside `[0, 2d)`.
//!
//! Cost per output: max-pool `T b + T - 1` (0 for `T = 1`); average-pool `b + m` (`+ m`).

use super::convert::ark_from_i64;
use super::num::{alloc_signed, enforce_bits, enforce_product, mul, Num};
use super::ArkFr;
use crate::eval::LayerValues;
use crate::fixed::FixedParams;
use crate::layers::PoolLayer;
use ark_ff::{One, Zero};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// Max pooling of `x` with the claimed outputs `values.out` of the trace.
pub fn max_pool(cs: &ConstraintSystemRef<ArkFr>, p: &PoolLayer, x: &[Num], values: &LayerValues, fixed: FixedParams) -> Result<Vec<Num>, SynthesisError> {
    let windows = p.windows();
    let mut outs = Vec::with_capacity(windows.len());
    for (o, taps) in windows.iter().enumerate() {
        let taps: Vec<&Num> = taps.iter().map(|k| x.get(*k).ok_or(SynthesisError::Unsatisfiable)).collect::<Result<_, _>>()?;
        let [first, rest @ ..] = taps.as_slice() else { return Err(SynthesisError::Unsatisfiable) };
        if rest.is_empty() {
            outs.push((*first).clone());
            continue;
        }
        let out = Num::witness(cs, ark_from_i64(values.out.get(o).copied().unwrap_or(0)))?;
        let diffs: Vec<Num> = taps.iter().map(|t| out.sub(t)).collect();
        for d in &diffs {
            enforce_bits(cs, d, fixed.value_bits)?;
        }
        let mut product = diffs[0].clone();
        for d in &diffs[1..diffs.len() - 1] {
            product = mul(cs, &product, d)?;
        }
        enforce_product(cs, &product, &diffs[diffs.len() - 1], &Num::constant(ArkFr::zero()))?;
        outs.push(out);
    }
    Ok(outs)
}

/// Bits of the remainder range `[0, 2d)`, and whether the upper end needs its own check.
fn remainder_bits(d: usize) -> (u32, bool) {
    let two_d = 2 * d;
    let m = usize::BITS - (two_d - 1).leading_zeros();
    (m.max(1), !two_d.is_power_of_two())
}

/// Average pooling of `x` with the claimed quotients `values.out` of the trace (its `rem` is
/// not read: the remainder is the linear combination of the module doc).
pub fn avg_pool(cs: &ConstraintSystemRef<ArkFr>, p: &PoolLayer, x: &[Num], values: &LayerValues, fixed: FixedParams) -> Result<Vec<Num>, SynthesisError> {
    let one = ArkFr::one();
    let windows = p.windows();
    let mut outs = Vec::with_capacity(windows.len());
    for (o, taps) in windows.iter().enumerate() {
        let taps: Vec<&Num> = taps.iter().map(|k| x.get(*k).ok_or(SynthesisError::Unsatisfiable)).collect::<Result<_, _>>()?;
        let d = p.divisor(taps.len());
        let sum = Num::sum(taps.iter().map(|t| (one, *t)));
        let (out, _, _) = alloc_signed(cs, values.out.get(o).copied().unwrap_or(0), fixed.value_bits)?;
        let df = ArkFr::from(d as u64);
        let rem = sum.scale(ArkFr::from(2u64)).add_const(df).sub(&out.scale(df + df));
        let (m, upper) = remainder_bits(d);
        enforce_bits(cs, &rem, m)?;
        if upper {
            enforce_bits(cs, &Num::constant(df + df - one).sub(&rem), m)?;
        }
        outs.push(out);
    }
    Ok(outs)
}

/// Constraints of one sample's max pooling.
pub fn max_constraints(p: &PoolLayer, fixed: FixedParams) -> usize {
    p.windows().iter().map(|t| if t.len() > 1 { t.len() * fixed.value_bits as usize + t.len() - 1 } else { 0 }).sum()
}

/// Constraints of one sample's average pooling.
pub fn avg_constraints(p: &PoolLayer, fixed: FixedParams) -> usize {
    p.windows()
        .iter()
        .map(|t| {
            let (m, upper) = remainder_bits(p.divisor(t.len()));
            fixed.value_bits as usize + m as usize * (1 + upper as usize)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::Window2d;
    use crate::testing::{SplitMix, TINY};
    use ark_relations::gr1cs::ConstraintSystem;

    /// Windows of 2, 3 and 2 taps (divisors 2, 3, 2, or 3 with `count_include_pad`).
    fn layer(count_include_pad: bool) -> PoolLayer {
        PoolLayer { window: Window2d { input: [2, 3, 2], kernel: [3, 1], strides: [1, 1], pads: [1, 0, 1, 0] }, count_include_pad }
    }

    /// Runs a gadget on `x` with claimed outputs `out`: (satisfied, constraints).
    fn run(max: bool, p: &PoolLayer, x: &[i64], out: &[i64]) -> (bool, usize) {
        let cs = ConstraintSystem::<ArkFr>::new_ref();
        let xs: Vec<Num> = x.iter().map(|v| Num::witness(&cs, ark_from_i64(*v)).unwrap()).collect();
        let values = LayerValues { acc: Vec::new(), z: out.to_vec(), rem: Vec::new(), out: out.to_vec() };
        let outs = if max { max_pool(&cs, p, &xs, &values, TINY) } else { avg_pool(&cs, p, &xs, &values, TINY) }.unwrap();
        let ok = cs.is_satisfied().unwrap();
        if ok {
            assert_eq!(outs.iter().map(|o| o.val).collect::<Vec<_>>(), out.iter().map(|v| ark_from_i64(*v)).collect::<Vec<_>>());
        }
        (ok, cs.num_constraints())
    }

    #[test]
    fn max_pool_is_the_maximum_tap() {
        let p = layer(false);
        let mut rng = SplitMix(3);
        for _ in 0..10 {
            let x: Vec<i64> = (0..12).map(|_| rng.range(-128, 127)).collect();
            let out: Vec<i64> = p.max_pool(&x).iter().map(|o| o.out).collect();
            let (ok, count) = run(true, &p, &x, &out);
            assert!(ok && count == max_constraints(&p, TINY));
            for (o, taps) in p.windows().iter().enumerate() {
                let mut bad = out.clone();
                bad[o] += 1; // above every tap: not a tap
                assert!(!run(true, &p, &x, &bad).0);
                if let Some(smaller) = taps.iter().map(|k| x[*k]).filter(|v| *v < out[o]).max() {
                    bad[o] = smaller; // a tap, but below the maximum
                    assert!(!run(true, &p, &x, &bad).0);
                }
            }
        }
    }

    #[test]
    fn avg_pool_rounds_half_up_and_nothing_else() {
        let mut rng = SplitMix(4);
        for cip in [false, true] {
            let p = layer(cip);
            for _ in 0..10 {
                let x: Vec<i64> = (0..12).map(|_| rng.range(-128, 127)).collect();
                let out: Vec<i64> = p.avg_pool(&x).iter().map(|o| o.out).collect();
                let (ok, count) = run(false, &p, &x, &out);
                assert!(ok && count == avg_constraints(&p, TINY), "cip {cip}");
                for o in 0..out.len() {
                    for dz in [1, -1] {
                        let mut bad = out.clone();
                        bad[o] += dz; // the remainder leaves [0, 2d)
                        assert!(!run(false, &p, &x, &bad).0, "cip {cip} output {o} dz {dz}");
                    }
                }
            }
        }
    }

    #[test]
    fn remainder_ranges() {
        assert_eq!(remainder_bits(1), (1, false)); // [0, 2)
        assert_eq!(remainder_bits(2), (2, false)); // [0, 4)
        assert_eq!(remainder_bits(3), (3, true)); // [0, 6)
        assert_eq!(remainder_bits(4), (3, false)); // [0, 8)
        assert_eq!(remainder_bits(9), (5, true)); // [0, 18)
    }
}
