//! The size of the Groth16 circuit of a shape, by formula (a test checks it against synthesis).
//!
//! With `b` value bits, `s` scale bits, `F` features, `C` classes, `N` samples:
//! * per sample: `(F + 1) b` (data bits); per linear (dense or conv) layer `out (b + s + relu)`
//!   (rescale, ReLU) and `in' + out` (Freivalds, `in'` the inputs some output reads); per
//!   max-pool output with `T` taps `T b + T - 1`; per average-pool output `b + m` or `b + 2m`
//!   (the remainder's range, [`super::pool`]); then top-1: `C (b + 2) + 3` (argmax, label
//!   check), or top-k: `C (b + 4) + 4 + m` ([`super::topk`]);
//! * once: `b` per model parameter, per linear layer `nnz - f` (Freivalds' `W v`, [`super::freivalds`]:
//!   `in out - in` for a dense layer; for a conv layer `nnz` is the number of non-zero entries
//!   of the expanded matrix, the taps times channels times positions), the challenge's powers
//!   `(N - 2) + 1 + (out_max - 2)`, 4 equalities;
//! * hash chains: 243 constraints per Poseidon permutation, one permutation per two message
//!   elements, over the model, the data set and the challenge transcript (both commitments and
//!   the packed `(b + s)`-bit accumulator slots of every linear layer).
//!
//! A conv layer goes through Freivalds' test over its expanded matrix because that is cheapest:
//! the structural zeros are free, so the weights cost `nnz` products once for all samples, while
//! constraining the taps directly costs `nnz` products *per sample*.

use super::freivalds::Sparsity;
use super::{argmax, dense, freivalds, pool, poseidon, topk};
use crate::halo2::CircuitShape;
use crate::layers::LayerArch;
use crate::model::LayerShape;
use crate::score::ScoreFunction;
use serde::{Deserialize, Serialize};

/// Constraint counts of one shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConstraintCount {
    /// Everything.
    pub total: usize,
    /// Per sample, without hashing (data bits, layers, Freivalds, score function).
    pub per_sample: usize,
    /// One Poseidon permutation.
    pub per_permutation: usize,
    /// Poseidon permutations in the three hash chains (model, data set, challenge).
    pub permutations: usize,
    /// The model's range checks (its hash chain is in `permutations`).
    pub model_bits: usize,
}

impl ConstraintCount {
    /// The counts of `shape` (for the shapes [`super::support::check`] accepts).
    pub fn of(shape: &CircuitShape) -> Self {
        let arch = &shape.arch;
        let fixed = arch.fixed;
        let n = shape.samples;
        let b = fixed.value_bits as usize;
        let mut layers = 0;
        let mut freivalds_once = 0;
        for l in &arch.layers {
            layers += match l {
                LayerArch::MaxPool(p) => pool::max_constraints(p, fixed),
                LayerArch::AvgPool(p) => pool::avg_constraints(p, fixed),
                LayerArch::Dense(_) | LayerArch::Conv(_) => dense::constraints(&LayerShape { inputs: l.inputs(), outputs: l.outputs(), relu: l.relu() }, fixed),
            };
            if let Some(m) = Sparsity::of(l) {
                layers += m.per_sample();
                freivalds_once += m.constraints(n) - n * m.per_sample();
            }
        }
        let score = match shape.score {
            ScoreFunction::TopK { .. } => topk::constraints(arch.num_classes, fixed),
            _ => argmax::constraints(arch.num_classes, fixed),
        };
        let per_sample = (arch.input_dim + 1) * b + layers + score;
        let max_out = arch.layers.iter().filter(|l| l.is_linear()).map(|l| l.outputs()).max().unwrap_or(1);
        let permutations = poseidon::chain_permutations(shape.model_elements())
            + poseidon::chain_permutations(shape.dataset_elements())
            + poseidon::chain_permutations(Self::transcript_elements(shape));
        let model_bits = shape.model_values() * b;
        let total = n * per_sample
            + freivalds_once
            + freivalds::Powers::constraints(n, max_out)
            + permutations * poseidon::PERMUTATION_CONSTRAINTS
            + model_bits
            + 4;
        ConstraintCount { total, per_sample, per_permutation: poseidon::PERMUTATION_CONSTRAINTS, permutations, model_bits }
    }

    /// Message elements of the challenge transcript: two commitments and the packed slots.
    pub fn transcript_elements(shape: &CircuitShape) -> usize {
        let fixed = shape.arch.fixed;
        let slots = shape.samples * shape.arch.layers.iter().filter(|l| l.is_linear()).map(|l| l.outputs()).sum::<usize>();
        2 + slots.div_ceil((253 / (fixed.value_bits + fixed.scale_bits)) as usize)
    }

    /// Per sample including its share of the data set's and the transcript's hash chains.
    pub fn per_sample_amortised(&self, shape: &CircuitShape) -> f64 {
        let perms = poseidon::chain_permutations(shape.dataset_elements()) + poseidon::chain_permutations(Self::transcript_elements(shape));
        self.per_sample as f64 + (perms * self.per_permutation) as f64 / shape.samples.max(1) as f64
    }
}
