//! The conv layer's Freivalds vectors in im2col form, once per circuit (`docs/circuit.md`,
//! section 6b). A conv layer is checked like a dense layer (section 6): the accumulators `Y`
//! (`N x m`, `m = C P` outputs, `C` channels of `P` positions each) against `X W_exp + 2^s 1
//! b_exp^T`, by `u^T Y v = (u^T X)(W_exp v) + 2^s (u^T 1)(b_exp^T v)` with `v_j = r2^(m-1-j)`.
//! What that needs from the model is `c = W_exp v` (one value per input) and `beta =
//! b_exp^T v`. Output `j = oc P + p` gives `v_j = R^(C-1-oc) r2^(P-1-p)` with `R = r2^P`: a
//! weight over output channels times a weight over positions. So, with `K` kernel entries per
//! channel (`in_ch kh kw`),
//!
//! * `ch_kk = sum_oc W[oc][kk] R^(C-1-oc)` for each kernel entry `kk` (`c = W v` of the im2col
//!   matrix), and `ch_K = sum_oc b[oc] R^(C-1-oc)` for the biases;
//! * `c_k = sum over the (position p, entry kk) pairs whose patch reads input k of
//!   r2^(P-1-p) ch_kk`: the patches gathered once against the position weights instead of
//!   once per sample (the sample weight `r1^(N-1-i)` factors out);
//! * `beta = ch_K S` with `S = sum_p r2^p`.
//!
//! These are exactly the Horner sums of the expanded matrix's rows (what the circuit up to
//! version 5 laid out entry by entry, `(inputs + 1) m` rows), computed in
//! `C (K + 1) + (P + 1) + in_ch taps + 1` rows. The per-sample rows are unchanged.
//!
//! Rows of one conv layer's block (`a0` first phase, `b*` second phase):
//!
//! | rows | a0 | b0 | b1 | b2 | b3 | selectors |
//! |---|---|---|---|---|---|---|
//! | kernel (`kk`, `oc`), `C (K + 1)` | `W[oc][kk]` / `b[oc]` (copy of the model cell) | | | Horner (`R`) | `R` (copy) | `q_kern_start/cont` |
//! | power `t`, `P + 1` | | | `sum_(t' <= t) r2^t'` | `r2^t` | | `q_pow_start/cont/last` |
//! | pair (`k`; `p`, `kk`) | | `r2^(P-1-p)` (copy) | `ch_kk` (copy) | running sum | | `q_sc_start/cont` |
//! | beta | | `ch_K` (copy) | `S` (copy) | `beta` | `0` (constant) | `q_sc_start` |

use crate::field::{fr_from_i64, Fr};
use crate::layers::{ConvLayer, ConvShape};
use halo2_proofs::circuit::{Cell, Region, Value};
use halo2_proofs::halo2curves::ff::Field;
use halo2_proofs::plonk::{Advice, Challenge, Column, ConstraintSystem, Error, Expression, Selector};
use halo2_proofs::poly::Rotation;

/// A test hook: one deviation a cheating prover could make in a conv layer's cells. Never set
/// by [`super::Witness::new`]; tests set it to show that the circuit refuses the deviation.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvTamper {
    /// The kernel block's copy of kernel weight `t` (in `weights` order) is `delta` off the
    /// committed weight.
    Kernel { layer: usize, t: usize, delta: i64 },
    /// The copy of `r2^(P-1-p)` on pair row `pair` (in block order) is off by `delta`.
    Power { layer: usize, pair: usize, delta: i64 },
    /// The copy of `ch_kk` on pair row `pair` is off by `delta`.
    Coefficient { layer: usize, pair: usize, delta: i64 },
    /// Layer `layer`'s input block (a conv after a pooling layer) holds input `k` of sample
    /// `sample` `delta` off the pooling output it should copy; after a max-pool laid out on its
    /// input's rows ([`super::pool`]), the anchor's output cell the layer reads is `delta` off.
    Input { layer: usize, sample: usize, k: usize, delta: i64 },
    /// After a max-pool laid out on its input's rows, layer `layer`'s running sum `g` on sample
    /// `sample` jumps on the rows after anchor `k` by what balances that sample's Freivalds row
    /// (what a prover would do to hide other accumulators if those rows were free).
    Carry { layer: usize, sample: usize, k: usize },
}

/// The block's columns and selectors.
#[derive(Clone, Copy, Debug)]
pub struct ConvConfig {
    a0: Column<Advice>,
    b: [Column<Advice>; 4],
    q_kern_start: Selector,
    q_kern_cont: Selector,
    q_pow_start: Selector,
    q_pow_cont: Selector,
    q_pow_last: Selector,
    q_sc_start: Selector,
    q_sc_cont: Selector,
}

/// One conv layer's block layout, from its shape alone.
#[derive(Clone, Debug)]
pub struct ConvPlan {
    /// Output channels `C`.
    channels: usize,
    /// Kernel entries per output channel `K = in_ch kh kw`.
    entries: usize,
    /// Output positions per channel `P`.
    positions: usize,
    /// Per input `k`, its pairs `(t, kk)`: power `r2^t` (`t = P - 1 - p`) times `ch_kk`.
    pairs: Vec<Vec<(usize, usize)>>,
}

impl ConvPlan {
    /// The plan of a conv layer of shape `shape`.
    pub fn new(shape: &ConvShape) -> Self {
        let w = &shape.window;
        let [kh, kw] = w.kernel;
        let entries = w.input[0] * kh * kw;
        let positions = w.positions();
        let mut pairs = vec![Vec::new(); w.input_len()];
        if let Ok([oh, ow]) = w.out_hw() {
            for oy in 0..oh {
                for ox in 0..ow {
                    let t = positions - 1 - (oy * ow + ox);
                    for tap in w.taps(oy, ox) {
                        for ic in 0..w.input[0] {
                            pairs[w.input_index(ic, tap.iy, tap.ix)].push((t, (ic * kh + tap.ky) * kw + tap.kx));
                        }
                    }
                }
            }
        }
        ConvPlan { channels: shape.out_channels, entries, positions, pairs }
    }

    /// Rows of the block of a conv layer of shape `shape` (without listing its pairs).
    pub fn rows_of(shape: &ConvShape) -> usize {
        let w = &shape.window;
        let entries = w.input[0] * w.kernel[0] * w.kernel[1];
        shape.out_channels * (entries + 1) + w.positions() + 1 + w.input[0] * w.total_taps() + 1
    }

    fn kernel_rows(&self) -> usize {
        self.channels * (self.entries + 1)
    }

    fn pair_count(&self) -> usize {
        self.pairs.iter().map(Vec::len).sum()
    }

    /// Rows of this block.
    pub fn rows(&self) -> usize {
        self.kernel_rows() + self.positions + 1 + self.pair_count() + 1
    }
}

/// The block's second-phase values for one conv layer, given `r2` (native twin of the gates).
#[derive(Clone, Debug)]
pub struct ConvValues {
    /// Kernel rows' Horner values (`R`), entry-major.
    kern: Vec<Fr>,
    /// `r2^t` for `t` in `0..=P` (the last is `R`).
    pw: Vec<Fr>,
    /// Running sums of `pw` over `0..P`.
    psum: Vec<Fr>,
    /// Pair rows' running sums, in block order.
    pair_sums: Vec<Fr>,
    /// `c_k`, one per input.
    pub c: Vec<Fr>,
    /// `beta`.
    pub beta: Fr,
}

impl ConvValues {
    /// Computes every value of the block of `conv` under challenge `r2`.
    pub fn compute(plan: &ConvPlan, conv: &ConvLayer, r2: Fr) -> Self {
        let (cc, kk_n, p) = (plan.channels, plan.entries, plan.positions);
        let mut pw = Vec::with_capacity(p + 1);
        let mut psum = Vec::with_capacity(p);
        let mut x = Fr::ONE;
        let mut s = Fr::ZERO;
        for t in 0..=p {
            pw.push(x);
            if t < p {
                s += x;
                psum.push(s);
            }
            x *= r2;
        }
        let r = pw[p];
        let mut kern = Vec::with_capacity(plan.kernel_rows());
        let mut ch = Vec::with_capacity(kk_n + 1);
        for kk in 0..=kk_n {
            let mut h = Fr::ZERO;
            for oc in 0..cc {
                let v = if kk < kk_n { conv.weights[oc * kk_n + kk] } else { conv.bias[oc] };
                h = h * r + fr_from_i64(v);
                kern.push(h);
            }
            ch.push(h);
        }
        let mut pair_sums = Vec::with_capacity(plan.pair_count());
        let c = plan
            .pairs
            .iter()
            .map(|ps| {
                let mut acc = Fr::ZERO;
                for (t, kk) in ps {
                    acc += pw[*t] * ch[*kk];
                    pair_sums.push(acc);
                }
                acc
            })
            .collect();
        let beta = ch[kk_n] * psum.last().copied().unwrap_or(Fr::ZERO);
        ConvValues { kern, pw, psum, pair_sums, c, beta }
    }
}

/// The layer whose kernel the block's Horner rows hold: `conv` itself, or with a
/// [`ConvTamper::Kernel`] deviation of layer `li` applied (tests only).
pub fn effective(conv: &ConvLayer, tamper: Option<ConvTamper>, li: usize) -> std::borrow::Cow<'_, ConvLayer> {
    match tamper {
        Some(ConvTamper::Kernel { layer, t, delta }) if layer == li => {
            let mut c = conv.clone();
            if t < c.weights.len() {
                c.weights[t] += delta;
            } else if let Some(b) = c.bias.get_mut(t - c.weights.len()) {
                *b += delta;
            }
            std::borrow::Cow::Owned(c)
        }
        _ => std::borrow::Cow::Borrowed(conv),
    }
}

/// The deviation a [`ConvTamper::Input`] puts on input `k` of sample `i` of layer `li`
/// (tests only; 0 otherwise).
pub fn input_delta(tamper: Option<ConvTamper>, li: usize, i: usize, k: usize) -> i64 {
    match tamper {
        Some(ConvTamper::Input { layer, sample, k: kt, delta }) if (layer, sample, kt) == (li, i, k) => delta,
        _ => 0,
    }
}

impl ConvConfig {
    /// The block's gates over `a0` (first phase) and `b` (second phase, equality enabled) with
    /// challenge `r2`.
    pub fn configure(meta: &mut ConstraintSystem<Fr>, a0: Column<Advice>, b: [Column<Advice>; 4], r2: Challenge) -> Self {
        let [q_kern_start, q_kern_cont, q_pow_start, q_pow_cont, q_pow_last, q_sc_start, q_sc_cont] = [(); 7].map(|_| meta.selector());
        let one = || Expression::Constant(Fr::ONE);
        // ch = Horner with R over one kernel entry's weights across the output channels
        meta.create_gate("conv kernel horner (R)", |m| {
            let v = m.query_advice(a0, Rotation::cur());
            let h = m.query_advice(b[2], Rotation::cur());
            let prev = m.query_advice(b[2], Rotation::prev());
            let r = m.query_advice(b[3], Rotation::cur());
            vec![m.query_selector(q_kern_start) * (h.clone() - v.clone()), m.query_selector(q_kern_cont) * (h - prev * r - v)]
        });
        // r2^t from 1, and the running sum S of the first P powers
        meta.create_gate("conv powers", |m| {
            let x = m.query_advice(b[2], Rotation::cur());
            let x_prev = m.query_advice(b[2], Rotation::prev());
            let s = m.query_advice(b[1], Rotation::cur());
            let s_prev = m.query_advice(b[1], Rotation::prev());
            let r2 = m.query_challenge(r2);
            let start = m.query_selector(q_pow_start);
            let cont = m.query_selector(q_pow_cont);
            let last = m.query_selector(q_pow_last);
            vec![
                start.clone() * (x.clone() - one()),
                start * (s.clone() - x.clone()),
                cont.clone() * (x.clone() - x_prev.clone() * r2.clone()),
                last * (x.clone() - x_prev * r2),
                cont * (s - s_prev - x),
            ]
        });
        // c_k = sum of power * ch over input k's pairs (and beta = ch_K S on one row)
        meta.create_gate("conv pairs", |m| {
            let p = m.query_advice(b[0], Rotation::cur());
            let ch = m.query_advice(b[1], Rotation::cur());
            let acc = m.query_advice(b[2], Rotation::cur());
            let prev = m.query_advice(b[2], Rotation::prev());
            vec![
                m.query_selector(q_sc_start) * (acc.clone() - p.clone() * ch.clone()),
                m.query_selector(q_sc_cont) * (acc - prev - p * ch),
            ]
        });
        ConvConfig { a0, b, q_kern_start, q_kern_cont, q_pow_start, q_pow_cont, q_pow_last, q_sc_start, q_sc_cont }
    }

    /// First phase: the kernel rows' `a0` cells, copies of the layer's committed model cells
    /// `values` (weights then biases, in encoding order), and every selector of the block
    /// starting at `start`. `conv` is the witness's layer (`None` at key generation).
    pub fn assign_kernel(
        &self,
        region: &mut Region<'_, Fr>,
        plan: &ConvPlan,
        start: usize,
        values: &[Cell],
        conv: Option<&ConvLayer>,
        tamper: Option<(usize, i64)>,
    ) -> Result<(), Error> {
        let (cc, kk_n, p) = (plan.channels, plan.entries, plan.positions);
        let kernel_len = cc * kk_n;
        for kk in 0..=kk_n {
            for oc in 0..cc {
                let r = start + kk * cc + oc;
                let src = if kk < kk_n { oc * kk_n + kk } else { kernel_len + oc };
                let delta = tamper.filter(|(t, _)| *t == src).map_or(0, |(_, d)| d);
                let v = conv.map(|c| fr_from_i64(if kk < kk_n { c.weights[src] } else { c.bias[oc] } + delta));
                let cell = region.assign_advice(self.a0, r, v.map_or_else(Value::unknown, Value::known)).cell();
                region.constrain_equal(*values.get(src).ok_or(Error::Synthesis)?, cell);
                if oc == 0 { self.q_kern_start.enable(region, r)? } else { self.q_kern_cont.enable(region, r)? }
            }
        }
        let pw_start = start + plan.kernel_rows();
        for t in 0..=p {
            let sel = if t == 0 {
                self.q_pow_start
            } else if t < p {
                self.q_pow_cont
            } else {
                self.q_pow_last
            };
            sel.enable(region, pw_start + t)?;
        }
        let mut r = pw_start + p + 1;
        for ps in &plan.pairs {
            for i in 0..ps.len() {
                if i == 0 { self.q_sc_start.enable(region, r)? } else { self.q_sc_cont.enable(region, r)? }
                r += 1;
            }
        }
        self.q_sc_start.enable(region, r)
    }

    /// Second phase: the block's values; returns the cells of `c_k` (one per input) and of
    /// `beta`. `tamper` is a [`ConvTamper::Power`] / [`ConvTamper::Coefficient`] deviation of
    /// this layer (tests only).
    pub fn assign_values(
        &self,
        region: &mut Region<'_, Fr>,
        plan: &ConvPlan,
        start: usize,
        vals: Value<&ConvValues>,
        tamper: Option<ConvTamper>,
    ) -> Result<(Vec<Cell>, Cell), Error> {
        let [b0, b1, b2, b3] = self.b;
        let (cc, kk_n, p) = (plan.channels, plan.entries, plan.positions);
        // powers first: R is copied into the kernel rows
        let pw_start = start + plan.kernel_rows();
        let mut pw_cells = Vec::with_capacity(p + 1);
        let mut psum_cell = None;
        for t in 0..=p {
            pw_cells.push(region.assign_advice(b2, pw_start + t, vals.map(|v| v.pw[t])).cell());
            if t < p {
                psum_cell = Some(region.assign_advice(b1, pw_start + t, vals.map(|v| v.psum[t])).cell());
            }
        }
        let r_cell = pw_cells[p];
        let mut ch_cells = Vec::with_capacity(kk_n + 1);
        for kk in 0..=kk_n {
            for oc in 0..cc {
                let r = start + kk * cc + oc;
                let h = region.assign_advice(b2, r, vals.map(|v| v.kern[kk * cc + oc])).cell();
                if oc > 0 {
                    let rc = region.assign_advice(b3, r, vals.map(|v| v.pw[p])).cell();
                    region.constrain_equal(r_cell, rc);
                }
                if oc + 1 == cc {
                    ch_cells.push(h);
                }
            }
        }
        let off = |t: Option<ConvTamper>, pair: usize, power: bool| -> Fr {
            match t {
                Some(ConvTamper::Power { pair: q, delta, .. }) if power && q == pair => fr_from_i64(delta),
                Some(ConvTamper::Coefficient { pair: q, delta, .. }) if !power && q == pair => fr_from_i64(delta),
                _ => Fr::ZERO,
            }
        };
        let mut r = pw_start + p + 1;
        let mut pair = 0;
        let mut c_cells = Vec::with_capacity(plan.pairs.len());
        let mut empty = Vec::new();
        for (k, ps) in plan.pairs.iter().enumerate() {
            let mut last = None;
            for (t, kk) in ps {
                let pc = region.assign_advice(b0, r, vals.map(|v| v.pw[*t] + off(tamper, pair, true))).cell();
                region.constrain_equal(pw_cells[*t], pc);
                let kc = region.assign_advice(b1, r, vals.map(|v| v.kern[kk * cc + cc - 1] + off(tamper, pair, false))).cell();
                region.constrain_equal(ch_cells[*kk], kc);
                last = Some(region.assign_advice(b2, r, vals.map(|v| v.pair_sums[pair])).cell());
                r += 1;
                pair += 1;
            }
            match last {
                Some(cell) => c_cells.push(cell),
                None => {
                    empty.push(k);
                    c_cells.push(r_cell) // replaced by the zero cell below
                }
            }
        }
        // beta = ch_K S; an input no patch reads has c_k = 0 (a constant cell on this row)
        let bc = region.assign_advice(b0, r, vals.map(|v| v.kern[kk_n * cc + cc - 1])).cell();
        region.constrain_equal(ch_cells[kk_n], bc);
        let sc = region.assign_advice(b1, r, vals.map(|v| v.psum[p - 1])).cell();
        region.constrain_equal(psum_cell.ok_or(Error::Synthesis)?, sc);
        let beta = region.assign_advice(b2, r, vals.map(|v| v.beta)).cell();
        let zero = region.assign_advice(b3, r, Value::known(Fr::ZERO)).cell();
        region.constrain_constant(zero, Fr::ZERO)?;
        for k in empty {
            c_cells[k] = zero;
        }
        Ok((c_cells, beta))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::Window2d;
    use crate::testing::SplitMix;

    /// The block's `c` and `beta` are the Horner sums (`r2`) of the expanded matrix's rows.
    #[test]
    fn values_equal_the_expanded_matrix_horner() {
        let mut rng = SplitMix(3);
        for window in [
            Window2d { input: [2, 5, 4], kernel: [3, 2], strides: [2, 1], pads: [1, 0, 1, 1] },
            Window2d { input: [1, 7, 7], kernel: [2, 2], strides: [3, 3], pads: [0; 4] },
            Window2d { input: [3, 3, 3], kernel: [3, 3], strides: [1, 1], pads: [2, 2, 2, 2] },
        ] {
            for out_channels in [1, 3] {
                let shape = ConvShape { window, out_channels, relu: false };
                let conv = ConvLayer {
                    window,
                    out_channels,
                    relu: false,
                    weights: (0..shape.kernel_len()).map(|_| rng.range(-9, 9)).collect(),
                    bias: (0..out_channels).map(|_| rng.range(-9, 9)).collect(),
                };
                let plan = ConvPlan::new(&shape);
                assert_eq!(plan.rows(), ConvPlan::rows_of(&shape));
                let r2 = Fr::from(rng.next_u64());
                let v = ConvValues::compute(&plan, &conv, r2);
                let m = shape.outputs();
                let expanded = shape.expanded();
                for (k, row) in expanded.chunks(m).enumerate() {
                    let h = row.iter().fold(Fr::ZERO, |h, e| h * r2 + fr_from_i64(e.map_or(0, |t| conv.weights[t])));
                    assert_eq!(v.c[k], h, "{window:?} input {k}");
                }
                let beta = (0..m).fold(Fr::ZERO, |h, j| h * r2 + fr_from_i64(conv.bias[shape.channel_of(j)]));
                assert_eq!(v.beta, beta);
            }
        }
    }
}
