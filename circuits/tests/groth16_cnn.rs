//! Convolutional models and top-k scoring in the Groth16 R1CS against the validation function:
//! honest witnesses of random CNNs (conv, max-pool, average-pool with both `count_include_pad`
//! rules, dense) and of top-k satisfy it with exactly the reference's public inputs (which are
//! halo2's: the same commitments, N and S, and MockProver accepts them); the constraint count
//! formula matches synthesis; a tampered conv, max-pool, average-pool value, a wrong top-k count
//! or a wrong S leaves it unsatisfied, even when the rest of the witness is consistent with it.

use halo2_proofs::dev::MockProver;
use halo2_proofs::halo2curves::ff::Field;
use proptest::prelude::*;
use zkpot_circuits::commit::{dataset_commitment, model_commitment};
use zkpot_circuits::eval::{eval_layers, evaluate_with};
use zkpot_circuits::field::Fr;
use zkpot_circuits::groth16::conv::by_freivalds;
use zkpot_circuits::groth16::{ConstraintCount, Groth16Circuit};
use zkpot_circuits::halo2::{ValidationCircuit, Witness};
use zkpot_circuits::layers::Layer;
use zkpot_circuits::score::ScoreFunction;
use zkpot_circuits::testing::{bounded_cnn, random_dataset, random_model, retrace, shift_positive_output, TINY};

fn cnn(seed: u64, n: usize, cip: bool) -> Groth16Circuit {
    let (model, data) = bounded_cnn(seed, n, cip);
    Groth16Circuit::prove(model, data).unwrap()
}

fn ok(c: &Groth16Circuit) -> bool {
    c.clone().is_satisfied().unwrap()
}

/// `c` with its witness changed by `f` and the public inputs the changed witness claims.
fn tampered(c: &Groth16Circuit, f: impl FnOnce(&mut Witness)) -> Groth16Circuit {
    let mut c = c.clone();
    f(&mut c.witness);
    c.public = c.witness.public_inputs();
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4))]
    #[test]
    fn random_cnns_satisfy_with_their_reference_public_inputs(seed in 0u64..1_000_000, cip: bool, n in 1usize..3, topk: bool) {
        let (model, data) = bounded_cnn(seed, n, cip);
        let score = if topk { ScoreFunction::TopK { k: 2 } } else { ScoreFunction::Top1 };
        let reference = evaluate_with(&model, &data, score).unwrap().score;
        let c = Groth16Circuit::prove_with(model.clone(), data.clone(), score).unwrap();
        prop_assert_eq!(c.public, [model_commitment(&model), dataset_commitment(&data), Fr::from(n as u64), Fr::from(reference as u64)]);
        prop_assert!(ok(&c));
    }
}

#[test]
fn public_inputs_are_halo2s() {
    for score in [ScoreFunction::Top1, ScoreFunction::TopK { k: 2 }] {
        let (model, data) = bounded_cnn(3, 2, true);
        let g = Groth16Circuit::prove_with(model.clone(), data.clone(), score).unwrap();
        let h = ValidationCircuit::with_score(model, data, score).unwrap();
        let public = h.witness.as_ref().unwrap().public_inputs();
        assert_eq!(g.public, public);
        let prover = MockProver::run(h.shape.k(), &h, vec![public.to_vec()]).unwrap();
        assert_eq!(prover.verify(), Ok(()));
        assert!(ok(&g));
    }
}

#[test]
fn constraint_count_formula_matches_synthesis_and_keygen() {
    for (seed, n, cip, score) in [(1, 1, false, ScoreFunction::Top1), (2, 3, true, ScoreFunction::Top1), (3, 2, false, ScoreFunction::TopK { k: 2 })] {
        let (model, data) = bounded_cnn(seed, n, cip);
        let c = Groth16Circuit::prove_with(model, data, score).unwrap();
        let want = ConstraintCount::of(&c.shape);
        let k = Groth16Circuit::keygen(&c.shape).unwrap();
        assert_eq!(k.shape, c.shape);
        let (a, b) = (c.synthesize().unwrap(), k.synthesize().unwrap());
        assert_eq!(a.num_constraints(), want.total, "n = {n} cip {cip} {score:?}");
        assert_eq!(b.num_constraints(), want.total);
        assert_eq!(a.num_witness_variables(), b.num_witness_variables());
    }
    // top-k on an MLP too
    let model = random_model(4, TINY, &[3, 6, 5], 2);
    let data = random_dataset(4, TINY, 3, 5, 3, 6);
    let c = Groth16Circuit::prove_with(model, data, ScoreFunction::TopK { k: 3 }).unwrap();
    let want = ConstraintCount::of(&c.shape).total;
    assert_eq!(c.synthesize().unwrap().num_constraints(), want);
}

#[test]
fn wrong_public_inputs_fail() {
    let c = cnn(5, 2, false);
    for i in 0..4 {
        let mut bad = c.clone();
        bad.public[i] += Fr::ONE;
        assert!(!ok(&bad), "public input {i} changed");
    }
}

#[test]
fn conv_accumulator_shifted_consistently_fails() {
    // one product off by 2^s, z, rem, ReLU and every later layer consistent with it (layer 0 is
    // checked tap by tap, layer 2 by Freivalds' test)
    for li in [0, 2] {
        let c = tampered(&cnn(13, 3, false), |w| shift_positive_output(w, 1, li));
        assert!(!ok(&c), "layer {li}");
    }
}

#[test]
fn conv_kernel_or_bias_changed_under_old_accumulators_fails() {
    // the commitment of a model with one kernel weight (or bias) changed, the true model's trace
    for t in [0usize, 5, 17] {
        let c = tampered(&cnn(11, 3, false), |w| {
            let Layer::Conv(conv) = &mut w.model.layers[0] else { unreachable!() };
            conv.weights[t] += 1;
        });
        assert!(!ok(&c), "kernel weight {t}");
    }
    for t in [0usize, 30, 53] {
        let c = tampered(&cnn(11, 3, false), |w| {
            let Layer::Conv(conv) = &mut w.model.layers[2] else { unreachable!() };
            conv.weights[t] += 1;
        });
        assert!(!ok(&c), "kernel weight {t} of layer 2");
    }
    for li in [0, 2] {
        let c = tampered(&cnn(12, 3, false), |w| {
            let Layer::Conv(conv) = &mut w.model.layers[li] else { unreachable!() };
            conv.bias[1] += 1;
        });
        assert!(!ok(&c), "bias of layer {li}");
    }
}

#[test]
fn both_conv_checks_are_exercised() {
    // the random CNN's first conv goes tap by tap, its second by Freivalds' test (conv.rs)
    let c = cnn(1, 1, false);
    let picks: Vec<bool> = c.shape.arch.layers.iter().map(|l| by_freivalds(l, TINY)).collect();
    assert_eq!(picks, [false, false, true, false, true]);
}

#[test]
fn max_pool_below_the_maximum_or_above_every_tap_fails() {
    let mut checked = 0;
    for seed in 20..30 {
        let c = cnn(seed * 10, 3, false);
        let w = &c.witness;
        let Layer::MaxPool(p) = w.model.layers[1] else { unreachable!() };
        let x = &w.trace.samples[0].layers[0].out;
        let windows = p.windows();
        // a window whose taps differ: claim its smallest tap instead of the maximum
        let Some(o) = (0..windows.len()).find(|&o| windows[o].iter().any(|k| x[*k] != x[windows[o][0]])) else { continue };
        let mut out = w.trace.samples[0].layers[1].out.clone();
        out[o] = windows[o].iter().map(|k| x[*k]).min().unwrap();
        if eval_layers(&w.model, 2, &out, 0).is_err() {
            continue;
        }
        assert!(!ok(&tampered(&c, |w| retrace(w, 0, 1, out))), "seed {seed}");
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} cases");
    let c = cnn(40, 3, false);
    let mut out = c.witness.trace.samples[2].layers[1].out.clone();
    out[0] += 1;
    assert!(!ok(&tampered(&c, |w| retrace(w, 2, 1, out))));
}

#[test]
fn avg_pool_quotient_off_by_one_fails() {
    // the rest of the trace follows the wrong quotient; the remainder 2 sum + d - 2 d out then
    // leaves [0, 2d)
    for cip in [false, true] {
        for dz in [1i64, -1] {
            for o in [0usize, 4] {
                let c = cnn(50, 3, cip);
                let mut out = c.witness.trace.samples[1].layers[3].out.clone();
                out[o] += dz;
                assert!(!ok(&tampered(&c, |w| retrace(w, 1, 3, out))), "cip {cip} dz {dz} output {o}");
            }
        }
    }
}

#[test]
fn top_k_counts_exactly_the_reference_and_every_other_claim_fails() {
    let mut seen_more = false;
    for seed in 0..4 {
        let model = random_model(seed, TINY, &[3, 6, 5], 2);
        let data = random_dataset(seed, TINY, 3, 5, 5, 6);
        let top1 = evaluate_with(&model, &data, ScoreFunction::Top1).unwrap().score;
        let c = Groth16Circuit::prove_with(model, data, ScoreFunction::TopK { k: 2 }).unwrap();
        let top2 = c.witness.trace.score;
        assert!(top2 >= top1);
        seen_more |= top2 > top1;
        for s in 0..=5u64 {
            let mut bad = c.clone();
            bad.public[3] = Fr::from(s);
            assert_eq!(ok(&bad), s == top2 as u64, "seed {seed}: claimed {s}, top-2 is {top2}");
        }
        // a changed label changes the data set commitment
        let mut bad = c.clone();
        bad.witness.data.labels[0] = (bad.witness.data.labels[0] + 1) % 5;
        assert!(!ok(&bad));
    }
    assert!(seen_more, "no seed where top-2 exceeds top-1");
}
