//! A conv layer's products, constrained tap by tap: the alternative to Freivalds' test
//! ([`super::freivalds`]) for the conv layers where it is cheaper, chosen per layer by
//! [`by_freivalds`] from the shape alone.
//!
//! Per sample and output `j`: `acc_j - 2^s b_oc = sum over the taps of x_k w_t`, one product a
//! tap, the last folded into the equality (a window without taps would cost one equality; the
//! window rule never makes one). That is `nnz` constraints a sample, `nnz` the non-zero entries
//! of the expanded matrix, and nothing once. Freivalds' test costs `in' + out` a sample plus
//! hashing the layer's `out` accumulator slots into the challenge (243 constraints per two
//! packed elements of `floor(253 / (b + s))` slots), plus `nnz - f` once: a wide, shallow
//! convolution (few taps per output, many outputs) is cheaper tap by tap, a deep one by
//! Freivalds. Dense layers always take Freivalds' test. The accumulators of a tap-by-tap layer
//! are not hashed: they are fixed by the bound inputs and weights, so the challenge need not
//! depend on them.

use super::freivalds::Sparsity;
use super::num::{enforce_equal, enforce_product, mul, pow2, Num};
use super::poseidon::PERMUTATION_CONSTRAINTS;
use super::ArkFr;
use crate::fixed::FixedParams;
use crate::layers::LayerArch;
use ark_ff::One;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// Whether a linear layer's product is checked by Freivalds' test (dense layers always; a conv
/// layer when that costs fewer constraints a sample than its taps, see the module doc) rather
/// than tap by tap; false for pooling.
pub fn by_freivalds(layer: &LayerArch, fixed: FixedParams) -> bool {
    match (layer, Sparsity::of(layer)) {
        (LayerArch::Dense(_), _) => true,
        (LayerArch::Conv(_), Some(m)) => {
            let per_element = (253 / (fixed.value_bits + fixed.scale_bits)) as usize;
            let hashing = (m.outputs * PERMUTATION_CONSTRAINTS).div_ceil(2 * per_element);
            m.per_sample() + hashing < m.entries
        }
        _ => false,
    }
}

/// Per output of a linear layer, its `(input, weight)` entries.
pub type Columns = Vec<Vec<(usize, Num)>>;

/// The columns of an expanded matrix `w[k * out + j]`.
pub fn columns(w: &[Option<Num>], outputs: usize) -> Columns {
    let mut cols = vec![Vec::new(); outputs];
    for (e, entry) in w.iter().enumerate() {
        if let Some(wkj) = entry {
            cols[e % outputs].push((e / outputs, wkj.clone()));
        }
    }
    cols
}

/// Enforces `acc_j = 2^s bias_j + sum_k x_k w_kj` for one sample, output by output.
pub fn check_taps(cs: &ConstraintSystemRef<ArkFr>, cols: &[Vec<(usize, Num)>], scale_bits: u32, x: &[Num], bias: &[Num], acc: &[Num]) -> Result<(), SynthesisError> {
    if bias.len() != cols.len() || acc.len() != cols.len() {
        return Err(SynthesisError::Unsatisfiable);
    }
    let one = ArkFr::one();
    for ((col, b), a) in cols.iter().zip(bias).zip(acc) {
        let target = a.sub(&b.scale(pow2(scale_bits)));
        let Some(((k_last, w_last), rest)) = col.split_last() else {
            enforce_equal(cs, &target, &Num::constant(ArkFr::from(0u64)))?;
            continue;
        };
        let mut products = Vec::with_capacity(rest.len());
        for (k, w) in rest {
            products.push(mul(cs, x.get(*k).ok_or(SynthesisError::Unsatisfiable)?, w)?);
        }
        let remaining = target.sub(&Num::sum(products.iter().map(|p| (one, p))));
        enforce_product(cs, x.get(*k_last).ok_or(SynthesisError::Unsatisfiable)?, w_last, &remaining)?;
    }
    Ok(())
}

/// Constraints of [`check_taps`] for one sample of a layer with this pattern (every output of a
/// conv layer has a tap, so one per entry).
pub fn constraints(m: &Sparsity) -> usize {
    m.entries
}
