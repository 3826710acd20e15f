//! Small random models and data sets for tests and benchmarks, from a seed (SplitMix64, so
//! no extra dependency). Values are drawn small enough that no intermediate value leaves the
//! bound for the sizes used in tests.

use crate::dataset::QuantizedDataset;
use crate::fixed::FixedParams;
use crate::model::{DenseLayer, QuantizedModel};

/// SplitMix64: a tiny deterministic generator.
#[derive(Clone, Debug)]
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[lo, hi]`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % ((hi - lo + 1) as u64)) as i64
    }
}

/// Parameters of the tiny test circuits: 8-bit values at scale 2^3 (a 256-row table, k = 9).
pub const TINY: FixedParams = FixedParams { scale_bits: 3, value_bits: 8 };

/// A random model with the given layer widths (`widths[0]` inputs, last = classes), ReLU after
/// every layer but the last, weights in `[-w, w]`.
pub fn random_model(seed: u64, fixed: FixedParams, widths: &[usize], w: i64) -> QuantizedModel {
    let mut rng = SplitMix(seed);
    let mut layers = Vec::new();
    for (li, pair) in widths.windows(2).enumerate() {
        let (inputs, outputs) = (pair[0], pair[1]);
        layers.push(DenseLayer {
            inputs,
            outputs,
            relu: li + 2 < widths.len(),
            weights: (0..inputs * outputs).map(|_| rng.range(-w, w)).collect(),
            bias: (0..outputs).map(|_| rng.range(-w, w)).collect(),
        });
    }
    QuantizedModel::new("random", fixed, widths[0], *widths.last().unwrap_or(&2), layers).expect("random model is valid")
}

/// A random data set of `n` samples with features in `[-x, x]`.
pub fn random_dataset(seed: u64, fixed: FixedParams, input_dim: usize, num_classes: usize, n: usize, x: i64) -> QuantizedDataset {
    let mut rng = SplitMix(seed ^ 0xDA7A);
    let features = (0..n * input_dim).map(|_| rng.range(-x, x)).collect();
    let labels = (0..n).map(|_| rng.range(0, num_classes as i64 - 1)).collect();
    QuantizedDataset::new("random", fixed, input_dim, num_classes, features, labels).expect("random data set is valid")
}
