//! A verifier's trust settings, shared by `zkpot verify` and the Python package's `verify` and
//! `verify_bundle`: a digest list (`--vk-digest`), a directory of trusted keys
//! (`--trusted-keys`), a ceremony file to re-derive the halo2 key from (`--srs`), or the key
//! trusted as it is (`--trust-key-as-is`), become a pin ([`zkpot_verifier::pin`]) that every
//! verifying key used must pass, single proofs and bundle chunks alike (docs/trust.md).

use std::path::{Path, PathBuf};
use zkpot_params::{keys, srs};
use zkpot_verifier::pin::{self, Pin, Pinned, TrustedKeys, HOW_TO_PIN};
use zkpot_verifier::{AnyKey, VerifierKey, VerifyError};

/// What a verifier says it trusts (the `verify` flags, or the Python keyword arguments).
#[derive(Clone, Debug, Default)]
pub struct TrustOptions {
    /// Accept only keys with one of these digests (64 hex digits each).
    pub vk_digest: Vec<String>,
    /// Accept only keys found in this directory.
    pub trusted_keys: Option<PathBuf>,
    /// Re-derive the halo2 key from this ceremony file and accept only that key.
    pub srs: Option<PathBuf>,
    /// Accept the key file as it is, unpinned (local use only).
    pub trust_key_as_is: bool,
    /// Accept INSECURE development keys.
    pub allow_insecure_dev: bool,
}

/// Printed whenever keys are accepted unpinned (`--trust-key-as-is`); `keys` names them ("the
/// verifying key vk.key", "the verifying keys of bundle.json").
pub fn as_is_warning(keys: &str) -> String {
    format!("WARNING: --trust-key-as-is: {keys} NOT pinned; a prover who made them can make them accept any score")
}

/// A verifier's trust settings, validated.
pub struct Trust {
    pin: Option<Pin>,
    srs: Option<PathBuf>,
    allow_development: bool,
}

impl Trust {
    /// Validates the options (and reads the trusted key directory).
    pub fn new(o: &TrustOptions) -> Result<Self, VerifyError> {
        if o.trust_key_as_is && (!o.vk_digest.is_empty() || o.trusted_keys.is_some() || o.srs.is_some()) {
            return Err(VerifyError::Untrusted("--trust-key-as-is cannot be combined with --vk-digest, --trusted-keys or --srs".into()));
        }
        let pin = if o.trust_key_as_is {
            Some(Pin::AsIs)
        } else if let Some(dir) = &o.trusted_keys {
            Some(Pin::Trusted(TrustedKeys::load(dir)?))
        } else if !o.vk_digest.is_empty() {
            Some(Pin::Digests(o.vk_digest.clone()))
        } else {
            None
        };
        Ok(Trust { pin, srs: o.srs.clone(), allow_development: o.allow_insecure_dev })
    }

    /// Whether keys are trusted as given (unpinned; to be announced).
    pub fn as_is(&self) -> bool {
        matches!(self.pin, Some(Pin::AsIs))
    }

    /// Checks that `key` (read from `origin`) is pinned and allowed.
    pub fn check(&self, key: &AnyKey, origin: &Path) -> Result<Pinned, VerifyError> {
        let name = origin.display().to_string();
        if let Some(p) = &self.pin {
            return pin::check(key, &name, p, self.allow_development);
        }
        let Some(srs_path) = &self.srs else {
            return Err(VerifyError::Untrusted(format!("the verifying key {name} is not pinned: {HOW_TO_PIN}")));
        };
        let derived = derive_halo2_key(key, srs_path)?;
        let mut pinned = pin::check(key, &name, &Pin::Digests(vec![derived]), self.allow_development)
            .map_err(|e| VerifyError::Untrusted(format!("{e} (the key re-derived from {} differs)", srs_path.display())))?;
        pinned.how = format!("re-derived from {}", srs_path.display());
        Ok(pinned)
    }
}

/// The digest of the halo2 verifying key for `key`'s circuit shape made from the ceremony file
/// at `srs_path` (key generation is deterministic).
fn derive_halo2_key(key: &AnyKey, srs_path: &Path) -> Result<String, VerifyError> {
    let AnyKey::Halo2(given) = key else {
        return Err(VerifyError::Untrusted(
            "--srs re-derives halo2 keys; a Groth16 key comes from its own ceremony: pin it with --vk-digest or --trusted-keys".into(),
        ));
    };
    let shape = &given.shape;
    let untrusted = |e: zkpot_params::ParamsError| VerifyError::Untrusted(format!("cannot re-derive the key from {}: {e}", srs_path.display()));
    let params = srs::load_ceremony(srs_path, shape.k()).map_err(untrusted)?;
    let vk = keys::verifying_key(&params, shape).map_err(untrusted)?;
    let derived = VerifierKey::new(shape.clone(), &params, vk, srs::provenance(&params));
    Ok(AnyKey::Halo2(Box::new(derived)).digest_hex())
}
