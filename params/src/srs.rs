//! KZG parameters ("SRS", powers of tau on BN254).
//!
//! * [`dev_srs`]: derived from a 32-byte seed with ChaCha20. **Insecure**: anyone who knows the
//!   seed knows the trapdoor and can forge proofs. For development and tests only.
//! * [`load_ceremony`]: reads a file in halo2's own parameter format (`ParamsKZG::write`, raw
//!   uncompressed points, as published by the perpetual powers-of-tau conversions used by the
//!   halo2 ecosystem) and trims it to the circuit's `k`. This is how a real deployment runs.

use crate::error::ParamsError;
use halo2_proofs::halo2curves::bn256::Bn256;
use halo2_proofs::poly::commitment::{Params, ParamsProver};
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use halo2_proofs::SerdeFormat;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkpot_verifier::container::{open, seal, Kind, BACKEND_HALO2};

/// The warning every command prints when it uses a development SRS.
pub const DEV_SRS_WARNING: &str = "WARNING: using an INSECURE development SRS derived from a public seed. \
Anyone who knows the seed can forge proofs. Use `--srs <ceremony file>` for anything real.";

/// Development parameters for `2^k` rows from a seed.
pub fn dev_srs(k: u32, seed: [u8; 32]) -> ParamsKZG<Bn256> {
    ParamsKZG::<Bn256>::setup(k, ChaCha20Rng::from_seed(seed))
}

/// The default development seed: SHA-256 of a fixed label.
pub fn default_seed() -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(b"zkpot development SRS (insecure)").into()
}

/// Reads a ceremony file in halo2's format and trims it to `k`.
pub fn load_ceremony(path: &std::path::Path, k: u32) -> Result<ParamsKZG<Bn256>, ParamsError> {
    let file = std::fs::File::open(path).map_err(|source| ParamsError::Io { action: "cannot open", path: path.display().to_string(), source })?;
    let mut reader = std::io::BufReader::new(file);
    let params = ParamsKZG::<Bn256>::read_custom(&mut reader, SerdeFormat::RawBytesUnchecked)
        .map_err(|source| ParamsError::Io { action: "cannot decode KZG parameters in", path: path.display().to_string(), source })?;
    trim(params, k, &path.display().to_string())
}

/// Keeps the first `2^k` powers of larger parameters.
pub fn trim(params: ParamsKZG<Bn256>, k: u32, origin: &str) -> Result<ParamsKZG<Bn256>, ParamsError> {
    if params.k() < k {
        return Err(ParamsError::TooSmall { path: origin.into(), have: params.k(), need: k });
    }
    if params.k() == k {
        return Ok(params);
    }
    let g = params.get_g()[..1usize << k].to_vec();
    Ok(params.from_parts(k, g, None, params.g2(), params.s_g2()))
}

/// Parameters as a zkpot container (kind 4).
pub fn to_bytes(params: &ParamsKZG<Bn256>) -> Vec<u8> {
    let mut payload = Vec::new();
    // writing into a Vec cannot fail
    let _ = params.write_custom(&mut payload, SerdeFormat::RawBytesUnchecked);
    seal(Kind::KzgParams, BACKEND_HALO2, &payload)
}

/// Decodes parameters written by [`to_bytes`] (checksummed, so unchecked point decoding is safe
/// against damage; the file is our own cache).
pub fn from_bytes(bytes: &[u8], origin: &str) -> Result<ParamsKZG<Bn256>, ParamsError> {
    let (_, payload) = open(bytes, Kind::KzgParams)?;
    ParamsKZG::<Bn256>::read_custom(&mut &payload[..], SerdeFormat::RawBytesUnchecked)
        .map_err(|source| ParamsError::Io { action: "cannot decode KZG parameters in", path: origin.into(), source })
}
