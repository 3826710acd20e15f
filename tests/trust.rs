//! Trust anchors end to end (docs/trust.md): a verifier accepts a key only when pinned, a key
//! from another SRS or a rogue Groth16 key with a forged proof of a false score is rejected by
//! `verify` and `verify --bundle` when pinned (and accepted when trusted as given: the attack
//! is real), development keys are refused without `--allow-insecure-dev`, and a poisoned key
//! cache is an error naming the file.

mod common;

use common::{assert_fails_with, text, tiny_workdir, write_srs, zkpot};
use std::path::Path;
use zkpot_verifier::forgery::rogue_key_and_forged_proof;
use zkpot_verifier::{AnyKey, Statement};

const Q: [&str; 6] = ["--float-model", "model.json", "--data", "data.json", "--scale-bits", "3"];
const B: [&str; 2] = ["--value-bits", "8"];

fn args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    extra.iter().copied().chain(Q).chain(B).collect()
}

fn json(o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", text(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

fn digest_of(dir: &Path, key: &str) -> String {
    AnyKey::read(&dir.join(key)).unwrap().digest_hex()
}

#[test]
fn halo2_keys_must_be_pinned_and_a_key_from_another_srs_is_rejected() {
    let dir = tiny_workdir("trust", "halo2");
    write_srs(&dir.join("a.srs"), 10, 1); // the ceremony the verifier trusts (trimmed to k = 9)
    write_srs(&dir.join("b.srs"), 9, 2); // another SRS (its author may know the trapdoor)
    let imported = json(&zkpot(&dir, &["import-srs", "a.srs", "--k", "9", "--out", "a9.srs"]));
    assert_eq!(imported["development"], false);
    let fingerprint = imported["fingerprint"].as_str().unwrap().to_string();

    let setup = json(&zkpot(&dir, &args(&["setup", "--srs", "a.srs", "--vk", "honest.vk"])));
    let honest = setup["vk_digest"].as_str().unwrap().to_string();
    assert_eq!(setup["provenance"]["source"], "ceremony-srs");
    assert_eq!(setup["provenance"]["fingerprint"], fingerprint.as_str(), "the key records the SRS it came from");
    let settings: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("settings.json")).unwrap()).unwrap();
    assert_eq!(settings["vk_digest"], honest.as_str());
    json(&zkpot(&dir, &args(&["prove", "--srs", "a9.srs"])));
    assert_eq!(digest_of(&dir, "vk.key"), honest, "the trimmed file gives the same key");
    let statement: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("statement.json")).unwrap()).unwrap();
    assert_eq!((statement["version"].as_u64(), statement["vk_digest"].as_str()), (Some(2), Some(honest.as_str())));

    // unpinned: rejected, saying how to pin
    let o = zkpot(&dir, &["verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert_fails_with(&o, "--vk-digest");
    // each way of pinning accepts the honest key
    std::fs::create_dir_all(dir.join("trusted")).unwrap();
    std::fs::copy(dir.join("honest.vk"), dir.join("trusted/digits.vk")).unwrap();
    for pin in [&["--vk-digest", honest.as_str()][..], &["--srs", "a.srs"], &["--trusted-keys", "trusted"]] {
        let out = json(&zkpot(&dir, &[&["verify"][..], pin].concat()));
        assert_eq!((out["result"].as_str(), out["development_key"].as_bool()), (Some("accept"), Some(false)), "{pin:?}");
    }

    // the attack: a key from SRS b for the same shape id, with its own proof
    json(&zkpot(&dir, &args(&["prove", "--srs", "b.srs", "--vk", "evil.vk", "--proof", "evil.bin", "--statement", "evil.json"])));
    let evil = Statement::from_json(&std::fs::read_to_string(dir.join("evil.json")).unwrap()).unwrap();
    assert_eq!(evil.shape_id, statement["shape_id"].as_str().unwrap(), "same shape id, other SRS");
    let e = ["verify", "--statement", "evil.json", "--proof", "evil.bin", "--vk", "evil.vk"];
    for (pin, says) in [
        (&["--vk-digest", honest.as_str()][..], "not the pinned"),
        (&["--srs", "a.srs"], "re-derived"),
        (&["--trusted-keys", "trusted"], "trusted directory"),
    ] {
        let o = zkpot(&dir, &[&e[..], pin].concat());
        assert_eq!(o.status.code(), Some(1), "{pin:?}: {}", text(&o));
        assert_fails_with(&o, says);
    }
    // trusted as given, the prover's key is all it takes (printed)
    let o = zkpot(&dir, &[&e[..], &["--trust-key-as-is"]].concat());
    assert_eq!(json(&o)["key_pinned_by"].as_str().map(|s| s.contains("NOT pinned")), Some(true));
    assert!(text(&o).contains("WARNING: --trust-key-as-is"));

    // development keys: refused even when pinned, unless --allow-insecure-dev
    json(&zkpot(&dir, &args(&["prove", "--vk", "dev.vk", "--proof", "dev.bin", "--statement", "dev.json"])));
    let dev = digest_of(&dir, "dev.vk");
    let d = ["verify", "--statement", "dev.json", "--proof", "dev.bin", "--vk", "dev.vk", "--vk-digest", dev.as_str()];
    assert_fails_with(&zkpot(&dir, &d), "INSECURE development");
    let o = zkpot(&dir, &[&d[..], &["--allow-insecure-dev"]].concat());
    assert_eq!(json(&o)["development_key"], true);
    assert!(text(&o).contains("WARNING: --allow-insecure-dev"));

    // a poisoned cache: the key cached for SRS a replaced by the key from SRS b
    let cached: Vec<_> = std::fs::read_dir(dir.join("cache")).unwrap().filter_map(|e| e.ok().map(|e| e.path())).collect();
    let a_key = cached.iter().find(|p| AnyKey::read(p).map(|k| k.digest_hex() == honest).unwrap_or(false)).expect("cached honest key").clone();
    std::fs::copy(dir.join("evil.vk"), &a_key).unwrap();
    let o = zkpot(&dir, &args(&["prove", "--srs", "a.srs"]));
    assert_fails_with(&o, "does not match the parameters in use");
    assert_fails_with(&o, &a_key.file_name().unwrap().to_string_lossy());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bundles_verify_only_with_trusted_chunk_keys() {
    let dir = tiny_workdir("trust", "bundle");
    write_srs(&dir.join("a.srs"), 9, 1);
    write_srs(&dir.join("b.srs"), 9, 2);
    json(&zkpot(&dir, &args(&["prove", "--srs", "a.srs", "--chunk-size", "3", "--bundle", "good/bundle.json"])));
    json(&zkpot(&dir, &args(&["prove", "--srs", "b.srs", "--chunk-size", "3", "--bundle", "evil/bundle.json"])));
    std::fs::create_dir_all(dir.join("trusted")).unwrap();
    for n in [3, 2] {
        std::fs::copy(dir.join(format!("good/bundle-vk-{n}.key")), dir.join(format!("trusted/{n}.key"))).unwrap();
    }
    let good = json(&zkpot(&dir, &["verify", "--bundle", "good/bundle.json", "--trusted-keys", "trusted"]));
    assert_eq!(good["keys"].as_array().map(Vec::len), Some(2));
    let digests = [digest_of(&dir, "good/bundle-vk-3.key"), digest_of(&dir, "good/bundle-vk-2.key")];
    json(&zkpot(&dir, &["verify", "--bundle", "good/bundle.json", "--vk-digest", &digests[0], "--vk-digest", &digests[1]]));
    assert_fails_with(&zkpot(&dir, &["verify", "--bundle", "good/bundle.json"]), "not pinned");
    for pin in [&["--trusted-keys", "trusted"][..], &["--vk-digest", &digests[0], "--vk-digest", &digests[1]], &["--srs", "a.srs"]] {
        let o = zkpot(&dir, &[&["verify", "--bundle", "evil/bundle.json"][..], pin].concat());
        assert_eq!(o.status.code(), Some(1), "{pin:?}: {}", text(&o));
        assert_fails_with(&o, "untrusted verifying key");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_rogue_groth16_key_proves_a_false_score_unless_the_key_is_pinned() {
    let dir = tiny_workdir("trust", "groth16");
    json(&zkpot(&dir, &args(&["prove", "--backend", "groth16"])));
    let honest_key = AnyKey::read(&dir.join("vk.key")).unwrap();
    let honest = honest_key.digest_hex();
    assert!(honest_key.is_development(), "default-seed keys are recognised");
    let AnyKey::Groth16(honest_g16) = honest_key else { panic!("a Groth16 key") };

    // a rogue key whose trapdoor the attacker chose, for the same shape id
    let statement = Statement::from_json(&std::fs::read_to_string(dir.join("statement.json")).unwrap()).unwrap();
    let mut false_claim = statement.clone();
    false_claim.score = if statement.score == 5 { 4 } else { 5 };
    let (rogue, forged) = rogue_key_and_forged_proof(&honest_g16.shape, &false_claim).unwrap();
    std::fs::write(dir.join("rogue.vk"), rogue.to_bytes()).unwrap();
    std::fs::write(dir.join("forged.bin"), forged.to_file().to_bytes()).unwrap();
    std::fs::write(dir.join("false.json"), false_claim.to_json()).unwrap();
    let f = ["verify", "--statement", "false.json", "--proof", "forged.bin", "--vk", "rogue.vk"];
    // trusted as given, the forged proof of a false score is accepted: this is the attack
    assert_eq!(json(&zkpot(&dir, &[&f[..], &["--trust-key-as-is"]].concat()))["score"], false_claim.score);
    std::fs::create_dir_all(dir.join("trusted")).unwrap();
    std::fs::copy(dir.join("vk.key"), dir.join("trusted/vk.key")).unwrap();
    for pin in [&["--vk-digest", honest.as_str(), "--allow-insecure-dev"][..], &["--trusted-keys", "trusted", "--allow-insecure-dev"]] {
        let o = zkpot(&dir, &[&f[..], pin].concat());
        assert_eq!(o.status.code(), Some(1), "{pin:?}: {}", text(&o));
        assert_fails_with(&o, "untrusted verifying key");
    }
    // the forged proof against the honest key fails the pairing check
    let o = zkpot(&dir, &["verify", "--statement", "false.json", "--proof", "forged.bin", "--vk-digest", &honest, "--allow-insecure-dev"]);
    assert_fails_with(&o, "pairing check failed");
    // the honest development key itself: refused without --allow-insecure-dev
    assert_fails_with(&zkpot(&dir, &["verify", "--vk-digest", &honest]), "INSECURE development");
    assert_fails_with(&zkpot(&dir, &["verify", "--srs", "nope.srs"]), "Groth16 key comes from its own ceremony");
    let _ = std::fs::remove_dir_all(&dir);
}
