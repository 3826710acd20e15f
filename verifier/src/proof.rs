//! The proof file: the halo2 transcript bytes inside a [`crate::container`] of kind 2.

use crate::container::{open, seal, Kind, BACKEND_HALO2};
use crate::error::VerifyError;

/// A decoded proof file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofFile {
    pub backend: u8,
    pub proof: Vec<u8>,
}

impl ProofFile {
    /// Wraps halo2 proof bytes.
    pub fn halo2(proof: Vec<u8>) -> Self {
        ProofFile { backend: BACKEND_HALO2, proof }
    }

    /// The file contents.
    pub fn to_bytes(&self) -> Vec<u8> {
        seal(Kind::Proof, self.backend, &self.proof)
    }

    /// Decodes and checks a proof file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        let (backend, payload) = open(bytes, Kind::Proof)?;
        Ok(ProofFile { backend, proof: payload.to_vec() })
    }
}
