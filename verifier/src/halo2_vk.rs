//! halo2's verifying key, decoded for verification only.
//!
//! halo2's own reader (`VerifyingKey::read`) rebuilds what a *prover* needs as well: its
//! evaluation domain precomputes FFT twiddle tables for every size from `2^k` to the extended
//! domain (hundreds of MiB and about a second at `k = 19`), and its selector compression
//! materialises one `2^k`-entry column per selector combination. A verifier uses neither. This
//! reader decodes the same bytes (halo2's `RawBytes` encoding, version byte 2) into the same
//! verifying key, minus those tables:
//!
//! * the domain is [`verifier_domain`]: every value `EvaluationDomain::new` computes except
//!   `fft_data`;
//! * the constraint system's selector combinations depend on the selector activations only
//!   through which selectors are ever active on the same row (halo2's `compress_selectors`
//!   builds an exclusion matrix from them and nothing else), so the activations are replaced by
//!   [`overlap_rows`]: one row per overlapping pair, the same exclusion matrix in a few rows;
//! * the key keeps no activations (they are prover material); the caller keeps the packed bits
//!   so the key file, and with it the key's digest, is reproduced byte for byte.
//!
//! The result has the same transcript representation as halo2's (it hashes the domain, the
//! commitments and the constraint system), so a proof verifies under one iff under the other;
//! the tests compare the two on real keys.

use halo2_proofs::halo2curves::bn256::{Fr, G1Affine};
use halo2_proofs::halo2curves::ff::{BatchInvert, Field, PrimeField, WithSmallOrderMulGroup};
use halo2_proofs::plonk::{permutation, Circuit, ConstraintSystem, VerifyingKey};
use halo2_proofs::poly::EvaluationDomain;
use halo2_proofs::halo2curves::serde::SerdeObject;
use std::collections::HashMap;
use zkpot_circuits::halo2::{CircuitShape, ValidationCircuit};

/// The version byte of halo2's verifying key encoding (halo2-axiom 0.5).
const HALO2_VK_VERSION: u8 = 0x02;

/// A halo2 verifying key decoded for verification, with the packed selector activations its
/// encoding carried (prover material, kept only to re-encode the key).
pub struct Decoded {
    pub vk: VerifyingKey<G1Affine>,
    pub selector_bits: Vec<u8>,
}

/// Decodes halo2's `RawBytes` encoding of the verifying key of `shape` (all of `bytes`: trailing
/// bytes are refused). Errors name the problem.
pub fn decode(bytes: &[u8], shape: &CircuitShape) -> Result<Decoded, String> {
    let mut r = bytes;
    let version = take(&mut r, 1, "the version byte")?[0];
    if version != HALO2_VK_VERSION {
        return Err(format!("halo2 key encoding version {version}, this reader takes {HALO2_VK_VERSION}"));
    }
    let k = take_u32(&mut r, "k")?;
    if k != shape.k() {
        return Err(format!("the halo2 key is for k = {k}, the shape needs k = {}", shape.k()));
    }
    let compress = match take(&mut r, 1, "the selector compression flag")?[0] {
        0 => false,
        1 => true,
        b => return Err(format!("selector compression flag {b} is not 0 or 1")),
    };
    let mut cs = ConstraintSystem::<Fr>::default();
    let _config = ValidationCircuit::configure_with_params(&mut cs, shape.clone());
    let domain = verifier_domain(cs.degree() as u32, k)?;
    let fixed_count = take_u32(&mut r, "the fixed column count")? as usize;
    let point = 64; // RawBytes G1: x and y, 32 bytes each
    if fixed_count > r.len() / point {
        return Err(format!("{fixed_count} fixed commitments declared, {} bytes left", r.len()));
    }
    let fixed = read_points(&mut r, fixed_count, "fixed commitment")?;
    let sigmas = read_points(&mut r, cs.permutation().get_columns().len(), "permutation commitment")?;
    let n = 1usize << k;
    let (cs, selector_bits) = if compress {
        let per = n.div_ceil(8);
        let bits = take(&mut r, per * cs.num_selectors(), "the selector activations")?;
        let mut bits = bits.to_vec();
        if n % 8 != 0 {
            // bits past row n - 1 are padding: halo2 ignores them and writes them as zero
            for s in 0..cs.num_selectors() {
                bits[s * per + per - 1] &= (1u8 << (n % 8)) - 1;
            }
        }
        let (cs, _) = cs.compress_selectors(overlap_rows(&bits, per));
        (cs, bits)
    } else {
        let fake = vec![vec![false]; cs.num_selectors()];
        let (cs, _) = cs.directly_convert_selectors_to_fixed(fake);
        (cs, Vec::new())
    };
    if !r.is_empty() {
        return Err(format!("{} bytes after the halo2 key", r.len()));
    }
    if fixed.len() != cs.num_fixed_columns() {
        return Err(format!("{} fixed commitments, the circuit has {} fixed columns", fixed.len(), cs.num_fixed_columns()));
    }
    let vk = VerifyingKey::from_parts(domain, fixed, permutation::VerifyingKey::from_commitments(sigmas), cs, Vec::new(), compress);
    Ok(Decoded { vk, selector_bits })
}

/// The next `n` bytes of `r`.
fn take<'a>(r: &mut &'a [u8], n: usize, what: &str) -> Result<&'a [u8], String> {
    if r.len() < n {
        return Err(format!("ends in {what} ({n} bytes needed, {} left)", r.len()));
    }
    let (head, tail) = r.split_at(n);
    *r = tail;
    Ok(head)
}

/// The next 4 bytes of `r`, little endian.
fn take_u32(r: &mut &[u8], what: &str) -> Result<u32, String> {
    let b = take(r, 4, what)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// `count` curve points in halo2's `RawBytes` encoding (x and y in Montgomery form). Each is
/// checked to be on the curve with coordinates below the modulus (halo2's own `RawBytes` reader
/// checks neither).
fn read_points(r: &mut &[u8], count: usize, what: &str) -> Result<Vec<G1Affine>, String> {
    (0..count)
        .map(|i| {
            let raw = take(r, 64, what)?;
            G1Affine::from_raw_bytes(raw).ok_or_else(|| format!("{what} {i} is not a point on the curve"))
        })
        .collect()
}

/// Selector activations (`per` packed bytes per selector, as halo2 writes them) reduced to one
/// row per pair of selectors that are both active on some row: the pairwise overlaps, which is
/// all of the activations halo2's selector compression uses to combine selectors.
pub fn overlap_rows(bits: &[u8], per: usize) -> Vec<Vec<bool>> {
    let words: Vec<Vec<u64>> = bits
        .chunks(per.max(1))
        .map(|s| s.chunks(8).map(|w| { let mut b = [0u8; 8]; b[..w.len()].copy_from_slice(w); u64::from_le_bytes(b) }).collect())
        .collect();
    let mut pairs = Vec::new();
    for i in 0..words.len() {
        for j in 0..i {
            if words[i].iter().zip(&words[j]).any(|(a, b)| a & b != 0) {
                pairs.push((i, j));
            }
        }
    }
    let mut rows = vec![vec![false; pairs.len().max(1)]; words.len()];
    for (row, &(i, j)) in pairs.iter().enumerate() {
        rows[i][row] = true;
        rows[j][row] = true;
    }
    rows
}

/// halo2's evaluation domain of size `2^k` for gates of degree `j`, as
/// `EvaluationDomain::new(j, k)` computes it but without the FFT tables (`fft_data`), which only
/// a prover uses.
pub fn verifier_domain(j: u32, k: u32) -> Result<EvaluationDomain<Fr>, String> {
    let quotient_poly_degree = u64::from(j.saturating_sub(1));
    let n = 1u64 << k;
    let mut extended_k = k;
    while (1u64 << extended_k) < n * quotient_poly_degree {
        extended_k += 1;
    }
    if extended_k > Fr::S {
        return Err(format!("k = {k} with gates of degree {j} needs an extended domain of 2^{extended_k}, BN254 has 2^{}", Fr::S));
    }
    let mut extended_omega = Fr::ROOT_OF_UNITY;
    for _ in extended_k..Fr::S {
        extended_omega = extended_omega.square();
    }
    let mut omegas = vec![extended_omega];
    let mut omega = extended_omega;
    for _ in k..extended_k {
        omega = omega.square();
        omegas.push(omega);
    }
    omegas.reverse();
    let mut omegas_inv = omegas.clone();
    let g_coset = Fr::ZETA;
    let g_coset_inv = g_coset.square();
    // t(X) = X^n - 1 on the coset zeta * <extended_omega>: it repeats with period 2^(extended_k - k)
    let orig = Fr::ZETA.pow_vartime([n]);
    let step = extended_omega.pow_vartime([n]);
    let mut t_evaluations = Vec::with_capacity(1 << (extended_k - k));
    let mut cur = orig;
    loop {
        t_evaluations.push(cur - Fr::ONE);
        cur *= step;
        if cur == orig {
            break;
        }
    }
    let mut ifft_divisor = Fr::from(n);
    let mut extended_ifft_divisor = Fr::from(1u64 << extended_k);
    let mut barycentric_weight = Fr::from(n);
    t_evaluations
        .iter_mut()
        .chain(Some(&mut ifft_divisor))
        .chain(Some(&mut extended_ifft_divisor))
        .chain(Some(&mut barycentric_weight))
        .chain(&mut omegas_inv)
        .batch_invert();
    Ok(EvaluationDomain {
        n,
        k,
        extended_k,
        omega,
        omega_inv: omegas_inv[0],
        extended_omega,
        extended_omega_inv: omegas_inv[omegas_inv.len() - 1],
        g_coset,
        g_coset_inv,
        quotient_poly_degree,
        ifft_divisor,
        extended_ifft_divisor,
        t_evaluations,
        barycentric_weight,
        fft_data: HashMap::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verifier_domain_is_halo2s_without_fft_tables() {
        for k in [1, 4, 9, 12] {
            for j in [1, 2, 3, 5, 9] {
                let (ours, theirs) = (verifier_domain(j, k).unwrap(), EvaluationDomain::<Fr>::new(j, k));
                let fields = |d: &EvaluationDomain<Fr>| {
                    let sizes = (d.n, d.k, d.extended_k, d.quotient_poly_degree);
                    let scalars = [d.omega, d.omega_inv, d.extended_omega, d.extended_omega_inv, d.g_coset, d.g_coset_inv, d.ifft_divisor, d.extended_ifft_divisor, d.barycentric_weight];
                    (sizes, scalars, d.t_evaluations.clone())
                };
                assert_eq!(fields(&ours), fields(&theirs), "j = {j}, k = {k}");
                assert!(ours.fft_data.is_empty());
            }
        }
    }

    #[test]
    fn overlap_rows_keep_exactly_the_overlapping_pairs() {
        // three selectors over 16 rows: 0 and 1 overlap on row 9, 2 overlaps neither
        let bits = [0b0000_0001, 0b0000_0010, 0b0000_0000, 0b0000_0010, 0b0001_0000, 0b0000_0100];
        let rows = overlap_rows(&bits, 2);
        assert_eq!(rows, vec![vec![true], vec![true], vec![false]]);
        let none = overlap_rows(&[1, 0, 2, 0], 2);
        assert_eq!(none, vec![vec![false], vec![false]], "no overlap: one empty row");
    }
}
