//! The verifying key file: everything a light verifier needs and nothing more. Payload
//! (inside a [`crate::container`] of kind 1, version 2):
//!
//! ```text
//! shape JSON (u32 length + bytes)   the circuit shape, so the key can be decoded
//! provenance JSON (u32 length + bytes)  the SRS the key came from (`crate::provenance`);
//!                                   absent in version-1 files
//! k (u32)                           the circuit size
//! g, g2, s_g2 (compressed points)   the KZG verifier parameters: 32 + 64 + 64 bytes
//! halo2 verifying key (rest)        halo2's own RawBytes encoding
//! ```

use crate::container::{open_version, put_bytes, seal_version, Kind, Reader, BACKEND_HALO2, VERSION_KEYS};
use crate::provenance::Provenance;
use crate::error::VerifyError;
use halo2_proofs::halo2curves::bn256::{Bn256, G1Affine, G2Affine};
use halo2_proofs::halo2curves::group::GroupEncoding;
use halo2_proofs::plonk::VerifyingKey;
use halo2_proofs::poly::commitment::{Params, ParamsProver};
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use halo2_proofs::SerdeFormat;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkpot_circuits::halo2::{CircuitShape, ValidationCircuit};

/// A decoded verifying key.
#[derive(Clone, Debug)]
pub struct VerifierKey {
    pub shape: CircuitShape,
    pub params: ParamsKZG<Bn256>,
    pub vk: VerifyingKey<G1Affine>,
    /// The SRS the key was made from, as its maker recorded it.
    pub provenance: Provenance,
}

impl VerifierKey {
    /// The verifier's key from full KZG parameters: keeps only what verification uses.
    pub fn new(shape: CircuitShape, params: &ParamsKZG<Bn256>, vk: VerifyingKey<G1Affine>, provenance: Provenance) -> Self {
        let params = verifier_params(params.k(), params.get_g()[0], params.g2(), params.s_g2());
        VerifierKey { shape, params, vk, provenance }
    }

    /// Whether the key was made from the development SRS: its `s_g2` is the development
    /// trapdoor's (whatever the provenance record says), or the record says so.
    pub fn is_development(&self) -> bool {
        self.params.s_g2() == crate::provenance::dev_srs_s_g2() || self.provenance.says_development()
    }

    /// The key file contents.
    pub fn to_bytes(&self) -> Vec<u8> {
        let (shape, params, vk) = (&self.shape, &self.params, &self.vk);
        let mut payload = Vec::new();
        put_bytes(&mut payload, serde_json::to_string(shape).unwrap_or_default().as_bytes());
        put_bytes(&mut payload, &self.provenance.to_json());
        payload.extend_from_slice(&params.k().to_le_bytes());
        payload.extend_from_slice(params.get_g()[0].to_bytes().as_ref());
        payload.extend_from_slice(params.g2().to_bytes().as_ref());
        payload.extend_from_slice(params.s_g2().to_bytes().as_ref());
        payload.extend_from_slice(&vk.to_bytes(SerdeFormat::RawBytes));
        seal_version(VERSION_KEYS, Kind::VerifyingKey, BACKEND_HALO2, &payload)
    }

    /// Decodes and checks a key file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        let what = "verifying key";
        let (version, backend, payload) = open_version(bytes, Kind::VerifyingKey, VERSION_KEYS)?;
        if backend != BACKEND_HALO2 {
            return Err(VerifyError::Mismatch(format!("the verifying key is for backend {backend}, this reader takes halo2 keys")));
        }
        let mut r = Reader::new(what, payload);
        let shape: CircuitShape = serde_json::from_slice(r.bytes()?)
            .map_err(|e| VerifyError::Malformed { what, detail: format!("circuit shape: {e}") })?;
        shape.validate().map_err(|e| VerifyError::Malformed { what, detail: format!("circuit shape: {e}") })?;
        let provenance = if version >= VERSION_KEYS { Provenance::from_json(r.bytes()?, what)? } else { Provenance::unrecorded() };
        let k = r.u32()?;
        if k != shape.k() {
            return Err(VerifyError::Malformed { what, detail: format!("k = {k} but the shape needs k = {}", shape.k()) });
        }
        let bad = |d: &str| VerifyError::Malformed { what, detail: format!("{d} is not a valid curve point") };
        let mut g = <G1Affine as GroupEncoding>::Repr::default();
        g.as_mut().copy_from_slice(r.take(32)?);
        let g: G1Affine = Option::from(G1Affine::from_bytes(&g)).ok_or_else(|| bad("g"))?;
        let mut g2 = <G2Affine as GroupEncoding>::Repr::default();
        g2.as_mut().copy_from_slice(r.take(64)?);
        let g2: G2Affine = Option::from(G2Affine::from_bytes(&g2)).ok_or_else(|| bad("g2"))?;
        let mut s_g2 = <G2Affine as GroupEncoding>::Repr::default();
        s_g2.as_mut().copy_from_slice(r.take(64)?);
        let s_g2: G2Affine = Option::from(G2Affine::from_bytes(&s_g2)).ok_or_else(|| bad("s_g2"))?;
        let rest = r.rest();
        let vk = VerifyingKey::<G1Affine>::from_bytes::<ValidationCircuit>(rest, SerdeFormat::RawBytes, shape.clone())
            .map_err(|e| VerifyError::Malformed { what, detail: format!("halo2 key: {e}") })?;
        Ok(VerifierKey { shape, params: verifier_params(k, g, g2, s_g2), vk, provenance })
    }

    /// Reads a key file from disk.
    pub fn read(path: &std::path::Path) -> Result<Self, VerifyError> {
        let bytes = std::fs::read(path).map_err(|source| VerifyError::Io { path: path.display().to_string(), source })?;
        Self::from_bytes(&bytes)
    }
}

/// Verifier-only parameters: `g[0]`, `g2`, `s_g2` and the size `k` (a KZG verifier with
/// SHPLONK uses nothing else).
fn verifier_params(k: u32, g: G1Affine, g2: G2Affine, s_g2: G2Affine) -> ParamsKZG<Bn256> {
    params_from_parts(k, vec![g], Some(vec![]), g2, s_g2)
}

/// `ParamsKZG::from_parts` as a function. halo2 offers it only as a method, so it is called on
/// a size-1 setup from a fixed seed, a cheap throwaway instance whose values are all replaced.
pub fn params_from_parts(k: u32, g: Vec<G1Affine>, g_lagrange: Option<Vec<G1Affine>>, g2: G2Affine, s_g2: G2Affine) -> ParamsKZG<Bn256> {
    ParamsKZG::<Bn256>::setup(0, ChaCha20Rng::seed_from_u64(0)).from_parts(k, g, g_lagrange, g2, s_g2)
}
