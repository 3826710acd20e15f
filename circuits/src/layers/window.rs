//! The 2-D window geometry shared by convolution and pooling: an input `[C, H, W]` (row-major,
//! channel first, the order a flattened ONNX tensor has), a kernel, strides and zero padding.
//! Padding is never materialized: a window's *taps* are only the in-bounds input positions.

use crate::error::{CircuitError, Result};
use serde::{Deserialize, Serialize};

/// Kernel `[kh, kw]`, strides `[sh, sw]`, pads `[top, left, bottom, right]` over an input
/// `[channels, height, width]` (ONNX's order for all three).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub struct Window2d {
    pub input: [usize; 3],
    pub kernel: [usize; 2],
    pub strides: [usize; 2],
    pub pads: [usize; 4],
}

/// One in-bounds tap of a window: kernel position `(ky, kx)` reads input position `(iy, ix)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tap {
    pub ky: usize,
    pub kx: usize,
    pub iy: usize,
    pub ix: usize,
}

impl Window2d {
    /// Output `[height, width]`: `(n + pad_before + pad_after - k) / stride + 1` per axis (ONNX
    /// with `ceil_mode = 0`).
    pub fn out_hw(&self) -> Result<[usize; 2]> {
        let mut out = [0; 2];
        for (a, o) in out.iter_mut().enumerate() {
            let n = self.input[a + 1];
            let padded = n + self.pads[a] + self.pads[a + 2];
            if self.kernel[a] == 0 || self.strides[a] == 0 || padded < self.kernel[a] {
                return Err(CircuitError::Shape(format!(
                    "window {:?} stride {:?} pads {:?} does not fit an input of {:?}",
                    self.kernel, self.strides, self.pads, self.input
                )));
            }
            *o = (padded - self.kernel[a]) / self.strides[a] + 1;
        }
        Ok(out)
    }

    /// Checks the geometry: non-empty input, a window that fits, pads smaller than the kernel.
    pub fn check(&self, what: &str) -> Result<()> {
        if self.input.contains(&0) {
            return Err(CircuitError::Shape(format!("{what}: empty input {:?}", self.input)));
        }
        if self.pads[0] >= self.kernel[0] || self.pads[2] >= self.kernel[0] || self.pads[1] >= self.kernel[1] || self.pads[3] >= self.kernel[1] {
            return Err(CircuitError::Shape(format!("{what}: pads {:?} must be smaller than the kernel {:?}", self.pads, self.kernel)));
        }
        self.out_hw().map_err(|e| CircuitError::Shape(format!("{what}: {e}")))?;
        Ok(())
    }

    /// Number of input values `C H W`.
    pub fn input_len(&self) -> usize {
        self.input.iter().product()
    }

    /// Number of output positions per channel `OH OW` (0 if the geometry is invalid).
    pub fn positions(&self) -> usize {
        self.out_hw().map(|[h, w]| h * w).unwrap_or(0)
    }

    /// The in-bounds taps of output position `(oy, ox)`, kernel row-major.
    pub fn taps(&self, oy: usize, ox: usize) -> Vec<Tap> {
        let [_, h, w] = self.input;
        let mut taps = Vec::with_capacity(self.kernel[0] * self.kernel[1]);
        for ky in 0..self.kernel[0] {
            let Some(iy) = (oy * self.strides[0] + ky).checked_sub(self.pads[0]).filter(|v| *v < h) else { continue };
            for kx in 0..self.kernel[1] {
                let Some(ix) = (ox * self.strides[1] + kx).checked_sub(self.pads[1]).filter(|v| *v < w) else { continue };
                taps.push(Tap { ky, kx, iy, ix });
            }
        }
        taps
    }

    /// Number of in-bounds taps over all output positions of one channel, without listing them:
    /// taps factor into a row part and a column part.
    pub fn total_taps(&self) -> usize {
        let Ok([oh, ow]) = self.out_hw() else { return 0 };
        let axis = |a: usize, outs: usize| -> usize {
            (0..outs)
                .map(|o| (0..self.kernel[a]).filter(|k| (o * self.strides[a] + k).checked_sub(self.pads[a]).is_some_and(|v| v < self.input[a + 1])).count())
                .sum()
        };
        axis(0, oh) * axis(1, ow)
    }

    /// Flat index of input value `(channel, iy, ix)`.
    pub fn input_index(&self, ch: usize, iy: usize, ix: usize) -> usize {
        (ch * self.input[1] + iy) * self.input[2] + ix
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taps_skip_padding() {
        let w = Window2d { input: [1, 2, 2], kernel: [2, 2], strides: [1, 1], pads: [1, 1, 1, 1] };
        assert_eq!(w.out_hw().unwrap(), [3, 3]);
        assert_eq!(w.taps(0, 0).len(), 1);
        assert_eq!(w.taps(0, 1).len(), 2);
        assert_eq!(w.taps(1, 1).len(), 4);
        assert_eq!(w.taps(0, 0)[0], Tap { ky: 1, kx: 1, iy: 0, ix: 0 });
        let all: usize = (0..3).flat_map(|y| (0..3).map(move |x| (y, x))).map(|(y, x)| w.taps(y, x).len()).sum();
        assert_eq!(w.total_taps(), all);
    }

    #[test]
    fn bad_geometry_is_an_error() {
        let w = Window2d { input: [1, 2, 2], kernel: [3, 3], strides: [1, 1], pads: [0; 4] };
        assert!(w.check("x").is_err());
        let w = Window2d { input: [1, 4, 4], kernel: [2, 2], strides: [0, 1], pads: [0; 4] };
        assert!(w.check("x").is_err());
        let w = Window2d { input: [1, 4, 4], kernel: [2, 2], strides: [1, 1], pads: [2, 0, 0, 0] };
        assert!(w.check("x").is_err());
    }
}
