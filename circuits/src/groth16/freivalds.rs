//! The matrix products of the dense layers, checked with Freivalds' test instead of one
//! constraint per weight and sample.
//!
//! For a layer with inputs `X` (N x in), weights `W` (in x out), biases `b` and accumulators
//! `Y` (N x out, the linear combinations of [`super::dense`]), the circuit checks
//! `u^T (Y - 2^s 1 b^T) v = (u^T X)(W v)` with `u_i = r^i`, `v_j = r^(N j)`. Every `(i, j)` gets
//! its own power `r^(i + N j)`, so a wrong entry makes the difference a nonzero polynomial of
//! degree below `N out` in `r`: it vanishes at a random `r` with probability below `N out / p`.
//!
//! The challenge is Fiat-Shamir inside the circuit: `r = hash_chain([model commitment, data set
//! commitment] ++ pack(accumulator slots))`. It is fixed only after everything the test is
//! about is bound: `W`, `b` by the model commitment, the first layer's `X` by the data set
//! commitment, and `Y` (hence `z`, `rem` and the later layers' inputs `relu(z)`) by the packed
//! accumulator slots, which are free linear combinations of bits that are there anyway as range
//! checks. A prover who changes anything changes `r`.
//!
//! Cost of one layer: `N (in + out) + in out - in` products (`u_0 = v_0 = 1` are free), plus
//! `(N - 2) + 1 + (out_max - 2)` for the powers, shared by all layers.

use super::num::{enforce_equal, mul, pow2, Num};
use super::ArkFr;
use crate::model::LayerShape;
use ark_ff::One;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// The challenge's powers: `u_i = r^i` (`i < N`) and `v_j = r^(N j)` (`j < out_max`).
pub struct Powers {
    pub u: Vec<Num>,
    pub v: Vec<Num>,
}

impl Powers {
    /// The powers of `r` for `n` samples and layers of at most `max_out` outputs.
    pub fn new(cs: &ConstraintSystemRef<ArkFr>, r: &Num, n: usize, max_out: usize) -> Result<Powers, SynthesisError> {
        let one = Num::constant(ArkFr::one());
        let mut u = vec![one.clone()];
        for i in 1..n.max(1) {
            let next = if i == 1 { r.clone() } else { mul(cs, &u[i - 1], r)? };
            u.push(next);
        }
        let step = mul(cs, &u[u.len() - 1], r)?; // r^N
        let mut v = vec![one];
        for j in 1..max_out.max(1) {
            let next = if j == 1 { step.clone() } else { mul(cs, &v[j - 1], &step)? };
            v.push(next);
        }
        Ok(Powers { u, v })
    }

    /// Constraints of [`Powers::new`].
    pub fn constraints(n: usize, max_out: usize) -> usize {
        n.max(2) - 2 + 1 + max_out.max(2) - 2
    }
}

/// `a * b`, free when `a` is the constant 1 (index 0 of `u` and `v`).
fn mul_power(cs: &ConstraintSystemRef<ArkFr>, index: usize, power: &Num, x: &Num) -> Result<Num, SynthesisError> {
    if index == 0 {
        Ok(x.clone())
    } else {
        mul(cs, power, x)
    }
}

#[allow(clippy::too_many_arguments)]
/// Enforces `Y = X W + 2^s 1 b^T` for one layer by Freivalds' test (see the module doc).
/// `x[i]` and `acc[i]` are sample `i`'s inputs and accumulators; `w[k * out + j]` row-major.
pub fn check_layer(
    cs: &ConstraintSystemRef<ArkFr>,
    p: &Powers,
    shape: &LayerShape,
    scale_bits: u32,
    x: &[Vec<Num>],
    w: &[Num],
    bias: &[Num],
    acc: &[Vec<Num>],
) -> Result<(), SynthesisError> {
    let (n, inputs, outputs) = (x.len(), shape.inputs, shape.outputs);
    if acc.len() != n || p.u.len() < n || p.v.len() < outputs || w.len() != inputs * outputs || bias.len() != outputs {
        return Err(SynthesisError::Unsatisfiable);
    }
    let one = ArkFr::one();
    // u^T (Y - 2^s 1 b^T) v, a sample at a time
    let mut lhs_terms = Vec::with_capacity(n);
    for (i, row) in acc.iter().enumerate() {
        if row.len() != outputs {
            return Err(SynthesisError::Unsatisfiable);
        }
        let mut terms = Vec::with_capacity(outputs);
        for (j, y) in row.iter().enumerate() {
            let centred = y.sub(&bias[j].scale(pow2(scale_bits)));
            terms.push(mul_power(cs, j, &p.v[j], &centred)?);
        }
        let h = Num::sum(terms.iter().map(|t| (one, t)));
        lhs_terms.push(mul_power(cs, i, &p.u[i], &h)?);
    }
    let lhs = Num::sum(lhs_terms.iter().map(|t| (one, t)));
    // (u^T X)(W v)
    let mut rhs_terms = Vec::with_capacity(inputs);
    for k in 0..inputs {
        let mut a = Vec::with_capacity(n);
        for (i, row) in x.iter().enumerate() {
            let xi = row.get(k).ok_or(SynthesisError::Unsatisfiable)?;
            a.push(mul_power(cs, i, &p.u[i], xi)?);
        }
        let mut c = Vec::with_capacity(outputs);
        for j in 0..outputs {
            c.push(mul_power(cs, j, &p.v[j], &w[k * outputs + j])?);
        }
        let a = Num::sum(a.iter().map(|t| (one, t)));
        let c = Num::sum(c.iter().map(|t| (one, t)));
        rhs_terms.push(mul(cs, &a, &c)?);
    }
    let rhs = Num::sum(rhs_terms.iter().map(|t| (one, t)));
    enforce_equal(cs, &lhs, &rhs)
}

/// Constraints of [`check_layer`] for `n` samples.
pub fn constraints(shape: &LayerShape, n: usize) -> usize {
    let (i, o) = (shape.inputs, shape.outputs);
    n * (o - 1) + (n - 1) + (n - 1) * i + i * (o - 1) + i + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::groth16::convert::ark_from_i64;
    use ark_relations::gr1cs::ConstraintSystem;

    /// `Y = X W + 2^s b` on a 3 x 2 x 3 example, with one entry of `Y` off by `delta`.
    fn run(delta: i64, r: u64) -> (bool, usize) {
        let cs = ConstraintSystem::<ArkFr>::new_ref();
        let shape = LayerShape { inputs: 2, outputs: 3, relu: false };
        let (xv, wv, bv) = ([[1i64, -2], [3, 4], [0, 5]], [2i64, -1, 0, 3, 1, -4], [1i64, 0, -1]);
        let s = 2;
        let wit = |v: i64| Num::witness(&cs, ark_from_i64(v)).unwrap();
        let x: Vec<Vec<Num>> = xv.iter().map(|row| row.iter().map(|v| wit(*v)).collect()).collect();
        let w: Vec<Num> = wv.iter().map(|v| wit(*v)).collect();
        let bias: Vec<Num> = bv.iter().map(|v| wit(*v)).collect();
        let acc: Vec<Vec<Num>> = xv
            .iter()
            .enumerate()
            .map(|(i, row)| {
                (0..3)
                    .map(|j| {
                        let y = row[0] * wv[j] + row[1] * wv[3 + j] + (bv[j] << s) + if (i, j) == (2, 1) { delta } else { 0 };
                        wit(y)
                    })
                    .collect()
            })
            .collect();
        let r = wit(r as i64);
        let p = Powers::new(&cs, &r, 3, 3).unwrap();
        let before = cs.num_constraints();
        check_layer(&cs, &p, &shape, s, &x, &w, &bias, &acc).unwrap();
        assert_eq!(before, Powers::constraints(3, 3));
        (cs.is_satisfied().unwrap(), cs.num_constraints() - before)
    }

    #[test]
    fn accepts_the_product_and_rejects_a_wrong_entry() {
        let (ok, count) = run(0, 123_456_789);
        assert!(ok);
        assert_eq!(count, constraints(&LayerShape { inputs: 2, outputs: 3, relu: false }, 3));
        for r in [2u64, 3, 987_654_321] {
            assert!(!run(1, r).0, "r = {r}");
            assert!(!run(-7, r).0, "r = {r}");
        }
    }
}
