//! The recurrent layers inside the validation circuit: a column group of their own beside the
//! main and Poseidon groups (configured only for architectures with a recurrent layer, so every
//! other circuit is unchanged), laid out from row 0. The witness and the split of a step into a
//! linear and a pointwise part are in [`super::recurrent_witness`].
//!
//! Two sub-groups share the rows (their gates never read each other's columns):
//!
//! | row type | c0 | c1 | c2 | c3 | c4..c8 | d2 (phase 2) |
//! |---|---|---|---|---|---|---|
//! | matrix entry | M[k][o] (copy of a committed weight, or 0) | | | | | Horner (r2) along the row |
//! | gate | acc | z | rem | act(z) | | Horner (r2) over the step's accumulators |
//! | product | acc | z | rem | act(z) | p1..p5 (copies) | |
//!
//! | row type | u | d0 (phase 2) | d1 (phase 2) | d3 (phase 2) |
//! |---|---|---|---|---|
//! | input | u_k (copy of x, of h' of the step before, or the constant 0 or 2^s) | c_k (copy of row k's Horner) | g = sum u c | |
//! | combine | | f (copy of the step's Horner) | g (copy) | H = H_prev r1 + f - g, ending at 0 |
//!
//! Per layer: the matrix (`(I + H + 2) 4 H` rows), then per sample and step `4 H` gate rows
//! and `2 H` product rows in the c-group; per sample and step `I + H + 2` input rows, then one
//! combine row per (sample, step), in the u-group. Freivalds' test over all `N T` steps of a
//! layer: `sum_(i,t) r1^(..) (f_(i,t) - g_(i,t)) = 0` with `f = Horner_r2(acc)` and
//! `g = u . (M v)`, `v_o = r2^(4H - 1 - o)`, i.e. `acc = u M` for every step but with
//! probability about `(N T + 4 H) / p`. The challenges are the main group's `r1`, `r2`, drawn
//! after every first-phase column (weights, data, `u`, `acc`) is committed.
//!
//! Gates and lookups (`(t_in, t_sig, t_tanh)`: every `b`-bit `z` with [`crate::activation`]'s
//! sigmoid and tanh): on gate and product rows `acc + 2^(s-1) = z 2^s + rem` with
//! `rem 2^(b-s) - 2^(b-1)` in `t_in` (the range trick of [`super::config`]) and `(z, act(z))`
//! in `(t_in, t_sig)` or `(t_in, t_tanh)`, or `z` in `t_in`; on product rows also
//! `acc = k0 p1 p2 + k1 p3 p4 + k2 p5` (`k` fixed).

use super::recurrent::{activation_lookups, assign_activation_table, Act};
use super::recurrent_witness::{gate_act, matrix_entry, product, u_len, LayerRows, Src};
use super::known;
use crate::field::{fr_from_i64, fr_pow2, Fr};
use crate::fixed::FixedParams;
use crate::layers::{LayerArch, RecurrentShape};
use crate::model::Architecture;
use halo2_proofs::circuit::{Cell, Layouter, Region, Value};
use halo2_proofs::halo2curves::ff::Field;
use halo2_proofs::plonk::{Advice, Challenge, Column, ConstraintSystem, Error, Expression, FirstPhase, Fixed, SecondPhase, Selector, TableColumn};
use halo2_proofs::poly::Rotation;

/// Columns, selectors and tables of the recurrent group.
#[derive(Clone, Debug)]
pub struct RecurrentRowsConfig {
    pub fixed: FixedParams,
    pub c: [Column<Advice>; 9],
    pub u: Column<Advice>,
    pub d: [Column<Advice>; 4],
    pub k: [Column<Fixed>; 3],
    pub t_in: TableColumn,
    pub t_sig: TableColumn,
    pub t_tanh: TableColumn,
    pub r1: Challenge,
    pub r2: Challenge,
    pub q_resc: Selector,
    pub q_prod: Selector,
    pub q_sig: Selector,
    pub q_tanh: Selector,
    pub q_bound: Selector,
    pub q_h_start: Selector,
    pub q_h_cont: Selector,
    pub q_g_start: Selector,
    pub q_g_cont: Selector,
    pub q_comb_start: Selector,
    pub q_comb_cont: Selector,
    pub q_comb_end: Selector,
}

/// The recurrent layers of `arch`.
fn recurrent_layers(arch: &Architecture) -> impl Iterator<Item = &RecurrentShape> {
    arch.layers.iter().filter_map(|l| match l {
        LayerArch::Recurrent(r) => Some(r),
        _ => None,
    })
}

/// Rows of the recurrent group for `arch` over `n` samples (0 without a recurrent layer):
/// the larger of the c-group `sum (I + H + 2) 4 H + N T 6 H` and the u-group
/// `sum N T (I + H + 3)`.
pub fn rows(arch: &Architecture, n: usize) -> usize {
    let (mut c, mut u) = (0usize, 0usize);
    for r in recurrent_layers(arch) {
        let nt = n.saturating_mul(r.steps);
        let h = r.hidden;
        c = c.saturating_add(u_len(r).saturating_mul(4 * h)).saturating_add(nt.saturating_mul(6 * h));
        u = u.saturating_add(nt.saturating_mul(u_len(r) + 1));
    }
    c.max(u)
}

/// Whether `arch` has a recurrent layer (then the group is configured).
pub fn has_recurrent(arch: &Architecture) -> bool {
    recurrent_layers(arch).next().is_some()
}

impl RecurrentRowsConfig {
    /// The group's columns, gates and lookups; `r1`, `r2` are the main group's challenges.
    pub fn configure(meta: &mut ConstraintSystem<Fr>, fixed: FixedParams, r1: Challenge, r2: Challenge) -> Self {
        let c = [(); 9].map(|_| meta.advice_column_in(FirstPhase));
        let u = meta.advice_column_in(FirstPhase);
        let d = [(); 4].map(|_| meta.advice_column_in(SecondPhase));
        // c2 (remainders) and d3 (the combination) are never copied
        for col in c.iter().chain([&u]).chain(&d[..3]).filter(|col| **col != c[2]) {
            meta.enable_equality(*col);
        }
        let k = [(); 3].map(|_| meta.fixed_column());
        let [t_in, t_sig, t_tanh] = [(); 3].map(|_| meta.lookup_table_column());
        let [q_resc, q_sig, q_tanh, q_bound] = [(); 4].map(|_| meta.complex_selector());
        let [q_prod, q_h_start, q_h_cont, q_g_start, q_g_cont, q_comb_start, q_comb_cont, q_comb_end] = [(); 8].map(|_| meta.selector());
        let cst = Expression::Constant;
        let (s, b) = (fixed.scale_bits, fixed.value_bits);

        meta.create_gate("recurrent rescale", |m| {
            let [acc, z, rem] = [c[0], c[1], c[2]].map(|col| m.query_advice(col, Rotation::cur()));
            vec![m.query_selector(q_resc) * (acc + cst(fr_pow2(s - 1)) - z * cst(fr_pow2(s)) - rem)]
        });
        meta.create_gate("recurrent product", |m| {
            let acc = m.query_advice(c[0], Rotation::cur());
            let [p1, p2, p3, p4, p5] = [c[4], c[5], c[6], c[7], c[8]].map(|col| m.query_advice(col, Rotation::cur()));
            let [k0, k1, k2] = k.map(|col| m.query_fixed(col, Rotation::cur()));
            vec![m.query_selector(q_prod) * (acc - k0 * p1 * p2 - k1 * p3 * p4 - k2 * p5)]
        });
        meta.create_gate("recurrent horner r2", |m| {
            let v = m.query_advice(c[0], Rotation::cur());
            let h = m.query_advice(d[2], Rotation::cur());
            let prev = m.query_advice(d[2], Rotation::prev());
            let r2 = m.query_challenge(r2);
            vec![m.query_selector(q_h_start) * (h.clone() - v.clone()), m.query_selector(q_h_cont) * (h - prev * r2 - v)]
        });
        meta.create_gate("recurrent g", |m| {
            let x = m.query_advice(u, Rotation::cur());
            let cc = m.query_advice(d[0], Rotation::cur());
            let g = m.query_advice(d[1], Rotation::cur());
            let prev = m.query_advice(d[1], Rotation::prev());
            vec![m.query_selector(q_g_start) * (g.clone() - x.clone() * cc.clone()), m.query_selector(q_g_cont) * (g - prev - x * cc)]
        });
        meta.create_gate("recurrent freivalds combine", |m| {
            let [f, g, h] = [d[0], d[1], d[3]].map(|col| m.query_advice(col, Rotation::cur()));
            let prev = m.query_advice(d[3], Rotation::prev());
            let r1 = m.query_challenge(r1);
            vec![
                m.query_selector(q_comb_start) * (h.clone() - f.clone() + g.clone()),
                m.query_selector(q_comb_cont) * (h.clone() - prev * r1 - f + g),
                m.query_selector(q_comb_end) * h,
            ]
        });
        let rem_shift = fr_pow2(b - s);
        let half = fr_pow2(b - 1);
        meta.lookup("recurrent remainder", |m| {
            let rem = m.query_advice(c[2], Rotation::cur());
            vec![(m.query_selector(q_resc) * (rem * cst(rem_shift) - cst(half)), t_in)]
        });
        activation_lookups(meta, "recurrent ", fixed, [t_in, t_sig, t_tanh], [q_sig, q_tanh, q_bound], c[1], c[3]);
        RecurrentRowsConfig {
            fixed,
            c,
            u,
            d,
            k,
            t_in,
            t_sig,
            t_tanh,
            r1,
            r2,
            q_resc,
            q_prod,
            q_sig,
            q_tanh,
            q_bound,
            q_h_start,
            q_h_cont,
            q_g_start,
            q_g_cont,
            q_comb_start,
            q_comb_cont,
            q_comb_end,
        }
    }

    /// The activation table: every `b`-bit `z` with its sigmoid and tanh.
    pub fn assign_table(&self, layouter: &mut impl Layouter<Fr>) -> Result<(), Error> {
        assign_activation_table(layouter, self.fixed, [self.t_in, self.t_sig, self.t_tanh])
    }
}

/// Where one layer's rows went (for the second phase).
struct Placed<'a> {
    shape: RecurrentShape,
    rows: Option<&'a LayerRows>,
    mat_start: usize,
    /// Per (sample, step) in order: the first input row and the first gate row.
    blocks: Vec<(usize, usize)>,
    comb_start: usize,
}

/// The layout state across the recurrent layers of one circuit: the next free row of each
/// sub-group and what the second phase needs.
#[derive(Default)]
pub struct RecurrentLayout<'a> {
    c_row: usize,
    u_row: usize,
    placed: Vec<Placed<'a>>,
}

impl<'a> RecurrentLayout<'a> {
    /// First phase: lays out recurrent layer `shape` over `n = inputs.len()` samples.
    /// `weights` are the cells of the layer's committed values, `inputs` the cells of each
    /// sample's input, `rows` the witness (none at key generation). Returns each sample's
    /// output cells (the last hidden state, or every step's with `sequence_output`).
    pub fn layer(
        &mut self,
        cfg: &RecurrentRowsConfig,
        region: &mut Region<'_, Fr>,
        shape: &RecurrentShape,
        weights: &[Cell],
        inputs: &[Vec<Cell>],
        rows: Option<&'a LayerRows>,
    ) -> Result<Vec<Vec<Cell>>, Error> {
        let RecurrentShape { cell, steps, input_size: ni, hidden: hn, sequence_output } = *shape;
        let s = cfg.fixed.scale_bits;
        let (ul, outs) = (u_len(shape), 4 * hn);
        let one = Fr::from(1u64 << s);
        let v = |x: Option<i64>| known(x.map(fr_from_i64));
        let [c0, c1, c2, c3, ..] = cfg.c;
        // a witness of another shape is refused here, so the indexing below cannot fail
        if let Some(w) = rows {
            let step_ok = |st: &super::recurrent_witness::StepRows| st.u.len() == ul && st.gates.len() == outs && st.products.len() == 2 * hn;
            if w.matrix.len() != ul * outs || w.samples.len() != inputs.len() || !w.samples.iter().all(|sm| sm.len() == steps && sm.iter().all(step_ok)) {
                return Err(Error::Synthesis);
            }
        }

        // the matrix: copies of the committed weights, or 0
        let mat_start = self.c_row;
        for e in 0..ul * outs {
            let (k, o) = (e / outs, e % outs);
            let r = mat_start + e;
            let cell = region.assign_advice(c0, r, v(rows.map(|w| w.matrix[e]))).cell();
            match matrix_entry(shape, k, o) {
                Some(t) => region.constrain_equal(*weights.get(t).ok_or(Error::Synthesis)?, cell),
                None => region.constrain_constant(cell, Fr::ZERO)?,
            }
            if o == 0 { cfg.q_h_start.enable(region, r)? } else { cfg.q_h_cont.enable(region, r)? }
        }
        self.c_row += ul * outs;

        let mut blocks = Vec::with_capacity(inputs.len() * steps);
        let mut outputs = Vec::with_capacity(inputs.len());
        for (i, x_cells) in inputs.iter().enumerate() {
            let sample = rows.map(|w| &w.samples[i]);
            // the previous step's product rows' z cells
            let mut prev_z: Option<Vec<Cell>> = None;
            let mut out = Vec::new();
            for t in 0..steps {
                let st = sample.map(|sm| &sm[t]);
                let (u0, g0) = (self.u_row, self.c_row);
                blocks.push((u0, g0));
                // input rows
                for k in 0..ul {
                    let r = u0 + k;
                    let cell = region.assign_advice(cfg.u, r, v(st.map(|st| st.u[k]))).cell();
                    if k < ni {
                        region.constrain_equal(*x_cells.get(t * ni + k).ok_or(Error::Synthesis)?, cell);
                    } else if k < ni + hn {
                        match &prev_z {
                            Some(z) => region.constrain_equal(z[hn + k - ni], cell),
                            None => region.constrain_constant(cell, Fr::ZERO)?,
                        }
                    } else {
                        region.constrain_constant(cell, one)?;
                    }
                    if k == 0 { cfg.q_g_start.enable(region, r)? } else { cfg.q_g_cont.enable(region, r)? }
                }
                self.u_row += ul;
                // gate rows
                let (mut g_acc, mut g_z, mut g_y) = (Vec::with_capacity(outs), Vec::with_capacity(outs), Vec::with_capacity(outs));
                for o in 0..outs {
                    let r = g0 + o;
                    let rv = st.map(|st| st.gates[o]);
                    g_acc.push(region.assign_advice(c0, r, v(rv.map(|x| x.acc))).cell());
                    g_z.push(region.assign_advice(c1, r, v(rv.map(|x| x.z))).cell());
                    region.assign_advice(c2, r, v(rv.map(|x| x.rem)));
                    g_y.push(region.assign_advice(c3, r, v(rv.map(|x| x.y))).cell());
                    if o == 0 { cfg.q_h_start.enable(region, r)? } else { cfg.q_h_cont.enable(region, r)? }
                    if let Some(act) = gate_act(cell, o, hn) {
                        cfg.q_resc.enable(region, r)?;
                        enable_act(cfg, region, act, r)?;
                    }
                }
                // product rows
                let p0 = g0 + outs;
                let (mut p_z, mut p_y) = (Vec::with_capacity(2 * hn), Vec::with_capacity(2 * hn));
                for p in 0..2 * hn {
                    let r = p0 + p;
                    let (kk, srcs, act) = product(cell, p, hn, s);
                    let rv = st.map(|st| st.products[p]);
                    region.assign_advice(c0, r, v(rv.map(|x| x.acc)));
                    p_z.push(region.assign_advice(c1, r, v(rv.map(|x| x.z))).cell());
                    region.assign_advice(c2, r, v(rv.map(|x| x.rem)));
                    p_y.push(region.assign_advice(c3, r, v(rv.map(|x| x.y))).cell());
                    for (q, src) in srcs.iter().enumerate() {
                        let oc = region.assign_advice(cfg.c[4 + q], r, v(rv.map(|x| x.ops[q]))).cell();
                        match *src {
                            Src::GateY(o) => region.constrain_equal(g_y[o], oc),
                            Src::GateZ(o) => region.constrain_equal(g_z[o], oc),
                            Src::GateAcc(o) => region.constrain_equal(g_acc[o], oc),
                            Src::ProdY(pp) => region.constrain_equal(*p_y.get(pp).ok_or(Error::Synthesis)?, oc),
                            Src::PrevProdZ(pp) => match &prev_z {
                                Some(z) => region.constrain_equal(z[pp], oc),
                                None => region.constrain_constant(oc, Fr::ZERO)?,
                            },
                            Src::None => {}
                        }
                    }
                    for (col, kv) in cfg.k.iter().zip(kk) {
                        region.assign_fixed(*col, r, fr_from_i64(kv));
                    }
                    cfg.q_resc.enable(region, r)?;
                    cfg.q_prod.enable(region, r)?;
                    enable_act(cfg, region, act, r)?;
                }
                self.c_row += outs + 2 * hn;
                if sequence_output || t + 1 == steps {
                    out.extend_from_slice(&p_z[hn..]);
                }
                prev_z = Some(p_z);
            }
            outputs.push(out);
        }
        // combine rows (values in the second phase)
        let comb_start = self.u_row;
        let nt = blocks.len();
        for b in 0..nt {
            let r = comb_start + b;
            if b == 0 { cfg.q_comb_start.enable(region, r)? } else { cfg.q_comb_cont.enable(region, r)? }
            if b + 1 == nt {
                cfg.q_comb_end.enable(region, r)?;
            }
        }
        self.u_row += nt;
        self.placed.push(Placed { shape: *shape, rows, mat_start, blocks, comb_start });
        Ok(outputs)
    }

    /// Second phase: the Horner, `g` and combination values of every layer laid out, with the
    /// copies that tie them together.
    pub fn second_phase(&self, cfg: &RecurrentRowsConfig, region: &mut Region<'_, Fr>, r1: Value<Fr>, r2: Value<Fr>) -> Result<(), Error> {
        let [d0, d1, d2, d3] = cfg.d;
        for pl in &self.placed {
            let (ul, outs) = (u_len(&pl.shape), 4 * pl.shape.hidden);
            // Horner (r2) along each matrix row; c_k ends row k
            let mat_h: Value<Vec<Fr>> = r2.map(|r2| {
                let m = pl.rows.map(|w| w.matrix.as_slice()).unwrap_or(&[]);
                horner_rows(m, outs, r2)
            });
            let mut c_cells = Vec::with_capacity(ul);
            for e in 0..ul * outs {
                let cell = region.assign_advice(d2, pl.mat_start + e, mat_h.as_ref().map(|h| h.get(e).copied().unwrap_or(Fr::ZERO))).cell();
                if e % outs == outs - 1 {
                    c_cells.push(cell);
                }
            }
            let cs: Value<Vec<Fr>> = mat_h.as_ref().map(|h| (0..ul).map(|k| h.get(k * outs + outs - 1).copied().unwrap_or(Fr::ZERO)).collect());
            // per step: g along the input rows, Horner over the accumulators
            let mut fg = Vec::with_capacity(pl.blocks.len());
            let mut ends: Vec<(Cell, Cell)> = Vec::with_capacity(pl.blocks.len());
            for (b, &(u0, g0)) in pl.blocks.iter().enumerate() {
                let (i, t) = (b / pl.shape.steps, b % pl.shape.steps);
                let st = pl.rows.map(|w| &w.samples[i][t]);
                let gs: Value<Vec<Fr>> = cs.as_ref().map(|cs| {
                    let mut g = Fr::ZERO;
                    (0..ul).map(|k| {
                        g += fr_from_i64(st.map_or(0, |st| st.u[k])) * cs[k];
                        g
                    }).collect()
                });
                let mut g_end = None;
                for k in 0..ul {
                    let cc = region.assign_advice(d0, u0 + k, cs.as_ref().map(|cs| cs[k])).cell();
                    region.constrain_equal(c_cells[k], cc);
                    g_end = Some(region.assign_advice(d1, u0 + k, gs.as_ref().map(|g| g[k])).cell());
                }
                let accs: Vec<i64> = (0..outs).map(|o| st.map_or(0, |st| st.gates[o].acc)).collect();
                let hs: Value<Vec<Fr>> = r2.map(|r2| horner_rows(&accs, outs, r2));
                let mut f_end = None;
                for o in 0..outs {
                    f_end = Some(region.assign_advice(d2, g0 + o, hs.as_ref().map(|h| h[o])).cell());
                }
                fg.push(hs.zip(gs).map(|(h, g)| (h[outs - 1], g[ul - 1])));
                ends.push((f_end.ok_or(Error::Synthesis)?, g_end.ok_or(Error::Synthesis)?));
            }
            // combine: H = H_prev r1 + f - g
            let mut acc = Value::known(Fr::ZERO);
            for (b, ((f_cell, g_cell), v)) in ends.iter().zip(&fg).enumerate() {
                let r = pl.comb_start + b;
                let fc = region.assign_advice(d0, r, v.map(|v| v.0)).cell();
                region.constrain_equal(*f_cell, fc);
                let gc = region.assign_advice(d1, r, v.map(|v| v.1)).cell();
                region.constrain_equal(*g_cell, gc);
                acc = acc.zip(r1).zip(*v).map(|((h, r1), (f, g))| h * r1 + f - g);
                region.assign_advice(d3, r, acc);
            }
        }
        Ok(())
    }
}

/// Horner (`r`) along each row of a row-major matrix with `cols` columns: running values.
fn horner_rows(m: &[i64], cols: usize, r: Fr) -> Vec<Fr> {
    let mut out = Vec::with_capacity(m.len());
    for row in m.chunks(cols) {
        let mut h = Fr::ZERO;
        for v in row {
            h = h * r + fr_from_i64(*v);
            out.push(h);
        }
    }
    out
}

fn enable_act(cfg: &RecurrentRowsConfig, region: &mut Region<'_, Fr>, act: Act, r: usize) -> Result<(), Error> {
    match act {
        Act::Sigmoid => cfg.q_sig.enable(region, r),
        Act::Tanh => cfg.q_tanh.enable(region, r),
        Act::Bound => cfg.q_bound.enable(region, r),
    }
}
