//! The validation circuit and its row layout. One description serves key generation (no
//! witness) and proving (a [`Witness`]); the layout depends only on the [`CircuitShape`].
//!
//! Main group, top to bottom: the Freivalds block of each conv layer ([`super::conv`]), the
//! value streams (data values, per sample its features then its label, in a0; beside them on
//! the same rows the model values, per layer W or kernel row-major then biases, in a5), one
//! block per layer (dense/conv: per-(sample, output) rows, after an input block when a pool
//! feeds it; pools: per-tap rows), one Freivalds combine block per dense/conv layer (a row per
//! sample), argmax (top-k: rank) and score rows (`C + 1` per sample; MSE: the rows of
//! [`super::mse`] instead), and a row holding `N`. The Poseidon group beside it hashes the model,
//! then the data set. Column roles are tabled in [`super::config`].

use super::config::ValidationConfig;
use super::known;
use super::conv::{ConvPlan, ConvTamper, ConvValues};
use super::mse::{MseConfig, MseRows};
use super::pool::{tap_offsets, PoolRoute, PoolRowsConfig};
use super::recurrent_rows::{has_recurrent, RecurrentLayout, RecurrentRowsConfig};
use super::recurrent_witness::{recurrent_rows, LayerRows};
use super::shape::CircuitShape;
use crate::commit::{dataset_header, dataset_values, model_header, model_values, slot};
use crate::dataset::QuantizedDataset;
use crate::error::Result;
use crate::eval::{evaluate, evaluate_with, Trace};
use crate::score::{label_rank, ScoreFunction};
use crate::field::{fr_from_i64, Fr};
use crate::layers::{Layer, LayerArch};
use crate::model::QuantizedModel;
use crate::poseidon::chip::Message;
use halo2_proofs::circuit::{Cell, Layouter, Region, SimpleFloorPlanner, Value};
use halo2_proofs::halo2curves::ff::Field;
use halo2_proofs::plonk::{Circuit, ConstraintSystem, Error, Selector};

/// The private inputs: the quantized model, the data set and the validation function's trace.
/// Public fields so tests can tamper with any of them.
#[derive(Clone, Debug)]
pub struct Witness {
    pub model: QuantizedModel,
    pub data: QuantizedDataset,
    pub trace: Trace,
    /// The rows of each recurrent layer (in layer order; empty without one), computed from the
    /// model, the data and the trace ([`super::recurrent_witness`]).
    pub recurrent: Vec<LayerRows>,
    /// A test hook (never set by the constructors): a conv-layer deviation to lay out.
    #[doc(hidden)]
    pub conv_tamper: Option<ConvTamper>,
}

impl Witness {
    /// Runs the validation function to build the witness.
    pub fn new(model: QuantizedModel, data: QuantizedDataset) -> Result<Self> {
        let trace = evaluate(&model, &data)?;
        let recurrent = recurrent_rows(&model, &data, &trace)?;
        Ok(Witness { model, data, trace, recurrent, conv_tamper: None })
    }

    /// The witness under score function `score` (the trace's `score` counts what it accepts).
    pub fn with_score(model: QuantizedModel, data: QuantizedDataset, score: ScoreFunction) -> Result<Self> {
        let trace = evaluate_with(&model, &data, score)?;
        let recurrent = recurrent_rows(&model, &data, &trace)?;
        Ok(Witness { model, data, trace, recurrent, conv_tamper: None })
    }

    /// The public inputs an honest prover claims: `[model commitment, data commitment, N, S]`.
    pub fn public_inputs(&self) -> [Fr; 4] {
        [
            crate::commit::model_commitment(&self.model),
            crate::commit::dataset_commitment(&self.data),
            Fr::from(self.data.len() as u64),
            Fr::from(self.trace.score as u64),
        ]
    }
}

/// The circuit: a shape, and a witness when proving.
#[derive(Clone, Debug)]
pub struct ValidationCircuit {
    pub shape: CircuitShape,
    pub witness: Option<Witness>,
}

impl ValidationCircuit {
    /// The circuit for key generation: shape only.
    pub fn keygen(shape: CircuitShape) -> Self {
        ValidationCircuit { shape, witness: None }
    }

    /// The circuit for proving `model` on `data` (under the data set's default score function:
    /// top-1, or MSE for a regression set).
    pub fn new(model: QuantizedModel, data: QuantizedDataset) -> Result<Self> {
        let shape = CircuitShape::new(model.architecture(), data.len()).with_score(data.default_score());
        shape.check_halo2_support()?;
        let witness = Witness::new(model, data)?;
        Ok(ValidationCircuit { shape, witness: Some(witness) })
    }

    /// The circuit for proving `model` on `data` under score function `score`.
    pub fn with_score(model: QuantizedModel, data: QuantizedDataset, score: ScoreFunction) -> Result<Self> {
        let shape = CircuitShape::new(model.architecture(), data.len()).with_score(score);
        shape.check_halo2_support()?;
        let witness = Witness::with_score(model, data, score)?;
        Ok(ValidationCircuit { shape, witness: Some(witness) })
    }
}

/// The matrix a dense layer is checked against, row-major `[inputs + 1][outputs]` with the
/// biases in the last row (a conv layer's vectors come from [`super::conv`] instead).
fn matrix(layer: &Layer) -> Vec<i64> {
    match layer {
        Layer::Dense(d) => d.weights.iter().chain(&d.bias).copied().collect(),
        Layer::Conv(_) | Layer::MaxPool(_) | Layer::AvgPool(_) | Layer::Recurrent(_) => Vec::new(),
    }
}

/// The input values of layer `li` on sample `i`: the features, or the previous layer's outputs.
fn layer_input(w: &Witness, li: usize, i: usize) -> &[i64] {
    if li == 0 {
        w.data.sample(i)
    } else {
        &w.trace.samples[i].layers[li - 1].out
    }
}

/// Second-phase values, computed natively once the challenges are known; one entry per linear
/// (dense or conv) layer.
struct Phase1 {
    /// Horner (r2) along each row of a dense layer's matrix, row-major (empty for conv).
    mat_h: Vec<Vec<Fr>>,
    /// A conv layer's block values (`None` for dense).
    conv: Vec<Option<ConvValues>>,
    c: Vec<Vec<Fr>>,
    beta: Vec<Fr>,
    /// Per sample: the running `g = sum_k x_k c_k` over the layer's inputs.
    in_g: Vec<Vec<Vec<Fr>>>,
    /// Per sample: Horner (r2) over the layer's accumulators.
    acc_h: Vec<Vec<Vec<Fr>>>,
    /// Per sample: the combination `H = H_prev r1 + f - g - 2^s beta`.
    comb_h: Vec<Vec<Fr>>,
    /// Tests only ([`super::pool::carry_shift`]): `(linear layer, sample, k, shift)`.
    carry: Option<(usize, usize, usize, Fr)>,
}

impl Phase1 {
    fn compute(shape: &CircuitShape, w: &Witness, r1: Fr, r2: Fr) -> Phase1 {
        let n = shape.samples;
        let scale = Fr::from(1u64 << shape.arch.fixed.scale_bits);
        let mut p = Phase1 { mat_h: Vec::new(), conv: Vec::new(), c: Vec::new(), beta: Vec::new(), in_g: Vec::new(), acc_h: Vec::new(), comb_h: Vec::new(), carry: None };
        for (li, layer) in w.model.layers.iter().enumerate() {
            let arch = layer.arch();
            if !arch.is_linear() {
                continue;
            }
            let outputs = arch.outputs().max(1);
            let (hs, cl, beta) = match layer {
                Layer::Conv(conv) => {
                    let conv = super::conv::effective(conv, w.conv_tamper, li);
                    let v = ConvValues::compute(&ConvPlan::new(&conv.shape()), &conv, r2);
                    let (cl, beta) = (v.c.clone(), v.beta);
                    p.conv.push(Some(v));
                    (Vec::new(), cl, beta)
                }
                _ => {
                    let m = matrix(layer);
                    let mut hs = Vec::with_capacity(m.len());
                    let mut cl = Vec::with_capacity(arch.inputs() + 1);
                    for row in m.chunks(outputs) {
                        let mut h = Fr::ZERO;
                        for v in row {
                            h = h * r2 + fr_from_i64(*v);
                            hs.push(h);
                        }
                        cl.push(h);
                    }
                    let beta = cl.pop().unwrap_or(Fr::ZERO);
                    p.conv.push(None);
                    (hs, cl, beta)
                }
            };
            let (mut in_g, mut acc_h, mut comb) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
            let mut hc = Fr::ZERO;
            for i in 0..n {
                let mut g = Fr::ZERO;
                let mut gs: Vec<Fr> = layer_input(w, li, i)
                    .iter()
                    .zip(&cl)
                    .enumerate()
                    .map(|(k, (x, ck))| {
                        g += fr_from_i64(*x + super::conv::input_delta(w.conv_tamper, li, i, k)) * ck;
                        g
                    })
                    .collect();
                let mut h = Fr::ZERO;
                let ah: Vec<Fr> = w.trace.samples[i].layers[li]
                    .acc
                    .iter()
                    .map(|a| {
                        h = h * r2 + fr_from_i64(*a);
                        h
                    })
                    .collect();
                if let Some((k, shift)) = super::pool::carry_shift(w.conv_tamper, li, i, &mut gs, h, scale * beta) {
                    p.carry = Some((p.c.len(), i, k, shift));
                }
                let g = gs.last().copied().unwrap_or(g);
                hc = hc * r1 + h - g - scale * beta;
                comb.push(hc);
                in_g.push(gs);
                acc_h.push(ah);
            }
            p.mat_h.push(hs);
            p.c.push(cl);
            p.beta.push(beta);
            p.in_g.push(in_g);
            p.acc_h.push(acc_h);
            p.comb_h.push(comb);
        }
        p
    }
}

fn enable(region: &mut Region<'_, Fr>, first: bool, start: Selector, cont: Selector, row: usize) -> Result<(), Error> {
    if first {
        start.enable(region, row)
    } else {
        cont.enable(region, row)
    }
}

impl ValidationCircuit {
    /// Lays out every row; returns the cells of the four public inputs.
    fn assign(&self, cfg: &ValidationConfig, region: &mut Region<'_, Fr>) -> Result<[Cell; 4], Error> {
        let shape = &self.shape;
        let arch = &shape.arch;
        let fixed = arch.fixed;
        let n = shape.samples;
        let f = arch.input_dim;
        let ncls = arch.num_classes;
        let per = fixed.values_per_element();
        let w = self.witness.as_ref();
        let [a0, a1, a2, a3, a4, a5] = cfg.a;
        let [b0, b1, b2, b3] = cfg.b;

        // ---- first phase ------------------------------------------------------------------
        // Value streams and their packing (twin of commit::pack): the data stream packs a0 into
        // a1 (range-checked by the range lookup), the model stream a5 into a3 (range-checked by
        // the relu lookup, with a4 = relu(a5)). Both start on the same row and run side by side.
        let assign_stream = |region: &mut Region<'_, Fr>, start: usize, model: bool, values: Option<Vec<i64>>, len: usize| -> Result<(Vec<Message>, Vec<Cell>), Error> {
            let (v_col, acc_col, range, pack_start, pack_cont) =
                if model { (a5, a3, cfg.q_mval, cfg.q_mpack_start, cfg.q_mpack_cont) } else { (a0, a1, cfg.q_pack, cfg.q_pack_start, cfg.q_pack_cont) };
            let mut msgs = Vec::new();
            let mut cells = Vec::with_capacity(len);
            let mut acc = Fr::ZERO;
            for t in 0..len {
                let row = start + t;
                let v = values.as_ref().map(|vs| vs[t]);
                let vcell = region.assign_advice(v_col, row, known(v.map(fr_from_i64))).cell();
                cells.push(vcell);
                if model {
                    region.assign_advice(a4, row, known(v.map(|v| fr_from_i64(v.max(0)))));
                }
                let first = t % per == 0;
                if let Some(v) = v {
                    let s = Fr::from(slot(v, fixed));
                    acc = if first { s } else { acc * Fr::from(1u64 << fixed.value_bits) + s };
                }
                let acc_v = if values.is_some() { Value::known(acc) } else { Value::unknown() };
                let acc_cell = region.assign_advice(acc_col, row, acc_v).cell();
                range.enable(region, row)?;
                enable(region, first, pack_start, pack_cont, row)?;
                if t % per == per - 1 || t == len - 1 {
                    msgs.push(Message::Cell(acc_cell, acc_v));
                }
            }
            Ok((msgs, cells))
        };

        // The streams (every layer's values in encoding order; the data set's), below the conv
        // layers' Freivalds blocks.
        let stream_start = shape.conv_rows();
        let (model_msgs, model_cells) = assign_stream(region, stream_start, true, w.map(|w| model_values(&w.model)), shape.model_values())?;
        let data_start = stream_start;
        let (data_msgs, data_cells) = assign_stream(region, data_start, false, w.map(|w| dataset_values(&w.data)), shape.dataset_values())?;
        let mut value_offs = Vec::with_capacity(arch.layers.len());
        let mut off = 0;
        for l in &arch.layers {
            value_offs.push(off);
            off += l.values();
        }

        // The Freivalds vectors of each linear layer: a dense layer's by Horner (r2) along its
        // own values in the model stream (over a5); a conv layer's in a block of its own
        // (super::conv, from row 0) whose kernel rows copy the kernel and bias cells.
        let mut row = 0;
        let linear: Vec<usize> = (0..arch.layers.len()).filter(|li| arch.layers[*li].is_linear()).collect();
        let mut mat_start = Vec::with_capacity(linear.len());
        let mut conv_plans = Vec::with_capacity(linear.len());
        for &li in &linear {
            let l = &arch.layers[li];
            let outputs = l.outputs();
            let start = match l {
                LayerArch::Conv(cs) => {
                    let cc = cfg.conv.as_ref().ok_or(Error::Synthesis)?;
                    let plan = ConvPlan::new(cs);
                    let conv = w.and_then(|w| match &w.model.layers[li] {
                        Layer::Conv(c) => Some(c),
                        _ => None,
                    });
                    let tamper = w.and_then(|w| match w.conv_tamper {
                        Some(ConvTamper::Kernel { layer, t, delta }) if layer == li => Some((t, delta)),
                        _ => None,
                    });
                    let values = &model_cells[value_offs[li]..value_offs[li] + l.values()];
                    cc.assign_kernel(region, &plan, row, values, conv, tamper)?;
                    let start = row;
                    row += plan.rows();
                    conv_plans.push(Some(plan));
                    start
                }
                _ => {
                    for e in 0..(l.inputs() + 1) * outputs {
                        enable(region, e % outputs == 0, cfg.q_h3_start, cfg.q_h3_cont, stream_start + value_offs[li] + e)?;
                    }
                    conv_plans.push(None);
                    stream_start + value_offs[li]
                }
            };
            mat_start.push(start);
        }
        row = stream_start + shape.model_values().max(shape.dataset_values());

        // Layer rows. `cur[i]` holds the cells of sample i's current values (features first).
        let mut rec = RecurrentLayout::default();
        let mut rec_rows = w.map(|w| w.recurrent.iter());
        let mut cur: Vec<Vec<Cell>> = (0..n).map(|i| data_cells[i * (f + 1)..i * (f + 1) + f].to_vec()).collect();
        let mut g_rows: Vec<Vec<usize>> = Vec::with_capacity(linear.len()); // (i, k) at i * inputs + k
        let mut out_rows: Vec<Vec<usize>> = Vec::with_capacity(linear.len()); // (i, j) at i * outputs + j
        let mut prev_out_rows: Option<Vec<usize>> = None; // output rows of the layer before, if linear
        let mut pool_route: Option<PoolRoute> = None; // a max-pool laid out on its input's rows (super::pool)
        let mut g_pass: Vec<PoolRoute> = Vec::with_capacity(linear.len()); // per linear layer
        for (li, l) in arch.layers.iter().enumerate() {
            let input_of = |i: usize| w.map(|w| layer_input(w, li, i));
            let vals_of = |i: usize| w.map(|w| &w.trace.samples[i].layers[li]);
            match l {
                LayerArch::Dense(_) | LayerArch::Conv(_) => {
                    let (inputs, outputs) = (l.inputs(), l.outputs());
                    // where g = sum_k x_k c_k runs: data rows, the previous layer's output rows,
                    // a max-pool's anchors on the rows before it (super::pool), or an input
                    // block of copies
                    let g3 = (cfg.q_g3_start, cfg.q_g3_cont);
                    let mut pass = PoolRoute::default();
                    let (gr, (gs, gc)) = if li == 0 {
                        ((0..n).flat_map(|i| (0..inputs).map(move |k| data_start + i * (f + 1) + k)).collect(), (cfg.q_g0_start, cfg.q_g0_cont))
                    } else if let Some(rows) = prev_out_rows.take() {
                        (rows, g3)
                    } else if let Some(route) = pool_route.take() {
                        let pc = cfg.pool.as_ref().ok_or(Error::Synthesis)?;
                        pass = route;
                        (std::mem::take(&mut pass.anchors), pc.g_selectors())
                    } else {
                        let start = row;
                        let off = |i: usize, k: usize| super::conv::input_delta(w.and_then(|w| w.conv_tamper), li, i, k);
                        for (i, cells) in cur.iter().enumerate() {
                            let x = input_of(i);
                            for (k, src) in cells.iter().enumerate() {
                                let cell = region.assign_advice(a3, start + i * inputs + k, known(x.map(|x| fr_from_i64(x[k] + off(i, k))))).cell();
                                region.constrain_equal(*src, cell);
                            }
                        }
                        row += n * inputs;
                        ((start..start + n * inputs).collect(), g3)
                    };
                    g_pass.push(pass);
                    for (t, r) in gr.iter().enumerate() {
                        enable(region, t % inputs == 0, gs, gc, *r)?;
                    }
                    g_rows.push(gr);
                    let start = row;
                    let mut next = Vec::with_capacity(n);
                    for i in 0..n {
                        let vals = vals_of(i);
                        let mut cells = Vec::with_capacity(outputs);
                        for j in 0..outputs {
                            let r = start + i * outputs + j;
                            region.assign_advice(a0, r, known(vals.map(|v| fr_from_i64(v.acc[j]))));
                            region.assign_advice(a1, r, known(vals.map(|v| fr_from_i64(v.z[j]))));
                            region.assign_advice(a2, r, known(vals.map(|v| fr_from_i64(v.rem[j]))));
                            cells.push(region.assign_advice(a3, r, known(vals.map(|v| fr_from_i64(v.out[j])))).cell());
                            cfg.q_rescale.enable(region, r)?;
                            if l.relu() {
                                cfg.q_relu.enable(region, r)?;
                            } else {
                                cfg.q_norelu.enable(region, r)?;
                                region.assign_advice(a4, r, known(vals.map(|v| fr_from_i64(v.z[j].max(0)))));
                            }
                            enable(region, j == 0, cfg.q_h_start, cfg.q_h_cont, r)?;
                        }
                        next.push(cells);
                    }
                    cur = next;
                    let rows: Vec<usize> = (start..start + n * outputs).collect();
                    out_rows.push(rows.clone());
                    prev_out_rows = Some(rows);
                    row += n * outputs;
                }
                LayerArch::MaxPool(p) if tap_offsets(arch, li).is_some() => {
                    // on the output rows of the linear layer before (super::pool): no rows
                    let pc = cfg.pool.as_ref().ok_or(Error::Synthesis)?;
                    let offs = tap_offsets(arch, li).ok_or(Error::Synthesis)?;
                    let in_rows = prev_out_rows.take().ok_or(Error::Synthesis)?;
                    let tamper = w.and_then(|w| w.conv_tamper);
                    pool_route = Some(pc.assign(region, li, p, &offs, &in_rows, n, |i| vals_of(i).map(|v| v.out.as_slice()), tamper)?);
                    cur = vec![Vec::new(); n]; // read by the next layer's g gate, never copied
                }
                LayerArch::MaxPool(p) => {
                    prev_out_rows = None;
                    let windows = p.windows();
                    let mut next = Vec::with_capacity(n);
                    for (i, cells) in cur.iter().enumerate() {
                        let x = input_of(i);
                        let vals = vals_of(i);
                        let mut outs = Vec::with_capacity(windows.len());
                        for (o, taps) in windows.iter().enumerate() {
                            // the claimed maximum, and the first tap holding it
                            let max = vals.map(|v| v.out[o]);
                            let pred = x.zip(max).map(|(x, m)| taps.iter().position(|k| x[*k] == m).unwrap_or(taps.len()));
                            let mut out = None;
                            for (j, k) in taps.iter().enumerate() {
                                let r = row + j;
                                let z = region.assign_advice(a0, r, known(x.map(|x| fr_from_i64(x[*k])))).cell();
                                region.constrain_equal(cells[*k], z);
                                let ge = pred.map(|p| j >= p);
                                let m = max.map(fr_from_i64);
                                region.assign_advice(a1, r, known(pred.map(|p| Fr::from((j == p) as u64))));
                                region.assign_advice(a2, r, known(ge.map(|g| Fr::from(g as u64))));
                                out = Some(region.assign_advice(a3, r, known(m)).cell());
                                region.assign_advice(a4, r, known(ge.zip(m).map(|(g, m)| if g { m } else { Fr::ZERO })));
                                region.assign_advice(a5, r, known(ge.zip(pred).map(|(g, p)| if g { Fr::from(p as u64) } else { Fr::ZERO })));
                                region.assign_fixed(cfg.idx, r, Fr::from(j as u64));
                                cfg.q_arg.enable(region, r)?;
                                enable(region, j == 0, cfg.q_arg_first, cfg.q_arg_cont, r)?;
                                if j + 1 == taps.len() {
                                    cfg.q_arg_last.enable(region, r)?;
                                }
                            }
                            row += taps.len();
                            outs.push(out.ok_or(Error::Synthesis)?);
                        }
                        next.push(outs);
                    }
                    cur = next;
                }
                // in the recurrent column group (super::recurrent_rows)
                LayerArch::Recurrent(r) => {
                    prev_out_rows = None;
                    let rc = cfg.recurrent.as_ref().ok_or(Error::Synthesis)?;
                    let weights = &model_cells[value_offs[li]..value_offs[li] + l.values()];
                    let rows = match rec_rows.as_mut() {
                        Some(it) => Some(it.next().ok_or(Error::Synthesis)?),
                        None => None,
                    };
                    cur = rec.layer(rc, region, r, weights, &cur, rows)?;
                }
                LayerArch::AvgPool(p) => {
                    prev_out_rows = None;
                    let windows = p.windows();
                    let mut next = Vec::with_capacity(n);
                    for (i, cells) in cur.iter().enumerate() {
                        let x = input_of(i);
                        let vals = vals_of(i);
                        let mut outs = Vec::with_capacity(windows.len());
                        for (o, taps) in windows.iter().enumerate() {
                            let d = Fr::from(p.divisor(taps.len()) as u64);
                            let mut sum = x.map(|_| 0i64);
                            for (t, k) in taps.iter().enumerate() {
                                let r = row + t;
                                let cell = region.assign_advice(a0, r, known(x.map(|x| fr_from_i64(x[*k])))).cell();
                                region.constrain_equal(cells[*k], cell);
                                sum = sum.zip(x).map(|(s, x)| s + x[*k]);
                                region.assign_advice(a1, r, known(sum.map(fr_from_i64)));
                                enable(region, t == 0, cfg.q_sum_start, cfg.q_sum_cont, r)?;
                            }
                            let r = row + taps.len();
                            let out = vals.map(|v| fr_from_i64(v.out[o]));
                            let rem = vals.map(|v| fr_from_i64(v.rem[o]));
                            region.assign_advice(a1, r, known(out));
                            region.assign_advice(a2, r, known(rem));
                            outs.push(region.assign_advice(a3, r, known(out)).cell());
                            region.assign_advice(a4, r, known(vals.map(|v| fr_from_i64(v.out[o].max(0)))));
                            region.assign_fixed(cfg.idx, r, d);
                            cfg.q_div.enable(region, r)?;
                            cfg.q_norelu.enable(region, r)?;
                            region.assign_advice(a2, r + 1, known(rem.map(|rem| d + d - Fr::ONE - rem)));
                            region.assign_fixed(cfg.idx, r + 1, d);
                            cfg.q_div_hi.enable(region, r + 1)?;
                            row += taps.len() + 2;
                        }
                        next.push(outs);
                    }
                    cur = next;
                }
            }
        }

        // Freivalds combine rows (values in the second phase).
        let comb_start = row;
        for t in 0..linear.len() {
            for i in 0..n {
                let r = comb_start + t * n + i;
                enable(region, i == 0, cfg.q_comb_start, cfg.q_comb_cont, r)?;
                if i + 1 == n {
                    cfg.q_comb_end.enable(region, r)?;
                }
            }
        }
        row = comb_start + linear.len() * n;

        // Argmax and score rows (top-1), rank and score rows (top-k), or the MSE rows.
        let score_cell = if let Some(mc) = &cfg.mse {
            let outputs: Vec<Cell> = cur.iter().map(|o| o.first().copied().ok_or(Error::Synthesis)).collect::<Result<_, _>>()?;
            let targets: Vec<Cell> = (0..n).map(|i| data_cells[i * (f + 1) + f]).collect();
            let rows = w.map(|w| MseRows::from_trace(&w.trace));
            let cell = mc.assign(region, row, &outputs, &targets, rows.as_ref())?;
            row += MseConfig::rows(n);
            cell
        } else {
            let mut count_prev: Option<Cell> = None;
            let mut count_v = 0u64;
            for (i, logits) in cur.iter().enumerate() {
                let base = row + i * (ncls + 1);
                let s = w.map(|w| &w.trace.samples[i]);
                let last_out = s.and_then(|s| s.layers.last());
                let label = s.map(|s| s.label);
                // top-1: the one-hot sits on the argmax; top-k: on the label
                let pos = match &cfg.rank {
                    None => s.map(|s| s.prediction),
                    Some(_) => label.map(|l| usize::try_from(l).unwrap_or(usize::MAX)),
                };
                let rank_v = last_out.zip(pos).map(|(l, p)| if p < l.out.len() { label_rank(&l.out, p) } else { 0 });
                let pinned = last_out.zip(pos).map(|(l, p)| fr_from_i64(l.out.get(p).copied().unwrap_or(0)));
                let mut running = 0u64;
                for (j, cell) in logits.iter().enumerate() {
                    let r = base + j;
                    let zj = last_out.map(|l| l.out[j]);
                    let z = region.assign_advice(a0, r, known(zj.map(fr_from_i64))).cell();
                    region.constrain_equal(*cell, z);
                    let ge = pos.map(|p| j >= p);
                    region.assign_advice(a1, r, known(pos.map(|p| Fr::from((j == p) as u64))));
                    region.assign_advice(a2, r, known(ge.map(|g| Fr::from(g as u64))));
                    region.assign_advice(a3, r, known(pinned));
                    region.assign_advice(a4, r, known(ge.zip(pinned).map(|(g, m)| if g { m } else { Fr::ZERO })));
                    region.assign_advice(a5, r, known(ge.zip(pos).map(|(g, p)| if g { Fr::from(p as u64) } else { Fr::ZERO })));
                    region.assign_fixed(cfg.idx, r, Fr::from(j as u64));
                    enable(region, j == 0, cfg.q_arg_first, cfg.q_arg_cont, r)?;
                    if j + 1 == ncls {
                        cfg.q_arg_last.enable(region, r)?;
                    }
                    match &cfg.rank {
                        None => cfg.q_arg.enable(region, r)?,
                        Some(rc) => {
                            let zl = last_out.zip(pos).map(|(l, p)| l.out.get(p).copied().unwrap_or(0));
                            let ahead = zj.zip(zl).zip(pos).map(|((z, zl), p)| z > zl || (j < p && z == zl));
                            if ahead == Some(true) {
                                running += 1;
                            }
                            region.assign_advice(rc.g, r, known(ahead.map(|g| Fr::from(g as u64))));
                            // t = g ? d : -d - 1 with d = z_j - z_l - [j >= l]
                            let d = zj.zip(zl).zip(pos).map(|((z, zl), p)| z - zl - (j >= p) as i64);
                            let tv = d.zip(ahead).map(|(d, g)| if g { d } else { -d - 1 });
                            region.assign_advice(rc.t, r, known(tv.map(fr_from_i64)));
                            region.assign_advice(rc.rank, r, known(ahead.map(|_| Fr::from(running))));
                            rc.q_rank.enable(region, r)?;
                        }
                    }
                }
                // score row: pred / the label's position is a5 of the row above, the previous
                // count a0 of the previous score row (both read by rotation)
                let r = base + ncls;
                let correct = match &cfg.rank {
                    None => s.map(|s| s.correct()),
                    Some(rc) => rank_v.map(|rk| rk < rc.k),
                };
                if correct == Some(true) {
                    count_v += 1;
                }
                let cc = region.assign_advice(a0, r, known(w.map(|_| Fr::from(count_v)))).cell();
                let lc = region.assign_advice(a1, r, known(label.map(fr_from_i64))).cell();
                region.constrain_equal(data_cells[i * (f + 1) + f], lc);
                match &cfg.rank {
                    None => {
                        let d = s.zip(label).map(|(s, l)| Fr::from(s.prediction as u64) - fr_from_i64(l));
                        region.assign_advice(a2, r, known(d.map(|d| d.invert().unwrap_or(Fr::ZERO))));
                        cfg.q_score.enable(region, r)?;
                    }
                    Some(rc) => {
                        let tv = rank_v.map(|rk| if rk < rc.k { rc.k as i64 - 1 - rk as i64 } else { rk as i64 - rc.k as i64 });
                        region.assign_advice(rc.t, r, known(tv.map(fr_from_i64)));
                        rc.q_score_topk.enable(region, r)?
                    }
                }
                region.assign_advice(a3, r, known(correct.map(|c| Fr::from(c as u64))));
                enable(region, i == 0, cfg.q_score_first, cfg.q_score_cont, r)?;
                count_prev = Some(cc);
            }
            row += n * (ncls + 1);
            count_prev.ok_or(Error::Synthesis)?
        };
        let n_cell = region.assign_advice(a0, row, Value::known(Fr::from(n as u64))).cell();
        region.constrain_constant(n_cell, Fr::from(n as u64))?;

        // Poseidon group: model chain, then data chain.
        let header_msgs = |h: Vec<Fr>| h.into_iter().map(Message::Constant).collect::<Vec<_>>();
        let mut msgs = header_msgs(model_header(arch));
        msgs.extend(model_msgs);
        let (model_commit, _) = cfg.poseidon.assign_chain(region, 0, &msgs)?;
        let pos_row = crate::poseidon::chip::PoseidonConfig::chain_rows(msgs.len());
        let mut msgs = header_msgs(dataset_header(fixed, n, f, ncls));
        msgs.extend(data_msgs);
        let (data_commit, _) = cfg.poseidon.assign_chain(region, pos_row, &msgs)?;

        // ---- second phase -----------------------------------------------------------------
        region.next_phase();
        let r1 = region.get_challenge(cfg.r1);
        let r2 = region.get_challenge(cfg.r2);
        let p1: Value<Phase1> = match w {
            Some(w) => r1.zip(r2).map(|(r1, r2)| Phase1::compute(shape, w, r1, r2)),
            None => Value::unknown(),
        };
        let p1 = p1.as_ref();
        if let Some(rc) = &cfg.recurrent {
            rec.second_phase(rc, region, r1, r2)?;
        }

        for (t, &li) in linear.iter().enumerate() {
            let l = &arch.layers[li];
            let (inputs, outputs) = (l.inputs(), l.outputs());
            // c_k and beta: a conv layer's block, or a dense layer's matrix rows (Horner r2,
            // each row ending in c_k, the bias row in beta)
            let (c_cells, beta_cell) = match &conv_plans[t] {
                Some(plan) => {
                    let cc = cfg.conv.as_ref().ok_or(Error::Synthesis)?;
                    let vals = p1.and_then(|p| p.conv[t].as_ref().map_or_else(Value::unknown, Value::known));
                    let tamper = w.and_then(|w| w.conv_tamper).filter(|tp| matches!(tp, ConvTamper::Power { layer, .. } | ConvTamper::Coefficient { layer, .. } if *layer == li));
                    cc.assign_values(region, plan, mat_start[t], vals, tamper)?
                }
                None => {
                    let mut c_cells = Vec::with_capacity(inputs + 1);
                    for e in 0..(inputs + 1) * outputs {
                        let cell = region.assign_advice(b2, mat_start[t] + e, p1.map(|p| p.mat_h[t][e])).cell();
                        if e % outputs == outputs - 1 {
                            c_cells.push(cell);
                        }
                    }
                    let beta_cell = c_cells.pop().ok_or(Error::Synthesis)?;
                    (c_cells, beta_cell)
                }
            };
            // g_i = sum_k x_ik c_k along the input rows; f_i = Horner (r2) of the accumulators
            let (mut g_cells, mut f_cells) = (Vec::with_capacity(n), Vec::with_capacity(n));
            for i in 0..n {
                for k in 0..inputs {
                    let r = g_rows[t][i * inputs + k];
                    let cc = region.assign_advice(b0, r, p1.map(|p| p.c[t][k])).cell();
                    region.constrain_equal(c_cells[k], cc);
                    let g = region.assign_advice(b1, r, p1.map(|p| p.in_g[t][i][k])).cell();
                    if k + 1 == inputs {
                        g_cells.push(g);
                    }
                }
                for j in 0..outputs {
                    let h = region.assign_advice(b2, out_rows[t][i * outputs + j], p1.map(|p| p.acc_h[t][i][j])).cell();
                    if j + 1 == outputs {
                        f_cells.push(h);
                    }
                }
            }
            if let Some(pc) = &cfg.pool {
                let carry = |p: &Phase1, i: usize, k: usize| match p.carry {
                    Some((ct, ci, ck, shift)) if (ct, ci, ck) == (t, i, k) => shift,
                    _ => Fr::ZERO,
                };
                pc.assign_pass(region, &g_pass[t], |i, k| p1.map(|p| p.in_g[t][i][k] + carry(p, i, k)))?;
            }
            // combine rows: H = H_prev r1 + f_i - g_i - 2^s beta, ending at 0
            for i in 0..n {
                let r = comb_start + t * n + i;
                let fc = region.assign_advice(b0, r, p1.map(|p| p.acc_h[t][i][outputs - 1])).cell();
                region.constrain_equal(f_cells[i], fc);
                let gc = region.assign_advice(b1, r, p1.map(|p| p.in_g[t][i][inputs - 1])).cell();
                region.constrain_equal(g_cells[i], gc);
                let bc = region.assign_advice(b3, r, p1.map(|p| p.beta[t])).cell();
                region.constrain_equal(beta_cell, bc);
                region.assign_advice(b2, r, p1.map(|p| p.comb_h[t][i]));
            }
        }

        Ok([model_commit, data_commit, n_cell, score_cell])
    }
}

impl Circuit<Fr> for ValidationCircuit {
    type Config = ValidationConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = CircuitShape;

    fn without_witnesses(&self) -> Self {
        ValidationCircuit::keygen(self.shape.clone())
    }

    fn params(&self) -> CircuitShape {
        self.shape.clone()
    }

    fn configure_with_params(meta: &mut ConstraintSystem<Fr>, params: CircuitShape) -> ValidationConfig {
        let has_conv = params.arch.layers.iter().any(|l| matches!(l, LayerArch::Conv(_)));
        // layers that copy model values out of the model stream (a5): conv layers' kernel rows,
        // recurrent layers' weights
        let copies_model = has_conv || has_recurrent(&params.arch);
        let mut cfg = ValidationConfig::configure(
            meta,
            params.arch.fixed,
            params.arch.num_classes,
            params.score,
            params.samples,
            has_conv,
            copies_model,
        );
        // the recurrent group only where there is a recurrent layer: other circuits unchanged
        if has_recurrent(&params.arch) {
            cfg.recurrent = Some(RecurrentRowsConfig::configure(meta, params.arch.fixed, cfg.r1, cfg.r2));
        }
        cfg.pool = PoolRowsConfig::configure(meta, &params.arch, cfg.a[3], cfg.a[5], cfg.b[0], cfg.b[1], cfg.t_relu_in, params.arch.fixed);
        cfg
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> ValidationConfig {
        Self::configure_with_params(meta, CircuitShape::default())
    }

    fn synthesize(&self, cfg: ValidationConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        let b = cfg.fixed.value_bits;
        let half = 1i64 << (b - 1);
        layouter.assign_table(
            || "range and relu tables",
            |mut table| {
                for i in 0..(1usize << b) {
                    let v = i as i64 - half;
                    table.assign_cell(|| "relu in", cfg.t_relu_in, i, || Value::known(fr_from_i64(v)))?;
                    table.assign_cell(|| "relu out", cfg.t_relu_out, i, || Value::known(fr_from_i64(v.max(0))))?;
                }
                Ok(())
            },
        )?;
        if let Some(rc) = &cfg.recurrent {
            rc.assign_table(&mut layouter)?;
        }
        let cells = layouter.assign_region(|| "validation", |mut region| self.assign(&cfg, &mut region))?;
        for (i, cell) in cells.iter().enumerate() {
            layouter.constrain_instance(*cell, cfg.instance, i);
        }
        Ok(())
    }
}
