//! KZG parameters and keys for chunk shapes. Keys are made once, when the plan is made, and
//! written by digest; a worker rebuilds its proving key from the plan's verifying key (checked
//! against the digest the plan names) and keeps it for the next chunk of the same shape, so a
//! long-lived worker (a Ray worker process) pays for it once.

use crate::error::JobError;
use crate::plan::key_path;
use halo2_proofs::halo2curves::bn256::Bn256;
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use zkpot_circuits::halo2::CircuitShape;
use zkpot_params::{cache, srs};
use zkpot_prover::halo2::Halo2ProvingKey;
use zkpot_prover::Halo2Backend;
use zkpot_verifier::{AnyKey, VerifierKey};

/// Where KZG parameters come from: a ceremony file, or the cached INSECURE development SRS.
#[derive(Clone, Debug, Default)]
pub struct KeySource {
    /// A KZG ceremony file in halo2's format; `None`: the development SRS (announced loudly).
    pub srs: Option<PathBuf>,
    /// Cache directory of development SRS files (default: `$ZKPOT_CACHE` or `.zkpot-cache`).
    pub cache: Option<PathBuf>,
}

impl KeySource {
    /// KZG parameters of size `k` (`zkpot setup`/`prove` load theirs here too): a ceremony
    /// file, its fingerprint printed (and the development warning if it is development
    /// material), or the cached development SRS, announced loudly.
    pub fn params(&self, k: u32) -> Result<ParamsKZG<Bn256>, JobError> {
        match &self.srs {
            Some(p) => {
                let params = srs::load_ceremony(p, k)?;
                eprintln!("  SRS fingerprint (2^{k} powers): {}", srs::fingerprint(&params));
                if srs::is_development(&params) {
                    eprintln!("{}", srs::DEV_SRS_WARNING);
                }
                Ok(params)
            }
            None => {
                eprintln!("{}", srs::DEV_SRS_WARNING);
                let dir = self.cache.clone().unwrap_or_else(cache::default_dir);
                Ok(cache::dev_srs_cached(&dir, k)?.0)
            }
        }
    }
}

/// Makes the verifying key of `shape`, writes the verifying key to `dir/vk-<digest>.key` and returns
/// its digest.
pub fn make_key(source: &KeySource, shape: &CircuitShape, dir: &Path) -> Result<String, JobError> {
    shape.validate()?;
    let params = source.params(shape.k())?;
    // the verifying key only: each worker rebuilds the proving key from it (KeyCache)
    let vk = VerifierKey::new(shape.clone(), &params, zkpot_params::keys::verifying_key(&params, shape)?, srs::provenance(&params));
    let digest = AnyKey::Halo2(Box::new(vk.clone())).digest_hex();
    crate::error::write_file(&key_path(dir, &digest), &vk.to_bytes())?;
    Ok(digest)
}

/// Reads the verifying key with `digest` from `dir`, refusing a file whose digest differs.
pub fn read_key(dir: &Path, digest: &str) -> Result<VerifierKey, JobError> {
    let path = key_path(dir, digest);
    let bytes = std::fs::read(&path).map_err(|e| JobError::io("cannot read the verifying key", &path, e))?;
    let found = hex::encode(zkpot_verifier::key_digest(&bytes));
    if found != digest {
        return Err(JobError::Invalid(format!("{} has digest {found}, not the {digest} its name and the plan promise", path.display())));
    }
    VerifierKey::from_bytes(&bytes).map_err(|e| JobError::Invalid(format!("{}: {e}", path.display())))
}

/// Parameters, proving key and verifying key of one shape, ready to prove.
pub struct LoadedKey {
    pub params: ParamsKZG<Bn256>,
    pub pk: Halo2ProvingKey,
    pub vk: VerifierKey,
}

/// Proving keys by verifying-key digest, kept for the life of the process.
#[derive(Default)]
pub struct KeyCache {
    keys: Mutex<HashMap<String, Arc<LoadedKey>>>,
}

impl KeyCache {
    /// The process-wide cache.
    pub fn global() -> &'static KeyCache {
        static CACHE: std::sync::OnceLock<KeyCache> = std::sync::OnceLock::new();
        CACHE.get_or_init(KeyCache::default)
    }

    /// The loaded key with `digest` from `dir` (read and rebuilt on first use), with whether it
    /// was already loaded.
    pub fn get(&self, source: &KeySource, dir: &Path, digest: &str) -> Result<(Arc<LoadedKey>, bool), JobError> {
        if let Some(k) = self.keys.lock().map_err(|_| JobError::Invalid("key cache poisoned".into()))?.get(digest) {
            return Ok((k.clone(), true));
        }
        let vk = read_key(dir, digest)?;
        let params = source.params(vk.shape.k())?;
        let pk = Halo2Backend::proving_key(&params, &vk)?;
        let loaded = Arc::new(LoadedKey { params, pk, vk });
        // keep at most a few shapes: a run has two (full chunks and the last one)
        let mut keys = self.keys.lock().map_err(|_| JobError::Invalid("key cache poisoned".into()))?;
        if keys.len() >= 4 {
            keys.clear();
        }
        keys.insert(digest.to_string(), loaded.clone());
        Ok((loaded, false))
    }
}
