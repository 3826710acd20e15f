//! The fixed-point arithmetic of the validation function: the bound on values, quantization of
//! floats, and the rescale rule applied after every dense layer. Each op here has a twin in the
//! halo2 circuit (`halo2/`) that must agree with it bit for bit; the spec is
//! `docs/validation-function.md`.

use crate::error::{CircuitError, Result};
use serde::{Deserialize, Serialize};

/// The fixed-point parameters of one model: values are `b`-bit signed integers
/// (`[-2^(b-1), 2^(b-1))`) representing reals at scale `2^s`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixedParams {
    /// `s`: fractional bits. A real `x` is stored as `round(x * 2^s)`.
    pub scale_bits: u32,
    /// `b`: every stored value (input, weight, bias, rescaled activation) is a `b`-bit signed integer.
    pub value_bits: u32,
}

impl FixedParams {
    /// Default for the bundled digits model: 15-bit values at scale 2^8 (the largest value the
    /// digits MLP reaches on its test set is 5,356 < 2^14; a 2^15-row table keeps k = 16).
    pub const DEFAULT: FixedParams = FixedParams { scale_bits: 8, value_bits: 15 };

    /// Checks the parameters are ones the circuit supports: `4 <= b <= 20`, `1 <= s < b`.
    pub fn validate(&self) -> Result<()> {
        if !(4..=20).contains(&self.value_bits) {
            return Err(CircuitError::Params(format!(
                "value_bits = {} (supported: 4..=20; the lookup table has 2^value_bits rows)",
                self.value_bits
            )));
        }
        if self.scale_bits < 1 || self.scale_bits >= self.value_bits {
            return Err(CircuitError::Params(format!(
                "scale_bits = {} (supported: 1..value_bits = {})",
                self.scale_bits, self.value_bits
            )));
        }
        Ok(())
    }

    /// Smallest allowed value, `-2^(b-1)`.
    pub fn min_value(&self) -> i64 {
        -(1i64 << (self.value_bits - 1))
    }

    /// Largest allowed value, `2^(b-1) - 1`.
    pub fn max_value(&self) -> i64 {
        (1i64 << (self.value_bits - 1)) - 1
    }

    /// Whether `v` lies in `[-2^(b-1), 2^(b-1))`.
    pub fn in_bound(&self, v: i128) -> bool {
        v >= self.min_value() as i128 && v <= self.max_value() as i128
    }

    /// Returns `v` as `i64` if it is within the bound, else an error naming `what`.
    pub fn check(&self, v: i128, what: impl FnOnce() -> String) -> Result<i64> {
        if self.in_bound(v) {
            Ok(v as i64)
        } else {
            Err(CircuitError::OutOfBound {
                what: what(),
                value: v,
                bits: self.value_bits,
                bits_minus_one: self.value_bits - 1,
            })
        }
    }

    /// Quantizes a real: `round(x * 2^s)` with halves rounded away from zero (`f64::round`),
    /// then checked against the bound.
    pub fn quantize(&self, x: f64, what: impl Fn() -> String) -> Result<i64> {
        if !x.is_finite() {
            return Err(CircuitError::NotFinite { what: what(), value: x });
        }
        let scaled = (x * (1u64 << self.scale_bits) as f64).round();
        if scaled.abs() > 1e30 {
            return Err(CircuitError::OutOfBound {
                what: what(),
                value: if scaled > 0.0 { i128::MAX } else { i128::MIN },
                bits: self.value_bits,
                bits_minus_one: self.value_bits - 1,
            });
        }
        self.check(scaled as i128, what)
    }

    /// The real number a quantized value stands for.
    pub fn dequantize(&self, v: i64) -> f64 {
        v as f64 / (1u64 << self.scale_bits) as f64
    }

    /// The real mean squared error an MSE score `S` stands for: `S / 2^(2s)` (a squared error
    /// of values at scale `2^s` is at scale `2^(2s)`).
    pub fn mse_to_real(&self, score: u64) -> f64 {
        score as f64 / (1u64 << (2 * self.scale_bits)) as f64
    }

    /// Number of values packed into one field element for hashing: `floor(253 / b)`.
    pub fn values_per_element(&self) -> usize {
        (253 / self.value_bits) as usize
    }
}

/// The rescale after a dense layer: `z = floor((acc + 2^(s-1)) / 2^s)` (round half up), with
/// the remainder `r = acc + 2^(s-1) - z * 2^s` in `[0, 2^s)`. Returns `(z, r)`; `z` is not yet
/// bound-checked.
pub fn rescale(acc: i128, scale_bits: u32) -> (i128, i128) {
    let shifted = acc + (1i128 << (scale_bits - 1));
    let z = shifted.div_euclid(1i128 << scale_bits);
    let r = shifted.rem_euclid(1i128 << scale_bits);
    (z, r)
}

/// ReLU: `max(z, 0)`.
pub fn relu(z: i64) -> i64 {
    z.max(0)
}

/// Argmax with the tie rule of the spec: the lowest index among the maxima (also used on the
/// float model's outputs, so float and quantized predictions follow one rule).
pub fn argmax<T: PartialOrd>(values: &[T]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rescale_rounds_half_up() {
        // s = 2: divide by 4, halves go up
        assert_eq!(rescale(6, 2), (2, 0)); // 1.5 -> 2
        assert_eq!(rescale(5, 2), (1, 3)); // 1.25 -> 1
        assert_eq!(rescale(-6, 2), (-1, 0)); // -1.5 -> -1
        assert_eq!(rescale(-7, 2), (-2, 3)); // -1.75 -> -2
        assert_eq!(rescale(0, 2), (0, 2));
    }

    #[test]
    fn argmax_ties_go_to_lowest_index() {
        assert_eq!(argmax(&[1, 3, 3, 2]), 1);
        assert_eq!(argmax(&[-5, -5]), 0);
        assert_eq!(argmax(&[0, 1, 2]), 2);
    }

    #[test]
    fn quantize_checks_bounds_and_nan() {
        let p = FixedParams { scale_bits: 4, value_bits: 8 };
        assert_eq!(p.quantize(1.5, || "x".into()).unwrap(), 24);
        assert_eq!(p.quantize(-0.03125, || "x".into()).unwrap(), -1); // -0.5 rounds away
        assert!(p.quantize(8.0, || "x".into()).is_err()); // 128 > 127
        assert_eq!(p.quantize(-8.0, || "x".into()).unwrap(), -128);
        assert!(matches!(p.quantize(f64::NAN, || "x".into()), Err(CircuitError::NotFinite { .. })));
    }
}
