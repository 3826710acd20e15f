//! The R1CS twin of [`crate::poseidon`]: circomlib's Poseidon permutation (t = 3, 8 full + 57
//! partial rounds, x^5) with the project's one set of constants, and zkpot's hash chain.
//!
//! Cost: an S-box `x^5` is three products (`x^2`, `x^4`, `x^5`); round constants and the MDS
//! matrix are linear, so they only reshape linear combinations. 8 * 3 + 57 = 81 S-boxes make
//! [`PERMUTATION_CONSTRAINTS`] = 243 constraints per permutation.

use super::convert::to_ark;
use super::num::{mul, Num};
use super::ArkFr;
use crate::poseidon::{constants, is_full_round, ROUNDS, WIDTH};
use ark_ff::Zero;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use std::sync::OnceLock;

/// Constraints of one permutation.
pub const PERMUTATION_CONSTRAINTS: usize = 243;

/// The native constants, converted once to the arkworks field.
struct ArkConstants {
    rc: Vec<[ArkFr; WIDTH]>,
    mds: [[ArkFr; WIDTH]; WIDTH],
}

fn ark_constants() -> &'static ArkConstants {
    static C: OnceLock<ArkConstants> = OnceLock::new();
    C.get_or_init(|| {
        let c = constants();
        ArkConstants {
            rc: c.rc.iter().map(|r| r.map(|x| to_ark(&x))).collect(),
            mds: c.mds.map(|row| row.map(|x| to_ark(&x))),
        }
    })
}

/// `x^5` (three constraints).
fn sbox(cs: &ConstraintSystemRef<ArkFr>, x: &Num) -> Result<Num, SynthesisError> {
    let x2 = mul(cs, x, x)?;
    let x4 = mul(cs, &x2, &x2)?;
    mul(cs, &x4, x)
}

/// The permutation: the gadget of [`crate::poseidon::permute`].
pub fn permute(cs: &ConstraintSystemRef<ArkFr>, mut state: [Num; WIDTH]) -> Result<[Num; WIDTH], SynthesisError> {
    let c = ark_constants();
    for r in 0..ROUNDS {
        let mut s: Vec<Num> = state.iter().zip(c.rc[r].iter()).map(|(x, k)| x.add_const(*k)).collect();
        if is_full_round(r) {
            for x in s.iter_mut() {
                *x = sbox(cs, x)?;
            }
        } else {
            s[0] = sbox(cs, &s[0])?;
        }
        state = std::array::from_fn(|i| Num::sum((0..WIDTH).map(|j| (c.mds[i][j], &s[j]))));
    }
    Ok(state)
}

/// The gadget of [`crate::poseidon::hash_chain`]: pad to even length with a zero, then
/// `h <- permute([h, m_2i, m_2i+1])[0]` from `h = 0`.
pub fn hash_chain(cs: &ConstraintSystemRef<ArkFr>, elements: &[Num]) -> Result<Num, SynthesisError> {
    let mut h = Num::constant(ArkFr::zero());
    for pair in elements.chunks(2) {
        let b = pair.get(1).cloned().unwrap_or_else(|| Num::constant(ArkFr::zero()));
        let [out, _, _] = permute(cs, [h, pair[0].clone(), b])?;
        h = out;
    }
    Ok(h)
}

/// Permutations a hash chain over `elements` message elements takes.
pub fn chain_permutations(elements: usize) -> usize {
    elements.div_ceil(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Fr;
    use ark_relations::gr1cs::ConstraintSystem;

    #[test]
    fn gadget_matches_native_and_costs_243() {
        let cs = ConstraintSystem::<ArkFr>::new_ref();
        let input = [Fr::from(7u64), Fr::from(1u64), Fr::from(2u64)];
        let state = input.map(|x| Num::witness(&cs, to_ark(&x)).unwrap());
        let out = permute(&cs, state).unwrap();
        let native = crate::poseidon::permute(input);
        for i in 0..WIDTH {
            assert_eq!(out[i].val, to_ark(&native[i]));
        }
        assert_eq!(cs.num_constraints(), PERMUTATION_CONSTRAINTS);
        assert!(cs.is_satisfied().unwrap());
    }

    #[test]
    fn chain_matches_native() {
        let cs = ConstraintSystem::<ArkFr>::new_ref();
        let msg: Vec<Fr> = (1..6u64).map(Fr::from).collect();
        let nums: Vec<Num> = msg.iter().map(|x| Num::witness(&cs, to_ark(x)).unwrap()).collect();
        let h = hash_chain(&cs, &nums).unwrap();
        assert_eq!(h.val, to_ark(&crate::poseidon::hash_chain(&msg)));
        assert_eq!(cs.num_constraints(), 3 * PERMUTATION_CONSTRAINTS);
        assert!(cs.is_satisfied().unwrap());
    }
}
