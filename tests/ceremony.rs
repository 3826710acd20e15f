//! Real multi-party ceremonies run by snarkjs (pinned in `tests/js/package.json` and
//! `package-lock.json`, installed here with `npm ci`):
//!
//! * powers of tau at power 12 (once per run): new, two contributions, a beacon, `powersoftau
//!   verify`, `prepare phase2`. zkpot imports the file (with and without the phase-2 sections),
//!   proves and verifies with the key re-derived from it; a file with one corrupted point is
//!   refused with the point named.
//! * Groth16 phase 2 over it for zkpot's exported R1CS (N = 2): `groth16 setup`, two `zkey
//!   contribute`, `zkey beacon`, `zkey verify`; zkpot imports the final `.zkey`, proves, and
//!   the proof verifies (in zkpot and in snarkjs); a proof under the development keys does not.
//! * snarkjs verifies an exported zkpot Groth16 proof and rejects a changed public input.
//!
//! Needs node and npm. Without them the test FAILS (it never skips), saying so.

mod common;

use common::{assert_fails_with, text, tiny_workdir, zkpot};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// `tests/js/node_modules/.bin/snarkjs`, installed once with `npm ci`.
fn snarkjs() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js");
        let bin = js.join("node_modules/.bin/snarkjs");
        if !bin.exists() {
            let o = Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&js).output().unwrap_or_else(|e| {
                panic!("this test needs npm (and node 20) to install the pinned snarkjs in tests/js with `npm ci`: {e}")
            });
            assert!(o.status.success(), "`npm ci` in {} failed: {}", js.display(), text(&o));
        }
        bin
    })
}

/// A directory holding `pot_beacon.ptau` (power 12, two contributions and a beacon, verified)
/// and `pot_final.ptau` (the same prepared for phase 2), made once per run.
fn ceremony() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = common::empty_dir("ceremony", "ptau12");
        snark(&dir, &["powersoftau", "new", "bn128", "12", "pot_0.ptau"]);
        snark(&dir, &["powersoftau", "contribute", "pot_0.ptau", "pot_1.ptau", "--name=alice", "-e=alice's entropy"]);
        snark(&dir, &["powersoftau", "contribute", "pot_1.ptau", "pot_2.ptau", "--name=bob", "-e=bob's entropy"]);
        snark(&dir, &["powersoftau", "beacon", "pot_2.ptau", "pot_beacon.ptau", BEACON, "10", "-n=final beacon"]);
        snark(&dir, &["powersoftau", "verify", "pot_beacon.ptau"]); // exits 1 unless the transcript verifies
        snark(&dir, &["powersoftau", "prepare", "phase2", "pot_beacon.ptau", "pot_final.ptau"]);
        dir
    })
}

const BEACON: &str = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";

fn snark(dir: &Path, args: &[&str]) -> String {
    let o = Command::new(snarkjs()).args(args).current_dir(dir).output().expect("run snarkjs");
    let t = text(&o);
    assert!(o.status.success(), "snarkjs {args:?} failed: {t}");
    t
}

fn json(o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", text(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

/// The tauG1 section's byte offset in a `.ptau` file.
fn tau_g1_offset(bytes: &[u8]) -> usize {
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap());
    let mut pos = 12;
    for _ in 0..u32_at(8) {
        let size = u64::from_le_bytes(bytes[pos + 4..pos + 12].try_into().unwrap()) as usize;
        if u32_at(pos) == 2 {
            return pos + 12;
        }
        pos += 12 + size;
    }
    panic!("no tauG1 section")
}

#[test]
fn a_snarkjs_ceremony_file_is_imported_checked_and_used() {
    let dir = tiny_workdir("ceremony", "ptau");
    for f in ["pot_beacon.ptau", "pot_final.ptau"] {
        std::fs::copy(ceremony().join(f), dir.join(f)).unwrap();
    }

    // both files (with and without the phase-2 sections) hold the same powers
    let prepared = json(&zkpot(&dir, &["import-srs", "pot_final.ptau", "--k", "9"]));
    let plain = json(&zkpot(&dir, &["import-srs", "pot_beacon.ptau", "--k", "9", "--out", "k9.srs"]));
    assert_eq!((prepared["ptau_power"].as_u64(), prepared["ptau_phase2_prepared"].as_bool()), (Some(12), Some(true)));
    assert_eq!(plain["ptau_phase2_prepared"], false);
    assert_eq!(prepared["fingerprint"], plain["fingerprint"]);
    assert_eq!(prepared["development"], false);
    // the halo2-format file written by import-srs reads back to the same powers
    assert_eq!(json(&zkpot(&dir, &["import-srs", "k9.srs", "--k", "9"]))["fingerprint"], plain["fingerprint"]);

    let q = ["--float-model", "model.json", "--data", "data.json", "--scale-bits", "3", "--value-bits", "8"];
    let prove = [&["prove", "--srs", "pot_final.ptau"][..], &q].concat();
    let proved = json(&zkpot(&dir, &prove));
    assert_eq!(proved["development_key"], false);
    let out = json(&zkpot(&dir, &["verify", "--srs", "pot_beacon.ptau"]));
    assert_eq!((out["result"].as_str(), out["development_key"].as_bool()), (Some("accept"), Some(false)));
    let settings: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("settings.json")).unwrap()).unwrap();
    assert_eq!(settings["provenance"]["fingerprint"], plain["fingerprint"]);
    json(&zkpot(&dir, &["verify", "--vk-digest", settings["vk_digest"].as_str().unwrap()]));

    // one corrupted point: power 5 replaced by power 6 (a valid curve point, the wrong power)
    let mut bytes = std::fs::read(dir.join("pot_final.ptau")).unwrap();
    let g1 = tau_g1_offset(&bytes);
    let p6 = bytes[g1 + 6 * 64..g1 + 7 * 64].to_vec();
    bytes[g1 + 5 * 64..g1 + 6 * 64].copy_from_slice(&p6);
    std::fs::write(dir.join("swapped.ptau"), &bytes).unwrap();
    let o = zkpot(&dir, &["import-srs", "swapped.ptau", "--k", "9"]);
    assert_fails_with(&o, "point at index 5 ");
    assert_fails_with(&zkpot(&dir, &[&["prove", "--srs", "swapped.ptau"][..], &q].concat()), "consistency check");
    // a point off the curve
    bytes[g1 + 7 * 64] ^= 1;
    std::fs::write(dir.join("offcurve.ptau"), &bytes).unwrap();
    assert_fails_with(&zkpot(&dir, &["import-srs", "offcurve.ptau", "--k", "9"]), "tauG1 point 7");
    // too small, truncated, not a ceremony file
    assert_fails_with(&zkpot(&dir, &["import-srs", "pot_final.ptau", "--k", "13"]), "up to k = 12");
    std::fs::write(dir.join("short.ptau"), &bytes[..bytes.len() / 3]).unwrap();
    assert_fails_with(&zkpot(&dir, &["import-srs", "short.ptau", "--k", "9"]), "past the end of the file");
    assert_fails_with(&zkpot(&dir, &["import-srs", "model.json", "--k", "9"]), "cannot decode KZG parameters");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn snarkjs_verifies_an_exported_zkpot_groth16_proof() {
    // a real proof of the digits MLP on 2 samples (verifier/tests/fixtures/evm-digits)
    let dir = tiny_workdir("ceremony", "interop");
    let fixture = |name: &str| format!("{}/verifier/tests/fixtures/evm-digits/{name}", env!("CARGO_MANIFEST_DIR"));
    let (vk, proof, statement) = (fixture("vk.key"), fixture("proof.bin"), fixture("statement.json"));
    json(&zkpot(&dir, &["export-verifier", "--vk", &vk, "--proof", &proof, "--statement", &statement, "--out", "out"]));
    let js = dir.join("out");
    let verify = |public: &str| {
        Command::new(snarkjs()).args(["groth16", "verify", "verification_key.json", public, "proof.json"]).current_dir(&js).output().expect("run snarkjs")
    };
    let o = verify("public.json");
    assert!(o.status.success(), "snarkjs rejected zkpot's proof: {}", text(&o));
    assert!(text(&o).contains("OK"), "{}", text(&o));
    // a changed public input (S + 1) is rejected
    let mut public: Vec<String> = serde_json::from_str(&std::fs::read_to_string(js.join("public.json")).unwrap()).unwrap();
    let s: u64 = public[3].parse().unwrap();
    public[3] = (s + 1).to_string();
    std::fs::write(js.join("changed.json"), serde_json::to_string(&public).unwrap()).unwrap();
    let o = verify("changed.json");
    assert!(!o.status.success(), "snarkjs accepted a changed public input: {}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_groth16_phase_2_ceremony_key_proves_and_dev_proofs_do_not_verify_under_it() {
    let dir = tiny_workdir("ceremony", "zkey");
    std::fs::copy(ceremony().join("pot_final.ptau"), dir.join("pot_final.ptau")).unwrap();
    let q = ["--float-model", "model.json", "--data", "data.json", "--scale-bits", "3", "--value-bits", "8", "--samples", "2"];
    let with = |args: &[&'static str]| [args, &q[..]].concat();
    let exported = json(&zkpot(&dir, &with(&["export-r1cs", "--out", "circuit.r1cs"])));
    assert_eq!(exported["public_inputs"], 4);
    let info = snark(&dir, &["r1cs", "info", "circuit.r1cs"]);
    assert!(info.contains(&format!("# of Constraints: {}", exported["constraints"])), "{info}");
    snark(&dir, &["groth16", "setup", "circuit.r1cs", "pot_final.ptau", "c0.zkey"]);
    snark(&dir, &["zkey", "contribute", "c0.zkey", "c1.zkey", "--name=carol", "-e=carol's entropy"]);
    snark(&dir, &["zkey", "contribute", "c1.zkey", "c2.zkey", "--name=dave", "-e=dave's entropy"]);
    snark(&dir, &["zkey", "beacon", "c2.zkey", "final.zkey", BEACON, "10", "-n=phase 2 beacon"]);
    snark(&dir, &["zkey", "verify", "circuit.r1cs", "pot_final.ptau", "final.zkey"]); // exits 1 unless it verifies

    let setup = json(&zkpot(&dir, &with(&["setup", "--backend", "groth16", "--zkey", "final.zkey", "--vk", "vk.key"])));
    assert_eq!((setup["development_key"].as_bool(), setup["provenance"]["source"].as_str()), (Some(false), Some("ceremony-zkey")));
    let digest = setup["vk_digest"].as_str().unwrap().to_string();
    // prove checks its fresh proof against the ceremony key; verify pinned by digest
    json(&zkpot(&dir, &with(&["prove", "--backend", "groth16", "--zkey", "final.zkey", "--vk", "ceremony.vk"])));
    assert_eq!(zkpot_verifier::AnyKey::read(&dir.join("ceremony.vk")).unwrap().digest_hex(), digest);
    let out = json(&zkpot(&dir, &["verify", "--vk", "ceremony.vk", "--vk-digest", &digest]));
    assert_eq!((out["result"].as_str(), out["development_key"].as_bool()), (Some("accept"), Some(false)));
    // snarkjs verifies the same proof under the same key
    json(&zkpot(&dir, &["export-verifier", "--vk", "ceremony.vk", "--proof", "proof.bin", "--statement", "statement.json", "--out", "js"]));
    snark(&dir.join("js"), &["groth16", "verify", "verification_key.json", "public.json", "proof.json"]);

    // a proof under the development keys does not verify against the ceremony key
    json(&zkpot(&dir, &with(&["prove", "--backend", "groth16", "--vk", "dev.vk", "--proof", "dev.bin", "--statement", "dev.json"])));
    let dev = zkpot_verifier::Statement::from_json(&std::fs::read_to_string(dir.join("dev.json")).unwrap()).unwrap();
    std::fs::write(dir.join("dev-v1.json"), dev.to_json()).unwrap(); // without the dev key's digest
    let o = zkpot(&dir, &["verify", "--statement", "dev-v1.json", "--proof", "dev.bin", "--vk", "ceremony.vk", "--vk-digest", &digest]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_fails_with(&o, "pairing check failed");
    // the ceremony key is for N = 2 only
    let other = ["setup", "--backend", "groth16", "--zkey", "final.zkey", "--float-model", "model.json", "--data", "data.json", "--scale-bits", "3", "--value-bits", "8", "--samples", "1"];
    assert_fails_with(&zkpot(&dir, &other), "it is for another circuit");
    let _ = std::fs::remove_dir_all(&dir);
}
