//! The BN254 scalar field as zkpot uses it: signed integers in and out, and the canonical hex
//! form (`0x` + 64 big-endian hex digits) used in statements and JSON files.

use crate::error::{CircuitError, Result};
pub use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::{Field, PrimeField};

/// Maps a signed integer into the field (negative numbers become `p - |v|`).
pub fn fr_from_i64(v: i64) -> Fr {
    if v >= 0 {
        Fr::from(v as u64)
    } else {
        -Fr::from(v.unsigned_abs())
    }
}

/// `2^e` in the field (fixed-point scales, slot shifts and offsets).
pub fn fr_pow2(e: u32) -> Fr {
    Fr::from(2u64).pow([u64::from(e)])
}

/// Canonical big-endian hex with `0x` prefix (what statements and `zkpot commit` print).
pub fn fr_to_hex(x: &Fr) -> String {
    let mut bytes = x.to_repr();
    bytes.as_mut().reverse();
    format!("0x{}", hex::encode(bytes.as_ref()))
}

/// Parses 32 big-endian bytes; rejects non-canonical encodings.
pub fn fr_from_be_bytes(bytes: &[u8; 32]) -> Option<Fr> {
    let mut le = *bytes;
    le.reverse();
    let mut repr = <Fr as PrimeField>::Repr::default();
    repr.as_mut().copy_from_slice(&le);
    Option::from(Fr::from_repr(repr))
}

/// Parses the canonical hex form (`0x` optional, exactly 64 digits, value below the modulus).
pub fn fr_from_hex(s: &str) -> Result<Fr> {
    let digits = s.strip_prefix("0x").unwrap_or(s);
    let err = || CircuitError::FieldElement(s.to_string());
    if digits.len() != 64 {
        return Err(err());
    }
    let raw = hex::decode(digits).map_err(|_| err())?;
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(&raw);
    fr_from_be_bytes(&bytes).ok_or_else(err)
}

/// Parses a decimal string (used by the circomlib test vectors).
pub fn fr_from_decimal(s: &str) -> Option<Fr> {
    let mut acc = Fr::ZERO;
    if s.is_empty() {
        return None;
    }
    let ten = Fr::from(10u64);
    for c in s.chars() {
        let d = c.to_digit(10)?;
        acc = acc * ten + Fr::from(d as u64);
    }
    Some(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_roundtrip_and_hex() {
        assert_eq!(fr_from_i64(-3) + Fr::from(3u64), Fr::ZERO);
        let x = fr_from_i64(-12345);
        assert_eq!(fr_from_hex(&fr_to_hex(&x)).unwrap(), x);
        assert!(fr_from_hex("0x12").is_err());
        // the modulus itself is not canonical
        assert!(fr_from_hex("0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001").is_err());
    }
}
