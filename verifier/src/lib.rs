//! # zkpot-verifier: the light verifier
//!
//! Checks a proof of `(model commitment, data set commitment, N, S)` against a verifying key,
//! without the weights or the data, in milliseconds. It reads the artifact files the prover
//! writes and rejects anything malformed with an error that names the problem.
//!
//! # Layout
//! * [`container`]: the versioned, checksummed binary container of every key and proof file.
//! * [`statement`]: the public statement (JSON).
//! * [`vk`]: the verifying key file (circuit shape + KZG verifier parameters + halo2 key).
//! * [`proof`]: the proof file.
//! * [`provenance`]: where a key came from (SRS or ceremony fingerprint, development or not).
//! * [`pin`]: how a verifier pins a key (digest, trusted directory) before it is used.
//! * [`halo2`]: verification of halo2 (KZG, SHPLONK, BN254) proofs, one or a batch with one
//!   pairing check.
//! * [`halo2_vk`]: halo2's verifying key decoded for verification only (no FFT tables, no
//!   selector columns).
//! * [`groth16`]: verification of Groth16 (BN254) proofs: the pairing check on `ark-bn254`, key
//!   and proof files (byte-compatible with `ark_groth16`'s compressed encoding).
//! * [`dispatch`]: a key of either backend and [`verify_any`], which dispatches on the statement.
//! * [`bundle`]: a data set proved in chunks: the bundle file and its checks.
//! * [`snarkjs`]: Groth16 keys, proofs and public inputs in snarkjs's JSON (JavaScript clients).
//! * [`evm`]: the on-chain (Solidity) verifier of Groth16 proofs and its calldata.
//! * [`error`]: the crate's error type.
//! * `forgery` (hidden, for tests): the rogue-key forgery that key pinning stops.

pub mod bundle;
pub mod container;
pub mod dispatch;
pub mod error;
pub mod groth16;
pub mod evm;
#[doc(hidden)]
pub mod forgery;
pub mod halo2;
pub mod halo2_vk;
pub mod pin;
pub mod proof;
pub mod provenance;
pub mod snarkjs;
pub mod statement;
pub mod vk;

pub use bundle::Bundle;
pub use dispatch::{key_digest, verify_any, AnyKey};
pub use error::VerifyError;
pub use groth16::Groth16Key;
pub use halo2::verify;
pub use proof::ProofFile;
pub use statement::Statement;
/// What a statement's score counts (re-exported for the ledger).
pub use zkpot_circuits::score::ScoreFunction;
pub use vk::VerifierKey;

/// The backend name of the halo2 prover, as statements spell it.
pub const HALO2_BACKEND: &str = "halo2-kzg-bn254";

/// The backend name of the Groth16 prover, as statements spell it.
pub const GROTH16_BACKEND: &str = "groth16-bn254";
