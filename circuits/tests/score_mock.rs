//! Top-k scoring in the halo2 circuit against the reference (`score::ScoreFunction`), with
//! MockProver: honest witnesses pass with exactly the reference top-k score; any other claimed
//! score fails, and so does a trace that moves a sample's label to a better-ranked class.

use halo2_proofs::dev::MockProver;
use proptest::prelude::*;
use zkpot_circuits::eval::{evaluate, evaluate_with};
use zkpot_circuits::field::Fr;
use zkpot_circuits::halo2::{CircuitShape, ValidationCircuit};
use zkpot_circuits::score::{label_rank, ScoreFunction};
use zkpot_circuits::testing::{random_cnn, random_dataset, random_model, TINY};

fn run(c: &ValidationCircuit, public: [Fr; 4]) -> Result<(), String> {
    let prover = MockProver::run(c.shape.k(), c, vec![public.to_vec()]).map_err(|e| format!("synthesis: {e:?}"))?;
    prover.verify().map_err(|errs| format!("{} failures: {}", errs.len(), errs.iter().map(|e| e.to_string().lines().next().unwrap_or("").to_string()).collect::<Vec<_>>().join(" | ")))
}

/// A 3-6-5 MLP (5 classes), small logits so that ties happen.
fn mlp(seed: u64, n: usize, k: usize) -> ValidationCircuit {
    let model = random_model(seed, TINY, &[3, 6, 5], 2);
    let data = random_dataset(seed, TINY, 3, 5, n, 6);
    ValidationCircuit::with_score(model, data, ScoreFunction::TopK { k }).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]
    #[test]
    fn honest_top_k_passes_with_reference_score(seed in 0u64..1_000_000, k in 2usize..5, n in 1usize..7) {
        let c = mlp(seed, n, k);
        let w = c.witness.as_ref().unwrap();
        let reference = evaluate_with(&w.model, &w.data, ScoreFunction::TopK { k }).unwrap().score;
        let public = w.public_inputs();
        prop_assert_eq!(public[3], Fr::from(reference as u64));
        prop_assert_eq!(run(&c, public), Ok(()));
    }
}

#[test]
fn top_k_counts_more_than_top_1_and_every_other_claim_fails() {
    let mut seen_more = false;
    for seed in 0..6 {
        let c = mlp(seed, 6, 2);
        let w = c.witness.as_ref().unwrap();
        let top1 = evaluate(&w.model, &w.data).unwrap().score;
        let top2 = w.trace.score;
        assert!(top2 >= top1);
        seen_more |= top2 > top1;
        let public = w.public_inputs();
        for s in 0..=6u64 {
            let mut p = public;
            p[3] = Fr::from(s);
            assert_eq!(run(&c, p).is_ok(), s == top2 as u64, "seed {seed}: claimed {s}, top-2 is {top2}");
        }
    }
    assert!(seen_more, "no seed where top-2 exceeds top-1");
}

#[test]
fn moving_the_label_to_a_better_class_fails() {
    // the trace claims another label for a sample that top-2 misses (the data keeps the true one)
    let mut checked = 0;
    for seed in 10..30 {
        let mut c = mlp(seed, 4, 2);
        let w = c.witness.as_mut().unwrap();
        let Some(i) = (0..4).find(|&i| {
            let s = &w.trace.samples[i];
            label_rank(&s.layers.last().unwrap().out, s.label as usize) >= 2
        }) else { continue };
        let s = &mut w.trace.samples[i];
        s.label = s.prediction as i64;
        w.trace.score += 1;
        let public = w.public_inputs();
        assert!(run(&c, public).is_err(), "seed {seed}");
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} cases");
}

#[test]
fn top_k_on_a_cnn() {
    let model = random_cnn(5, TINY, 3, false);
    let data = random_dataset(5, TINY, 16, 3, 3, 12);
    if evaluate(&model, &data).is_err() {
        return;
    }
    let c = ValidationCircuit::with_score(model, data, ScoreFunction::TopK { k: 2 }).unwrap();
    let public = c.witness.as_ref().unwrap().public_inputs();
    run(&c, public).unwrap();
}

#[test]
fn the_score_function_is_part_of_the_shape() {
    let model = random_model(1, TINY, &[3, 6, 5], 2);
    let top1 = CircuitShape::new(model.architecture(), 4);
    let top2 = top1.clone().with_score(ScoreFunction::TopK { k: 2 });
    let top3 = top1.clone().with_score(ScoreFunction::TopK { k: 3 });
    assert!(!serde_json::to_string(&top1).unwrap().contains("score"), "top-1 shapes serialize as before");
    assert_ne!(top1.id(), top2.id());
    assert_ne!(top2.id(), top3.id());
    assert!(top1.clone().with_score(ScoreFunction::TopK { k: 5 }).validate().is_err());
    let back: CircuitShape = serde_json::from_str(&serde_json::to_string(&top3).unwrap()).unwrap();
    assert_eq!(back, top3);
}

#[test]
fn every_constraint_fits_halo2_axioms_degree_cap() {
    // halo2-axiom silently caps the quotient degree at 5 (MAX_DEGREE), so a gate of degree > 5
    // or a lookup input of degree > 2 passes MockProver but makes every real proof fail
    use halo2_proofs::plonk::{Circuit, ConstraintSystem};
    let shapes = [
        CircuitShape::new(random_model(1, TINY, &[3, 6, 5], 2).architecture(), 3),
        CircuitShape::new(random_cnn(1, TINY, 3, true).architecture(), 3),
        CircuitShape::new(random_model(1, TINY, &[3, 6, 5], 2).architecture(), 3).with_score(ScoreFunction::TopK { k: 2 }),
        CircuitShape::new(random_cnn(1, TINY, 3, false).architecture(), 3).with_score(ScoreFunction::TopK { k: 2 }),
        CircuitShape::new(random_model(1, TINY, &[3, 6, 1], 2).architecture(), 3).with_score(ScoreFunction::Mse),
    ];
    for shape in shapes {
        let mut cs = ConstraintSystem::<Fr>::default();
        let _ = ValidationCircuit::configure_with_params(&mut cs, shape.clone());
        for gate in cs.gates() {
            for poly in gate.polynomials() {
                assert!(poly.degree() <= 5, "gate {} has degree {} ({:?})", gate.name(), poly.degree(), shape.score);
            }
        }
        for l in cs.lookups() {
            for e in l.input_expressions() {
                assert!(e.degree() <= 2, "lookup {} input has degree {} ({:?})", l.name(), e.degree(), shape.score);
            }
        }
    }
}
