//! The on-disk cache of parameters and verifying keys: `<dir>/srs-dev-k<k>.bin` and
//! `<dir>/<shape id>-<params tag>.vk`. Files are written to a temporary name and renamed, so a crash never
//! leaves a half-written file under a real name. Proving keys are rebuilt from the verifying
//! key on each run (cheaper here than reading hundreds of MB of evaluated polynomials).

use crate::error::ParamsError;
use crate::srs;
use halo2_proofs::halo2curves::bn256::Bn256;
use halo2_proofs::poly::commitment::Params;
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use std::path::{Path, PathBuf};
use zkpot_verifier::VerifierKey;

/// The cache directory: `$ZKPOT_CACHE`, else `.zkpot-cache` in the working directory.
pub fn default_dir() -> PathBuf {
    std::env::var_os("ZKPOT_CACHE").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(".zkpot-cache"))
}

/// Writes `bytes` to `path` atomically (temporary file, fsync, rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ParamsError> {
    use std::io::Write;
    let io = |action, source| ParamsError::Io { action, path: path.display().to_string(), source };
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(|e| io("cannot create the directory of", e))?;
        }
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut f = std::fs::File::create(&tmp).map_err(|e| io("cannot create", e))?;
    f.write_all(bytes).map_err(|e| io("cannot write", e))?;
    f.sync_all().map_err(|e| io("cannot sync", e))?;
    std::fs::rename(&tmp, path).map_err(|e| io("cannot rename into", e))
}

/// Reads a file, naming it on failure.
pub fn read(path: &Path) -> Result<Vec<u8>, ParamsError> {
    std::fs::read(path).map_err(|source| ParamsError::Io { action: "cannot read", path: path.display().to_string(), source })
}

/// Development parameters for `k`, from the cache or generated (and cached).
pub fn dev_srs_cached(dir: &Path, k: u32) -> Result<(ParamsKZG<Bn256>, bool), ParamsError> {
    let path = dir.join(format!("srs-dev-k{k}.bin"));
    if path.exists() {
        let bytes = read(&path)?;
        let params = srs::from_bytes(&bytes, &path.display().to_string())?;
        // a shipped cache must not swap in parameters with another (known) trapdoor
        if !srs::is_development(&params) || params.k() != k {
            return Err(ParamsError::CacheMismatch {
                path: path.display().to_string(),
                detail: "it is not the development SRS for this k (its s_g2 or size differ)".into(),
            });
        }
        crate::check::same_ratio(&params, &path.display().to_string())?;
        return Ok((params, true));
    }
    let params = srs::dev_srs(k, srs::default_seed());
    write_atomic(&path, &srs::to_bytes(&params))?;
    Ok((params, false))
}

/// A short tag identifying KZG parameters (SHA-256 over `k`, `g[1]` and `s_g2`): keys made
/// from different parameters never share a cache entry.
pub fn params_tag(params: &ParamsKZG<Bn256>) -> String {
    use halo2_proofs::halo2curves::group::GroupEncoding;
    use halo2_proofs::poly::commitment::{Params, ParamsProver};
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(params.k().to_le_bytes());
    if let Some(g1) = params.get_g().get(1) {
        h.update(g1.to_bytes());
    }
    h.update(params.s_g2().to_bytes());
    hex::encode(&h.finalize()[..8])
}

/// Checks a cached verifying key against the parameters in use before it is used or copied:
/// the KZG verifier parameters in the key (`k`, `g`, `g2`, `s_g2`) must be those of `params`
/// and its provenance must record `params`' fingerprint. A directory shipped with a key made
/// from other parameters (whose trapdoor its author knows) is refused, naming the file.
pub fn check_cached_key(path: &Path, key: &VerifierKey, params: &ParamsKZG<Bn256>, fingerprint: &str) -> Result<(), ParamsError> {
    use halo2_proofs::poly::commitment::{Params, ParamsProver};
    let kp = &key.params;
    let detail = if kp.k() != params.k() {
        Some(format!("it is for k = {}, the parameters in use are k = {}", kp.k(), params.k()))
    } else if kp.get_g()[0] != params.get_g()[0] || kp.g2() != params.g2() || kp.s_g2() != params.s_g2() {
        Some("its KZG verifier parameters (g, g2, s_g2) are not those of the SRS in use".to_string())
    } else if key.provenance.fingerprint != fingerprint {
        Some(format!("it records SRS fingerprint `{}`, the SRS in use has {fingerprint}", key.provenance.fingerprint))
    } else {
        None
    };
    match detail {
        Some(detail) => Err(ParamsError::CacheMismatch { path: path.display().to_string(), detail }),
        None => Ok(()),
    }
}

/// Where the verifying key of a shape, made from parameters with tag `params_tag`, lives.
pub fn vk_path(dir: &Path, shape_id: &str, params_tag: &str) -> PathBuf {
    dir.join(format!("{shape_id}-{params_tag}.vk"))
}
