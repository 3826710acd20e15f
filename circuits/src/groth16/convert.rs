//! Field elements between halo2's BN254 scalar type (what the rest of the crate uses) and
//! arkworks' (what the R1CS is over). Both are the same field; the conversion goes through the
//! canonical little-endian bytes.

use super::ArkFr;
use crate::field::Fr;
use ark_ff::{BigInteger, PrimeField as ArkPrimeField};
use halo2_proofs::halo2curves::ff::PrimeField;

/// halo2 `Fr` to arkworks `Fr`.
pub fn to_ark(x: &Fr) -> ArkFr {
    ArkFr::from_le_bytes_mod_order(x.to_repr().as_ref())
}

/// arkworks `Fr` to halo2 `Fr` (always canonical, so never fails).
pub fn from_ark(x: &ArkFr) -> Fr {
    let bytes = x.into_bigint().to_bytes_le();
    let mut repr = <Fr as PrimeField>::Repr::default();
    repr.as_mut().copy_from_slice(&bytes[..32]);
    Option::from(Fr::from_repr(repr)).unwrap_or_default()
}

/// A signed integer in the arkworks field (negative numbers become `p - |v|`).
pub fn ark_from_i64(v: i64) -> ArkFr {
    if v >= 0 {
        ArkFr::from(v as u64)
    } else {
        -ArkFr::from(v.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::fr_from_i64;

    #[test]
    fn roundtrip_and_signed() {
        for v in [0i64, 1, -1, 12345, -98765, i64::MAX, i64::MIN + 1] {
            let h = fr_from_i64(v);
            assert_eq!(to_ark(&h), ark_from_i64(v));
            assert_eq!(from_ark(&to_ark(&h)), h);
        }
    }
}
