//! What the exporter reads: a Groth16 verifying key and proof, and the statement's public
//! inputs as arkworks scalars.
//!
//! Keys and proofs are either zkpot's own files (`vk.key`, `proof.bin`: a [`crate::container`]
//! with the Groth16 backend byte, see [`crate::groth16`]) or bare arkworks canonical compressed
//! serializations (`serialize_compressed` of `ark_groth16::VerifyingKey<Bn254>` /
//! `Proof<Bn254>`, read into the same-shaped [`crate::groth16::Groth16Vk`] / [`crate::groth16::Groth16Proof`]); reading checks that every point is on the curve and in the prime-order
//! subgroup.

use super::PUBLIC_INPUTS;
use crate::container::{BACKEND_GROTH16, MAGIC};
use crate::{Statement, VerifyError};
use ark_bn254::Fr;
use crate::groth16::{Groth16Proof, Groth16Vk};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};

/// A verifying key from a zkpot Groth16 `vk.key` file or its bare compressed arkworks
/// serialization.
pub fn read_verifying_key(bytes: &[u8]) -> Result<Groth16Vk, VerifyError> {
    let owned;
    let bytes = if bytes.starts_with(MAGIC) {
        let key = crate::groth16::Groth16Key::from_bytes(bytes)?;
        let mut buf = Vec::new();
        key.vk.serialize_compressed(&mut buf).map_err(|e| VerifyError::Malformed { what: "Groth16 verifying key", detail: e.to_string() })?;
        owned = buf;
        owned.as_slice()
    } else {
        bytes
    };
    Groth16Vk::deserialize_compressed(bytes).map_err(|e| VerifyError::Malformed {
        what: "Groth16 verifying key",
        detail: e.to_string(),
    })
}

/// A proof from a zkpot Groth16 `proof.bin` file or its bare compressed arkworks
/// serialization (128 bytes).
pub fn read_proof(bytes: &[u8]) -> Result<Groth16Proof, VerifyError> {
    let owned;
    let bytes = if bytes.starts_with(MAGIC) {
        let file = crate::ProofFile::from_bytes(bytes)?;
        if file.backend != BACKEND_GROTH16 {
            return Err(VerifyError::Mismatch(format!("the proof is for backend {}, the on-chain verifier takes Groth16 proofs", file.backend)));
        }
        owned = file.proof;
        owned.as_slice()
    } else {
        bytes
    };
    Groth16Proof::deserialize_compressed(bytes).map_err(|e| VerifyError::Malformed {
        what: "Groth16 proof",
        detail: e.to_string(),
    })
}

/// The statement's public inputs `[model commitment, data set commitment, N, S]` as arkworks
/// scalars (the same field as halo2's `Fr`, through its canonical little-endian bytes).
pub fn statement_inputs(statement: &Statement) -> Result<[Fr; PUBLIC_INPUTS], VerifyError> {
    let inputs = crate::groth16::public_inputs(statement)?;
    inputs.try_into().map_err(|v: Vec<Fr>| VerifyError::Statement(format!("{} public inputs, expected {PUBLIC_INPUTS}", v.len())))
}
