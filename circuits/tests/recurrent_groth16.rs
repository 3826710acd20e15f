//! The R1CS recurrent gadget (`groth16/recurrent.rs`): honest witnesses satisfy it and its
//! outputs equal the reference's on random small LSTM and GRU layers; a wrong sigmoid or tanh
//! output, a tampered gate value, a changed hidden state and a wrong claimed output are
//! unsatisfiable.

use ark_relations::gr1cs::ConstraintSystem;
use proptest::prelude::*;
use zkpot_circuits::activation::Activation;
use zkpot_circuits::eval::LayerValues;
use zkpot_circuits::groth16::convert::{ark_from_i64, from_ark};
use zkpot_circuits::groth16::num::{enforce_equal, Num};
use zkpot_circuits::groth16::recurrent::{activation, activation_constraints, enforce_layer};
use zkpot_circuits::groth16::ArkFr;
use zkpot_circuits::field::fr_from_i64;
use zkpot_circuits::layers::{Cell, Layer, RecurrentLayer};
use zkpot_circuits::testing::{random_recurrent_model, SplitMix, TINY};

fn layer(seed: u64, cell: Cell, dims: [usize; 3]) -> (RecurrentLayer, Vec<i64>) {
    let q = random_recurrent_model(seed, TINY, cell, false, [dims[0], dims[1], dims[2], 2], 6);
    let Layer::Recurrent(l) = q.layers[0].clone() else { unreachable!() };
    let mut rng = SplitMix(seed ^ 0x5EED);
    (l, (0..dims[0] * dims[1]).map(|_| rng.range(-12, 12)).collect())
}

/// Synthesizes the gadget with trace `values`, activation claims from `act`, and the outputs
/// claimed equal to `claim` (the reference's when `None`); whether it is satisfied.
fn satisfied(l: &RecurrentLayer, x: &[i64], values: &LayerValues, act: &mut dyn FnMut(usize, i64) -> i64, claim: Option<Vec<i64>>) -> bool {
    let cs = ConstraintSystem::<ArkFr>::new_ref();
    let alloc = |v: &[i64]| v.iter().map(|x| Num::witness(&cs, ark_from_i64(*x)).unwrap()).collect::<Vec<_>>();
    let (xs, ps) = (alloc(x), alloc(&l.values()));
    let outs = enforce_layer(&cs, &l.shape, TINY, &xs, &ps, values, act).unwrap();
    let reference = l.eval(x, &TINY, 0, 0).unwrap().out;
    for (o, want) in outs.iter().zip(claim.unwrap_or(reference)) {
        enforce_equal(&cs, o, &Num::constant(ark_from_i64(want))).unwrap();
    }
    cs.is_satisfied().unwrap()
}

fn trace(l: &RecurrentLayer, x: &[i64]) -> LayerValues {
    l.eval(x, &TINY, 0, 0).unwrap()
}

#[test]
fn activation_gadget_accepts_exactly_the_table() {
    for f in [Activation::Sigmoid, Activation::Tanh] {
        for z in [-128i64, -20, -9, -1, 0, 1, 5, 13, 127] {
            let honest = f.fixed(z, TINY.scale_bits);
            for claim in [honest - 1, honest, honest + 1] {
                let cs = ConstraintSystem::<ArkFr>::new_ref();
                let zn = Num::witness(&cs, ark_from_i64(z)).unwrap();
                let y = activation(&cs, f, &zn, claim, TINY).unwrap();
                let ok = cs.is_satisfied().unwrap();
                assert_eq!(ok, claim == honest, "{f:?}({z}) claimed {claim}, table {honest}");
                if ok {
                    assert_eq!(from_ark(&y.val), fr_from_i64(honest));
                    assert_eq!(cs.num_constraints(), activation_constraints(f, TINY));
                }
            }
        }
    }
}

#[test]
fn honest_layers_satisfy_and_match_the_reference() {
    for (seed, cell) in [(1, Cell::Lstm), (2, Cell::Gru)] {
        let (l, x) = layer(seed, cell, [3, 2, 2]);
        assert!(satisfied(&l, &x, &trace(&l, &x), &mut |_, v| v, None), "{cell:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]
    #[test]
    fn random_layers_satisfy(seed in 0u64..1000, gru in any::<bool>(), steps in 1usize..4, input in 1usize..3, hidden in 1usize..3) {
        let (l, x) = layer(seed, if gru { Cell::Gru } else { Cell::Lstm }, [steps, input, hidden]);
        if l.eval(&x, &TINY, 0, 0).is_ok() {
            prop_assert!(satisfied(&l, &x, &trace(&l, &x), &mut |_, v| v, None));
        }
    }
}

#[test]
fn wrong_activation_output_fails() {
    for cell in [Cell::Lstm, Cell::Gru] {
        let (l, x) = layer(3, cell, [2, 2, 2]);
        let t = trace(&l, &x);
        // the first activation is a sigmoid (gate i / z); for LSTM number 3 H = 6 is tanh(gate c),
        // for GRU number 2 H = 4 is the first tanh (gate h)
        let tanh_at = if cell == Cell::Lstm { 6 } else { 4 };
        for at in [0, tanh_at] {
            assert!(!satisfied(&l, &x, &t, &mut |i, v| if i == at { v + 1 } else { v }, None), "{cell:?} activation {at}");
        }
    }
}

#[test]
fn tampered_gate_or_hidden_state_fails() {
    for cell in [Cell::Lstm, Cell::Gru] {
        let (l, x) = layer(4, cell, [2, 2, 2]);
        let t = trace(&l, &x);
        let per_step = cell.rescales_per_unit() * 2;
        // a gate pre-activation of step 0, and the hidden state h[0] at the end of step 0
        for at in [0, per_step - 2] {
            let mut bad = t.clone();
            bad.z[at] += 1;
            assert!(!satisfied(&l, &x, &bad, &mut |_, v| v, None), "{cell:?} rescale {at}");
            let mut bad = t.clone();
            bad.rem[at] += 1;
            assert!(!satisfied(&l, &x, &bad, &mut |_, v| v, None), "{cell:?} remainder {at}");
        }
    }
}

#[test]
fn wrong_claimed_output_fails() {
    let (l, x) = layer(5, Cell::Lstm, [2, 2, 2]);
    let mut wrong = l.eval(&x, &TINY, 0, 0).unwrap().out;
    wrong[1] += 1;
    assert!(!satisfied(&l, &x, &trace(&l, &x), &mut |_, v| v, Some(wrong)));
}
