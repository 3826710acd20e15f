//! Recurrent models through both validation circuits (halo2 with MockProver, Groth16 by
//! synthesis): honest LSTM and GRU models (single and stacked, dense head, argmax, score) pass
//! with the reference's score, and the halo2 witness's rescales are the reference trace bit for
//! bit; a wrong activation output, a tampered gate, a hidden state changed between steps (all
//! after it recomputed consistently), a wrong final prediction and a weight that is not the
//! committed one each fail on both backends.

use halo2_proofs::dev::MockProver;
use proptest::prelude::*;
use zkpot_circuits::eval::evaluate;
use zkpot_circuits::field::Fr;
use zkpot_circuits::fixed::rescale;
use zkpot_circuits::groth16::{ConstraintCount, Groth16Circuit};
use zkpot_circuits::halo2::recurrent_witness::{products, step, StepRows};
use zkpot_circuits::halo2::{CircuitShape, ValidationCircuit, Witness};
use zkpot_circuits::layers::{Cell, Layer, RecurrentLayer};
use zkpot_circuits::testing::{random_dataset, random_recurrent_model, retrace, TINY};

/// A random model (`[steps, input, hidden, classes]`) and `n` samples whose evaluation stays in
/// TINY's bound (b = 8, s = 3): the first seed from `seed` that evaluates.
fn witness(seed: u64, cell: Cell, stacked: bool, dims: [usize; 4], n: usize) -> Witness {
    for s in seed..seed + 200 {
        let q = random_recurrent_model(s, TINY, cell, stacked, dims, 6);
        let data = random_dataset(s, TINY, q.input_dim, q.num_classes, n, 12);
        if let Ok(w) = Witness::new(q, data) {
            return w;
        }
    }
    panic!("no random recurrent model in bound");
}

fn circuit(w: &Witness) -> ValidationCircuit {
    ValidationCircuit { shape: CircuitShape::new(w.model.architecture(), w.data.len()), witness: Some(w.clone()) }
}

/// MockProver on `w` against `public`: the failures, one line each.
fn run(w: &Witness, public: [Fr; 4]) -> Result<(), String> {
    let c = circuit(w);
    let prover = MockProver::run(c.shape.k(), &c, vec![public.to_vec()]).map_err(|e| format!("synthesis: {e:?}"))?;
    prover.verify().map_err(|errs| errs.iter().map(|e| e.to_string().lines().next().unwrap_or("").to_string()).collect::<Vec<_>>().join(" | "))
}

fn groth16_ok(w: &Witness, public: [Fr; 4]) -> bool {
    let mut c = Groth16Circuit::new(w.clone());
    c.public = public;
    c.is_satisfied().unwrap_or(false)
}

fn layer0(w: &Witness) -> RecurrentLayer {
    match &w.model.layers[0] {
        Layer::Recurrent(r) => r.clone(),
        _ => unreachable!(),
    }
}

/// Recomputes sample `i`'s steps after `t` of the first layer from step `t`'s rows, then
/// retraces the later layers: what a prover who changed something in step `t` and kept
/// everything after it consistent would write.
fn recompute_after(w: &mut Witness, i: usize, t: usize) {
    let l = layer0(w);
    let (ni, steps) = (l.shape.input_size, l.shape.steps);
    let m = w.recurrent[0].matrix.clone();
    let x = w.data.sample(i).to_vec();
    for tt in t + 1..steps {
        let prev = w.recurrent[0].samples[i][tt - 1].products.clone();
        w.recurrent[0].samples[i][tt] = step(&l, &m, w.model.fixed, &x[tt * ni..(tt + 1) * ni], Some(&prev)).unwrap();
    }
    let rows = &w.recurrent[0].samples[i];
    let out: Vec<i64> = if l.shape.sequence_output { rows.iter().flat_map(StepRows::hidden).collect() } else { rows[steps - 1].hidden() };
    // the layer's own trace entry is not read by either circuit beyond its outputs
    retrace(w, i, 0, out);
}

#[test]
fn honest_models_pass_with_the_reference_score() {
    for (seed, cell, stacked, dims) in [
        (1, Cell::Lstm, false, [3, 2, 2, 3]),
        (2, Cell::Gru, false, [3, 2, 2, 3]),
        (3, Cell::Lstm, true, [2, 2, 2, 2]),
        (4, Cell::Gru, true, [2, 1, 2, 2]),
    ] {
        let w = witness(seed, cell, stacked, dims, 3);
        // the rows' rescales are the reference's trace, step by step
        for (ri, li) in w.model.layers.iter().enumerate().filter(|(_, l)| matches!(l, Layer::Recurrent(_))).map(|(li, _)| li).enumerate() {
            for (i, sample) in w.recurrent[ri].samples.iter().enumerate() {
                let v = &w.trace.samples[i].layers[li];
                let rows: Vec<(i64, i64, i64)> = sample.iter().flat_map(|st| st.rescales(cell)).collect();
                let trace: Vec<(i64, i64, i64)> = (0..v.z.len()).map(|k| (v.acc[k], v.z[k], v.rem[k])).collect();
                assert_eq!(rows, trace, "{cell:?} layer {li} sample {i}");
            }
        }
        let public = w.public_inputs();
        assert_eq!(public[3], Fr::from(evaluate(&w.model, &w.data).unwrap().score as u64));
        run(&w, public).unwrap_or_else(|e| panic!("{cell:?} stacked {stacked}: {e}"));
        assert!(groth16_ok(&w, public), "{cell:?} stacked {stacked}: Groth16");
        let count = Groth16Circuit::new(w.clone()).synthesize().unwrap().num_constraints();
        assert_eq!(count, ConstraintCount::of(&CircuitShape::new(w.model.architecture(), 3)).total, "{cell:?} stacked {stacked}: the formula");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, .. ProptestConfig::default() })]
    /// Random small recurrent models: the halo2 circuit accepts the reference's witness and score.
    #[test]
    fn random_models_circuit_equals_reference(seed in 0u64..10_000, gru in any::<bool>(), steps in 1usize..4, input in 1usize..3, hidden in 1usize..3) {
        let cell = if gru { Cell::Gru } else { Cell::Lstm };
        let w = witness(seed, cell, false, [steps, input, hidden, 2], 2);
        let public = w.public_inputs();
        prop_assert_eq!(public[3], Fr::from(evaluate(&w.model, &w.data).unwrap().score as u64));
        prop_assert!(run(&w, public).is_ok());
    }
}

#[test]
fn wrong_activation_output_fails() {
    for cell in [Cell::Lstm, Cell::Gru] {
        let w0 = witness(10, cell, false, [3, 2, 2, 2], 2);
        let public = w0.public_inputs();
        // a sigmoid gate output one off (gate row 0 is i for LSTM, z for GRU), the rest of the
        // step recomputed from it
        let mut w = w0.clone();
        let s = w.model.fixed.scale_bits;
        let st = &mut w.recurrent[0].samples[0][1];
        st.gates[0].y += 1;
        let prev = w0.recurrent[0].samples[0][0].products.clone();
        st.products = products(cell, 2, s, &st.gates, Some(&prev)).unwrap();
        recompute_after(&mut w, 0, 1);
        let public_w = w.public_inputs();
        let err = run(&w, public_w).unwrap_err();
        assert!(err.contains("recurrent sigmoid"), "{cell:?}: {err}");
        assert!(!groth16_ok(&w, public_w), "{cell:?}: Groth16");
        // the honest one passes Groth16 with the same public inputs
        assert!(groth16_ok(&w0, public));
    }
}

#[test]
fn tampered_gate_fails() {
    for cell in [Cell::Lstm, Cell::Gru] {
        let w0 = witness(20, cell, false, [3, 2, 2, 2], 2);
        let mut w = w0.clone();
        let s = w.model.fixed.scale_bits;
        // gate row 1 (o for LSTM, z for GRU) of step 1: its accumulator moved by 2^s, rescale and
        // activation consistent with it, the rest recomputed: only Freivalds' test objects
        let st = &mut w.recurrent[0].samples[0][1];
        st.gates[1].acc += 1 << s;
        let (z, rem) = rescale(st.gates[1].acc as i128, s);
        st.gates[1].z = z as i64;
        st.gates[1].rem = rem as i64;
        st.gates[1].y = zkpot_circuits::activation::sigmoid(z as i64, s);
        let prev = w0.recurrent[0].samples[0][0].products.clone();
        st.products = products(cell, 2, s, &st.gates, Some(&prev)).unwrap();
        recompute_after(&mut w, 0, 1);
        let err = run(&w, w.public_inputs()).unwrap_err();
        assert!(err.contains("recurrent freivalds combine") && !err.contains("lookup"), "{cell:?}: {err}");
        // Groth16: the trace's gate value one step up (z and the accumulator's rescale moved)
        let mut w = w0.clone();
        let v = &mut w.trace.samples[0].layers[0];
        v.z[1] += 1;
        assert!(!groth16_ok(&w, w0.public_inputs()), "{cell:?}: Groth16");
    }
}

#[test]
fn hidden_state_changed_between_steps_fails() {
    for cell in [Cell::Lstm, Cell::Gru] {
        let w0 = witness(30, cell, false, [3, 2, 2, 2], 2);
        let l = layer0(&w0);
        let mut w = w0.clone();
        // step 2 computed from h_1 + 1 in unit 0 (its input vector and, for GRU, its h' rows),
        // everything from there on consistent: only the step-to-step copy objects
        let mut prev = w.recurrent[0].samples[0][1].products.clone();
        prev[2].z += 1;
        let x = w.data.sample(0)[2 * 2..3 * 2].to_vec();
        w.recurrent[0].samples[0][2] = step(&l, &w.recurrent[0].matrix, w.model.fixed, &x, Some(&prev)).unwrap();
        recompute_after(&mut w, 0, 2);
        let err = run(&w, w.public_inputs()).unwrap_err();
        assert!(err.to_lowercase().contains("equality") && !err.contains("freivalds") && !err.contains("lookup"), "{cell:?}: {err}");
        // Groth16: h_1 of unit 0 changed in the trace
        let mut w = w0.clone();
        let per_step = 6 * 2 - (cell == Cell::Gru) as usize * 2;
        w.trace.samples[0].layers[0].z[per_step + per_step - 2] += 1;
        assert!(!groth16_ok(&w, w0.public_inputs()), "{cell:?}: Groth16");
    }
}

#[test]
fn wrong_final_prediction_fails() {
    for cell in [Cell::Lstm, Cell::Gru] {
        let w0 = witness(40, cell, false, [2, 2, 2, 3], 2);
        let mut w = w0.clone();
        let s = &mut w.trace.samples[0];
        s.prediction = (s.prediction + 1) % 3;
        w.trace.score = w.trace.samples.iter().filter(|s| s.correct()).count();
        assert!(run(&w, w.public_inputs()).is_err(), "{cell:?}");
        assert!(!groth16_ok(&w, w.public_inputs()), "{cell:?}: Groth16");
    }
}

#[test]
fn weight_not_the_committed_one_fails() {
    for cell in [Cell::Lstm, Cell::Gru] {
        let w0 = witness(50, cell, false, [2, 2, 2, 2], 2);
        let honest = w0.public_inputs();
        // the model itself changed (everything recomputed from it) under the honest commitment
        let mut model = w0.model.clone();
        if let Layer::Recurrent(r) = &mut model.layers[0] {
            r.w[0] += 1;
        }
        if let Ok(w) = Witness::new(model, w0.data.clone()) {
            assert!(run(&w, honest).is_err(), "{cell:?}");
            assert!(!groth16_ok(&w, honest), "{cell:?}: Groth16");
        }
        // halo2: only the matrix changed (input weight 0 of gate 0), every step recomputed
        // from it, so Freivalds' test holds: the copy from the committed cell objects
        let mut w = w0.clone();
        let l = layer0(&w);
        w.recurrent[0].matrix[0] += 1;
        let m = w.recurrent[0].matrix.clone();
        let x = w.data.sample(0).to_vec();
        let ni = l.shape.input_size;
        w.recurrent[0].samples[0][0] = step(&l, &m, w.model.fixed, &x[..ni], None).unwrap();
        for i in 1..w.data.len() {
            let xi = w.data.sample(i).to_vec();
            w.recurrent[0].samples[i][0] = step(&l, &m, w.model.fixed, &xi[..ni], None).unwrap();
            let mut prev = w.recurrent[0].samples[i][0].products.clone();
            for t in 1..l.shape.steps {
                let s = step(&l, &m, w.model.fixed, &xi[t * ni..(t + 1) * ni], Some(&prev)).unwrap();
                prev = s.products.clone();
                w.recurrent[0].samples[i][t] = s;
            }
            let out = w.recurrent[0].samples[i][l.shape.steps - 1].hidden();
            retrace(&mut w, i, 0, out);
        }
        recompute_after(&mut w, 0, 0);
        let err = run(&w, w.public_inputs()).unwrap_err();
        assert!(err.to_lowercase().contains("equality") && !err.contains("freivalds"), "{cell:?}: {err}");
    }
}
