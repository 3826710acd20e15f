//! Small random models and data sets for tests and benchmarks, from a seed (SplitMix64, so
//! no extra dependency). Values are drawn small enough that no intermediate value leaves the
//! bound for the sizes used in tests.

use crate::dataset::QuantizedDataset;
use crate::eval::Trace;
use crate::fixed::{argmax, rescale};
use crate::fixed::FixedParams;
use crate::layers::{ConvLayer, Layer, PoolLayer, Window2d};
use crate::model::{DenseLayer, QuantizedModel};

/// SplitMix64: a tiny deterministic generator.
#[derive(Clone, Debug)]
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[lo, hi]`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % ((hi - lo + 1) as u64)) as i64
    }
}

/// Parameters of the tiny test circuits: 8-bit values at scale 2^3 (a 256-row table, k = 9).
pub const TINY: FixedParams = FixedParams { scale_bits: 3, value_bits: 8 };

/// A random model with the given layer widths (`widths[0]` inputs, last = classes), ReLU after
/// every layer but the last, weights in `[-w, w]`.
pub fn random_model(seed: u64, fixed: FixedParams, widths: &[usize], w: i64) -> QuantizedModel {
    let mut rng = SplitMix(seed);
    let mut layers = Vec::new();
    for (li, pair) in widths.windows(2).enumerate() {
        let (inputs, outputs) = (pair[0], pair[1]);
        layers.push(Layer::Dense(DenseLayer {
            inputs,
            outputs,
            relu: li + 2 < widths.len(),
            weights: (0..inputs * outputs).map(|_| rng.range(-w, w)).collect(),
            bias: (0..outputs).map(|_| rng.range(-w, w)).collect(),
        }));
    }
    QuantizedModel::new("random", fixed, widths[0], *widths.last().unwrap_or(&2), layers).expect("random model is valid")
}

/// A random data set of `n` samples with features in `[-x, x]`.
pub fn random_dataset(seed: u64, fixed: FixedParams, input_dim: usize, num_classes: usize, n: usize, x: i64) -> QuantizedDataset {
    let mut rng = SplitMix(seed ^ 0xDA7A);
    let features = (0..n * input_dim).map(|_| rng.range(-x, x)).collect();
    let labels = (0..n).map(|_| rng.range(0, num_classes as i64 - 1)).collect();
    QuantizedDataset::new("random", fixed, input_dim, num_classes, features, labels).expect("random data set is valid")
}

/// A random regression data set (`num_classes = 1`) of `n` samples with features and targets
/// in `[-x, x]`.
pub fn random_regression_dataset(seed: u64, fixed: FixedParams, input_dim: usize, n: usize, x: i64) -> QuantizedDataset {
    let mut rng = SplitMix(seed ^ 0x7A26);
    let features = (0..n * input_dim).map(|_| rng.range(-x, x)).collect();
    let targets = (0..n).map(|_| rng.range(-x, x)).collect();
    QuantizedDataset::new("random-regression", fixed, input_dim, 1, features, targets).expect("random regression set is valid")
}

/// A small random CNN shaped like the ONNX fixture `digits_cnn_torch.onnx`, on `[1, 4, 4]`
/// inputs: conv 3x3 pad 1 (2 channels, ReLU), max-pool 2, conv 3x3 pad 1 (3 channels, ReLU),
/// average-pool 2 stride 1 pad 1 (`count_include_pad` as given; windows of 1, 2 and 4 taps),
/// dense 27 -> 3.
pub fn random_cnn(seed: u64, fixed: FixedParams, w: i64, count_include_pad: bool) -> QuantizedModel {
    let mut rng = SplitMix(seed);
    let mut draw = |n: usize| -> Vec<i64> { (0..n).map(|_| rng.range(-w, w)).collect() };
    let conv1 = Window2d { input: [1, 4, 4], kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] };
    let pool1 = Window2d { input: [2, 4, 4], kernel: [2, 2], strides: [2, 2], pads: [0; 4] };
    let conv2 = Window2d { input: [2, 2, 2], kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] };
    let pool2 = Window2d { input: [3, 2, 2], kernel: [2, 2], strides: [1, 1], pads: [1, 1, 1, 1] };
    let layers = vec![
        Layer::Conv(ConvLayer { window: conv1, out_channels: 2, relu: true, weights: draw(18), bias: draw(2) }),
        Layer::MaxPool(PoolLayer { window: pool1, count_include_pad: false }),
        Layer::Conv(ConvLayer { window: conv2, out_channels: 3, relu: true, weights: draw(54), bias: draw(3) }),
        Layer::AvgPool(PoolLayer { window: pool2, count_include_pad }),
        Layer::Dense(DenseLayer { inputs: 27, outputs: 3, relu: false, weights: draw(81), bias: draw(3) }),
    ];
    QuantizedModel::new("random-cnn", fixed, 16, 3, layers).expect("random CNN is valid")
}

/// Overwrites `trace` with the true values of a dense model on `data` *without* the bound check
/// (the evaluator refuses a model whose values leave the bound): what a prover who ignores the
/// bound would put in the witness. Layers other than dense are skipped, so use it on MLPs.
/// Predictions and the score follow the unbounded logits.
pub fn unbounded_dense_trace(model: &QuantizedModel, data: &QuantizedDataset, trace: &mut Trace) {
    let s = model.fixed.scale_bits;
    for si in 0..data.len() {
        let mut cur: Vec<i64> = data.sample(si).to_vec();
        for (li, l) in model.layers.iter().filter_map(|l| l.as_dense()).enumerate() {
            let v = &mut trace.samples[si].layers[li];
            for j in 0..l.outputs {
                let acc: i64 = (0..l.inputs).map(|i| cur[i] * l.w(i, j)).sum::<i64>() + (l.bias[j] << s);
                let (z, r) = rescale(acc as i128, s);
                v.acc[j] = acc;
                v.z[j] = z as i64;
                v.rem[j] = r as i64;
                v.out[j] = if l.relu { v.z[j].max(0) } else { v.z[j] };
            }
            cur = v.out.clone();
        }
        trace.samples[si].prediction = argmax(&cur);
    }
    trace.score = trace.samples.iter().filter(|t| t.correct()).count();
}

/// A random CNN ([`random_cnn`], weights in `[-3, 3]`) and data set of `n` samples whose honest
/// evaluation stays in the bound: the first seed from `seed` on that gives one.
pub fn bounded_cnn(seed: u64, n: usize, count_include_pad: bool) -> (QuantizedModel, QuantizedDataset) {
    let mut s = seed;
    loop {
        let model = random_cnn(s, TINY, 3, count_include_pad);
        let data = random_dataset(s, TINY, 16, 3, n, 12);
        if crate::eval::evaluate(&model, &data).is_ok() {
            return (model, data);
        }
        s += 1;
    }
}

/// Replaces layer `li`'s outputs on sample `i` of `witness` by `out` (and its `z`, for a pooling
/// layer, where `z = out`) and recomputes the later layers, the prediction and the (top-1)
/// score, so that only the gadget of layer `li` can object. Panics if a later layer leaves the
/// bound.
pub fn retrace(witness: &mut crate::halo2::Witness, i: usize, li: usize, out: Vec<i64>) {
    let w = witness;
    if matches!(w.model.layers[li], Layer::MaxPool(_) | Layer::AvgPool(_)) {
        w.trace.samples[i].layers[li].z = out.clone();
    }
    w.trace.samples[i].layers[li].out = out.clone();
    let later = crate::eval::eval_layers(&w.model, li + 1, &out, i).expect("later layers stay in bound");
    let s = &mut w.trace.samples[i];
    s.layers.truncate(li + 1);
    s.layers.extend(later);
    s.prediction = argmax(&s.layers.last().map(|l| l.out.clone()).unwrap_or_default());
    w.trace.score = w.trace.samples.iter().filter(|s| s.correct()).count();
}

/// Moves the first positive output of linear layer `li` on sample `i` up by one unit of `z`:
/// its accumulator by `2^s`, with `z`, `rem` and the ReLU's output consistent with it, and the
/// later layers retraced ([`retrace`]). What a prover who cheats on one product would write.
pub fn shift_positive_output(witness: &mut crate::halo2::Witness, i: usize, li: usize) {
    let s = witness.model.fixed.scale_bits;
    let v = &mut witness.trace.samples[i].layers[li];
    let j = (0..v.z.len()).find(|&j| v.z[j] > 0).expect("a positive activation");
    v.acc[j] += 1 << s;
    let (z, r) = rescale(v.acc[j] as i128, s);
    v.z[j] = z as i64;
    v.rem[j] = r as i64;
    let mut out = v.out.clone();
    out[j] = v.z[j];
    retrace(witness, i, li, out);
}

/// A random recurrent model: one `cell` layer (or two stacked, the first with
/// `sequence_output`) over `steps` steps of `input_size` values with `hidden` units, then a
/// dense head to `classes`; parameters in `[-w, w]`.
pub fn random_recurrent_model(
    seed: u64,
    fixed: FixedParams,
    cell: crate::layers::Cell,
    stacked: bool,
    [steps, input_size, hidden, classes]: [usize; 4],
    w: i64,
) -> QuantizedModel {
    use crate::layers::{RecurrentLayer, RecurrentShape};
    let mut rng = SplitMix(seed);
    let mut draw = |n: usize| -> Vec<i64> { (0..n).map(|_| rng.range(-w, w)).collect() };
    let mut layers = Vec::new();
    let mut width = input_size;
    for k in 0..1 + stacked as usize {
        let shape = RecurrentShape { cell, steps, input_size: width, hidden, sequence_output: stacked && k == 0 };
        let [a, b, c, d] = shape.param_lens();
        layers.push(Layer::Recurrent(RecurrentLayer { shape, w: draw(a), r: draw(b), wb: draw(c), rb: draw(d) }));
        width = hidden;
    }
    layers.push(Layer::Dense(DenseLayer { inputs: hidden, outputs: classes, relu: false, weights: draw(hidden * classes), bias: draw(classes) }));
    QuantizedModel::new("random-recurrent", fixed, steps * input_size, classes, layers).expect("random recurrent model is valid")
}
