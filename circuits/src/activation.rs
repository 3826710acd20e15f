//! The smooth activations of the validation function, in fixed point: sigmoid and tanh of a
//! `b`-bit value at scale `2^s`, defined by a table over the whole input domain (so a circuit
//! can check them with one lookup). Spec: `docs/validation-function.md`, section 3c.
//!
//! For an input `z` in `[-2^(b-1), 2^(b-1))` (a rescaled, bound-checked value standing for the
//! real `z / 2^s`):
//!
//! * `sigmoid(z) = round(2^s / (1 + e^(-z / 2^s)))`, in `[0, 2^s]`;
//! * `tanh(z) = round(2^s tanh(z / 2^s))`, in `[-2^s, 2^s]`.
//!
//! `round` is to the nearest integer. An exact half cannot occur: for `z != 0` the real value is
//! transcendental (Lindemann), and `sigmoid(0) = 2^(s-1)`, `tanh(0) = 0` are integers. The
//! reference computes the reals in IEEE-754 binary64; the test
//! `tables_are_far_from_rounding_ties` checks, for every supported `s` (`s <= 12`,
//! [`MAX_SCALE_BITS`]) and every input of the largest domain (`b = 20`), that the binary64 value lies more than `2^(s-44)` from a
//! half-integer, 256 units in the last place of values up to `2^s`, far beyond the error of a
//! faithful `exp`/`tanh` and the few operations around it, so any such
//! implementation of `exp`/`tanh` gives the same table. Saturation is part of the table: inputs
//! beyond about `(s + 1) ln 2` give `2^s` (or `0`, `-2^s`) by the same rounding, with no
//! separate clamp.
//!
//! Why `s <= 12`: near `0`, `2^s sigmoid(z / 2^s) = 2^(s-1) + z/4 - z^3 / (48 4^s) + ...`, so
//! every `z = 2 mod 4` lies within `z^3 / (48 4^s)` of a half; from `s = 13` on that gap at
//! `z = 2` (below `2^-27`) comes too close to binary64's rounding error for a table every
//! implementation reproduces, and from `s = 17` binary64 rounds it onto the half itself.

use crate::error::{CircuitError, Result};

use serde::{Deserialize, Serialize};

/// The largest scale (fractional bits) a model with smooth activations may use.
pub const MAX_SCALE_BITS: u32 = 12;

/// Checks that `scale_bits` is one the activation tables are specified for.
pub fn check_scale(scale_bits: u32, what: &str) -> Result<()> {
    if scale_bits > MAX_SCALE_BITS {
        return Err(CircuitError::Params(format!(
            "{what} uses sigmoid/tanh, which are specified for scale_bits <= {MAX_SCALE_BITS} (found {scale_bits})"
        )));
    }
    Ok(())
}

/// Which smooth activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Sigmoid,
    Tanh,
}

impl Activation {
    /// The real function.
    pub fn real(self, x: f64) -> f64 {
        match self {
            Activation::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Activation::Tanh => x.tanh(),
        }
    }

    /// The value before rounding, `2^s f(z / 2^s)`, in binary64.
    fn scaled(self, z: i64, scale_bits: u32) -> f64 {
        let one = (1u64 << scale_bits) as f64;
        one * self.real(z as f64 / one)
    }

    /// The fixed-point activation of `z` at scale `2^s` (the table entry for `z`).
    pub fn fixed(self, z: i64, scale_bits: u32) -> i64 {
        self.scaled(z, scale_bits).round() as i64
    }

    /// The whole table for `b`-bit inputs: entry `k` is the output for input `k - 2^(b-1)`.
    pub fn table(self, scale_bits: u32, value_bits: u32) -> Vec<i64> {
        let lo = -(1i64 << (value_bits - 1));
        (0..1i64 << value_bits).map(|k| self.fixed(lo + k, scale_bits)).collect()
    }
}

/// Fixed-point sigmoid (see the module doc).
pub fn sigmoid(z: i64, scale_bits: u32) -> i64 {
    Activation::Sigmoid.fixed(z, scale_bits)
}

/// Fixed-point tanh (see the module doc).
pub fn tanh(z: i64, scale_bits: u32) -> i64 {
    Activation::Tanh.fixed(z, scale_bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers_at_scale_8() {
        // sigmoid(0) = 1/2, tanh(0) = 0; sigmoid(1.0) = 0.731058... -> 187.15 -> 187
        assert_eq!(sigmoid(0, 8), 128);
        assert_eq!(tanh(0, 8), 0);
        assert_eq!(sigmoid(256, 8), 187);
        assert_eq!(sigmoid(-256, 8), 69);
        // tanh(1.0) = 0.761594... -> 194.97 -> 195
        assert_eq!(tanh(256, 8), 195);
        assert_eq!(tanh(-256, 8), -195);
        // saturation inside the domain
        assert_eq!(sigmoid(16383, 8), 256);
        assert_eq!(sigmoid(-16384, 8), 0);
        assert_eq!(tanh(16383, 8), 256);
        assert_eq!(tanh(-16384, 8), -256);
    }

    #[test]
    fn tables_are_monotone_and_symmetric() {
        for s in [3, 8] {
            let sig = Activation::Sigmoid.table(s, 12);
            let th = Activation::Tanh.table(s, 12);
            assert!(sig.windows(2).all(|w| w[0] <= w[1]));
            assert!(th.windows(2).all(|w| w[0] <= w[1]));
            let half = 1i64 << 11;
            for z in 1..half {
                let (p, n) = ((half + z) as usize, (half - z) as usize);
                assert_eq!(sig[p] + sig[n], 1 << s, "sigmoid(z) + sigmoid(-z) = 2^s at z = {z}");
                assert_eq!(th[p], -th[n], "tanh is odd at z = {z}");
            }
        }
    }

    #[test]
    fn tables_are_far_from_rounding_ties() {
        // the spec's claim: binary64 cannot change any rounding, for every supported s and every
        // input of the largest domain; only the unsaturated part needs checking
        for s in 1..=MAX_SCALE_BITS {
            for f in [Activation::Sigmoid, Activation::Tanh] {
                let reach = ((s as i64 + 40) << s).min(1 << 19);
                let margin = (2.0f64).powi(s as i32 - 44);
                for z in -reach..reach {
                    let v = f.scaled(z, s);
                    let frac = v - v.floor();
                    assert!((frac - 0.5).abs() > margin, "{f:?} at z = {z}, s = {s}: {v}");
                }
            }
        }
    }
}
