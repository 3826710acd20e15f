//! Where a key came from: the SRS or ceremony it was made from, by fingerprint, and whether it
//! is development material (a public seed: anyone can forge proofs under it).
//!
//! Every key file written since container version 2 records a [`Provenance`] (JSON inside the
//! key payload, so the key's digest covers it). The record is what the key's maker *says*; a
//! verifier never relies on it alone: it pins the key ([`crate::dispatch::AnyKey::digest`]), and
//! development material is also recognised from the key itself
//! ([`crate::dispatch::AnyKey::is_development`]): the halo2 development SRS by its `s_g2`, the
//! Groth16 development keys of the default seed by their `alpha_g1`.

use serde::{Deserialize, Serialize};

/// What kind of setup a key came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// halo2: the development SRS derived from a public seed (insecure).
    DevelopmentSrs,
    /// halo2: any SRS other than the development one, i.e. a ceremony file (checked on import).
    /// Decided from the parameters alone (their `s_g2`), so a test SRS from another seed is
    /// recorded as this too; what makes a key trustworthy is the verifier's pin, not this label.
    CeremonySrs,
    /// Groth16: development keys drawn from a public seed (insecure).
    DevelopmentSeed,
    /// Groth16: a phase-2 ceremony's final `.zkey`.
    CeremonyZkey,
    /// A key file written before keys recorded their provenance (container version 1).
    Unrecorded,
}

/// Where a key came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    pub source: Source,
    /// halo2: the fingerprint of the SRS powers the key was made from
    /// (`zkpot_params::srs::fingerprint`); Groth16: of the ceremony file, or the seed.
    pub fingerprint: String,
}

impl Provenance {
    /// A record of `source` with `fingerprint`.
    pub fn new(source: Source, fingerprint: impl Into<String>) -> Self {
        Provenance { source, fingerprint: fingerprint.into() }
    }

    /// The record of a key file that has none.
    pub fn unrecorded() -> Self {
        Provenance { source: Source::Unrecorded, fingerprint: String::new() }
    }

    /// Whether the record says development material.
    pub fn says_development(&self) -> bool {
        matches!(self.source, Source::DevelopmentSrs | Source::DevelopmentSeed)
    }

    /// The JSON inside key payloads.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Parses the JSON inside key payloads.
    pub fn from_json(bytes: &[u8], what: &'static str) -> Result<Self, crate::VerifyError> {
        serde_json::from_slice(bytes).map_err(|e| crate::VerifyError::Malformed { what, detail: format!("provenance record: {e}") })
    }
}

/// The seed of the development Groth16 keys when none is given ("zkpotG16").
pub const DEFAULT_GROTH16_DEV_SEED: u64 = 0x7a6b_706f_7447_3136;

/// The 32-byte seed of the halo2 development SRS: SHA-256 of a fixed label.
pub fn default_srs_seed() -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(b"zkpot development SRS (insecure)").into()
}

/// `tau` of a development SRS from `seed` (the first field element ChaCha20 draws).
pub fn dev_srs_tau(seed: [u8; 32]) -> halo2_proofs::halo2curves::bn256::Fr {
    use halo2_proofs::halo2curves::ff::Field;
    use rand_chacha::rand_core::SeedableRng;
    Field::random(rand_chacha::ChaCha20Rng::from_seed(seed))
}

/// `s_g2 = tau G2` of the default development SRS (any `k`): a halo2 key with this `s_g2` was
/// made from parameters whose trapdoor is public.
pub fn dev_srs_s_g2() -> halo2_proofs::halo2curves::bn256::G2Affine {
    use halo2_proofs::halo2curves::bn256::G2Affine;
    (G2Affine::generator() * dev_srs_tau(default_srs_seed())).into()
}

/// `alpha_g1` of the development Groth16 keys from `seed`, replaying `ark_groth16`'s draws
/// (alpha, beta, gamma, delta, then the G1 generator): every circuit's development keys from
/// that seed share it.
pub fn dev_groth16_alpha_g1(seed: u64) -> ark_bn254::G1Affine {
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;
    use rand_chacha::rand_core::SeedableRng;
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let alpha = ark_bn254::Fr::rand(&mut rng);
    for _ in 0..3 {
        let _ = ark_bn254::Fr::rand(&mut rng);
    }
    let g1 = ark_bn254::G1Projective::rand(&mut rng);
    (g1 * alpha).into_affine()
}
