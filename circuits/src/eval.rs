//! The validation function itself, in plain integer arithmetic: run the quantized model on every
//! sample (layer ops in [`crate::layers`] and here), argmax, compare with the label, count (or,
//! for a regression set under MSE, average the squared errors, [`crate::score`]). Every backend must reproduce its score, and
//! the halo2 witness is exactly the [`Trace`] it records. Spec: `docs/validation-function.md`.

use crate::dataset::QuantizedDataset;
use crate::error::{CircuitError, Result};
use crate::fixed::{argmax, relu, rescale};
use crate::layers::Layer;
use crate::model::QuantizedModel;
use crate::score::ScoreFunction;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The values of one layer for one sample. Dense and conv layers fill every field as written;
/// a recurrent layer records every rescale of every step in `acc`, `z`, `rem` (in the order of
/// [`crate::layers::recurrent`]) and its outputs in `out`;
/// max-pool leaves `acc` and `rem` empty with `z = out`; average-pool records the tap sums in
/// `acc`, the rounded quotients in `z = out` and the remainders `2 sum + d - 2 d out` in `rem`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerValues {
    /// Exact accumulators `sum_i x_i w_ij + b_j 2^s`.
    pub acc: Vec<i64>,
    /// Rescaled values `floor((acc + 2^(s-1)) / 2^s)`.
    pub z: Vec<i64>,
    /// Rescale remainders `acc + 2^(s-1) - z 2^s`, in `[0, 2^s)`.
    pub rem: Vec<i64>,
    /// The layer's outputs: `relu(z)` if the layer has a ReLU, else `z`.
    pub out: Vec<i64>,
}

impl LayerValues {
    /// The values of a linear layer from its exact accumulators: rescale, bound check, ReLU.
    fn linear(accs: Vec<i128>, relu_after: bool, fixed: &crate::fixed::FixedParams, li: usize, sample: usize) -> Result<Self> {
        let s = fixed.scale_bits;
        let mut values = LayerValues {
            acc: Vec::with_capacity(accs.len()),
            z: Vec::with_capacity(accs.len()),
            rem: Vec::with_capacity(accs.len()),
            out: Vec::with_capacity(accs.len()),
        };
        for (j, acc) in accs.into_iter().enumerate() {
            let (z, r) = rescale(acc, s);
            let z = fixed.check(z, || format!("layer {li} output {j} on sample {sample} (after rescale)"))?;
            // cannot fail once z is in the bound (|acc| < 2^(b-1+s+1)); checked rather than cast
            let acc = i64::try_from(acc)
                .map_err(|_| CircuitError::Shape(format!("layer {li} accumulator {j} on sample {sample} does not fit 64 bits")))?;
            values.acc.push(acc);
            values.z.push(z);
            values.rem.push(r as i64);
            values.out.push(if relu_after { relu(z) } else { z });
        }
        Ok(values)
    }
}

/// Everything the validation function computed for one sample.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleTrace {
    pub layers: Vec<LayerValues>,
    /// Argmax of the last layer's outputs (lowest index on ties; 0 for a single-output model).
    pub prediction: usize,
    /// The class label, or for a regression set the quantized target.
    pub label: i64,
}

impl SampleTrace {
    /// Whether the prediction equals the label.
    pub fn correct(&self) -> bool {
        self.prediction as i64 == self.label
    }
}

/// The full witness of a validation: per-sample traces and the score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    pub samples: Vec<SampleTrace>,
    /// The score under the score function evaluated with: for top-1 the number of samples
    /// whose prediction equals the label; for MSE the rounded mean squared error.
    pub score: usize,
}

impl Trace {
    /// The score of this trace under `score_fn` (top-1 is `score` as `evaluate` computes it).
    pub fn score_with(&self, score_fn: ScoreFunction) -> usize {
        score_of(&self.samples, score_fn)
    }
}

/// The score of these sample traces under `score_fn`.
fn score_of(samples: &[SampleTrace], score_fn: ScoreFunction) -> usize {
    let items = samples.iter().map(|t| (t.layers.last().map(|l| l.out.as_slice()).unwrap_or(&[]), t.prediction, t.label));
    usize::try_from(score_fn.score(items)).unwrap_or(usize::MAX)
}

/// Checks that a model and a data set can be evaluated together.
pub fn check_compatible(model: &QuantizedModel, data: &QuantizedDataset) -> Result<()> {
    if model.fixed != data.fixed {
        return Err(CircuitError::Shape(format!(
            "the model uses {:?} but the data set was quantized with {:?}",
            model.fixed, data.fixed
        )));
    }
    if model.input_dim != data.input_dim {
        return Err(CircuitError::Shape(format!(
            "the model takes {} features, the data set has {}",
            model.input_dim, data.input_dim
        )));
    }
    if model.num_classes != data.num_classes {
        return Err(CircuitError::Shape(format!(
            "the model has {} classes, the data set {}",
            model.num_classes, data.num_classes
        )));
    }
    if model.num_classes as i64 > model.fixed.max_value() {
        return Err(CircuitError::Shape(format!(
            "{} classes do not fit {}-bit labels",
            model.num_classes, model.fixed.value_bits
        )));
    }
    Ok(())
}

/// Runs the model on one sample, recording every intermediate value; errors if a rescaled value
/// leaves the bound (naming the layer, sample and neuron).
pub fn eval_sample(model: &QuantizedModel, x: &[i64], sample: usize) -> Result<Vec<LayerValues>> {
    eval_layers(model, 0, x, sample)
}

/// Runs layers `start..` of the model on `x` (the input of layer `start`), recording every
/// intermediate value (used by [`eval_sample`], and by tests that change one layer's outputs
/// and recompute the rest).
pub fn eval_layers(model: &QuantizedModel, start: usize, x: &[i64], sample: usize) -> Result<Vec<LayerValues>> {
    let s = model.fixed.scale_bits;
    let mut cur: Vec<i64> = x.to_vec();
    let mut layers = Vec::with_capacity(model.layers.len());
    for (li, layer) in model.layers.iter().enumerate().skip(start) {
        let values = match layer {
            Layer::Dense(layer) => {
                let accs = (0..layer.outputs)
                    .map(|j| {
                        let mut acc: i128 = (layer.bias[j] as i128) << s;
                        for (i, xi) in cur.iter().enumerate() {
                            acc += *xi as i128 * layer.w(i, j) as i128;
                        }
                        acc
                    })
                    .collect();
                LayerValues::linear(accs, layer.relu, &model.fixed, li, sample)?
            }
            Layer::Conv(conv) => LayerValues::linear(conv.accumulate(&cur, s), conv.relu, &model.fixed, li, sample)?,
            Layer::Recurrent(r) => r.eval(&cur, &model.fixed, li, sample)?,
            Layer::MaxPool(p) => {
                let out: Vec<i64> = p.max_pool(&cur).iter().map(|o| o.out).collect();
                LayerValues { acc: Vec::new(), z: out.clone(), rem: Vec::new(), out }
            }
            Layer::AvgPool(p) => {
                let pooled = p.avg_pool(&cur);
                let out: Vec<i64> = pooled.iter().map(|o| o.out).collect();
                LayerValues { acc: pooled.iter().map(|o| o.sum).collect(), z: out.clone(), rem: pooled.iter().map(|o| o.rem).collect(), out }
            }
        };
        cur = values.out.clone();
        layers.push(values);
    }
    Ok(layers)
}

/// The validation function: the trace and score of `model` on `data` under the data set's
/// default score function (top-1 for a classification set, MSE for a regression set).
pub fn evaluate(model: &QuantizedModel, data: &QuantizedDataset) -> Result<Trace> {
    evaluate_with(model, data, data.default_score())
}

/// The validation function under a score function: the same trace, with `score` counting the
/// samples `score_fn` accepts (`SampleTrace::correct` stays the top-1 test).
pub fn evaluate_with(model: &QuantizedModel, data: &QuantizedDataset, score_fn: ScoreFunction) -> Result<Trace> {
    score_fn.validate(model.num_classes)?;
    model.validate()?;
    data.validate()?;
    check_compatible(model, data)?;
    let results: Vec<Result<SampleTrace>> = (0..data.len())
        .into_par_iter()
        .map(|i| {
            let layers = eval_sample(model, data.sample(i), i)?;
            let logits = &layers.last().map(|l| l.out.clone()).unwrap_or_default();
            Ok(SampleTrace { prediction: argmax(logits), label: data.labels[i], layers })
        })
        .collect();
    // the first failing sample in order, so errors are deterministic
    let samples: Vec<SampleTrace> = results.into_iter().collect::<Result<_>>()?;
    let score = score_of(&samples, score_fn);
    Ok(Trace { samples, score })
}

/// Just the score.
pub fn score(model: &QuantizedModel, data: &QuantizedDataset) -> Result<usize> {
    Ok(evaluate(model, data)?.score)
}
