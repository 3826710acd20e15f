//! The Groth16 R1CS against the validation function: honest witnesses satisfy it with exactly
//! the native public inputs (commitments from `commit.rs`, N, S from `eval`), the constraint
//! count formula matches synthesis, and every tampering below leaves it unsatisfied.

use halo2_proofs::halo2curves::ff::Field;
use proptest::prelude::*;
use zkpot_circuits::commit::{dataset_commitment, model_commitment};
use zkpot_circuits::eval::evaluate;
use zkpot_circuits::field::Fr;
use zkpot_circuits::fixed::rescale;
use zkpot_circuits::groth16::{ConstraintCount, Groth16Circuit};
use zkpot_circuits::testing::{random_dataset, random_model, unbounded_dense_trace, TINY};

fn tiny(seed: u64, n: usize) -> Groth16Circuit {
    let model = random_model(seed, TINY, &[3, 4, 3], 4);
    let data = random_dataset(seed, TINY, 3, 3, n, 16);
    Groth16Circuit::prove(model, data).unwrap()
}

fn ok(c: &Groth16Circuit) -> bool {
    c.clone().is_satisfied().unwrap()
}

#[test]
fn honest_witness_satisfies_with_native_public_inputs() {
    let c = tiny(1, 4);
    let w = &c.witness;
    assert_eq!(c.public[0], model_commitment(&w.model));
    assert_eq!(c.public[1], dataset_commitment(&w.data));
    assert_eq!(c.public[2], Fr::from(4u64));
    assert_eq!(c.public[3], Fr::from(evaluate(&w.model, &w.data).unwrap().score as u64));
    assert!(ok(&c));
}

#[test]
fn constraint_count_formula_matches_synthesis() {
    for (widths, n) in [(&[3usize, 4, 3][..], 2usize), (&[2, 5, 4, 2][..], 3), (&[4, 6, 3][..], 1)] {
        let model = random_model(3, TINY, widths, 3);
        let data = random_dataset(3, TINY, widths[0], *widths.last().unwrap(), n, 10);
        let c = Groth16Circuit::prove(model, data).unwrap();
        let want = ConstraintCount::of(&c.shape);
        let cs = c.synthesize().unwrap();
        assert_eq!(cs.num_constraints(), want.total, "{widths:?} n = {n}");
        assert_eq!(want.per_permutation, 243);
    }
}

#[test]
fn keygen_circuit_has_the_same_constraints() {
    let c = tiny(2, 3);
    let k = Groth16Circuit::keygen(&c.shape).unwrap();
    assert_eq!(k.shape, c.shape);
    let (a, b) = (c.synthesize().unwrap(), k.synthesize().unwrap());
    assert_eq!(a.num_constraints(), b.num_constraints());
    assert_eq!(a.num_witness_variables(), b.num_witness_variables());
    assert_eq!(a.num_instance_variables(), 5);
}

#[test]
fn wrong_public_inputs_fail() {
    for i in 0..4 {
        let mut c = tiny(3, 3);
        c.public[i] += Fr::ONE;
        assert!(!ok(&c), "public input {i} changed");
    }
}

#[test]
fn changed_label_fails() {
    let mut c = tiny(4, 4);
    let w = &mut c.witness;
    w.data.labels[2] = (w.data.labels[2] + 1) % 3;
    w.trace.samples[2].label = w.data.labels[2];
    assert!(!ok(&c));
}

#[test]
fn tampered_weight_fails() {
    let mut c = tiny(5, 3);
    c.witness.model.layers[0].as_dense_mut().unwrap().weights[1] += 1;
    assert!(!ok(&c));
}

#[test]
fn tampered_weight_with_consistent_commitment_fails() {
    // a changed weight and the new model's commitment, but the old trace: the products catch it
    let mut c = tiny(6, 3);
    c.witness.model.layers[1].as_dense_mut().unwrap().weights[0] += 1;
    c.public = c.witness.public_inputs();
    assert!(!ok(&c));
}

#[test]
fn wrong_commitment_fails() {
    let mut c = tiny(7, 3);
    // a commitment to another model of the same shape
    let other = random_model(99, TINY, &[3, 4, 3], 4);
    c.public[0] = model_commitment(&other);
    assert!(!ok(&c));
    let mut c = tiny(7, 3);
    c.witness.data.features[0] += 1;
    assert!(!ok(&c));
}

#[test]
fn tampered_accumulator_fails_even_if_rescale_is_consistent() {
    let mut c = tiny(8, 3);
    let s = TINY.scale_bits;
    let v = &mut c.witness.trace.samples[1].layers[0];
    v.acc[2] += 1 << s;
    let (z, r) = rescale(v.acc[2] as i128, s);
    v.z[2] = z as i64;
    v.rem[2] = r as i64;
    v.out[2] = v.z[2].max(0);
    assert!(!ok(&c));
    // and a shift by one unit: only rem changes
    let mut c = tiny(8, 3);
    let v = &mut c.witness.trace.samples[0].layers[1];
    let (z, r) = rescale(v.acc[0] as i128 + 1, s);
    if z as i64 == v.z[0] {
        v.rem[0] = r as i64;
        assert!(!ok(&c));
    }
}

#[test]
fn tampered_activation_fails() {
    let mut c = tiny(9, 3);
    let l = &mut c.witness.trace.samples[0].layers[0];
    l.z[0] += 1;
    l.out[0] = l.z[0].max(0);
    assert!(!ok(&c));
}

#[test]
fn remainder_out_of_range_fails() {
    // z and rem moved together so z 2^s + rem is unchanged: only rem's s-bit range rejects it
    let s = TINY.scale_bits;
    for dz in [1i64, -1] {
        let mut c = tiny(10, 3);
        let l = &mut c.witness.trace.samples[1].layers[0];
        l.z[1] += dz;
        l.rem[1] -= dz << s;
        l.out[1] = l.z[1].max(0);
        assert!(!ok(&c), "dz = {dz}");
    }
}

#[test]
fn wrong_relu_fails() {
    let mut c = tiny(11, 5);
    let w = &mut c.witness;
    let (i, j) = (0..5)
        .flat_map(|i| (0..4).map(move |j| (i, j)))
        .find(|&(i, j)| w.trace.samples[i].layers[0].z[j] < 0)
        .expect("some negative pre-activation");
    let l = &mut w.trace.samples[i].layers[0];
    l.out[j] = l.z[j];
    // the circuit takes out from the sign bit, never from the trace: a wrong out is ignored,
    // so the test passes the ReLU's input through by changing z's sign instead
    let mut c2 = c.clone();
    assert!(ok(&c2));
    let l = &mut c2.witness.trace.samples[i].layers[0];
    l.z[j] = -l.z[j];
    assert!(!ok(&c2));
}

#[test]
fn wrong_argmax_fails() {
    for seed in 12..15 {
        let mut c = tiny(seed, 4);
        let w = &mut c.witness;
        let s = &mut w.trace.samples[3];
        s.prediction = (s.prediction + 1) % 3;
        let score = w.trace.samples.iter().filter(|s| s.correct()).count();
        assert!(!ok(&c));
        c.public[3] = Fr::from(score as u64);
        assert!(!ok(&c));
        c.witness.trace.samples[3].prediction = 7; // not a class at all
        assert!(!ok(&c));
    }
}

#[test]
fn argmax_ties_go_to_the_lowest_index() {
    // a model whose logits are all equal (zero weights and biases): prediction 0 is the only one
    let mut model = random_model(16, TINY, &[3, 4, 3], 4);
    for l in model.layers.iter_mut().filter_map(|l| l.as_dense_mut()) {
        l.weights.iter_mut().for_each(|w| *w = 0);
        l.bias.iter_mut().for_each(|b| *b = 0);
    }
    let data = random_dataset(16, TINY, 3, 3, 2, 16);
    let c = Groth16Circuit::prove(model, data).unwrap();
    assert!(c.witness.trace.samples.iter().all(|s| s.prediction == 0));
    assert!(ok(&c));
    let mut bad = c.clone();
    bad.witness.trace.samples[0].prediction = 1;
    bad.public[3] = Fr::from(bad.witness.trace.samples.iter().filter(|s| s.correct()).count() as u64);
    assert!(!ok(&bad));
}

#[test]
fn value_outside_the_bound_fails() {
    // A first-layer output above the 8-bit bound: the evaluator refuses it; a witness with the
    // true values must not satisfy the circuit (z is made of b bits, so it cannot hold them).
    let mut c = tiny(17, 2);
    let w = &mut c.witness;
    w.model.layers[0].as_dense_mut().unwrap().weights[0] = 127;
    w.model.layers[0].as_dense_mut().unwrap().bias[0] = 127;
    w.data.features[0] = 127;
    assert!(evaluate(&w.model, &w.data).is_err());
    unbounded_dense_trace(&w.model, &w.data, &mut w.trace);
    assert!(w.trace.samples[0].layers[0].z[0] > 127);
    c.public = c.witness.public_inputs();
    c.public[3] = Fr::from(c.witness.trace.score as u64);
    assert!(!ok(&c));
    // a weight outside the bound: its slot bits cannot hold it, so the commitment breaks
    let mut c = tiny(18, 2);
    c.witness.model.layers[0].as_dense_mut().unwrap().weights[0] = 128;
    c.public[0] = model_commitment(&c.witness.model);
    assert!(!ok(&c));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, .. ProptestConfig::default() })]
    #[test]
    fn random_models_satisfy_with_their_reference_score(seed in 0u64..1_000_000, n in 1usize..4, hidden in 1usize..6, classes in 2usize..5) {
        let model = random_model(seed, TINY, &[2, hidden, classes], 3);
        let data = random_dataset(seed, TINY, 2, classes, n, 12);
        let reference = evaluate(&model, &data).unwrap().score;
        let c = Groth16Circuit::prove(model.clone(), data.clone()).unwrap();
        prop_assert_eq!(c.public[0], model_commitment(&model));
        prop_assert_eq!(c.public[1], dataset_commitment(&data));
        prop_assert_eq!(c.public[2], Fr::from(n as u64));
        prop_assert_eq!(c.public[3], Fr::from(reference as u64));
        prop_assert!(ok(&c));
    }
}
