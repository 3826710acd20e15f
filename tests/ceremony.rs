//! A real multi-party powers-of-tau ceremony run by snarkjs (pinned in `tests/js/package.json`
//! and `package-lock.json`, installed here with `npm ci`): new, two contributions, a beacon,
//! `powersoftau verify`, `prepare phase2`, at power 10. zkpot imports the file (with and
//! without the phase-2 sections), proves and verifies with the key re-derived from it; a file
//! with one corrupted point is refused with the point named.
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
    snark(&dir, &["powersoftau", "new", "bn128", "10", "pot_0.ptau"]);
    snark(&dir, &["powersoftau", "contribute", "pot_0.ptau", "pot_1.ptau", "--name=alice", "-e=alice's entropy"]);
    snark(&dir, &["powersoftau", "contribute", "pot_1.ptau", "pot_2.ptau", "--name=bob", "-e=bob's entropy"]);
    let beacon = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";
    snark(&dir, &["powersoftau", "beacon", "pot_2.ptau", "pot_beacon.ptau", beacon, "10", "-n=final beacon"]);
    snark(&dir, &["powersoftau", "verify", "pot_beacon.ptau"]); // exits 1 unless the transcript verifies
    snark(&dir, &["powersoftau", "prepare", "phase2", "pot_beacon.ptau", "pot_final.ptau"]);

    // both files (with and without the phase-2 sections) hold the same powers
    let prepared = json(&zkpot(&dir, &["import-srs", "pot_final.ptau", "--k", "9"]));
    let plain = json(&zkpot(&dir, &["import-srs", "pot_beacon.ptau", "--k", "9", "--out", "k9.srs"]));
    assert_eq!((prepared["ptau_power"].as_u64(), prepared["ptau_phase2_prepared"].as_bool()), (Some(10), Some(true)));
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
    assert_fails_with(&zkpot(&dir, &["import-srs", "pot_final.ptau", "--k", "11"]), "up to k = 10");
    std::fs::write(dir.join("short.ptau"), &bytes[..bytes.len() / 3]).unwrap();
    assert_fails_with(&zkpot(&dir, &["import-srs", "short.ptau", "--k", "9"]), "past the end of the file");
    assert_fails_with(&zkpot(&dir, &["import-srs", "model.json", "--k", "9"]), "cannot decode KZG parameters");
    let _ = std::fs::remove_dir_all(&dir);
}
