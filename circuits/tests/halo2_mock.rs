//! The halo2 circuit against the validation function, with MockProver: honest witnesses pass
//! with exactly the reference score and commitments; every tampering below must fail.

use halo2_proofs::dev::MockProver;
use halo2_proofs::halo2curves::ff::Field;
use proptest::prelude::*;
use zkpot_circuits::eval::evaluate;
use zkpot_circuits::field::Fr;
use zkpot_circuits::fixed::rescale;
use zkpot_circuits::halo2::{CircuitShape, ValidationCircuit};
use zkpot_circuits::testing::{random_dataset, random_model, unbounded_dense_trace, TINY};

fn tiny(seed: u64, n: usize) -> ValidationCircuit {
    let model = random_model(seed, TINY, &[3, 4, 3], 4);
    let data = random_dataset(seed, TINY, 3, 3, n, 16);
    ValidationCircuit::new(model, data).unwrap()
}

fn run(c: &ValidationCircuit, public: [Fr; 4]) -> Result<(), String> {
    let k = c.shape.k();
    let prover = MockProver::run(k, c, vec![public.to_vec()]).map_err(|e| format!("synthesis: {e:?}"))?;
    prover.verify().map_err(|errs| {
        let msg = format!("{} failures: {}", errs.len(), errs.iter().map(|e| e.to_string().lines().next().unwrap_or("").to_string()).collect::<Vec<_>>().join(" | "));
        if std::env::var("SHOW_FAILURES").is_ok() {
            eprintln!("{msg}");
        }
        msg
    })
}

fn honest_public(c: &ValidationCircuit) -> [Fr; 4] {
    c.witness.as_ref().unwrap().public_inputs()
}

#[test]
fn honest_witness_passes_with_reference_score() {
    let c = tiny(1, 5);
    let public = honest_public(&c);
    let w = c.witness.as_ref().unwrap();
    assert_eq!(public[3], Fr::from(evaluate(&w.model, &w.data).unwrap().score as u64));
    run(&c, public).unwrap();
}

#[test]
fn wrong_score_fails() {
    let c = tiny(2, 5);
    let mut public = honest_public(&c);
    public[3] += Fr::ONE;
    assert!(run(&c, public).is_err());
}

#[test]
fn wrong_n_or_commitments_fail() {
    let c = tiny(3, 4);
    for i in 0..3 {
        let mut public = honest_public(&c);
        public[i] += Fr::ONE;
        assert!(run(&c, public).is_err(), "public input {i} changed");
    }
}

#[test]
fn changed_label_fails() {
    let mut c = tiny(4, 5);
    let public = honest_public(&c);
    let w = c.witness.as_mut().unwrap();
    w.data.labels[2] = (w.data.labels[2] + 1) % 3;
    w.trace.samples[2].label = w.data.labels[2];
    assert!(run(&c, public).is_err());
}

#[test]
fn tampered_weight_fails() {
    let mut c = tiny(5, 5);
    let public = honest_public(&c);
    c.witness.as_mut().unwrap().model.layers[0].as_dense_mut().unwrap().weights[1] += 1;
    assert!(run(&c, public).is_err());
}

#[test]
fn tampered_weight_with_consistent_commitment_fails() {
    // The prover changes a weight and claims the new model's commitment, but keeps the old
    // accumulators: only the matrix-product check (Freivalds) can catch this.
    let mut c = tiny(6, 5);
    let w = c.witness.as_mut().unwrap();
    w.model.layers[1].as_dense_mut().unwrap().weights[0] += 1;
    let mut public = w.public_inputs();
    public[3] = Fr::from(w.trace.score as u64);
    assert!(run(&c, public).is_err());
}

#[test]
fn model_values_are_checked_beside_the_data_and_past_its_end() {
    // Since circuit version 7 the model's values (31 here) run beside the data values (4 a
    // sample) on the same rows; whichever stream is longer continues alone. A layer-1 bias
    // changed under the old accumulators, with the new model's commitment claimed, must fail
    // Freivalds both where its row also holds a data value (N = 16: 64 data values) and where
    // the model stream runs alone (N = 2: 8 data values; the bias is value 30).
    for n in [16, 2] {
        let c = tiny(8, n);
        assert_eq!(run(&c, honest_public(&c)), Ok(()), "N = {n}");
        let mut c = c;
        let w = c.witness.as_mut().unwrap();
        *w.model.layers[1].as_dense_mut().unwrap().bias.last_mut().unwrap() += 1;
        let mut public = w.public_inputs();
        public[3] = Fr::from(w.trace.score as u64);
        let err = run(&c, public).unwrap_err();
        assert!(err.contains("freivalds combine"), "N = {n}: {err}");
    }
}

#[test]
fn tampered_activation_fails_even_if_rescale_is_consistent() {
    let mut c = tiny(7, 5);
    let public = honest_public(&c);
    let s = TINY.scale_bits;
    let w = c.witness.as_mut().unwrap();
    let v = &mut w.trace.samples[1].layers[0];
    // shift the accumulator by one unit of 2^s: rescale and range stay consistent
    v.acc[2] += 1 << s;
    let (z, r) = rescale(v.acc[2] as i128, s);
    v.z[2] = z as i64;
    v.rem[2] = r as i64;
    v.out[2] = v.z[2].max(0);
    assert!(run(&c, public).is_err());
}

#[test]
fn tampered_rescale_fails() {
    let mut c = tiny(8, 5);
    let public = honest_public(&c);
    let w = c.witness.as_mut().unwrap();
    w.trace.samples[0].layers[0].z[0] += 1;
    w.trace.samples[0].layers[0].out[0] = w.trace.samples[0].layers[0].z[0].max(0);
    assert!(run(&c, public).is_err());
}

#[test]
fn rescale_with_remainder_out_of_range_fails() {
    // z and rem moved together so the rescale gate still holds, on a last-layer logit far
    // below the maximum (so the argmax rows stay consistent): only the range lookup on the
    // scaled remainder (2^(b-s) rem in [0, 2^b)) can reject rem < 0 or rem >= 2^s.
    let s = TINY.scale_bits;
    let mut checked = 0;
    for seed in 20u64..40 {
        for dz in [1i64, -1] {
            let mut c = tiny(seed, 5);
            let public = honest_public(&c);
            let w = c.witness.as_mut().unwrap();
            let sample = &mut w.trace.samples[1];
            let last = sample.layers.len() - 1;
            let l = &mut sample.layers[last];
            let max = *l.out.iter().max().unwrap();
            let Some(j) = (0..l.out.len()).find(|&j| max - l.z[j] >= 3) else { continue };
            l.z[j] += dz;
            l.rem[j] -= dz << s;
            l.out[j] = l.z[j];
            let err = run(&c, public).expect_err("a remainder outside [0, 2^s) must fail");
            assert!(err.contains("range"), "{err}");
            checked += 1;
        }
    }
    assert!(checked >= 4, "only {checked} cases found");
}

#[test]
fn wrong_relu_fails() {
    let mut c = tiny(9, 5);
    let public = honest_public(&c);
    let w = c.witness.as_mut().unwrap();
    // find a negative pre-activation and let it through the ReLU
    let (i, j) = (0..5)
        .flat_map(|i| (0..4).map(move |j| (i, j)))
        .find(|&(i, j)| w.trace.samples[i].layers[0].z[j] < 0)
        .expect("some negative pre-activation");
    let l = &mut w.trace.samples[i].layers[0];
    l.out[j] = l.z[j];
    assert!(run(&c, public).is_err());
}

#[test]
fn wrong_argmax_fails() {
    for seed in 10..13 {
        let mut c = tiny(seed, 5);
        let public = honest_public(&c);
        let w = c.witness.as_mut().unwrap();
        let s = &mut w.trace.samples[3];
        s.prediction = (s.prediction + 1) % 3;
        let score = w.trace.samples.iter().filter(|s| s.correct()).count();
        let mut public2 = public;
        public2[3] = Fr::from(score as u64);
        assert!(run(&c, public).is_err());
        assert!(run(&c, public2).is_err());
    }
}

#[test]
fn value_outside_the_bound_fails() {
    // A model whose honest first-layer output exceeds the 8-bit bound on sample 0: the
    // evaluator refuses it, and a witness carrying the true (unbounded) values must not prove.
    let mut c = tiny(14, 3);
    let w = c.witness.as_mut().unwrap();
    w.model.layers[0].as_dense_mut().unwrap().weights[0] = 127;
    w.model.layers[0].as_dense_mut().unwrap().bias[0] = 127;
    w.data.features[0] = 127;
    assert!(evaluate(&w.model, &w.data).is_err());
    // the true values of every sample, without the bound check
    unbounded_dense_trace(&w.model, &w.data, &mut w.trace);
    assert!(w.trace.samples[0].layers[0].z[0] > 127);
    let public = w.public_inputs();
    let err = run(&c, public).unwrap_err();
    assert!(err.contains("relu") || err.contains("range"), "{err}");
}

#[test]
fn model_value_outside_the_bound_fails() {
    // A weight one past the b-bit bound (its slot 2^b would overflow into the next one in the
    // packing), committed consistently: the relu lookup on the model stream (a3) must refuse it.
    let mut c = tiny(16, 3);
    let w = c.witness.as_mut().unwrap();
    w.model.layers[0].as_dense_mut().unwrap().weights[2] = 1 << (TINY.value_bits - 1);
    let public = w.public_inputs();
    let err = run(&c, public).unwrap_err();
    assert!(err.contains("relu"), "{err}");
}

#[test]
fn keygen_shape_matches_proving_shape() {
    let c = tiny(15, 4);
    assert_eq!(c.shape, CircuitShape::new(c.witness.as_ref().unwrap().model.architecture(), 4));
    assert_eq!(c.shape.id().len(), 32);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, .. ProptestConfig::default() })]
    #[test]
    fn random_models_prove_their_reference_score(seed in 0u64..1_000_000, n in 1usize..6, hidden in 1usize..5, classes in 2usize..5) {
        let model = random_model(seed, TINY, &[2, hidden, classes], 3);
        let data = random_dataset(seed, TINY, 2, classes, n, 12);
        let reference = evaluate(&model, &data).unwrap().score;
        let c = ValidationCircuit::new(model, data).unwrap();
        let public = honest_public(&c);
        prop_assert_eq!(public[3], Fr::from(reference as u64));
        prop_assert!(run(&c, public).is_ok());
    }
}
