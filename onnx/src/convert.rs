//! From an imported [`Graph`] to zkpot's float model (`model.json`, read by `zkpot quantize
//! --model` and `--float-model`): dense layers with their biases (a following constant Add is
//! folded in) and ReLUs; reshapes vanish because zkpot's data are flat row-major vectors.
//! Convolution and pooling are parsed and evaluated in float, but the circuits do not support
//! them yet, so they stop the conversion with an error naming the node.

use crate::error::{OnnxError, Result};
use crate::ir::{Graph, Op};
use zkpot_circuits::model::{FloatLayer, FloatModel, FLOAT_MODEL_FORMAT};

/// Converts a chain of dense/Add/ReLU/reshape layers into a zkpot float model named `name`.
pub fn to_float_model(graph: &Graph, name: &str) -> Result<FloatModel> {
    let mut layers: Vec<FloatLayer> = Vec::new();
    for layer in &graph.layers {
        let not_in_circuits = |what: &str| OnnxError::NotInCircuits { node: layer.node.clone(), op: layer.onnx_op.clone(), what: what.into() };
        match &layer.op {
            Op::Dense { inputs, outputs, weights, bias } => {
                let rows = (0..*inputs)
                    .map(|i| weights[i * outputs..(i + 1) * outputs].iter().map(|w| f64::from(*w)).collect())
                    .collect();
                layers.push(FloatLayer::Dense { weights: rows, bias: bias.iter().map(|b| f64::from(*b)).collect() });
            }
            Op::AddConst { values } => match layers.last_mut() {
                Some(FloatLayer::Dense { bias, .. }) if bias.len() == values.len() => {
                    bias.iter_mut().zip(values).for_each(|(b, v)| *b += f64::from(*v));
                }
                _ => return Err(not_in_circuits("an Add that does not directly follow a dense layer (Gemm/MatMul)")),
            },
            Op::Relu => match layers.last() {
                Some(FloatLayer::Dense { .. }) => layers.push(FloatLayer::Relu),
                Some(FloatLayer::Relu) => {} // relu(relu(x)) = relu(x)
                None => return Err(not_in_circuits("a ReLU before the first dense layer")),
            },
            Op::Reshape => {}
            Op::Conv { .. } => return Err(not_in_circuits("convolutional layers")),
            Op::MaxPool { .. } | Op::AveragePool { .. } => return Err(not_in_circuits("pooling layers")),
        }
    }
    let model = FloatModel {
        format: FLOAT_MODEL_FORMAT.into(),
        version: 1,
        name: name.into(),
        input_dim: graph.input_len(),
        num_classes: graph.output_len(),
        layers,
    };
    model.architecture()?;
    Ok(model)
}
