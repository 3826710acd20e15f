//! The R1CS twin of one LSTM or GRU layer ([`crate::layers::recurrent`]) for one sample, with
//! sigmoid and tanh ([`crate::activation`]) checked without a lookup argument, every product
//! multiplied out (one constraint each: no Freivalds' test here, N is small on this backend).
//! The validation circuit ([`super::circuit`]) runs it per sample on the committed weights.
//!
//! * **Activation** `y = f(z)` for a table `f` that is monotone (sigmoid and tanh are): with
//!   `B(v) = min { z : f(z) >= v }` (and `B(hi + 1) = 2^(b-1)`), `y = f(z)` iff
//!   `B(y) <= z < B(y + 1)`. The prover allocates a one-hot vector `e` over the table's output
//!   range `[lo, hi]` (`e_v` boolean, `sum e_v = 1`); `y = sum e_v v`, `lower = sum e_v B(v)` and
//!   `upper = sum e_v (B(v + 1) - 1)` are linear combinations, and `z - lower`, `upper - z` are
//!   range-checked in `[0, 2^b)`. Cost `hi - lo + 2 + 2 b` constraints (`2^s + 2 + 2b` for
//!   sigmoid, `2^(s+1) + 2 + 2b` for tanh).
//! * **Rescale** as in [`super::dense`]: `z` as `b` slot bits, `rem` as `s` bits, and the
//!   accumulator `z 2^s + rem - 2^(s-1)` equal to the products it is made of (one constraint
//!   per product, one for the equality).

use super::convert::ark_from_i64;
use super::num::{alloc_bits, alloc_signed, enforce_bits, enforce_boolean, enforce_equal, mul, pow2, Num};
use super::ArkFr;
use crate::activation::Activation;
use crate::eval::LayerValues;
use crate::fixed::FixedParams;
use crate::layers::{Cell, RecurrentShape};
use ark_ff::{One, Zero};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// `y = f(z)` for `z` a `b`-bit value, `y_val` the prover's claim (the honest one is the table's).
pub fn activation(cs: &ConstraintSystemRef<ArkFr>, f: Activation, z: &Num, y_val: i64, fixed: FixedParams) -> Result<Num, SynthesisError> {
    let (s, b) = (fixed.scale_bits, fixed.value_bits);
    let (zmin, zmax) = (fixed.min_value(), fixed.max_value());
    let (lo, hi) = (f.fixed(zmin, s), f.fixed(zmax, s));
    // breakpoints B(v) for v in lo..=hi+1 (the table is monotone: a binary search per v)
    let breakpoint = |v: i64| -> i64 {
        let (mut a, mut c) = (zmin, zmax + 1);
        while a < c {
            let m = a + (c - a) / 2;
            if f.fixed(m, s) >= v {
                c = m;
            } else {
                a = m + 1;
            }
        }
        a
    };
    let bps: Vec<i64> = (lo..=hi + 1).map(breakpoint).collect();
    let mut y = Num::constant(ArkFr::zero());
    let mut lower = Num::constant(ArkFr::zero());
    let mut upper = Num::constant(ArkFr::zero());
    let mut total = Num::constant(ArkFr::zero());
    for (t, v) in (lo..=hi).enumerate() {
        let e = Num::witness(cs, if v == y_val { ArkFr::one() } else { ArkFr::zero() })?;
        enforce_boolean(cs, &e)?;
        total = total.add(&e);
        y = y.add(&e.scale(ark_from_i64(v)));
        lower = lower.add(&e.scale(ark_from_i64(bps[t])));
        upper = upper.add(&e.scale(ark_from_i64(bps[t + 1] - 1)));
    }
    enforce_equal(cs, &total, &Num::constant(ArkFr::one()))?;
    enforce_bits(cs, &z.sub(&lower), b)?;
    enforce_bits(cs, &upper.sub(z), b)?;
    Ok(y)
}

/// Constraints of one activation.
pub fn activation_constraints(f: Activation, fixed: FixedParams) -> usize {
    let (lo, hi) = (f.fixed(fixed.min_value(), fixed.scale_bits), f.fixed(fixed.max_value(), fixed.scale_bits));
    (hi - lo + 2) as usize + 2 * fixed.value_bits as usize
}

/// Constraints of one recurrent layer on one sample: per step, one per product (the gates' dot
/// products over `x` and `h`, and the elementwise ones), `b + s + 1` per rescale and
/// [`activation_constraints`] per sigmoid or tanh.
pub fn constraints(shape: &RecurrentShape, fixed: FixedParams) -> usize {
    let RecurrentShape { cell, steps, input_size: i, hidden: h, .. } = *shape;
    let rescale = (fixed.value_bits + fixed.scale_bits + 1) as usize;
    let (sig, th) = (activation_constraints(Activation::Sigmoid, fixed), activation_constraints(Activation::Tanh, fixed));
    let per_step = match cell {
        Cell::Lstm => 4 * h * (i + h) + 3 * h + 6 * h * rescale + 3 * h * sig + 2 * h * th,
        Cell::Gru => 2 * h * (i + h) + h * h + h * i + 3 * h + 5 * h * rescale + 2 * h * sig + h * th,
    };
    steps * per_step
}

/// The layer on one sample: `x` its inputs, `params` its `w, r, wb, rb` (in the commitment's
/// order), `values` the reference's trace (`z`, `rem` of every rescale); `act` gives the
/// prover's claim for activation number `i` given its honest value (the identity for an honest
/// prover; tests change it). Returns the layer's outputs.
pub fn enforce_layer(
    cs: &ConstraintSystemRef<ArkFr>,
    shape: &RecurrentShape,
    fixed: FixedParams,
    x: &[Num],
    params: &[Num],
    values: &LayerValues,
    act: &mut dyn FnMut(usize, i64) -> i64,
) -> Result<Vec<Num>, SynthesisError> {
    let RecurrentShape { cell, steps, input_size, hidden: hn, sequence_output } = *shape;
    let (s, b) = (fixed.scale_bits, fixed.value_bits);
    let [lw, lr, lb, _] = shape.param_lens();
    let (w, r, wb, rb) = (&params[..lw], &params[lw..lw + lr], &params[lw + lr..lw + lr + lb], &params[lw + lr + lb..]);
    let one = Num::constant(pow2(s));
    let mut next = 0usize; // the trace's next rescale
    let mut acts = 0usize;
    // allocates the next rescale and ties its accumulator to `acc`
    let mut rescale = |acc: Num| -> Result<(Num, i64), SynthesisError> {
        let (zv, rv) = (values.z.get(next).copied().unwrap_or(0), values.rem.get(next).copied().unwrap_or(0));
        next += 1;
        let (z, _, _) = alloc_signed(cs, zv, b)?;
        let (_, rem) = alloc_bits(cs, rv as i128, s)?;
        enforce_equal(cs, &z.scale(pow2(s)).add(&rem).add_const(-pow2(s - 1)), &acc)?;
        Ok((z, zv))
    };
    let mut apply = |f: Activation, (z, zv): &(Num, i64)| -> Result<Num, SynthesisError> {
        let honest = f.fixed(*zv, s);
        let claim = act(acts, honest);
        acts += 1;
        activation(cs, f, z, claim, fixed)
    };
    let dot = |m: &[Num], row: usize, v: &[Num]| -> Result<Num, SynthesisError> {
        let mut acc = Num::constant(ArkFr::zero());
        for (k, vk) in v.iter().enumerate() {
            acc = acc.add(&mul(cs, vk, &m[row * v.len() + k])?);
        }
        Ok(acc)
    };
    let zero = Num::constant(ArkFr::zero());
    let mut h: Vec<Num> = vec![zero.clone(); hn];
    let mut c: Vec<Num> = vec![zero; hn];
    let mut outputs = Vec::new();
    for t in 0..steps {
        let xt = &x[t * input_size..(t + 1) * input_size];
        let pre = |g: usize, j: usize, h: &[Num]| -> Result<Num, SynthesisError> {
            let row = g * hn + j;
            Ok(dot(w, row, xt)?.add(&dot(r, row, h)?).add(&wb[row].add(&rb[row]).scale(pow2(s))))
        };
        match cell {
            Cell::Lstm => {
                let mut a = Vec::with_capacity(4 * hn);
                for g in 0..4 {
                    for j in 0..hn {
                        a.push(rescale(pre(g, j, &h)?)?);
                    }
                }
                let mut gates = Vec::with_capacity(4 * hn);
                for (k, z) in a.iter().enumerate() {
                    gates.push(apply(if k >= 3 * hn { Activation::Tanh } else { Activation::Sigmoid }, z)?);
                }
                let mut c_new = Vec::with_capacity(hn);
                for j in 0..hn {
                    let acc = mul(cs, &gates[2 * hn + j], &c[j])?.add(&mul(cs, &gates[j], &gates[3 * hn + j])?);
                    c_new.push(rescale(acc)?);
                }
                for j in 0..hn {
                    let tc = apply(Activation::Tanh, &c_new[j])?;
                    h[j] = rescale(mul(cs, &gates[hn + j], &tc)?)?.0;
                }
                c = c_new.into_iter().map(|(z, _)| z).collect();
            }
            Cell::Gru => {
                let mut zr = Vec::with_capacity(2 * hn);
                for g in 0..2 {
                    for j in 0..hn {
                        let pre_g = rescale(pre(g, j, &h)?)?;
                        zr.push(apply(Activation::Sigmoid, &pre_g)?);
                    }
                }
                let mut hcand = Vec::with_capacity(hn);
                for j in 0..hn {
                    let row = 2 * hn + j;
                    hcand.push(rescale(dot(r, row, &h)?.add(&rb[row].scale(pow2(s))))?.0);
                }
                let mut n = Vec::with_capacity(hn);
                for j in 0..hn {
                    let row = 2 * hn + j;
                    let acc = dot(w, row, xt)?.add(&wb[row].scale(pow2(s))).add(&mul(cs, &zr[hn + j], &hcand[j])?);
                    let pre_n = rescale(acc)?;
                    n.push(apply(Activation::Tanh, &pre_n)?);
                }
                let mut h_new = Vec::with_capacity(hn);
                for j in 0..hn {
                    // (2^s - z) n + z h
                    let acc = mul(cs, &one.sub(&zr[j]), &n[j])?.add(&mul(cs, &zr[j], &h[j])?);
                    h_new.push(rescale(acc)?.0);
                }
                h = h_new;
            }
        }
        if sequence_output || t + 1 == steps {
            outputs.extend(h.iter().cloned());
        }
    }
    Ok(outputs)
}
