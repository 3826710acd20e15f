//! Convolutional models in the halo2 circuit against the validation function, with MockProver:
//! honest witnesses of random CNNs (conv, max-pool, average-pool with both `count_include_pad`
//! rules, dense) pass with exactly the reference score and commitments; a tampered conv,
//! max-pool or average-pool value must fail even when the rest of the witness is recomputed
//! to be consistent with it.

use halo2_proofs::dev::MockProver;
use proptest::prelude::*;
use zkpot_circuits::commit::model_commitment;
use zkpot_circuits::eval::{eval_layers, evaluate, Trace};
use zkpot_circuits::field::Fr;
use zkpot_circuits::halo2::{CircuitShape, ValidationCircuit};
use zkpot_circuits::layers::Layer;
use zkpot_circuits::model::QuantizedModel;
use zkpot_circuits::testing::{bounded_cnn as cnn, retrace, shift_positive_output, TINY};

fn run(c: &ValidationCircuit, public: [Fr; 4]) -> Result<(), String> {
    let prover = MockProver::run(c.shape.k(), c, vec![public.to_vec()]).map_err(|e| format!("synthesis: {e:?}"))?;
    prover.verify().map_err(|errs| {
        format!("{} failures: {}", errs.len(), errs.iter().map(|e| e.to_string().lines().next().unwrap_or("").to_string()).collect::<Vec<_>>().join(" | "))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]
    #[test]
    fn honest_cnn_passes_with_reference_score(seed in 0u64..1_000_000, cip: bool, n in 1usize..4) {
        let (model, data) = cnn(seed, n, cip);
        let trace: Trace = evaluate(&model, &data).unwrap();
        let c = ValidationCircuit::new(model, data).unwrap();
        let public = c.witness.as_ref().unwrap().public_inputs();
        prop_assert_eq!(public[3], Fr::from(trace.score as u64));
        prop_assert_eq!(run(&c, public), Ok(()));
    }
}

#[test]
fn shape_counts_match_the_layout() {
    // MockProver would fail on a row outside 2^k; also pin that k stays small for this shape
    let (model, data) = cnn(7, 2, false);
    let shape = CircuitShape::new(model.architecture(), data.len());
    assert!(shape.k() <= 12, "k = {}", shape.k());
}

#[test]
fn conv_kernel_changed_under_old_accumulators_fails() {
    // The prover claims the commitment of a model with one kernel weight changed, keeping the
    // accumulators of the true model: the Freivalds check of the expanded matrix must object.
    for t in [0usize, 5, 17] {
        let (model, data) = cnn(11, 3, false);
        let mut c = ValidationCircuit::new(model, data).unwrap();
        let w = c.witness.as_mut().unwrap();
        let Layer::Conv(conv) = &mut w.model.layers[0] else { unreachable!() };
        conv.weights[t] += 1;
        let public = w.public_inputs();
        assert!(run(&c, public).is_err(), "kernel weight {t}");
    }
}

#[test]
fn conv_bias_changed_fails() {
    let (model, data) = cnn(12, 3, false);
    let mut c = ValidationCircuit::new(model, data).unwrap();
    let w = c.witness.as_mut().unwrap();
    let Layer::Conv(conv) = &mut w.model.layers[2] else { unreachable!() };
    conv.bias[1] += 1;
    let public = w.public_inputs();
    assert!(run(&c, public).is_err());
}

#[test]
fn conv_activation_shifted_consistently_fails() {
    let (model, data) = cnn(13, 3, false);
    let mut c = ValidationCircuit::new(model, data).unwrap();
    let w = c.witness.as_mut().unwrap();
    shift_positive_output(w, 1, 0);
    let public = w.public_inputs();
    assert!(run(&c, public).is_err());
}

#[test]
fn max_pool_claiming_a_smaller_tap_fails() {
    let mut checked = 0;
    for seed in 20..30 {
        let (model, data) = cnn(seed * 10, 3, false);
        let mut c = ValidationCircuit::new(model, data).unwrap();
        let w = c.witness.as_mut().unwrap();
        let Layer::MaxPool(p) = w.model.layers[1] else { unreachable!() };
        let x = w.trace.samples[0].layers[0].out.clone();
        let windows = p.windows();
        // a window whose taps differ: claim its smallest tap instead of the maximum
        let Some(o) = (0..windows.len()).find(|&o| windows[o].iter().any(|k| x[*k] != x[windows[o][0]])) else { continue };
        let min = windows[o].iter().map(|k| x[*k]).min().unwrap();
        let mut out = w.trace.samples[0].layers[1].out.clone();
        out[o] = min;
        if eval_layers(&w.model, 2, &out, 0).is_err() {
            continue;
        }
        retrace(w, 0, 1, out);
        let public = w.public_inputs();
        let err = run(&c, public).expect_err("a max-pool output below the maximum must fail");
        assert!(err.contains("range"), "{err}");
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} cases");
}

#[test]
fn max_pool_claiming_a_value_above_every_tap_fails() {
    let (model, data) = cnn(40, 3, false);
    let mut c = ValidationCircuit::new(model, data).unwrap();
    let w = c.witness.as_mut().unwrap();
    let mut out = w.trace.samples[2].layers[1].out.clone();
    out[0] += 1;
    retrace(w, 2, 1, out);
    let public = w.public_inputs();
    assert!(run(&c, public).is_err());
}

#[test]
fn avg_pool_off_by_one_with_consistent_remainder_fails() {
    // out moved by one and rem by 2d against it: the division gate still holds, only the
    // range checks on rem and 2d - 1 - rem can object
    for cip in [false, true] {
        for dz in [1i64, -1] {
            let (model, data) = cnn(50, 3, cip);
            let mut c = ValidationCircuit::new(model, data).unwrap();
            let w = c.witness.as_mut().unwrap();
            let Layer::AvgPool(p) = w.model.layers[3] else { unreachable!() };
            let o = 4; // the centre window of channel 0: 4 taps
            let d = p.divisor(p.windows()[o].len()) as i64;
            let mut out = w.trace.samples[1].layers[3].out.clone();
            out[o] += dz;
            let rem = w.trace.samples[1].layers[3].rem[o] - 2 * d * dz;
            retrace(w, 1, 3, out);
            w.trace.samples[1].layers[3].rem[o] = rem;
            let public = w.public_inputs();
            let err = run(&c, public).expect_err("an average off by one must fail");
            assert!(err.contains("range"), "cip {cip} dz {dz}: {err}");
        }
    }
}

#[test]
fn avg_pool_wrong_remainder_alone_fails() {
    let (model, data) = cnn(60, 2, true);
    let mut c = ValidationCircuit::new(model, data).unwrap();
    let public = c.witness.as_ref().unwrap().public_inputs();
    let w = c.witness.as_mut().unwrap();
    w.trace.samples[0].layers[3].rem[0] += 1;
    assert!(run(&c, public).is_err());
}

#[test]
fn pool_kind_is_bound_by_the_commitment() {
    let (model, _) = cnn(70, 1, false);
    let mut other = model.clone();
    let Layer::AvgPool(p) = other.layers[3] else { unreachable!() };
    other.layers[3] = Layer::AvgPool(zkpot_circuits::layers::PoolLayer { count_include_pad: true, ..p });
    assert_ne!(model_commitment(&model), model_commitment(&other));
    other.layers[3] = Layer::MaxPool(p);
    assert_ne!(model_commitment(&model), model_commitment(&other));
}

#[test]
fn model_json_round_trips_and_mlp_json_has_no_type_tags() {
    let (model, _) = cnn(80, 1, true);
    let json = model.to_json();
    assert_eq!(QuantizedModel::from_json(&json).unwrap(), model);
    assert!(json.contains("\"type\": \"conv\"") && json.contains("\"type\": \"maxpool\"") && json.contains("\"type\": \"avgpool\""));
    let mlp = zkpot_circuits::testing::random_model(1, TINY, &[3, 4, 3], 4);
    let json = mlp.to_json();
    assert!(!json.contains("\"type\""), "{json}");
    assert_eq!(QuantizedModel::from_json(&json).unwrap(), mlp);
    assert!(mlp.dense_only().is_some() && model.dense_only().is_none());
    assert_eq!(mlp.architecture().dense_shapes().map(|v| v.len()), Some(2));
    assert!(model.architecture().dense_shapes().is_none());
}

#[test]
fn malformed_shapes_are_refused_not_panicked_on() {
    let (model, _) = cnn(90, 1, false);
    let good = CircuitShape::new(model.architecture(), 3);
    good.validate().unwrap();
    let json = serde_json::to_string(&good).unwrap();
    for (from, to) in [
        ("\"strides\":[1,1]", "\"strides\":[0,1]"),
        ("\"kernel\":[3,3]", "\"kernel\":[0,3]"),
        ("\"out_channels\":2", "\"out_channels\":0"),
        ("\"input\":[1,4,4]", "\"input\":[1,4,5]"),
        ("\"input\":[1,4,4]", "\"input\":[1,4000000000,4000000000]"),
        ("\"samples\":3", "\"samples\":0"),
        ("\"samples\":3", "\"samples\":1000000000"),
    ] {
        assert!(json.contains(from), "{from}");
        let bad: CircuitShape = serde_json::from_str(&json.replacen(from, to, 1)).unwrap();
        assert!(bad.validate().is_err(), "{to}");
    }
}
