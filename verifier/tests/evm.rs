//! The on-chain Groth16 verifier, run for real in an EVM (revm).
//!
//! A toy arkworks circuit with exactly the statement's four public inputs gives a key and a
//! proof (the contract does not depend on the key, so any key of four inputs exercises the same
//! bytecode). The test deploys exactly what users deploy, the committed creation bytecode ++
//! the ABI-encoded key, and calls `verifyProof`: the valid proof is accepted; a tampered proof,
//! changed public inputs, points off the curve or outside the subgroup and non-canonical
//! encodings are rejected (the call returns false). Gas is printed, never asserted.

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::short_weierstrass::SWCurveConfig;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, Field, PrimeField, UniformRand};
use ark_groth16::{Groth16, Proof as ArkProof, ProvingKey, VerifyingKey as ArkVk};
use ark_serialize::CanonicalDeserialize;
use zkpot_verifier::groth16::{Groth16Proof as Proof, Groth16Vk};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystemRef, LinearCombination, SynthesisError, Variable,
};
use ark_serialize::CanonicalSerialize;
use ark_snark::SNARK;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use revm::context::result::ExecutionResult;
use revm::context::TxEnv;
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::{keccak256, Address, Bytes, TxKind, U256};
use revm::{Context, ExecuteCommitEvm, MainBuilder, MainContext};
use std::sync::OnceLock;
use zkpot_verifier::evm::{
    self, constructor_args, creation_bytecode, deployment_data, verify_proof_calldata,
    PUBLIC_INPUTS, VERIFYING_KEY_SELECTOR, VERIFY_PROOF_SELECTOR, VERIFY_PROOF_SIGNATURE,
};
use zkpot_verifier::Statement;

// ---------------------------------------------------------------------------------------------
// A toy circuit with the statement's shape: public (m, d, n, s), witness (x, y, z) with
// x * y = m, x + y = d, n * s = z. Every public input is constrained; m and d are full-size
// field elements like commitments, n and s small like N and S.

#[derive(Clone)]
struct Toy {
    x: Fr,
    y: Fr,
    n: u64,
    s: u64,
}

impl Toy {
    fn seeded() -> (Self, ChaCha20Rng) {
        let mut rng = ChaCha20Rng::seed_from_u64(0x7a6b_706f_7465_766d);
        let toy = Toy {
            x: Fr::rand(&mut rng),
            y: Fr::rand(&mut rng),
            n: 500,
            s: 457,
        };
        (toy, rng)
    }

    fn statement(&self) -> [Fr; PUBLIC_INPUTS] {
        [
            self.x * self.y,
            self.x + self.y,
            Fr::from(self.n),
            Fr::from(self.s),
        ]
    }
}

impl ConstraintSynthesizer<Fr> for Toy {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let [m, d, n, s] = self.statement();
        let m = cs.new_input_variable(|| Ok(m))?;
        let d = cs.new_input_variable(|| Ok(d))?;
        let n_var = cs.new_input_variable(|| Ok(n))?;
        let s_var = cs.new_input_variable(|| Ok(s))?;
        let x = cs.new_witness_variable(|| Ok(self.x))?;
        let y = cs.new_witness_variable(|| Ok(self.y))?;
        let z = cs.new_witness_variable(|| Ok(n * s))?;
        let lc = |v: &[Variable]| LinearCombination::<Fr>::sum_vars(v);
        cs.enforce_r1cs_constraint(|| lc(&[x]), || lc(&[y]), || lc(&[m]))?;
        cs.enforce_r1cs_constraint(|| lc(&[x, y]), || lc(&[Variable::One]), || lc(&[d]))?;
        cs.enforce_r1cs_constraint(|| lc(&[n_var]), || lc(&[s_var]), || lc(&[z]))?;
        Ok(())
    }
}

/// Key, proof and statement of the seeded toy circuit.
fn seeded_toy() -> (ArkVk<Bn254>, ArkProof<Bn254>, Statement) {
    let (toy, mut rng) = Toy::seeded();
    let (pk, vk): (ProvingKey<Bn254>, ArkVk<Bn254>) =
        Groth16::<Bn254>::circuit_specific_setup(toy.clone(), &mut rng).expect("setup");
    let [m, d, _, _] = toy.statement();
    let hex0x = |x: &Fr| format!("0x{}", hex::encode(evm::encoding::scalar_word(x)));
    let statement = Statement::new(
        "groth16-bn254",
        "toy".into(),
        hex0x(&m),
        hex0x(&d),
        toy.n,
        toy.s,
    );
    let proof = Groth16::<Bn254>::prove(&pk, toy, &mut rng).expect("prove");
    (vk, proof, statement)
}

/// The committed fixture files (arkworks compressed key and proof, statement JSON), which the
/// CLI test exports too. `ZKPOT_REGENERATE_FIXTURES=1 cargo test --release -p zkpot-verifier
/// --test evm fixtures_are_the_seeded_toy` rewrites them from the seeded toy.
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/evm");

struct Fixture {
    vk: Groth16Vk,
    proof: Proof,
    inputs: [Fr; PUBLIC_INPUTS],
}

/// `ZKPOT_EVM_FIXTURES=DIR` runs the EVM tests on another `vk.bin`, `proof.bin` and
/// `statement.json` (arkworks compressed key and proof), for example a key and proof of the real
/// circuit; `fixtures_are_the_seeded_toy` then checks nothing.
fn fixture_dir() -> std::path::PathBuf {
    std::env::var_os("ZKPOT_EVM_FIXTURES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| FIXTURES.into())
}

fn fixture_path(name: &str) -> std::path::PathBuf {
    fixture_dir().join(name)
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let read = |name: &str| std::fs::read(fixture_path(name)).expect("fixture file");
        let vk = evm::read_verifying_key(&read("vk.bin")).expect("fixture key");
        let proof = evm::read_proof(&read("proof.bin")).expect("fixture proof");
        let statement = Statement::from_json(&String::from_utf8_lossy(&read("statement.json")))
            .expect("fixture statement");
        let inputs = evm::statement_inputs(&statement).expect("statement inputs");
        // arkworks' own verifier agrees, on the same bytes read as its own types (for a zkpot
        // vk.key / proof.bin the cross-check is the verifier crate's own tests)
        if let (Ok(ark_vk), Ok(ark_proof)) = (
            ArkVk::<Bn254>::deserialize_compressed(read("vk.bin").as_slice()),
            ArkProof::<Bn254>::deserialize_compressed(read("proof.bin").as_slice()),
        ) {
            assert!(
                Groth16::<Bn254>::verify(&ark_vk, &inputs, &ark_proof).expect("verify"),
                "arkworks rejects the fixture proof"
            );
        }
        Fixture { vk, proof, inputs }
    })
}

#[test]
fn fixtures_are_the_seeded_toy() {
    if std::env::var_os("ZKPOT_EVM_FIXTURES").is_some() {
        eprintln!("ZKPOT_EVM_FIXTURES is set: not checking the committed toy fixtures");
        return;
    }
    let (vk, proof, statement) = seeded_toy();
    let mut vk_bytes = Vec::new();
    vk.serialize_compressed(&mut vk_bytes)
        .expect("serialize key");
    let mut proof_bytes = Vec::new();
    proof
        .serialize_compressed(&mut proof_bytes)
        .expect("serialize proof");
    assert_eq!(proof_bytes.len(), 128);
    let files = [
        ("vk.bin", vk_bytes),
        ("proof.bin", proof_bytes),
        (
            "statement.json",
            format!("{}\n", statement.to_json()).into_bytes(),
        ),
    ];
    if std::env::var_os("ZKPOT_REGENERATE_FIXTURES").is_some() {
        std::fs::create_dir_all(FIXTURES).expect("fixture directory");
        for (name, bytes) in &files {
            std::fs::write(fixture_path(name), bytes).expect("write fixture");
        }
    }
    for (name, bytes) in &files {
        let committed = std::fs::read(fixture_path(name)).expect("fixture file");
        assert!(
            &committed == bytes,
            "{name} is not what the seeded toy gives: rerun with ZKPOT_REGENERATE_FIXTURES=1"
        );
    }
}

#[test]
fn malformed_key_and_proof_files_are_refused() {
    let committed = std::fs::read(fixture_path("proof.bin")).expect("fixture proof");
    assert!(evm::read_proof(&committed[..127]).is_err());
    let mut flipped = committed.clone();
    flipped[0] ^= 0x01; // A.x changes: almost surely off the curve.
    assert!(
        evm::read_proof(&flipped).is_err()
            || evm::read_proof(&flipped).ok() != evm::read_proof(&committed).ok()
    );
    assert!(evm::read_verifying_key(b"not a key").is_err());
}

// ---------------------------------------------------------------------------------------------
// A one-account chain in revm.

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Accepted,
    /// `verifyProof` returned false.
    Rejected,
    Reverted,
    Halted(String),
    /// Returned something that is not an ABI bool.
    Garbage(Vec<u8>),
}

struct Chain {
    evm: revm::MainnetEvm<revm::handler::MainnetContext<CacheDB<EmptyDB>>>,
    nonce: u64,
}

const CALLER: Address = Address::repeat_byte(0x11);
const GAS_LIMIT: u64 = 10_000_000;

impl Chain {
    fn new() -> Self {
        let evm = Context::mainnet()
            .with_db(CacheDB::<EmptyDB>::default())
            .build_mainnet();
        Chain { evm, nonce: 0 }
    }

    fn transact(&mut self, kind: TxKind, data: Vec<u8>) -> ExecutionResult {
        let tx = TxEnv::builder()
            .caller(CALLER)
            .kind(kind)
            .data(Bytes::from(data))
            .gas_limit(GAS_LIMIT)
            .nonce(self.nonce)
            .build_fill();
        let result = self
            .evm
            .transact_commit(tx)
            .expect("the transaction is valid");
        self.nonce += 1;
        result
    }

    /// Deploys `data` (creation bytecode ++ constructor arguments); returns the address and gas.
    fn deploy(&mut self, data: Vec<u8>) -> (Address, u64) {
        let result = self.transact(TxKind::Create, data);
        let gas = result.tx_gas_used();
        let address = result
            .created_address()
            .unwrap_or_else(|| panic!("deployment failed: {result:?}"));
        (address, gas)
    }

    fn call(&mut self, to: Address, data: Vec<u8>) -> (Outcome, u64, Vec<u8>) {
        let result = self.transact(TxKind::Call(to), data);
        let gas = result.tx_gas_used();
        match result {
            ExecutionResult::Success { output, .. } => {
                let out = output.into_data().to_vec();
                let outcome =
                    if out.len() == 32 && out[..31].iter().all(|b| *b == 0) && out[31] <= 1 {
                        if out[31] == 1 {
                            Outcome::Accepted
                        } else {
                            Outcome::Rejected
                        }
                    } else {
                        Outcome::Garbage(out.clone())
                    };
                (outcome, gas, out)
            }
            ExecutionResult::Revert { .. } => (Outcome::Reverted, gas, Vec::new()),
            ExecutionResult::Halt { reason, .. } => {
                (Outcome::Halted(format!("{reason:?}")), gas, Vec::new())
            }
        }
    }
}

/// A chain with the verifier deployed for the fixture's key.
fn deployed() -> (Chain, Address) {
    let mut chain = Chain::new();
    let (address, _) = chain.deploy(deployment_data(&fixture().vk).expect("deployment data"));
    (chain, address)
}

/// Word `k` of `verifyProof` calldata: 0-1 A, 2-5 B (x_im, x_re, y_im, y_re), 6-7 C, 8-11 inputs.
fn word_range(k: usize) -> std::ops::Range<usize> {
    4 + 32 * k..4 + 32 * (k + 1)
}

fn get_word(data: &[u8], k: usize) -> U256 {
    U256::from_be_slice(&data[word_range(k)])
}

fn set_word(data: &mut [u8], k: usize, value: U256) {
    data[word_range(k)].copy_from_slice(&value.to_be_bytes::<32>());
}

/// Adds `delta` to word `k` (wrapping at 2^256).
fn add_to_word(data: &mut [u8], k: usize, delta: U256) {
    let value = get_word(data, k).wrapping_add(delta);
    set_word(data, k, value);
}

fn modulus<F: PrimeField>() -> U256 {
    U256::from_be_slice(&F::MODULUS.to_bytes_be())
}

fn valid_calldata() -> Vec<u8> {
    let f = fixture();
    verify_proof_calldata(&f.proof, &f.inputs)
}

fn assert_rejected(chain: &mut Chain, address: Address, data: Vec<u8>, what: &str) {
    let (outcome, gas, _) = chain.call(address, data);
    assert_eq!(
        outcome,
        Outcome::Rejected,
        "{what}: expected verifyProof to return false"
    );
    eprintln!("rejected {what}: {gas} gas");
}

// ---------------------------------------------------------------------------------------------
// The committed artifacts.

#[test]
fn committed_source_matches_its_build_record() {
    use sha2::{Digest, Sha256};
    let record: serde_json::Value =
        serde_json::from_str(evm::BUILD_INFO_JSON).expect("build record is JSON");
    let sha = hex::encode(Sha256::digest(evm::SOLIDITY_SOURCE.as_bytes()));
    assert_eq!(
        record["sourceSha256"].as_str(),
        Some(sha.as_str()),
        "verifier/evm/Groth16Verifier.sol changed since it was compiled: run `node scripts/compile_verifier.mjs`"
    );
    let bytecode = creation_bytecode().expect("committed bytecode is hex");
    assert_eq!(
        record["bytecodeBytes"].as_u64(),
        Some(bytecode.len() as u64)
    );
    let ids = &record["methodIdentifiers"];
    assert_eq!(
        ids[VERIFY_PROOF_SIGNATURE].as_str(),
        Some(hex::encode(VERIFY_PROOF_SELECTOR).as_str())
    );
    assert_eq!(
        ids["verifyingKey()"].as_str(),
        Some(hex::encode(VERIFYING_KEY_SELECTOR).as_str())
    );
    assert_eq!(
        keccak256(VERIFY_PROOF_SIGNATURE.as_bytes())[..4],
        VERIFY_PROOF_SELECTOR
    );
    assert_eq!(keccak256(b"verifyingKey()")[..4], VERIFYING_KEY_SELECTOR);
}

#[test]
fn key_with_another_number_of_inputs_is_refused() {
    let mut vk = fixture().vk.clone();
    vk.gamma_abc_g1.pop();
    assert!(constructor_args(&vk).is_err());
    assert!(deployment_data(&vk).is_err());
}

#[test]
fn export_writes_the_contract_deployment_and_calldata() {
    let f = fixture();
    let dir = std::env::temp_dir().join(format!("zkpot-evm-export-{}", std::process::id()));
    let files =
        evm::write_verifier(&dir, Some(&f.vk), Some((&f.proof, &f.inputs))).expect("export");
    assert_eq!(files.len(), 5);
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("exported file");
    assert_eq!(read("Groth16Verifier.sol"), evm::SOLIDITY_SOURCE);
    assert_eq!(
        hex::decode(read("Groth16Verifier.bin").trim()).ok(),
        creation_bytecode().ok()
    );
    let deploy = read("deploy.hex");
    assert_eq!(
        hex::decode(deploy.trim().trim_start_matches("0x")).ok(),
        deployment_data(&f.vk).ok()
    );
    let calldata = read("calldata.hex");
    assert_eq!(
        hex::decode(calldata.trim().trim_start_matches("0x")).ok(),
        Some(valid_calldata())
    );
    let _ = std::fs::remove_dir_all(&dir);

    // A proof that does not verify for the key gets no calldata.
    let mut wrong = f.inputs;
    wrong[3] += Fr::from(1u8);
    let refused = evm::write_verifier(&dir, Some(&f.vk), Some((&f.proof, &wrong)));
    assert!(
        matches!(refused, Err(zkpot_verifier::VerifyError::Rejected(_))),
        "{refused:?}"
    );
    assert!(!dir.join("calldata.hex").exists());
}

// ---------------------------------------------------------------------------------------------
// In the EVM.

#[test]
fn valid_proof_is_accepted() {
    let mut chain = Chain::new();
    let data = deployment_data(&fixture().vk).expect("deployment data");
    let (address, deploy_gas) = chain.deploy(data);
    let (outcome, gas, _) = chain.call(address, valid_calldata());
    assert_eq!(outcome, Outcome::Accepted);
    eprintln!(
        "deploy: {deploy_gas} gas (creation bytecode {} bytes + 24 key words)",
        creation_bytecode().map(|b| b.len()).unwrap_or(0)
    );
    eprintln!("verifyProof (valid proof): {gas} gas for the whole transaction (21000 base + calldata + execution)");
    // The same call is accepted again: the contract keeps no state.
    assert_eq!(chain.call(address, valid_calldata()).0, Outcome::Accepted);
}

#[test]
fn deployed_key_reads_back() {
    let (mut chain, address) = deployed();
    let (outcome, _, out) = chain.call(address, VERIFYING_KEY_SELECTOR.to_vec());
    assert!(
        matches!(outcome, Outcome::Garbage(_)),
        "verifyingKey() returns 24 words, not a bool"
    );
    assert_eq!(
        out,
        constructor_args(&fixture().vk).expect("constructor args")
    );
}

#[test]
fn changed_public_inputs_are_rejected() {
    let (mut chain, address) = deployed();
    let names = ["model commitment", "data set commitment", "N", "S"];
    for (i, name) in names.iter().enumerate() {
        let mut data = valid_calldata();
        let k = 8 + i;
        add_to_word(&mut data, k, U256::from(1u8));
        assert_rejected(&mut chain, address, data, &format!("{name} + 1"));
        // Another input's value in this slot.
        let mut data = valid_calldata();
        let other = get_word(&data, 8 + (i + 1) % PUBLIC_INPUTS);
        if other == get_word(&data, k) {
            continue; // N = S on a perfect score: nothing changes.
        }
        set_word(&mut data, k, other);
        assert_rejected(
            &mut chain,
            address,
            data,
            &format!("{name} replaced by another input"),
        );
    }
}

#[test]
fn public_inputs_at_or_above_the_scalar_modulus_are_rejected() {
    let (mut chain, address) = deployed();
    let r = modulus::<Fr>();
    for i in 0..PUBLIC_INPUTS {
        let k = 8 + i;
        // input + r is the same scalar to ecMul: without the range check this would verify.
        let mut data = valid_calldata();
        add_to_word(&mut data, k, r);
        assert_rejected(&mut chain, address, data, &format!("input {i} + r"));
        let mut data = valid_calldata();
        set_word(&mut data, k, U256::MAX);
        assert_rejected(&mut chain, address, data, &format!("input {i} = 2^256 - 1"));
    }
}

#[test]
fn tampered_proof_coordinates_are_rejected() {
    let (mut chain, address) = deployed();
    let names = [
        "A.x", "A.y", "B.x_im", "B.x_re", "B.y_im", "B.y_re", "C.x", "C.y",
    ];
    for (k, name) in names.iter().enumerate() {
        // + 1: the point leaves the curve.
        let mut data = valid_calldata();
        add_to_word(&mut data, k, U256::from(1u8));
        assert_rejected(&mut chain, address, data, &format!("{name} + 1"));
        // + p: the same field element, not canonically encoded.
        let mut data = valid_calldata();
        add_to_word(&mut data, k, modulus::<Fq>());
        assert_rejected(&mut chain, address, data, &format!("{name} + p"));
        // One bit flipped.
        let mut data = valid_calldata();
        data[word_range(k).end - 1] ^= 1;
        assert_rejected(
            &mut chain,
            address,
            data,
            &format!("{name} low bit flipped"),
        );
    }
}

#[test]
fn wrong_points_on_the_curve_are_rejected() {
    let (mut chain, address) = deployed();
    let f = fixture();
    let g1 = G1Affine::generator();
    let cases: Vec<(&str, Proof)> = vec![
        (
            "A + G1",
            Proof {
                a: (f.proof.a + g1).into_affine(),
                ..f.proof.clone()
            },
        ),
        (
            "-A",
            Proof {
                a: -f.proof.a,
                ..f.proof.clone()
            },
        ),
        (
            "-B",
            Proof {
                b: -f.proof.b,
                ..f.proof.clone()
            },
        ),
        (
            "C + G1",
            Proof {
                c: (f.proof.c + g1).into_affine(),
                ..f.proof.clone()
            },
        ),
        (
            "A and C swapped",
            Proof {
                a: f.proof.c,
                c: f.proof.a,
                ..f.proof.clone()
            },
        ),
        (
            "A at infinity",
            Proof {
                a: G1Affine::zero(),
                ..f.proof.clone()
            },
        ),
        (
            "B at infinity",
            Proof {
                b: G2Affine::zero(),
                ..f.proof.clone()
            },
        ),
    ];
    for (name, proof) in cases {
        assert_rejected(
            &mut chain,
            address,
            verify_proof_calldata(&proof, &f.inputs),
            name,
        );
    }
    // B with its real and imaginary parts in arkworks' order instead of the precompile's.
    let mut data = valid_calldata();
    let (x_im, x_re, y_im, y_re) = (
        get_word(&data, 2),
        get_word(&data, 3),
        get_word(&data, 4),
        get_word(&data, 5),
    );
    for (k, v) in [(2, x_re), (3, x_im), (4, y_re), (5, y_im)] {
        set_word(&mut data, k, v);
    }
    assert_rejected(&mut chain, address, data, "B in (re, im) order");
}

#[test]
fn g2_point_outside_the_subgroup_is_rejected() {
    // A point on the twist y^2 = x^3 + b' that is not in the order-r subgroup (the twist's
    // cofactor is about 2^254, so the first x with a square root gives one).
    let b = ark_bn254::g2::Config::COEFF_B;
    let mut x = Fq2::new(Fq::from(1u8), Fq::from(0u8));
    let point = loop {
        if let Some(y) = (x * x * x + b).sqrt() {
            let p = G2Affine::new_unchecked(x, y);
            if p.is_on_curve() && !p.is_in_correct_subgroup_assuming_on_curve() {
                break p;
            }
        }
        x += Fq2::ONE;
    };
    let (mut chain, address) = deployed();
    let f = fixture();
    let proof = Proof {
        b: point,
        ..f.proof.clone()
    };
    assert_rejected(
        &mut chain,
        address,
        verify_proof_calldata(&proof, &f.inputs),
        "B outside the G2 subgroup",
    );
}

#[test]
fn truncated_calldata_is_rejected_without_accepting() {
    let (mut chain, address) = deployed();
    let mut data = valid_calldata();
    data.truncate(data.len() - 32);
    let (outcome, _, _) = chain.call(address, data);
    assert_ne!(outcome, Outcome::Accepted, "a short call must not verify");
}

// ---------------------------------------------------------------------------------------------
// The real circuit.

/// A real zkpot Groth16 key, proof and statement as the CLI writes them: the bundled digits MLP
/// on its first 2 test samples with the default development keys
/// (`zkpot prove --backend groth16 --samples 2`). `prover/tests/groth16.rs`
/// (`evm_fixture_key_is_todays_circuit`) checks that the key is the one today's circuit gives,
/// so this test always runs the real statement's key through the contract.
const DIGITS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/evm-digits");

#[test]
fn real_digits_proof_is_accepted_on_chain_and_changed_inputs_are_not() {
    let read = |name: &str| std::fs::read(format!("{DIGITS}/{name}")).expect("fixture file");
    let vk = evm::read_verifying_key(&read("vk.key")).expect("zkpot vk.key");
    let proof = evm::read_proof(&read("proof.bin")).expect("zkpot proof.bin");
    let statement = Statement::from_json(&String::from_utf8_lossy(&read("statement.json"))).expect("statement");
    let inputs = evm::statement_inputs(&statement).expect("statement inputs");
    let mut chain = Chain::new();
    let (address, deploy_gas) = chain.deploy(deployment_data(&vk).expect("deployment data"));
    let (outcome, gas, _) = chain.call(address, verify_proof_calldata(&proof, &inputs));
    assert_eq!(outcome, Outcome::Accepted, "the real proof must verify on chain");
    eprintln!(
        "real digits proof (N = {}, S = {}): deployment {deploy_gas} gas, verifyProof {gas} gas",
        statement.samples, statement.score
    );
    for i in 0..PUBLIC_INPUTS {
        let mut wrong = inputs;
        wrong[i] += Fr::from(1u64);
        assert_rejected(&mut chain, address, verify_proof_calldata(&proof, &wrong), &format!("input {i} + 1"));
    }
}
