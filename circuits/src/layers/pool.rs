//! Max and average pooling, per channel over a [`Window2d`]: the native ops. Padded positions
//! are never taps: max-pool takes the maximum of the in-bounds taps (ONNX pads with -inf),
//! average-pool sums them and divides by the tap count (`count_include_pad = 0`) or by the full
//! kernel area `kh kw` (`count_include_pad = 1`, padded zeros count), rounding half up:
//! `out = floor((2 sum + d) / (2 d))`, remainder `2 sum + d - 2 d out` in `[0, 2d)`.

use super::window::Window2d;
use crate::error::{CircuitError, Result};
use serde::{Deserialize, Serialize};

/// A pooling layer's geometry (max or average: the [`Layer`](super::Layer) variant says which).
/// `count_include_pad` only matters for average pooling and must be false for max pooling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub struct PoolLayer {
    pub window: Window2d,
    #[serde(default)]
    pub count_include_pad: bool,
}

/// One pooled output and how it was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pooled {
    pub out: i64,
    /// Average pooling: the tap sum (0 for max pooling).
    pub sum: i64,
    /// Average pooling: the rounding remainder in `[0, 2d)` (0 for max pooling).
    pub rem: i64,
}

impl PoolLayer {
    /// Number of outputs `C oh ow`.
    pub fn outputs(&self) -> usize {
        self.window.input[0] * self.window.positions()
    }

    /// Checks the geometry (every window has at least one tap, since pads are smaller than
    /// the kernel) and that max pooling does not claim `count_include_pad`.
    pub fn validate(&self, what: &str, max: bool) -> Result<()> {
        self.window.check(what)?;
        if max && self.count_include_pad {
            return Err(CircuitError::Shape(format!("{what}: count_include_pad is meaningless for max pooling")));
        }
        Ok(())
    }

    /// For each output (channel-major), the flat input indices of its taps.
    pub fn windows(&self) -> Vec<Vec<usize>> {
        let Ok([oh, ow]) = self.window.out_hw() else { return Vec::new() };
        let mut out = Vec::with_capacity(self.outputs());
        for ch in 0..self.window.input[0] {
            for oy in 0..oh {
                for ox in 0..ow {
                    out.push(self.window.taps(oy, ox).iter().map(|t| self.window.input_index(ch, t.iy, t.ix)).collect());
                }
            }
        }
        out
    }

    /// The average-pool divisor of a window with `taps` in-bounds taps.
    pub fn divisor(&self, taps: usize) -> usize {
        if self.count_include_pad {
            self.window.kernel[0] * self.window.kernel[1]
        } else {
            taps
        }
    }

    /// Max pooling of one sample.
    pub fn max_pool(&self, x: &[i64]) -> Vec<Pooled> {
        self.windows()
            .iter()
            .map(|taps| Pooled { out: taps.iter().map(|k| x[*k]).max().unwrap_or(0), sum: 0, rem: 0 })
            .collect()
    }

    /// Average pooling of one sample, rounding half up (see the module doc). The output of
    /// in-bound inputs is in bound.
    pub fn avg_pool(&self, x: &[i64]) -> Vec<Pooled> {
        self.windows()
            .iter()
            .map(|taps| {
                let sum: i64 = taps.iter().map(|k| x[*k]).sum();
                let (out, rem) = round_div(sum, self.divisor(taps.len()) as i64);
                Pooled { out, sum, rem }
            })
            .collect()
    }

    /// Float pooling of one sample.
    pub fn pool_float(&self, x: &[f64], max: bool) -> Vec<f64> {
        self.windows()
            .iter()
            .map(|taps| {
                if max {
                    taps.iter().map(|k| x[*k]).fold(f64::NEG_INFINITY, f64::max)
                } else {
                    taps.iter().map(|k| x[*k]).sum::<f64>() / self.divisor(taps.len()) as f64
                }
            })
            .collect()
    }
}

/// `sum / d` rounded half up: `(floor((2 sum + d) / (2 d)), 2 sum + d - 2 d out)`.
pub fn round_div(sum: i64, d: i64) -> (i64, i64) {
    let num = 2 * sum + d;
    (num.div_euclid(2 * d), num.rem_euclid(2 * d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_div_rounds_half_up() {
        assert_eq!(round_div(3, 2), (2, 0)); // 1.5 -> 2
        assert_eq!(round_div(-3, 2), (-1, 0)); // -1.5 -> -1
        assert_eq!(round_div(4, 3), (1, 5)); // 1.33 -> 1
        assert_eq!(round_div(5, 3), (2, 1)); // 1.67 -> 2
        assert_eq!(round_div(-5, 3), (-2, 5)); // -1.67 -> -2
        assert_eq!(round_div(7, 1), (7, 1));
    }

    #[test]
    fn avg_pool_count_include_pad() {
        let window = Window2d { input: [1, 2, 2], kernel: [2, 2], strides: [1, 1], pads: [1, 1, 1, 1] };
        let x = [4, 8, 12, 16];
        let p = PoolLayer { window, count_include_pad: false };
        let outs: Vec<i64> = p.avg_pool(&x).iter().map(|o| o.out).collect();
        assert_eq!(outs, vec![4, 6, 8, 8, 10, 12, 12, 14, 16]);
        let p = PoolLayer { window, count_include_pad: true };
        let outs: Vec<i64> = p.avg_pool(&x).iter().map(|o| o.out).collect();
        assert_eq!(outs, vec![1, 3, 2, 4, 10, 6, 3, 7, 4]);
        let m: Vec<i64> = p.max_pool(&x).iter().map(|o| o.out).collect();
        assert_eq!(m, vec![4, 8, 8, 12, 16, 16, 12, 16, 16]);
    }
}
