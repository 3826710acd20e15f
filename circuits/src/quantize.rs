//! `zkpot quantize`: turn a float model into the quantized model at scale `2^s`, check on a test
//! set that no intermediate value leaves the bound (the error names the layer, sample and
//! neuron), and report float accuracy beside quantized accuracy.

use crate::dataset::FloatDataset;
use crate::error::{CircuitError, Result};
use crate::eval::evaluate;
use crate::fixed::{argmax, FixedParams};
use crate::layers::{ConvLayer, Layer, LayerArch};
use crate::model::{DenseLayer, FloatLayer, FloatModel, QuantizedModel};
use serde::{Deserialize, Serialize};

/// Quantizes every weight and bias: `round(x * 2^s)`, bound-checked; a ReLU is fused into
/// the dense or conv layer before it.
pub fn quantize_model(model: &FloatModel, fixed: FixedParams) -> Result<QuantizedModel> {
    fixed.validate()?;
    let shapes = model.architecture()?;
    let linear: Vec<(&[f64], &Vec<f64>, Option<&Vec<Vec<f64>>>)> = model
        .layers
        .iter()
        .filter_map(|l| match l {
            FloatLayer::Dense { weights, bias } => Some((&[][..], bias, Some(weights))),
            FloatLayer::Conv { weights, bias, .. } => Some((weights.as_slice(), bias, None)),
            _ => None,
        })
        .collect();
    let mut linear = linear.into_iter();
    let mut recurrent = model.layers.iter().filter_map(|l| match l {
        FloatLayer::Recurrent(r) => Some(r),
        _ => None,
    });
    let mut layers = Vec::with_capacity(shapes.len());
    for (li, shape) in shapes.iter().enumerate() {
        let q_bias = |bias: &Vec<f64>| {
            bias.iter().enumerate().map(|(j, x)| fixed.quantize(*x, || format!("layer {li} bias [{j}]"))).collect::<Result<Vec<_>>>()
        };
        let layer = match shape {
            LayerArch::Dense(shape) => {
                let Some((_, bias, Some(weights))) = linear.next() else { return Err(CircuitError::Shape(format!("layer {li}: dense weights missing"))) };
                let mut w = Vec::with_capacity(shape.inputs * shape.outputs);
                for (i, row) in weights.iter().enumerate() {
                    for (j, x) in row.iter().enumerate() {
                        w.push(fixed.quantize(*x, || format!("layer {li} weight [{i}][{j}]"))?);
                    }
                }
                Layer::Dense(DenseLayer { inputs: shape.inputs, outputs: shape.outputs, relu: shape.relu, weights: w, bias: q_bias(bias)? })
            }
            LayerArch::Conv(shape) => {
                let Some((weights, bias, None)) = linear.next() else { return Err(CircuitError::Shape(format!("layer {li}: conv weights missing"))) };
                let w = weights
                    .iter()
                    .enumerate()
                    .map(|(t, x)| fixed.quantize(*x, || format!("layer {li} (conv) weight {t}")))
                    .collect::<Result<Vec<_>>>()?;
                Layer::Conv(ConvLayer { window: shape.window, out_channels: shape.out_channels, relu: shape.relu, weights: w, bias: q_bias(bias)? })
            }
            LayerArch::MaxPool(p) => Layer::MaxPool(*p),
            LayerArch::AvgPool(p) => Layer::AvgPool(*p),
            LayerArch::Recurrent(_) => {
                let Some(r) = recurrent.next() else { return Err(CircuitError::Shape(format!("layer {li}: recurrent weights missing"))) };
                Layer::Recurrent(r.quantize(&fixed, li)?)
            }
        };
        layers.push(layer);
    }
    QuantizedModel::new(&model.name, fixed, model.input_dim, model.num_classes, layers)
}

/// What `zkpot quantize` reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuantizeReport {
    pub scale_bits: u32,
    pub value_bits: u32,
    pub samples: usize,
    /// Correct predictions of the float model (0 for a regression set).
    pub float_correct: usize,
    /// Correct predictions of the quantized model (the validation function's score; for a
    /// regression set, the MSE score `S`, see `quantized_mse`).
    pub quantized_correct: usize,
    /// Samples where the float and quantized predictions differ.
    pub disagreements: usize,
    /// Largest absolute rescaled value seen, and `2^(b-1)`: values lie in `[-2^(b-1), 2^(b-1))`.
    pub max_abs_value: i64,
    pub bound: i64,
    /// Regression sets only: the float model's mean squared error against the float targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub float_mse: Option<f64>,
    /// Regression sets only: the validation function's MSE score `S` (units `2^-2s`) ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantized_mse_score: Option<u64>,
    /// ... and as a real number, `S / 2^(2s)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantized_mse: Option<f64>,
}

/// Quantizes `model` and checks it on `data`.
pub fn quantize_and_check(model: &FloatModel, data: &FloatDataset, fixed: FixedParams) -> Result<(QuantizedModel, QuantizeReport)> {
    let q = quantize_model(model, fixed)?;
    if data.input_dim() != model.input_dim || data.num_classes != model.num_classes {
        return Err(CircuitError::Shape(format!(
            "the model takes {} features and {} classes, the data set has {} and {}",
            model.input_dim,
            model.num_classes,
            data.input_dim(),
            data.num_classes
        )));
    }
    let qd = data.quantize(fixed)?;
    let trace = evaluate(&q, &qd)?;
    let mut float_correct = 0;
    let mut disagreements = 0;
    let mut float_sse = 0.0;
    for (i, x) in data.features.iter().enumerate() {
        let out = model.forward(x);
        if data.is_regression() {
            float_sse += (out.first().copied().unwrap_or(0.0) - data.targets[i]).powi(2);
            continue;
        }
        let p = argmax(&out);
        if p as i64 == data.labels[i] {
            float_correct += 1;
        }
        if p != trace.samples[i].prediction {
            disagreements += 1;
        }
    }
    let regression = data.is_regression().then(|| (float_sse / data.features.len() as f64, trace.score as u64));
    let max_abs_value = trace
        .samples
        .iter()
        .flat_map(|s| s.layers.iter().flat_map(|l| l.z.iter()))
        .map(|v| v.abs())
        .max()
        .unwrap_or(0);
    let report = QuantizeReport {
        scale_bits: fixed.scale_bits,
        value_bits: fixed.value_bits,
        samples: data.features.len(),
        float_correct,
        quantized_correct: trace.score,
        disagreements,
        max_abs_value,
        bound: fixed.max_value() + 1,
        float_mse: regression.map(|r| r.0),
        quantized_mse_score: regression.map(|r| r.1),
        quantized_mse: regression.map(|r| fixed.mse_to_real(r.1)),
    };
    Ok((q, report))
}
