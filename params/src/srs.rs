//! KZG parameters ("SRS", powers of tau on BN254).
//!
//! * [`dev_srs`]: derived from a 32-byte seed with ChaCha20. **Insecure**: anyone who knows the
//!   seed knows the trapdoor and can forge proofs. For development and tests only.
//! * [`load_ceremony`]: reads a file in halo2's own parameter format (`ParamsKZG::write`, raw
//!   uncompressed points, as published by the perpetual powers-of-tau conversions used by the
//!   halo2 ecosystem) and trims it to the circuit's `k`. This is how a real deployment runs.

use crate::error::ParamsError;
use halo2_proofs::arithmetic::CurveAffine;
use halo2_proofs::halo2curves::bn256::{Bn256, Fr, G1Affine, G2Affine, G1};
use halo2_proofs::halo2curves::ff::{BatchInvert, Field, PrimeField};
use halo2_proofs::halo2curves::group::prime::PrimeCurveAffine;
use halo2_proofs::halo2curves::group::{Curve, Group};
use rayon::prelude::*;
use halo2_proofs::poly::commitment::{Params, ParamsProver};
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use halo2_proofs::SerdeFormat;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkpot_verifier::container::{open, seal, Kind, BACKEND_HALO2};
use zkpot_verifier::provenance::{Provenance, Source};
use zkpot_verifier::vk::params_from_parts;

/// The warning every command prints when it uses a development SRS.
pub const DEV_SRS_WARNING: &str = "WARNING: using an INSECURE development SRS derived from a public seed. \
Anyone who knows the seed can forge proofs. Use `--srs <ceremony file>` for anything real.";

/// Development parameters for `2^k` rows from a seed: `tau` is drawn from ChaCha20 seeded
/// with `seed`; `g[i] = tau^i G1`, `g_lagrange[i] = L_i(tau) G1` computed directly (parallel
/// fixed-base multiplications, no group FFT), `s_g2 = tau G2`. Equal to what
/// `ParamsKZG::from_parts` derives from the same powers (tested).
pub fn dev_srs(k: u32, seed: [u8; 32]) -> ParamsKZG<Bn256> {
    let mut rng = ChaCha20Rng::from_seed(seed);
    let tau = Fr::random(&mut rng);
    let n = 1usize << k;
    let mut powers = Vec::with_capacity(n);
    let mut p = Fr::ONE;
    for _ in 0..n {
        powers.push(p);
        p *= tau;
    }
    let tau_n_minus_one = p - Fr::ONE;
    // omega as halo2's evaluation domain takes it: ROOT_OF_UNITY^(2^(S - k))
    let mut omega = Fr::ROOT_OF_UNITY;
    for _ in k..Fr::S {
        omega = omega.square();
    }
    let mut omega_i = Vec::with_capacity(n);
    let mut w = Fr::ONE;
    for _ in 0..n {
        omega_i.push(w);
        w *= omega;
    }
    let mut denom: Vec<Fr> = omega_i.iter().map(|w| tau - w).collect();
    denom.iter_mut().batch_invert();
    let n_inv = Fr::from(n as u64).invert().unwrap_or(Fr::ZERO);
    let lagrange: Vec<Fr> = omega_i.iter().zip(&denom).map(|(w, d)| *w * tau_n_minus_one * n_inv * d).collect();
    let table = FixedBase::new(G1Affine::generator());
    let mul_all = |scalars: &[Fr]| -> Vec<G1Affine> {
        let proj: Vec<G1> = scalars.par_iter().map(|s| table.mul(s)).collect();
        let mut affine = vec![G1Affine::identity(); proj.len()];
        G1::batch_normalize(&proj, &mut affine);
        affine
    };
    let g = mul_all(&powers);
    let g_lagrange = mul_all(&lagrange);
    let g2 = G2Affine::generator();
    let s_g2: G2Affine = (g2 * tau).into();
    params_from_parts(k, g, Some(g_lagrange), g2, s_g2)
}

/// Fixed-base multiplication by byte windows: `table[w][b] = b * 256^w * G`, so `s * G` is 32
/// mixed additions (several times faster than double-and-add for the 2^(k+1) products above).
struct FixedBase {
    table: Vec<Vec<G1Affine>>,
}

impl FixedBase {
    fn new(g: G1Affine) -> Self {
        let mut base: G1 = g.into();
        let mut table = Vec::with_capacity(32);
        for _ in 0..32 {
            let mut row = Vec::with_capacity(256);
            let mut acc = G1::identity();
            for _ in 0..256 {
                row.push(acc);
                acc += base;
            }
            let mut affine = vec![G1Affine::identity(); 256];
            G1::batch_normalize(&row, &mut affine);
            table.push(affine);
            base = acc; // 256 * base
        }
        FixedBase { table }
    }

    fn mul(&self, s: &Fr) -> G1 {
        let repr = s.to_repr();
        let mut acc = G1::identity();
        for (w, byte) in repr.as_ref().iter().enumerate() {
            if *byte != 0 {
                acc += self.table[w][*byte as usize];
            }
        }
        acc
    }
}

/// The default development seed: SHA-256 of a fixed label.
pub fn default_seed() -> [u8; 32] {
    zkpot_verifier::provenance::default_srs_seed()
}

/// Domain tag of SRS fingerprints.
pub const FINGERPRINT_DOMAIN: &[u8] = b"zkpot/srs-fingerprint/v1";

/// The fingerprint of parameters: SHA-256 over a domain tag, `k`, every G1 power, `g2` and
/// `s_g2` (compressed). It names the powers actually used, so the same ceremony trimmed to
/// the same `k` has the same fingerprint whichever file (`.ptau`, halo2 format, larger or
/// smaller) it was read from. Keys record it ([`provenance`]).
pub fn fingerprint(params: &ParamsKZG<Bn256>) -> String {
    use halo2_proofs::halo2curves::group::GroupEncoding;
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(FINGERPRINT_DOMAIN);
    h.update(params.k().to_le_bytes());
    for g in params.get_g() {
        h.update(g.to_bytes());
    }
    h.update(params.g2().to_bytes());
    h.update(params.s_g2().to_bytes());
    hex::encode(h.finalize())
}

/// Whether the parameters are the development SRS (their `s_g2` is the public trapdoor's).
pub fn is_development(params: &ParamsKZG<Bn256>) -> bool {
    params.s_g2() == zkpot_verifier::provenance::dev_srs_s_g2()
}

/// The provenance record of keys made from `params`: development or ceremony SRS, and its
/// [`fingerprint`].
pub fn provenance(params: &ParamsKZG<Bn256>) -> Provenance {
    let source = if is_development(params) { Source::DevelopmentSrs } else { Source::CeremonySrs };
    Provenance::new(source, fingerprint(params))
}

/// Reads a ceremony file and trims it to `k`: a snarkjs `.ptau` file (recognised by its magic
/// bytes, [`crate::ptau`]) or halo2's own parameter format (`ParamsKZG::write`, as the Perpetual
/// Powers of Tau conversions for halo2 are distributed). Every point used is decoded with its
/// curve checks and the powers pass the same-ratio check ([`crate::check`]); the Lagrange
/// basis is recomputed from the powers, never taken from the file.
pub fn load_ceremony(path: &std::path::Path, k: u32) -> Result<ParamsKZG<Bn256>, ParamsError> {
    let origin = path.display().to_string();
    let mut magic = [0u8; 4];
    {
        use std::io::Read;
        let mut f = std::fs::File::open(path).map_err(|source| ParamsError::Io { action: "cannot open", path: origin.clone(), source })?;
        let _ = f.read(&mut magic);
    }
    let params = if &magic == crate::ptau::MAGIC {
        let p = crate::ptau::read(path, k)?;
        params_from_parts(k, p.g1, None, p.g2, p.tau_g2)
    } else {
        // halo2's format: k (u32 LE), 2^k G1 powers and 2^k Lagrange points (64 bytes each), g2 and s_g2 (128 each)
        let file_k = u32::from_le_bytes(magic);
        let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if file_k > 28 || len < (2u64 << file_k) * 64 + 256 {
            return Err(ParamsError::Ceremony {
                path: origin,
                detail: format!("neither a .ptau file nor KZG parameters in halo2's format (the first word says k = {file_k}, the file has {len} bytes); cannot decode KZG parameters"),
            });
        }
        let file = std::fs::File::open(path).map_err(|source| ParamsError::Io { action: "cannot open", path: origin.clone(), source })?;
        let mut reader = std::io::BufReader::new(file);
        let params = ParamsKZG::<Bn256>::read_custom(&mut reader, SerdeFormat::RawBytesUnchecked)
            .map_err(|source| ParamsError::Io { action: "cannot decode KZG parameters (neither a .ptau file nor halo2's format) in", path: origin.clone(), source })?;
        if params.k() < k {
            return Err(ParamsError::TooSmall { path: origin, have: params.k(), need: k });
        }
        let g = &params.get_g()[..1usize << k];
        if let Some(i) = g.iter().position(|p| !bool::from(p.is_on_curve())) {
            return Err(ParamsError::Inconsistent { path: origin, detail: format!("G1 power {i} (the point at index {i}) is not on the curve") });
        }
        for (name, p) in [("g2", params.g2()), ("s_g2", params.s_g2())] {
            if !bool::from(p.is_on_curve()) {
                return Err(ParamsError::Inconsistent { path: origin, detail: format!("{name} is not on the curve") });
            }
        }
        params_from_parts(k, g.to_vec(), None, params.g2(), params.s_g2())
    };
    crate::check::same_ratio(&params, &origin)?;
    Ok(params)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_srs_matches_halo2_lagrange_basis() {
        let p = dev_srs(5, [9; 32]);
        let rebuilt = params_from_parts(5, p.get_g().to_vec(), None, p.g2(), p.s_g2());
        assert!(to_bytes(&p) == to_bytes(&rebuilt), "same g and g_lagrange");
        assert_eq!(p.get_g()[0], G1Affine::generator());
        let fb = FixedBase::new(G1Affine::generator());
        let s = Fr::from(123456789u64) * Fr::from(987654321u64).invert().unwrap();
        assert_eq!(G1Affine::from(fb.mul(&s)), G1Affine::from(G1Affine::generator() * s));
    }

    #[test]
    fn development_parameters_are_recognised_and_fingerprinted() {
        let dev = dev_srs(4, default_seed());
        assert!(is_development(&dev));
        assert_eq!(provenance(&dev).source, Source::DevelopmentSrs);
        let other = dev_srs(4, [5; 32]);
        assert!(!is_development(&other));
        assert_ne!(fingerprint(&dev), fingerprint(&other));
        // a larger SRS trimmed to k has the fingerprint of the same powers at k
        let big = trim(dev_srs(6, [5; 32]), 4, "test").unwrap();
        assert_eq!(fingerprint(&big), fingerprint(&other));
    }

    #[test]
    fn trim_and_roundtrip() {
        let p = dev_srs(6, [3; 32]);
        let t = trim(p.clone(), 4, "test").unwrap();
        assert_eq!(t.get_g(), &p.get_g()[..16]);
        assert!(matches!(trim(t.clone(), 5, "test"), Err(ParamsError::TooSmall { have: 4, need: 5, .. })));
        let bytes = to_bytes(&t);
        let back = from_bytes(&bytes, "test").unwrap();
        assert_eq!(back.get_g(), t.get_g());
        assert!(from_bytes(&bytes[..bytes.len() - 3], "test").is_err());
    }
}
