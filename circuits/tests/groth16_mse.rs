//! Mean squared error (regression) in the Groth16 R1CS against the reference
//! (`score::mean_rounded`) and the halo2 circuit: honest witnesses satisfy it with exactly the
//! native public inputs (which equal halo2's, the regression data set commitment included), the
//! constraint count formula matches synthesis, and it is unsatisfied for any other score, a
//! changed target or output, any tampered square, remainder or mean relation, and a wrong `N`.

use ark_ff::{Field, One};
use ark_relations::gr1cs::ConstraintSystem;
use zkpot_circuits::bundled::{diabetes_model, diabetes_test};
use zkpot_circuits::commit::{dataset_commitment, model_commitment};
use zkpot_circuits::eval::evaluate_with;
use zkpot_circuits::field::Fr;
use zkpot_circuits::fixed::FixedParams;
use zkpot_circuits::groth16::convert::ark_from_i64;
use zkpot_circuits::groth16::mse::{claim_mse, constraints_once, MseClaim, PER_SAMPLE};
use zkpot_circuits::groth16::num::Num;
use zkpot_circuits::groth16::{ArkFr, ConstraintCount, Groth16Circuit};
use zkpot_circuits::halo2::{CircuitShape, Witness};
use zkpot_circuits::quantize::quantize_model;
use zkpot_circuits::score::{mean_rounded, squared_error, ScoreFunction};
use zkpot_circuits::testing::{random_model, random_regression_dataset, retrace, SplitMix, TINY};

/// A regression MLP of `widths` (ending in 1) on `n` random samples, under mse.
fn regression(seed: u64, widths: &[usize], n: usize) -> Groth16Circuit {
    let model = random_model(seed, TINY, widths, 3);
    let data = random_regression_dataset(seed, TINY, widths[0], n, 12);
    Groth16Circuit::prove_with(model, data, ScoreFunction::Mse).unwrap()
}

fn ok(c: &Groth16Circuit) -> bool {
    c.clone().is_satisfied().unwrap()
}

#[test]
fn honest_mse_satisfies_with_the_reference_and_halo2_public_inputs() {
    let mut rng = SplitMix(11);
    for seed in 0..12u64 {
        let widths: &[usize] = if seed % 2 == 0 { &[3, 5, 1] } else { &[2, 4, 3, 1] };
        let n = 1 + rng.range(0, 8) as usize;
        let c = regression(seed, widths, n);
        let w = &c.witness;
        let reference = evaluate_with(&w.model, &w.data, ScoreFunction::Mse).unwrap();
        let sse: u128 = reference.samples.iter().map(|s| squared_error(&s.layers.last().unwrap().out, s.label)).sum();
        assert_eq!(reference.score as u64, mean_rounded(sse, n as u64).0);
        let native = [model_commitment(&w.model), dataset_commitment(&w.data), Fr::from(n as u64), Fr::from(reference.score as u64)];
        assert_eq!(c.public, native, "seed {seed}");
        assert_eq!(Witness::with_score(w.model.clone(), w.data.clone(), ScoreFunction::Mse).unwrap().public_inputs(), native, "halo2's public inputs");
        let count = ConstraintCount::of(&c.shape);
        let cs = c.clone().synthesize().unwrap();
        assert_eq!(cs.num_constraints(), count.total, "seed {seed}: {widths:?} n = {n}");
        assert!(cs.is_satisfied().unwrap(), "seed {seed}: {widths:?} n = {n}");
        // key generation synthesizes the same system
        let k = Groth16Circuit::keygen(&c.shape).unwrap().synthesize().unwrap();
        assert_eq!((k.num_constraints(), k.num_witness_variables()), (cs.num_constraints(), cs.num_witness_variables()));
    }
}

#[test]
fn every_other_score_fails() {
    for seed in 0..4u64 {
        let c = regression(seed, &[3, 5, 1], 4);
        let s = c.witness.trace.score as u64;
        let n = 4u64;
        // S +- 1 (the prover's remainder is then r -+ N: negative or at least N), S +- N, 0, a
        // large S and p - 1
        let mut claims: Vec<Fr> = [s.wrapping_sub(1), s + 1, s + n, s.saturating_sub(n), 0, s + 1000, 1 << 40].into_iter().filter(|x| *x != s).map(Fr::from).collect();
        claims.push(-Fr::from(1u64));
        for claim in claims {
            let mut t = c.clone();
            t.public[3] = claim;
            assert!(!ok(&t), "seed {seed}: claimed {claim:?}, the MSE score is {s}");
        }
        // a wrong N
        for other in [n - 1, n + 1] {
            let mut t = c.clone();
            t.public[2] = Fr::from(other);
            assert!(!ok(&t), "seed {seed}: N = {other}");
        }
    }
}

#[test]
fn a_changed_target_or_output_fails() {
    let c = regression(7, &[3, 5, 1], 5);
    assert!(ok(&c));
    // a target changed in the data: the in-circuit data set commitment differs from the public one
    for d in [-1i64, 1] {
        let mut t = c.clone();
        t.witness.data.labels[2] += d;
        t.witness.trace = evaluate_with(&t.witness.model, &t.witness.data, ScoreFunction::Mse).unwrap();
        t.public[3] = Fr::from(t.witness.trace.score as u64);
        assert_ne!(dataset_commitment(&t.witness.data), c.public[1]);
        assert!(!ok(&t), "target {d:+}");
    }
    // the model's output changed in the trace (and S recounted): the last layer's gadget objects
    let mut t = c.clone();
    let last = t.witness.model.layers.len() - 1;
    let out = vec![t.witness.trace.samples[1].layers[last].out[0] + 1];
    retrace(&mut t.witness, 1, last, out);
    t.witness.trace.score = t.witness.trace.score_with(ScoreFunction::Mse);
    t.public[3] = Fr::from(t.witness.trace.score as u64);
    assert!(!ok(&t));
}

#[test]
fn bundled_diabetes_agrees_across_native_halo2_and_groth16() {
    let model = quantize_model(&diabetes_model().unwrap(), FixedParams::DEFAULT).unwrap();
    let data = diabetes_test().unwrap().take(4).unwrap().quantize(FixedParams::DEFAULT).unwrap();
    assert!(data.labels.iter().any(|t| *t < 0), "signed targets are packed like the features");
    let native = [
        model_commitment(&model),
        dataset_commitment(&data),
        Fr::from(4u64),
        Fr::from(evaluate_with(&model, &data, ScoreFunction::Mse).unwrap().score as u64),
    ];
    let halo2 = Witness::with_score(model.clone(), data.clone(), ScoreFunction::Mse).unwrap().public_inputs();
    assert_eq!(native, halo2);
    let c = Groth16Circuit::prove_with(model, data, ScoreFunction::Mse).unwrap();
    assert_eq!(c.public, native);
    let count = ConstraintCount::of(&c.shape);
    let cs = c.clone().synthesize().unwrap();
    assert_eq!(cs.num_constraints(), count.total);
    assert!(cs.is_satisfied().unwrap());
    println!("diabetes, 4 samples: {} constraints, {} per sample (+ {:.0} amortised hashing)", count.total, count.per_sample, count.per_sample_amortised(&c.shape) - count.per_sample as f64);
}

#[test]
fn mse_shapes_check() {
    let model = random_model(1, TINY, &[3, 5, 1], 3);
    let shape = |n| CircuitShape::new(model.architecture(), n).with_score(ScoreFunction::Mse);
    assert!(zkpot_circuits::groth16::support::check(&shape(256)).is_ok());
    assert!(zkpot_circuits::groth16::support::check(&shape(257)).unwrap_err().to_string().contains("N <= 2^b"));
    let classifier = random_model(1, TINY, &[3, 5, 3], 3);
    let wrong = CircuitShape::new(classifier.architecture(), 4).with_score(ScoreFunction::Mse);
    assert!(zkpot_circuits::groth16::support::check(&wrong).is_err());
}

// ---- the gadget alone, with every value under the test's control ---------------------------

/// The gadget on outputs `z` and targets `t` with claimed score `s` and the prover's `claim`
/// (the honest one for that score if `None`): whether it is satisfied.
fn gadget(z: &[i64], t: &[i64], s: ArkFr, claim: Option<MseClaim>) -> bool {
    let cs = ConstraintSystem::<ArkFr>::new_ref();
    let alloc = |v: &[i64]| v.iter().map(|x| Num::witness(&cs, ark_from_i64(*x)).unwrap()).collect::<Vec<_>>();
    let (zs, ts) = (alloc(z), alloc(t));
    let score = Num::from_var(cs.new_input_variable(|| Ok(s)).unwrap(), s);
    let claim = claim.unwrap_or_else(|| MseClaim::honest(&zs, &ts, &score));
    claim_mse(&cs, &zs, &ts, &score, &claim, TINY).unwrap();
    assert_eq!(cs.num_constraints(), z.len() * PER_SAMPLE + constraints_once(z.len(), TINY));
    cs.is_satisfied().unwrap()
}

fn honest(z: &[i64], t: &[i64]) -> (u64, u64) {
    let sse: u128 = z.iter().zip(t).map(|(z, t)| squared_error(&[*z], *t)).sum();
    mean_rounded(sse, z.len() as u64)
}

#[test]
fn only_the_rounded_mean_with_its_remainder_satisfies() {
    let mut rng = SplitMix(3);
    let half = 1i64 << (TINY.value_bits - 1);
    for n in 1..7usize {
        for round in 0..6 {
            // extremes in the first round: |e| = 2^b - 1, the largest squares
            let (z, t): (Vec<i64>, Vec<i64>) = if round == 0 {
                ((0..n).map(|_| half - 1).collect(), (0..n).map(|_| -half).collect())
            } else {
                ((0..n).map(|_| rng.range(-20, 20)).collect(), (0..n).map(|_| rng.range(-20, 20)).collect())
            };
            let (s, r) = honest(&z, &t);
            let sq: Vec<ArkFr> = z.iter().zip(&t).map(|(z, t)| ArkFr::from(squared_error(&[*z], *t) as u64)).collect();
            assert!(gadget(&z, &t, ArkFr::from(s), None), "{z:?} {t:?}");
            // every (S', r') near the honest pair: only it satisfies (r' = N, r' < 0, S' off by
            // one with the matching r' = r -+ N, and the mean of N +- 1 samples among them)
            for ds in -2i64..=2 {
                for rr in -2i64..=(n as i64 + 2) {
                    let s2 = s as i64 + ds;
                    let claim = MseClaim { squares: sq.clone(), rem: ark_from_i64(rr) };
                    let want = ds == 0 && rr == r as i64;
                    assert_eq!(gadget(&z, &t, ark_from_i64(s2), Some(claim)), want, "n {n} {z:?} {t:?}: S {s2} r {rr}");
                }
            }
            for m in [n - 1, n + 1].into_iter().filter(|m| *m > 0) {
                let sse: u128 = z.iter().zip(&t).map(|(z, t)| squared_error(&[*z], *t)).sum();
                let (s2, r2) = mean_rounded(sse, m as u64);
                if (s2, r2) != (s, r) {
                    let claim = MseClaim { squares: sq.clone(), rem: ark_from_i64(r2 as i64) };
                    assert!(!gadget(&z, &t, ArkFr::from(s2), Some(claim)), "the mean over {m} samples");
                }
            }
            // a wrapped score: S' = (SSE + floor(N/2) - r') / N in the field for another r' in
            // [0, N) satisfies the relation and the remainder's range, not S's range
            let x = sq.iter().sum::<ArkFr>() + ark_from_i64(n as i64 / 2);
            let inv = ark_from_i64(n as i64).inverse().unwrap();
            for r2 in (0..n as i64).filter(|r2| *r2 != r as i64) {
                let s2 = (x - ark_from_i64(r2)) * inv;
                assert!(!gadget(&z, &t, s2, Some(MseClaim { squares: sq.clone(), rem: ark_from_i64(r2) })), "wrapped S for r' = {r2}");
            }
            // tampered squares: off by one, or the square of a wrong difference e +- 1; and a
            // tampered SSE (the remainder of SSE + 1 against the honest S)
            for i in 0..n {
                let e = z[i] - t[i];
                for q in [sq[i] + ArkFr::one(), sq[i] - ArkFr::one(), ark_from_i64((e + 1) * (e + 1)), ark_from_i64((e - 1) * (e - 1))] {
                    let mut squares = sq.clone();
                    squares[i] = q;
                    let rem = squares.iter().sum::<ArkFr>() + ark_from_i64(n as i64 / 2) - ArkFr::from(s) * ark_from_i64(n as i64);
                    assert!(!gadget(&z, &t, ArkFr::from(s), Some(MseClaim { squares, rem })), "sample {i}: square {q:?}");
                }
            }
            let rem = ark_from_i64(r as i64 + 1);
            let claim = MseClaim { squares: sq.clone(), rem };
            assert!(!gadget(&z, &t, ArkFr::from(s), Some(claim)), "SSE + 1");
        }
    }
}
