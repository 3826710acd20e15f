//! LSTM and GRU in the reference: known answers worked by hand, agreement with the float
//! forward pass on random models, the trace layout, bound errors naming the step, the format
//! and commitment, and both backends accepting recurrent layers.

use zkpot_circuits::activation::{sigmoid, tanh};
use zkpot_circuits::commit::model_commitment;
use zkpot_circuits::error::CircuitError;
use zkpot_circuits::eval::{eval_sample, evaluate};
use zkpot_circuits::fixed::{rescale, FixedParams};
use zkpot_circuits::groth16::support;
use zkpot_circuits::halo2::{CircuitShape, ValidationCircuit};
use zkpot_circuits::layers::recurrent::FloatRecurrent;
use zkpot_circuits::layers::{Cell, Layer, RecurrentLayer, RecurrentShape};
use zkpot_circuits::model::{FloatLayer, FloatModel, QuantizedModel, FLOAT_MODEL_FORMAT};
use zkpot_circuits::quantize::quantize_model;
use zkpot_circuits::testing::{random_dataset, random_recurrent_model, SplitMix};

const P: FixedParams = FixedParams { scale_bits: 8, value_bits: 15 };

fn rs(acc: i128) -> i64 {
    rescale(acc, 8).0 as i64
}

/// One unit, one input, two steps: every rescale computed by hand from the spec's equations.
#[test]
fn lstm_known_answer() {
    let shape = RecurrentShape { cell: Cell::Lstm, steps: 2, input_size: 1, hidden: 1, sequence_output: false };
    // gates i, o, f, c
    let layer = RecurrentLayer { shape, w: vec![128, -64, 200, 256], r: vec![32, 16, -8, 100], wb: vec![10, 0, 64, -5], rb: vec![0, 3, 0, 5] };
    let x = [256i64, -128];
    let v = layer.eval(&x, &P, 0, 0).unwrap();
    let (mut h, mut c) = (0i64, 0i64);
    let mut expect = Vec::new();
    for xt in x {
        let a: Vec<i64> = (0..4)
            .map(|g| rs(xt as i128 * layer.w[g] as i128 + h as i128 * layer.r[g] as i128 + ((layer.wb[g] + layer.rb[g]) as i128) * 256))
            .collect();
        expect.extend(&a);
        c = rs(sigmoid(a[2], 8) as i128 * c as i128 + sigmoid(a[0], 8) as i128 * tanh(a[3], 8) as i128);
        h = rs(sigmoid(a[1], 8) as i128 * tanh(c, 8) as i128);
        expect.extend([c, h]);
    }
    assert_eq!(v.z, expect);
    assert_eq!(v.out, vec![h]);
    assert_eq!(v.z.len(), 2 * 6);
}

#[test]
fn gru_known_answer() {
    let shape = RecurrentShape { cell: Cell::Gru, steps: 2, input_size: 1, hidden: 1, sequence_output: true };
    // gates z, r, h
    let layer = RecurrentLayer { shape, w: vec![100, -50, 300], r: vec![40, 20, -60], wb: vec![5, 6, 7], rb: vec![-5, 2, 30] };
    let x = [200i64, 90];
    let v = layer.eval(&x, &P, 0, 0).unwrap();
    let mut h = 0i64;
    let mut outs = Vec::new();
    for xt in x {
        let gate = |g: usize| rs(xt as i128 * layer.w[g] as i128 + h as i128 * layer.r[g] as i128 + ((layer.wb[g] + layer.rb[g]) as i128) * 256);
        let (az, ar) = (gate(0), gate(1));
        let (z, r) = (sigmoid(az, 8), sigmoid(ar, 8));
        let hn = rs(h as i128 * layer.r[2] as i128 + layer.rb[2] as i128 * 256);
        let an = rs(xt as i128 * layer.w[2] as i128 + layer.wb[2] as i128 * 256 + r as i128 * hn as i128);
        let n = tanh(an, 8);
        h = rs((256 - z as i128) * n as i128 + z as i128 * h as i128);
        outs.push(h);
    }
    assert_eq!(v.out, outs, "sequence output: every hidden state");
    assert_eq!(v.z.len(), 2 * 5);
}

/// The quantized layers follow the float ones closely on random models (both cells, single
/// and stacked), so the fixed-point equations are the float equations.
#[test]
fn quantized_follows_float() {
    for (seed, cell, stacked) in [(1, Cell::Lstm, false), (2, Cell::Gru, false), (3, Cell::Lstm, true), (4, Cell::Gru, true)] {
        let q = random_recurrent_model(seed, P, cell, stacked, [5, 3, 4, 3], 200);
        let float = FloatModel {
            format: FLOAT_MODEL_FORMAT.into(),
            version: 1,
            name: "f".into(),
            input_dim: q.input_dim,
            num_classes: q.num_classes,
            layers: q
                .layers
                .iter()
                .map(|l| match l {
                    Layer::Recurrent(r) => {
                        let f = |v: &[i64]| v.iter().map(|x| P.dequantize(*x)).collect();
                        FloatLayer::Recurrent(FloatRecurrent { shape: r.shape, w: f(&r.w), r: f(&r.r), wb: f(&r.wb), rb: f(&r.rb) })
                    }
                    Layer::Dense(d) => FloatLayer::Dense {
                        weights: (0..d.inputs).map(|i| (0..d.outputs).map(|j| P.dequantize(d.w(i, j))).collect()).collect(),
                        bias: d.bias.iter().map(|b| P.dequantize(*b)).collect(),
                    },
                    _ => unreachable!(),
                })
                .collect(),
        };
        assert_eq!(quantize_model(&float, P).unwrap(), QuantizedModel { name: "f".into(), ..q.clone() }, "quantize is exact on grid weights");
        let data = random_dataset(seed, P, q.input_dim, q.num_classes, 8, 256);
        for i in 0..data.len() {
            let out = eval_sample(&q, data.sample(i), i).unwrap().pop().unwrap().out;
            let x: Vec<f64> = data.sample(i).iter().map(|v| P.dequantize(*v)).collect();
            let fo = float.forward(&x);
            for (a, b) in out.iter().zip(&fo) {
                assert!((P.dequantize(*a) - b).abs() < 0.1, "{cell:?} stacked {stacked} sample {i}: {} vs {b}", P.dequantize(*a));
            }
        }
    }
}

#[test]
fn out_of_bound_names_step_and_unit() {
    let shape = RecurrentShape { cell: Cell::Lstm, steps: 3, input_size: 1, hidden: 1, sequence_output: false };
    let layer = RecurrentLayer { shape, w: vec![16000; 4], r: vec![0; 4], wb: vec![0; 4], rb: vec![0; 4] };
    let err = layer.eval(&[16000, 0, 0], &P, 2, 7).unwrap_err().to_string();
    assert!(err.contains("layer 2 (LSTM) gate i [0] at step 0 on sample 7"), "{err}");
}

#[test]
fn json_round_trip_and_commitment_binds_recurrent_weights() {
    let q = random_recurrent_model(9, P, Cell::Gru, true, [4, 2, 3, 2], 100);
    let text = q.to_json();
    assert!(text.contains("\"type\": \"recurrent\"") && text.contains("\"cell\": \"gru\""));
    assert_eq!(QuantizedModel::from_json(&text).unwrap(), q);
    let mut q2 = q.clone();
    let Layer::Recurrent(r) = &mut q2.layers[1] else { panic!() };
    r.r[0] += 1;
    assert_ne!(model_commitment(&q), model_commitment(&q2));
    // the cell is in the header: an LSTM and a GRU never share a commitment
    let header = zkpot_circuits::commit::model_header(&q.architecture());
    assert!(header.contains(&zkpot_circuits::field::Fr::from(8u64)));
}

#[test]
fn wrong_parameter_lengths_and_large_scales_are_refused() {
    let mut q = random_recurrent_model(5, P, Cell::Lstm, false, [3, 2, 2, 2], 50);
    let Layer::Recurrent(r) = &mut q.layers[0] else { panic!() };
    r.rb.pop();
    let err = q.validate().unwrap_err().to_string();
    assert!(err.contains("rb") && err.contains("expected 8"), "{err}");
    let big = FixedParams { scale_bits: 13, value_bits: 20 };
    let q = random_recurrent_model(5, P, Cell::Lstm, false, [3, 2, 2, 2], 50);
    let err = QuantizedModel::new("x", big, q.input_dim, q.num_classes, q.layers.clone()).unwrap_err();
    assert!(matches!(err, CircuitError::Params(ref m) if m.contains("scale_bits <= 12")), "{err}");
}

#[test]
fn both_backends_accept_recurrent_layers() {
    let q = random_recurrent_model(6, P, Cell::Lstm, false, [3, 2, 2, 2], 50);
    let data = random_dataset(6, P, q.input_dim, q.num_classes, 4, 100);
    assert_eq!(evaluate(&q, &data).unwrap().samples.len(), 4, "the reference evaluates it");
    let shape = CircuitShape::new(q.architecture(), 4);
    support::check(&shape).unwrap();
    shape.check_halo2_support().unwrap();
    ValidationCircuit::new(q, data).unwrap();
}

/// Random recurrent models over random data: the evaluator never panics, and a bound error is
/// the only way it fails.
#[test]
fn random_models_evaluate_or_fail_cleanly() {
    let mut rng = SplitMix(77);
    for seed in 0..40u64 {
        let cell = if seed % 2 == 0 { Cell::Lstm } else { Cell::Gru };
        let dims = [rng.range(1, 4) as usize, rng.range(1, 3) as usize, rng.range(1, 4) as usize, rng.range(1, 3) as usize];
        let q = random_recurrent_model(seed, P, cell, seed % 3 == 0, dims, rng.range(1, 2000));
        let data = random_dataset(seed, P, q.input_dim, q.num_classes, 3, rng.range(0, 16000));
        match evaluate(&q, &data) {
            Ok(t) => assert_eq!(t.samples.len(), 3),
            Err(e) => assert!(matches!(e, CircuitError::OutOfBound { .. }), "{e}"),
        }
    }
}
