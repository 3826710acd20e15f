//! The R1CS twin of [`crate::commit`]: the model and data set encodings and their commitments.
//!
//! Every value is allocated as the `b` bits of its slot `v + 2^(b-1)` ([`alloc_signed`]): that
//! is its range check (`b` constraints), and the packed field element
//! `sum_t slot_t 2^(b (len-1-t))` is a free linear combination of the slots. Headers are
//! constants of the shape. Hashing is [`super::poseidon::hash_chain`].

use super::convert::to_ark;
use super::num::{alloc_signed, pow2, Num};
use super::poseidon::hash_chain;
use super::ArkFr;
use crate::fixed::FixedParams;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// A value allocated for hashing: its signed value, its slot, and its sign bit.
#[derive(Clone, Debug)]
pub struct Value {
    pub value: Num,
    pub slot: Num,
    pub sign: Num,
}

/// Allocates `values` (each range-checked to `b` bits by its slot bits).
pub fn alloc_values(cs: &ConstraintSystemRef<ArkFr>, values: &[i64], fixed: FixedParams) -> Result<Vec<Value>, SynthesisError> {
    values
        .iter()
        .map(|v| {
            let (value, slot, sign) = alloc_signed(cs, *v, fixed.value_bits)?;
            Ok(Value { value, slot, sign })
        })
        .collect()
}

/// The gadget of [`crate::commit::pack`]: groups of `floor(253 / b)` slots, first slot most
/// significant. No constraints.
pub fn pack(values: &[Value], fixed: FixedParams) -> Vec<Num> {
    let slots: Vec<Num> = values.iter().map(|v| v.slot.clone()).collect();
    pack_slots(&slots, fixed.value_bits)
}

/// Packs `width`-bit slots (each already known to be in `[0, 2^width)`) into field elements,
/// `floor(253 / width)` a group, first slot most significant. No constraints.
pub fn pack_slots(slots: &[Num], width: u32) -> Vec<Num> {
    let per = (253 / width.max(1)).max(1) as usize;
    slots
        .chunks(per)
        .map(|group| {
            let len = group.len() as u32;
            Num::sum(group.iter().enumerate().map(|(t, v)| (pow2(width * (len - 1 - t as u32)), v)))
        })
        .collect()
}

/// The commitment `hash_chain(header ++ pack(values))`.
pub fn commitment(cs: &ConstraintSystemRef<ArkFr>, header: &[crate::field::Fr], values: &[Value], fixed: FixedParams) -> Result<Num, SynthesisError> {
    let mut elements: Vec<Num> = header.iter().map(|h| Num::constant(to_ark(h))).collect();
    elements.extend(pack(values, fixed));
    hash_chain(cs, &elements)
}
