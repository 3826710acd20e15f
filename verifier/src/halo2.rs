//! Verification of halo2 proofs (KZG commitments on BN254, SHPLONK openings, Blake2b transcript):
//! one proof ([`verify`]), or several with one pairing check ([`verify_batch`]).

use crate::error::VerifyError;
use crate::proof::ProofFile;
use crate::statement::Statement;
use crate::vk::VerifierKey;
use crate::HALO2_BACKEND;
use halo2_proofs::halo2curves::bn256::{Bn256, Fr, G1Affine};
use halo2_proofs::halo2curves::group::GroupEncoding;
use halo2_proofs::plonk::verify_proof;
use halo2_proofs::poly::commitment::ParamsProver;
use halo2_proofs::poly::kzg::commitment::KZGCommitmentScheme;
use halo2_proofs::poly::kzg::multiopen::VerifierSHPLONK;
use halo2_proofs::poly::kzg::strategy::{AccumulatorStrategy, SingleStrategy};
use halo2_proofs::poly::VerificationStrategy;
use halo2_proofs::transcript::{Blake2bRead, Challenge255, TranscriptReadBuffer};

/// Accepts iff `proof` proves `statement` under `key`; otherwise says why not.
pub fn verify(statement: &Statement, proof: &ProofFile, key: &VerifierKey) -> Result<(), VerifyError> {
    let public = public_inputs(statement, proof, key)?;
    let instances: &[&[Fr]] = &[&public[..]];
    let mut transcript = Blake2bRead::<_, G1Affine, Challenge255<_>>::init(&proof.proof[..]);
    verify_proof::<KZGCommitmentScheme<Bn256>, VerifierSHPLONK<'_, Bn256>, _, _, SingleStrategy<'_, Bn256>>(
        &key.params,
        &key.vk,
        SingleStrategy::new(&key.params),
        &[instances],
        &mut transcript,
    )
    .map_err(|e| VerifyError::Rejected(format!("{e:?}")))
}

/// Accepts iff every `(statement, proof, key)` would pass [`verify`]; otherwise returns the
/// index of a failing one and why. Proofs whose keys share KZG verifier parameters (`g`, `g2`,
/// `s_g2`: keys from one SRS) share one pairing check: halo2's `AccumulatorStrategy` folds each
/// proof's opening equation into a running one after multiplying it by a fresh random scalar
/// (a random linear combination: a false equation survives with probability about 2^-254), and
/// the sum is checked once. When that check fails, the group's proofs are verified one by one to
/// name the first failing one.
pub fn verify_batch(items: &[(&Statement, &ProofFile, &VerifierKey)]) -> Result<(), (usize, VerifyError)> {
    let mut groups: Vec<(Vec<u8>, Vec<usize>)> = Vec::new();
    for (i, (_, _, key)) in items.iter().enumerate() {
        let p = &key.params;
        let id = [p.get_g()[0].to_bytes().as_ref(), p.g2().to_bytes().as_ref(), p.s_g2().to_bytes().as_ref()].concat();
        match groups.iter_mut().find(|(g, _)| *g == id) {
            Some((_, members)) => members.push(i),
            None => groups.push((id, vec![i])),
        }
    }
    for (_, members) in &groups {
        let mut batch = AccumulatorStrategy::new(&items[members[0]].2.params);
        for &i in members {
            let (statement, proof, key) = items[i];
            let public = public_inputs(statement, proof, key).map_err(|e| (i, e))?;
            let instances: &[&[Fr]] = &[&public[..]];
            let mut transcript = Blake2bRead::<_, G1Affine, Challenge255<_>>::init(&proof.proof[..]);
            batch = verify_proof::<KZGCommitmentScheme<Bn256>, VerifierSHPLONK<'_, Bn256>, _, _, AccumulatorStrategy<'_, Bn256>>(
                &key.params,
                &key.vk,
                batch,
                &[instances],
                &mut transcript,
            )
            .map_err(|e| (i, VerifyError::Rejected(format!("{e:?}"))))?;
        }
        if !VerificationStrategy::<'_, KZGCommitmentScheme<Bn256>, VerifierSHPLONK<'_, Bn256>>::finalize(batch) {
            for &i in members {
                let (statement, proof, key) = items[i];
                verify(statement, proof, key).map_err(|e| (i, e))?;
            }
            // each proof passed alone: the random combination was unlucky (probability ~2^-254)
            return Err((members[0], VerifyError::Rejected("the batched pairing check failed".into())));
        }
    }
    Ok(())
}

/// The checks before any cryptography: backend, score function, circuit shape and `N` agree
/// between statement, proof and key; returns the statement's public inputs.
fn public_inputs(statement: &Statement, proof: &ProofFile, key: &VerifierKey) -> Result<[Fr; 4], VerifyError> {
    if statement.backend != HALO2_BACKEND || proof.backend != crate::container::BACKEND_HALO2 {
        return Err(VerifyError::Mismatch(format!(
            "this verifier checks `{HALO2_BACKEND}` proofs; the statement names `{}`",
            statement.backend
        )));
    }
    statement.check_score_function(key.shape.score)?;
    let id = key.shape.id();
    if statement.shape_id != id {
        return Err(VerifyError::Mismatch(format!(
            "the statement is for circuit shape {}, the verifying key for {id}",
            statement.shape_id
        )));
    }
    if statement.samples != key.shape.samples as u64 {
        return Err(VerifyError::Mismatch(format!(
            "the statement claims N = {}, the verifying key is for N = {}",
            statement.samples, key.shape.samples
        )));
    }
    statement.public_inputs()
}
