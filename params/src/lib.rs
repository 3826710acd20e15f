//! # zkpot-params: KZG parameters and keys
//!
//! # Layout
//! * [`srs`]: KZG parameters: a development SRS derived from a seed (insecure: whoever knows the
//!   seed can forge proofs), or a ceremony file in halo2's format, trimmed to the size needed.
//! * [`check`]: the randomized same-ratio check every imported SRS passes before use.
//! * [`ptau`]: snarkjs `.ptau` powers-of-tau files (any power, with or without the phase-2
//!   Lagrange sections) read into KZG parameters.
//! * [`keys`]: halo2 key generation for a circuit shape.
//! * [`cache`]: the on-disk cache (`.zkpot-cache/` or `$ZKPOT_CACHE`), files written atomically
//!   and named by the circuit shape id, so one setup serves every model of an architecture.
//! * [`error`]: the crate's error type.

pub mod cache;
pub mod check;
pub mod error;
pub mod keys;
pub mod ptau;
pub mod srs;

pub use error::ParamsError;
