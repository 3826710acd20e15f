//! The size of the Groth16 circuit of a shape, by formula (a test checks it against synthesis).
//!
//! With `b` value bits, `s` scale bits, `F` features, `C` classes, `N` samples:
//! * per sample: `(F + 1) b` (data bits); per linear (dense or conv) layer `out (b + s + relu)`
//!   (rescale, ReLU) and its product: by Freivalds' test `in' + out` (`in'` the inputs some
//!   output reads), tap by tap `nnz` (a conv layer's non-zero expanded entries: taps times
//!   channels times positions); per max-pool output with `T` taps `T b + T - 1`; per
//!   average-pool output `b + m` or `b + 2m` (the remainder's range, [`super::pool`]); per
//!   recurrent layer [`super::recurrent::constraints`] (every product, rescale and one-hot
//!   activation of every step: 2,095,744 a sample for the bundled MNIST LSTM at `(b, s) = (15, 8)`); then
//!   top-1: `C (b + 2) + 3` (argmax, label check), or top-k: `C (b + 4) + 4 + m`
//!   ([`super::topk`]), or mse: 1 (the square, [`super::mse`]);
//! * once: `b` per model parameter, per Freivalds layer `nnz - f` (its `W v`,
//!   [`super::freivalds`]: `in out - in` for a dense layer), the challenge's powers
//!   `(N - 2) + 1 + (out_max - 2)` over the Freivalds layers, 4 equalities (for mse the last is
//!   the mean's relation), and for mse the mean's range checks `2 m + 2 b` (`2^m >= N`);
//! * hash chains: 243 constraints per Poseidon permutation, one permutation per two message
//!   elements, over the model, the data set and the challenge transcript (both commitments and
//!   the packed `(b + s)`-bit accumulator slots of every Freivalds layer).
//!
//! Conv layers, measured: Freivalds' test over the expanded matrix makes the structural zeros
//! free and costs the weights once for all samples, but it hashes every output's accumulator
//! slot into the challenge (about `243 / (2 floor(253 / (b + s)))` constraints an output: 11 at
//! `b + s = 23`), while tap by tap costs `nnz` a sample and no hashing. [`conv::by_freivalds`]
//! picks the cheaper per layer from the shape: for the PyTorch digits CNN (b = 15, s = 8) the
//! first conv (1 -> 6 channels, 3x3 on 8x8, 384 outputs, 2,904 taps) goes tap by tap (2,904 a
//! sample against 448 + 4,242 hashing), the second (6 -> 8, stride 2, 32 outputs, 1,200 taps)
//! by Freivalds (128 + 354). Dense layers always take Freivalds' test.

use super::freivalds::Sparsity;
use super::{argmax, conv, dense, freivalds, mse, pool, poseidon, recurrent, topk};
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
                LayerArch::Recurrent(r) => recurrent::constraints(r, fixed),
                LayerArch::Dense(_) | LayerArch::Conv(_) => dense::constraints(&LayerShape { inputs: l.inputs(), outputs: l.outputs(), relu: l.relu() }, fixed),
            };
            match Sparsity::of(l) {
                Some(m) if conv::by_freivalds(l, fixed) => {
                    layers += m.per_sample();
                    freivalds_once += m.constraints(n) - n * m.per_sample();
                }
                Some(m) => layers += conv::constraints(&m),
                None => {}
            }
        }
        let (score, score_once) = match shape.score {
            ScoreFunction::Top1 => (argmax::constraints(arch.num_classes, fixed), 0),
            ScoreFunction::TopK { .. } => (topk::constraints(arch.num_classes, fixed), 0),
            // the mean's relation takes the place of the count's equality, one of the 4 below
            ScoreFunction::Mse => (mse::PER_SAMPLE, mse::constraints_once(n, fixed) - 1),
        };
        let per_sample = (arch.input_dim + 1) * b + layers + score;
        let max_out = arch.layers.iter().filter(|l| conv::by_freivalds(l, fixed)).map(|l| l.outputs()).max().unwrap_or(1);
        let permutations = poseidon::chain_permutations(shape.model_elements())
            + poseidon::chain_permutations(shape.dataset_elements())
            + poseidon::chain_permutations(Self::transcript_elements(shape));
        let model_bits = shape.model_values() * b;
        let total = n * per_sample
            + freivalds_once
            + freivalds::Powers::constraints(n, max_out)
            + permutations * poseidon::PERMUTATION_CONSTRAINTS
            + model_bits
            + score_once
            + 4;
        ConstraintCount { total, per_sample, per_permutation: poseidon::PERMUTATION_CONSTRAINTS, permutations, model_bits }
    }

    /// Message elements of the challenge transcript: two commitments and the packed slots.
    pub fn transcript_elements(shape: &CircuitShape) -> usize {
        let fixed = shape.arch.fixed;
        let slots = shape.samples * shape.arch.layers.iter().filter(|l| conv::by_freivalds(l, fixed)).map(|l| l.outputs()).sum::<usize>();
        2 + slots.div_ceil((253 / (fixed.value_bits + fixed.scale_bits)) as usize)
    }

    /// Per sample including its share of the data set's and the transcript's hash chains.
    pub fn per_sample_amortised(&self, shape: &CircuitShape) -> f64 {
        let perms = poseidon::chain_permutations(shape.dataset_elements()) + poseidon::chain_permutations(Self::transcript_elements(shape));
        self.per_sample as f64 + (perms * self.per_permutation) as f64 / shape.samples.max(1) as f64
    }
}
