//! The recurrent gadget in halo2: one LSTM or GRU layer on one input, every rescale, activation
//! and product of every step constrained, twin of [`crate::layers::recurrent`] bit for bit.
//! It is a stand-alone circuit (its public inputs are the layer's outputs) with every product
//! multiplied out, tested against the reference and against tampered witnesses in
//! `tests/recurrent_halo2.rs`. The validation circuit does not use it (one mac row per product
//! is ~227,000 rows a sample for the bundled LSTM): it checks the gate pre-activations by
//! Freivalds' test instead ([`super::recurrent_rows`]) and shares this module's activation
//! table and lookups ([`assign_activation_table`], [`activation_lookups`]).
//!
//! Columns: `c0..c8` advice, `k0..k2` fixed coefficients, a constant column, and the table
//! `(t_in, t_sig, t_tanh)` of `2^b` rows: every `b`-bit `z` with [`crate::activation`]'s
//! sigmoid and tanh of it. Row types:
//!
//! | row | c0 | c1 | c2 | c3 | c4..c8 |
//! |---|---|---|---|---|---|
//! | value (input, weight) | v | | | | |
//! | mac | x (copy) | w (copy) | running sum | | |
//! | rescale | acc | z | rem | act(z) | p1..p5 (copies) |
//!
//! * value rows: `v` in `t_in` (every input and weight is a `b`-bit value);
//! * mac rows: `sum = x w` (first) or `sum = sum_prev + x w`: a pre-activation's dot product
//!   over the step input, the previous hidden state and the biases (`x = 2^s`, a constant);
//! * rescale rows: `acc = k0 p1 p2 + k1 p3 p4 + k2 p5` (the gate's mac sum, `f c + i g`,
//!   `o tanh(c)`, `r hn` plus the mac sum, or GRU's `z h - z n + 2^s n`), then
//!   `acc + 2^(s-1) = z 2^s + rem` with `rem 2^(b-s) - 2^(b-1)` in `t_in` (so `rem` in
//!   `[0, 2^s)`, the range trick of [`super::config`]) and `(z, act(z))` in `(t_in, t_sig)` or
//!   `(t_in, t_tanh)`, or just `z` in `t_in` (which bounds `z`).
//!
//! Every operand is a copy of the cell that computed it (the previous step's hidden state, the
//! cell state, an activation output), so a changed value between steps breaks a copy
//! constraint.

use crate::activation::{sigmoid, tanh};
use crate::field::{fr_from_i64, fr_pow2, Fr};
use crate::fixed::{rescale, FixedParams};
use crate::layers::{Cell as CellKind, RecurrentLayer, RecurrentShape};
use halo2_proofs::circuit::{Cell, Layouter, SimpleFloorPlanner, Value};
use halo2_proofs::halo2curves::ff::Field;
use halo2_proofs::plonk::{Advice, Circuit, Column, ConstraintSystem, Error, Expression, Fixed, Instance, Selector, TableColumn};
use halo2_proofs::poly::Rotation;

/// Where an operand comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ref {
    Input(usize),
    Weight(usize),
    /// The `z` of rescale row `i` (of [`Plan::rows`]).
    Z(usize),
    /// The activation output of rescale row `i`.
    Y(usize),
    /// The final sum of the mac chain ending at row `i`.
    Sum(usize),
    /// A constant (`2^s` for biases).
    Const(i64),
}

/// Which lookup a rescale row's `z` goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    Sigmoid,
    Tanh,
    /// No activation: `z` is only bound-checked.
    Bound,
}

/// One row of the gadget with its values (public so tests can tamper with them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Row {
    Mac { x: (Ref, i64), w: (Ref, i64), sum: i64, first: bool },
    Rescale { k: [i64; 3], ops: [(Ref, i64); 5], acc: i64, z: i64, rem: i64, y: i64, act: Act },
}

/// The witness: inputs, weights, rows, and which rows hold the outputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub inputs: Vec<i64>,
    pub weights: Vec<i64>,
    pub rows: Vec<Row>,
    /// Rescale rows whose `z` are the layer's outputs (public).
    pub outputs: Vec<usize>,
}

impl Plan {
    /// The witness of `layer` on `x`, computed with the reference's equations.
    pub fn new(layer: &RecurrentLayer, x: &[i64], fixed: FixedParams) -> Self {
        let RecurrentShape { cell, steps, input_size, hidden: hn, sequence_output } = layer.shape;
        let s = fixed.scale_bits;
        let one = 1i64 << s;
        let weights = layer.values();
        let [lw, lr, lb, _] = layer.shape.param_lens();
        let (w_at, r_at, wb_at, rb_at) = (0, lw, lw + lr, lw + lr + lb);
        let mut p = Plan { inputs: x.to_vec(), weights, rows: Vec::new(), outputs: Vec::new() };
        // h refs (Z rows of the previous step's h'), c refs (Z rows of c')
        let mut h: Vec<Option<usize>> = vec![None; hn];
        let mut c: Vec<Option<usize>> = vec![None; hn];
        let val = |p: &Plan, r: Ref| p.value(r);
        // a mac chain over (x, w) pairs; returns the last row
        let mac = |p: &mut Plan, terms: Vec<(Ref, Ref)>| -> usize {
            let mut sum = 0i64;
            for (t, (xr, wr)) in terms.into_iter().enumerate() {
                let (xv, wv) = (val(p, xr), val(p, wr));
                sum += xv * wv;
                p.rows.push(Row::Mac { x: (xr, xv), w: (wr, wv), sum, first: t == 0 });
            }
            p.rows.len() - 1
        };
        let resc = |p: &mut Plan, k: [i64; 3], ops: [Ref; 5], act: Act| -> usize {
            let ops = ops.map(|r| (r, val(p, r)));
            let acc = k[0] * ops[0].1 * ops[1].1 + k[1] * ops[2].1 * ops[3].1 + k[2] * ops[4].1;
            let (z, rem) = rescale(acc as i128, s);
            let z = z as i64;
            let y = match act {
                Act::Sigmoid => sigmoid(z, s),
                Act::Tanh => tanh(z, s),
                Act::Bound => 0,
            };
            p.rows.push(Row::Rescale { k, ops, acc, z, rem: rem as i64, y, act });
            p.rows.len() - 1
        };
        let zero = Ref::Const(0);
        let hid = |h: Option<usize>| h.map_or(zero, Ref::Z);
        for t in 0..steps {
            let pre = |h: &[Option<usize>], g: usize, j: usize, with_x: bool, with_r: bool, biases: &[usize]| -> Vec<(Ref, Ref)> {
                let row = g * hn + j;
                let mut terms = Vec::new();
                if with_x {
                    terms.extend((0..input_size).map(|k| (Ref::Input(t * input_size + k), Ref::Weight(w_at + row * input_size + k))));
                }
                if with_r {
                    terms.extend((0..hn).map(|k| (hid(h[k]), Ref::Weight(r_at + row * hn + k))));
                }
                terms.extend(biases.iter().map(|b| (Ref::Const(one), Ref::Weight(b + row))));
                terms
            };
            match cell {
                CellKind::Lstm => {
                    let mut a = vec![0usize; 4 * hn];
                    for g in 0..4 {
                        for j in 0..hn {
                            let m = mac(&mut p, pre(&h, g, j, true, true, &[wb_at, rb_at]));
                            let act = if g == 3 { Act::Tanh } else { Act::Sigmoid };
                            a[g * hn + j] = resc(&mut p, [0, 0, 1], [zero, zero, zero, zero, Ref::Sum(m)], act);
                        }
                    }
                    let mut c_new = vec![None; hn];
                    for j in 0..hn {
                        let (i, f, g) = (Ref::Y(a[j]), Ref::Y(a[2 * hn + j]), Ref::Y(a[3 * hn + j]));
                        c_new[j] = Some(resc(&mut p, [1, 1, 0], [f, hid(c[j]), i, g, zero], Act::Tanh));
                    }
                    for j in 0..hn {
                        let (o, tc) = (Ref::Y(a[hn + j]), Ref::Y(c_new[j].unwrap_or(0)));
                        h[j] = Some(resc(&mut p, [1, 0, 0], [o, tc, zero, zero, zero], Act::Bound));
                    }
                    c = c_new;
                }
                CellKind::Gru => {
                    let mut zr = vec![0usize; 2 * hn];
                    for g in 0..2 {
                        for j in 0..hn {
                            let m = mac(&mut p, pre(&h, g, j, true, true, &[wb_at, rb_at]));
                            zr[g * hn + j] = resc(&mut p, [0, 0, 1], [zero, zero, zero, zero, Ref::Sum(m)], Act::Sigmoid);
                        }
                    }
                    let mut hcand = vec![0usize; hn];
                    for (j, hc) in hcand.iter_mut().enumerate() {
                        let m = mac(&mut p, pre(&h, 2, j, false, true, &[rb_at]));
                        *hc = resc(&mut p, [0, 0, 1], [zero, zero, zero, zero, Ref::Sum(m)], Act::Bound);
                    }
                    let mut n = vec![0usize; hn];
                    for j in 0..hn {
                        let m = mac(&mut p, pre(&h, 2, j, true, false, &[wb_at]));
                        n[j] = resc(&mut p, [1, 0, 1], [Ref::Y(zr[hn + j]), Ref::Z(hcand[j]), zero, zero, Ref::Sum(m)], Act::Tanh);
                    }
                    let mut h_new = vec![None; hn];
                    for j in 0..hn {
                        let (z, nn) = (Ref::Y(zr[j]), Ref::Y(n[j]));
                        h_new[j] = Some(resc(&mut p, [1, -1, one], [z, hid(h[j]), z, nn, nn], Act::Bound));
                    }
                    h = h_new;
                }
            }
            if sequence_output || t + 1 == steps {
                p.outputs.extend(h.iter().flatten());
            }
        }
        p
    }

    /// The value an operand reference stands for under this witness.
    pub fn value(&self, r: Ref) -> i64 {
        match r {
            Ref::Input(k) => self.inputs[k],
            Ref::Weight(k) => self.weights[k],
            Ref::Const(v) => v,
            Ref::Z(k) | Ref::Y(k) | Ref::Sum(k) => match (&self.rows[k], r) {
                (Row::Rescale { z, .. }, Ref::Z(_)) => *z,
                (Row::Rescale { y, .. }, Ref::Y(_)) => *y,
                (Row::Mac { sum, .. }, Ref::Sum(_)) => *sum,
                _ => 0,
            },
        }
    }

    /// Recomputes every derived value (sums, accumulators, rescales, activations) in row order
    /// from the operands' sources, except the operands listed in `keep` (`(row, operand)`,
    /// operand 0 = `x` of a mac row or `p1` of a rescale row): what a prover who changed those
    /// operands and kept everything else consistent would write.
    pub fn refresh(&mut self, fixed: FixedParams, keep: &[(usize, usize)]) {
        let s = fixed.scale_bits;
        for i in 0..self.rows.len() {
            let get = |p: &Plan, r: Ref| p.value(r);
            let prev_sum = if i > 0 { if let Row::Mac { sum, .. } = &self.rows[i - 1] { *sum } else { 0 } } else { 0 };
            let mut row = self.rows[i].clone();
            match &mut row {
                Row::Mac { x, w, sum, first } => {
                    if !keep.contains(&(i, 0)) {
                        x.1 = get(self, x.0);
                    }
                    if !keep.contains(&(i, 1)) {
                        w.1 = get(self, w.0);
                    }
                    *sum = if *first { 0 } else { prev_sum } + x.1 * w.1;
                }
                Row::Rescale { k, ops, acc, z, rem, y, act } => {
                    for (t, op) in ops.iter_mut().enumerate() {
                        if !keep.contains(&(i, t)) {
                            op.1 = get(self, op.0);
                        }
                    }
                    *acc = k[0] * ops[0].1 * ops[1].1 + k[1] * ops[2].1 * ops[3].1 + k[2] * ops[4].1;
                    let (zz, rr) = rescale(*acc as i128, s);
                    (*z, *rem) = (zz as i64, rr as i64);
                    *y = match act {
                        Act::Sigmoid => sigmoid(*z, s),
                        Act::Tanh => tanh(*z, s),
                        Act::Bound => 0,
                    };
                }
            }
            self.rows[i] = row;
        }
    }

    /// The rescales in order: `(acc, z, rem)` of every rescale row (the reference's trace).
    pub fn rescales(&self) -> Vec<(i64, i64, i64)> {
        self.rows
            .iter()
            .filter_map(|r| match r {
                Row::Rescale { acc, z, rem, .. } => Some((*acc, *z, *rem)),
                Row::Mac { .. } => None,
            })
            .collect()
    }

    /// The public outputs.
    pub fn output_values(&self) -> Vec<i64> {
        self.outputs.iter().map(|i| if let Row::Rescale { z, .. } = &self.rows[*i] { *z } else { 0 }).collect()
    }

    /// Rows of the region: one per input and weight, one per mac or rescale row.
    pub fn region_rows(&self) -> usize {
        self.inputs.len() + self.weights.len() + self.rows.len()
    }
}

/// The lookups of the activation table `[t_in, t_sig, t_tanh]` ([`assign_activation_table`])
/// on `z` and `y` (names prefixed by `prefix`): `(z, sigmoid(z))` on `q_sig` rows, `(z, tanh(z))`
/// on `q_tanh` rows, `z` alone (its bound) on `q_bound` rows. The validation circuit's recurrent
/// group ([`super::recurrent_rows`]) uses the same.
pub fn activation_lookups(
    meta: &mut ConstraintSystem<Fr>,
    prefix: &str,
    fixed: FixedParams,
    [t_in, t_sig, t_tanh]: [TableColumn; 3],
    [q_sig, q_tanh, q_bound]: [Selector; 3],
    z: Column<Advice>,
    y: Column<Advice>,
) {
    let cst = Expression::Constant;
    meta.lookup(format!("{prefix}bound"), |m| vec![(m.query_selector(q_bound) * m.query_advice(z, Rotation::cur()), t_in)]);
    let sig0 = fr_from_i64(sigmoid(0, fixed.scale_bits));
    meta.lookup(format!("{prefix}sigmoid"), |m| {
        let q = m.query_selector(q_sig);
        let [z, y] = [z, y].map(|col| m.query_advice(col, Rotation::cur()));
        // off rows look up (0, sigmoid(0)), a table row
        vec![(q.clone() * z, t_in), (q.clone() * y + (cst(Fr::ONE) - q) * cst(sig0), t_sig)]
    });
    meta.lookup(format!("{prefix}tanh"), |m| {
        let q = m.query_selector(q_tanh);
        let [z, y] = [z, y].map(|col| m.query_advice(col, Rotation::cur()));
        vec![(q.clone() * z, t_in), (q * y, t_tanh)]
    });
}

/// Fills the activation table `[t_in, t_sig, t_tanh]`: every `b`-bit `z`, its sigmoid and tanh.
pub fn assign_activation_table(layouter: &mut impl Layouter<Fr>, fixed: FixedParams, [t_in, t_sig, t_tanh]: [TableColumn; 3]) -> Result<(), Error> {
    let (b, s) = (fixed.value_bits, fixed.scale_bits);
    layouter.assign_table(
        || "activation table",
        |mut table| {
            let half = 1i64 << (b - 1);
            for i in 0..(1usize << b) {
                let z = i as i64 - half;
                table.assign_cell(|| "z", t_in, i, || Value::known(fr_from_i64(z)))?;
                table.assign_cell(|| "sigmoid", t_sig, i, || Value::known(fr_from_i64(sigmoid(z, s))))?;
                table.assign_cell(|| "tanh", t_tanh, i, || Value::known(fr_from_i64(tanh(z, s))))?;
            }
            Ok(())
        },
    )
}

/// Columns, selectors and table of the gadget.
#[derive(Clone, Debug)]
pub struct RecurrentConfig {
    pub fixed: FixedParams,
    pub c: [Column<Advice>; 9],
    pub k: [Column<Fixed>; 3],
    pub constant: Column<Fixed>,
    pub instance: Column<Instance>,
    pub t_in: TableColumn,
    pub t_sig: TableColumn,
    pub t_tanh: TableColumn,
    pub q_value: Selector,
    pub q_mac_first: Selector,
    pub q_mac_cont: Selector,
    pub q_resc: Selector,
    pub q_sig: Selector,
    pub q_tanh: Selector,
    pub q_bound: Selector,
}

impl RecurrentConfig {
    /// The gates and lookups of the module doc.
    pub fn configure(meta: &mut ConstraintSystem<Fr>, fixed: FixedParams) -> Self {
        let c = [(); 9].map(|_| meta.advice_column());
        for col in c {
            meta.enable_equality(col);
        }
        let k = [(); 3].map(|_| meta.fixed_column());
        let constant = meta.fixed_column();
        meta.enable_constant(constant);
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        let [t_in, t_sig, t_tanh] = [(); 3].map(|_| meta.lookup_table_column());
        let [q_value, q_resc, q_sig, q_tanh, q_bound] = [(); 5].map(|_| meta.complex_selector());
        let [q_mac_first, q_mac_cont] = [(); 2].map(|_| meta.selector());
        let half = Expression::Constant(fr_pow2(fixed.value_bits - 1));
        let cst = Expression::Constant;

        meta.create_gate("mac", |m| {
            let [x, w, sum] = [c[0], c[1], c[2]].map(|col| m.query_advice(col, Rotation::cur()));
            let prev = m.query_advice(c[2], Rotation::prev());
            vec![
                m.query_selector(q_mac_first) * (sum.clone() - x.clone() * w.clone()),
                m.query_selector(q_mac_cont) * (sum - prev - x * w),
            ]
        });
        meta.create_gate("rescale with products", |m| {
            let q = m.query_selector(q_resc);
            let [acc, z, rem, _, p1, p2, p3, p4, p5] = c.map(|col| m.query_advice(col, Rotation::cur()));
            let [k0, k1, k2] = k.map(|col| m.query_fixed(col, Rotation::cur()));
            vec![
                q.clone() * (acc.clone() - k0 * p1 * p2 - k1 * p3 * p4 - k2 * p5),
                q * (acc + cst(fr_pow2(fixed.scale_bits - 1)) - z * cst(fr_pow2(fixed.scale_bits)) - rem),
            ]
        });
        let rem_shift = fr_pow2(fixed.value_bits - fixed.scale_bits);
        meta.lookup("value and remainder ranges", |m| {
            let [v, rem] = [c[0], c[2]].map(|col| m.query_advice(col, Rotation::cur()));
            // value rows and rescale rows never coincide
            let input = m.query_selector(q_value) * v + m.query_selector(q_resc) * (rem * cst(rem_shift) - half.clone());
            vec![(input, t_in)]
        });
        activation_lookups(meta, "", fixed, [t_in, t_sig, t_tanh], [q_sig, q_tanh, q_bound], c[1], c[3]);
        RecurrentConfig { fixed, c, k, constant, instance, t_in, t_sig, t_tanh, q_value, q_mac_first, q_mac_cont, q_resc, q_sig, q_tanh, q_bound }
    }
}

/// The stand-alone circuit: a recurrent layer on one input, outputs public.
#[derive(Clone, Debug)]
pub struct RecurrentCircuit {
    pub fixed: FixedParams,
    pub plan: Plan,
}

impl RecurrentCircuit {
    /// The circuit of `layer` on `x` (the honest witness).
    pub fn new(layer: &RecurrentLayer, x: &[i64], fixed: FixedParams) -> Self {
        RecurrentCircuit { fixed, plan: Plan::new(layer, x, fixed) }
    }

    /// The smallest `k` that fits the table and the region.
    pub fn k(&self) -> u32 {
        let need = self.plan.region_rows().max(1 << self.fixed.value_bits) + 16;
        need.next_power_of_two().trailing_zeros()
    }

    /// The public inputs: the layer's outputs.
    pub fn public_inputs(&self) -> Vec<Fr> {
        self.plan.output_values().into_iter().map(fr_from_i64).collect()
    }
}

/// `FixedParams` with a default, as halo2's `Params` needs one.
#[derive(Clone, Copy, Debug)]
pub struct GadgetParams(pub FixedParams);

impl Default for GadgetParams {
    fn default() -> Self {
        GadgetParams(FixedParams::DEFAULT)
    }
}

impl Circuit<Fr> for RecurrentCircuit {
    type Config = RecurrentConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = GadgetParams;

    fn without_witnesses(&self) -> Self {
        // the layout depends only on the shape; a test harness, not a keyed circuit
        self.clone()
    }

    fn params(&self) -> GadgetParams {
        GadgetParams(self.fixed)
    }

    fn configure_with_params(meta: &mut ConstraintSystem<Fr>, params: GadgetParams) -> RecurrentConfig {
        RecurrentConfig::configure(meta, params.0)
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> RecurrentConfig {
        RecurrentConfig::configure(meta, FixedParams::DEFAULT)
    }

    fn synthesize(&self, cfg: RecurrentConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        assign_activation_table(&mut layouter, cfg.fixed, [cfg.t_in, cfg.t_sig, cfg.t_tanh])?;
        let p = &self.plan;
        let outputs = layouter.assign_region(
            || "recurrent layer",
            |mut region| {
                let v = |x: i64| Value::known(fr_from_i64(x));
                let mut row = 0;
                let mut value_cells = Vec::with_capacity(p.inputs.len() + p.weights.len());
                for x in p.inputs.iter().chain(&p.weights) {
                    value_cells.push(region.assign_advice(cfg.c[0], row, v(*x)).cell());
                    cfg.q_value.enable(&mut region, row)?;
                    row += 1;
                }
                let ni = p.inputs.len();
                // cells of each plan row: (first cell, second cell) = (z, y) or (sum, -)
                let mut cells: Vec<(Cell, Option<Cell>)> = Vec::with_capacity(p.rows.len());
                for r in &p.rows {
                    let bind = |region: &mut halo2_proofs::circuit::Region<'_, Fr>, src: Ref, cell: Cell| -> Result<(), Error> {
                        match src {
                            Ref::Input(i) => region.constrain_equal(value_cells[i], cell),
                            Ref::Weight(i) => region.constrain_equal(value_cells[ni + i], cell),
                            Ref::Z(i) | Ref::Sum(i) => region.constrain_equal(cells[i].0, cell),
                            Ref::Y(i) => region.constrain_equal(cells[i].1.ok_or(Error::Synthesis)?, cell),
                            Ref::Const(k) => region.constrain_constant(cell, fr_from_i64(k))?,
                        }
                        Ok(())
                    };
                    match r {
                        Row::Mac { x, w, sum, first } => {
                            let xc = region.assign_advice(cfg.c[0], row, v(x.1)).cell();
                            let wc = region.assign_advice(cfg.c[1], row, v(w.1)).cell();
                            bind(&mut region, x.0, xc)?;
                            bind(&mut region, w.0, wc)?;
                            let sc = region.assign_advice(cfg.c[2], row, v(*sum)).cell();
                            if *first { cfg.q_mac_first.enable(&mut region, row)? } else { cfg.q_mac_cont.enable(&mut region, row)? }
                            cells.push((sc, None));
                        }
                        Row::Rescale { k, ops, acc, z, rem, y, act } => {
                            region.assign_advice(cfg.c[0], row, v(*acc));
                            let zc = region.assign_advice(cfg.c[1], row, v(*z)).cell();
                            region.assign_advice(cfg.c[2], row, v(*rem));
                            let yc = region.assign_advice(cfg.c[3], row, v(*y)).cell();
                            for (t, (src, val)) in ops.iter().enumerate() {
                                let oc = region.assign_advice(cfg.c[4 + t], row, v(*val)).cell();
                                bind(&mut region, *src, oc)?;
                            }
                            for (col, kv) in cfg.k.iter().zip(k) {
                                region.assign_fixed(*col, row, fr_from_i64(*kv));
                            }
                            cfg.q_resc.enable(&mut region, row)?;
                            match act {
                                Act::Sigmoid => cfg.q_sig.enable(&mut region, row)?,
                                Act::Tanh => cfg.q_tanh.enable(&mut region, row)?,
                                Act::Bound => cfg.q_bound.enable(&mut region, row)?,
                            }
                            cells.push((zc, Some(yc)));
                        }
                    }
                    row += 1;
                }
                Ok(p.outputs.iter().map(|i| cells[*i].0).collect::<Vec<_>>())
            },
        )?;
        for (i, cell) in outputs.into_iter().enumerate() {
            layouter.constrain_instance(cell, cfg.instance, i);
        }
        Ok(())
    }
}
