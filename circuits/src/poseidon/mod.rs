//! Poseidon over the BN254 scalar field with circomlib's parameters (t = 3, 8 full + 57 partial
//! rounds, x^5), defined once here natively; the halo2 gadget in `chip.rs` beside it must agree
//! with [`permute`] (tests check both against circomlibjs vectors).
//!
//! [`hash_chain`] is how zkpot hashes a sequence: pad with one zero to even length, then
//! `h <- poseidon([m_2i, m_2i+1], initState = h)` from `h = 0`, i.e. circomlibjs's
//! `poseidon([a, b], h)`, so any circomlib-compatible tool can recompute a commitment.

pub mod chip;
pub mod constants;

use crate::field::{fr_from_hex, Fr};
use halo2_proofs::halo2curves::ff::Field;
use std::sync::OnceLock;

/// State width.
pub const WIDTH: usize = 3;
/// Total rounds.
pub const ROUNDS: usize = constants::FULL_ROUNDS + constants::PARTIAL_ROUNDS;

/// Parsed constants: round constants (`ROUNDS x WIDTH`) and the MDS matrix, and the same round
/// constants *folded* (see [`fold_partial_constants`]).
pub struct Constants {
    pub rc: Vec<[Fr; WIDTH]>,
    pub mds: [[Fr; WIDTH]; WIDTH],
    pub folded: Vec<[Fr; WIDTH]>,
}

/// The constants, parsed once.
pub fn constants() -> &'static Constants {
    static CONSTANTS: OnceLock<Constants> = OnceLock::new();
    CONSTANTS.get_or_init(|| {
        let parse = |s: &str| {
            let digits = s.trim_start_matches("0x");
            fr_from_hex(&format!("{digits:0>64}")).expect("embedded Poseidon constant is canonical")
        };
        let rc: Vec<[Fr; WIDTH]> = (0..ROUNDS)
            .map(|r| std::array::from_fn(|i| parse(constants::ROUND_CONSTANTS[r * WIDTH + i])))
            .collect();
        let mds = std::array::from_fn(|i| std::array::from_fn(|j| parse(constants::MDS[i][j])));
        let folded = fold_partial_constants(&rc, &mds);
        Constants { rc, mds, folded }
    })
}

/// Whether round `r` is a full round (S-box on every lane).
pub fn is_full_round(r: usize) -> bool {
    let half = constants::FULL_ROUNDS / 2;
    r < half || r >= half + constants::PARTIAL_ROUNDS
}

/// `x^5`.
pub fn pow5(x: Fr) -> Fr {
    let x2 = x.square();
    x2.square() * x
}

/// One round: add constants, S-box, MDS.
pub fn round(state: &[Fr; WIDTH], r: usize) -> [Fr; WIDTH] {
    round_with(&constants().rc[r], state, r)
}

/// Round `r` with the round constants `k`: add them, S-box (all lanes in a full round, lane 0
/// in a partial one), MDS.
fn round_with(k: &[Fr; WIDTH], state: &[Fr; WIDTH], r: usize) -> [Fr; WIDTH] {
    let mds = &constants().mds;
    let mut s: [Fr; WIDTH] = std::array::from_fn(|i| state[i] + k[i]);
    if is_full_round(r) {
        s = s.map(pow5);
    } else {
        s[0] = pow5(s[0]);
    }
    std::array::from_fn(|i| (0..WIDTH).fold(Fr::ZERO, |acc, j| acc + mds[i][j] * s[j]))
}

/// An equivalent set of round constants in which every partial round adds a constant to lane 0
/// only. A partial round adds `c = (c_0, c_1, c_2)`, applies the S-box to lane 0 alone and mixes
/// with `M`; the part `(0, c_1, c_2)` goes through the S-box untouched, so adding it before the
/// round is the same as adding `M (0, c_1, c_2)` after it, i.e. to the next round's constants.
/// Carried through all partial rounds, what is left lands on the first full round after them.
/// The permutation is unchanged ([`permute`] and [`permute_folded`] agree, tested); only the
/// intermediate states differ, which lets the halo2 chip keep 3 constant columns instead of 6.
pub fn fold_partial_constants(rc: &[[Fr; WIDTH]], mds: &[[Fr; WIDTH]; WIDTH]) -> Vec<[Fr; WIDTH]> {
    let mut out = rc.to_vec();
    let mut carry = [Fr::ZERO; WIDTH];
    for (r, c) in out.iter_mut().enumerate() {
        for i in 0..WIDTH {
            c[i] += carry[i];
        }
        carry = [Fr::ZERO; WIDTH];
        if !is_full_round(r) {
            let moved = [Fr::ZERO, c[1], c[2]];
            carry = std::array::from_fn(|i| (0..WIDTH).fold(Fr::ZERO, |acc, j| acc + mds[i][j] * moved[j]));
            c[1] = Fr::ZERO;
            c[2] = Fr::ZERO;
        }
    }
    out
}

/// One round with the folded constants (the halo2 chip's intermediate states).
pub fn round_folded(state: &[Fr; WIDTH], r: usize) -> [Fr; WIDTH] {
    round_with(&constants().folded[r], state, r)
}

/// The permutation computed with the folded constants: equal to [`permute`].
pub fn permute_folded(mut state: [Fr; WIDTH]) -> [Fr; WIDTH] {
    for r in 0..ROUNDS {
        state = round_folded(&state, r);
    }
    state
}

/// The full permutation.
pub fn permute(mut state: [Fr; WIDTH]) -> [Fr; WIDTH] {
    for r in 0..ROUNDS {
        state = round(&state, r);
    }
    state
}

/// circomlib's `poseidon([a, b], init)`: the first lane of `permute([init, a, b])`.
pub fn hash2(a: Fr, b: Fr, init: Fr) -> Fr {
    permute([init, a, b])[0]
}

/// zkpot's sequence hash (see the module doc).
pub fn hash_chain(elements: &[Fr]) -> Fr {
    let mut h = Fr::ZERO;
    for pair in elements.chunks(2) {
        let b = pair.get(1).copied().unwrap_or(Fr::ZERO);
        h = hash2(pair[0], b, h);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::fr_from_decimal;

    #[derive(serde::Deserialize)]
    struct Vector {
        inputs: Vec<String>,
        init: String,
        output: String,
    }

    #[test]
    fn circomlibjs_known_answers() {
        let vectors: Vec<Vector> =
            serde_json::from_str(include_str!("../../tests/data/poseidon_vectors.json")).unwrap();
        assert!(vectors.len() >= 10);
        for v in &vectors {
            let d = |s: &str| fr_from_decimal(s).unwrap();
            assert_eq!(v.inputs.len(), 2);
            let got = hash2(d(&v.inputs[0]), d(&v.inputs[1]), d(&v.init));
            assert_eq!(got, d(&v.output), "poseidon({:?}, init {})", v.inputs, v.init);
        }
    }

    #[test]
    fn poseidon_1_2_well_known() {
        let want = fr_from_decimal("7853200120776062878684798364095072458815029376092732009249414926327459813530").unwrap();
        assert_eq!(hash2(Fr::from(1), Fr::from(2), Fr::ZERO), want);
    }

    #[test]
    fn folded_constants_give_the_same_permutation() {
        let c = constants();
        for r in 0..ROUNDS {
            if !is_full_round(r) {
                assert_eq!(c.folded[r][1], Fr::ZERO);
                assert_eq!(c.folded[r][2], Fr::ZERO);
            }
        }
        let mut x = [Fr::from(3), Fr::from(1), Fr::from(4)];
        for _ in 0..20 {
            assert_eq!(permute(x), permute_folded(x));
            x = [x[1] + Fr::from(7), x[2] * x[0] + Fr::ONE, permute(x)[0]];
        }
    }

    #[test]
    fn chain_pads_odd_lengths_with_zero() {
        let a = [Fr::from(5), Fr::from(6), Fr::from(7)];
        let b = [Fr::from(5), Fr::from(6), Fr::from(7), Fr::ZERO];
        assert_eq!(hash_chain(&a), hash_chain(&b));
        assert_eq!(hash_chain(&a[..2]), hash2(a[0], a[1], Fr::ZERO));
    }
}
