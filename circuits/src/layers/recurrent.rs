//! Recurrent layers (LSTM and GRU, one direction, zero initial state), natively in fixed point
//! and in floats. Spec: `docs/validation-function.md`, section 3c.
//!
//! The layer reads its input as `steps` time steps of `input_size` values (row-major `[T][I]`,
//! time major, as a batch-first `[batch, T, I]` tensor flattens per sample) and outputs the last
//! hidden state `h_T` (`hidden` values) or, with `sequence_output`, every hidden state
//! (`[T][H]`, to feed a stacked recurrent layer). Weights follow ONNX: `w` is `[G H][I]`, `r` is
//! `[G H][H]`, `wb` and `rb` are `G H` biases, gates in ONNX order (LSTM `i, o, f, c`; GRU
//! `z, r, h`), every value at scale `2^s`.
//!
//! Per step, with `x` the step's input, `h`, `c` the previous states (zero at the start),
//! `rescale` the rule of [`crate::fixed::rescale`] (bound-checked) and `sig`, `tanh` the tables
//! of [`crate::activation`]:
//!
//! LSTM: for each gate `g` and unit `j`, `a_g = rescale(sum x W_g + sum h R_g + (wb_g + rb_g) 2^s)`;
//! `i, o, f = sig(a_i), sig(a_o), sig(a_f)`, `g = tanh(a_c)`; `c' = rescale(f c + i g)`;
//! `h' = rescale(o tanh(c'))`.
//!
//! GRU (PyTorch's `linear_before_reset = 1`): `z = sig(rescale(x W_z + h R_z + (wb_z + rb_z) 2^s))`,
//! `r` likewise; `hn = rescale(h R_h + rb_h 2^s)`; `n = tanh(rescale(x W_h + wb_h 2^s + r hn))`;
//! `h' = rescale((2^s - z) n + z h)`.
//!
//! Each step records its rescales in a fixed order (LSTM: the `4H` gates, then `c'`, then `h'`;
//! GRU: `z`, `r`, `hn`, the `n` pre-activation, then `h'`), which is the layer's trace.

use crate::activation::{sigmoid, tanh, Activation};
use crate::error::{CircuitError, Result};
use crate::eval::LayerValues;
use crate::fixed::{rescale, FixedParams};
use serde::{Deserialize, Serialize};

/// The recurrent cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cell {
    Lstm,
    Gru,
}

impl Cell {
    /// Gates per unit (`G`): 4 for LSTM, 3 for GRU.
    pub fn gates(self) -> usize {
        match self {
            Cell::Lstm => 4,
            Cell::Gru => 3,
        }
    }

    /// Rescales recorded per step and unit: 6 for LSTM (4 gates, `c`, `h`), 5 for GRU.
    pub fn rescales_per_unit(self) -> usize {
        match self {
            Cell::Lstm => 6,
            Cell::Gru => 5,
        }
    }

    /// The ONNX operator name.
    pub fn name(self) -> &'static str {
        match self {
            Cell::Lstm => "LSTM",
            Cell::Gru => "GRU",
        }
    }

    /// The tag in the model commitment header (dense 0/1, conv 2/3, max-pool 4, avg-pool 5/6).
    pub fn header_tag(self) -> u64 {
        match self {
            Cell::Lstm => 7,
            Cell::Gru => 8,
        }
    }
}

/// The shape of a recurrent layer: what the circuit depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RecurrentShape {
    pub cell: Cell,
    pub steps: usize,
    pub input_size: usize,
    pub hidden: usize,
    /// Output every hidden state (`[T][H]`) instead of the last one.
    #[serde(default)]
    pub sequence_output: bool,
}

impl RecurrentShape {
    /// `steps * input_size`.
    pub fn inputs(&self) -> usize {
        self.steps * self.input_size
    }

    /// `hidden`, or `steps * hidden` with `sequence_output`.
    pub fn outputs(&self) -> usize {
        if self.sequence_output {
            self.steps * self.hidden
        } else {
            self.hidden
        }
    }

    /// The lengths of `w`, `r`, `wb`, `rb`.
    pub fn param_lens(&self) -> [usize; 4] {
        let gh = self.cell.gates() * self.hidden;
        [gh * self.input_size, gh * self.hidden, gh, gh]
    }

    /// Number of committed values (`w`, `r`, `wb`, `rb`).
    pub fn values(&self) -> usize {
        self.param_lens().iter().sum()
    }

    /// Checks the sizes are non-zero and small enough to count without overflow.
    pub fn check(&self, what: &str) -> Result<()> {
        let cap = crate::model::MAX_LAYER_CELLS;
        let ok = self.steps > 0
            && self.input_size > 0
            && self.hidden > 0
            && self.steps.checked_mul(self.input_size).is_some_and(|v| v <= cap)
            && self.steps.checked_mul(self.hidden).and_then(|v| v.checked_mul(8)).is_some_and(|v| v <= cap)
            && self.hidden.checked_mul(self.input_size + self.hidden + 2).and_then(|v| v.checked_mul(4)).is_some_and(|v| v <= cap);
        if !ok {
            return Err(CircuitError::Shape(format!(
                "{what} ({}): steps {}, input size {} and hidden size {} must be positive and not too large",
                self.cell.name(),
                self.steps,
                self.input_size,
                self.hidden
            )));
        }
        Ok(())
    }

    /// Checks the lengths of `w`, `r`, `wb`, `rb` against [`Self::param_lens`].
    pub fn check_lens(&self, what: &str, found: [usize; 4]) -> Result<()> {
        for ((name, len), got) in ["w", "r", "wb", "rb"].iter().zip(self.param_lens()).zip(found) {
            if got != len {
                return Err(CircuitError::Shape(format!("{what} ({}): {got} values in {name}, expected {len}", self.cell.name())));
            }
        }
        Ok(())
    }

    /// The header fields after `(inputs, outputs, tag)`: steps, input size, hidden size,
    /// sequence output.
    pub fn header_tail(&self) -> [u64; 4] {
        [self.steps as u64, self.input_size as u64, self.hidden as u64, self.sequence_output as u64]
    }
}

/// A quantized recurrent layer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecurrentLayer {
    #[serde(flatten)]
    pub shape: RecurrentShape,
    /// Input weights `[G H][I]`.
    pub w: Vec<i64>,
    /// Recurrence weights `[G H][H]`.
    pub r: Vec<i64>,
    /// Input biases (`G H`).
    pub wb: Vec<i64>,
    /// Recurrence biases (`G H`).
    pub rb: Vec<i64>,
}

impl RecurrentLayer {
    /// Checks sizes and that every parameter is in the bound.
    pub fn validate(&self, li: usize, fixed: &FixedParams) -> Result<()> {
        let what = format!("layer {li}");
        self.shape.check(&what)?;
        crate::activation::check_scale(fixed.scale_bits, &what)?;
        self.shape.check_lens(&what, [self.w.len(), self.r.len(), self.wb.len(), self.rb.len()])?;
        for (name, v) in ["w", "r", "wb", "rb"].iter().zip([&self.w, &self.r, &self.wb, &self.rb]) {
            for (k, x) in v.iter().enumerate() {
                fixed.check(*x as i128, || format!("{what} {name} [{k}]"))?;
            }
        }
        Ok(())
    }

    /// The committed values in encoding order: `w`, `r`, `wb`, `rb`.
    pub fn values(&self) -> Vec<i64> {
        self.w.iter().chain(&self.r).chain(&self.wb).chain(&self.rb).copied().collect()
    }

    /// `sum_k x_k m[row][k]` for a row-major matrix `m` with `x.len()` columns.
    fn dot(m: &[i64], row: usize, x: &[i64]) -> i128 {
        let n = x.len();
        m[row * n..(row + 1) * n].iter().zip(x).map(|(a, b)| *a as i128 * *b as i128).sum()
    }

    /// Runs the layer on `x` (`steps * input_size` values), recording every rescale's
    /// accumulator, result and remainder (in the order of the module doc) and the outputs;
    /// errors if a rescaled value leaves the bound (naming the layer, sample, step and unit).
    pub fn eval(&self, x: &[i64], fixed: &FixedParams, li: usize, sample: usize) -> Result<LayerValues> {
        let RecurrentShape { cell, steps, input_size, hidden: hn, sequence_output } = self.shape;
        let s = fixed.scale_bits;
        let one = 1i128 << s;
        let mut v = LayerValues { acc: Vec::new(), z: Vec::new(), rem: Vec::new(), out: Vec::new() };
        let mut h = vec![0i64; hn];
        let mut c = vec![0i64; hn];
        let mut push = |acc: i128, t: usize, what: &str, j: usize| -> Result<i64> {
            let (z, r) = rescale(acc, s);
            let z = fixed.check(z, || format!("layer {li} ({}) {what} [{j}] at step {t} on sample {sample} (after rescale)", cell.name()))?;
            v.acc.push(i64::try_from(acc).map_err(|_| CircuitError::Shape(format!("layer {li} accumulator does not fit 64 bits")))?);
            v.z.push(z);
            v.rem.push(r as i64);
            Ok(z)
        };
        let mut seq = Vec::new();
        for t in 0..steps {
            let xt = &x[t * input_size..(t + 1) * input_size];
            let gate = |g: usize, j: usize, with_r: bool| -> i128 {
                let row = g * hn + j;
                let rec = if with_r { Self::dot(&self.r, row, &h) + ((self.rb[row] as i128) << s) } else { 0 };
                Self::dot(&self.w, row, xt) + ((self.wb[row] as i128) << s) + rec
            };
            match cell {
                Cell::Lstm => {
                    let mut a = vec![0i64; 4 * hn];
                    for g in 0..4 {
                        for j in 0..hn {
                            a[g * hn + j] = push(gate(g, j, true), t, ["gate i", "gate o", "gate f", "gate c"][g], j)?;
                        }
                    }
                    let mut c_new = vec![0i64; hn];
                    for j in 0..hn {
                        let (i, f, g) = (sigmoid(a[j], s), sigmoid(a[2 * hn + j], s), tanh(a[3 * hn + j], s));
                        c_new[j] = push(f as i128 * c[j] as i128 + i as i128 * g as i128, t, "cell state", j)?;
                    }
                    for j in 0..hn {
                        let o = sigmoid(a[hn + j], s);
                        h[j] = push(o as i128 * tanh(c_new[j], s) as i128, t, "hidden state", j)?;
                    }
                    c = c_new;
                }
                Cell::Gru => {
                    let mut zr = vec![0i64; 2 * hn];
                    for g in 0..2 {
                        for j in 0..hn {
                            zr[g * hn + j] = sigmoid(push(gate(g, j, true), t, ["gate z", "gate r"][g], j)?, s);
                        }
                    }
                    let mut hcand = vec![0i64; hn];
                    for j in 0..hn {
                        let row = 2 * hn + j;
                        hcand[j] = push(Self::dot(&self.r, row, &h) + ((self.rb[row] as i128) << s), t, "recurrent h-gate term", j)?;
                    }
                    let mut n = vec![0i64; hn];
                    for j in 0..hn {
                        n[j] = tanh(push(gate(2, j, false) + zr[hn + j] as i128 * hcand[j] as i128, t, "gate h", j)?, s);
                    }
                    for j in 0..hn {
                        let z = zr[j] as i128;
                        h[j] = push((one - z) * n[j] as i128 + z * h[j] as i128, t, "hidden state", j)?;
                    }
                }
            }
            if sequence_output {
                seq.extend_from_slice(&h);
            }
        }
        v.out = if sequence_output { seq } else { h };
        Ok(v)
    }
}

/// A float recurrent layer (the trained model before quantization).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FloatRecurrent {
    #[serde(flatten)]
    pub shape: RecurrentShape,
    pub w: Vec<f64>,
    pub r: Vec<f64>,
    pub wb: Vec<f64>,
    pub rb: Vec<f64>,
}

impl FloatRecurrent {
    /// Checks the shape and the parameter lengths.
    pub fn check(&self, what: &str) -> Result<()> {
        self.shape.check(what)?;
        self.shape.check_lens(what, [self.w.len(), self.r.len(), self.wb.len(), self.rb.len()])
    }

    /// Quantizes every parameter (`round(x 2^s)`, bound-checked).
    pub fn quantize(&self, fixed: &FixedParams, li: usize) -> Result<RecurrentLayer> {
        let q = |name: &str, v: &[f64]| -> Result<Vec<i64>> {
            v.iter().enumerate().map(|(k, x)| fixed.quantize(*x, || format!("layer {li} {name} [{k}]"))).collect()
        };
        Ok(RecurrentLayer { shape: self.shape, w: q("w", &self.w)?, r: q("r", &self.r)?, wb: q("wb", &self.wb)?, rb: q("rb", &self.rb)? })
    }

    /// The float forward pass (the same equations over the reals).
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        let RecurrentShape { cell, steps, input_size, hidden: hn, sequence_output } = self.shape;
        let dot = |m: &[f64], row: usize, v: &[f64]| -> f64 { m[row * v.len()..(row + 1) * v.len()].iter().zip(v).map(|(a, b)| a * b).sum() };
        let (sig, th) = (|v: f64| Activation::Sigmoid.real(v), |v: f64| Activation::Tanh.real(v));
        let mut h = vec![0.0; hn];
        let mut c = vec![0.0; hn];
        let mut seq = Vec::new();
        for t in 0..steps {
            let xt = &x[t * input_size..(t + 1) * input_size];
            let pre = |g: usize, j: usize| {
                let row = g * hn + j;
                dot(&self.w, row, xt) + self.wb[row] + dot(&self.r, row, &h) + self.rb[row]
            };
            let mut h_new = vec![0.0; hn];
            for j in 0..hn {
                match cell {
                    Cell::Lstm => {
                        let (i, o, f, g) = (sig(pre(0, j)), sig(pre(1, j)), sig(pre(2, j)), th(pre(3, j)));
                        c[j] = f * c[j] + i * g;
                        h_new[j] = o * th(c[j]);
                    }
                    Cell::Gru => {
                        let (z, r) = (sig(pre(0, j)), sig(pre(1, j)));
                        let row = 2 * hn + j;
                        let n = th(dot(&self.w, row, xt) + self.wb[row] + r * (dot(&self.r, row, &h) + self.rb[row]));
                        h_new[j] = (1.0 - z) * n + z * h[j];
                    }
                }
            }
            h = h_new;
            if sequence_output {
                seq.extend_from_slice(&h);
            }
        }
        if sequence_output {
            seq
        } else {
            h
        }
    }
}
