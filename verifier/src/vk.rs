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
//!
//! halo2's encoding ends in the selector activations (one bit per selector and row: 64 KiB per
//! selector at `k = 19`), which a prover needs and a verifier does not, except for which
//! selectors overlap. A key is decoded for verification ([`crate::halo2_vk`]): no FFT tables,
//! no `2^k`-row selector columns; the activations are kept packed, so the file and its digest
//! are reproduced byte for byte, and [`VerifierKey::prover_vk`] decodes halo2's full key for
//! rebuilding a proving key.

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
    /// halo2's verifying key as a verifier needs it: without selector activations and FFT
    /// tables (see the module doc); [`Self::prover_vk`] gives the full one.
    pub vk: VerifyingKey<G1Affine>,
    /// The SRS the key was made from, as its maker recorded it.
    pub provenance: Provenance,
    /// The packed selector activations that end halo2's encoding of `vk` (prover material,
    /// kept only to re-encode the key); empty when `vk` still holds them itself.
    selector_bits: Vec<u8>,
}

impl VerifierKey {
    /// The verifier's key from full KZG parameters: keeps only what verification uses.
    /// The halo2 key is re-decoded for verification ([`crate::halo2_vk`]); should that fail
    /// (it cannot for a key halo2 made), the full key is kept, which verifies the same.
    pub fn new(shape: CircuitShape, params: &ParamsKZG<Bn256>, vk: VerifyingKey<G1Affine>, provenance: Provenance) -> Self {
        let params = verifier_params(params.k(), params.get_g()[0], params.g2(), params.s_g2());
        let (vk, selector_bits) = match crate::halo2_vk::decode(&vk.to_bytes(SerdeFormat::RawBytes), &shape) {
            Ok(d) => (d.vk, d.selector_bits),
            Err(_) => (vk, Vec::new()),
        };
        VerifierKey { shape, params, vk, provenance, selector_bits }
    }

    /// halo2's encoding of the key (`RawBytes`), selector activations included.
    pub fn halo2_bytes(&self) -> Vec<u8> {
        let mut bytes = self.vk.to_bytes(SerdeFormat::RawBytes);
        bytes.extend_from_slice(&self.selector_bits);
        bytes
    }

    /// halo2's full verifying key, as halo2 decodes it (FFT tables and selector activations
    /// included): what rebuilding a proving key from this key needs. Costs what the verifier's
    /// decoding saves (about a second and hundreds of MiB at `k = 19`).
    pub fn prover_vk(&self) -> Result<VerifyingKey<G1Affine>, VerifyError> {
        VerifyingKey::<G1Affine>::from_bytes::<ValidationCircuit>(&self.halo2_bytes(), SerdeFormat::RawBytes, self.shape.clone())
            .map_err(|e| VerifyError::Malformed { what: "verifying key", detail: format!("halo2 key: {e}") })
    }

    /// Whether the key was made from the development SRS: its `s_g2` is the development
    /// trapdoor's (whatever the provenance record says), or the record says so.
    pub fn is_development(&self) -> bool {
        self.params.s_g2() == crate::provenance::dev_srs_s_g2() || self.provenance.says_development()
    }

    /// The key file contents.
    pub fn to_bytes(&self) -> Vec<u8> {
        let (shape, params) = (&self.shape, &self.params);
        let mut payload = Vec::new();
        put_bytes(&mut payload, serde_json::to_string(shape).unwrap_or_default().as_bytes());
        put_bytes(&mut payload, &self.provenance.to_json());
        payload.extend_from_slice(&params.k().to_le_bytes());
        payload.extend_from_slice(params.get_g()[0].to_bytes().as_ref());
        payload.extend_from_slice(params.g2().to_bytes().as_ref());
        payload.extend_from_slice(params.s_g2().to_bytes().as_ref());
        payload.extend_from_slice(&self.halo2_bytes());
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
        let decoded = crate::halo2_vk::decode(r.rest(), &shape).map_err(|e| VerifyError::Malformed { what, detail: format!("halo2 key: {e}") })?;
        Ok(VerifierKey { shape, params: verifier_params(k, g, g2, s_g2), vk: decoded.vk, provenance, selector_bits: decoded.selector_bits })
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
