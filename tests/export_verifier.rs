//! `zkpot export-verifier` end to end on the committed Groth16 fixture (a toy circuit with the
//! statement's four public inputs, `verifier/tests/fixtures/evm`): the files it writes, and a
//! clear message (never a panic) for a wrong backend, a malformed key or a proof that does not
//! verify. The contract itself is run in an EVM by `verifier/tests/evm.rs`.

mod common;

use common::{assert_fails_with, empty_dir, text, zkpot};
use std::path::{Path, PathBuf};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/verifier/tests/fixtures/evm");

fn fixture(name: &str) -> String {
    Path::new(FIXTURES).join(name).display().to_string()
}

fn workdir(name: &str) -> PathBuf {
    empty_dir("export", name)
}

#[test]
fn exports_contract_deployment_and_calldata() {
    let dir = workdir("ok");
    let (vk, proof, statement) = (fixture("vk.bin"), fixture("proof.bin"), fixture("statement.json"));
    let o = zkpot(&dir, &["export-verifier", "--backend", "groth16", "--vk", &vk, "--proof", &proof, "--statement", &statement, "--out", "evm"]);
    assert!(o.status.success(), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    assert_eq!(report["files"].as_array().map(Vec::len), Some(8), "5 EVM files and 3 snarkjs JSON files");
    let read = |name: &str| std::fs::read_to_string(dir.join("evm").join(name)).expect("exported file");
    let bin = read("Groth16Verifier.bin");
    assert!(read("Groth16Verifier.sol").contains("contract Groth16Verifier"));
    let deploy = read("deploy.hex");
    assert!(deploy.starts_with(&format!("0x{}", bin.trim())), "deployment data starts with the creation bytecode");
    assert_eq!(deploy.trim().len(), 2 + bin.trim().len() + 24 * 64, "creation bytecode + 24 key words");
    let calldata = read("calldata.hex");
    assert!(calldata.starts_with("0x5fe8c13b"), "verifyProof selector");
    assert_eq!(calldata.trim().len(), 2 + 8 + 12 * 64);
    // The last word is S = 457.
    assert!(calldata.trim().ends_with(&format!("{:064x}", 457)));

    // Without a key: only the key-independent contract files.
    let o = zkpot(&dir, &["export-verifier", "--out", "plain"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(dir.join("plain/Groth16Verifier.bin").exists());
    assert!(!dir.join("plain/deploy.hex").exists());
}

#[test]
fn bad_inputs_fail_with_clear_messages() {
    let dir = workdir("bad");
    let (vk, proof, statement) = (fixture("vk.bin"), fixture("proof.bin"), fixture("statement.json"));
    assert_fails_with(&zkpot(&dir, &["export-verifier", "--backend", "halo2"]), "only `--backend groth16`");

    std::fs::write(dir.join("junk.key"), b"not a key").expect("write");
    assert_fails_with(&zkpot(&dir, &["export-verifier", "--vk", "junk.key"]), "Groth16 verifying key is malformed");
    assert_fails_with(&zkpot(&dir, &["export-verifier", "--vk", "missing.key"]), "cannot read");

    // The proof of S = 457 does not verify for S = 456: no calldata.
    let text_of = std::fs::read_to_string(&statement).expect("fixture statement");
    std::fs::write(dir.join("wrong.json"), text_of.replace("\"score\": 457", "\"score\": 456")).expect("write");
    let o = zkpot(&dir, &["export-verifier", "--vk", &vk, "--proof", &proof, "--statement", "wrong.json", "--out", "evm"]);
    assert_fails_with(&o, "does not verify");
    assert!(!dir.join("evm/calldata.hex").exists());

    // A proof needs its statement and the key.
    assert_fails_with(&zkpot(&dir, &["export-verifier", "--proof", &proof]), "required");
}
