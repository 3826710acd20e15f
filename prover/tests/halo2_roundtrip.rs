//! Real halo2 proofs on a tiny circuit: setup, prove, verify through the files' byte formats;
//! the verifier rejects changed public inputs, flipped proof bytes and foreign keys.

use zkpot_circuits::halo2::{CircuitShape, Witness};
use zkpot_circuits::testing::{random_dataset, random_model, TINY};
use zkpot_params::srs::dev_srs;
use zkpot_prover::{Backend, Halo2Backend};
use zkpot_verifier::{ProofFile, Statement, VerifierKey, VerifyError};

#[test]
fn prove_verify_and_reject_tampering() {
    let model = random_model(42, TINY, &[3, 4, 3], 4);
    let data = random_dataset(42, TINY, 3, 3, 4, 16);
    let witness = Witness::new(model, data).unwrap();
    let shape = CircuitShape::new(witness.model.architecture(), 4);
    let params = dev_srs(shape.k(), [1; 32]);
    let (pk, vk) = Halo2Backend::setup(&params, &shape).unwrap();
    let score = witness.trace.score as u64;
    let (statement, proof) = Halo2Backend::prove(&params, &pk, witness).unwrap();
    assert_eq!(statement.score, score);

    // through bytes, as the light verifier sees them
    let vk_bytes = vk.to_bytes();
    let vk = VerifierKey::from_bytes(&vk_bytes).unwrap();
    let proof = ProofFile::from_bytes(&proof.to_bytes()).unwrap();
    let statement = Statement::from_json(&statement.to_json()).unwrap();
    zkpot_verifier::verify(&statement, &proof, &vk).unwrap();

    // changed public inputs
    let mut s = statement.clone();
    s.score = if s.score > 0 { s.score - 1 } else { 1 };
    assert!(matches!(zkpot_verifier::verify(&s, &proof, &vk), Err(VerifyError::Rejected(_))));
    let mut s = statement.clone();
    s.model_commitment = statement.dataset_commitment.clone();
    assert!(matches!(zkpot_verifier::verify(&s, &proof, &vk), Err(VerifyError::Rejected(_))));
    let mut s = statement.clone();
    s.samples = 5;
    assert!(matches!(zkpot_verifier::verify(&s, &proof, &vk), Err(VerifyError::Mismatch(_))));

    // a flipped byte in the file is caught by the checksum ...
    let mut bytes = proof.to_bytes();
    bytes[40] ^= 1;
    assert!(matches!(ProofFile::from_bytes(&bytes), Err(VerifyError::Corrupted { .. })));
    // ... and a flipped byte with a recomputed checksum by the cryptography
    for pos in [0, 100, proof.proof.len() / 2, proof.proof.len() - 1] {
        let mut p = proof.clone();
        p.proof[pos] ^= 1;
        assert!(zkpot_verifier::verify(&statement, &p, &vk).is_err(), "flipped byte {pos}");
    }
    // truncated proof
    let mut p = proof.clone();
    p.proof.truncate(p.proof.len() - 10);
    assert!(zkpot_verifier::verify(&statement, &p, &vk).is_err());

    // a corrupted or truncated key file
    let mut bad = vk_bytes.clone();
    bad[100] ^= 0x80;
    assert!(matches!(VerifierKey::from_bytes(&bad), Err(VerifyError::Corrupted { .. })));
    assert!(matches!(VerifierKey::from_bytes(&vk_bytes[..vk_bytes.len() / 2]), Err(VerifyError::Truncated { .. })));
}

#[test]
fn wrong_key_is_refused_before_proving() {
    let model = random_model(1, TINY, &[3, 4, 3], 4);
    let data = random_dataset(1, TINY, 3, 3, 4, 16);
    let witness = Witness::new(model, data).unwrap();
    let other = CircuitShape::new(witness.model.architecture(), 3);
    let params = dev_srs(other.k(), [2; 32]);
    let (pk, _) = Halo2Backend::setup(&params, &other).unwrap();
    assert!(matches!(Halo2Backend::prove(&params, &pk, witness), Err(zkpot_prover::ProveError::WrongKey { .. })));
}

#[test]
fn mse_proves_verifies_and_rejects_other_scores() {
    // a real proof of a regression model's MSE at k = 9; the statement names mse
    use zkpot_circuits::score::ScoreFunction;
    use zkpot_circuits::testing::random_regression_dataset;
    let model = random_model(43, TINY, &[3, 5, 1], 3);
    let data = random_regression_dataset(43, TINY, 3, 6, 12);
    let witness = Witness::with_score(model, data, ScoreFunction::Mse).unwrap();
    let shape = CircuitShape::new(witness.model.architecture(), 6).with_score(ScoreFunction::Mse);
    let params = dev_srs(shape.k(), [1; 32]);
    let (pk, vk) = Halo2Backend::setup(&params, &shape).unwrap();
    let score = witness.trace.score as u64;
    let (statement, proof) = Halo2Backend::prove(&params, &pk, witness).unwrap();
    assert_eq!((statement.score, statement.score_function), (score, ScoreFunction::Mse));
    let statement = Statement::from_json(&statement.to_json()).unwrap();
    zkpot_verifier::verify(&statement, &proof, &vk).unwrap();
    for other in [score + 1, score.saturating_sub(1).max(if score == 0 { 2 } else { 0 })] {
        let mut s = statement.clone();
        s.score = other;
        assert!(matches!(zkpot_verifier::verify(&s, &proof, &vk), Err(VerifyError::Rejected(_))), "claimed {other}, proved {score}");
    }
    let mut s = statement.clone();
    s.score_function = ScoreFunction::Top1;
    assert!(zkpot_verifier::verify(&s, &proof, &vk).is_err());
}
