//! Model formats: the float model a provider trains (`model.json`), and the quantized model the
//! validation function runs and the commitment hashes. A model is a chain of dense layers, each
//! optionally followed by a ReLU; the last layer's outputs are the class scores.

use crate::error::{CircuitError, Result};
use crate::fixed::FixedParams;
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

    /// The architecture (layer sizes and ReLU placement), after checking every shape.
    pub fn architecture(&self) -> Result<Vec<LayerShape>> {
        let mut shapes: Vec<LayerShape> = Vec::new();
        let mut width = self.input_dim;
        if width == 0 {
            return Err(CircuitError::Shape("input_dim is 0".into()));
        }
        for (li, layer) in self.layers.iter().enumerate() {
            match layer {
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
                    shapes.push(LayerShape { inputs: width, outputs, relu: false });
                    width = outputs;
                }
                FloatLayer::Relu => match shapes.last_mut() {
                    Some(last) if !last.relu => last.relu = true,
                    _ => {
                        return Err(CircuitError::Shape(format!(
                            "layers[{li}] (relu) must directly follow a dense layer"
                        )))
                    }
                },
            }
        }
        if shapes.is_empty() {
            return Err(CircuitError::Shape("the model has no dense layer".into()));
        }
        if width != self.num_classes {
            return Err(CircuitError::Shape(format!(
                "the last layer has {width} outputs but num_classes is {}",
                self.num_classes
            )));
        }
        if self.num_classes < 2 {
            return Err(CircuitError::Shape("num_classes must be at least 2".into()));
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
    pub layers: Vec<DenseLayer>,
}

impl QuantizedModel {
    /// Builds a quantized model from parts, checking shapes and bounds.
    pub fn new(name: &str, fixed: FixedParams, input_dim: usize, num_classes: usize, layers: Vec<DenseLayer>) -> Result<Self> {
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
        if self.input_dim == 0 || self.layers.is_empty() {
            return Err(CircuitError::Shape("a model needs input_dim > 0 and at least one dense layer".into()));
        }
        let mut width = self.input_dim;
        for (li, l) in self.layers.iter().enumerate() {
            if l.inputs != width || l.outputs == 0 {
                return Err(CircuitError::Shape(format!(
                    "layer {li}: {} inputs x {} outputs, but the previous width is {width}",
                    l.inputs, l.outputs
                )));
            }
            if l.weights.len() != l.inputs * l.outputs || l.bias.len() != l.outputs {
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
            width = l.outputs;
        }
        if width != self.num_classes || self.num_classes < 2 {
            return Err(CircuitError::Shape(format!(
                "the last layer has {width} outputs but num_classes is {} (needs >= 2)",
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
            layers: self.layers.iter().map(DenseLayer::shape).collect(),
        }
    }
}

/// Everything about a model that fixes the circuit: sizes, ReLU placement and fixed-point
/// parameters. Two models of one architecture share keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub struct Architecture {
    pub fixed: FixedParams,
    pub input_dim: usize,
    pub num_classes: usize,
    pub layers: Vec<LayerShape>,
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
