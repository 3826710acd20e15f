//! The consistency check of an SRS before use: its G1 points must be successive powers
//! `g, tau g, tau^2 g, ...` of the one `tau` that `s_g2 = tau g2` encodes.
//!
//! A randomized same-ratio check: with pseudo-random `r_i` (derived by hashing every point, so
//! a file cannot be made to pass by choosing its points after the challenge),
//! `A = sum r_i g[i]` and `B = sum r_i g[i+1]` must satisfy `e(A, s_g2) = e(B, g2)`. One bad
//! point breaks this except with probability about `1/r`. When it fails, the check halves the
//! range until it finds the first inconsistent power, so the error names the point.

use crate::error::ParamsError;
use halo2_proofs::arithmetic::best_multiexp;
use halo2_proofs::halo2curves::bn256::{Bn256, Fr, G1Affine, G2Affine};
use halo2_proofs::halo2curves::ff::{Field, FromUniformBytes};
use halo2_proofs::halo2curves::group::prime::PrimeCurveAffine;
use halo2_proofs::halo2curves::group::Curve;
use halo2_proofs::halo2curves::pairing::Engine;
use halo2_proofs::poly::commitment::ParamsProver;
use halo2_proofs::poly::kzg::commitment::ParamsKZG;

/// Checks `params` (see the module doc); `origin` names the file in errors.
pub fn same_ratio(params: &ParamsKZG<Bn256>, origin: &str) -> Result<(), ParamsError> {
    powers(params.get_g(), &params.g2(), &params.s_g2(), &crate::srs::fingerprint(params), origin)
}

/// Checks that `g` are successive powers of the `tau` with `s_g2 = tau g2`; `seed` (a hash of
/// all points) seeds the random coefficients.
pub fn powers(g: &[G1Affine], g2: &G2Affine, s_g2: &G2Affine, seed: &str, origin: &str) -> Result<(), ParamsError> {
    let bad = |detail: String| ParamsError::Inconsistent { path: origin.into(), detail };
    if g.is_empty() || bool::from(g[0].is_identity()) {
        return Err(bad("G1 power 0 (the generator) is missing or the point at infinity".into()));
    }
    if bool::from(g2.is_identity()) || bool::from(s_g2.is_identity()) {
        return Err(bad("g2 or tau g2 is the point at infinity".into()));
    }
    if g.len() < 2 {
        return Ok(());
    }
    let r = coefficients(seed, g.len() - 1);
    let ok = |lo: usize, hi: usize| -> bool {
        // pairs (i, i+1) for i in lo..hi
        let a = best_multiexp(&r[lo..hi], &g[lo..hi]).to_affine();
        let b = best_multiexp(&r[lo..hi], &g[lo + 1..hi + 1]).to_affine();
        Bn256::pairing(&a, s_g2) == Bn256::pairing(&b, g2)
    };
    let (mut lo, mut hi) = (0, g.len() - 1);
    if ok(lo, hi) {
        return Ok(());
    }
    // the first failing pair: keep the left half whenever it fails
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if ok(lo, mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let i = lo + 1;
    Err(bad(format!(
        "G1 power {i} (tau^{i} g1) is not tau times power {lo} for the tau of tau g2: the point at index {i} is corrupted or from another ceremony"
    )))
}

/// `n` pseudo-random field elements from `seed`.
fn coefficients(seed: &str, n: usize) -> Vec<Fr> {
    use sha2::{Digest, Sha512};
    (0..n)
        .map(|i| {
            let mut h = Sha512::new();
            h.update(b"zkpot/srs-check/v1");
            h.update(seed.as_bytes());
            h.update((i as u64).to_le_bytes());
            let wide: [u8; 64] = h.finalize().into();
            Fr::from_uniform_bytes(&wide)
        })
        .map(|x| if bool::from(x.is_zero()) { Fr::ONE } else { x })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srs::dev_srs;

    #[test]
    fn consistent_powers_pass_and_one_bad_point_is_named() {
        let p = dev_srs(5, [1; 32]);
        same_ratio(&p, "t").unwrap();
        for bad in [1usize, 7, 31] {
            let mut g = p.get_g().to_vec();
            g[bad] = (g[bad] + G1Affine::generator()).to_affine();
            let err = powers(&g, &p.g2(), &p.s_g2(), "x", "t").unwrap_err().to_string();
            assert!(err.contains(&format!("point at index {bad} ")), "{bad}: {err}");
        }
        // powers of another tau against this s_g2
        let other = dev_srs(5, [2; 32]);
        assert!(powers(other.get_g(), &p.g2(), &p.s_g2(), "x", "t").is_err());
    }
}
