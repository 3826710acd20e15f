//! Field elements and curve points as 32-byte big-endian EVM words.
//!
//! The BN254 precompiles take a G1 point as `(x, y)` and a G2 point as
//! `(x_im, x_re, y_im, y_re)`: arkworks' `Fq2` is `c0 + c1 * u`, so that is
//! `(x.c1, x.c0, y.c1, y.c0)`. The point at infinity is all zero words.

use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};

/// One EVM word.
pub type Word = [u8; 32];

/// A prime field element as a big-endian word (its canonical integer, below the modulus).
pub fn field_word<F: PrimeField>(x: &F) -> Word {
    let bytes = x.into_bigint().to_bytes_be();
    let mut word = [0u8; 32];
    // BN254's fields are 254 bits: their integers fit in 32 bytes.
    let start = 32usize.saturating_sub(bytes.len());
    let skip = bytes.len().saturating_sub(32);
    word[start..].copy_from_slice(&bytes[skip..]);
    word
}

/// A scalar (public input) as a word.
pub fn scalar_word(x: &Fr) -> Word {
    field_word(x)
}

/// A G1 point as `(x, y)`; infinity as `(0, 0)`.
pub fn g1_words(p: &G1Affine) -> [Word; 2] {
    match p.xy() {
        Some((x, y)) => [field_word(&x), field_word(&y)],
        None => [[0u8; 32]; 2],
    }
}

/// A G2 point as `(x_im, x_re, y_im, y_re)`; infinity as four zero words.
pub fn g2_words(p: &G2Affine) -> [Word; 4] {
    match p.xy() {
        Some((x, y)) => [
            field_word(&x.c1),
            field_word(&x.c0),
            field_word(&y.c1),
            field_word(&y.c0),
        ],
        None => [[0u8; 32]; 4],
    }
}
