//! Pinning at the command line: `--vk-digest`, `--trusted-keys`, `--srs` and
//! `--trust-key-as-is` become a pin (`zkpot_verifier::pin`) that every verifying key `verify`
//! uses must pass, single proofs and bundle chunks alike (docs/trust.md).

use crate::cli::TrustArgs;
use anyhow::Result;
use std::path::{Path, PathBuf};
use zkpot_params::{keys, srs};
use zkpot_verifier::pin::{self, Pin, Pinned, TrustedKeys, HOW_TO_PIN};
use zkpot_verifier::{AnyKey, VerifierKey, VerifyError};

/// A verifier's trust settings, validated.
pub struct Trust {
    pin: Option<Pin>,
    srs: Option<PathBuf>,
    allow_development: bool,
}

impl Trust {
    /// Reads the flags (and the trusted key directory).
    pub fn from_args(args: &TrustArgs) -> Result<Self> {
        let pin = if args.trust_key_as_is {
            Some(Pin::AsIs)
        } else if let Some(dir) = &args.trusted_keys {
            Some(Pin::Trusted(TrustedKeys::load(dir)?))
        } else if !args.vk_digest.is_empty() {
            Some(Pin::Digests(args.vk_digest.clone()))
        } else {
            None
        };
        Ok(Trust { pin, srs: args.srs.clone(), allow_development: args.allow_insecure_dev })
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
