//! The halo2 backend: KZG commitments on BN254, SHPLONK multi-openings, Blake2b transcript.

use crate::backend::Backend;
use crate::error::ProveError;
use halo2_proofs::halo2curves::bn256::{Bn256, G1Affine};
use halo2_proofs::plonk::{create_proof, ProvingKey};
use halo2_proofs::poly::kzg::commitment::{KZGCommitmentScheme, ParamsKZG};
use halo2_proofs::poly::kzg::multiopen::ProverSHPLONK;
use halo2_proofs::transcript::{Blake2bWrite, Challenge255, TranscriptWriterBuffer};
use rand::rngs::OsRng;
use zkpot_circuits::halo2::{CircuitShape, ValidationCircuit, Witness};
use zkpot_verifier::{ProofFile, Statement, VerifierKey, HALO2_BACKEND};

/// The halo2 backend.
pub struct Halo2Backend;

/// The statement an honest halo2 proof of `witness` under score function `score` claims (the
/// witness's score recounted under it), computed without proving: what a proof kept from an
/// earlier run must verify against.
pub fn statement_of(witness: &Witness, score: zkpot_circuits::score::ScoreFunction) -> Statement {
    let shape = CircuitShape::new(witness.model.architecture(), witness.data.len()).with_score(score);
    crate::backend::honest_statement(HALO2_BACKEND, shape.id(), witness, score)
}

/// A halo2 proving key with the shape it was made for.
pub struct Halo2ProvingKey {
    pub shape: CircuitShape,
    pub pk: ProvingKey<G1Affine>,
}

impl Halo2Backend {
    /// The proving key rebuilt from a (cached) verifying key: skips half of key generation.
    pub fn proving_key(params: &ParamsKZG<Bn256>, vk: &VerifierKey) -> Result<Halo2ProvingKey, ProveError> {
        // halo2's full key: the verifier's decoding has no FFT tables, which key generation uses
        let pk = zkpot_params::keys::proving_key(params, &vk.shape, vk.prover_vk()?)?;
        Ok(Halo2ProvingKey { shape: vk.shape.clone(), pk })
    }
}

impl Backend for Halo2Backend {
    type Params = ParamsKZG<Bn256>;
    type ProvingKey = Halo2ProvingKey;
    type VerifyingKey = VerifierKey;
    type Proof = ProofFile;
    const NAME: &'static str = HALO2_BACKEND;

    fn setup(params: &ParamsKZG<Bn256>, shape: &CircuitShape) -> Result<(Halo2ProvingKey, VerifierKey), ProveError> {
        shape.check_halo2_support()?;
        let vk = zkpot_params::keys::verifying_key(params, shape)?;
        let pk = zkpot_params::keys::proving_key(params, shape, vk.clone())?;
        let provenance = zkpot_params::srs::provenance(params);
        Ok((Halo2ProvingKey { shape: shape.clone(), pk }, VerifierKey::new(shape.clone(), params, vk, provenance)))
    }

    fn prove(params: &ParamsKZG<Bn256>, pk: &Halo2ProvingKey, mut witness: Witness) -> Result<(Statement, ProofFile), ProveError> {
        // the key fixes the score function; the witness's score is recounted under it
        let shape = CircuitShape::new(witness.model.architecture(), witness.data.len()).with_score(pk.shape.score);
        if shape != pk.shape {
            return Err(ProveError::WrongKey { key: pk.shape.id(), witness: shape.id() });
        }
        witness.trace.score = witness.trace.score_with(shape.score);
        let statement = statement_of(&witness, shape.score);
        let public = witness.public_inputs();
        let circuit = ValidationCircuit { shape, witness: Some(witness) };
        let instances: &[&[_]] = &[&public[..]];
        let mut transcript = Blake2bWrite::<_, G1Affine, Challenge255<_>>::init(vec![]);
        create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
            params,
            &pk.pk,
            &[circuit],
            &[instances],
            OsRng,
            &mut transcript,
        )
        .map_err(|e| ProveError::Proving(format!("{e:?}")))?;
        Ok((statement, ProofFile::halo2(transcript.finalize())))
    }

    fn verify(vk: &VerifierKey, statement: &Statement, proof: &ProofFile) -> Result<(), ProveError> {
        Ok(zkpot_verifier::verify(statement, proof, vk)?)
    }
}
