//! # zkpot-jobs: proving jobs outside one process
//!
//! What the command line's chunk verbs (`prove --chunk I`, `setup --chunk-size`, `bundle`) and
//! the Python package (`import zkpot`, `python -m zkpot.ray`) share, so that a chunk proved by a
//! Ray worker and one proved by `zkpot prove --chunk` are the same file, checked the same way.
//!
//! # Layout
//! * [`sources`]: models and data sets from files, JSON text or the bundled `@names`.
//! * [`plan`]: the chunk plan (`plan.json`: chunk boundaries, commitments, verifying keys by
//!   digest) and the chunk file (`chunk-007.json`: one chunk's statement and proof).
//! * [`keys`]: KZG parameters and keys for the plan's chunk shapes, made once; proving keys
//!   rebuilt from the plan's verifying keys, kept per process.
//! * [`chunk`]: making the plan, and proving one chunk of it.
//! * [`assemble`]: chunk files to the bundle `zkpot verify --bundle` checks, refusing a missing,
//!   duplicated, foreign or corrupt chunk, or one proved with another key.
//! * [`trust`]: a verifier's trust settings (pinned key digests, trusted keys, a ceremony file
//!   to re-derive keys from), shared by `zkpot verify` and the Python package.
//! * [`error`]: the crate's error type.

pub mod assemble;
pub mod chunk;
pub mod error;
pub mod keys;
pub mod plan;
pub mod sources;
pub mod trust;

pub use error::JobError;
