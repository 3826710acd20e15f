//! The imported graph: a chain of typed layers, each with its per-sample input and output shape
//! (the batch dimension is kept apart, fixed or dynamic). Weights are already normalized:
//! dense weights are `[inputs][outputs]` row-major with `alpha`, `beta` and `transB` folded in,
//! convolution weights are `[out_ch][in_ch][kh][kw]`.

use serde::Serialize;

/// The batch (first) dimension of the graph input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Batch {
    /// A symbolic or unknown dimension (e.g. `"batch"`, `"N"`, `"?"`).
    Dynamic(String),
    /// A fixed size (the reference evaluator and the circuits still take one sample at a time).
    Fixed(usize),
}

impl std::fmt::Display for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Batch::Dynamic(name) => write!(f, "{name}"),
            Batch::Fixed(n) => write!(f, "{n}"),
        }
    }
}

/// A 2-D window geometry: kernel `[kh, kw]`, strides `[sh, sw]`, pads `[top, left, bottom, right]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Window {
    pub kernel: [usize; 2],
    pub strides: [usize; 2],
    pub pads: [usize; 4],
}

impl Window {
    /// Output size along axis `a` (0: height, 1: width) for an input of size `n`, or `None`
    /// when the padded input is smaller than the kernel.
    pub fn out_size(&self, a: usize, n: usize) -> Option<usize> {
        let padded = n + self.pads[a] + self.pads[a + 2];
        if padded < self.kernel[a] || self.strides[a] == 0 {
            return None;
        }
        Some((padded - self.kernel[a]) / self.strides[a] + 1)
    }
}

/// One typed layer.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Op {
    /// `y = x W + b` on a flat input (from Gemm or MatMul); `weights[i * outputs + j]`.
    Dense { inputs: usize, outputs: usize, #[serde(skip)] weights: Vec<f32>, #[serde(skip)] bias: Vec<f32> },
    /// `y = x + c`, `c` a constant broadcast to the per-sample shape.
    AddConst { #[serde(skip)] values: Vec<f32> },
    /// `max(x, 0)`.
    Relu,
    /// 2-D convolution (group 1, dilation 1) over `[C, H, W]`.
    Conv { in_channels: usize, out_channels: usize, window: Window, #[serde(skip)] weights: Vec<f32>, #[serde(skip)] bias: Vec<f32> },
    /// 2-D max pooling; padded positions are ignored.
    MaxPool { window: Window },
    /// 2-D average pooling; with `count_include_pad` padded zeros count in the divisor.
    AveragePool { window: Window, count_include_pad: bool },
    /// A change of shape that keeps the row-major order (Flatten, Reshape).
    Reshape,
    /// LSTM or GRU (forward, zero initial state) over `[T, I]`, ONNX weight layout (`w` is
    /// `[G H][I]`, `r` is `[G H][H]`, gates in ONNX order); outputs the last hidden state, or every
    /// hidden state with `sequence_output` (`zkpot_circuits::layers::recurrent`).
    Recurrent {
        cell: zkpot_circuits::layers::Cell,
        steps: usize,
        input_size: usize,
        hidden: usize,
        sequence_output: bool,
        #[serde(skip)]
        w: Vec<f32>,
        #[serde(skip)]
        r: Vec<f32>,
        #[serde(skip)]
        wb: Vec<f32>,
        #[serde(skip)]
        rb: Vec<f32>,
    },
}

/// A layer: the ONNX node it came from and its per-sample shapes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Layer {
    /// The node's name (or position when unnamed).
    pub node: String,
    /// The ONNX operator type (`Gemm`, `MatMul`, `Add`, `Conv`, `GlobalAveragePool`, ...).
    pub onnx_op: String,
    pub op: Op,
    pub input_shape: Vec<usize>,
    pub output_shape: Vec<usize>,
}

/// An imported ONNX graph.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Graph {
    /// `producer_name producer_version` from the file, e.g. `skl2onnx 1.20.0`.
    pub producer: String,
    /// The default-domain opset version.
    pub opset: i64,
    pub graph_name: String,
    pub input_name: String,
    pub batch: Batch,
    /// Per-sample input shape (without the batch dimension).
    pub input_shape: Vec<usize>,
    /// The tensor whose argmax is the prediction (before any dropped post-processing).
    pub output_name: String,
    pub layers: Vec<Layer>,
    /// What was dropped or skipped and why.
    pub notes: Vec<String>,
}

impl Graph {
    /// Per-sample output shape.
    pub fn output_shape(&self) -> &[usize] {
        self.layers.last().map_or(&self.input_shape, |l| &l.output_shape)
    }

    /// Number of input features per sample.
    pub fn input_len(&self) -> usize {
        self.input_shape.iter().product()
    }

    /// Number of class scores per sample.
    pub fn output_len(&self) -> usize {
        self.output_shape().iter().product()
    }
}
