//! The backend trait: what zkpot needs from a proof system.

use crate::error::ProveError;
use zkpot_circuits::halo2::{CircuitShape, Witness};
use zkpot_verifier::Statement;

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
