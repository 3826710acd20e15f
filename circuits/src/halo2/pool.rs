//! Max pooling on its input's rows (circuit version 7): a max-pool whose windows do not overlap,
//! have no padding and at most [`MAX_TAPS`] taps, between two linear layers, costs no rows of
//! its own. The taps are the previous layer's output cells (`a3` of its output rows, one row
//! per output, channel-major), which a window reads by rotation from its first tap's row (the
//! *anchor*): for a `kh x kw` window over an input `W` wide the taps sit at row offsets
//! `dy W + dx`. Each tap row holds the window's output in `a5`:
//!
//! | row | a3 | a5 | b0 | b1 | selectors |
//! |---|---|---|---|---|---|
//! | anchor (first tap) | tap 0 (the layer's own output) | out | c_k of the next layer (copy) | g = sum out c | window gate, tap, g start/cont |
//! | other tap | tap t | out | | g (carried) | tap, g pass |
//! | no tap, between two anchors | | | | g (carried) | g pass |
//!
//! * window gate (on the anchor): `prod_t (out - tap_t) = 0` (out is one of the taps) and `a5`
//!   equal on every tap row of the window;
//! * tap (a lookup in the range table, every tap row): `out - tap in [0, 2^b)`, so `out >= tap`
//!   for every tap. With the taps `b`-bit (the previous layer's ReLU/bound lookup), `out` is
//!   exactly their maximum: [`crate::layers::PoolLayer::max_pool`] (ties give the same value,
//!   whichever tap holds it);
//! * the next linear layer's Freivalds input sum `g = sum_k x_k c_k` runs over the anchors' `a5`
//!   (start on a sample's first anchor, add `a5 b0` on the next ones, carry `g` unchanged across
//!   the rows between), so it needs no input block of copies.
//!
//! Other pools (overlapping or padded windows, more taps, average pooling, a pool not between
//! two linear layers) keep the row-per-tap layout of [`super::circuit`] and an input block.

use super::conv::input_delta;
use super::conv::ConvTamper;
use crate::field::{fr_from_i64, fr_pow2, Fr};
use crate::fixed::FixedParams;
use crate::layers::{LayerArch, PoolLayer};
use crate::model::Architecture;
use halo2_proofs::circuit::{Region, Value};
use halo2_proofs::plonk::{Advice, Column, ConstraintSystem, Error, Expression, Selector, TableColumn};
use halo2_proofs::poly::Rotation;

/// The most taps a window laid out on its input's rows may have: the window gate
/// `q prod_t (out - tap_t)` has degree `1 + taps`, and halo2-axiom caps the degree at 5.
pub const MAX_TAPS: usize = 4;

/// The row offsets of a window's taps from its anchor when layer `li` of `arch` is a max-pool
/// laid out on its input's rows (see the module doc), or `None` when it keeps the row-per-tap
/// layout.
pub fn tap_offsets(arch: &Architecture, li: usize) -> Option<Vec<usize>> {
    let LayerArch::MaxPool(p) = arch.layers.get(li)? else { return None };
    let w = p.window;
    let between_linear = li > 0 && arch.layers[li - 1].is_linear() && arch.layers.get(li + 1).is_some_and(LayerArch::is_linear);
    let disjoint = w.strides[0] >= w.kernel[0] && w.strides[1] >= w.kernel[1];
    let taps = w.kernel[0] * w.kernel[1];
    if !between_linear || !disjoint || w.pads != [0; 4] || taps == 0 || taps > MAX_TAPS || p.window.out_hw().is_err() {
        return None;
    }
    let width = w.input[2];
    Some((0..w.kernel[0]).flat_map(|dy| (0..w.kernel[1]).map(move |dx| dy * width + dx)).collect())
}

/// The rows the next layer's `g` runs over after a pool laid out on its input's rows.
#[derive(Clone, Debug, Default)]
pub struct PoolRoute {
    /// The anchor row of output `k` of sample `i`, at `i * outputs + k`.
    pub anchors: Vec<usize>,
    /// `(row, i, k)`: a row between two anchors of sample `i` carrying `g` after input `k`.
    pub pass: Vec<(usize, usize, usize)>,
}

/// Columns, selectors and gates of the max-pools laid out on their input's rows.
#[derive(Clone, Debug)]
pub struct PoolRowsConfig {
    a5: Column<Advice>,
    b1: Column<Advice>,
    /// One window gate per distinct set of tap offsets.
    windows: Vec<(Vec<usize>, Selector)>,
    q_tap: Selector,
    q_g_start: Selector,
    q_g_cont: Selector,
    q_g_pass: Selector,
}

impl PoolRowsConfig {
    /// The gates and the tap lookup, or `None` when no layer of `arch` is laid out this way (the
    /// circuit then has none of them). `a3`, `a5` first phase; `b0` (equality enabled), `b1`
    /// second phase; `table` the signed `b`-bit range column.
    #[allow(clippy::too_many_arguments)]
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        arch: &Architecture,
        a3: Column<Advice>,
        a5: Column<Advice>,
        b0: Column<Advice>,
        b1: Column<Advice>,
        table: TableColumn,
        fixed: FixedParams,
    ) -> Option<Self> {
        let sets: Vec<Vec<usize>> = (0..arch.layers.len()).filter_map(|li| tap_offsets(arch, li)).collect();
        if sets.is_empty() {
            return None;
        }
        let mut windows: Vec<(Vec<usize>, Selector)> = Vec::new();
        for offs in sets {
            if windows.iter().any(|(o, _)| *o == offs) {
                continue;
            }
            let q = meta.selector();
            meta.create_gate("max-pool window", |m| {
                let q = m.query_selector(q);
                let out = m.query_advice(a5, Rotation::cur());
                let rot = |o: usize| Rotation(o as i32);
                let mut cs = vec![offs.iter().fold(q.clone(), |acc, o| acc * (out.clone() - m.query_advice(a3, rot(*o))))];
                cs.extend(offs.iter().filter(|o| **o != 0).map(|o| q.clone() * (m.query_advice(a5, rot(*o)) - out.clone())));
                cs
            });
            windows.push((offs, q));
        }
        let q_tap = meta.complex_selector();
        let half = fr_pow2(fixed.value_bits - 1);
        meta.lookup("max-pool range", |m| {
            let q = m.query_selector(q_tap);
            let d = m.query_advice(a5, Rotation::cur()) - m.query_advice(a3, Rotation::cur());
            vec![(q * (d - Expression::Constant(half)), table)]
        });
        let [q_g_start, q_g_cont, q_g_pass] = [(); 3].map(|_| meta.selector());
        meta.create_gate("g over pool outputs", |m| {
            let x = m.query_advice(a5, Rotation::cur());
            let c = m.query_advice(b0, Rotation::cur());
            let g = m.query_advice(b1, Rotation::cur());
            let prev = m.query_advice(b1, Rotation::prev());
            vec![
                m.query_selector(q_g_start) * (g.clone() - x.clone() * c.clone()),
                m.query_selector(q_g_cont) * (g.clone() - prev.clone() - x * c),
                m.query_selector(q_g_pass) * (g - prev),
            ]
        });
        Some(PoolRowsConfig { a5, b1, windows, q_tap, q_g_start, q_g_cont, q_g_pass })
    }

    /// The `g` gate's start and continue selectors (for the anchors).
    pub fn g_selectors(&self) -> (Selector, Selector) {
        (self.q_g_start, self.q_g_cont)
    }

    /// Lays out max-pool layer `li` (`p`, tap offsets `offs`) of `n` samples on the output rows
    /// `in_rows` (`i * inputs + k`) of the layer before: `a5` on every tap row, the window gate
    /// on each anchor, the tap lookup on each tap row, the `g` pass selector between anchors.
    /// `out(i)` is sample `i`'s pool outputs (`None` at key generation). `tamper` (a test hook)
    /// moves the anchor's `a5` that the next layer reads, as a prover reading another value
    /// than the pool's output would.
    #[allow(clippy::too_many_arguments)]
    pub fn assign<'v>(
        &self,
        region: &mut Region<'_, Fr>,
        li: usize,
        p: &PoolLayer,
        offs: &[usize],
        in_rows: &[usize],
        n: usize,
        out: impl Fn(usize) -> Option<&'v [i64]>,
        tamper: Option<ConvTamper>,
    ) -> Result<PoolRoute, Error> {
        let q_window = self.windows.iter().find(|(o, _)| o == offs).map(|(_, q)| *q).ok_or(Error::Synthesis)?;
        let windows = p.windows();
        let inputs = p.window.input_len();
        let mut route = PoolRoute { anchors: Vec::with_capacity(n * windows.len()), pass: Vec::new() };
        for i in 0..n {
            let vals = out(i);
            let mut last: Option<usize> = None;
            for (k, taps) in windows.iter().enumerate() {
                let anchor = *in_rows.get(i * inputs + taps[0]).ok_or(Error::Synthesis)?;
                if taps.len() != offs.len() || taps.iter().zip(offs).any(|(t, o)| in_rows.get(i * inputs + t) != Some(&(anchor + o))) {
                    return Err(Error::Synthesis);
                }
                if let Some(prev) = last {
                    route.pass.extend((prev + 1..anchor).map(|r| (r, i, k - 1)));
                }
                let v = vals.map(|v| v[k]);
                for o in offs {
                    let delta = if *o == 0 { input_delta(tamper, li + 1, i, k) } else { 0 };
                    region.assign_advice(self.a5, anchor + o, value(v.map(|v| v + delta)));
                    self.q_tap.enable(region, anchor + o)?;
                }
                q_window.enable(region, anchor)?;
                route.anchors.push(anchor);
                last = Some(anchor);
            }
        }
        for (r, _, _) in &route.pass {
            self.q_g_pass.enable(region, *r)?;
        }
        Ok(route)
    }

    /// Second phase: `g` on the pass rows of `route`, from the next layer's running sums
    /// `g(i, k)` after input `k` of sample `i`.
    pub fn assign_pass(&self, region: &mut Region<'_, Fr>, route: &PoolRoute, g: impl Fn(usize, usize) -> Value<Fr>) -> Result<(), Error> {
        for &(r, i, k) in &route.pass {
            region.assign_advice(self.b1, r, g(i, k));
        }
        Ok(())
    }
}

/// The test hook [`ConvTamper::Carry`] on layer `li`'s running sums `g` of sample `i` (`f` its
/// accumulators' Horner value, `bias` `2^s beta`): from input `k + 1` on, `g` is shifted by
/// `f - bias - g_last`, which balances the sample's Freivalds row; returns `(k, shift)` for the
/// pass rows after anchor `k`, which carry the shifted value too.
pub fn carry_shift(tamper: Option<ConvTamper>, li: usize, i: usize, g: &mut [Fr], f: Fr, bias: Fr) -> Option<(usize, Fr)> {
    let Some(ConvTamper::Carry { layer, sample, k }) = tamper else { return None };
    if (layer, sample) != (li, i) || k + 1 >= g.len() {
        return None;
    }
    let shift = f - bias - *g.last()?;
    for v in &mut g[k + 1..] {
        *v += shift;
    }
    Some((k, shift))
}

fn value(v: Option<i64>) -> Value<Fr> {
    v.map(|v| Value::known(fr_from_i64(v))).unwrap_or_else(Value::unknown)
}
