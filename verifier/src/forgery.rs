//! The attack that key pinning exists to stop, for tests: a Groth16 verifying key whose
//! trapdoor the attacker chose "verifies" a proof of any statement, a false score included.
//! Tests of every pinning path (the CLI's `verify`, the ledger's genesis keys) build their rogue
//! key and forged proof here, so they all face the same attacker.

use crate::error::VerifyError;
use crate::groth16::{public_inputs, Groth16Key, Groth16Proof, Groth16Vk};
use crate::provenance::{Provenance, Source};
use crate::statement::Statement;
use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::Field;
use zkpot_circuits::halo2::CircuitShape;

/// A rogue key for `shape` (every scalar of its "ceremony" known: alpha, beta, gamma, delta and
/// the input coefficients) and a proof of `statement` that passes the pairing check under it,
/// whatever the statement claims. The key records a made-up ceremony as its provenance.
pub fn rogue_key_and_forged_proof(shape: &CircuitShape, statement: &Statement) -> Result<(Groth16Key, Groth16Proof), VerifyError> {
    let x = public_inputs(statement)?;
    let fr = |v: u64| Fr::from(v);
    let (alpha, beta, gamma, delta) = (fr(3), fr(5), fr(7), fr(11));
    let s: Vec<Fr> = (0..=x.len() as u64).map(|i| fr(13 + i)).collect();
    let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
    let vk = Groth16Vk {
        alpha_g1: (g1 * alpha).into_affine(),
        beta_g2: (g2 * beta).into_affine(),
        gamma_g2: (g2 * gamma).into_affine(),
        delta_g2: (g2 * delta).into_affine(),
        gamma_abc_g1: s.iter().map(|si| (g1 * si).into_affine()).collect(),
    };
    // e(A, B) = e(alpha, beta) e(IC, gamma) e(C, delta) in the exponent: a b = alpha beta + gamma ic + delta c
    let ic = s[0] + x.iter().zip(&s[1..]).map(|(xi, si)| *xi * si).sum::<Fr>();
    let (a, b) = (fr(17), fr(19));
    let c = (a * b - alpha * beta - gamma * ic) * delta.inverse().expect("delta is not zero");
    let proof = Groth16Proof { a: (g1 * a).into_affine(), b: (g2 * b).into_affine(), c: (g1 * c).into_affine() };
    let key = Groth16Key { shape: shape.clone(), vk, provenance: Provenance::new(Source::CeremonyZkey, "made up") };
    Ok((key, proof))
}
