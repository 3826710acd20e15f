//! Pinning: a verifier accepts a verifying key only when it knows the key from somewhere other
//! than the prover. A key file from the prover may carry KZG parameters whose trapdoor the
//! prover knows, or commitments to another circuit under the same shape id; under such a key
//! any score verifies. So before a key is used, its digest ([`AnyKey::digest`]) must match:
//!
//! * a digest the verifier was given ([`Pin::Digests`], `zkpot verify --vk-digest HEX`),
//! * a key in a directory of keys the verifier trusts ([`TrustedKeys`], `--trusted-keys DIR`),
//! * a key the verifier re-derived itself from an SRS it trusts (`--srs FILE`: the command line
//!   re-runs the deterministic key generation and pins the result's digest),
//!
//! or the verifier says explicitly that it trusts the key as it is ([`Pin::AsIs`],
//! `--trust-key-as-is`, reported in the output). Independently of the pin, development keys
//! ([`AnyKey::is_development`]) are refused unless development material is allowed.

use crate::dispatch::AnyKey;
use crate::error::VerifyError;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How a verifier pins the key it is handed.
#[derive(Clone, Debug)]
pub enum Pin {
    /// The key's digest must be one of these (64 hex digits each; a bundle may need one per
    /// chunk size).
    Digests(Vec<String>),
    /// The key must be one of these.
    Trusted(TrustedKeys),
    /// No pin: the caller trusts the key file as it is (local use only).
    AsIs,
}

/// How a key passed [`check`], for reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pinned {
    /// The key's digest.
    pub digest: String,
    /// How it was pinned, in words (`"pinned digest"`, `"trusted key dir/x.key"`, ...).
    pub how: String,
    /// Whether the key is development material (accepted only when allowed).
    pub development: bool,
}

/// The verifying keys in a directory, by digest.
#[derive(Clone, Debug, Default)]
pub struct TrustedKeys {
    pub dir: PathBuf,
    pub keys: BTreeMap<String, PathBuf>,
}

impl TrustedKeys {
    /// Reads every verifying key file in `dir` (files that are not verifying keys are skipped;
    /// a directory without any key is an error).
    pub fn load(dir: &Path) -> Result<Self, VerifyError> {
        let io = |source| VerifyError::Io { path: dir.display().to_string(), source };
        let mut keys = BTreeMap::new();
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).map_err(io)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for path in entries {
            if !path.is_file() {
                continue;
            }
            let Ok(bytes) = std::fs::read(&path) else { continue };
            if let Ok(key) = AnyKey::from_bytes(&bytes) {
                keys.insert(key.digest_hex(), path);
            }
        }
        if keys.is_empty() {
            return Err(VerifyError::Untrusted(format!("the trusted key directory {} holds no verifying key", dir.display())));
        }
        Ok(TrustedKeys { dir: dir.to_path_buf(), keys })
    }

    /// The trusted key file with this digest, if any.
    pub fn get(&self, digest: &str) -> Option<&Path> {
        self.keys.get(&digest.to_ascii_lowercase()).map(PathBuf::as_path)
    }
}

/// Printed whenever a development key is accepted (`--allow-insecure-dev`).
pub const DEV_KEY_WARNING: &str = "WARNING: --allow-insecure-dev: the verifying key is INSECURE DEVELOPMENT material \
(a public seed): anyone can forge a proof of any score under it. This acceptance means nothing outside local testing.";

/// What to tell a verifier whose key is not pinned.
pub const HOW_TO_PIN: &str = "pin the key with --vk-digest HEX (the digest published with the setup), \
--trusted-keys DIR (keys you obtained yourself) or --srs FILE (re-derive the halo2 key from a ceremony file you trust); \
--trust-key-as-is accepts the key file as it is (local use only)";

/// Checks that `key` is pinned by `pin`, and that it is not development material unless
/// `allow_development`. `origin` names the key file in messages.
pub fn check(key: &AnyKey, origin: &str, pin: &Pin, allow_development: bool) -> Result<Pinned, VerifyError> {
    let digest = key.digest_hex();
    let how = match pin {
        Pin::Digests(wanted) => {
            let mut found = false;
            for want in wanted {
                let want = want.trim().trim_start_matches("0x").to_ascii_lowercase();
                if want.len() != 64 || !want.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(VerifyError::Untrusted(format!("a pinned key digest must be 64 hex digits, got `{want}`")));
                }
                found |= want == digest;
            }
            if !found {
                return Err(VerifyError::Untrusted(format!(
                    "the verifying key {origin} has digest {digest}, not the pinned {}: it is not the key you trust",
                    wanted.join(", ")
                )));
            }
            "pinned digest".to_string()
        }
        Pin::Trusted(trusted) => match trusted.get(&digest) {
            Some(path) => format!("trusted key {}", path.display()),
            None => {
                return Err(VerifyError::Untrusted(format!(
                    "the verifying key {origin} (digest {digest}) is none of the {} keys in the trusted directory {}",
                    trusted.keys.len(),
                    trusted.dir.display()
                )))
            }
        },
        Pin::AsIs => "--trust-key-as-is (NOT pinned: the key file was trusted as given)".to_string(),
    };
    let development = key.is_development();
    if development && !allow_development {
        return Err(VerifyError::Untrusted(format!(
            "the verifying key {origin} is INSECURE development material (made from a public seed: anyone can forge proofs under it); \
             make keys from a ceremony file (docs/trust.md), or pass --allow-insecure-dev for local testing"
        )));
    }
    Ok(Pinned { digest, how, development })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::groth16::{Groth16Key, Groth16Vk, PUBLIC_INPUTS};
    use crate::provenance::{dev_groth16_alpha_g1, Provenance, Source, DEFAULT_GROTH16_DEV_SEED};
    use ark_bn254::{G1Affine, G2Affine};
    use ark_ec::AffineRepr;

    fn key(alpha_g1: G1Affine, source: Source) -> AnyKey {
        let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
        let vk = Groth16Vk { alpha_g1, beta_g2: g2, gamma_g2: g2, delta_g2: g2, gamma_abc_g1: vec![g1; PUBLIC_INPUTS + 1] };
        // the shape of a committed (version-1) key file
        let shape = Groth16Key::from_bytes(include_bytes!("../tests/fixtures/evm-digits/vk.key")).unwrap().shape;
        AnyKey::Groth16(Box::new(Groth16Key { shape, vk, provenance: Provenance::new(source, "f") }))
    }

    #[test]
    fn unpinned_mispinned_and_development_keys_are_refused() {
        let honest = key(G1Affine::generator(), Source::CeremonyZkey);
        let d = honest.digest_hex();
        let ok = check(&honest, "k", &Pin::Digests(vec![d.clone()]), false).unwrap();
        assert!(!ok.development);
        assert!(check(&honest, "k", &Pin::Digests(vec!["00".repeat(32)]), false).unwrap_err().to_string().contains("not the pinned"));
        assert!(check(&honest, "k", &Pin::Digests(vec!["zz".into()]), false).is_err());
        assert!(check(&honest, "k", &Pin::AsIs, false).unwrap().how.contains("NOT pinned"));
        // the same key relabelled: another digest
        let relabelled = key(G1Affine::generator(), Source::CeremonySrs);
        assert!(check(&relabelled, "k", &Pin::Digests(vec![d]), false).is_err());
        // development keys: recognised by their record, and by alpha_g1 whatever the record says
        for dev in [key(G1Affine::generator(), Source::DevelopmentSeed), key(dev_groth16_alpha_g1(DEFAULT_GROTH16_DEV_SEED), Source::CeremonyZkey)] {
            assert!(dev.is_development());
            let pin = Pin::Digests(vec![dev.digest_hex()]);
            assert!(check(&dev, "k", &pin, false).unwrap_err().to_string().contains("--allow-insecure-dev"));
            assert!(check(&dev, "k", &pin, true).unwrap().development);
        }
    }
}
