//! The Groth16 backend end to end on tiny circuits: development setup from a seed, proving,
//! the verifier crate's own pairing check against ark-groth16's verifier, byte compatibility of
//! the key and proof encodings with ark-groth16's, and clear rejections of changed public
//! inputs, corrupted or truncated proofs and keys, and backend mix-ups.

use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_serialize::CanonicalSerialize;
use ark_snark::SNARK;
use zkpot_circuits::groth16::convert::to_ark;
use zkpot_circuits::halo2::{CircuitShape, Witness};
use zkpot_circuits::testing::{random_dataset, random_model, TINY};
use zkpot_prover::groth16::{proof_to_ark, vk_to_ark, DevSeed, Groth16ProvingKey};
use zkpot_prover::{Backend, Groth16Backend};
use zkpot_verifier::groth16::{Groth16Proof, PROOF_BYTES};
use zkpot_verifier::{verify_any, AnyKey, Groth16Key, ProofFile, Statement, VerifyError};

fn witness(seed: u64, n: usize) -> Witness {
    let model = random_model(seed, TINY, &[3, 4, 3], 4);
    let data = random_dataset(seed, TINY, 3, 3, n, 16);
    Witness::new(model, data).unwrap()
}

struct Fixture {
    pk: Groth16ProvingKey,
    vk: Groth16Key,
    statement: Statement,
    proof: ProofFile,
}

fn fixture() -> Fixture {
    let w = witness(1, 3);
    let shape = CircuitShape::new(w.model.architecture(), 3);
    let (pk, vk) = Groth16Backend::setup(&DevSeed(7), &shape).unwrap();
    let (statement, proof) = Groth16Backend::prove(&DevSeed(7), &pk, w).unwrap();
    Fixture { pk, vk, statement, proof }
}

fn ark_accepts(f: &Fixture, statement: &Statement, proof: &[u8]) -> bool {
    let Ok(p) = Groth16Proof::from_bytes(proof) else { return false };
    let public: Vec<_> = statement.public_inputs().unwrap().iter().map(to_ark).collect();
    Groth16::<Bn254>::verify(&vk_to_ark(&f.vk.vk), &public, &proof_to_ark(&p)).unwrap()
}

#[test]
fn proves_verifies_and_agrees_with_ark_groth16() {
    let f = fixture();
    assert_eq!(f.proof.proof.len(), PROOF_BYTES);
    assert_eq!(f.statement.backend, "groth16-bn254");
    Groth16Backend::verify(&f.vk, &f.statement, &f.proof).unwrap();
    assert!(ark_accepts(&f, &f.statement, &f.proof.proof));
    // through files and the dispatching entry point
    let key = AnyKey::from_bytes(&f.vk.to_bytes()).unwrap();
    let proof = ProofFile::from_bytes(&f.proof.to_bytes()).unwrap();
    let statement = Statement::from_json(&f.statement.to_json()).unwrap();
    verify_any(&statement, &proof, &key).unwrap();
}

#[test]
fn encodings_are_ark_groth16s() {
    let f = fixture();
    let mut ark_vk = Vec::new();
    f.pk.pk.vk.serialize_compressed(&mut ark_vk).unwrap();
    let mut ours = Vec::new();
    f.vk.vk.serialize_compressed(&mut ours).unwrap();
    assert_eq!(ours, ark_vk);
    let p = Groth16Proof::from_bytes(&f.proof.proof).unwrap();
    let mut ark_p = Vec::new();
    proof_to_ark(&p).serialize_compressed(&mut ark_p).unwrap();
    assert_eq!(ark_p, f.proof.proof);
    // the proving key file round-trips
    let back = Groth16ProvingKey::from_bytes(&f.pk.to_bytes()).unwrap();
    assert_eq!(back.shape, f.pk.shape);
    assert_eq!(back.verifying_key(), f.vk);
}

#[test]
fn keys_depend_only_on_the_shape_and_the_seed() {
    let f = fixture();
    let shape = f.pk.shape.clone();
    let (_, again) = Groth16Backend::setup(&DevSeed(7), &shape).unwrap();
    assert_eq!(again.to_bytes(), f.vk.to_bytes());
    let (_, other) = Groth16Backend::setup(&DevSeed(8), &shape).unwrap();
    assert_ne!(other.to_bytes(), f.vk.to_bytes());
    // another model of the same architecture proves under the same key
    let w = witness(2, 3);
    let (statement, proof) = Groth16Backend::prove(&DevSeed(7), &f.pk, w).unwrap();
    Groth16Backend::verify(&f.vk, &statement, &proof).unwrap();
    // a witness of another shape is refused before proving
    let w = witness(3, 2);
    assert!(matches!(Groth16Backend::prove(&DevSeed(7), &f.pk, w), Err(zkpot_prover::ProveError::WrongKey { .. })));
}

#[test]
fn changed_public_inputs_are_rejected() {
    let f = fixture();
    let mut s = f.statement.clone();
    s.score = if s.score > 0 { s.score - 1 } else { 1 };
    assert!(matches!(zkpot_verifier::groth16::verify(&s, &f.proof, &f.vk), Err(VerifyError::Rejected(_))));
    assert!(!ark_accepts(&f, &s, &f.proof.proof));
    let mut s = f.statement.clone();
    s.model_commitment = f.statement.dataset_commitment.clone();
    assert!(matches!(zkpot_verifier::groth16::verify(&s, &f.proof, &f.vk), Err(VerifyError::Rejected(_))));
    let mut s = f.statement.clone();
    s.dataset_commitment = f.statement.model_commitment.clone();
    assert!(matches!(zkpot_verifier::groth16::verify(&s, &f.proof, &f.vk), Err(VerifyError::Rejected(_))));
    let mut s = f.statement.clone();
    s.samples += 1;
    assert!(matches!(zkpot_verifier::groth16::verify(&s, &f.proof, &f.vk), Err(VerifyError::Mismatch(_))));
}

#[test]
fn corrupted_and_truncated_proofs_are_rejected_without_panics() {
    let f = fixture();
    for i in 0..PROOF_BYTES {
        for bit in [0x01u8, 0x80] {
            let mut bad = f.proof.clone();
            bad.proof[i] ^= bit;
            let ours = zkpot_verifier::groth16::verify(&f.statement, &bad, &f.vk);
            assert!(matches!(ours, Err(VerifyError::Malformed { .. }) | Err(VerifyError::Rejected(_))), "byte {i}: {ours:?}");
            assert!(!ark_accepts(&f, &f.statement, &bad.proof), "byte {i}");
        }
    }
    let mut short = f.proof.clone();
    short.proof.truncate(100);
    assert!(matches!(zkpot_verifier::groth16::verify(&f.statement, &short, &f.vk), Err(VerifyError::Malformed { .. })));
    let file = f.proof.to_bytes();
    assert!(matches!(ProofFile::from_bytes(&file[..file.len() - 3]), Err(VerifyError::Truncated { .. })));
}

#[test]
fn corrupted_and_truncated_keys_are_rejected_without_panics() {
    let f = fixture();
    let bytes = f.vk.to_bytes();
    for cut in [0, 10, 16, bytes.len() / 2, bytes.len() - 1] {
        assert!(AnyKey::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    let mut bad = bytes.clone();
    bad[40] ^= 1;
    assert!(matches!(AnyKey::from_bytes(&bad), Err(VerifyError::Corrupted { .. })));
    // a damaged point inside a correctly sealed container
    use zkpot_verifier::container::{open_version, seal_version, Kind, BACKEND_GROTH16, VERSION_KEYS};
    let payload_start = 16 + 4 + serde_json::to_string(&f.vk.shape).unwrap().len() + 4 + f.vk.provenance.to_json().len();
    let (_, _, payload) = open_version(&bytes, Kind::VerifyingKey, VERSION_KEYS).unwrap();
    let mut payload = payload.to_vec();
    payload[payload_start - 16 + 5] ^= 0x55;
    let resealed = seal_version(VERSION_KEYS, Kind::VerifyingKey, BACKEND_GROTH16, &payload);
    let err = Groth16Key::from_bytes(&resealed);
    assert!(matches!(err, Err(VerifyError::Malformed { .. })) || err.as_ref().is_ok_and(|k| k.vk != f.vk.vk), "{err:?}");
    if let Ok(k) = err {
        assert!(zkpot_verifier::groth16::verify(&f.statement, &f.proof, &k).is_err());
    }
}

#[test]
fn backend_mixups_are_mismatches() {
    let f = fixture();
    let mut s = f.statement.clone();
    s.backend = zkpot_verifier::HALO2_BACKEND.into();
    assert!(matches!(zkpot_verifier::groth16::verify(&s, &f.proof, &f.vk), Err(VerifyError::Mismatch(_))));
    let key = AnyKey::Groth16(Box::new(f.vk.clone()));
    assert!(matches!(verify_any(&s, &f.proof, &key), Err(VerifyError::Mismatch(_))));
    // a halo2 proof file handed to the Groth16 verifier
    let halo2_proof = ProofFile::halo2(f.proof.proof.clone());
    assert!(matches!(zkpot_verifier::groth16::verify(&f.statement, &halo2_proof, &f.vk), Err(VerifyError::Mismatch(_))));
    // a Groth16 key file handed to the halo2 reader
    assert!(matches!(zkpot_verifier::VerifierKey::from_bytes(&f.vk.to_bytes()), Err(VerifyError::Mismatch(_))));
}

#[test]
fn pinned_verifying_key_digest() {
    // the container's trailing SHA-256 of the tiny circuit's development key (seed 7): a change
    // to the R1CS layout, the encodings or the setup shows up here. Regenerate on purpose with
    // ZKPOT_PRINT_PINS=1 (and bump GROTH16_CIRCUIT_VERSION when the layout changed). Last
    // regenerated for key container version 2 (the provenance record), same R1CS layout.
    let f = fixture();
    let bytes = f.vk.to_bytes();
    let digest: String = bytes[bytes.len() - 32..].iter().map(|b| format!("{b:02x}")).collect();
    if std::env::var_os("ZKPOT_PRINT_PINS").is_some() {
        eprintln!("verifying key digest: {digest}");
    }
    assert_eq!(digest, "5e18ff8f442c75347968b3098cbbe3fe3520e7db72d32cc7eb8ebbc69c9049b0");
}

#[test]
fn evm_fixture_key_is_todays_circuit() {
    // verifier/tests/fixtures/evm-digits holds a real key, proof and statement of the digits MLP
    // on 2 samples with the default development keys, which the revm test runs through the
    // Solidity verifier. The committed key must be the one today's circuit gives; if the layout
    // changed, regenerate the three files with
    // `zkpot prove --backend groth16 --samples 2` (in that directory).
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../verifier/tests/fixtures/evm-digits");
    let committed = Groth16Key::read(std::path::Path::new(&format!("{dir}/vk.key"))).unwrap();
    let witness = zkpot_circuits::bundled::digits_witness(2).unwrap();
    let shape = CircuitShape::new(witness.model.architecture(), 2);
    let (_, vk) = Groth16Backend::setup(&DevSeed::default(), &shape).unwrap();
    // the committed file is a version-1 key (no provenance record): it still reads
    assert_eq!(committed.provenance.source, zkpot_verifier::provenance::Source::Unrecorded);
    assert!(committed.is_development(), "recognised as development material from alpha_g1 alone");
    assert!(vk.vk == committed.vk && vk.shape == committed.shape, "the committed EVM fixture key is not today's circuit's: regenerate it (see above)");
    let statement = Statement::from_json(&std::fs::read_to_string(format!("{dir}/statement.json")).unwrap()).unwrap();
    let proof = ProofFile::from_bytes(&std::fs::read(format!("{dir}/proof.bin")).unwrap()).unwrap();
    verify_any(&statement, &proof, &AnyKey::Groth16(Box::new(vk))).unwrap();
    assert_eq!(statement.public_inputs().unwrap(), witness.public_inputs());
}


#[test]
fn cnn_and_top_k_prove_and_verify() {
    // a small CNN (conv, max-pool, conv, average-pool, dense) under top-1 and under top-2: real
    // proofs through the verifier crate and ark-groth16, with the reference's public inputs
    use zkpot_circuits::eval::evaluate_with;
    use zkpot_circuits::score::ScoreFunction;
    let (model, data) = zkpot_circuits::testing::bounded_cnn(21, 2, true);
    for score in [ScoreFunction::Top1, ScoreFunction::TopK { k: 2 }] {
        let shape = CircuitShape::new(model.architecture(), 2).with_score(score);
        let (pk, vk) = Groth16Backend::setup(&DevSeed(7), &shape).unwrap();
        // the witness of the plain (top-1) evaluation: the key's score function recounts it
        let w = Witness::new(model.clone(), data.clone()).unwrap();
        let (statement, proof) = Groth16Backend::prove(&DevSeed(7), &pk, w).unwrap();
        assert_eq!(statement.score, evaluate_with(&model, &data, score).unwrap().score as u64);
        assert_eq!(statement.score_function, score);
        Groth16Backend::verify(&vk, &statement, &proof).unwrap();
        let f = Fixture { pk, vk, statement, proof };
        assert!(ark_accepts(&f, &f.statement, &f.proof.proof));
        let mut s = f.statement.clone();
        s.score = if s.score > 0 { s.score - 1 } else { 1 };
        assert!(matches!(zkpot_verifier::groth16::verify(&s, &f.proof, &f.vk), Err(VerifyError::Rejected(_))));
        // the statement must name the key's score function
        let other = if score.is_top1() { ScoreFunction::TopK { k: 2 } } else { ScoreFunction::Top1 };
        let s = f.statement.clone().with_score_function(other);
        assert!(matches!(zkpot_verifier::groth16::verify(&s, &f.proof, &f.vk), Err(VerifyError::Mismatch(_))));
    }
}

#[test]
fn mse_proves_and_verifies() {
    // a 3-5-1 regression MLP under mse: a real proof through the verifier crate and
    // ark-groth16, with the reference's rounded mean as S
    use zkpot_circuits::eval::evaluate_with;
    use zkpot_circuits::score::ScoreFunction;
    use zkpot_circuits::testing::random_regression_dataset;
    let model = random_model(4, TINY, &[3, 5, 1], 3);
    let data = random_regression_dataset(4, TINY, 3, 3, 12);
    let shape = CircuitShape::new(model.architecture(), 3).with_score(ScoreFunction::Mse);
    let (pk, vk) = Groth16Backend::setup(&DevSeed(7), &shape).unwrap();
    let w = Witness::with_score(model.clone(), data.clone(), ScoreFunction::Mse).unwrap();
    let (statement, proof) = Groth16Backend::prove(&DevSeed(7), &pk, w).unwrap();
    assert_eq!(statement.score, evaluate_with(&model, &data, ScoreFunction::Mse).unwrap().score as u64);
    assert_eq!(statement.score_function, ScoreFunction::Mse);
    Groth16Backend::verify(&vk, &statement, &proof).unwrap();
    let f = Fixture { pk, vk, statement, proof };
    assert!(ark_accepts(&f, &f.statement, &f.proof.proof));
    for d in [-1i64, 1] {
        let mut s = f.statement.clone();
        s.score = (s.score as i64 + d).max(0) as u64;
        if s.score != f.statement.score {
            assert!(matches!(zkpot_verifier::groth16::verify(&s, &f.proof, &f.vk), Err(VerifyError::Rejected(_))));
        }
    }
    // the statement must name the key's score function
    for other in [ScoreFunction::Top1, ScoreFunction::TopK { k: 2 }] {
        let s = f.statement.clone().with_score_function(other);
        assert!(matches!(zkpot_verifier::groth16::verify(&s, &f.proof, &f.vk), Err(VerifyError::Mismatch(_))));
    }
}
