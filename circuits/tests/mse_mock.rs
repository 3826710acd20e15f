//! Mean squared error (regression) in the halo2 circuit against the reference
//! (`score::mean_rounded`), with MockProver: honest witnesses pass with exactly the reference
//! score; any other claimed score, a changed target and every tampered cell of the MSE gadget
//! (difference, square, running sum, remainder, the mean relation) fail.

use halo2_proofs::circuit::{Layouter, SimpleFloorPlanner, Value};
use halo2_proofs::dev::MockProver;
use halo2_proofs::plonk::{Advice, Circuit, Column, ConstraintSystem, Error, Instance, TableColumn};
use proptest::prelude::*;
use zkpot_circuits::eval::evaluate_with;
use zkpot_circuits::field::{fr_from_i64, Fr};
use zkpot_circuits::halo2::mse::{MseConfig, MseRows};
use zkpot_circuits::halo2::{CircuitShape, ValidationCircuit};
use zkpot_circuits::score::{mean_rounded, ScoreFunction};
use zkpot_circuits::testing::{random_dataset, random_model, random_regression_dataset, TINY};

fn run(c: &ValidationCircuit, public: [Fr; 4]) -> Result<(), String> {
    let prover = MockProver::run(c.shape.k(), c, vec![public.to_vec()]).map_err(|e| format!("synthesis: {e:?}"))?;
    prover.verify().map_err(|errs| format!("{} failures: {}", errs.len(), errs.iter().map(|e| e.to_string().lines().next().unwrap_or("").to_string()).collect::<Vec<_>>().join(" | ")))
}

/// A 3-5-1 regression MLP on `n` random samples.
fn regression(seed: u64, n: usize) -> ValidationCircuit {
    let model = random_model(seed, TINY, &[3, 5, 1], 3);
    let data = random_regression_dataset(seed, TINY, 3, n, 12);
    ValidationCircuit::with_score(model, data, ScoreFunction::Mse).unwrap()
}

/// The rounded mean computed independently of `score::mean_rounded`, in floats (exact here).
fn float_rounded_mean(errors: &[i64]) -> u64 {
    let sse: i64 = errors.iter().map(|e| e * e).sum();
    (sse as f64 / errors.len() as f64 + 0.5).floor() as u64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]
    #[test]
    fn honest_mse_passes_with_reference_score(seed in 0u64..1_000_000, n in 1usize..9) {
        let c = regression(seed, n);
        let w = c.witness.as_ref().unwrap();
        let reference = evaluate_with(&w.model, &w.data, ScoreFunction::Mse).unwrap().score;
        let errors: Vec<i64> = w.trace.samples.iter().enumerate().map(|(i, s)| s.layers.last().unwrap().out[0] - w.data.labels[i]).collect();
        prop_assert_eq!(reference as u64, float_rounded_mean(&errors));
        let public = w.public_inputs();
        prop_assert_eq!(public[3], Fr::from(reference as u64));
        prop_assert_eq!(run(&c, public), Ok(()));
    }
}

#[test]
fn every_other_claimed_score_fails() {
    for seed in 0..4 {
        let c = regression(seed, 4);
        let w = c.witness.as_ref().unwrap();
        let s = w.trace.score as u64;
        let public = w.public_inputs();
        for claim in [s.wrapping_sub(1), s + 1, s + 4, 0] {
            if claim == s {
                continue;
            }
            let mut p = public;
            p[3] = Fr::from(claim);
            assert!(run(&c, p).is_err(), "seed {seed}: claimed {claim}, the MSE score is {s}");
        }
        // a witness that claims S +- 1 throughout (remainder r - N or r + N) fails too
        for d in [-1i64, 1] {
            let mut c = c.clone();
            let w = c.witness.as_mut().unwrap();
            w.trace.score = (w.trace.score as i64 + d) as usize;
            let public = w.public_inputs();
            assert!(run(&c, public).is_err(), "seed {seed}: the witness claims S {d:+}");
        }
    }
}

#[test]
fn a_changed_target_fails() {
    let c = regression(7, 5);
    let public = c.witness.as_ref().unwrap().public_inputs();
    // in the trace only: the copy from the committed data rows breaks
    let mut t = c.clone();
    t.witness.as_mut().unwrap().trace.samples[2].label += 1;
    assert!(run(&t, public).is_err());
    // in the data: the data set commitment differs from the public one
    let mut d = c.clone();
    let w = d.witness.as_mut().unwrap();
    w.data.labels[2] += 1;
    w.trace = evaluate_with(&w.model, &w.data, ScoreFunction::Mse).unwrap();
    let mut p = w.public_inputs();
    assert_ne!(p[1], public[1]);
    p[1] = public[1];
    assert!(run(&d, p).is_err());
}

#[test]
fn mse_shapes_are_their_own_and_classifiers_refuse_mse() {
    let model = random_model(1, TINY, &[3, 5, 1], 3);
    let mse = CircuitShape::new(model.architecture(), 4).with_score(ScoreFunction::Mse);
    mse.validate().unwrap();
    assert!(serde_json::to_string(&mse).unwrap().contains("\"score\":\"mse\""));
    assert!(CircuitShape::new(model.architecture(), 4).validate().is_err(), "top-1 on a single output");
    assert!(CircuitShape::new(model.architecture(), 257).with_score(ScoreFunction::Mse).validate().is_err(), "N > 2^b");
    let classifier = random_model(1, TINY, &[3, 5, 3], 3);
    assert!(CircuitShape::new(classifier.architecture(), 4).with_score(ScoreFunction::Mse).validate().is_err());
    // the reference refuses the mismatches with a clear error
    let reg = random_regression_dataset(1, TINY, 3, 4, 8);
    let cls = random_dataset(1, TINY, 3, 3, 4, 8);
    assert!(evaluate_with(&model, &reg, ScoreFunction::TopK { k: 2 }).unwrap_err().to_string().contains("use --score mse"));
    assert!(evaluate_with(&classifier, &cls, ScoreFunction::Mse).unwrap_err().to_string().contains("regression"));
}

// ---- the gadget alone, with every cell under the test's control ----------------------------

/// The MSE gadget fed with output and target cells of its own, laying out given rows.
#[derive(Clone)]
struct Gadget {
    inputs: Vec<(i64, i64)>,
    rows: MseRows,
}

impl Circuit<Fr> for Gadget {
    type Config = (MseConfig, [Column<Advice>; 2], TableColumn, Column<Instance>);
    type FloorPlanner = SimpleFloorPlanner;
    type Params = usize;

    fn without_witnesses(&self) -> Self {
        self.clone()
    }

    fn params(&self) -> usize {
        self.inputs.len()
    }

    fn configure_with_params(meta: &mut ConstraintSystem<Fr>, samples: usize) -> Self::Config {
        let a = [(); 5].map(|_| meta.advice_column());
        let inputs = [(); 2].map(|_| meta.advice_column());
        for col in [a[0], a[1], inputs[0], inputs[1]] {
            meta.enable_equality(col);
        }
        let table = meta.lookup_table_column();
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        (MseConfig::configure(meta, a, table, TINY, samples), inputs, table, instance)
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> Self::Config {
        Self::configure_with_params(meta, 1)
    }

    fn synthesize(&self, (mse, inputs, table, instance): Self::Config, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        let half = 1i64 << (TINY.value_bits - 1);
        layouter.assign_table(
            || "range",
            |mut t| {
                for i in 0..(2 * half) as usize {
                    t.assign_cell(|| "v", table, i, || Value::known(fr_from_i64(i as i64 - half)))?;
                }
                Ok(())
            },
        )?;
        let s = layouter.assign_region(
            || "mse",
            |mut region| {
                let (mut zs, mut ts) = (Vec::new(), Vec::new());
                for (i, (z, t)) in self.inputs.iter().enumerate() {
                    zs.push(region.assign_advice(inputs[0], i, Value::known(fr_from_i64(*z))).cell());
                    ts.push(region.assign_advice(inputs[1], i, Value::known(fr_from_i64(*t))).cell());
                }
                mse.assign(&mut region, 0, &zs, &ts, Some(&self.rows))
            },
        )?;
        layouter.constrain_instance(s, instance, 0);
        Ok(())
    }
}

/// Honest rows for these (output, target) pairs.
fn gadget(inputs: &[(i64, i64)]) -> Gadget {
    let mut sse = 0;
    let samples = inputs
        .iter()
        .map(|(z, t)| {
            let e = z - t;
            sse += e * e;
            zkpot_circuits::halo2::mse::MseSampleRow { z: *z, t: *t, e, sq: e * e, sse }
        })
        .collect::<Vec<_>>();
    let n = inputs.len() as u64;
    let (score, rem) = mean_rounded(sse as u128, n);
    Gadget { inputs: inputs.to_vec(), rows: MseRows { samples, score: score as i64, rem: rem as i64 } }
}

fn run_gadget(g: &Gadget, score: i64) -> bool {
    MockProver::run(9, g, vec![vec![fr_from_i64(score)]]).map(|p| p.verify().is_ok()).unwrap_or(false)
}

#[test]
fn the_gadget_rounds_like_the_reference() {
    // N = 1; SSE an exact multiple; the half cases of even N; odd N
    for inputs in [
        vec![(5, 2)],
        vec![(1, -1), (3, 1)],
        vec![(1, 0), (2, 0), (0, 1), (0, 0)],
        vec![(1, 0), (1, 0), (0, 0), (0, 0)],
        vec![(3, 0), (-2, 0), (0, 0)],
        vec![(-60, 60), (60, -60), (7, 7), (0, 1), (2, 2), (-1, 1)],
    ] {
        let g = gadget(&inputs);
        assert_eq!((g.rows.score, g.rows.rem), { let (s, r) = g.rows.honest(); (s as i64, r as i64) });
        let errors: Vec<i64> = inputs.iter().map(|(z, t)| z - t).collect();
        assert_eq!(g.rows.score as u64, float_rounded_mean(&errors), "{inputs:?}");
        assert!(run_gadget(&g, g.rows.score), "{inputs:?}");
        assert!(!run_gadget(&g, g.rows.score + 1) && !run_gadget(&g, g.rows.score - 1), "{inputs:?}");
    }
    // the half cases: 2/4 -> 1 (r = 0), 10/4 -> 3
    assert_eq!(gadget(&[(1, 0), (1, 0), (0, 0), (0, 0)]).rows.score, 1);
    assert_eq!(gadget(&[(2, 0), (1, 0), (1, 0), (2, 0)]).rows.score, 3);
}

#[test]
fn every_tampered_gadget_cell_fails() {
    let honest = gadget(&[(4, 1), (-3, 2), (0, 0), (6, 6), (2, -2)]);
    let s = honest.rows.score;
    assert!(run_gadget(&honest, s));
    let tamper = |f: &dyn Fn(&mut Gadget)| {
        let mut g = honest.clone();
        f(&mut g);
        run_gadget(&g, g.rows.score)
    };
    // the copies: an output or a target that is not the input cell's
    assert!(!tamper(&|g| g.rows.samples[1].z += 1));
    assert!(!tamper(&|g| g.rows.samples[1].t -= 1));
    // the difference, alone and with the square and sums that would follow from it
    assert!(!tamper(&|g| g.rows.samples[0].e += 1));
    assert!(!tamper(&|g| {
        let r = &mut g.rows.samples[0];
        r.e = -r.e - 2;
        r.sq = r.e * r.e;
    }));
    // the square: -e^2, e^2 + 1, and e^2 + 1 carried through the sums and the mean
    assert!(!tamper(&|g| g.rows.samples[2].sq = 1));
    assert!(!tamper(&|g| g.rows.samples[1].sq = -g.rows.samples[1].sq));
    assert!(!tamper(&|g| {
        g.rows.samples[0].sq -= 9;
        for r in g.rows.samples.iter_mut() {
            r.sse -= 9;
        }
        let (sc, rem) = mean_rounded(g.rows.samples[4].sse as u128, 5);
        g.rows.score = sc as i64;
        g.rows.rem = rem as i64;
    }));
    // the running sum: the first, a middle and the last one
    assert!(!tamper(&|g| g.rows.samples[0].sse += 1));
    assert!(!tamper(&|g| g.rows.samples[3].sse -= 1));
    assert!(!tamper(&|g| g.rows.samples[4].sse += 5));
    // the remainder out of range: r = N with S - 1 (when r = 0), r - N < 0 with S + 1, r + N
    let zero_rem = gadget(&[(2, 0), (1, 0), (1, 0), (2, 0)]); // SSE 10, N 4: S 3, r 0
    assert_eq!((zero_rem.rows.score, zero_rem.rows.rem), (3, 0));
    let mut g = zero_rem.clone();
    g.rows.score -= 1;
    g.rows.rem += 4;
    assert!(!run_gadget(&g, g.rows.score), "r = N");
    assert!(!tamper(&|g| {
        g.rows.score += 1;
        g.rows.rem -= 5;
    }), "r < 0");
    assert!(!tamper(&|g| {
        g.rows.score -= 1;
        g.rows.rem += 5;
    }), "r >= N");
    // the mean relation broken: another remainder in range, or another S with the same r
    assert!(!tamper(&|g| g.rows.rem = (g.rows.rem + 1) % 5));
    assert!(!tamper(&|g| g.rows.score += 1));
    // and the public S must be the gadget's S
    assert!(!run_gadget(&honest, s + 1));
}
