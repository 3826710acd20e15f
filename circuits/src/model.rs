//! Model formats: the float model a provider trains (`model.json`), and the quantized model the
//! validation function runs and the commitment hashes. A model is a chain of layers: dense and
//! convolutional layers (each optionally followed by a ReLU), max and average pooling (in
//! [`crate::layers`]); the last layer's outputs are the class scores. Values between layers are
//! flat row-major vectors, so Flatten and Reshape are implicit.

use crate::error::{CircuitError, Result};
use crate::fixed::FixedParams;
use crate::layers::conv::conv_float;
use crate::layers::recurrent::FloatRecurrent;
use crate::layers::{ConvShape, Layer, LayerArch, PoolLayer, Window2d};
use serde::{Deserialize, Serialize};

/// Format tag of float model files.
pub const FLOAT_MODEL_FORMAT: &str = "zkpot-float-model";
/// Format tag of quantized model files.
pub const QUANTIZED_MODEL_FORMAT: &str = "zkpot-quantized-model";

/// One layer of a float model file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum FloatLayer {
    /// `y = x W + b`, `weights[i][j]` from input `i` to output `j`.
    Dense { weights: Vec<Vec<f64>>, bias: Vec<f64> },
    /// `max(x, 0)`, element-wise.
    Relu,
    /// 2-D convolution, `weights` `[out_ch][in_ch][kh][kw]` row-major, one bias per output channel.
    Conv { window: Window2d, out_channels: usize, weights: Vec<f64>, bias: Vec<f64> },
    /// 2-D max pooling over the in-bounds taps of each window.
    MaxPool { window: Window2d },
    /// 2-D average pooling (`count_include_pad` as in ONNX).
    AvgPool {
        window: Window2d,
        #[serde(default)]
        count_include_pad: bool,
    },
    /// LSTM or GRU over `steps` steps of `input_size` values (`crate::layers::recurrent`).
    Recurrent(FloatRecurrent),
}

/// A trained float model as exported by `scripts/train_digits.py`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FloatModel {
    pub format: String,
    pub version: u32,
    #[serde(default)]
    pub name: String,
    pub input_dim: usize,
    pub num_classes: usize,
    pub layers: Vec<FloatLayer>,
}

impl FloatModel {
    /// Parses and validates a float model file.
    pub fn from_json(text: &str) -> Result<Self> {
        let m: FloatModel = serde_json::from_str(text)
            .map_err(|source| CircuitError::Parse { what: "float model".into(), source })?;
        check_format("float model", FLOAT_MODEL_FORMAT, 1, &m.format, m.version)?;
        m.architecture()?;
        Ok(m)
    }

    /// The architecture (layer kinds, sizes and ReLU placement), after checking every shape.
    pub fn architecture(&self) -> Result<Vec<LayerArch>> {
        let mut shapes: Vec<LayerArch> = Vec::new();
        let mut width = self.input_dim;
        if width == 0 {
            return Err(CircuitError::Shape("input_dim is 0".into()));
        }
        for (li, layer) in self.layers.iter().enumerate() {
            let shape = match layer {
                FloatLayer::Dense { weights, bias } => {
                    if weights.len() != width {
                        return Err(CircuitError::Shape(format!(
                            "layers[{li}] (dense): {} weight rows, expected {width} (the layer's input width)",
                            weights.len()
                        )));
                    }
                    let outputs = bias.len();
                    if outputs == 0 {
                        return Err(CircuitError::Shape(format!("layers[{li}] (dense): no outputs")));
                    }
                    for (i, row) in weights.iter().enumerate() {
                        if row.len() != outputs {
                            return Err(CircuitError::Shape(format!(
                                "layers[{li}] (dense): weight row {i} has {} entries, expected {outputs} (the bias length)",
                                row.len()
                            )));
                        }
                    }
                    LayerArch::Dense(LayerShape { inputs: width, outputs, relu: false })
                }
                FloatLayer::Conv { window, out_channels, weights, bias } => {
                    window.check(&format!("layers[{li}] (conv)"))?;
                    let shape = ConvShape { window: *window, out_channels: *out_channels, relu: false };
                    if *out_channels == 0 || weights.len() != shape.kernel_len() || bias.len() != *out_channels {
                        return Err(CircuitError::Shape(format!(
                            "layers[{li}] (conv): {} weights and {} biases, expected {} and {out_channels}",
                            weights.len(),
                            bias.len(),
                            shape.kernel_len()
                        )));
                    }
                    LayerArch::Conv(shape)
                }
                FloatLayer::MaxPool { window } => {
                    let p = PoolLayer { window: *window, count_include_pad: false };
                    p.validate(&format!("layers[{li}] (maxpool)"), true)?;
                    LayerArch::MaxPool(p)
                }
                FloatLayer::AvgPool { window, count_include_pad } => {
                    let p = PoolLayer { window: *window, count_include_pad: *count_include_pad };
                    p.validate(&format!("layers[{li}] (avgpool)"), false)?;
                    LayerArch::AvgPool(p)
                }
                FloatLayer::Recurrent(r) => {
                    r.check(&format!("layers[{li}]"))?;
                    LayerArch::Recurrent(r.shape)
                }
                FloatLayer::Relu => {
                    match shapes.last_mut() {
                        Some(LayerArch::Dense(d)) if !d.relu => d.relu = true,
                        Some(LayerArch::Conv(c)) if !c.relu => c.relu = true,
                        _ => {
                            return Err(CircuitError::Shape(format!(
                                "layers[{li}] (relu) must directly follow a dense or conv layer"
                            )))
                        }
                    }
                    continue;
                }
            };
            if shape.inputs() != width {
                return Err(CircuitError::Shape(format!(
                    "layers[{li}] takes {} inputs, but the previous width is {width}",
                    shape.inputs()
                )));
            }
            width = shape.outputs();
            shapes.push(shape);
        }
        if !shapes.iter().any(LayerArch::is_linear) {
            return Err(CircuitError::Shape("the model has no dense or conv layer".into()));
        }
        if width != self.num_classes {
            return Err(CircuitError::Shape(format!(
                "the last layer has {width} outputs but num_classes is {}",
                self.num_classes
            )));
        }
        if self.num_classes < 1 {
            return Err(CircuitError::Shape("num_classes must be at least 1 (1: a single-output regression model)".into()));
        }
        Ok(shapes)
    }

    /// Float forward pass of one sample (used to report float accuracy beside quantized accuracy).
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        let mut cur = x.to_vec();
        for layer in &self.layers {
            match layer {
                FloatLayer::Dense { weights, bias } => {
                    let mut out = bias.clone();
                    for (i, row) in weights.iter().enumerate() {
                        for (j, w) in row.iter().enumerate() {
                            out[j] += cur[i] * w;
                        }
                    }
                    cur = out;
                }
                FloatLayer::Relu => cur.iter_mut().for_each(|v| *v = v.max(0.0)),
                FloatLayer::Conv { window, out_channels, weights, bias } => cur = conv_float(window, *out_channels, weights, bias, &cur),
                FloatLayer::MaxPool { window } => cur = PoolLayer { window: *window, count_include_pad: false }.pool_float(&cur, true),
                FloatLayer::AvgPool { window, count_include_pad } => {
                    cur = PoolLayer { window: *window, count_include_pad: *count_include_pad }.pool_float(&cur, false)
                }
                FloatLayer::Recurrent(r) => cur = r.forward(&cur),
            }
        }
        cur
    }
}

/// The shape of one dense layer (a fused ReLU is part of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub struct LayerShape {
    pub inputs: usize,
    pub outputs: usize,
    pub relu: bool,
}

/// One quantized dense layer: `weights` row-major, `weights[i * outputs + j]` from input `i` to
/// output `j`; weights and biases are integers at scale `2^s`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DenseLayer {
    pub inputs: usize,
    pub outputs: usize,
    pub relu: bool,
    pub weights: Vec<i64>,
    pub bias: Vec<i64>,
}

impl DenseLayer {
    /// The weight from input `i` to output `j`.
    pub fn w(&self, i: usize, j: usize) -> i64 {
        self.weights[i * self.outputs + j]
    }

    /// This layer's shape.
    pub fn shape(&self) -> LayerShape {
        LayerShape { inputs: self.inputs, outputs: self.outputs, relu: self.relu }
    }
}

/// A quantized model: the object the model commitment binds and the validation function runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuantizedModel {
    pub format: String,
    pub version: u32,
    #[serde(default)]
    pub name: String,
    pub fixed: FixedParams,
    pub input_dim: usize,
    pub num_classes: usize,
    pub layers: Vec<Layer>,
}

impl QuantizedModel {
    /// Builds a quantized model from parts, checking shapes and bounds.
    pub fn new(name: &str, fixed: FixedParams, input_dim: usize, num_classes: usize, layers: Vec<Layer>) -> Result<Self> {
        let m = QuantizedModel {
            format: QUANTIZED_MODEL_FORMAT.into(),
            version: 1,
            name: name.into(),
            fixed,
            input_dim,
            num_classes,
            layers,
        };
        m.validate()?;
        Ok(m)
    }

    /// Parses and validates a quantized model file.
    pub fn from_json(text: &str) -> Result<Self> {
        let m: QuantizedModel = serde_json::from_str(text)
            .map_err(|source| CircuitError::Parse { what: "quantized model".into(), source })?;
        check_format("quantized model", QUANTIZED_MODEL_FORMAT, 1, &m.format, m.version)?;
        m.validate()?;
        Ok(m)
    }

    /// Pretty JSON for `model.quantized.json`.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks shapes chain up, sizes match, and every weight and bias is within the bound.
    pub fn validate(&self) -> Result<()> {
        self.fixed.validate()?;
        if self.input_dim == 0 || !self.layers.iter().any(|l| l.arch().is_linear()) {
            return Err(CircuitError::Shape("a model needs input_dim > 0 and at least one dense or conv layer".into()));
        }
        let mut width = self.input_dim;
        for (li, layer) in self.layers.iter().enumerate() {
            match layer {
                Layer::Dense(l) => {
                    if l.outputs == 0 || l.weights.len() != l.inputs * l.outputs || l.bias.len() != l.outputs {
                        return Err(CircuitError::Shape(format!(
                            "layer {li}: {} weights and {} biases, expected {} and {}",
                            l.weights.len(),
                            l.bias.len(),
                            l.inputs * l.outputs,
                            l.outputs
                        )));
                    }
                    for (idx, w) in l.weights.iter().enumerate() {
                        self.fixed.check(*w as i128, || format!("layer {li} weight [{}][{}]", idx / l.outputs, idx % l.outputs))?;
                    }
                    for (j, b) in l.bias.iter().enumerate() {
                        self.fixed.check(*b as i128, || format!("layer {li} bias [{j}]"))?;
                    }
                }
                Layer::Conv(c) => c.validate(li, &self.fixed)?,
                Layer::Recurrent(r) => r.validate(li, &self.fixed)?,
                Layer::MaxPool(p) => p.validate(&format!("layer {li} (maxpool)"), true)?,
                Layer::AvgPool(p) => {
                    p.validate(&format!("layer {li} (avgpool)"), false)?;
                    if 2 * p.window.kernel[0] * p.window.kernel[1] > 1usize << self.fixed.value_bits {
                        return Err(CircuitError::Shape(format!("layer {li} (avgpool): the window is too large for {}-bit values", self.fixed.value_bits)));
                    }
                }
            }
            let arch = layer.arch();
            if arch.inputs() != width {
                return Err(CircuitError::Shape(format!(
                    "layer {li}: {} inputs x {} outputs, but the previous width is {width}",
                    arch.inputs(),
                    arch.outputs()
                )));
            }
            width = arch.outputs();
        }
        if width != self.num_classes || self.num_classes < 1 {
            return Err(CircuitError::Shape(format!(
                "the last layer has {width} outputs but num_classes is {} (needs >= 1)",
                self.num_classes
            )));
        }
        Ok(())
    }

    /// The architecture: what the circuit (and so the keys) depend on, besides N.
    pub fn architecture(&self) -> Architecture {
        Architecture {
            fixed: self.fixed,
            input_dim: self.input_dim,
            num_classes: self.num_classes,
            layers: self.layers.iter().map(Layer::arch).collect(),
        }
    }

    /// The dense layers, if the model is an MLP (only dense layers): for backends that support
    /// nothing else, so they can refuse other models cleanly.
    pub fn dense_only(&self) -> Option<Vec<&DenseLayer>> {
        self.layers.iter().map(Layer::as_dense).collect()
    }
}

/// Everything about a model that fixes the circuit: layer kinds and sizes, ReLU placement and
/// fixed-point parameters. Two models of one architecture share keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub struct Architecture {
    pub fixed: FixedParams,
    pub input_dim: usize,
    pub num_classes: usize,
    pub layers: Vec<LayerArch>,
}

/// Largest number of cells one layer may span (`inputs outputs`, or the expanded matrix of a
/// conv layer): what a 2^28-row circuit can hold at most, and small enough that no row count
/// overflows.
pub const MAX_LAYER_CELLS: usize = 1 << 28;

impl Architecture {
    /// The dense layer shapes, if the architecture is an MLP (only dense layers): for backends
    /// that support nothing else (the twin of [`QuantizedModel::dense_only`]).
    pub fn dense_shapes(&self) -> Option<Vec<LayerShape>> {
        self.layers
            .iter()
            .map(|l| match l {
                LayerArch::Dense(d) => Some(*d),
                _ => None,
            })
            .collect()
    }

    /// Checks an architecture read from a file (a verifying key carries one): the parameters,
    /// every layer's geometry, sizes that chain up to `num_classes`, and sizes small enough to
    /// count rows without overflow. An architecture of a valid [`QuantizedModel`] always passes.
    pub fn validate(&self) -> Result<()> {
        self.fixed.validate()?;
        if self.input_dim == 0 || self.num_classes < 1 || !self.layers.iter().any(LayerArch::is_linear) {
            return Err(CircuitError::Shape("an architecture needs input_dim > 0, num_classes >= 1 and a dense or conv layer".into()));
        }
        let mut width = self.input_dim;
        for (li, l) in self.layers.iter().enumerate() {
            let what = format!("layer {li}");
            match l {
                LayerArch::Dense(d) if d.outputs == 0 => return Err(CircuitError::Shape(format!("{what}: no outputs"))),
                LayerArch::Dense(_) => {}
                LayerArch::Conv(c) => {
                    c.window.check(&what)?;
                    if c.out_channels == 0 {
                        return Err(CircuitError::Shape(format!("{what}: no output channels")));
                    }
                }
                LayerArch::MaxPool(p) => p.validate(&what, true)?,
                LayerArch::Recurrent(r) => {
                    r.check(&what)?;
                    crate::activation::check_scale(self.fixed.scale_bits, &what)?;
                }
                LayerArch::AvgPool(p) => {
                    p.validate(&what, false)?;
                    if 2 * p.window.kernel[0] * p.window.kernel[1] > 1usize << self.fixed.value_bits {
                        return Err(CircuitError::Shape(format!("{what} (avgpool): the window is too large for {}-bit values", self.fixed.value_bits)));
                    }
                }
            }
            let cells = l.inputs().checked_add(1).and_then(|i| i.checked_mul(l.outputs()));
            if !matches!(cells, Some(c) if c <= MAX_LAYER_CELLS) || l.window_cells().is_none() {
                return Err(CircuitError::Shape(format!("{what}: too large")));
            }
            if l.inputs() != width {
                return Err(CircuitError::Shape(format!("{what} takes {} inputs, but the previous width is {width}", l.inputs())));
            }
            width = l.outputs();
        }
        if width != self.num_classes {
            return Err(CircuitError::Shape(format!("the last layer has {width} outputs but num_classes is {}", self.num_classes)));
        }
        Ok(())
    }
}

impl std::hash::Hash for FixedParams {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.scale_bits.hash(state);
        self.value_bits.hash(state);
    }
}

pub(crate) fn check_format(what: &str, expected: &'static str, expected_version: u32, found: &str, found_version: u32) -> Result<()> {
    if found != expected || found_version != expected_version {
        return Err(CircuitError::Format {
            what: what.into(),
            expected,
            expected_version,
            found: found.into(),
            found_version,
        });
    }
    Ok(())
}
