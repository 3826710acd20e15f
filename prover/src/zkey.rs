//! snarkjs `.zkey` files (Groth16 phase-2 ceremony output) read as zkpot's Groth16 proving and
//! verifying keys.
//!
//! ```text
//! "zkey" (4)  version u32 (1)  number of sections u32; each: type u32, size u64, bytes
//!  1 header:          protocol u32 (1 = Groth16)
//!  2 Groth16 header:  n8q u32, q, n8r u32, r, nVars u32, nPublic u32, domainSize u32,
//!                     alpha_1, beta_1, beta_2, gamma_2, delta_1, delta_2
//!  3 IC:              nPublic + 1 G1 points
//!  4 coefficients     (not needed: zkpot evaluates its own constraint rows)
//!  5 A, 6 B1:         nVars G1 points each;  7 B2: nVars G2 points
//!  8 C:               nVars - nPublic - 1 G1 points (the private wires)
//!  9 H:               domainSize G1 points
//! 10 contributions
//! ```
//!
//! Points are little-endian Montgomery coordinates (`x, y`; G2 `x.c0, x.c1, y.c0, y.c1`), the
//! point at infinity all zeros. Every point is checked on the curve and in the subgroup. The
//! wires are the exported R1CS's ([`zkpot_circuits::groth16::r1cs_export`]), i.e. arkworks'
//! variables, so `A`, `B1`, `B2` are arkworks' `a_query`, `b_g1_query`, `b_g2_query`, `C` is
//! `l_query`, and `H` pairs with [`crate::circom_qap::CircomReduction`].

use crate::error::ProveError;
use ark_bn254::{Bn254, Fq, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField};
use std::collections::BTreeMap;

/// What a `.zkey` holds.
pub struct Zkey {
    pub n_vars: usize,
    pub n_public: usize,
    pub domain_size: usize,
    pub pk: ark_groth16::ProvingKey<Bn254>,
    /// SHA-256 of the file: the ceremony's fingerprint.
    pub fingerprint: String,
}

/// Reads and checks a `.zkey` file; `origin` names it in errors.
pub fn read(bytes: &[u8], origin: &str) -> Result<Zkey, ProveError> {
    let bad = |detail: String| ProveError::Zkey { path: origin.into(), detail };
    if bytes.len() < 12 || &bytes[..4] != b"zkey" {
        return Err(bad("not a .zkey file (bad magic bytes)".into()));
    }
    let u32_at = |o: usize| u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]);
    if u32_at(4) != 1 {
        return Err(bad(format!(".zkey version {}, this reader takes version 1", u32_at(4))));
    }
    let mut sections = BTreeMap::new();
    let mut pos = 12usize;
    for _ in 0..u32_at(8) {
        if pos + 12 > bytes.len() {
            return Err(bad(format!("truncated section header at byte {pos}")));
        }
        let ty = u32_at(pos);
        let size = u64::from_le_bytes(bytes[pos + 4..pos + 12].try_into().unwrap_or_default());
        let start = pos + 12;
        let end = usize::try_from(size).ok().and_then(|s| start.checked_add(s)).filter(|e| *e <= bytes.len());
        let Some(end) = end else {
            return Err(bad(format!("section {ty} declares {size} bytes at byte {start}, past the end of the file")));
        };
        sections.insert(ty, &bytes[start..end]);
        pos = end;
    }
    let section = |ty: u32| sections.get(&ty).copied().ok_or_else(|| bad(format!("section {ty} is missing")));
    if section(1)?.get(..4) != Some(&1u32.to_le_bytes()[..]) {
        return Err(bad("not a Groth16 key (section 1 names another protocol)".into()));
    }
    let h = section(2)?;
    let mut r = Cursor { bytes: h, pos: 0, origin };
    let n8q = r.u32()? as usize;
    let q = r.take(n8q)?;
    let n8r = r.u32()? as usize;
    let rr = r.take(n8r)?;
    if n8q != 32 || n8r != 32 || q != le32(&Fq::MODULUS) || rr != le32(&ark_bn254::Fr::MODULUS) {
        return Err(bad("the key is not over BN254 (bn128)".into()));
    }
    let n_vars = r.u32()? as usize;
    let n_public = r.u32()? as usize;
    let domain_size = r.u32()? as usize;
    let alpha_g1 = r.g1("alpha_1")?;
    let beta_g1 = r.g1("beta_1")?;
    let beta_g2 = r.g2("beta_2")?;
    let gamma_g2 = r.g2("gamma_2")?;
    let delta_g1 = r.g1("delta_1")?;
    let delta_g2 = r.g2("delta_2")?;
    if n_public >= n_vars || !domain_size.is_power_of_two() {
        return Err(bad(format!("inconsistent header: {n_vars} wires, {n_public} public, domain {domain_size}")));
    }
    let g1s = |ty: u32, name: &str, n: usize| -> Result<Vec<G1Affine>, ProveError> {
        let s = section(ty)?;
        if s.len() != n * 64 {
            return Err(bad(format!("section {ty} ({name}) is {} bytes, {n} points need {}", s.len(), n * 64)));
        }
        let mut c = Cursor { bytes: s, pos: 0, origin };
        (0..n).map(|i| c.g1(&format!("{name} point {i}"))).collect()
    };
    let ic = g1s(3, "IC", n_public + 1)?;
    let a_query = g1s(5, "A", n_vars)?;
    let b_g1_query = g1s(6, "B1", n_vars)?;
    let s7 = section(7)?;
    if s7.len() != n_vars * 128 {
        return Err(bad(format!("section 7 (B2) is {} bytes, {n_vars} points need {}", s7.len(), n_vars * 128)));
    }
    let mut c = Cursor { bytes: s7, pos: 0, origin };
    let b_g2_query = (0..n_vars).map(|i| c.g2(&format!("B2 point {i}"))).collect::<Result<Vec<_>, _>>()?;
    let l_query = g1s(8, "C", n_vars - n_public - 1)?;
    let h_query = g1s(9, "H", domain_size)?;
    let vk = ark_groth16::VerifyingKey { alpha_g1, beta_g2, gamma_g2, delta_g2, gamma_abc_g1: ic };
    let pk = ark_groth16::ProvingKey { vk, beta_g1, delta_g1, a_query, b_g1_query, b_g2_query, h_query, l_query };
    use sha2::{Digest, Sha256};
    let fingerprint = hex::encode(Sha256::digest(bytes));
    Ok(Zkey { n_vars, n_public, domain_size, pk, fingerprint })
}

fn le32<B: ark_ff::BigInteger>(b: &B) -> Vec<u8> {
    let mut v = b.to_bytes_le();
    v.resize(32, 0);
    v
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    origin: &'a str,
}

impl<'a> Cursor<'a> {
    fn err(&self, detail: String) -> ProveError {
        ProveError::Zkey { path: self.origin.into(), detail }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], ProveError> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.bytes.len()).ok_or_else(|| self.err("a section is truncated".into()))?;
        let s: &'a [u8] = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32, ProveError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A base field element from Montgomery form.
    fn fq(&mut self, what: &str) -> Result<Fq, ProveError> {
        let b = self.take(32)?;
        let mut limbs = [0u64; 4];
        for (i, l) in limbs.iter_mut().enumerate() {
            *l = u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().unwrap_or_default());
        }
        let m = BigInt::new(limbs);
        if m >= Fq::MODULUS {
            return Err(self.err(format!("{what}: a coordinate is not below the field modulus")));
        }
        Ok(Fq::new_unchecked(m))
    }

    fn g1(&mut self, what: &str) -> Result<G1Affine, ProveError> {
        let (x, y) = (self.fq(what)?, self.fq(what)?);
        if x == Fq::from(0u64) && y == Fq::from(0u64) {
            return Ok(G1Affine::zero());
        }
        let p = G1Affine::new_unchecked(x, y);
        if !p.is_on_curve() || !p.is_in_correct_subgroup_assuming_on_curve() {
            return Err(self.err(format!("{what} is not a point of G1")));
        }
        Ok(p)
    }

    fn g2(&mut self, what: &str) -> Result<G2Affine, ProveError> {
        let x = Fq2::new(self.fq(what)?, self.fq(what)?);
        let y = Fq2::new(self.fq(what)?, self.fq(what)?);
        if x == Fq2::from(0u64) && y == Fq2::from(0u64) {
            return Ok(G2Affine::zero());
        }
        let p = G2Affine::new_unchecked(x, y);
        if !p.is_on_curve() || !p.is_in_correct_subgroup_assuming_on_curve() {
            return Err(self.err(format!("{what} is not a point of G2 (its prime-order subgroup)")));
        }
        Ok(p)
    }
}
