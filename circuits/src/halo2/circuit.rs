//! The validation circuit and its row layout. One description serves key generation (no
//! witness) and proving (a [`Witness`]); the layout depends only on the [`CircuitShape`].
//!
//! Main group, top to bottom: model values (per layer: W row-major, then biases), data values
//! (per sample: features, then the label), one block per dense layer of per-(sample, neuron)
//! output rows, one Freivalds combine block per layer (a row per sample), argmax and score rows
//! (`C + 1` per sample), and a row holding `N`. The Poseidon group beside it hashes the model,
//! then the data set. Column roles are tabled in [`super::config`].

use super::config::ValidationConfig;
use super::shape::CircuitShape;
use crate::commit::{dataset_header, dataset_values, model_header, model_values, slot};
use crate::dataset::QuantizedDataset;
use crate::error::Result;
use crate::eval::{evaluate, Trace};
use crate::field::{fr_from_i64, Fr};
use crate::model::QuantizedModel;
use crate::poseidon::chip::Message;
use halo2_proofs::circuit::{Cell, Layouter, Region, SimpleFloorPlanner, Value};
use halo2_proofs::halo2curves::ff::Field;
use halo2_proofs::plonk::{Circuit, ConstraintSystem, Error};

/// The private inputs: the quantized model, the data set and the validation function's trace.
/// Public fields so tests can tamper with any of them.
#[derive(Clone, Debug)]
pub struct Witness {
    pub model: QuantizedModel,
    pub data: QuantizedDataset,
    pub trace: Trace,
}

impl Witness {
    /// Runs the validation function to build the witness.
    pub fn new(model: QuantizedModel, data: QuantizedDataset) -> Result<Self> {
        let trace = evaluate(&model, &data)?;
        Ok(Witness { model, data, trace })
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

    /// The circuit for proving `model` on `data`.
    pub fn new(model: QuantizedModel, data: QuantizedDataset) -> Result<Self> {
        let shape = CircuitShape::new(model.architecture(), data.len());
        let witness = Witness::new(model, data)?;
        Ok(ValidationCircuit { shape, witness: Some(witness) })
    }
}

/// Second-phase values, computed natively once the challenges are known.
struct Phase1 {
    model_h: Vec<Fr>,
    c: Vec<Vec<Fr>>,
    beta: Vec<Fr>,
    data_g: Vec<Fr>,
    layer_h: Vec<Vec<Fr>>,
    layer_g: Vec<Vec<Fr>>,
    comb_h: Vec<Vec<Fr>>,
    f_out: Vec<Vec<Fr>>,
    g_in: Vec<Vec<Fr>>,
}

impl Phase1 {
    fn compute(shape: &CircuitShape, w: &Witness, r1: Fr, r2: Fr) -> Phase1 {
        let n = shape.samples;
        let f = shape.arch.input_dim;
        let layers = &w.model.layers;
        let mut model_h = Vec::with_capacity(shape.model_values());
        let mut c = Vec::new();
        let mut beta = Vec::new();
        for l in layers {
            let mut cl = Vec::with_capacity(l.inputs);
            for row in l.weights.chunks(l.outputs).chain(std::iter::once(l.bias.as_slice())) {
                let mut h = Fr::ZERO;
                for v in row {
                    h = h * r2 + fr_from_i64(*v);
                    model_h.push(h);
                }
                cl.push(h);
            }
            beta.push(cl.pop().unwrap_or(Fr::ZERO));
            c.push(cl);
        }
        let mut data_g = Vec::with_capacity(n * (f + 1));
        let mut g_in: Vec<Vec<Fr>> = vec![Vec::with_capacity(n)];
        for i in 0..n {
            let mut g = Fr::ZERO;
            for (k, x) in w.data.sample(i).iter().enumerate() {
                g += fr_from_i64(*x) * c[0][k];
                data_g.push(g);
            }
            g_in[0].push(g);
            data_g.push(Fr::ZERO); // label row
        }
        let mut layer_h = Vec::new();
        let mut layer_g = Vec::new();
        let mut f_out: Vec<Vec<Fr>> = Vec::new();
        for (li, l) in layers.iter().enumerate() {
            let mut hs = Vec::with_capacity(n * l.outputs);
            let mut gs = Vec::with_capacity(n * l.outputs);
            let mut fl = Vec::with_capacity(n);
            let mut gl = Vec::with_capacity(n);
            for s in &w.trace.samples {
                let vals = &s.layers[li];
                let (mut h, mut g) = (Fr::ZERO, Fr::ZERO);
                for j in 0..l.outputs {
                    h = h * r2 + fr_from_i64(vals.acc[j]);
                    hs.push(h);
                    if li + 1 < layers.len() {
                        g += fr_from_i64(vals.out[j]) * c[li + 1][j];
                    }
                    gs.push(g);
                }
                fl.push(h);
                gl.push(g);
            }
            layer_h.push(hs);
            layer_g.push(gs);
            f_out.push(fl);
            if li + 1 < layers.len() {
                g_in.push(gl);
            }
        }
        let scale = Fr::from(1u64 << shape.arch.fixed.scale_bits);
        let comb_h = (0..layers.len())
            .map(|li| {
                let mut h = Fr::ZERO;
                (0..n)
                    .map(|i| {
                        h = h * r1 + f_out[li][i] - g_in[li][i] - scale * beta[li];
                        h
                    })
                    .collect()
            })
            .collect();
        Phase1 { model_h, c, beta, data_g, layer_h, layer_g, comb_h, f_out, g_in }
    }
}

fn known(v: Option<Fr>) -> Value<Fr> {
    v.map(Value::known).unwrap_or_else(Value::unknown)
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
        let nl = arch.layers.len();
        let per = fixed.values_per_element();
        let w = self.witness.as_ref();
        let [a0, a1, a2, a3, a4, a5] = cfg.a;
        let [b0, b1, b2, b3] = cfg.b;

        // ---- first phase ------------------------------------------------------------------
        // Value streams and their packing (twin of commit::pack).
        let assign_stream = |region: &mut Region<'_, Fr>, start: usize, values: Option<Vec<i64>>, len: usize| -> Result<(Vec<Message>, Vec<Cell>), Error> {
            let mut msgs = Vec::new();
            let mut cells = Vec::with_capacity(len);
            let mut acc = Fr::ZERO;
            for t in 0..len {
                let row = start + t;
                let v = values.as_ref().map(|vs| vs[t]);
                let vcell = region.assign_advice(a0, row, known(v.map(fr_from_i64))).cell();
                cells.push(vcell);
                let first = t % per == 0;
                if let Some(v) = v {
                    let s = Fr::from(slot(v, fixed));
                    acc = if first { s } else { acc * Fr::from(1u64 << fixed.value_bits) + s };
                }
                let acc_v = if values.is_some() { Value::known(acc) } else { Value::unknown() };
                let acc_cell = region.assign_advice(a1, row, acc_v).cell();
                cfg.q_pack.enable(region, row)?;
                if first {
                    cfg.q_pack_start.enable(region, row)?;
                } else {
                    cfg.q_pack_cont.enable(region, row)?;
                }
                if t % per == per - 1 || t == len - 1 {
                    msgs.push(Message::Cell(acc_cell, acc_v));
                }
            }
            Ok((msgs, cells))
        };

        // Model rows.
        let model_start = 0;
        let (model_msgs, _) = assign_stream(region, model_start, w.map(|w| model_values(&w.model)), shape.model_values())?;
        let mut row = model_start;
        let mut c_rows: Vec<Vec<usize>> = Vec::with_capacity(nl); // row of c_i per layer
        let mut beta_rows = Vec::with_capacity(nl);
        for l in &arch.layers {
            let mut rows = Vec::with_capacity(l.inputs);
            for _ in 0..=l.inputs {
                for j in 0..l.outputs {
                    if j == 0 {
                        cfg.q_h_start.enable(region, row + j)?;
                    } else {
                        cfg.q_h_cont.enable(region, row + j)?;
                    }
                }
                rows.push(row + l.outputs - 1);
                row += l.outputs;
            }
            beta_rows.push(rows.pop().unwrap_or_default());
            c_rows.push(rows);
        }

        // Data rows.
        let data_start = row;
        let (data_msgs, data_cells) = assign_stream(region, data_start, w.map(|w| dataset_values(&w.data)), shape.dataset_values())?;
        for i in 0..n {
            let base = data_start + i * (f + 1);
            for k in 0..f {
                if k == 0 {
                    cfg.q_g0_start.enable(region, base)?;
                } else {
                    cfg.q_g0_cont.enable(region, base + k)?;
                }
            }
        }
        row = data_start + shape.dataset_values();

        // Layer output rows.
        let mut layer_starts = Vec::with_capacity(nl);
        let mut logits: Vec<Vec<(Cell, Value<Fr>)>> = Vec::with_capacity(n);
        for (li, l) in arch.layers.iter().enumerate() {
            layer_starts.push(row);
            let last = li + 1 == nl;
            for i in 0..n {
                let vals = w.map(|w| &w.trace.samples[i].layers[li]);
                let mut sample_logits = Vec::new();
                for j in 0..l.outputs {
                    let r = row + i * l.outputs + j;
                    region.assign_advice(a0, r, known(vals.map(|v| fr_from_i64(v.acc[j]))));
                    region.assign_advice(a1, r, known(vals.map(|v| fr_from_i64(v.z[j]))));
                    region.assign_advice(a2, r, known(vals.map(|v| fr_from_i64(v.rem[j]))));
                    let out_v = known(vals.map(|v| fr_from_i64(v.out[j])));
                    let out = region.assign_advice(a3, r, out_v).cell();
                    if last {
                        sample_logits.push((out, out_v));
                    }
                    cfg.q_rescale.enable(region, r)?;
                    if l.relu {
                        cfg.q_relu.enable(region, r)?;
                    } else {
                        cfg.q_norelu.enable(region, r)?;
                        region.assign_advice(a4, r, known(vals.map(|v| fr_from_i64(v.z[j].max(0)))));
                    }
                    if j == 0 {
                        cfg.q_h_start.enable(region, r)?;
                    } else {
                        cfg.q_h_cont.enable(region, r)?;
                    }
                    if !last {
                        if j == 0 {
                            cfg.q_g3_start.enable(region, r)?;
                        } else {
                            cfg.q_g3_cont.enable(region, r)?;
                        }
                    }
                }
                if last {
                    logits.push(sample_logits);
                }
            }
            row += n * l.outputs;
        }

        // Freivalds combine rows (values in the second phase).
        let comb_start = row;
        for li in 0..nl {
            for i in 0..n {
                let r = comb_start + li * n + i;
                if i == 0 {
                    cfg.q_comb_start.enable(region, r)?;
                } else {
                    cfg.q_comb_cont.enable(region, r)?;
                }
                if i + 1 == n {
                    cfg.q_comb_end.enable(region, r)?;
                }
            }
        }
        row = comb_start + nl * n;

        // Argmax and score rows.
        let mut count_prev: Option<Cell> = None;
        let mut count_v = 0u64;
        for (i, sample_logits) in logits.iter().enumerate() {
            let base = row + i * (ncls + 1);
            let s = w.map(|w| &w.trace.samples[i]);
            let pred = s.map(|s| s.prediction);
            for (j, (cell, v)) in sample_logits.iter().enumerate() {
                let r = base + j;
                let z = region.assign_advice(a0, r, *v).cell();
                region.constrain_equal(*cell, z);
                let ge = pred.map(|p| j >= p);
                let max = s.map(|s| fr_from_i64(s.layers[nl - 1].out[s.prediction]));
                region.assign_advice(a1, r, known(pred.map(|p| Fr::from((j == p) as u64))));
                region.assign_advice(a2, r, known(ge.map(|g| Fr::from(g as u64))));
                region.assign_advice(a3, r, known(max));
                region.assign_advice(a4, r, known(ge.zip(max).map(|(g, m)| if g { m } else { Fr::ZERO })));
                region.assign_advice(a5, r, known(ge.zip(pred).map(|(g, p)| if g { Fr::from(p as u64) } else { Fr::ZERO })));
                region.assign_fixed(cfg.idx, r, Fr::from(j as u64));
                cfg.q_arg.enable(region, r)?;
                if j == 0 {
                    cfg.q_arg_first.enable(region, r)?;
                } else {
                    cfg.q_arg_cont.enable(region, r)?;
                }
                if j + 1 == ncls {
                    cfg.q_arg_last.enable(region, r)?;
                }
            }
            // score row: pred is a5 of the row above, the previous count a0 of the previous
            // score row (both read by rotation in the score gate)
            let r = base + ncls;
            let label = s.map(|s| s.label);
            let d = pred.zip(label).map(|(p, l)| Fr::from(p as u64) - fr_from_i64(l));
            let correct = d.map(|d| d == Fr::ZERO);
            if correct == Some(true) {
                count_v += 1;
            }
            let cc = region.assign_advice(a0, r, known(w.map(|_| Fr::from(count_v)))).cell();
            let lc = region.assign_advice(a1, r, known(label.map(fr_from_i64))).cell();
            region.constrain_equal(data_cells[i * (f + 1) + f], lc);
            region.assign_advice(a2, r, known(d.map(|d| d.invert().unwrap_or(Fr::ZERO))));
            region.assign_advice(a3, r, known(correct.map(|c| Fr::from(c as u64))));
            if i == 0 {
                cfg.q_score_first.enable(region, r)?;
            } else {
                cfg.q_score_cont.enable(region, r)?;
            }
            count_prev = Some(cc);
            cfg.q_score.enable(region, r)?;
        }
        row += n * (ncls + 1);
        let n_cell = region.assign_advice(a0, row, Value::known(Fr::from(n as u64))).cell();
        region.constrain_constant(n_cell, Fr::from(n as u64))?;
        let score_cell = count_prev.ok_or(Error::Synthesis)?;

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

        // model rows: Horner (r2) of each W row and of the biases; c_i and beta end them
        let model_b2: Vec<Cell> = (0..shape.model_values())
            .map(|t| region.assign_advice(b2, model_start + t, p1.map(|p| p.model_h[t])).cell())
            .collect();
        let c_cells: Vec<Vec<Cell>> = c_rows.iter().map(|rows| rows.iter().map(|r| model_b2[r - model_start]).collect()).collect();
        let beta_cells: Vec<Cell> = beta_rows.iter().map(|r| model_b2[r - model_start]).collect();

        // data rows: g_i = sum_k x_ik c_k
        let mut g_cells: Vec<Vec<Cell>> = vec![Vec::with_capacity(n); nl];
        for i in 0..n {
            for k in 0..f {
                let t = i * (f + 1) + k;
                let cc = region.assign_advice(b0, data_start + t, p1.map(|p| p.c[0][k])).cell();
                region.constrain_equal(c_cells[0][k], cc);
                let g = region.assign_advice(b1, data_start + t, p1.map(|p| p.data_g[t])).cell();
                if k + 1 == f {
                    g_cells[0].push(g);
                }
            }
        }

        // layer rows: f_i = Horner (r2) of the accumulators; g of the next layer over the outputs
        let mut f_cells: Vec<Vec<Cell>> = Vec::with_capacity(nl);
        for (li, l) in arch.layers.iter().enumerate() {
            let m = l.outputs;
            let mut fc = Vec::with_capacity(n);
            for i in 0..n {
                for j in 0..m {
                    let idx = i * m + j;
                    let r = layer_starts[li] + idx;
                    let h = region.assign_advice(b2, r, p1.map(|p| p.layer_h[li][idx])).cell();
                    if j + 1 == m {
                        fc.push(h);
                    }
                    if li + 1 < nl {
                        let cc = region.assign_advice(b0, r, p1.map(|p| p.c[li + 1][j])).cell();
                        region.constrain_equal(c_cells[li + 1][j], cc);
                        let g = region.assign_advice(b1, r, p1.map(|p| p.layer_g[li][idx])).cell();
                        if j + 1 == m {
                            g_cells[li + 1].push(g);
                        }
                    }
                }
            }
            f_cells.push(fc);
        }

        // combine rows: H = H_prev r1 + f_i - g_i - 2^s beta, ending at 0
        for li in 0..nl {
            for i in 0..n {
                let r = comb_start + li * n + i;
                let fc = region.assign_advice(b0, r, p1.map(|p| p.f_out[li][i])).cell();
                region.constrain_equal(f_cells[li][i], fc);
                let gc = region.assign_advice(b1, r, p1.map(|p| p.g_in[li][i])).cell();
                region.constrain_equal(g_cells[li][i], gc);
                let bc = region.assign_advice(b3, r, p1.map(|p| p.beta[li])).cell();
                region.constrain_equal(beta_cells[li], bc);
                region.assign_advice(b2, r, p1.map(|p| p.comb_h[li][i]));
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
        ValidationConfig::configure(meta, params.arch.fixed, params.arch.num_classes)
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
        let cells = layouter.assign_region(|| "validation", |mut region| self.assign(&cfg, &mut region))?;
        for (i, cell) in cells.iter().enumerate() {
            layouter.constrain_instance(*cell, cfg.instance, i);
        }
        Ok(())
    }
}
