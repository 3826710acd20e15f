//! The backend trait: what zkpot needs from a proof system.

use crate::error::ProveError;
use zkpot_circuits::field::fr_to_hex;
use zkpot_circuits::halo2::{CircuitShape, Witness};
use zkpot_circuits::score::ScoreFunction;
use zkpot_verifier::Statement;

/// The statement an honest proof of `witness` under score function `score` claims for the
/// circuit `shape_id` of `backend` (the witness's score recounted under `score`), computed
/// without proving.
pub(crate) fn honest_statement(backend: &str, shape_id: String, witness: &Witness, score: ScoreFunction) -> Statement {
    let public = witness.public_inputs();
    Statement::new(backend, shape_id, fr_to_hex(&public[0]), fr_to_hex(&public[1]), witness.data.len() as u64, witness.trace.score_with(score) as u64)
        .with_score_function(score)
}

/// A proof system for the validation statement.
pub trait Backend {
    /// Public parameters (an SRS for KZG; the development seed for Groth16).
    type Params;
    /// What the prover needs besides the witness.
    type ProvingKey;
    /// What the verifier needs besides the statement.
    type VerifyingKey;
    /// A proof.
    type Proof;

    /// The name statements use for this backend.
    const NAME: &'static str;

    /// Circuit-specific setup: keys for a shape (architecture and N), never for a model.
    fn setup(params: &Self::Params, shape: &CircuitShape) -> Result<(Self::ProvingKey, Self::VerifyingKey), ProveError>;

    /// Proves the witness's score; returns the statement and the proof.
    fn prove(params: &Self::Params, pk: &Self::ProvingKey, witness: Witness) -> Result<(Statement, Self::Proof), ProveError>;

    /// Checks a proof of a statement.
    fn verify(vk: &Self::VerifyingKey, statement: &Statement, proof: &Self::Proof) -> Result<(), ProveError>;
}
