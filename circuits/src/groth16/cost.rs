//! The size of the Groth16 circuit of a shape, by formula (a test checks it against synthesis).
//!
//! With `b` value bits, `s` scale bits, `F` features, `C` classes, `N` samples and dense layers
//! `(in_l, out_l, relu_l)`:
//! * per sample: `(F + 1) b` (data bits) `+ sum_l out_l (b + s + relu_l)` (rescale, ReLU)
//!   `+ sum_l (in_l + out_l)` (Freivalds) `+ C (b + 2) + 3` (argmax and label check);
//! * once: `b` per model parameter, `sum_l (in_l out_l - in_l)` (Freivalds' `W v` and `u^T X`
//!   corrections), the challenge's powers `(N - 2) + 1 + (out_max - 2)`, 4 equalities;
//! * hash chains: 243 constraints per Poseidon permutation, one permutation per two message
//!   elements, over the model, the data set and the challenge transcript (both commitments and
//!   the packed `(b + s)`-bit accumulator slots).

use super::{argmax, dense, freivalds, poseidon};
use crate::halo2::CircuitShape;
use crate::layers::LayerArch;
use crate::model::LayerShape;
use serde::{Deserialize, Serialize};

/// Constraint counts of one shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConstraintCount {
    /// Everything.
    pub total: usize,
    /// Per sample, without hashing (data bits, rescale, ReLU, Freivalds, argmax, label check).
    pub per_sample: usize,
    /// One Poseidon permutation.
    pub per_permutation: usize,
    /// Poseidon permutations in the three hash chains (model, data set, challenge).
    pub permutations: usize,
    /// The model's range checks (its hash chain is in `permutations`).
    pub model_bits: usize,
}

impl ConstraintCount {
    /// The counts of `shape` (meaningful for the shapes [`super::support::dense_layers`] accepts;
    /// other layers are left out of the count).
    pub fn of(shape: &CircuitShape) -> Self {
        let arch = &shape.arch;
        let dense = dense_shapes(shape);
        let fixed = arch.fixed;
        let n = shape.samples;
        let b = fixed.value_bits as usize;
        let per_sample = (arch.input_dim + 1) * b
            + dense.iter().map(|l| dense::constraints(l, fixed) + l.inputs + l.outputs).sum::<usize>()
            + argmax::constraints(arch.num_classes, fixed);
        let freivalds: usize = dense.iter().map(|l| freivalds::constraints(l, n)).sum();
        let freivalds_once = freivalds - n * dense.iter().map(|l| l.inputs + l.outputs).sum::<usize>();
        let max_out = dense.iter().map(|l| l.outputs).max().unwrap_or(1);
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
        let slots = shape.samples * dense_shapes(shape).iter().map(|l| l.outputs).sum::<usize>();
        2 + slots.div_ceil((253 / (fixed.value_bits + fixed.scale_bits)) as usize)
    }

    /// Per sample including its share of the data set's and the transcript's hash chains.
    pub fn per_sample_amortised(&self, shape: &CircuitShape) -> f64 {
        let perms = poseidon::chain_permutations(shape.dataset_elements()) + poseidon::chain_permutations(Self::transcript_elements(shape));
        self.per_sample as f64 + (perms * self.per_permutation) as f64 / shape.samples.max(1) as f64
    }
}

/// The dense layers of `shape` (all of them for a shape the circuit supports).
fn dense_shapes(shape: &CircuitShape) -> Vec<LayerShape> {
    shape.arch.layers.iter().filter_map(|l| if let LayerArch::Dense(d) = l { Some(*d) } else { None }).collect()
}
