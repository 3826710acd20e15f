//! The R1CS twin of one dense layer of [`crate::eval::eval_sample`] with the rescale and ReLU of
//! [`crate::fixed`], for one sample. The matrix product itself is checked for all samples at
//! once by [`super::freivalds`].
//!
//! Per output `j`, with `s` scale bits and `b` value bits:
//! * `z` is allocated as `b` slot bits (its range check) and `rem` as `s` bits (`rem in [0, 2^s)`);
//! * the accumulator is not a variable: it *is* the linear combination `z 2^s + rem - 2^(s-1)`,
//!   which is exactly the rescale rule `z = floor((acc + 2^(s-1)) / 2^s)`;
//! * its `(b + s)`-bit slot `z_slot 2^s + rem` is what the layer-values commitment packs (free);
//! * ReLU: the top slot bit of `z` is 1 iff `z >= 0`, so `out = top * z` (one constraint).
//!
//! Cost per output: `b + s (+ 1 with ReLU)` constraints.

use super::num::{alloc_bits, alloc_signed, mul, pow2, Num};
use super::ArkFr;
use crate::eval::LayerValues;
use crate::fixed::FixedParams;
use crate::model::LayerShape;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// One output of a layer for one sample.
#[derive(Clone, Debug)]
pub struct Output {
    /// `sum_i x_i w_ij + b_j 2^s`, as `z 2^s + rem - 2^(s-1)`.
    pub acc: Num,
    /// `z_slot 2^s + rem` in `[0, 2^(b+s))`: the accumulator's slot, for hashing.
    pub slot: Num,
    /// `relu(z)` or `z`: the next layer's input.
    pub out: Num,
}

/// Allocates the layer's recorded `values` (`z`, `rem` of the trace) for one sample and returns
/// its outputs.
pub fn rescale_relu(cs: &ConstraintSystemRef<ArkFr>, shape: &LayerShape, fixed: FixedParams, values: &LayerValues) -> Result<Vec<Output>, SynthesisError> {
    let (s, b) = (fixed.scale_bits, fixed.value_bits);
    let mut outputs = Vec::with_capacity(shape.outputs);
    for j in 0..shape.outputs {
        let z_val = values.z.get(j).copied().unwrap_or(0);
        let rem_val = values.rem.get(j).copied().unwrap_or(0);
        let (z, z_slot, sign) = alloc_signed(cs, z_val, b)?;
        let (_, rem) = alloc_bits(cs, rem_val as i128, s)?;
        let acc = z.scale(pow2(s)).add(&rem).add_const(-pow2(s - 1));
        let slot = z_slot.scale(pow2(s)).add(&rem);
        let out = if shape.relu { mul(cs, &sign, &z)? } else { z };
        outputs.push(Output { acc, slot, out });
    }
    Ok(outputs)
}

/// Constraints of one layer's rescale and ReLU for one sample.
pub fn constraints(shape: &LayerShape, fixed: FixedParams) -> usize {
    shape.outputs * ((fixed.value_bits + fixed.scale_bits) as usize + shape.relu as usize)
}
