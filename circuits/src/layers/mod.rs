//! The layer kinds of a quantized model, one file each with its native op: dense (in
//! [`crate::model`], unchanged since the MLP format), [`conv`] (2-D convolution), [`pool`] (max
//! and average pooling), over the [`window`] geometry. Flatten and Reshape are not layers:
//! every value vector is the row-major flattening of its `[C, H, W]` tensor, so they change
//! nothing. [`recurrent`] holds LSTM and GRU (reference only: neither backend proves them
//! yet, and both refuse them by name). The others' halo2 gadgets are in [`crate::halo2::config`] (tabled there), their R1CS
//! gadgets in [`crate::groth16`] (`freivalds`/`conv` for convolutions, `pool`).

pub mod conv;
pub mod pool;
pub mod recurrent;
pub mod window;

pub use conv::{ConvLayer, ConvShape};
pub use pool::PoolLayer;
pub use recurrent::{Cell, RecurrentLayer, RecurrentShape};
pub use window::Window2d;

use crate::model::{DenseLayer, LayerShape};
use serde::{Deserialize, Serialize};

/// One layer of a quantized model. A dense layer is written without a `type` field (so MLP
/// files read and write exactly as before); the others carry `"type": "conv" | "maxpool" |
/// "avgpool"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Layer {
    Conv(ConvLayer),
    MaxPool(PoolLayer),
    AvgPool(PoolLayer),
    /// LSTM or GRU ([`recurrent`]).
    Recurrent(RecurrentLayer),
    #[serde(untagged)]
    Dense(DenseLayer),
}

/// The shape of one layer: what the circuit depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum LayerArch {
    Conv(ConvShape),
    MaxPool(PoolLayer),
    AvgPool(PoolLayer),
    Recurrent(RecurrentShape),
    #[serde(untagged)]
    Dense(LayerShape),
}

impl Layer {
    /// The layer's shape.
    pub fn arch(&self) -> LayerArch {
        match self {
            Layer::Dense(d) => LayerArch::Dense(d.shape()),
            Layer::Conv(c) => LayerArch::Conv(c.shape()),
            Layer::MaxPool(p) => LayerArch::MaxPool(*p),
            Layer::AvgPool(p) => LayerArch::AvgPool(*p),
            Layer::Recurrent(r) => LayerArch::Recurrent(r.shape),
        }
    }

    /// The dense layer, if this is one.
    pub fn as_dense(&self) -> Option<&DenseLayer> {
        match self {
            Layer::Dense(d) => Some(d),
            _ => None,
        }
    }

    /// The dense layer, mutably, if this is one.
    pub fn as_dense_mut(&mut self) -> Option<&mut DenseLayer> {
        match self {
            Layer::Dense(d) => Some(d),
            _ => None,
        }
    }

    /// The committed values of this layer in encoding order: weights then biases (none for
    /// pooling).
    pub fn values(&self) -> Vec<i64> {
        match self {
            Layer::Dense(d) => d.weights.iter().chain(&d.bias).copied().collect(),
            Layer::Conv(c) => c.weights.iter().chain(&c.bias).copied().collect(),
            Layer::MaxPool(_) | Layer::AvgPool(_) => Vec::new(),
            Layer::Recurrent(r) => r.values(),
        }
    }
}

impl LayerArch {
    /// Number of inputs.
    pub fn inputs(&self) -> usize {
        match self {
            LayerArch::Dense(d) => d.inputs,
            LayerArch::Conv(c) => c.window.input_len(),
            LayerArch::MaxPool(p) | LayerArch::AvgPool(p) => p.window.input_len(),
            LayerArch::Recurrent(r) => r.inputs(),
        }
    }

    /// Number of outputs.
    pub fn outputs(&self) -> usize {
        match self {
            LayerArch::Dense(d) => d.outputs,
            LayerArch::Conv(c) => c.outputs(),
            LayerArch::MaxPool(p) | LayerArch::AvgPool(p) => p.outputs(),
            LayerArch::Recurrent(r) => r.outputs(),
        }
    }

    /// The sizes a window geometry multiplies out (input `C H W`, kernel area times channels
    /// times positions), or `None` if one overflows or exceeds [`MAX_LAYER_CELLS`](crate::model::MAX_LAYER_CELLS).
    pub fn window_cells(&self) -> Option<usize> {
        let w = match self {
            LayerArch::Dense(_) => return Some(0),
            LayerArch::Recurrent(r) => return r.check("").is_ok().then_some(0),
            LayerArch::Conv(c) => &c.window,
            LayerArch::MaxPool(p) | LayerArch::AvgPool(p) => &p.window,
        };
        let cap = crate::model::MAX_LAYER_CELLS;
        let input = w.input[0].checked_mul(w.input[1])?.checked_mul(w.input[2])?;
        let taps = w.kernel[0].checked_mul(w.kernel[1])?.checked_mul(w.input[0])?;
        let [oh, ow] = w.out_hw().ok()?;
        let positions = oh.checked_mul(ow)?;
        let total = taps.checked_mul(positions)?;
        let channels = match self {
            LayerArch::Conv(c) => c.out_channels,
            _ => 1,
        };
        let total = total.checked_mul(channels)?;
        (input <= cap && total <= cap).then_some(total)
    }

    /// Whether the layer is linear (dense or conv: checked by Freivalds, then rescaled).
    pub fn is_linear(&self) -> bool {
        matches!(self, LayerArch::Dense(_) | LayerArch::Conv(_))
    }

    /// Whether a ReLU follows (linear layers only).
    pub fn relu(&self) -> bool {
        match self {
            LayerArch::Dense(d) => d.relu,
            LayerArch::Conv(c) => c.relu,
            _ => false,
        }
    }

    /// Number of committed values (weights and biases).
    pub fn values(&self) -> usize {
        match self {
            LayerArch::Dense(d) => d.inputs * d.outputs + d.outputs,
            LayerArch::Conv(c) => c.kernel_len() + c.out_channels,
            LayerArch::MaxPool(_) | LayerArch::AvgPool(_) => 0,
            LayerArch::Recurrent(r) => r.values(),
        }
    }

    /// The layer's fields in the model commitment header (`docs/commitments.md`): a dense layer
    /// is `(inputs, outputs, relu)` as since version 1; the others start with `(inputs,
    /// outputs, tag)` where the tag is at least 2 (so never a dense layer's ReLU flag), then
    /// their geometry.
    pub fn header(&self) -> Vec<u64> {
        let geometry = |w: &Window2d| -> Vec<u64> {
            w.input.iter().chain(&w.kernel).chain(&w.strides).chain(&w.pads).map(|v| *v as u64).collect()
        };
        let (i, o) = (self.inputs() as u64, self.outputs() as u64);
        match self {
            LayerArch::Dense(d) => vec![i, o, d.relu as u64],
            LayerArch::Conv(c) => {
                let mut h = vec![i, o, 2 + c.relu as u64, c.out_channels as u64];
                h.extend(geometry(&c.window));
                h
            }
            LayerArch::MaxPool(p) => {
                let mut h = vec![i, o, 4];
                h.extend(geometry(&p.window));
                h
            }
            LayerArch::AvgPool(p) => {
                let mut h = vec![i, o, 5 + p.count_include_pad as u64];
                h.extend(geometry(&p.window));
                h
            }
            LayerArch::Recurrent(r) => {
                let mut h = vec![i, o, r.cell.header_tag()];
                h.extend(r.header_tail());
                h
            }
        }
    }
}
