//! From an imported [`Graph`] to zkpot's float model (`model.json`, read by `zkpot quantize
//! --model` and `--float-model`): dense layers with their biases (a following constant Add is
//! folded in), convolutions, max and average pooling, and ReLUs after a dense or conv layer;
//! Flatten and Reshape vanish because zkpot's data are flat row-major vectors (`[C, H, W]`
//! flattened, as ONNX lays tensors out). What the circuits cannot express (a ReLU after pooling,
//! an Add after a convolution) stops the conversion with an error naming the node.

use crate::error::{OnnxError, Result};
use crate::ir::{Graph, Op};
use crate::ir::Window;
use zkpot_circuits::layers::recurrent::FloatRecurrent;
use zkpot_circuits::layers::{RecurrentShape, Window2d};
use zkpot_circuits::model::{FloatLayer, FloatModel, FLOAT_MODEL_FORMAT};

/// The circuits' window over an input of per-sample shape `[C, H, W]`.
fn window2d(w: &Window, input_shape: &[usize]) -> Option<Window2d> {
    let [c, h, wd] = input_shape else { return None };
    Some(Window2d { input: [*c, *h, *wd], kernel: w.kernel, strides: w.strides, pads: w.pads })
}

/// The circuits' float recurrent layer of an [`Op::Recurrent`] (`None` for any other op).
pub fn float_recurrent(op: &Op) -> Option<FloatRecurrent> {
    let Op::Recurrent { cell, steps, input_size, hidden, sequence_output, w, r, wb, rb } = op else { return None };
    let f = |v: &[f32]| v.iter().map(|x| f64::from(*x)).collect();
    Some(FloatRecurrent {
        shape: RecurrentShape { cell: *cell, steps: *steps, input_size: *input_size, hidden: *hidden, sequence_output: *sequence_output },
        w: f(w),
        r: f(r),
        wb: f(wb),
        rb: f(rb),
    })
}

/// Converts a chain of dense/Add/ReLU/conv/pool/reshape layers into a zkpot float model named
/// `name`.
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
                Some(FloatLayer::Dense { .. } | FloatLayer::Conv { .. }) => layers.push(FloatLayer::Relu),
                Some(FloatLayer::Relu) => {} // relu(relu(x)) = relu(x)
                Some(FloatLayer::Recurrent(_)) => return Err(not_in_circuits("a ReLU after a recurrent layer")),
                Some(FloatLayer::MaxPool { .. } | FloatLayer::AvgPool { .. }) => {
                    return Err(not_in_circuits("a ReLU after a pooling layer (put it before the pooling)"))
                }
                None => return Err(not_in_circuits("a ReLU before the first dense or conv layer")),
            },
            Op::Reshape => {}
            Op::Recurrent { .. } => layers.push(FloatLayer::Recurrent(float_recurrent(&layer.op).ok_or_else(|| not_in_circuits("this layer"))?)),
            Op::Conv { in_channels, out_channels, window, weights, bias } => {
                let w = window2d(window, &layer.input_shape)
                    .filter(|w| w.input[0] == *in_channels)
                    .ok_or_else(|| not_in_circuits("a convolution whose input is not [C, H, W]"))?;
                layers.push(FloatLayer::Conv {
                    window: w,
                    out_channels: *out_channels,
                    weights: weights.iter().map(|v| f64::from(*v)).collect(),
                    bias: bias.iter().map(|v| f64::from(*v)).collect(),
                });
            }
            Op::MaxPool { window } => {
                let w = window2d(window, &layer.input_shape).ok_or_else(|| not_in_circuits("a pooling whose input is not [C, H, W]"))?;
                layers.push(FloatLayer::MaxPool { window: w });
            }
            Op::AveragePool { window, count_include_pad } => {
                let w = window2d(window, &layer.input_shape).ok_or_else(|| not_in_circuits("a pooling whose input is not [C, H, W]"))?;
                layers.push(FloatLayer::AvgPool { window: w, count_include_pad: *count_include_pad });
            }
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
