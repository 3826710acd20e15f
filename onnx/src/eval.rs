//! The float reference evaluator: runs an imported [`Graph`] on one sample in plain `f64`
//! (row-major `[C, H, W]` images, flat vectors), so a model's float accuracy on a test set can
//! be computed before it is quantized, and checked against the exporter's own outputs.

use crate::error::{OnnxError, Result};
use crate::ir::{Graph, Op, Window};
use serde::Serialize;
use zkpot_circuits::dataset::FloatDataset;
use zkpot_circuits::fixed::argmax;

/// Runs the graph on one sample (flattened row-major input); returns the class scores.
pub fn forward(graph: &Graph, x: &[f64]) -> Result<Vec<f64>> {
    if x.len() != graph.input_len() {
        return Err(OnnxError::Data(format!(
            "a sample has {} values, the model's input {:?} takes {}",
            x.len(),
            graph.input_shape,
            graph.input_len()
        )));
    }
    let mut cur = x.to_vec();
    for layer in &graph.layers {
        let s = &layer.input_shape;
        cur = match &layer.op {
            Op::Dense { inputs, outputs, weights, bias } => dense(&cur, *inputs, *outputs, weights, bias),
            Op::AddConst { values } => cur.iter().zip(values).map(|(a, b)| a + f64::from(*b)).collect(),
            Op::Relu => cur.iter().map(|v| v.max(0.0)).collect(),
            Op::Conv { in_channels, out_channels, window, weights, bias } => {
                conv2d(&cur, [*in_channels, s[1], s[2]], *out_channels, window, weights, bias, &layer.output_shape)
            }
            Op::MaxPool { window } => pool(&cur, [s[0], s[1], s[2]], window, &layer.output_shape, Pool::Max),
            Op::AveragePool { window, count_include_pad } => {
                pool(&cur, [s[0], s[1], s[2]], window, &layer.output_shape, Pool::Avg { count_include_pad: *count_include_pad })
            }
            Op::Reshape => cur,
            Op::Recurrent { .. } => crate::convert::float_recurrent(&layer.op).map(|r| r.forward(&cur)).unwrap_or_default(),
        };
    }
    Ok(cur)
}

fn dense(x: &[f64], inputs: usize, outputs: usize, w: &[f32], b: &[f32]) -> Vec<f64> {
    let mut out: Vec<f64> = b.iter().map(|v| f64::from(*v)).collect();
    for i in 0..inputs {
        let xi = x[i];
        for (o, wij) in out.iter_mut().zip(&w[i * outputs..(i + 1) * outputs]) {
            *o += xi * f64::from(*wij);
        }
    }
    out
}

fn conv2d(x: &[f64], [c, h, w]: [usize; 3], m: usize, win: &Window, wt: &[f32], b: &[f32], out_shape: &[usize]) -> Vec<f64> {
    let (oh, ow) = (out_shape[1], out_shape[2]);
    let [kh, kw] = win.kernel;
    let mut out = vec![0f64; m * oh * ow];
    for (oc, bias) in b.iter().enumerate().take(m) {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut acc = f64::from(*bias);
                for ic in 0..c {
                    for ky in 0..kh {
                        let Some(iy) = (oy * win.strides[0] + ky).checked_sub(win.pads[0]).filter(|v| *v < h) else { continue };
                        for kx in 0..kw {
                            let Some(ix) = (ox * win.strides[1] + kx).checked_sub(win.pads[1]).filter(|v| *v < w) else { continue };
                            acc += x[(ic * h + iy) * w + ix] * f64::from(wt[((oc * c + ic) * kh + ky) * kw + kx]);
                        }
                    }
                }
                out[(oc * oh + oy) * ow + ox] = acc;
            }
        }
    }
    out
}

enum Pool {
    Max,
    Avg { count_include_pad: bool },
}

fn pool(x: &[f64], [c, h, w]: [usize; 3], win: &Window, out_shape: &[usize], kind: Pool) -> Vec<f64> {
    let (oh, ow) = (out_shape[1], out_shape[2]);
    let [kh, kw] = win.kernel;
    let mut out = vec![0f64; c * oh * ow];
    for ch in 0..c {
        for oy in 0..oh {
            for ox in 0..ow {
                let (mut max, mut sum, mut count) = (f64::NEG_INFINITY, 0f64, 0usize);
                for ky in 0..kh {
                    let Some(iy) = (oy * win.strides[0] + ky).checked_sub(win.pads[0]).filter(|v| *v < h) else { continue };
                    for kx in 0..kw {
                        let Some(ix) = (ox * win.strides[1] + kx).checked_sub(win.pads[1]).filter(|v| *v < w) else { continue };
                        let v = x[(ch * h + iy) * w + ix];
                        max = max.max(v);
                        sum += v;
                        count += 1;
                    }
                }
                out[(ch * oh + oy) * ow + ox] = match kind {
                    Pool::Max => max,
                    // with count_include_pad the divisor is the window clipped to the padded
                    // input (ONNX and PyTorch agree for ceil_mode = 0, the only mode imported)
                    Pool::Avg { count_include_pad: true } => sum / (kh * kw) as f64,
                    Pool::Avg { count_include_pad: false } => sum / count.max(1) as f64,
                };
            }
        }
    }
    out
}

/// Float predictions and accuracy of a graph on a data set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FloatAccuracy {
    pub samples: usize,
    pub correct: usize,
    /// The argmax of each sample's scores.
    #[serde(skip)]
    pub predictions: Vec<usize>,
}

/// Evaluates the graph on every sample of `data`.
pub fn accuracy(graph: &Graph, data: &FloatDataset) -> Result<FloatAccuracy> {
    if data.is_regression() {
        return Err(OnnxError::Data("a regression set (targets, num_classes = 1) has no accuracy; import without --data and use `zkpot quantize --data` for its MSE".into()));
    }
    if data.num_classes != graph.output_len() {
        return Err(OnnxError::Data(format!(
            "the data set has {} classes, the model outputs {} scores",
            data.num_classes,
            graph.output_len()
        )));
    }
    let mut predictions = Vec::with_capacity(data.features.len());
    let mut correct = 0;
    for (x, label) in data.features.iter().zip(&data.labels) {
        let p = argmax(&forward(graph, x)?);
        if p as i64 == *label {
            correct += 1;
        }
        predictions.push(p);
    }
    Ok(FloatAccuracy { samples: predictions.len(), correct, predictions })
}
