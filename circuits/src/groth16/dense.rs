//! The R1CS twin of one dense layer of [`crate::eval::eval_sample`] with the rescale and ReLU of
//! [`crate::fixed`], for one sample.
//!
//! Per output `j`, with `s` scale bits and `b` value bits:
//! * `z` is allocated as `b` slot bits (its range check) and `rem` as `s` bits (`rem in [0, 2^s)`);
//! * the accumulator is not a variable: it *is* the linear combination `z 2^s + rem - 2^(s-1)`,
//!   which is exactly the rescale rule `z = floor((acc + 2^(s-1)) / 2^s)`;
//! * `acc = sum_i x_i w_ij + b_j 2^s` costs one product per weight (the last product's
//!   constraint carries the whole sum);
//! * ReLU: the top slot bit of `z` is 1 iff `z >= 0`, so `out = top * z` (one constraint).
//!
//! Cost per output: `inputs + b + s (+ 1 with ReLU)` constraints.

use super::num::{alloc_bits, alloc_signed, enforce_product, mul, pow2, Num};
use super::ArkFr;
use crate::eval::LayerValues;
use crate::fixed::FixedParams;
use crate::model::LayerShape;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// The layer's parameters as circuit values: `w[i * outputs + j]` (row-major) and the biases.
pub struct LayerParams<'a> {
    pub shape: LayerShape,
    pub weights: &'a [Num],
    pub bias: &'a [Num],
}

/// Enforces the layer on inputs `x` with the recorded `values` (`z`, `rem`, `out` of the trace)
/// and returns the outputs (`relu(z)` or `z`).
pub fn dense(cs: &ConstraintSystemRef<ArkFr>, layer: &LayerParams<'_>, fixed: FixedParams, x: &[Num], values: &LayerValues) -> Result<Vec<Num>, SynthesisError> {
    let (s, b) = (fixed.scale_bits, fixed.value_bits);
    let shape = layer.shape;
    if shape.inputs == 0 || x.len() != shape.inputs || layer.weights.len() != shape.inputs * shape.outputs || layer.bias.len() != shape.outputs {
        return Err(SynthesisError::Unsatisfiable);
    }
    let mut out = Vec::with_capacity(shape.outputs);
    for j in 0..shape.outputs {
        let z_val = values.z.get(j).copied().unwrap_or(0);
        let rem_val = values.rem.get(j).copied().unwrap_or(0);
        let (z, _, sign) = alloc_signed(cs, z_val, b)?;
        let (_, rem) = alloc_bits(cs, rem_val as i128, s)?;
        // acc = z 2^s + rem - 2^(s-1): the rescale rule, for free
        let acc = z.scale(pow2(s)).add(&rem).add_const(-pow2(s - 1));
        // acc - b_j 2^s = sum_i x_i w_ij
        let mut rest = acc.sub(&layer.bias[j].scale(pow2(s)));
        for i in 0..shape.inputs - 1 {
            let p = mul(cs, &x[i], &layer.weights[i * shape.outputs + j])?;
            rest = rest.sub(&p);
        }
        let last = shape.inputs - 1;
        enforce_product(cs, &x[last], &layer.weights[last * shape.outputs + j], &rest)?;
        if shape.relu {
            out.push(mul(cs, &sign, &z)?);
        } else {
            out.push(z);
        }
    }
    Ok(out)
}

/// Constraints of one layer for one sample.
pub fn constraints(shape: &LayerShape, fixed: FixedParams) -> usize {
    let per_output = shape.inputs + (fixed.value_bits + fixed.scale_bits) as usize + shape.relu as usize;
    shape.outputs * per_output
}

