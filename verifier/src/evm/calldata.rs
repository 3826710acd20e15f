//! Constructor arguments, deployment data and `verifyProof` calldata.
//!
//! Every argument of the contract is a static `uint256` array, so the ABI encoding is just the
//! words one after another: the constructor takes
//! `(uint256[2] alpha, uint256[4] betaNeg, uint256[4] gammaNeg, uint256[4] deltaNeg, uint256[10] ic)`
//! (24 words), `verifyProof` takes
//! `(uint256[2] a, uint256[2][2] b, uint256[2] c, uint256[4] input)` (12 words after the
//! 4-byte selector).

use super::encoding::{g1_words, g2_words, scalar_word, Word};
use super::{contract::creation_bytecode, PUBLIC_INPUTS, VERIFY_PROOF_SELECTOR};
use crate::VerifyError;
use crate::groth16::{Groth16Proof, Groth16Vk};
use ark_bn254::Fr;

/// The ABI-encoded constructor arguments for `vk` (24 words): alpha, -beta, -gamma, -delta
/// (the contract's pairing check wants the G2 points negated), IC[0..4].
///
/// Fails if the key is not for [`PUBLIC_INPUTS`] public inputs.
pub fn constructor_args(vk: &Groth16Vk) -> Result<Vec<u8>, VerifyError> {
    if vk.gamma_abc_g1.len() != PUBLIC_INPUTS + 1 {
        return Err(VerifyError::Mismatch(format!(
            "the verifying key has {} public inputs, the on-chain verifier checks {PUBLIC_INPUTS} \
             (model commitment, data set commitment, N, S)",
            vk.gamma_abc_g1.len().saturating_sub(1)
        )));
    }
    let mut words: Vec<Word> = Vec::with_capacity(24);
    words.extend(g1_words(&vk.alpha_g1));
    words.extend(g2_words(&-vk.beta_g2));
    words.extend(g2_words(&-vk.gamma_g2));
    words.extend(g2_words(&-vk.delta_g2));
    for p in &vk.gamma_abc_g1 {
        words.extend(g1_words(p));
    }
    Ok(words.concat())
}

/// What a deployment transaction for `vk` carries: creation bytecode ++ constructor arguments.
pub fn deployment_data(vk: &Groth16Vk) -> Result<Vec<u8>, VerifyError> {
    let mut data = creation_bytecode()?;
    data.extend(constructor_args(vk)?);
    Ok(data)
}

/// Calldata of `verifyProof(a, b, c, input)` for `proof` of the statement `inputs`
/// (model commitment, data set commitment, N, S): selector ++ 12 words, 388 bytes.
pub fn verify_proof_calldata(proof: &Groth16Proof, inputs: &[Fr; PUBLIC_INPUTS]) -> Vec<u8> {
    let mut data = Vec::with_capacity(4 + 12 * 32);
    data.extend_from_slice(&VERIFY_PROOF_SELECTOR);
    let mut words: Vec<Word> = Vec::with_capacity(12);
    words.extend(g1_words(&proof.a));
    words.extend(g2_words(&proof.b));
    words.extend(g1_words(&proof.c));
    words.extend(inputs.iter().map(scalar_word));
    data.extend(words.concat());
    data
}
