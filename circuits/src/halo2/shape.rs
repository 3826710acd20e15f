//! The circuit shape: everything the proving and verifying keys depend on (the architecture and
//! N, never the weights), its stable id, and the row counts that fix the circuit size `k`.

use crate::commit::{dataset_header, model_header};
use crate::fixed::FixedParams;
use crate::layers::LayerArch;
use crate::score::ScoreFunction;
use crate::model::{Architecture, LayerShape};
use crate::poseidon::chip::PoseidonConfig;
use super::pool::tap_offsets;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Bumped whenever the circuit layout changes, so old keys are never reused.
pub const CIRCUIT_VERSION: u32 = 7;

/// Rows kept free at the bottom for halo2's blinding factors.
const BLINDING_MARGIN: usize = 16;

/// Architecture + number of samples: the circuit's parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub struct CircuitShape {
    pub arch: Architecture,
    pub samples: usize,
    /// The score function; absent in the JSON (so in the shape id) for top-1, as before.
    #[serde(default, skip_serializing_if = "ScoreFunction::is_top1")]
    pub score: ScoreFunction,
}

impl Default for CircuitShape {
    /// A tiny valid shape (only used if halo2 asks for a configuration without parameters).
    fn default() -> Self {
        CircuitShape {
            arch: Architecture {
                fixed: FixedParams::DEFAULT,
                input_dim: 1,
                num_classes: 2,
                layers: vec![LayerArch::Dense(LayerShape { inputs: 1, outputs: 2, relu: false })],
            },
            samples: 1,
            score: ScoreFunction::Top1,
        }
    }
}

impl CircuitShape {
    /// The shape of `arch` over `samples` samples.
    pub fn new(arch: Architecture, samples: usize) -> Self {
        CircuitShape { arch, samples, score: ScoreFunction::Top1 }
    }

    /// The same shape under score function `score`.
    pub fn with_score(self, score: ScoreFunction) -> Self {
        CircuitShape { score, ..self }
    }

    /// Checks a shape read from a file: a valid architecture (`Architecture::validate`), at
    /// least one sample, and a circuit of at most `2^28` rows.
    pub fn validate(&self) -> crate::error::Result<()> {
        self.arch.validate()?;
        self.score.validate(self.arch.num_classes)?;
        let per_sample: Option<usize> = (0..self.arch.layers.len()).try_fold(self.arch.input_dim + self.arch.num_classes + 8, |acc, li| acc.checked_add(self.layer_rows(li)));
        let total = per_sample.and_then(|p| p.checked_mul(self.samples)).and_then(|t| t.checked_add(self.recurrent_rows()));
        if self.samples == 0 || !matches!(total, Some(t) if t <= 1 << 28) {
            return Err(crate::error::CircuitError::Shape(format!("a circuit of {} samples of this architecture is empty or too large", self.samples)));
        }
        self.check_mse_samples()
    }

    /// Checks that the halo2 circuit can prove this shape. Every layer kind is proved (recurrent
    /// layers in their own column group, [`super::recurrent_rows`]); what remains to check is
    /// the activation table's scale limit for recurrent layers, which a shape read from a file
    /// has not been through.
    pub fn check_halo2_support(&self) -> crate::error::Result<()> {
        if super::recurrent_rows::has_recurrent(&self.arch) {
            crate::activation::check_scale(self.arch.fixed.scale_bits, "a recurrent layer")?;
        }
        Ok(())
    }

    /// For mse, `N <= 2^b`: halo2 range-checks the remainder of the mean, `r in [0, N)`, in the
    /// `2^b`-row table; the Groth16 circuit keeps the same bound so both backends accept the
    /// same mse shapes. Other score functions pass.
    pub fn check_mse_samples(&self) -> crate::error::Result<()> {
        if self.score.is_mse() && self.samples > 1 << self.arch.fixed.value_bits {
            return Err(crate::error::CircuitError::Shape(format!(
                "mse over {} samples needs N <= 2^b = {} (the remainder of the mean is range-checked in the 2^b-row table); use fewer samples or larger value bits",
                self.samples,
                1u64 << self.arch.fixed.value_bits
            )));
        }
        Ok(())
    }

    /// A stable id: the first 16 bytes of SHA-256 over the circuit version and the canonical
    /// JSON of the shape, in hex.
    pub fn id(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        let mut h = Sha256::new();
        h.update(format!("zkpot-halo2-circuit-v{CIRCUIT_VERSION}:").as_bytes());
        h.update(json.as_bytes());
        hex::encode(&h.finalize()[..16])
    }

    /// Number of model parameters (weights and biases).
    pub fn model_values(&self) -> usize {
        self.arch.layers.iter().map(LayerArch::values).sum()
    }

    /// Number of data set values (features and a label per sample).
    pub fn dataset_values(&self) -> usize {
        self.samples * (self.arch.input_dim + 1)
    }

    /// Message elements hashed for the model commitment.
    pub fn model_elements(&self) -> usize {
        model_header(&self.arch).len() + self.model_values().div_ceil(self.arch.fixed.values_per_element())
    }

    /// Message elements hashed for the data set commitment.
    pub fn dataset_elements(&self) -> usize {
        dataset_header(self.arch.fixed, self.samples, self.arch.input_dim, self.arch.num_classes).len()
            + self.dataset_values().div_ceil(self.arch.fixed.values_per_element())
    }

    /// Rows of the conv layers' Freivalds blocks, once per circuit ([`super::conv`]: `C (K +
    /// 1) + P + 1 + in_ch taps + 1` each).
    pub fn conv_rows(&self) -> usize {
        self.arch
            .layers
            .iter()
            .map(|l| match l {
                LayerArch::Conv(c) => super::conv::ConvPlan::rows_of(c),
                _ => 0,
            })
            .sum()
    }

    /// Rows one sample takes in layer `li`'s block: a linear layer has one row per output, plus
    /// one per input when a pooling layer feeds it (an input block, see `docs/circuit.md`);
    /// max-pool one row per tap; average-pool one per tap plus two per output.
    pub fn layer_rows(&self, li: usize) -> usize {
        let l = &self.arch.layers[li];
        match l {
            LayerArch::Dense(_) | LayerArch::Conv(_) => {
                let input_block = li > 0 && !self.arch.layers[li - 1].is_linear() && tap_offsets(&self.arch, li - 1).is_none();
                l.outputs() + if input_block { l.inputs() } else { 0 }
            }
            LayerArch::MaxPool(_) if tap_offsets(&self.arch, li).is_some() => 0, // on its input's rows
            LayerArch::MaxPool(p) => p.window.input[0] * p.window.total_taps(),
            LayerArch::AvgPool(p) => p.window.input[0] * p.window.total_taps() + 2 * p.outputs(),
            LayerArch::Recurrent(_) => 0, // in the recurrent column group: recurrent_rows
        }
    }

    /// Rows of the main column group.
    pub fn main_rows(&self) -> usize {
        let n = self.samples;
        let layer_rows: usize = (0..self.arch.layers.len()).map(|li| n * self.layer_rows(li)).sum();
        let combine_rows = self.arch.layers.iter().filter(|l| l.is_linear()).count() * n;
        let argmax_rows = if self.score.is_mse() { super::mse::MseConfig::rows(n) } else { n * (self.arch.num_classes + 1) };
        // the model's values run beside the data values (the longer stream sets the rows)
        self.conv_rows() + self.model_values().max(self.dataset_values()) + layer_rows + combine_rows + argmax_rows + 1
    }

    /// Rows of the recurrent column group (0 without a recurrent layer).
    pub fn recurrent_rows(&self) -> usize {
        super::recurrent_rows::rows(&self.arch, self.samples)
    }

    /// Rows of the Poseidon column group.
    pub fn poseidon_rows(&self) -> usize {
        PoseidonConfig::chain_rows(self.model_elements()) + PoseidonConfig::chain_rows(self.dataset_elements())
    }

    /// The largest number of samples of `arch` under `score` whose circuit fits `2^k` rows
    /// (`None` when not even one sample fits): the largest chunk a `2^k`-row circuit proves.
    pub fn max_samples(arch: &Architecture, score: ScoreFunction, k: u32) -> Option<usize> {
        let fits = |n: usize| CircuitShape::new(arch.clone(), n).with_score(score).k() <= k;
        if !fits(1) {
            return None;
        }
        let (mut lo, mut hi) = (1usize, 1usize << 24);
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if fits(mid) {
                lo = mid
            } else {
                hi = mid - 1
            }
        }
        Some(lo)
    }

    /// The circuit size: `2^k` rows fit both column groups and the `2^b`-row lookup table.
    pub fn k(&self) -> u32 {
        let need = self
            .main_rows()
            .max(self.poseidon_rows())
            .max(self.recurrent_rows())
            .max(1usize << self.arch.fixed.value_bits)
            + BLINDING_MARGIN;
        need.next_power_of_two().trailing_zeros().max(6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_samples_is_the_largest_n_that_fits() {
        let model = crate::quantize::quantize_model(&crate::bundled::digits_model().unwrap(), FixedParams::DEFAULT).unwrap();
        let arch = model.architecture();
        for k in [16, 17] {
            let n = CircuitShape::max_samples(&arch, ScoreFunction::Top1, k).unwrap();
            assert!(CircuitShape::new(arch.clone(), n).k() <= k);
            assert!(CircuitShape::new(arch.clone(), n + 1).k() > k, "k = {k}: {n} is not the largest");
        }
        assert_eq!(CircuitShape::max_samples(&arch, ScoreFunction::Top1, 15), None, "the 2^15-row table alone needs k = 16");
    }
}
