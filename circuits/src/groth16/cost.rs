//! The size of the Groth16 circuit of a shape, by formula (a test checks it against synthesis).
//!
//! With `b` value bits, `s` scale bits, `F` features, `C` classes and dense layers
//! `(in_l, out_l, relu_l)`:
//! * per sample: `(F + 1) b` (data bits) `+ sum_l out_l (in_l + b + s + relu_l)` (dense,
//!   rescale, ReLU) `+ C (b + 2) + 3` (argmax and label check);
//! * the model: `b` per parameter, plus its hash chain;
//! * hash chains: 243 constraints per Poseidon permutation, one permutation per two message
//!   elements (the data set's amortise to `(F + 1) / (2 floor(253 / b))` permutations a sample);
//! * 4 equalities with the public inputs.

use super::{argmax, dense, poseidon};
use crate::halo2::CircuitShape;
use serde::{Deserialize, Serialize};

/// Constraint counts of one shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConstraintCount {
    /// Everything.
    pub total: usize,
    /// Per sample, without the data set's hash chain (data bits, layers, argmax, label check).
    pub per_sample: usize,
    /// One Poseidon permutation.
    pub per_permutation: usize,
    /// Poseidon permutations in both hash chains.
    pub permutations: usize,
    /// The model's range checks (its hash chain is in `permutations`).
    pub model_bits: usize,
}

impl ConstraintCount {
    /// The counts of `shape`.
    pub fn of(shape: &CircuitShape) -> Self {
        let arch = &shape.arch;
        let fixed = arch.fixed;
        let b = fixed.value_bits as usize;
        let per_sample = (arch.input_dim + 1) * b
            + arch.layers.iter().map(|l| dense::constraints(l, fixed)).sum::<usize>()
            + argmax::constraints(arch.num_classes, fixed);
        let permutations = poseidon::chain_permutations(shape.model_elements()) + poseidon::chain_permutations(shape.dataset_elements());
        let model_bits = shape.model_values() * b;
        let total = shape.samples * per_sample + permutations * poseidon::PERMUTATION_CONSTRAINTS + model_bits + 4;
        ConstraintCount { total, per_sample, per_permutation: poseidon::PERMUTATION_CONSTRAINTS, permutations, model_bits }
    }

    /// Per sample including its share of the data set's hash chain.
    pub fn per_sample_amortised(&self, shape: &CircuitShape) -> f64 {
        let hash = poseidon::chain_permutations(shape.dataset_elements()) * self.per_permutation;
        self.per_sample as f64 + hash as f64 / shape.samples.max(1) as f64
    }
}
