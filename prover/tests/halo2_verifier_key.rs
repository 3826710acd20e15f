//! The verifier's decoding of halo2 keys (`zkpot_verifier::halo2_vk`: no FFT tables, selector
//! activations reduced to their overlaps) is halo2's key, byte for byte and transcript for
//! transcript, on real keys; malformed halo2 key bytes are refused with a message; and batch
//! verification (one pairing check for many proofs) accepts exactly what single verification
//! accepts, naming the proof that fails.

use halo2_proofs::plonk::VerifyingKey;
use halo2_proofs::SerdeFormat;
use zkpot_circuits::halo2::{CircuitShape, ValidationCircuit, Witness};
use zkpot_circuits::score::ScoreFunction;
use zkpot_circuits::testing::{random_dataset, random_model, TINY};
use zkpot_params::srs::dev_srs;
use zkpot_prover::{Backend, Halo2Backend};
use zkpot_verifier::halo2::{verify, verify_batch};
use zkpot_verifier::halo2_vk::decode;
use zkpot_verifier::{AnyKey, ProofFile, Statement, VerifierKey, VerifyError};

fn transcript_and_layout(vk: &VerifyingKey<halo2_proofs::halo2curves::bn256::G1Affine>) -> (String, String) {
    (format!("{:?}", vk.transcript_repr()), format!("{:?}", vk.pinned()))
}

#[test]
fn the_verifiers_key_is_halo2s_key_without_prover_tables() {
    let top1 = CircuitShape::new(random_model(42, TINY, &[3, 4, 3], 4).architecture(), 4);
    let top2 = top1.clone().with_score(ScoreFunction::TopK { k: 2 });
    let mse = CircuitShape::new(random_model(43, TINY, &[3, 5, 1], 3).architecture(), 6).with_score(ScoreFunction::Mse);
    for shape in [top1, top2, mse] {
        let params = dev_srs(shape.k(), [1; 32]);
        let full = zkpot_params::keys::verifying_key(&params, &shape).unwrap();
        let bytes = full.to_bytes(SerdeFormat::RawBytes);
        let ours = decode(&bytes, &shape).unwrap();
        assert_eq!(transcript_and_layout(&ours.vk), transcript_and_layout(&full), "{}", shape.id());
        assert!(ours.vk.get_domain().fft_data.is_empty(), "no FFT tables");
        assert!(!ours.selector_bits.is_empty());
        let mut again = ours.vk.to_bytes(SerdeFormat::RawBytes);
        again.extend_from_slice(&ours.selector_bits);
        assert!(again == bytes, "{}: re-encoded byte for byte", shape.id());
        // the key file: its digest is that of halo2's own decoding, and the prover's key is halo2's
        let key = VerifierKey::new(shape.clone(), &params, full.clone(), zkpot_params::srs::provenance(&params));
        let file = key.to_bytes();
        let read = VerifierKey::from_bytes(&file).unwrap();
        assert!(read.to_bytes() == file);
        assert_eq!(AnyKey::Halo2(Box::new(read.clone())).digest(), zkpot_verifier::key_digest(&file));
        let prover = read.prover_vk().unwrap();
        assert_eq!(transcript_and_layout(&prover), transcript_and_layout(&full));
        assert!(!prover.get_domain().fft_data.is_empty(), "the prover's key has its FFT tables");
        assert!(prover.to_bytes(SerdeFormat::RawBytes) == bytes);
        // halo2's reader gives the same key
        let theirs = VerifyingKey::from_bytes::<ValidationCircuit>(&bytes, SerdeFormat::RawBytes, shape.clone()).unwrap();
        assert_eq!(transcript_and_layout(&theirs), transcript_and_layout(&ours.vk));
    }
}

#[test]
fn malformed_halo2_key_bytes_are_refused_with_a_reason() {
    let shape = CircuitShape::new(random_model(42, TINY, &[3, 4, 3], 4).architecture(), 4);
    let params = dev_srs(shape.k(), [1; 32]);
    let bytes = zkpot_params::keys::verifying_key(&params, &shape).unwrap().to_bytes(SerdeFormat::RawBytes);
    let refused = |b: &[u8], why: &str| {
        let err = decode(b, &shape).err().unwrap_or_else(|| panic!("accepted; expected: {why}"));
        assert!(err.contains(why), "{err} (expected: {why})");
    };
    refused(&[&bytes[..], &[0]].concat(), "1 bytes after the halo2 key");
    refused(&bytes[..bytes.len() - 1], "ends in the selector activations");
    refused(&bytes[..3], "ends in k");
    let mut b = bytes.clone();
    b[0] = 3;
    refused(&b, "encoding version 3");
    let mut b = bytes.clone();
    b[5] = 2;
    refused(&b, "compression flag 2");
    let mut b = bytes.clone();
    b[1] ^= 1;
    refused(&b, "the shape needs k =");
    // one fixed commitment fewer declared: the rest no longer lines up
    let mut b = bytes.clone();
    let count = u32::from_le_bytes([b[6], b[7], b[8], b[9]]);
    b[6..10].copy_from_slice(&(count - 1).to_le_bytes());
    assert!(decode(&b, &shape).is_err());
    // a point off the curve
    let mut b = bytes.clone();
    b[10 + 32] ^= 1;
    refused(&b, "fixed commitment 0");
}

/// A proof of `n` random samples (seed `seed`) under keys from the development SRS seeded `srs`.
fn proved(seed: u64, n: usize, srs: u8) -> (Statement, ProofFile, VerifierKey) {
    let model = random_model(42, TINY, &[3, 4, 3], 4);
    let witness = Witness::new(model, random_dataset(seed, TINY, 3, 3, n, 16)).unwrap();
    let shape = CircuitShape::new(witness.model.architecture(), n);
    let params = dev_srs(shape.k(), [srs; 32]);
    let (pk, vk) = Halo2Backend::setup(&params, &shape).unwrap();
    let (statement, proof) = Halo2Backend::prove(&params, &pk, witness).unwrap();
    (statement, proof, VerifierKey::from_bytes(&vk.to_bytes()).unwrap())
}

#[test]
fn a_batch_accepts_what_single_checks_accept_and_names_the_failing_proof() {
    // three proofs: two under one key, one under a key from another SRS (its own pairing group)
    let a = proved(1, 4, 1);
    let b = proved(2, 4, 1);
    let c = proved(3, 3, 2);
    let batch = |items: &[&(Statement, ProofFile, VerifierKey)]| {
        let refs: Vec<_> = items.iter().map(|(s, p, k)| (s, p, k)).collect();
        verify_batch(&refs)
    };
    for x in [&a, &b, &c] {
        verify(&x.0, &x.1, &x.2).unwrap();
    }
    batch(&[&a, &b, &c]).unwrap();
    // a chunk claiming another score: only the pairing check can tell; the batch names it
    for at in 0..3 {
        let mut items = [a.clone(), b.clone(), c.clone()];
        let s = &mut items[at].0;
        s.score = if s.score > 0 { s.score - 1 } else { 1 };
        let refs: Vec<_> = items.iter().collect();
        match batch(&refs) {
            Err((i, VerifyError::Rejected(_))) => assert_eq!(i, at),
            other => panic!("tampered score at {at}: {other:?}"),
        }
    }
    // a flipped proof byte
    let mut flipped = b.clone();
    let mid = flipped.1.proof.len() / 2;
    flipped.1.proof[mid] ^= 1;
    assert!(matches!(batch(&[&a, &flipped, &c]), Err((1, _))));
    // a proof presented with a key from another SRS
    let mut wrong_key = c.clone();
    wrong_key.2 = proved(3, 3, 1).2;
    assert!(matches!(batch(&[&a, &b, &wrong_key]), Err((2, VerifyError::Rejected(_)))));
    // one proof twice is still each proof's own check
    batch(&[&a, &a]).unwrap();
}

#[test]
fn a_proving_key_rebuilt_from_a_key_file_proves() {
    // the file's key decodes for verification; rebuilding a proving key takes halo2's full key
    let (_, _, vk) = proved(1, 4, 1);
    let params = dev_srs(vk.shape.k(), [1; 32]);
    let pk = Halo2Backend::proving_key(&params, &vk).unwrap();
    let witness = Witness::new(random_model(42, TINY, &[3, 4, 3], 4), random_dataset(5, TINY, 3, 3, 4, 16)).unwrap();
    let (statement, proof) = Halo2Backend::prove(&params, &pk, witness).unwrap();
    verify(&statement, &proof, &vk).unwrap();
}
