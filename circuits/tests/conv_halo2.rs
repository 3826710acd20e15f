//! The halo2 conv check in im2col form (`halo2/conv.rs`, `docs/circuit.md` section 6b) with
//! MockProver. Honest witnesses of random conv models (random input sizes, kernels, strides,
//! paddings, channel counts, inputs no patch reads) pass with the reference's score and
//! commitments; a cheating prover fails when it changes a conv output, feeds a conv other
//! inputs than the previous layer's outputs, or uses another kernel than the committed one,
//! and the failure is the constraint named for it (copy constraints for the copies).

use halo2_proofs::dev::{MockProver, VerifyFailure};
use proptest::prelude::*;
use zkpot_circuits::eval::{eval_layers, evaluate};
use zkpot_circuits::field::Fr;
use zkpot_circuits::fixed::argmax;
use zkpot_circuits::halo2::conv::ConvTamper;
use zkpot_circuits::halo2::{CircuitShape, ValidationCircuit, Witness};
use zkpot_circuits::layers::{ConvLayer, Layer, PoolLayer, Window2d};
use zkpot_circuits::model::{DenseLayer, QuantizedModel};
use zkpot_circuits::testing::{bounded_cnn, random_dataset, retrace, shift_positive_output, SplitMix, TINY};

/// MockProver's failures, or `Ok` when the circuit is satisfied.
fn failures(c: &ValidationCircuit) -> Result<(), Vec<VerifyFailure>> {
    let public = c.witness.as_ref().unwrap().public_inputs();
    MockProver::run(c.shape.k(), c, vec![public.to_vec()]).expect("synthesis").verify()
}

fn is_copy(f: &VerifyFailure) -> bool {
    matches!(f, VerifyFailure::Permutation { .. })
}

/// A random conv model: conv (random geometry) -> [max-pool -> conv] -> dense -> 3 classes. The
/// max-pool's kernel (1 or 2 a side) and strides (1 to 3) are random, so it is sometimes laid out
/// on the conv's rows (disjoint windows, `halo2/pool.rs`) and sometimes row per tap (overlapping).
fn random_conv_model(seed: u64, second: bool) -> QuantizedModel {
    let mut rng = SplitMix(seed);
    let mut r = |lo: i64, hi: i64| rng.range(lo, hi) as usize;
    let (c, h, w) = (r(1, 2), r(3, 7), r(3, 7));
    let kernel = [r(1, 3.min(h as i64)), r(1, 3.min(w as i64))];
    let pads = [r(0, kernel[0] as i64 - 1), r(0, kernel[1] as i64 - 1), r(0, kernel[0] as i64 - 1), r(0, kernel[1] as i64 - 1)];
    let window = Window2d { input: [c, h, w], kernel, strides: [r(1, 3), r(1, 3)], pads };
    let out_channels = r(1, 3);
    let relu = r(0, 1) == 1;
    let mut rng = SplitMix(seed ^ 0xC0);
    let mut draw = |n: usize| -> Vec<i64> { (0..n).map(|_| rng.range(-3, 3)).collect() };
    let conv = ConvLayer { window, out_channels, relu, weights: draw(out_channels * c * kernel[0] * kernel[1]), bias: draw(out_channels) };
    let [oh, ow] = window.out_hw().unwrap();
    let mut layers = vec![Layer::Conv(conv)];
    let mut width = out_channels * oh * ow;
    let mut rng = SplitMix(seed ^ 0x9001);
    let mut r = |lo: i64, hi: i64| rng.range(lo, hi) as usize;
    let kernel = [r(1, 2).min(oh), r(1, 2).min(ow)];
    let pool = Window2d { input: [out_channels, oh, ow], kernel, strides: [r(1, 3), r(1, 3)], pads: [0; 4] };
    if second && (kernel != [1, 1] || pool.strides != [1, 1]) {
        layers.push(Layer::MaxPool(PoolLayer { window: pool, count_include_pad: false }));
        let [ph, pw] = pool.out_hw().unwrap();
        let k2 = [ph.min(2), pw.min(2)];
        let conv2 = Window2d { input: [out_channels, ph, pw], kernel: k2, strides: [1, 1], pads: [k2[0] - 1, 0, 0, k2[1] - 1] };
        layers.push(Layer::Conv(ConvLayer { window: conv2, out_channels: 2, relu: true, weights: draw(2 * out_channels * k2[0] * k2[1]), bias: draw(2) }));
        width = 2 * conv2.positions();
    }
    layers.push(Layer::Dense(DenseLayer { inputs: width, outputs: 3, relu: false, weights: draw(width * 3), bias: draw(3) }));
    QuantizedModel::new("random-conv", TINY, c * h * w, 3, layers).expect("a valid conv model")
}

/// The first seed from `seed` on whose model and `n` samples stay in the bound.
fn bounded(seed: u64, n: usize, second: bool) -> (ValidationCircuit, u64) {
    let mut s = seed;
    loop {
        let model = random_conv_model(s, second);
        let data = random_dataset(s, TINY, model.input_dim, 3, n, 12);
        if evaluate(&model, &data).is_ok() {
            return (ValidationCircuit::new(model, data).unwrap(), s);
        }
        s += 1;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn random_conv_models_pass_with_the_reference_score(seed in 0u64..1_000_000, n in 1usize..4, second: bool) {
        let (c, s) = bounded(seed, n, second);
        let w = c.witness.as_ref().unwrap();
        let trace = evaluate(&w.model, &w.data).unwrap();
        let public = w.public_inputs();
        prop_assert_eq!(public[0], zkpot_circuits::commit::model_commitment(&w.model));
        prop_assert_eq!(public[1], zkpot_circuits::commit::dataset_commitment(&w.data));
        prop_assert_eq!(public[3], Fr::from(trace.score as u64));
        prop_assert!(failures(&c).is_ok(), "seed {s}: {:?}", failures(&c).err().map(|e| e.len()));
    }
}

#[test]
fn inputs_no_patch_reads_are_free_and_the_rest_are_bound() {
    // stride 3 over a 1x7x7 input with a 2x2 kernel: rows and columns 2 and 5 are never read,
    // so their c_k is the constant 0 and changing them changes nothing
    let window = Window2d { input: [1, 7, 7], kernel: [2, 2], strides: [3, 3], pads: [0; 4] };
    let conv = ConvLayer { window, out_channels: 2, relu: true, weights: vec![1, -2, 3, 1, 2, 0, -1, 1], bias: vec![1, -1] };
    let layers = vec![Layer::Conv(conv), Layer::Dense(DenseLayer { inputs: 8, outputs: 3, relu: false, weights: (0..24).map(|i| i % 5 - 2).collect(), bias: vec![0, 1, -1] })];
    let model = QuantizedModel::new("strided", TINY, 49, 3, layers).unwrap();
    let data = random_dataset(5, TINY, 49, 3, 2, 12);
    let c = ValidationCircuit::new(model, data).unwrap();
    assert!(failures(&c).is_ok());
    // an unread input changes neither the conv nor the score; a read one changes the accumulators,
    // and the old ones no longer pass
    let mut unread = c.clone();
    let w = unread.witness.as_mut().unwrap();
    w.data.features[2] += 1;
    w.trace = evaluate(&w.model, &w.data).unwrap();
    assert_eq!(w.trace, c.witness.as_ref().unwrap().trace);
    assert!(failures(&unread).is_ok());
    let mut read = c.clone();
    read.witness.as_mut().unwrap().data.features[1] += 1;
    assert!(failures(&read).is_err(), "a read input changed under the old accumulators");
}

#[test]
fn changed_conv_outputs_fail() {
    // an accumulator moved by 2^s with z, rem and the ReLU consistent, the rest retraced: only
    // Freivalds can object; conv 1 (reading the data rows) and conv 2 (after a pool)
    for (seed, li, i) in [(1u64, 0usize, 0usize), (2, 0, 2), (3, 2, 1), (4, 2, 0)] {
        let (model, data) = bounded_cnn(seed * 100, 3, false);
        let mut c = ValidationCircuit::new(model, data).unwrap();
        shift_positive_output(c.witness.as_mut().unwrap(), i, li);
        let errs = failures(&c).expect_err("a changed conv output must fail");
        assert!(errs.iter().all(|e| !is_copy(e)), "layer {li}: only gates object, {errs:?}");
    }
}

#[test]
fn changed_committed_kernel_or_bias_fails() {
    // the public model commitment is of a kernel (or bias) one unit off, the accumulators are
    // the true model's: the kernel rows copy the committed cells, so Freivalds objects
    for (li, t) in [(0usize, 0usize), (0, 17), (0, 19), (2, 3), (2, 53), (2, 55)] {
        let (model, data) = bounded_cnn(21, 2, false);
        let mut c = ValidationCircuit::new(model, data).unwrap();
        let w = c.witness.as_mut().unwrap();
        let Layer::Conv(conv) = &mut w.model.layers[li] else { unreachable!() };
        match t.checked_sub(conv.weights.len()) {
            None => conv.weights[t] += 1,
            Some(b) => conv.bias[b] += 1,
        }
        assert!(failures(&c).is_err(), "layer {li} value {t}");
    }
}

/// The witness of `model` with the trace of `other` (a model whose kernel differs).
fn with_trace_of(model: QuantizedModel, other: &QuantizedModel, c: &ValidationCircuit) -> Witness {
    let data = c.witness.as_ref().unwrap().data.clone();
    let mut w = Witness::new(model, data.clone()).unwrap();
    w.trace = evaluate(other, &data).unwrap();
    w
}

#[test]
fn kernel_rows_using_another_kernel_than_the_committed_one_fail() {
    // The prover runs a kernel one unit off the committed one everywhere it matters: the
    // accumulators and the kernel rows' cells agree with each other, so Freivalds passes; only
    // the copy of the committed cell into the kernel row objects.
    for (li, t, delta) in [(0usize, 4usize, 1i64), (0, 18, -1), (2, 30, 1), (2, 54, 1)] {
        let (model, data) = bounded_cnn(31, 2, false);
        let c = ValidationCircuit::new(model.clone(), data).unwrap();
        let mut other = model.clone();
        let Layer::Conv(conv) = &mut other.layers[li] else { unreachable!() };
        match t.checked_sub(conv.weights.len()) {
            None => conv.weights[t] += delta,
            Some(b) => conv.bias[b] += delta,
        }
        if evaluate(&other, &c.witness.as_ref().unwrap().data).is_err() {
            continue;
        }
        let mut w = with_trace_of(model, &other, &c);
        w.conv_tamper = Some(ConvTamper::Kernel { layer: li, t, delta });
        let bad = ValidationCircuit { shape: c.shape.clone(), witness: Some(w) };
        let errs = failures(&bad).expect_err("a kernel row off the committed kernel must fail");
        assert!(!errs.is_empty() && errs.iter().all(is_copy), "layer {li} value {t}: {errs:?}");
        // and with the honest copies, the same trace fails Freivalds
        let mut plain = bad.clone();
        plain.witness.as_mut().unwrap().conv_tamper = None;
        assert!(failures(&plain).expect_err("old kernel, other accumulators").iter().all(|e| !is_copy(e)));
    }
}

/// Conv 2 (layer 2) and everything after it computed from pool input `k` of sample `i` moved by
/// `delta`, with the [`ConvTamper::Input`] hook putting that input where conv 2 reads it; `None`
/// when a later layer leaves the bound.
fn reading_another_input(c: &ValidationCircuit, i: usize, k: usize, delta: i64) -> Option<ValidationCircuit> {
    let mut c = c.clone();
    let w = c.witness.as_mut().unwrap();
    let mut x = w.trace.samples[i].layers[1].out.clone();
    x[k] += delta;
    let later = eval_layers(&w.model, 2, &x, i).ok()?;
    let s = &mut w.trace.samples[i];
    s.layers.truncate(2);
    s.layers.extend(later);
    s.prediction = argmax(&s.layers.last().unwrap().out);
    w.trace.score = w.trace.samples.iter().filter(|s| s.correct()).count();
    w.conv_tamper = Some(ConvTamper::Input { layer: 2, sample: i, k, delta });
    Some(c)
}

#[test]
fn a_conv_reading_other_inputs_than_the_pool_outputs_fails() {
    // the 2x2 stride-2 max-pool sits on conv 1's rows and conv 2 reads the window's output cell
    // on its anchor row: moving that cell (conv 2 and the rest computed from it, so Freivalds
    // holds) breaks the window gate that ties it to the other tap rows' copy of the output (and,
    // moved below its own tap, the tap lookup)
    let mut checked = 0;
    for (seed, i, k, delta) in [(41u64, 0usize, 0usize, 1i64), (42, 1, 5, -1), (43, 2, 7, 2), (44, 0, 3, -2)] {
        let (model, data) = bounded_cnn(seed, 3, false);
        let c = ValidationCircuit::new(model, data).unwrap();
        let Some(bad) = reading_another_input(&c, i, k, delta) else { continue };
        let errs = failures(&bad).expect_err("an input that is not the pool's output must fail");
        assert!(!errs.is_empty() && errs.iter().all(|e| e.to_string().contains("max-pool")), "seed {seed}: {errs:?}");
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} cases");
}

#[test]
fn a_conv_input_block_off_the_pool_outputs_fails() {
    // an overlapping max-pool (stride 1) keeps its row-per-tap layout and conv 2 its input block
    // of copies: one input off the pool output it copies, the rest consistent with it, and
    // only the copy constraint objects
    let mut checked = 0;
    for seed in 0..40u64 {
        let (c, _) = bounded(seed * 7, 2, true);
        let layers = &c.witness.as_ref().unwrap().model.layers;
        let overlapping = matches!(&layers[1], Layer::MaxPool(p) if p.window.strides[0] < p.window.kernel[0] || p.window.strides[1] < p.window.kernel[1]);
        if !overlapping || c.shape.layer_rows(2) == layers[2].arch().outputs() {
            continue;
        }
        let Some(bad) = reading_another_input(&c, 1, 0, 1) else { continue };
        let errs = failures(&bad).expect_err("an input that is not a copy must fail");
        assert!(!errs.is_empty() && errs.iter().all(is_copy), "seed {seed}: {errs:?}");
        checked += 1;
        if checked == 3 {
            break;
        }
    }
    assert!(checked >= 1, "no overlapping pool drawn");
}

#[test]
fn pair_rows_off_their_power_or_kernel_sum_fail() {
    for tamper in [
        ConvTamper::Power { layer: 0, pair: 0, delta: 1 },
        ConvTamper::Power { layer: 2, pair: 20, delta: -1 },
        ConvTamper::Coefficient { layer: 0, pair: 7, delta: 1 },
        ConvTamper::Coefficient { layer: 2, pair: 3, delta: 1 },
    ] {
        let (model, data) = bounded_cnn(51, 2, true);
        let mut c = ValidationCircuit::new(model, data).unwrap();
        c.witness.as_mut().unwrap().conv_tamper = Some(tamper);
        let errs = failures(&c).expect_err("a pair row off its copy must fail");
        assert!(errs.iter().any(is_copy), "{tamper:?}: {errs:?}");
    }
}

#[test]
fn conv_blocks_are_small_and_counted_exactly() {
    // the fixture-shaped CNN: C (K + 1) + (P + 1) + in_ch taps + 1 per conv layer, against
    // (16 + 1) 32 + (8 + 1) 12 = 652 rows of expanded blocks before (taps of a 3x3 pad-1
    // window: 10 x 10 over 4x4, 4 x 4 over 2x2)
    let (model, data) = bounded_cnn(61, 1, false);
    let shape = CircuitShape::new(model.architecture(), data.len());
    assert_eq!(shape.conv_rows(), (2 * 10 + 17 + 100 + 1) + (3 * 19 + 5 + 2 * 16 + 1));
    let big = QuantizedModel::new(
        "lenet-shaped",
        TINY,
        784,
        10,
        vec![
            Layer::Conv(ConvLayer { window: Window2d { input: [1, 28, 28], kernel: [5, 5], strides: [1, 1], pads: [0; 4] }, out_channels: 6, relu: true, weights: vec![0; 150], bias: vec![0; 6] }),
            Layer::Dense(DenseLayer { inputs: 3456, outputs: 10, relu: false, weights: vec![0; 34_560], bias: vec![0; 10] }),
        ],
    )
    .unwrap();
    // C (K + 1) + P + 1 + in_ch taps + 1 = 6 * 26 + 577 + 14 400 + 1, against 785 * 3456 before
    assert_eq!(CircuitShape::new(big.architecture(), 1).conv_rows(), 156 + 577 + 14_400 + 1);
}

#[test]
fn retraced_pool_outputs_still_fail_with_the_new_conv_block() {
    // a pool output above every tap, the rest retraced (so conv 2 reads it honestly): the
    // pool's gadget objects, not the conv block
    let (model, data) = bounded_cnn(71, 2, false);
    let mut c = ValidationCircuit::new(model, data).unwrap();
    let w = c.witness.as_mut().unwrap();
    let mut out = w.trace.samples[1].layers[1].out.clone();
    out[0] += 1;
    retrace(w, 1, 1, out);
    let errs = failures(&c).expect_err("must fail");
    assert!(errs.iter().all(|e| !is_copy(e) && !e.to_string().contains("freivalds") && !e.to_string().contains("conv")), "{errs:?}");
}

