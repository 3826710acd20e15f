//! Verification of Groth16 proofs on BN254, implemented directly on `ark-bn254` / `ark-ec` (no
//! prover code): accept iff `e(A, B) = e(alpha, beta) e(sum_i x_i IC_i, gamma) e(C, delta)` with
//! `x = (1, model commitment, data set commitment, N, S)`.
//!
//! Files (each inside a [`crate::container`] with backend byte [`BACKEND_GROTH16`]):
//!
//! ```text
//! verifying key (kind 1): shape JSON (u32 length + bytes), provenance JSON (u32 length + bytes;
//!                         container version 2, absent in version 1), then the key, compressed:
//!                         alpha_g1 (32) beta_g2 (64) gamma_g2 (64) delta_g2 (64)
//!                         gamma_abc_g1 (u64 count = 5, then 5 x 32)
//! proof (kind 2):         a (32) b (64) c (32), compressed: 128 bytes
//! ```
//!
//! The key and proof payloads are byte for byte `ark_groth16::VerifyingKey<Bn254>` and
//! `ark_groth16::Proof<Bn254>` under `serialize_compressed`, so other tools (the Solidity
//! exporter) can read them with `deserialize_compressed`; [`Groth16Vk`] and [`Groth16Proof`]
//! have the same fields under the same names.

use crate::container::{open_version, put_bytes, seal_version, Kind, Reader, BACKEND_GROTH16, VERSION_KEYS};
use crate::provenance::Provenance;
use crate::error::VerifyError;
use crate::proof::ProofFile;
use crate::statement::Statement;
use crate::GROTH16_BACKEND;
use ark_bn254::{Bn254, Fr as ArkFr, G1Affine, G1Projective, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{PrimeField, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use zkpot_circuits::groth16::circuit::shape_id;
use zkpot_circuits::groth16::convert::to_ark;
use zkpot_circuits::halo2::CircuitShape;

/// Number of public inputs: model commitment, data set commitment, N, S.
pub const PUBLIC_INPUTS: usize = 4;
/// Size of a compressed proof.
pub const PROOF_BYTES: usize = 128;

/// A Groth16 verifying key (the fields of `ark_groth16::VerifyingKey<Bn254>`).
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Groth16Vk {
    pub alpha_g1: G1Affine,
    pub beta_g2: G2Affine,
    pub gamma_g2: G2Affine,
    pub delta_g2: G2Affine,
    pub gamma_abc_g1: Vec<G1Affine>,
}

/// A Groth16 proof (the fields of `ark_groth16::Proof<Bn254>`).
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Groth16Proof {
    pub a: G1Affine,
    pub b: G2Affine,
    pub c: G1Affine,
}

/// The verifying key file: the circuit shape, where the key came from, and the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Groth16Key {
    pub shape: CircuitShape,
    pub vk: Groth16Vk,
    /// The ceremony (or development seed) the key came from, as its maker recorded it.
    pub provenance: Provenance,
}

impl Groth16Key {
    /// The key file contents.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut payload = Vec::new();
        put_bytes(&mut payload, serde_json::to_string(&self.shape).unwrap_or_default().as_bytes());
        put_bytes(&mut payload, &self.provenance.to_json());
        // writing into a Vec cannot fail
        let _ = self.vk.serialize_compressed(&mut payload);
        seal_version(VERSION_KEYS, Kind::VerifyingKey, BACKEND_GROTH16, &payload)
    }

    /// Whether the key is development material: the development keys of the default seed
    /// (recognised by their `alpha_g1`, whatever the record says), or the record says so.
    pub fn is_development(&self) -> bool {
        self.provenance.says_development() || self.vk.alpha_g1 == crate::provenance::dev_groth16_alpha_g1(crate::provenance::DEFAULT_GROTH16_DEV_SEED)
    }

    /// Decodes and checks a key file (every point on the curve and in the subgroup).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        let (version, backend, payload) = open_version(bytes, Kind::VerifyingKey, VERSION_KEYS)?;
        if backend != BACKEND_GROTH16 {
            return Err(VerifyError::Mismatch(format!("the verifying key is for backend {backend}, this reader takes Groth16 keys ({BACKEND_GROTH16})")));
        }
        Self::from_payload(version, payload)
    }

    /// Decodes a key payload (the contents of a container of `version`).
    pub fn from_payload(version: u8, payload: &[u8]) -> Result<Self, VerifyError> {
        let what = "verifying key";
        let mut r = Reader::new(what, payload);
        let shape: CircuitShape = serde_json::from_slice(r.bytes()?)
            .map_err(|e| VerifyError::Malformed { what, detail: format!("circuit shape: {e}") })?;
        let provenance = if version >= VERSION_KEYS { Provenance::from_json(r.bytes()?, what)? } else { Provenance::unrecorded() };
        let vk = vk_from_bytes(r.rest())?;
        Ok(Groth16Key { shape, vk, provenance })
    }

    /// Reads a key file from disk.
    pub fn read(path: &std::path::Path) -> Result<Self, VerifyError> {
        let bytes = std::fs::read(path).map_err(|source| VerifyError::Io { path: path.display().to_string(), source })?;
        Self::from_bytes(&bytes)
    }
}

/// Parses a compressed verifying key (exactly `ark_groth16::VerifyingKey<Bn254>`'s encoding).
pub fn vk_from_bytes(bytes: &[u8]) -> Result<Groth16Vk, VerifyError> {
    let what = "verifying key";
    let mut cursor = bytes;
    let vk = Groth16Vk::deserialize_compressed(&mut cursor).map_err(|e| VerifyError::Malformed { what, detail: format!("Groth16 key: {e}") })?;
    if !cursor.is_empty() {
        return Err(VerifyError::Malformed { what, detail: format!("{} trailing bytes after the Groth16 key", cursor.len()) });
    }
    if vk.gamma_abc_g1.len() != PUBLIC_INPUTS + 1 {
        return Err(VerifyError::Malformed { what, detail: format!("{} input points, the statement has {} public inputs (+1)", vk.gamma_abc_g1.len(), PUBLIC_INPUTS) });
    }
    Ok(vk)
}

impl Groth16Proof {
    /// The 128 compressed bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(PROOF_BYTES);
        let _ = self.serialize_compressed(&mut out);
        out
    }

    /// Parses 128 compressed bytes (points checked on the curve and in the subgroup).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        let what = "proof";
        if bytes.len() != PROOF_BYTES {
            return Err(VerifyError::Malformed { what, detail: format!("a Groth16 proof is {PROOF_BYTES} bytes, this one {}", bytes.len()) });
        }
        Groth16Proof::deserialize_compressed(bytes).map_err(|e| VerifyError::Malformed { what, detail: format!("Groth16 proof: {e}") })
    }

    /// Wraps the proof into a proof file.
    pub fn to_file(&self) -> ProofFile {
        ProofFile { backend: BACKEND_GROTH16, proof: self.to_bytes() }
    }
}

/// The pairing check alone: `e(A, B) = e(alpha, beta) e(IC(x), gamma) e(C, delta)`, as one
/// multi-pairing `e(A, B) e(-alpha, beta) e(-IC(x), gamma) e(-C, delta) = 1`.
pub fn pairing_check(vk: &Groth16Vk, proof: &Groth16Proof, public: &[ArkFr]) -> Result<bool, VerifyError> {
    if public.len() + 1 != vk.gamma_abc_g1.len() {
        return Err(VerifyError::Mismatch(format!("{} public inputs for a key with {}", public.len(), vk.gamma_abc_g1.len().saturating_sub(1))));
    }
    let mut ic: G1Projective = vk.gamma_abc_g1[0].into_group();
    for (x, base) in public.iter().zip(&vk.gamma_abc_g1[1..]) {
        ic += base.mul_bigint(x.into_bigint());
    }
    let g1 = [proof.a, (-vk.alpha_g1.into_group()).into_affine(), (-ic).into_affine(), (-proof.c.into_group()).into_affine()];
    let g2 = [proof.b, vk.beta_g2, vk.gamma_g2, vk.delta_g2];
    Ok(Bn254::multi_pairing(g1, g2).is_zero())
}

/// The statement's public inputs `[model commitment, data set commitment, N, S]` in arkworks'
/// field, in the circuit's order (checked as by [`Statement::public_inputs`]).
pub fn public_inputs(statement: &Statement) -> Result<Vec<ArkFr>, VerifyError> {
    Ok(statement.public_inputs()?.iter().map(to_ark).collect())
}

/// Accepts iff `proof` proves `statement` under `key`; otherwise says why not.
pub fn verify(statement: &Statement, proof: &ProofFile, key: &Groth16Key) -> Result<(), VerifyError> {
    if statement.backend != GROTH16_BACKEND || proof.backend != BACKEND_GROTH16 {
        return Err(VerifyError::Mismatch(format!(
            "this verifier checks `{GROTH16_BACKEND}` proofs; the statement names `{}` and the proof file backend {}",
            statement.backend, proof.backend
        )));
    }
    statement.check_score_function(key.shape.score)?;
    let id = shape_id(&key.shape);
    if statement.shape_id != id {
        return Err(VerifyError::Mismatch(format!("the statement is for circuit shape {}, the verifying key for {id}", statement.shape_id)));
    }
    if statement.samples != key.shape.samples as u64 {
        return Err(VerifyError::Mismatch(format!(
            "the statement claims N = {}, the verifying key is for N = {}",
            statement.samples, key.shape.samples
        )));
    }
    let public = public_inputs(statement)?;
    let p = Groth16Proof::from_bytes(&proof.proof)?;
    if pairing_check(&key.vk, &p, &public)? {
        Ok(())
    } else {
        Err(VerifyError::Rejected("the Groth16 pairing check failed".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy_vk() -> Groth16Vk {
        let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
        Groth16Vk { alpha_g1: g1, beta_g2: g2, gamma_g2: g2, delta_g2: g2, gamma_abc_g1: vec![g1; PUBLIC_INPUTS + 1] }
    }

    #[test]
    fn hostile_lengths_and_truncations_are_errors() {
        let mut bytes = Vec::new();
        toy_vk().serialize_compressed(&mut bytes).unwrap();
        assert_eq!(vk_from_bytes(&bytes).unwrap(), toy_vk());
        for cut in [0, 1, 31, 224, 231, bytes.len() - 1] {
            assert!(matches!(vk_from_bytes(&bytes[..cut]), Err(VerifyError::Malformed { .. })), "cut {cut}");
        }
        let mut huge = bytes.clone();
        huge[224..232].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(vk_from_bytes(&huge), Err(VerifyError::Malformed { .. })));
        let mut few = toy_vk();
        few.gamma_abc_g1.pop();
        let mut short = Vec::new();
        few.serialize_compressed(&mut short).unwrap();
        assert!(matches!(vk_from_bytes(&short), Err(VerifyError::Malformed { .. })));
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(matches!(vk_from_bytes(&trailing), Err(VerifyError::Malformed { .. })));
    }

    #[test]
    fn a_made_up_proof_fails_the_pairing_check() {
        let g = Groth16Proof { a: G1Affine::generator(), b: G2Affine::generator(), c: G1Affine::generator() };
        assert_eq!(Groth16Proof::from_bytes(&g.to_bytes()).unwrap(), g);
        let x = [ArkFr::from(1u64); PUBLIC_INPUTS];
        assert!(!pairing_check(&toy_vk(), &g, &x).unwrap());
        assert!(pairing_check(&toy_vk(), &g, &x[..3]).is_err());
    }
}
