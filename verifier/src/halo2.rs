//! Verification of halo2 proofs (KZG commitments on BN254, SHPLONK openings, Blake2b transcript).

use crate::error::VerifyError;
use crate::proof::ProofFile;
use crate::statement::Statement;
use crate::vk::VerifierKey;
use crate::HALO2_BACKEND;
use halo2_proofs::halo2curves::bn256::{Bn256, G1Affine};
use halo2_proofs::plonk::verify_proof;
use halo2_proofs::poly::kzg::commitment::KZGCommitmentScheme;
use halo2_proofs::poly::kzg::multiopen::VerifierSHPLONK;
use halo2_proofs::poly::kzg::strategy::SingleStrategy;
use halo2_proofs::transcript::{Blake2bRead, Challenge255, TranscriptReadBuffer};

/// Accepts iff `proof` proves `statement` under `key`; otherwise says why not.
pub fn verify(statement: &Statement, proof: &ProofFile, key: &VerifierKey) -> Result<(), VerifyError> {
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
    let public = statement.public_inputs()?;
    let instances: &[&[_]] = &[&public[..]];
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
