//! One chunk as a unit of work: `setup --chunk-size` makes the plan and keys once, `prove
//! --chunk I` proves chunk I alone, `bundle` assembles chunk files into the bundle `verify
//! --bundle` checks, and refuses a missing, duplicated, foreign or corrupt chunk, or one proved
//! with another key, naming its index. On a tiny model (8-bit values, k = 9): 5 samples in
//! chunks of 2 make chunks of 2, 2 and 1 samples (two circuit shapes, two keys).

mod common;

use common::{assert_fails_with, empty_dir, text, write_srs, zkpot};
use serde_json::Value;
use std::path::{Path, PathBuf};

use common::{DATA, MODEL};

/// The same samples, the last one changed: a foreign data set whose first chunks agree.
const OTHER_DATA: &str = r#"{"format":"zkpot-dataset","version":1,"name":"tiny","num_classes":3,
 "features":[[1.0,0.5,-0.5],[0.25,-1.0,2.0],[-1.5,0.75,0.5],[2.0,1.0,1.0],[0.5,0.0,0.5]],
 "labels":[0,2,1,0,2]}"#;

fn workdir(name: &str) -> PathBuf {
    let dir = empty_dir("chunks", name);
    std::fs::write(dir.join("model.json"), MODEL).unwrap();
    std::fs::write(dir.join("data.json"), DATA).unwrap();
    std::fs::write(dir.join("other.json"), OTHER_DATA).unwrap();
    dir
}

fn run_json(dir: &Path, args: &[&str]) -> Value {
    let o = zkpot(dir, args);
    assert!(o.status.success(), "{args:?}: {}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// `prove --chunk I` with the tiny model on `data`, keys in `keys`, chunk file `out`.
fn prove_chunk(dir: &Path, data: &str, keys: &str, i: usize, out: &str, extra: &[&str]) -> std::process::Output {
    let i = i.to_string();
    let mut args = vec!["prove", "--float-model", "model.json", "--data", data, "--scale-bits", "3", "--value-bits", "8"];
    args.extend(["--chunk-size", "2", "--chunk", &i, "--keys", keys, "--chunk-out", out]);
    args.extend(extra);
    zkpot(dir, &args)
}

/// `verify --bundle out/bundle.json` pinned to the plan's key digests (development keys: the
/// tests use the development SRS).
fn verify_pinned(dir: &Path, digests: &[Value]) -> Value {
    let mut args = vec!["verify", "--bundle", "out/bundle.json", "--allow-insecure-dev"];
    for d in digests {
        args.extend(["--vk-digest", d.as_str().unwrap()]);
    }
    run_json(dir, &args)
}

fn bundle(dir: &Path, keys: &str, files: &[&str]) -> std::process::Output {
    let mut args = vec!["bundle", "--chunk-size", "2", "--keys", keys, "--out", "out/bundle.json"];
    args.extend(files);
    zkpot(dir, &args)
}

#[test]
fn chunks_proved_one_by_one_assemble_into_the_bundle_of_the_full_run() {
    let dir = workdir("units");
    let q = ["--float-model", "model.json", "--data", "data.json", "--scale-bits", "3", "--value-bits", "8"];
    let plan = run_json(&dir, &[&["setup"][..], &q, &["--chunk-size", "2", "--keys", "keys"]].concat());
    assert_eq!((plan["chunks"].as_u64(), plan["made"].as_bool()), (Some(3), Some(true)));
    let digests = plan["vk_digests"].as_array().unwrap();
    assert_eq!(digests.len(), 2, "chunks of 2 and of 1 sample: two keys");
    for d in digests {
        assert!(dir.join(format!("keys/vk-{}.key", d.as_str().unwrap())).exists(), "keys are named by digest");
    }
    // the keys are made once: a second setup keeps them
    assert_eq!(run_json(&dir, &[&["setup"][..], &q, &["--chunk-size", "2", "--keys", "keys"]].concat())["made"], false);
    // chunks in any order, chunk 1 twice (a retry): both proofs are valid
    for (i, out) in [(2, "c2.json"), (0, "c0.json"), (1, "c1.json"), (1, "c1-retry.json")] {
        let o = prove_chunk(&dir, "data.json", "keys", i, out, &[]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let b = run_json(&dir, &["bundle", "--chunk-size", "2", "--keys", "keys", "--out", "out/bundle.json", "c2.json", "c0.json", "c1.json"]);
    let c = run_json(&dir, &[&["commit"][..], &q, &["--chunk-size", "2"]].concat());
    assert_eq!(b["dataset_commitment"], c["chunked_dataset_commitment"], "the same chunks as the full run");
    assert_eq!(b["chunks"], 3);
    let v = verify_pinned(&dir, digests);
    assert_eq!(v["result"], "accept");
    // each distinct key is read, decoded and pinned once: three chunks, two keys
    assert_eq!(v["keys"].as_array().map(Vec::len), Some(2), "{v}");
    // a chunk claiming another score, the bundle's total changed to match: every check but the
    // proof's passes, the chunks' proofs are checked with one pairing check, and the forged
    // chunk is still found and named
    let mut forged: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("out/bundle.json")).unwrap()).unwrap();
    let (score, total) = (forged["chunks"][1]["statement"]["score"].as_u64().unwrap(), forged["score"].as_u64().unwrap());
    let (score, total) = if score == 0 { (1, total + 1) } else { (score - 1, total - 1) };
    forged["chunks"][1]["statement"]["score"] = score.into();
    forged["score"] = total.into();
    std::fs::write(dir.join("out/forged.json"), forged.to_string()).unwrap();
    let mut args = vec!["verify", "--bundle", "out/forged.json", "--allow-insecure-dev"];
    for d in digests {
        args.extend(["--vk-digest", d.as_str().unwrap()]);
    }
    assert_fails_with(&zkpot(&dir, &args), "chunk 1: ");
    // the keys beside the bundle are not trusted because they are there: unpinned, refused
    assert_fails_with(&zkpot(&dir, &["verify", "--bundle", "out/bundle.json", "--allow-insecure-dev"]), "is not pinned");
    // and the plan's keys are development material: refused without --allow-insecure-dev
    assert_fails_with(&zkpot(&dir, &["verify", "--bundle", "out/bundle.json", "--trusted-keys", "keys"]), "INSECURE development");
    // the score of the full chunked run
    let full = run_json(&dir, &[&["prove"][..], &q, &["--chunk-size", "2", "--bundle", "full/bundle.json"]].concat());
    assert_eq!(b["score"], full["score"]);
    // the retried chunk assembles as well
    let o = bundle(&dir, "keys", &["c0.json", "c1-retry.json", "c2.json"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(verify_pinned(&dir, digests)["result"], "accept");
}

#[test]
fn assembly_refuses_missing_duplicated_foreign_corrupt_and_other_key_chunks() {
    let dir = workdir("refusals");
    for (i, out) in [(0, "c0.json"), (1, "c1.json"), (2, "c2.json")] {
        let o = prove_chunk(&dir, "data.json", "keys", i, out, &[]);
        assert!(o.status.success(), "{}", text(&o));
    }
    assert!(dir.join("keys/plan.json").exists(), "the first prove --chunk made the plan");
    // missing and duplicated
    assert_fails_with(&bundle(&dir, "keys", &["c0.json", "c2.json"]), "chunk 1 missing");
    assert_fails_with(&bundle(&dir, "keys", &["c0.json", "c1.json", "c1.json", "c2.json"]), "chunk 1 is given twice");
    // foreign: the last chunk of another data set (its own plan), and a chunk of another chunk size
    let o = prove_chunk(&dir, "other.json", "other-keys", 2, "foreign2.json", &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert_fails_with(&bundle(&dir, "keys", &["c0.json", "c1.json", "foreign2.json"]), "chunk 2 (foreign2.json) is foreign");
    assert_fails_with(&prove_chunk(&dir, "other.json", "keys", 2, "x.json", &[]), "holds the plan of another run");
    assert_fails_with(&zkpot(&dir, &["bundle", "--chunk-size", "3", "--keys", "keys", "c0.json"]), "--chunk-size 3 differs from the plan's chunk size 2");
    let mut c1: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("c1.json")).unwrap()).unwrap();
    let mut moved = c1.clone();
    moved["index"] = 2.into();
    std::fs::write(dir.join("moved.json"), moved.to_string()).unwrap();
    assert_fails_with(&bundle(&dir, "keys", &["c0.json", "c1.json", "moved.json"]), "chunk 2 (moved.json) is foreign");
    // corrupt: not JSON, and a flipped proof byte
    std::fs::write(dir.join("garbage.json"), "{\"format\":\"zkpot-chunk\"").unwrap();
    assert_fails_with(&bundle(&dir, "keys", &["c0.json", "garbage.json", "c2.json"]), "garbage.json is corrupt");
    let proof = c1["proof"].as_str().unwrap().to_string();
    let at = proof.len() - 10;
    let flipped = format!("{}{}{}", &proof[..at], if &proof[at..at + 1] == "0" { "1" } else { "0" }, &proof[at + 1..]);
    c1["proof"] = flipped.into();
    std::fs::write(dir.join("flipped.json"), c1.to_string()).unwrap();
    let o = bundle(&dir, "keys", &["c0.json", "flipped.json", "c2.json"]);
    assert_fails_with(&o, "chunk 1 (flipped.json)");
    // another key: a plan made from other KZG parameters (a ceremony file) has other key digests
    write_srs(&dir.join("other.srs"), 10, 7);
    let o = prove_chunk(&dir, "data.json", "keys-other-srs", 1, "otherkey1.json", &["--srs", "other.srs"]);
    assert!(o.status.success(), "{}", text(&o));
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("keys/plan.json")).unwrap()).unwrap();
    let want = plan["chunks"][1]["vk_digest"].as_str().unwrap().to_string();
    let o = bundle(&dir, "keys", &["c0.json", "otherkey1.json", "c2.json"]);
    assert_fails_with(&o, "chunk 1 (otherkey1.json) was proved with key");
    assert_fails_with(&o, &format!("the plan's key for it is {want}"));
    // ... and claiming the plan's key does not help: the proof does not verify under it
    let mut liar: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("otherkey1.json")).unwrap()).unwrap();
    liar["vk_digest"] = want.into();
    std::fs::write(dir.join("liar.json"), liar.to_string()).unwrap();
    assert_fails_with(&bundle(&dir, "keys", &["c0.json", "liar.json", "c2.json"]), "chunk 1 (liar.json) does not verify under the plan's key");
    // a key file that is not the key its digest names is refused by the worker
    let key = dir.join(format!("keys/vk-{}.key", plan["chunks"][2]["vk_digest"].as_str().unwrap()));
    let mut bytes = std::fs::read(&key).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&key, bytes).unwrap();
    assert_fails_with(&prove_chunk(&dir, "data.json", "keys", 2, "c2b.json", &[]), "chunk 2: ");
    assert_fails_with(&prove_chunk(&dir, "data.json", "keys", 2, "c2b.json", &[]), "not the");
    // out of range
    assert_fails_with(&prove_chunk(&dir, "data.json", "keys", 3, "c3.json", &[]), "chunk 3 is past the plan");
}
