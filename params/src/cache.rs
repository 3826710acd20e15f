//! The on-disk cache of parameters and verifying keys: `<dir>/srs-dev-k<k>.bin` and
//! `<dir>/<shape id>.vk`. Files are written to a temporary name and renamed, so a crash never
//! leaves a half-written file under a real name. Proving keys are rebuilt from the verifying
//! key on each run (cheaper here than reading hundreds of MB of evaluated polynomials).

use crate::error::ParamsError;
use crate::srs;
use halo2_proofs::halo2curves::bn256::Bn256;
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use std::path::{Path, PathBuf};

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
        return Ok((srs::from_bytes(&bytes, &path.display().to_string())?, true));
    }
    let params = srs::dev_srs(k, srs::default_seed());
    write_atomic(&path, &srs::to_bytes(&params))?;
    Ok((params, false))
}

/// Where the verifying key of a shape lives.
pub fn vk_path(dir: &Path, shape_id: &str) -> PathBuf {
    dir.join(format!("{shape_id}.vk"))
}
