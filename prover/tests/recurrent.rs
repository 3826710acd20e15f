//! Recurrent models end to end on both backends: a small LSTM and a small GRU (dense head,
//! argmax, score) set up, proved and verified with real keys; a changed score is rejected.

use zkpot_circuits::halo2::{CircuitShape, Witness};
use zkpot_circuits::layers::Cell;
use zkpot_circuits::testing::{random_dataset, random_recurrent_model, TINY};
use zkpot_params::srs::dev_srs;
use zkpot_prover::groth16::DevSeed;
use zkpot_prover::{Backend, Groth16Backend, Halo2Backend};

/// A random model in TINY's bound (b = 8, s = 3): 3 steps of 2 inputs, 2 hidden units, 3
/// classes, over `n` samples.
fn witness(cell: Cell, n: usize) -> Witness {
    for seed in 0..200 {
        let q = random_recurrent_model(seed, TINY, cell, false, [3, 2, 2, 3], 6);
        let data = random_dataset(seed, TINY, q.input_dim, q.num_classes, n, 12);
        if let Ok(w) = Witness::new(q, data) {
            return w;
        }
    }
    panic!("no random recurrent model in bound");
}

#[test]
fn halo2_proves_and_verifies_lstm_and_gru() {
    for cell in [Cell::Lstm, Cell::Gru] {
        let w = witness(cell, 3);
        let shape = CircuitShape::new(w.model.architecture(), 3);
        let params = dev_srs(shape.k(), [3; 32]);
        let (pk, vk) = Halo2Backend::setup(&params, &shape).unwrap();
        let score = w.trace.score as u64;
        let (statement, proof) = Halo2Backend::prove(&params, &pk, w).unwrap();
        assert_eq!(statement.score, score);
        Halo2Backend::verify(&vk, &statement, &proof).unwrap_or_else(|e| panic!("{cell:?}: {e}"));
        let mut s = statement.clone();
        s.score = if s.score > 0 { s.score - 1 } else { 1 };
        assert!(Halo2Backend::verify(&vk, &s, &proof).is_err(), "{cell:?}: a changed score");
    }
}

#[test]
fn groth16_proves_and_verifies_lstm_and_gru() {
    for cell in [Cell::Lstm, Cell::Gru] {
        let w = witness(cell, 2);
        let shape = CircuitShape::new(w.model.architecture(), 2);
        let (pk, vk) = Groth16Backend::setup(&DevSeed(11), &shape).unwrap();
        let (statement, proof) = Groth16Backend::prove(&DevSeed(11), &pk, w).unwrap();
        Groth16Backend::verify(&vk, &statement, &proof).unwrap_or_else(|e| panic!("{cell:?}: {e}"));
        let mut s = statement.clone();
        s.score = if s.score > 0 { s.score - 1 } else { 1 };
        assert!(Groth16Backend::verify(&vk, &s, &proof).is_err(), "{cell:?}: a changed score");
    }
}
