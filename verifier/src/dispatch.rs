//! One entry point for both backends: a verifying key file of either kind, and [`verify_any`],
//! which dispatches on the statement's backend, so light verifiers, bundles and the ledger
//! treat halo2 and Groth16 proofs alike.

use crate::container::{open_version, Kind, BACKEND_GROTH16, BACKEND_HALO2, VERSION_KEYS};
use crate::provenance::Provenance;
use crate::error::VerifyError;
use crate::groth16::Groth16Key;
use crate::proof::ProofFile;
use crate::statement::Statement;
use crate::vk::VerifierKey;
use crate::{GROTH16_BACKEND, HALO2_BACKEND};

/// A verifying key of either backend.
#[derive(Clone, Debug)]
pub enum AnyKey {
    Halo2(Box<VerifierKey>),
    Groth16(Box<Groth16Key>),
}

impl AnyKey {
    /// Decodes a key file of either backend (the container's backend byte decides).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        let (_, backend, _) = open_version(bytes, Kind::VerifyingKey, VERSION_KEYS)?;
        match backend {
            BACKEND_HALO2 => Ok(AnyKey::Halo2(Box::new(VerifierKey::from_bytes(bytes)?))),
            BACKEND_GROTH16 => Ok(AnyKey::Groth16(Box::new(Groth16Key::from_bytes(bytes)?))),
            b => Err(VerifyError::Mismatch(format!("unknown backend byte {b} in the verifying key"))),
        }
    }

    /// Reads a key file of either backend.
    pub fn read(path: &std::path::Path) -> Result<Self, VerifyError> {
        let bytes = std::fs::read(path).map_err(|source| VerifyError::Io { path: path.display().to_string(), source })?;
        Self::from_bytes(&bytes)
    }

    /// The backend name statements use for this key.
    pub fn backend(&self) -> &'static str {
        match self {
            AnyKey::Halo2(_) => HALO2_BACKEND,
            AnyKey::Groth16(_) => GROTH16_BACKEND,
        }
    }

    /// The circuit shape id statements for this key carry (each backend has its own ids).
    pub fn shape_id(&self) -> String {
        match self {
            AnyKey::Halo2(k) => k.shape.id(),
            AnyKey::Groth16(k) => zkpot_circuits::groth16::circuit::shape_id(&k.shape),
        }
    }

    /// Where the key came from, as its maker recorded it.
    pub fn provenance(&self) -> &Provenance {
        match self {
            AnyKey::Halo2(k) => &k.provenance,
            AnyKey::Groth16(k) => &k.provenance,
        }
    }

    /// Whether the key is development material, made from a public seed: anyone can forge
    /// proofs under it. Recognised from the key itself (the halo2 development SRS's `s_g2`, the
    /// default-seed Groth16 keys' `alpha_g1`) and from its provenance record. Verifiers and
    /// ledgers reject such keys unless explicitly told otherwise (`--allow-insecure-dev`, a
    /// development network's genesis).
    pub fn is_development(&self) -> bool {
        match self {
            AnyKey::Halo2(k) => k.is_development(),
            AnyKey::Groth16(k) => k.is_development(),
        }
    }

    /// The key file contents.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            AnyKey::Halo2(k) => k.to_bytes(),
            AnyKey::Groth16(k) => k.to_bytes(),
        }
    }

    /// The key's digest: SHA-256 over a domain tag and the canonical key file, which holds
    /// everything verification uses (the circuit shape, the KZG verifier parameters or the
    /// Groth16 verifying key). Two keys verify the same proofs only if their digests agree;
    /// this is what a verifier pins (`--vk-digest`) and what a network's genesis lists.
    pub fn digest(&self) -> [u8; 32] {
        key_digest(&self.to_bytes())
    }

    /// [`Self::digest`] as 64 lowercase hex digits.
    pub fn digest_hex(&self) -> String {
        hex::encode(self.digest())
    }
}

/// Domain tag of verifying-key digests.
pub const KEY_DIGEST_DOMAIN: &[u8] = b"zkpot/verifying-key-digest/v1";

/// The digest of a verifying key file's canonical bytes (see [`AnyKey::digest`]).
pub fn key_digest(key_file: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(KEY_DIGEST_DOMAIN);
    h.update(key_file);
    h.finalize().into()
}

/// Accepts iff `proof` proves `statement` under `key`, whichever backend the statement names;
/// a statement, proof and key of different backends are a [`VerifyError::Mismatch`].
pub fn verify_any(statement: &Statement, proof: &ProofFile, key: &AnyKey) -> Result<(), VerifyError> {
    match (statement.backend.as_str(), key) {
        (HALO2_BACKEND, AnyKey::Halo2(k)) => crate::halo2::verify(statement, proof, k),
        (GROTH16_BACKEND, AnyKey::Groth16(k)) => crate::groth16::verify(statement, proof, k),
        (name, k) => Err(VerifyError::Mismatch(format!(
            "the statement names backend `{name}`, the verifying key is for `{}`",
            k.backend()
        ))),
    }
}
