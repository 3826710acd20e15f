//! The witness of the recurrent layers inside the validation circuit, natively: what
//! [`super::recurrent_rows`] lays out, computed with the equations of
//! [`crate::layers::recurrent`] (bit for bit the reference's rescales; `tests/recurrent_val.rs`
//! checks it against the trace).
//!
//! Each step of a layer is split into a **linear part** checked for all samples and steps at once
//! by Freivalds' test, and a **pointwise part** checked row by row:
//!
//! * the step's input vector `u = (x_t, h_(t-1), 2^s, 2^s)` (`I + H + 2` values) times the
//!   layer's matrix `M` (`[I + H + 2][4 H]`, entries copies of committed weights or 0) gives the
//!   `4 H` accumulators `acc = u M`. LSTM: the gate pre-activations in ONNX order `i, o, f, c`.
//!   GRU: `z`, `r`, then `W_h x + wb_h 2^s` (the input part of the `n` gate, no rescale of its
//!   own), then `R_h h + rb_h 2^s` (the reference's "recurrent h-gate term");
//! * the gate rows rescale their accumulator and look up its activation (GRU's third block is
//!   not rescaled, its fourth only bound-checked);
//! * `2 H` product rows: `acc = k0 p1 p2 + k1 p3 p4 + k2 p5` from copies of earlier values,
//!   rescaled, then activated or bound-checked. LSTM: `c' = f c + i g` (tanh looked up), then
//!   `h' = o tanh(c')`; GRU: `n = r hn + (W_h x + wb_h 2^s)` (tanh), then
//!   `h' = z h - z n + 2^s n`. The last `H` product rows are the new hidden state in both cells.

use super::recurrent::Act;
use crate::activation::{sigmoid, tanh};
use crate::dataset::QuantizedDataset;
use crate::error::{CircuitError, Result};
use crate::eval::Trace;
use crate::fixed::{rescale, FixedParams};
use crate::layers::{Cell, Layer, RecurrentLayer, RecurrentShape};
use crate::model::QuantizedModel;

/// Where a product row's operand comes from (within the same sample and layer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Src {
    /// The activation output of gate row `o` of this step.
    GateY(usize),
    /// The rescaled value of gate row `o` of this step.
    GateZ(usize),
    /// The accumulator of gate row `o` of this step.
    GateAcc(usize),
    /// The activation output of product row `p` of this step.
    ProdY(usize),
    /// The rescaled value of product row `p` of the previous step (0 before the first step).
    PrevProdZ(usize),
    /// Unused (its coefficient is 0).
    None,
}

/// One row's values: accumulator, rescaled value, remainder, activation output (0 without an
/// activation) and, on product rows, the five operands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RowValues {
    pub acc: i64,
    pub z: i64,
    pub rem: i64,
    pub y: i64,
    pub ops: [i64; 5],
}

/// One step of one sample: the input vector, the `4 H` gate rows and the `2 H` product rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepRows {
    pub u: Vec<i64>,
    pub gates: Vec<RowValues>,
    pub products: Vec<RowValues>,
}

/// A recurrent layer's witness: its matrix `[I + H + 2][4 H]` (row-major) and per sample, per
/// step, its rows. Public so tests can tamper with any of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerRows {
    pub matrix: Vec<i64>,
    pub samples: Vec<Vec<StepRows>>,
}

/// The width of the input vector `u`: `I + H + 2`.
pub fn u_len(shape: &RecurrentShape) -> usize {
    shape.input_size + shape.hidden + 2
}

/// The index among the layer's committed values (`w`, `r`, `wb`, `rb`) of matrix entry
/// `(k, o)`, or `None` for a structural zero.
pub fn matrix_entry(shape: &RecurrentShape, k: usize, o: usize) -> Option<usize> {
    let (i, hn) = (shape.input_size, shape.hidden);
    let [lw, lr, lb, _] = shape.param_lens();
    let (block, j) = (o / hn, o % hn);
    // the weight row (gate-major, ONNX order) output o reads, and which parts it has
    let (row, with_x, with_h) = match (shape.cell, block) {
        (Cell::Lstm, _) | (Cell::Gru, 0 | 1) => (o, true, true),
        (Cell::Gru, 2) => (2 * hn + j, true, false),
        (Cell::Gru, _) => (2 * hn + j, false, true),
    };
    if k < i {
        with_x.then_some(row * i + k)
    } else if k < i + hn {
        with_h.then_some(lw + row * hn + (k - i))
    } else if k == i + hn {
        with_x.then_some(lw + lr + row)
    } else {
        with_h.then_some(lw + lr + lb + row)
    }
}

/// The matrix `[I + H + 2][4 H]` of `layer` (row-major).
pub fn matrix(layer: &RecurrentLayer) -> Vec<i64> {
    let values = layer.values();
    let shape = &layer.shape;
    let outs = 4 * shape.hidden;
    (0..u_len(shape) * outs).map(|e| matrix_entry(shape, e / outs, e % outs).map_or(0, |t| values[t])).collect()
}

/// The activation of gate row `o` (`None`: not rescaled, GRU's `W_h x + wb_h 2^s`).
pub fn gate_act(cell: Cell, o: usize, hn: usize) -> Option<Act> {
    match (cell, o / hn) {
        (Cell::Lstm, 3) => Some(Act::Tanh),
        (Cell::Lstm, _) | (Cell::Gru, 0 | 1) => Some(Act::Sigmoid),
        (Cell::Gru, 2) => None,
        (Cell::Gru, _) => Some(Act::Bound),
    }
}

/// Coefficients, operand sources and activation of product row `p` (`2 H` per step).
pub fn product(cell: Cell, p: usize, hn: usize, scale_bits: u32) -> ([i64; 3], [Src; 5], Act) {
    use Src::*;
    let j = p % hn;
    match (cell, p < hn) {
        // c' = f c + i g
        (Cell::Lstm, true) => ([1, 1, 0], [GateY(2 * hn + j), PrevProdZ(j), GateY(j), GateY(3 * hn + j), None], Act::Tanh),
        // h' = o tanh(c')
        (Cell::Lstm, false) => ([1, 0, 0], [GateY(hn + j), ProdY(j), None, None, None], Act::Bound),
        // n = r hn + (W_h x + wb_h 2^s)
        (Cell::Gru, true) => ([1, 0, 1], [GateY(hn + j), GateZ(3 * hn + j), None, None, GateAcc(2 * hn + j)], Act::Tanh),
        // h' = z h - z n + 2^s n = (2^s - z) n + z h
        (Cell::Gru, false) => ([1, -1, 1 << scale_bits], [GateY(j), PrevProdZ(hn + j), GateY(j), ProdY(j), ProdY(j)], Act::Bound),
    }
}

fn activate(act: Act, z: i64, s: u32) -> i64 {
    match act {
        Act::Sigmoid => sigmoid(z, s),
        Act::Tanh => tanh(z, s),
        Act::Bound => 0,
    }
}

fn small(v: i128, what: &str) -> Result<i64> {
    i64::try_from(v).map_err(|_| CircuitError::Shape(format!("{what} does not fit 64 bits")))
}

/// A row's rescale and activation of `acc`.
fn row(acc: i128, act: Option<Act>, ops: [i64; 5], s: u32) -> Result<RowValues> {
    let acc = small(acc, "a recurrent accumulator")?;
    Ok(match act {
        None => RowValues { acc, ops, ..RowValues::default() },
        Some(a) => {
            let (z, rem) = rescale(acc as i128, s);
            let z = small(z, "a recurrent value")?;
            RowValues { acc, z, rem: rem as i64, y: activate(a, z, s), ops }
        }
    })
}

/// One step: `x` the step's input, `prev` the previous step's product rows (`None` at `t = 0`).
pub fn step(layer: &RecurrentLayer, m: &[i64], fixed: FixedParams, x: &[i64], prev: Option<&[RowValues]>) -> Result<StepRows> {
    let RecurrentShape { cell, hidden: hn, .. } = layer.shape;
    let s = fixed.scale_bits;
    let outs = 4 * hn;
    let prev_z = |p: usize| prev.map_or(0, |rows| rows[p].z);
    let mut u = x.to_vec();
    u.extend((0..hn).map(|k| prev_z(hn + k)));
    u.extend([1 << s, 1 << s]);
    let mut gates = Vec::with_capacity(outs);
    for o in 0..outs {
        let acc: i128 = u.iter().enumerate().map(|(k, v)| *v as i128 * m[k * outs + o] as i128).sum();
        gates.push(row(acc, gate_act(cell, o, hn), [0; 5], s)?);
    }
    let products = products(cell, hn, s, &gates, prev)?;
    Ok(StepRows { u, gates, products })
}

/// The `2 H` product rows of a step from its gate rows and the previous step's product rows.
pub fn products(cell: Cell, hn: usize, s: u32, gates: &[RowValues], prev: Option<&[RowValues]>) -> Result<Vec<RowValues>> {
    let mut products: Vec<RowValues> = Vec::with_capacity(2 * hn);
    for p in 0..2 * hn {
        let (k, srcs, act) = product(cell, p, hn, s);
        let ops = srcs.map(|src| match src {
            Src::GateY(o) => gates[o].y,
            Src::GateZ(o) => gates[o].z,
            Src::GateAcc(o) => gates[o].acc,
            Src::ProdY(q) => products[q].y,
            Src::PrevProdZ(q) => prev.map_or(0, |rows| rows[q].z),
            Src::None => 0,
        });
        let acc = k[0] as i128 * ops[0] as i128 * ops[1] as i128 + k[1] as i128 * ops[2] as i128 * ops[3] as i128 + k[2] as i128 * ops[4] as i128;
        products.push(row(acc, Some(act), ops, s)?);
    }
    Ok(products)
}

/// The rows of `layer` on one sample's input `x` (`T I` values).
pub fn sample_rows(layer: &RecurrentLayer, m: &[i64], fixed: FixedParams, x: &[i64]) -> Result<Vec<StepRows>> {
    let RecurrentShape { steps, input_size, .. } = layer.shape;
    let mut out: Vec<StepRows> = Vec::with_capacity(steps);
    for t in 0..steps {
        let xt = x.get(t * input_size..(t + 1) * input_size).ok_or_else(|| CircuitError::Shape("a recurrent layer's input is too short".into()))?;
        let s = step(layer, m, fixed, xt, out.last().map(|r| r.products.as_slice()))?;
        out.push(s);
    }
    Ok(out)
}

impl StepRows {
    /// The step's rescales `(acc, z, rem)` in the reference's trace order (the rescaled gate
    /// rows, then the product rows).
    pub fn rescales(&self, cell: Cell) -> Vec<(i64, i64, i64)> {
        let hn = self.products.len() / 2;
        let gates = self.gates.iter().enumerate().filter(|(o, _)| gate_act(cell, *o, hn).is_some()).map(|(_, r)| r);
        gates.chain(&self.products).map(|r| (r.acc, r.z, r.rem)).collect()
    }

    /// The new hidden state (the last `H` product rows' rescaled values).
    pub fn hidden(&self) -> Vec<i64> {
        let hn = self.products.len() / 2;
        self.products.iter().skip(hn).map(|r| r.z).collect()
    }
}

impl LayerRows {
    /// The activation outputs of `sample` in the order the reference (and the R1CS gadget)
    /// applies them: per step the activated gate rows, then the tanh product rows.
    pub fn activation_outputs(&self, shape: &RecurrentShape, sample: usize) -> Vec<i64> {
        let (cell, hn) = (shape.cell, shape.hidden);
        let Some(steps) = self.samples.get(sample) else { return Vec::new() };
        let mut ys = Vec::new();
        for st in steps {
            ys.extend(st.gates.iter().enumerate().filter(|(o, _)| matches!(gate_act(cell, *o, hn), Some(Act::Sigmoid | Act::Tanh))).map(|(_, r)| r.y));
            ys.extend(st.products.iter().take(hn).map(|r| r.y));
        }
        ys
    }
}

/// The rows of every recurrent layer of `model` (in layer order) on `data`, the layer inputs
/// read from `trace` (the features, or the previous layer's outputs).
pub fn recurrent_rows(model: &QuantizedModel, data: &QuantizedDataset, trace: &Trace) -> Result<Vec<LayerRows>> {
    let mut layers = Vec::new();
    for (li, layer) in model.layers.iter().enumerate() {
        let Layer::Recurrent(r) = layer else { continue };
        let m = matrix(r);
        let samples = (0..data.len())
            .map(|i| {
                let x = if li == 0 {
                    data.sample(i)
                } else {
                    trace.samples.get(i).and_then(|t| t.layers.get(li - 1)).map(|v| v.out.as_slice()).unwrap_or(&[])
                };
                sample_rows(r, &m, model.fixed, x)
            })
            .collect::<Result<Vec<_>>>()?;
        layers.push(LayerRows { matrix: m, samples });
    }
    Ok(layers)
}
