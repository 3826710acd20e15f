//! The matrix products of the linear layers (dense and conv), checked with Freivalds' test
//! instead of one constraint per weight and sample.
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
//! A conv layer is the linear map of its *expanded* matrix
//! ([`crate::layers::ConvShape::expanded`]): every entry is a kernel variable or a structural
//! zero, and each output's bias is its channel's. The zeros cost nothing here (no product with
//! `v_j`, and an input row without any entry, an input no window reads, gets no `u^T X` term).
//! `W` is still bound by the model commitment before the challenge, as for a dense layer.
//!
//! Cost of one layer with `in'` non-empty rows and `nnz` non-zero entries, `f` of them in
//! column 0: `N (in' + out) + nnz - f` products (`u_0 = v_0 = 1` are free); a dense layer has
//! `in' = f = in`, `nnz = in out`. Plus `(N - 2) + 1 + (out_max - 2)` for the powers, shared by
//! all layers.

use super::num::{enforce_equal, mul, pow2, Num};
use super::ArkFr;
use crate::layers::LayerArch;
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

/// Which entries of a linear layer's `[in][out]` matrix are not structural zeros: counts that
/// fix the cost of [`check_layer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sparsity {
    pub inputs: usize,
    pub outputs: usize,
    /// Rows (inputs) with at least one entry.
    pub rows: usize,
    /// Entries in all.
    pub entries: usize,
    /// Entries in column 0 (their product with `v_0 = 1` is free).
    pub first_column: usize,
}

impl Sparsity {
    /// A full `inputs x outputs` matrix (a dense layer).
    pub fn dense(inputs: usize, outputs: usize) -> Self {
        Sparsity { inputs, outputs, rows: inputs, entries: inputs * outputs, first_column: inputs }
    }

    /// The pattern of a linear layer (`None` for pooling).
    pub fn of(layer: &LayerArch) -> Option<Self> {
        match layer {
            LayerArch::Dense(d) => Some(Self::dense(d.inputs, d.outputs)),
            LayerArch::Conv(c) => {
                let (inputs, outputs) = (layer.inputs(), layer.outputs());
                let m = c.expanded();
                let mut s = Sparsity { inputs, outputs, rows: 0, entries: 0, first_column: 0 };
                for row in m.chunks(outputs.max(1)) {
                    let nnz = row.iter().filter(|e| e.is_some()).count();
                    s.rows += (nnz > 0) as usize;
                    s.entries += nnz;
                    s.first_column += row.first().is_some_and(|e| e.is_some()) as usize;
                }
                Some(s)
            }
            LayerArch::MaxPool(_) | LayerArch::AvgPool(_) | LayerArch::Recurrent(_) => None,
        }
    }

    /// Constraints of [`check_layer`] for `n` samples.
    pub fn constraints(&self, n: usize) -> usize {
        n * (self.outputs - 1) + (n - 1) + n * self.rows + self.entries - self.first_column + 1
    }

    /// The part of [`Sparsity::constraints`] that grows with the samples, per sample.
    pub fn per_sample(&self) -> usize {
        self.rows + self.outputs
    }
}

#[allow(clippy::too_many_arguments)]
/// Enforces `Y = X W + 2^s b` for one layer by Freivalds' test (see the module doc).
/// `x[i]` and `acc[i]` are sample `i`'s inputs and accumulators; `w[k * out + j]` row-major,
/// `None` for a structural zero; `bias[j]` is output `j`'s bias.
pub fn check_layer(
    cs: &ConstraintSystemRef<ArkFr>,
    p: &Powers,
    inputs: usize,
    outputs: usize,
    scale_bits: u32,
    x: &[Vec<Num>],
    w: &[Option<Num>],
    bias: &[Num],
    acc: &[Vec<Num>],
) -> Result<(), SynthesisError> {
    let n = x.len();
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
    // (u^T X)(W v), skipping the rows without entries
    let mut rhs_terms = Vec::with_capacity(inputs);
    for (k, row) in w.chunks(outputs.max(1)).enumerate() {
        if row.iter().all(Option::is_none) {
            continue;
        }
        let mut a = Vec::with_capacity(n);
        for (i, xs) in x.iter().enumerate() {
            let xi = xs.get(k).ok_or(SynthesisError::Unsatisfiable)?;
            a.push(mul_power(cs, i, &p.u[i], xi)?);
        }
        let mut c = Vec::with_capacity(outputs);
        for (j, entry) in row.iter().enumerate() {
            if let Some(wkj) = entry {
                c.push(mul_power(cs, j, &p.v[j], wkj)?);
            }
        }
        let a = Num::sum(a.iter().map(|t| (one, t)));
        let c = Num::sum(c.iter().map(|t| (one, t)));
        rhs_terms.push(mul(cs, &a, &c)?);
    }
    let rhs = Num::sum(rhs_terms.iter().map(|t| (one, t)));
    enforce_equal(cs, &lhs, &rhs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::groth16::convert::ark_from_i64;
    use ark_relations::gr1cs::ConstraintSystem;

    /// `Y = X W + 2^s b` on a 3 x 2 x 3 example, with one entry of `Y` off by `delta`.
    fn run(delta: i64, r: u64) -> (bool, usize) {
        let cs = ConstraintSystem::<ArkFr>::new_ref();
        let (xv, wv, bv) = ([[1i64, -2], [3, 4], [0, 5]], [2i64, -1, 0, 3, 1, -4], [1i64, 0, -1]);
        let s = 2;
        let wit = |v: i64| Num::witness(&cs, ark_from_i64(v)).unwrap();
        let x: Vec<Vec<Num>> = xv.iter().map(|row| row.iter().map(|v| wit(*v)).collect()).collect();
        let w: Vec<Option<Num>> = wv.iter().map(|v| Some(wit(*v))).collect();
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
        check_layer(&cs, &p, 2, 3, s, &x, &w, &bias, &acc).unwrap();
        assert_eq!(before, Powers::constraints(3, 3));
        (cs.is_satisfied().unwrap(), cs.num_constraints() - before)
    }

    #[test]
    fn accepts_the_product_and_rejects_a_wrong_entry() {
        let (ok, count) = run(0, 123_456_789);
        assert!(ok);
        assert_eq!(count, Sparsity::dense(2, 3).constraints(3));
        for r in [2u64, 3, 987_654_321] {
            assert!(!run(1, r).0, "r = {r}");
            assert!(!run(-7, r).0, "r = {r}");
        }
    }
}
