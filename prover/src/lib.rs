//! # zkpot-prover: proving backends
//!
//! # Layout
//! * [`backend`]: the small trait every backend implements (shaped like arkworks' `SNARK`:
//!   circuit-specific setup, prove, verify, with associated key and proof types).
//! * [`halo2`]: the halo2 backend (KZG on BN254, SHPLONK, Blake2b transcript).
//! * [`groth16`]: the Groth16 backend (arkworks, BN254): development setup from a seed, proving,
//!   proving key files, conversions to and from `ark_groth16` types.
//! * [`zkey`]: snarkjs phase-2 ceremony keys (`.zkey`) read as Groth16 proving keys.
//! * [`circom_qap`]: snarkjs's R1CS-to-QAP reduction, for proving with such keys.
//! * [`error`]: the crate's error type.

pub mod backend;
pub mod circom_qap;
pub mod error;
pub mod groth16;
pub mod halo2;
pub mod zkey;

pub use backend::Backend;
pub use error::ProveError;
pub use groth16::Groth16Backend;
pub use halo2::Halo2Backend;
