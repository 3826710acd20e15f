//! The one error type of `zkpot-prover`.

use thiserror::Error;

/// Errors from setup and proving.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ProveError {
    /// The model or data set is unusable (shapes, bounds, labels).
    #[error(transparent)]
    Circuit(#[from] zkpot_circuits::CircuitError),
    /// Keys or parameters.
    #[error(transparent)]
    Params(#[from] zkpot_params::ParamsError),
    /// The key given is for another circuit.
    #[error("the proving key is for circuit shape {key}, the witness needs {witness}")]
    WrongKey { key: String, witness: String },
    /// halo2 refused to prove: the witness does not satisfy the circuit.
    #[error("proving failed (the witness does not satisfy the circuit): {0}")]
    Proving(String),
    /// A snarkjs `.zkey` that cannot be read or is not for this circuit.
    #[error("the phase-2 key {path}: {detail}")]
    Zkey { path: String, detail: String },
    /// The freshly made proof did not verify.
    #[error(transparent)]
    Verify(#[from] zkpot_verifier::VerifyError),
}
