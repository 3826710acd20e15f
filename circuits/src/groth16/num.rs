//! The building block of every gadget: a linear combination of R1CS variables together with its
//! value under the witness. Linear combinations are free in R1CS; only [`mul`] and the bit
//! gadgets ([`alloc_bits`], [`enforce_bits`]) add constraints (one per product or bit).

use super::convert::ark_from_i64;
use super::ArkFr;
use ark_ff::{Field, One, Zero};
use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};

/// A linear combination and its value.
#[derive(Clone, Debug)]
pub struct Num {
    pub lc: LinearCombination<ArkFr>,
    pub val: ArkFr,
}

impl Num {
    /// A constant (no variable, no constraint).
    pub fn constant(c: ArkFr) -> Num {
        Num { lc: LinearCombination::from((c, Variable::One)), val: c }
    }

    /// A fresh witness variable.
    pub fn witness(cs: &ConstraintSystemRef<ArkFr>, val: ArkFr) -> Result<Num, SynthesisError> {
        let v = cs.new_witness_variable(|| Ok(val))?;
        Ok(Num { lc: LinearCombination::from(v), val })
    }

    /// A variable (public input or witness) with a known value.
    pub fn from_var(v: Variable, val: ArkFr) -> Num {
        Num { lc: LinearCombination::from(v), val }
    }

    /// `self + other`.
    pub fn add(&self, other: &Num) -> Num {
        Num { lc: &self.lc + &other.lc, val: self.val + other.val }
    }

    /// `self - other`.
    pub fn sub(&self, other: &Num) -> Num {
        Num { lc: &self.lc - &other.lc, val: self.val - other.val }
    }

    /// `c * self`.
    pub fn scale(&self, c: ArkFr) -> Num {
        Num { lc: &self.lc * c, val: self.val * c }
    }

    /// `self + c`.
    pub fn add_const(&self, c: ArkFr) -> Num {
        Num { lc: self.lc.clone() + (c, Variable::One), val: self.val + c }
    }

    /// `sum_k c_k x_k` over `terms`.
    pub fn sum<'a>(terms: impl IntoIterator<Item = (ArkFr, &'a Num)>) -> Num {
        let mut acc = Num { lc: LinearCombination::zero(), val: ArkFr::zero() };
        for (c, x) in terms {
            acc = Num { lc: acc.lc + (c, &x.lc), val: acc.val + c * x.val };
        }
        acc
    }
}

/// `2^k` in the field.
pub fn pow2(k: u32) -> ArkFr {
    ArkFr::from(2u64).pow([k as u64])
}

/// `a * b` as a fresh variable (one constraint).
pub fn mul(cs: &ConstraintSystemRef<ArkFr>, a: &Num, b: &Num) -> Result<Num, SynthesisError> {
    let c = Num::witness(cs, a.val * b.val)?;
    cs.enforce_r1cs_constraint(|| a.lc.clone(), || b.lc.clone(), || c.lc.clone())?;
    Ok(c)
}

/// Enforces `a * b = c` (one constraint).
pub fn enforce_product(cs: &ConstraintSystemRef<ArkFr>, a: &Num, b: &Num, c: &Num) -> Result<(), SynthesisError> {
    cs.enforce_r1cs_constraint(|| a.lc.clone(), || b.lc.clone(), || c.lc.clone())
}

/// Enforces `a = b` (one constraint).
pub fn enforce_equal(cs: &ConstraintSystemRef<ArkFr>, a: &Num, b: &Num) -> Result<(), SynthesisError> {
    cs.enforce_r1cs_constraint(|| &a.lc - &b.lc, || LinearCombination::from(Variable::One), LinearCombination::zero)
}

/// Enforces `x * (x - 1) = 0` (one constraint).
pub fn enforce_boolean(cs: &ConstraintSystemRef<ArkFr>, x: &Num) -> Result<(), SynthesisError> {
    cs.enforce_r1cs_constraint(|| x.lc.clone(), || x.lc.clone() - (ArkFr::one(), Variable::One), LinearCombination::zero)
}

/// Allocates the `n` low bits of `value` (least significant first) as boolean variables
/// (`n` constraints) and returns them with their weighted sum `sum_k 2^k bit_k`, a value in
/// `[0, 2^n)` by construction. A value that does not fit is truncated: whatever the prover
/// writes, the sum is in range, and the constraints that use it catch the difference.
pub fn alloc_bits(cs: &ConstraintSystemRef<ArkFr>, value: i128, n: u32) -> Result<(Vec<Num>, Num), SynthesisError> {
    let mut bits = Vec::with_capacity(n as usize);
    for k in 0..n {
        let bit = Num::witness(cs, ArkFr::from(((value >> k) & 1) as u64))?;
        enforce_boolean(cs, &bit)?;
        bits.push(bit);
    }
    let sum = Num::sum(bits.iter().enumerate().map(|(k, b)| (pow2(k as u32), b)));
    Ok((bits, sum))
}

/// Allocates a `b`-bit signed value `v` as the bits of its slot `v + 2^(b-1)` (`b`
/// constraints). Returns the value and its sign bit (1 iff `v >= 0`).
pub fn alloc_signed(cs: &ConstraintSystemRef<ArkFr>, v: i64, b: u32) -> Result<(Num, Num, Num), SynthesisError> {
    let offset = 1i128 << (b - 1);
    let (bits, slot) = alloc_bits(cs, v as i128 + offset, b)?;
    let value = slot.add_const(-ark_from_i64(offset as i64));
    let sign = bits.last().cloned().unwrap_or_else(|| Num::constant(ArkFr::zero()));
    Ok((value, slot, sign))
}

/// Enforces `x in [0, 2^n)` for `n >= 1` with `n` constraints: `n - 1` allocated bits, and the top
/// bit `(x - sum_{k<n-1} 2^k bit_k) / 2^(n-1)` constrained boolean without a variable of its own.
pub fn enforce_bits(cs: &ConstraintSystemRef<ArkFr>, x: &Num, n: u32) -> Result<(), SynthesisError> {
    let value = x.val.into_bigint_u128();
    let (_, low) = alloc_bits(cs, value as i128, n - 1)?;
    let inv = pow2(n - 1).inverse().ok_or(SynthesisError::DivisionByZero)?;
    let top = x.sub(&low).scale(inv);
    enforce_boolean(cs, &top)
}

/// The low 128 bits of a field element's canonical integer (enough for every bounded value).
trait LowBits {
    fn into_bigint_u128(self) -> u128;
}

impl LowBits for ArkFr {
    fn into_bigint_u128(self) -> u128 {
        use ark_ff::PrimeField;
        let limbs = self.into_bigint().0;
        limbs[0] as u128 | (limbs[1] as u128) << 64
    }
}
