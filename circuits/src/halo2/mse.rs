//! The mean-squared-error gadget (MSE only; twin of [`crate::score::squared_error`] and
//! [`crate::score::mean_rounded`]): configured only when the shape's score function is MSE, so
//! classification circuits and their keys are unchanged.
//!
//! Rows, after the last layer (`N + 2` in all):
//!
//! | row | a0 | a1 | a2 | a3 | a4 |
//! |---|---|---|---|---|---|
//! | sample i | z_i (copy of the output) | t_i (copy of the target in the data rows) | e_i = z_i - t_i | e_i^2 | SSE_i = SSE_(i-1) + e_i^2 |
//! | mean | S (the public score) | | r | | |
//! | remainder bound | | | N - 1 - r | | |
//!
//! The mean row checks `SSE_N + floor(N/2) = S N + r`, with `N` a constant of the circuit; `r`
//! and `N - 1 - r` are both looked up in the `2^b`-row range table, so `r` is in `[0, N)` (the
//! shape requires `N <= 2^b`). The identity holds over the integers (`SSE < N 2^(2b) <= 2^60`),
//! so `S = (SSE + floor(N/2) - r) / N` is the rounded mean: the field element `(X - r') / N` for
//! any other `r'` in `[0, N)` is not below `p / N`, and the verifier's `S` is a `u64`.

use crate::eval::Trace;
use crate::field::{fr_from_i64, fr_pow2, Fr};
use crate::fixed::FixedParams;
use crate::score::mean_rounded;
use halo2_proofs::circuit::{Cell, Region, Value};
use halo2_proofs::plonk::{Advice, Column, ConstraintSystem, Error, Expression, Selector, TableColumn};
use halo2_proofs::poly::Rotation;
use serde::{Deserialize, Serialize};

/// The values of one sample's MSE row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MseSampleRow {
    /// The model's output (last layer, after its rescale).
    pub z: i64,
    /// The quantized target.
    pub t: i64,
    /// `z - t`.
    pub e: i64,
    /// `e^2`.
    pub sq: i64,
    /// The running sum of squares up to this sample.
    pub sse: i64,
}

/// Every value of the MSE rows: what the prover lays out (public so tests can tamper with it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MseRows {
    pub samples: Vec<MseSampleRow>,
    /// The claimed score `S`.
    pub score: i64,
    /// `SSE + floor(N/2) - S N`, in `[0, N)` for the honest `S`.
    pub rem: i64,
}

impl MseRows {
    /// The rows of a trace, with the trace's (claimed) score.
    pub fn from_trace(trace: &Trace) -> MseRows {
        let mut sse = 0i64;
        let samples: Vec<MseSampleRow> = trace
            .samples
            .iter()
            .map(|s| {
                let z = s.layers.last().and_then(|l| l.out.first()).copied().unwrap_or(0);
                let e = z - s.label;
                sse += e * e;
                MseSampleRow { z, t: s.label, e, sq: e * e, sse }
            })
            .collect();
        let n = samples.len() as i64;
        let score = trace.score as i64;
        MseRows { samples, score, rem: sse + n / 2 - score * n }
    }

    /// The honest score and remainder of these rows' SSE (the reference's rounding).
    pub fn honest(&self) -> (u64, u64) {
        mean_rounded(self.samples.last().map_or(0, |s| s.sse) as u128, self.samples.len() as u64)
    }
}

/// The MSE gadget's selectors (its cells live in the main group's `a0..a4`).
#[derive(Clone, Copy, Debug)]
pub struct MseConfig {
    pub samples: usize,
    pub a: [Column<Advice>; 5],
    pub q_mse: Selector,
    pub q_first: Selector,
    pub q_cont: Selector,
    pub q_mean: Selector,
    pub q_rem_hi: Selector,
}

fn c(v: u64) -> Expression<Fr> {
    Expression::Constant(Fr::from(v))
}

impl MseConfig {
    /// Rows the gadget takes for `n` samples.
    pub fn rows(n: usize) -> usize {
        n + 2
    }

    /// The gates and the remainder lookup for `samples` samples, over advice columns `a`
    /// (`a0`, `a1` with equality) and the signed range table column `table`.
    pub fn configure(meta: &mut ConstraintSystem<Fr>, a: [Column<Advice>; 5], table: TableColumn, fixed: FixedParams, samples: usize) -> Self {
        let [q_mse, q_first, q_cont] = [(); 3].map(|_| meta.selector());
        let [q_mean, q_rem_hi] = [(); 2].map(|_| meta.complex_selector());
        let n = samples as u64;
        meta.create_gate("mse sample", |m| {
            let [z, t, e, sq, sse] = a.map(|col| m.query_advice(col, Rotation::cur()));
            let sse_prev = m.query_advice(a[4], Rotation::prev());
            let q = m.query_selector(q_mse);
            vec![
                q.clone() * (e.clone() - z + t),
                q * (sq.clone() - e.clone() * e),
                m.query_selector(q_first) * (sse.clone() - sq.clone()),
                m.query_selector(q_cont) * (sse - sse_prev - sq),
            ]
        });
        meta.create_gate("mse mean", |m| {
            let s = m.query_advice(a[0], Rotation::cur());
            let r = m.query_advice(a[2], Rotation::cur());
            let r_prev = m.query_advice(a[2], Rotation::prev());
            let sse = m.query_advice(a[4], Rotation::prev());
            vec![
                m.query_selector(q_mean) * (sse + c(n / 2) - s * c(n) - r.clone()),
                m.query_selector(q_rem_hi) * (r + r_prev - c(n.saturating_sub(1))),
            ]
        });
        let half = fr_pow2(fixed.value_bits - 1);
        meta.lookup("mse remainder range", |m| {
            let q = m.query_selector(q_mean) + m.query_selector(q_rem_hi);
            let r = m.query_advice(a[2], Rotation::cur());
            vec![(q * (r - Expression::Constant(half)), table)]
        });
        MseConfig { samples, a, q_mse, q_first, q_cont, q_mean, q_rem_hi }
    }

    /// Lays out the rows from `start`: sample `i` copies its output from `outputs[i]` and its
    /// target from `targets[i]`. Returns the cell of `S`.
    pub fn assign(&self, region: &mut Region<'_, Fr>, start: usize, outputs: &[Cell], targets: &[Cell], rows: Option<&MseRows>) -> Result<Cell, Error> {
        let known = |v: Option<i64>| v.map(|v| Value::known(fr_from_i64(v))).unwrap_or_else(Value::unknown);
        let [a0, a1, a2, a3, a4] = self.a;
        for i in 0..self.samples {
            let r = start + i;
            let s = rows.and_then(|rows| rows.samples.get(i));
            let z = region.assign_advice(a0, r, known(s.map(|s| s.z))).cell();
            region.constrain_equal(outputs[i], z);
            let t = region.assign_advice(a1, r, known(s.map(|s| s.t))).cell();
            region.constrain_equal(targets[i], t);
            region.assign_advice(a2, r, known(s.map(|s| s.e)));
            region.assign_advice(a3, r, known(s.map(|s| s.sq)));
            region.assign_advice(a4, r, known(s.map(|s| s.sse)));
            self.q_mse.enable(region, r)?;
            if i == 0 { self.q_first.enable(region, r)? } else { self.q_cont.enable(region, r)? }
        }
        let r = start + self.samples;
        let score = region.assign_advice(a0, r, known(rows.map(|w| w.score))).cell();
        region.assign_advice(a2, r, known(rows.map(|w| w.rem)));
        self.q_mean.enable(region, r)?;
        region.assign_advice(a2, r + 1, known(rows.map(|w| self.samples as i64 - 1 - w.rem)));
        self.q_rem_hi.enable(region, r + 1)?;
        Ok(score)
    }
}
