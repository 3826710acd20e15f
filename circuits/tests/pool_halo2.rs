//! Max-pools laid out on their input's rows (`halo2/pool.rs`, circuit version 7) with
//! MockProver: such a pool takes no rows and the layer after it no input block; honest witnesses
//! (ties included) pass with the reference score; a cheating prover fails on the row type named
//! for it when the output is below the maximum (the tap lookup), above every tap (the window
//! gate), when the next layer reads another value than the output (the window gate's tie of
//! the anchor to the other tap rows), or when a row between two anchors does not carry the next
//! layer's running sum `g` (its gate).

use halo2_proofs::dev::{MockProver, VerifyFailure};
use zkpot_circuits::eval::evaluate;
use zkpot_circuits::field::Fr;
use zkpot_circuits::halo2::conv::ConvTamper;
use zkpot_circuits::halo2::pool::tap_offsets;
use zkpot_circuits::halo2::{CircuitShape, ValidationCircuit};
use zkpot_circuits::layers::{ConvLayer, Layer, PoolLayer, Window2d};
use zkpot_circuits::model::{DenseLayer, QuantizedModel};
use zkpot_circuits::testing::{bounded_cnn, random_dataset, retrace, shift_positive_output, TINY};

fn failures(c: &ValidationCircuit) -> Result<(), Vec<VerifyFailure>> {
    let public = c.witness.as_ref().unwrap().public_inputs();
    MockProver::run(c.shape.k(), c, vec![public.to_vec()]).expect("synthesis").verify()
}

/// Asserts that `c` fails and that every failure names `what`.
fn fails_on(c: &ValidationCircuit, what: &str) {
    let errs = failures(c).expect_err("a cheating witness must fail");
    assert!(!errs.is_empty() && errs.iter().all(|e| e.to_string().contains(what)), "expected only {what}: {errs:?}");
}

/// `bounded_cnn`'s model (conv -> 2x2/2 max-pool -> conv -> avg-pool -> dense) on `n` samples.
fn cnn(seed: u64, n: usize) -> ValidationCircuit {
    let (model, data) = bounded_cnn(seed, n, false);
    ValidationCircuit::new(model, data).unwrap()
}

#[test]
fn a_disjoint_max_pool_between_linear_layers_takes_no_rows() {
    let c = cnn(1, 2);
    let arch = &c.shape.arch;
    assert_eq!(tap_offsets(arch, 1), Some(vec![0, 1, 4, 5]), "2x2 over a 4-wide input");
    assert_eq!(c.shape.layer_rows(1), 0);
    assert_eq!(c.shape.layer_rows(2), arch.layers[2].outputs(), "no input block after the pool");
    // the average pool keeps its rows, and so the dense layer after it its input block
    assert_eq!(tap_offsets(arch, 3), None);
    assert_eq!(c.shape.layer_rows(4), arch.layers[4].outputs() + arch.layers[4].inputs());
    assert!(failures(&c).is_ok());
}

#[test]
fn pools_the_one_row_layout_does_not_cover_keep_their_rows() {
    let (model, _) = bounded_cnn(1, 1, false);
    let Layer::MaxPool(p) = model.layers[1] else { unreachable!() };
    let with_pool = |window: Window2d, last: bool| {
        let mut m = model.clone();
        m.layers[1] = Layer::MaxPool(PoolLayer { window, ..p });
        if last {
            m.layers.truncate(2);
        }
        m.architecture()
    };
    let w = p.window;
    for (window, why) in [
        (Window2d { strides: [1, 2], ..w }, "overlapping"),
        (Window2d { pads: [1, 0, 0, 0], ..w }, "padded"),
        (Window2d { kernel: [3, 2], strides: [3, 2], ..w }, "six taps"),
    ] {
        assert_eq!(tap_offsets(&with_pool(window, false), 1), None, "{why}");
    }
    assert_eq!(tap_offsets(&with_pool(w, true), 1), None, "no linear layer after it");
    assert_eq!(tap_offsets(&with_pool(Window2d { kernel: [1, 2], strides: [1, 3], ..w }, false), 1), Some(vec![0, 1]));
}

#[test]
fn ties_and_a_pool_after_a_dense_layer_pass_with_the_reference_score() {
    // all-zero inputs: every conv output is relu(bias), so every window is a tie
    let c = cnn(2, 2);
    let mut tied = c.clone();
    let w = tied.witness.as_mut().unwrap();
    w.data.features.iter_mut().for_each(|x| *x = 0);
    w.trace = evaluate(&w.model, &w.data).unwrap();
    assert!(failures(&tied).is_ok());
    // dense 16 -> 8 (read as 2x2x2) -> 2x2 max-pool -> dense 2 -> 3
    let pool = Window2d { input: [2, 2, 2], kernel: [2, 2], strides: [2, 2], pads: [0; 4] };
    let layers = vec![
        Layer::Dense(DenseLayer { inputs: 16, outputs: 8, relu: true, weights: (0..128).map(|i| i % 5 - 2).collect(), bias: vec![1, 0, -1, 2, 0, 1, -2, 0] }),
        Layer::MaxPool(PoolLayer { window: pool, count_include_pad: false }),
        Layer::Dense(DenseLayer { inputs: 2, outputs: 3, relu: false, weights: vec![1, -1, 2, 0, 1, -2], bias: vec![0, 1, -1] }),
    ];
    let model = QuantizedModel::new("dense-pool", TINY, 16, 3, layers).unwrap();
    let data = random_dataset(3, TINY, 16, 3, 3, 6);
    let trace = evaluate(&model, &data).unwrap();
    let c = ValidationCircuit::new(model, data).unwrap();
    assert_eq!(c.shape.layer_rows(1), 0);
    assert_eq!(c.witness.as_ref().unwrap().public_inputs()[3], Fr::from(trace.score as u64));
    assert!(failures(&c).is_ok());
}

/// The first (sample, window) of `c`'s max-pool (layer 1) whose taps differ, with its taps.
fn uneven_window(c: &ValidationCircuit) -> Option<(usize, usize, Vec<i64>)> {
    let w = c.witness.as_ref().unwrap();
    let Layer::MaxPool(p) = w.model.layers[1] else { unreachable!() };
    (0..w.data.len()).find_map(|i| {
        let x = &w.trace.samples[i].layers[0].out;
        p.windows().iter().enumerate().find_map(|(o, taps)| {
            let v: Vec<i64> = taps.iter().map(|k| x[*k]).collect();
            v.iter().any(|t| *t != v[0]).then_some((i, o, v))
        })
    })
}

#[test]
fn a_pool_output_below_the_maximum_fails_the_tap_lookup() {
    let mut checked = 0;
    for seed in 0..12 {
        let mut c = cnn(seed * 10 + 3, 3);
        let Some((i, o, taps)) = uneven_window(&c) else { continue };
        let w = c.witness.as_mut().unwrap();
        let mut out = w.trace.samples[i].layers[1].out.clone();
        out[o] = *taps.iter().min().unwrap();
        if zkpot_circuits::eval::eval_layers(&w.model, 2, &out, i).is_err() {
            continue;
        }
        retrace(w, i, 1, out);
        fails_on(&c, "max-pool range");
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} cases");
}

#[test]
fn a_pool_output_above_every_tap_fails_the_window_gate() {
    for (seed, i, o) in [(40u64, 2usize, 0usize), (41, 0, 3), (42, 1, 7)] {
        let mut c = cnn(seed, 3);
        let w = c.witness.as_mut().unwrap();
        let mut out = w.trace.samples[i].layers[1].out.clone();
        out[o] += 1;
        retrace(w, i, 1, out);
        fails_on(&c, "max-pool window");
    }
}

#[test]
fn a_row_between_anchors_not_carrying_g_fails() {
    // conv 2's accumulators moved on one sample (the rest retraced), and its running sum g
    // jumping after anchor k by what balances that sample's Freivalds row: everything holds
    // but the carry on the row after the anchor
    for (seed, i, k) in [(300u64, 1usize, 0usize), (400, 0, 2), (300, 1, 6)] {
        let mut c = cnn(seed, 3);
        let w = c.witness.as_mut().unwrap();
        shift_positive_output(w, i, 2);
        w.conv_tamper = Some(ConvTamper::Carry { layer: 2, sample: i, k });
        fails_on(&c, "g over pool outputs");
        // without the jump, the combine rows object
        fails_off_the_pool_rows_without_the_jump(&c);
    }
}

/// `c` without its [`ConvTamper::Carry`] hook fails, and not on the pool's rows.
fn fails_off_the_pool_rows_without_the_jump(c: &ValidationCircuit) {
    let mut plain = c.clone();
    plain.witness.as_mut().unwrap().conv_tamper = None;
    let errs = failures(&plain).expect_err("other accumulators must fail");
    assert!(errs.iter().all(|e| !e.to_string().contains("max-pool") && !e.to_string().contains("g over pool")), "{errs:?}");
}

#[test]
fn the_lenet_shape_has_no_pool_rows() {
    // the bundled CNN's geometry: conv 5x5 (6) -> 2x2 pool -> conv 5x5 (16) -> 2x2 pool -> dense
    let conv = |input: [usize; 3], oc: usize| ConvLayer { window: Window2d { input, kernel: [5, 5], strides: [1, 1], pads: [0; 4] }, out_channels: oc, relu: true, weights: vec![0; oc * input[0] * 25], bias: vec![0; oc] };
    let pool = |input: [usize; 3]| Layer::MaxPool(PoolLayer { window: Window2d { input, kernel: [2, 2], strides: [2, 2], pads: [0; 4] }, count_include_pad: false });
    let layers = vec![
        Layer::Conv(conv([1, 28, 28], 6)),
        pool([6, 24, 24]),
        Layer::Conv(conv([6, 12, 12], 16)),
        pool([16, 8, 8]),
        Layer::Dense(DenseLayer { inputs: 256, outputs: 10, relu: false, weights: vec![0; 2560], bias: vec![0; 10] }),
    ];
    let model = QuantizedModel::new("lenet-shaped", TINY, 784, 10, layers).unwrap();
    let shape = CircuitShape::new(model.architecture(), 1);
    let rows: Vec<usize> = (0..5).map(|li| shape.layer_rows(li)).collect();
    assert_eq!(rows, vec![3456, 0, 1024, 0, 10]);
}
