//! The 2-D convolution layer (group 1, dilation 1): native op and the expansion the halo2
//! circuit checks it through. A convolution is a linear map, so the circuit treats it as a dense
//! layer whose `[inputs][outputs]` matrix is *expanded* from the kernel: entry `(k, j)` is the
//! kernel weight that input `k` meets at output `j`, or 0 when none does (see `docs/circuit.md`).

use super::window::Window2d;
use crate::error::{CircuitError, Result};
use crate::fixed::FixedParams;
use serde::{Deserialize, Serialize};

/// A quantized convolution: `weights` `[out_ch][in_ch][kh][kw]` row-major (ONNX order), one bias
/// per output channel, all at scale `2^s`; outputs `[out_ch][oh][ow]` row-major, rescaled like a
/// dense layer's and optionally passed through a ReLU.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvLayer {
    pub window: Window2d,
    pub out_channels: usize,
    pub relu: bool,
    pub weights: Vec<i64>,
    pub bias: Vec<i64>,
}

/// The shape of a convolution (what the circuit depends on).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub struct ConvShape {
    pub window: Window2d,
    pub out_channels: usize,
    pub relu: bool,
}

impl ConvShape {
    /// Number of kernel weights `out_ch in_ch kh kw`.
    pub fn kernel_len(&self) -> usize {
        self.out_channels * self.window.input[0] * self.window.kernel[0] * self.window.kernel[1]
    }

    /// Number of outputs `out_ch oh ow`.
    pub fn outputs(&self) -> usize {
        self.out_channels * self.window.positions()
    }

    /// Index of kernel weight `(oc, ic, ky, kx)` in `weights`.
    pub fn weight_index(&self, oc: usize, ic: usize, ky: usize, kx: usize) -> usize {
        ((oc * self.window.input[0] + ic) * self.window.kernel[0] + ky) * self.window.kernel[1] + kx
    }

    /// The expanded matrix as kernel indices: entry `k * outputs + j` is `Some(t)` when input `k`
    /// meets `weights[t]` at output `j`, `None` for the structural zeros.
    pub fn expanded(&self) -> Vec<Option<usize>> {
        let outputs = self.outputs();
        let mut m = vec![None; self.window.input_len() * outputs];
        let Ok([oh, ow]) = self.window.out_hw() else { return m };
        for oc in 0..self.out_channels {
            for oy in 0..oh {
                for ox in 0..ow {
                    let j = (oc * oh + oy) * ow + ox;
                    for t in self.window.taps(oy, ox) {
                        for ic in 0..self.window.input[0] {
                            let k = self.window.input_index(ic, t.iy, t.ix);
                            m[k * outputs + j] = Some(self.weight_index(oc, ic, t.ky, t.kx));
                        }
                    }
                }
            }
        }
        m
    }

    /// The output channel of output `j` (whose bias it adds).
    pub fn channel_of(&self, j: usize) -> usize {
        j / self.window.positions().max(1)
    }
}

impl ConvLayer {
    /// This layer's shape.
    pub fn shape(&self) -> ConvShape {
        ConvShape { window: self.window, out_channels: self.out_channels, relu: self.relu }
    }

    /// Checks the geometry, the weight and bias counts and the bound on every value.
    pub fn validate(&self, li: usize, fixed: &FixedParams) -> Result<()> {
        self.window.check(&format!("layer {li} (conv)"))?;
        let shape = self.shape();
        if self.out_channels == 0 || self.weights.len() != shape.kernel_len() || self.bias.len() != self.out_channels {
            return Err(CircuitError::Shape(format!(
                "layer {li} (conv): {} weights and {} biases, expected {} and {}",
                self.weights.len(),
                self.bias.len(),
                shape.kernel_len(),
                self.out_channels
            )));
        }
        for (t, w) in self.weights.iter().enumerate() {
            fixed.check(*w as i128, || format!("layer {li} (conv) weight {t}"))?;
        }
        for (c, b) in self.bias.iter().enumerate() {
            fixed.check(*b as i128, || format!("layer {li} (conv) bias [{c}]"))?;
        }
        Ok(())
    }

    /// The exact accumulators `acc_j = 2^s b_oc + sum over in-bounds taps and input channels of
    /// x w`, outputs `[oc][oy][ox]` row-major.
    pub fn accumulate(&self, x: &[i64], scale_bits: u32) -> Vec<i128> {
        let shape = self.shape();
        let Ok([oh, ow]) = self.window.out_hw() else { return Vec::new() };
        let mut out = Vec::with_capacity(shape.outputs());
        for oc in 0..self.out_channels {
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut acc = (self.bias[oc] as i128) << scale_bits;
                    for t in self.window.taps(oy, ox) {
                        for ic in 0..self.window.input[0] {
                            acc += x[self.window.input_index(ic, t.iy, t.ix)] as i128 * self.weights[shape.weight_index(oc, ic, t.ky, t.kx)] as i128;
                        }
                    }
                    out.push(acc);
                }
            }
        }
        out
    }
}

/// Float convolution of one sample (twin of [`ConvLayer::accumulate`] on reals).
pub fn conv_float(window: &Window2d, out_channels: usize, weights: &[f64], bias: &[f64], x: &[f64]) -> Vec<f64> {
    let shape = ConvShape { window: *window, out_channels, relu: false };
    let Ok([oh, ow]) = window.out_hw() else { return Vec::new() };
    let mut out = Vec::with_capacity(shape.outputs());
    for (oc, b) in bias.iter().enumerate().take(out_channels) {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut acc = *b;
                for t in window.taps(oy, ox) {
                    for ic in 0..window.input[0] {
                        acc += x[window.input_index(ic, t.iy, t.ix)] * weights[shape.weight_index(oc, ic, t.ky, t.kx)];
                    }
                }
                out.push(acc);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::SplitMix;

    #[test]
    fn expanded_matrix_equals_the_convolution() {
        let mut rng = SplitMix(7);
        let window = Window2d { input: [2, 5, 4], kernel: [3, 2], strides: [2, 1], pads: [1, 0, 1, 1] };
        let shape = ConvShape { window, out_channels: 3, relu: false };
        let layer = ConvLayer {
            window,
            out_channels: 3,
            relu: false,
            weights: (0..shape.kernel_len()).map(|_| rng.range(-9, 9)).collect(),
            bias: (0..3).map(|_| rng.range(-9, 9)).collect(),
        };
        let x: Vec<i64> = (0..window.input_len()).map(|_| rng.range(-20, 20)).collect();
        let acc = layer.accumulate(&x, 3);
        let m = shape.expanded();
        let outputs = shape.outputs();
        for (j, a) in acc.iter().enumerate() {
            let mut e = (layer.bias[shape.channel_of(j)] as i128) << 3;
            for (k, xk) in x.iter().enumerate() {
                if let Some(t) = m[k * outputs + j] {
                    e += *xk as i128 * layer.weights[t] as i128;
                }
            }
            assert_eq!(*a, e, "output {j}");
        }
    }
}
