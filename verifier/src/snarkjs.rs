//! Groth16 keys, proofs and public inputs in snarkjs's JSON (`verification_key.json`,
//! `proof.json`, `public.json`), so JavaScript and browser clients verify zkpot proofs with
//! `snarkjs.groth16.verify(vk, publicSignals, proof)` or `snarkjs groth16 verify`.
//!
//! Coordinates are decimal strings; G1 points are `[x, y, "1"]`, G2 points
//! `[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]` (snarkjs's projective form with z = 1). The
//! public signals are the statement's `[model commitment, data set commitment, N, S]` in
//! decimal, in the order of `IC[1..]` (`IC[0]` is the constant one), exactly zkpot's
//! `gamma_abc_g1`. The verification equation is the same: `e(A, B) = e(alpha, beta)
//! e(IC(x), gamma) e(C, delta)`.

use crate::groth16::{Groth16Proof, Groth16Vk, PUBLIC_INPUTS};
use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ff::PrimeField;
use serde_json::{json, Value};

fn dec<F: PrimeField>(x: F) -> String {
    x.into_bigint().to_string()
}

fn g1(p: &G1Affine) -> Value {
    json!([dec(p.x), dec(p.y), "1"])
}

fn g2(p: &G2Affine) -> Value {
    json!([[dec(p.x.c0), dec(p.x.c1)], [dec(p.y.c0), dec(p.y.c1)], ["1", "0"]])
}

/// `verification_key.json`.
pub fn verification_key(vk: &Groth16Vk) -> Value {
    json!({
        "protocol": "groth16", "curve": "bn128", "nPublic": PUBLIC_INPUTS,
        "vk_alpha_1": g1(&vk.alpha_g1), "vk_beta_2": g2(&vk.beta_g2), "vk_gamma_2": g2(&vk.gamma_g2),
        "vk_delta_2": g2(&vk.delta_g2), "IC": vk.gamma_abc_g1.iter().map(g1).collect::<Vec<_>>(),
    })
}

/// `proof.json`.
pub fn proof(p: &Groth16Proof) -> Value {
    json!({ "pi_a": g1(&p.a), "pi_b": g2(&p.b), "pi_c": g1(&p.c), "protocol": "groth16", "curve": "bn128" })
}

/// `public.json`: the public signals in decimal.
pub fn public(inputs: &[Fr; PUBLIC_INPUTS]) -> Value {
    json!(inputs.iter().map(|x| dec(*x)).collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::AffineRepr;

    #[test]
    fn generators_in_snarkjs_form() {
        assert_eq!(g1(&G1Affine::generator()), json!(["1", "2", "1"]));
        let g = g2(&G2Affine::generator());
        assert_eq!(g[2], json!(["1", "0"]));
        assert_eq!(g[0][0], "10857046999023057135944570762232829481370756359578518086990519993285655852781");
        assert_eq!(public(&[Fr::from(1u64), Fr::from(2u64), Fr::from(500u64), Fr::from(489u64)]), json!(["1", "2", "500", "489"]));
    }
}
