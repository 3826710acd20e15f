//! The `zkpot` binary end to end on a tiny model (8-bit values, k = 9): every verb, the files it
//! writes, and a clear message (never a panic) for each kind of bad input.

mod common;

use common::{assert_fails_with, text, tiny_workdir, zkpot, zkpot_dev, DATA, MODEL};
use std::path::PathBuf;

fn workdir(name: &str) -> PathBuf {
    tiny_workdir("cli", name)
}

const Q: [&str; 4] = ["--scale-bits", "3", "--value-bits", "8"];

#[test]
fn full_flow_and_tampering() {
    let dir = workdir("flow");
    let o = zkpot(&dir, &["quantize", "--model", "model.json", "--data", "data.json", "--scale-bits", "3", "--value-bits", "8", "--out", "q.json"]);
    assert!(o.status.success(), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["report"]["samples"], 5);

    let o = zkpot(&dir, &["commit", "--model", "q.json", "--data", "data.json"]);
    assert!(o.status.success(), "{}", text(&o));
    let c: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(c["model_commitment"].as_str().unwrap().starts_with("0x"));

    let o = zkpot(&dir, &["setup", "--model", "q.json", "--data", "data.json", "--vk", "setup.vk"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("INSECURE"), "dev SRS warning");

    let o = zkpot(&dir, &["prove", "--model", "q.json", "--data", "data.json"]);
    assert!(o.status.success(), "{}", text(&o));
    let statement: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("statement.json")).unwrap()).unwrap();
    assert_eq!(statement["model_commitment"], c["model_commitment"]);
    assert_eq!(statement["dataset_commitment"], c["dataset_commitment"]);
    assert_eq!(statement["score"], report["report"]["quantized_correct"]);
    // the key from setup and the key written by prove are the same
    assert_eq!(std::fs::read(dir.join("setup.vk")).unwrap(), std::fs::read(dir.join("vk.key")).unwrap());

    let settings: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("settings.json")).unwrap()).unwrap();
    assert_eq!(settings["shape_id"], statement["shape_id"]);
    assert_eq!(settings["shape"]["samples"], 5);
    let o = zkpot_dev(&dir, &["verify"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("accept"));

    // a changed score
    let mut s = statement.clone();
    s["score"] = serde_json::json!(statement["score"].as_u64().unwrap() ^ 1);
    std::fs::write(dir.join("bad-score.json"), s.to_string()).unwrap();
    let o = zkpot_dev(&dir, &["verify", "--statement", "bad-score.json"]);
    assert_eq!(o.status.code(), Some(1));
    assert_fails_with(&o, "REJECTED");

    // a statement for another model (mismatched commitment)
    let mut s = statement.clone();
    s["model_commitment"] = statement["dataset_commitment"].clone();
    std::fs::write(dir.join("bad-model.json"), s.to_string()).unwrap();
    assert_fails_with(&zkpot_dev(&dir, &["verify", "--statement", "bad-model.json"]), "REJECTED");

    // a flipped byte in the proof file, a truncated proof, a truncated key
    let proof = std::fs::read(dir.join("proof.bin")).unwrap();
    let mut flipped = proof.clone();
    flipped[100] ^= 1;
    std::fs::write(dir.join("flipped.bin"), &flipped).unwrap();
    let o = zkpot_dev(&dir, &["verify", "--proof", "flipped.bin"]);
    assert_eq!(o.status.code(), Some(1), "a corrupted proof is a rejection");
    assert_fails_with(&o, "corrupted");
    std::fs::write(dir.join("short.bin"), &proof[..proof.len() / 2]).unwrap();
    assert_fails_with(&zkpot_dev(&dir, &["verify", "--proof", "short.bin"]), "truncated");
    let vk = std::fs::read(dir.join("vk.key")).unwrap();
    std::fs::write(dir.join("short.vk"), &vk[..vk.len() - 7]).unwrap();
    assert_fails_with(&zkpot_dev(&dir, &["verify", "--vk", "short.vk"]), "truncated");
    // a proof file given as the key
    assert_fails_with(&zkpot_dev(&dir, &["verify", "--vk", "proof.bin"]), "not a verifying key");
    // a missing file
    assert_fails_with(&zkpot_dev(&dir, &["verify", "--proof", "nope.bin"]), "nope.bin");
    // garbage statement
    std::fs::write(dir.join("garbage.json"), "{\"format\": 1").unwrap();
    assert_fails_with(&zkpot_dev(&dir, &["verify", "--statement", "garbage.json"]), "statement");

    // a key for another N
    let o = zkpot(&dir, &["setup", "--model", "q.json", "--data", "data.json", "--samples", "4", "--vk", "n4.vk"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_fails_with(&zkpot_dev(&dir, &["verify", "--vk", "n4.vk"]), "mismatch");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_inputs_get_clear_errors() {
    let dir = workdir("bad");
    let args = |data: &str| -> Vec<String> {
        let mut v: Vec<String> = ["commit", "--float-model", "model.json", "--data", data].iter().map(|s| s.to_string()).collect();
        v.extend(Q.iter().map(|s| s.to_string()));
        v
    };
    let run = |data: &str, body: &str| {
        std::fs::write(dir.join(data), body).unwrap();
        let a = args(data);
        zkpot(&dir, &a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    assert_fails_with(&run("label.json", &DATA.replace("[0,2,1,0,2]", "[0,2,7,0,2]")), "label 7 is outside 0..3");
    assert_fails_with(&run("shape.json", &DATA.replace("[0.25,-1.0,2.0]", "[0.25,-1.0]")), "sample 1 has 2 features, expected 3");
    assert_fails_with(&run("count.json", &DATA.replace("[0,2,1,0,2]", "[0,2,1,0]")), "5 feature rows but 4 labels");
    assert_fails_with(&run("nan.json", &DATA.replace("[1.0,0.5,-0.5]", "[NaN,0.5,-0.5]")), "cannot parse data set");
    assert_fails_with(&run("big.json", &DATA.replace("[1.0,0.5,-0.5]", "[100.0,0.5,-0.5]")), "sample 0 feature 0");
    assert_fails_with(&run("trunc.json", &DATA[..DATA.len() / 2]), "cannot parse data set");
    assert_fails_with(&run("format.json", &DATA.replace("zkpot-dataset", "something-else")), "expected format `zkpot-dataset`");
    // a model whose layers do not chain
    std::fs::write(dir.join("badmodel.json"), MODEL.replace("\"bias\":[0.0,0.125,-0.125]", "\"bias\":[0.0,0.125]")).unwrap();
    assert_fails_with(&zkpot(&dir, &["quantize", "--model", "badmodel.json", "--data", "data.json"]), "weight row 0 has 3 entries, expected 2");
    // a model whose activations leave the bound names the layer
    std::fs::write(dir.join("hot.json"), MODEL.replace("[0.5,-0.25,0.125,1.0]", "[15.0,-0.25,0.125,1.0]")).unwrap();
    assert_fails_with(
        &zkpot(&dir, &["quantize", "--model", "hot.json", "--data", "data.json", "--scale-bits", "3", "--value-bits", "8"]),
        "layer 0 output 0 on sample",
    );
    // more samples than the data set has
    assert_fails_with(&zkpot(&dir, &["commit", "--float-model", "model.json", "--data", "data.json", "--samples", "9", "--scale-bits", "3", "--value-bits", "8"]), "asked for 9 samples");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn chunked_proof_bundle_and_tampering() {
    let dir = workdir("chunks");
    let base = ["--float-model", "model.json", "--data", "data.json", Q[0], Q[1], Q[2], Q[3]];
    let args = |extra: &[&'static str]| base.iter().copied().chain(extra.iter().copied()).collect::<Vec<_>>();
    let o = zkpot(&dir, &[&["commit"][..], &args(&["--chunk-size", "2"])].concat());
    assert!(o.status.success(), "{}", text(&o));
    let c: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let o = zkpot(&dir, &[&["prove"][..], &args(&["--chunk-size", "2", "--bundle", "out/bundle.json"])].concat());
    assert!(o.status.success(), "{}", text(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["chunks"], 3); // 2 + 2 + 1 samples: two circuit shapes
    assert_eq!(summary["samples"], 5);
    assert_eq!(summary["dataset_commitment"], c["chunked_dataset_commitment"]);
    assert_eq!(summary["model_commitment"], c["model_commitment"]);
    // the same score as one proof of the whole set
    let o = zkpot(&dir, &[&["prove"][..], &args(&[])].concat());
    assert!(o.status.success(), "{}", text(&o));
    let whole: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["score"], whole["statement"]["score"]);

    let o = zkpot_dev(&dir, &["verify", "--bundle", "out/bundle.json"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("accept"));

    let original = std::fs::read_to_string(dir.join("out/bundle.json")).unwrap();
    let bundle: serde_json::Value = serde_json::from_str(&original).unwrap();
    let tamper = |name: &str, f: &dyn Fn(&mut serde_json::Value), needle: &str| {
        let mut b = bundle.clone();
        f(&mut b);
        std::fs::write(dir.join("out/bundle.json"), serde_json::to_string(&b).unwrap()).unwrap();
        let o = zkpot_dev(&dir, &["verify", "--bundle", "out/bundle.json"]);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", text(&o));
        assert_fails_with(&o, needle);
    };
    let other = "0x0000000000000000000000000000000000000000000000000000000000000007";
    tamper("total score", &|b| b["score"] = json(b["score"].as_u64().unwrap() + 1), "scores add up");
    tamper("chunk score", &|b| { let s0 = b["chunks"][0]["statement"]["score"].as_u64().unwrap();
        b["chunks"][0]["statement"]["score"] = json(if s0 == 0 { 1 } else { s0 - 1 }); b["score"] = json(b["chunks"].as_array().unwrap().iter().map(|c| c["statement"]["score"].as_u64().unwrap()).sum::<u64>()) }, "chunk 0");
    tamper("dataset commitment", &|b| b["dataset_commitment"] = json(other), "do not hash");
    tamper("model commitment", &|b| b["model_commitment"] = json(other), "model");
    tamper("chunk order", &|b| { let c = b["chunks"].as_array_mut().unwrap(); c.swap(0, 1) }, "do not hash");
    tamper("dropped chunk", &|b| { b["chunks"].as_array_mut().unwrap().pop(); }, "samples");
    tamper("missing proof", &|b| b["chunks"][1]["proof"] = json("nope.bin"), "nope.bin");
    std::fs::write(dir.join("out/bundle.json"), &original).unwrap();
    let o = zkpot_dev(&dir, &["verify", "--bundle", "out/bundle.json"]);
    assert!(o.status.success(), "{}", text(&o));

    // A run stopped part way is resumed: proofs left by the earlier run are kept only when
    // they verify against their own chunk's statement. Here chunk 1's file holds chunk 0's
    // proof (same circuit, another chunk: it must not be taken), chunk 2's is gone.
    let prove = || {
        let o = zkpot(&dir, &[&["prove"][..], &args(&["--chunk-size", "2", "--bundle", "out/bundle.json"])].concat());
        assert!(o.status.success(), "{}", text(&o));
        (serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap(), text(&o))
    };
    let (again, _) = prove();
    assert_eq!((again["chunks_kept"].as_u64(), &again["score"]), (Some(3), &summary["score"]), "nothing to prove again");
    std::fs::copy(dir.join("out/bundle-chunk-000.proof.bin"), dir.join("out/bundle-chunk-001.proof.bin")).unwrap();
    std::fs::remove_file(dir.join("out/bundle-chunk-002.proof.bin")).unwrap();
    let (resumed, log) = prove();
    assert_eq!(resumed["chunks_kept"], 1, "{log}");
    assert!(log.contains("bundle-chunk-001.proof.bin is left from an earlier run but does not verify for this chunk"), "{log}");
    assert_eq!(resumed["score"], summary["score"]);
    let o = zkpot_dev(&dir, &["verify", "--bundle", "out/bundle.json"]);
    assert!(o.status.success(), "{}", text(&o));
}

fn json(v: impl Into<serde_json::Value>) -> serde_json::Value {
    v.into()
}

#[test]
fn groth16_flow_and_tampering() {
    let dir = workdir("groth16");
    let base = ["--float-model", "model.json", "--data", "data.json", "--samples", "3", Q[0], Q[1], Q[2], Q[3]];
    let args = |verb: &'static str, extra: &[&'static str]| [verb].iter().chain(base.iter()).chain(extra.iter()).copied().collect::<Vec<_>>();
    let o = zkpot(&dir, &args("commit", &[]));
    assert!(o.status.success(), "{}", text(&o));
    let c: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();

    let o = zkpot(&dir, &args("setup", &["--backend", "groth16", "--vk", "g16.vk"]));
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("INSECURE DEVELOPMENT GROTH16 KEYS"), "dev keys warning: {}", text(&o));
    assert!(dir.join("pk.key").exists());
    let settings: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("settings.json")).unwrap()).unwrap();
    assert_eq!(settings["backend"], "groth16-bn254");
    assert!(settings["constraints"]["total"].as_u64().unwrap() > 0);

    // proving with the proving key file from setup, and with the cached development keys
    let o = zkpot(&dir, &args("prove", &["--backend", "groth16", "--pk", "pk.key"]));
    assert!(o.status.success(), "{}", text(&o));
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(out["proof_bytes"], 128);
    let statement: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("statement.json")).unwrap()).unwrap();
    assert_eq!(statement["backend"], "groth16-bn254");
    assert_eq!(statement["model_commitment"], c["model_commitment"]);
    assert_eq!(statement["dataset_commitment"], c["dataset_commitment"]);
    assert_eq!(std::fs::read(dir.join("g16.vk")).unwrap(), std::fs::read(dir.join("vk.key")).unwrap());
    let o = zkpot(&dir, &args("prove", &["--backend", "groth16", "--proof", "proof2.bin", "--statement", "s2.json"]));
    assert!(o.status.success(), "{}", text(&o));
    let o = zkpot_dev(&dir, &["verify"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("accept"));
    let o = zkpot_dev(&dir, &["verify", "--backend", "groth16", "--proof", "proof2.bin", "--statement", "s2.json"]);
    assert!(o.status.success(), "{}", text(&o));

    // the same statement as halo2 (same commitments and score), different backend and shape id
    let o = zkpot(&dir, &args("prove", &["--proof", "h.bin", "--statement", "h.json", "--vk", "h.vk"]));
    assert!(o.status.success(), "{}", text(&o));
    let h: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("h.json")).unwrap()).unwrap();
    for field in ["model_commitment", "dataset_commitment", "samples", "score"] {
        assert_eq!(h[field], statement[field], "{field}");
    }
    assert_eq!(h["backend"], "halo2-kzg-bn254");

    // tampering
    let mut s = statement.clone();
    s["score"] = serde_json::json!(statement["score"].as_u64().unwrap() ^ 1);
    std::fs::write(dir.join("bad-score.json"), s.to_string()).unwrap();
    let o = zkpot_dev(&dir, &["verify", "--statement", "bad-score.json"]);
    assert_eq!(o.status.code(), Some(1));
    assert_fails_with(&o, "pairing check failed");
    let proof = std::fs::read(dir.join("proof.bin")).unwrap();
    let mut flipped = proof.clone();
    flipped[20] ^= 1;
    std::fs::write(dir.join("flipped.bin"), &flipped).unwrap();
    assert_fails_with(&zkpot_dev(&dir, &["verify", "--proof", "flipped.bin"]), "corrupted");
    std::fs::write(dir.join("short.bin"), &proof[..proof.len() - 5]).unwrap();
    assert_fails_with(&zkpot_dev(&dir, &["verify", "--proof", "short.bin"]), "truncated");
    let vk = std::fs::read(dir.join("vk.key")).unwrap();
    std::fs::write(dir.join("short.vk"), &vk[..vk.len() - 7]).unwrap();
    assert_fails_with(&zkpot_dev(&dir, &["verify", "--vk", "short.vk"]), "truncated");
    // backend mix-ups: a halo2 key or proof with the Groth16 statement, --backend disagreeing
    assert_fails_with(&zkpot_dev(&dir, &["verify", "--vk", "h.vk"]), "mismatch");
    assert_fails_with(&zkpot_dev(&dir, &["verify", "--proof", "h.bin"]), "mismatch");
    assert_fails_with(&zkpot_dev(&dir, &["verify", "--backend", "halo2"]), "--backend halo2");
    // top-k: the same score as halo2's under the same score function
    let o = zkpot(&dir, &args("prove", &["--backend", "groth16", "--score", "top-2", "--proof", "k.bin", "--statement", "k.json"]));
    assert!(o.status.success(), "{}", text(&o));
    let o = zkpot(&dir, &args("prove", &["--score", "top-2", "--proof", "hk.bin", "--statement", "hk.json", "--vk", "hk.vk"]));
    assert!(o.status.success(), "{}", text(&o));
    let k: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("k.json")).unwrap()).unwrap();
    let hk: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("hk.json")).unwrap()).unwrap();
    assert_eq!((&k["score_function"], &k["score"]), (&hk["score_function"], &hk["score"]));
    assert_eq!(k["score_function"], "top-2");
    let o = zkpot_dev(&dir, &["verify", "--proof", "k.bin", "--statement", "k.json"]);
    assert!(o.status.success() && text(&o).contains("accept"), "{}", text(&o));
    // chunked proving is halo2-only for now
    assert_fails_with(&zkpot(&dir, &args("prove", &["--backend", "groth16", "--chunk-size", "2"])), "only supported with --backend halo2");
}

#[test]
fn bundled_breast_cancer_set_proves_and_verifies() {
    // the second bundled data set and model, by name, at the small format calibration picks
    let dir = workdir("breast-cancer");
    let named = ["--float-model", "@breast-cancer", "--data", "@breast-cancer-test"];
    let o = zkpot(&dir, &["quantize", "--model", "@breast-cancer", "--data", "@breast-cancer-test"]);
    assert!(o.status.success(), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((report["report"]["samples"].as_u64(), report["report"]["quantized_correct"].as_u64()), (Some(169), Some(166)));
    let mut args = vec!["prove", "--samples", "12", "--scale-bits", "3", "--value-bits", "9"];
    args.extend(named);
    let o = zkpot(&dir, &args);
    assert!(o.status.success(), "{}", text(&o));
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((out["statement"]["samples"].as_u64(), out["statement"]["score"].as_u64()), (Some(12), Some(12)));
    let o = zkpot_dev(&dir, &["verify"]);
    assert!(o.status.success() && text(&o).contains("accept"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn groth16_demo_runs() {
    let dir = workdir("groth16-demo");
    let o = zkpot(&dir, &["demo", "--backend", "groth16", "--samples", "2", "--out", "d"]);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("S/N = 2/2 proved"), "{t}");
    assert!(t.contains("proof 128 bytes"), "{t}");
    assert!(t.contains("groth16-bn254 verifier on every replica"), "{t}");
    let o = zkpot_dev(&dir, &["verify", "--statement", "d/statement.json", "--proof", "d/proof.bin", "--vk", "d/vk.key"]);
    assert!(o.status.success(), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn top_k_score_proves_names_itself_and_is_checked() {
    let dir = workdir("top-k");
    let base = ["--data", "@digits-test", "--samples", "8", "--value-bits", "10", "--scale-bits", "4"];
    let mut args = vec!["prove", "--score", "top-3"];
    args.extend(base);
    let o = zkpot(&dir, &args);
    assert!(o.status.success(), "{}", text(&o));
    let st: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("statement.json")).unwrap()).unwrap();
    assert_eq!(st["score_function"], "top-3");
    assert_eq!(st["score"], 8);
    let o = zkpot_dev(&dir, &["verify"]);
    assert!(o.status.success() && text(&o).contains("accept"), "{}", text(&o));
    // the same claim read as top-1 (the field removed), and a higher score, are rejected
    let mut top1 = st.clone();
    top1.as_object_mut().unwrap().remove("score_function");
    std::fs::write(dir.join("top1.json"), top1.to_string()).unwrap();
    let o = zkpot_dev(&dir, &["verify", "--statement", "top1.json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("top-1") && text(&o).contains("top-3"), "{}", text(&o));
    let mut lower = st.clone();
    lower["score"] = serde_json::json!(7);
    std::fs::write(dir.join("lower.json"), lower.to_string()).unwrap();
    assert_eq!(zkpot_dev(&dir, &["verify", "--statement", "lower.json"]).status.code(), Some(1));
    // top-k counts add up over chunks: a top-3 bundle, refused when read as top-1
    let mut args = vec!["prove", "--score", "top-3", "--chunk-size", "4", "--bundle", "chunks/bundle.json"];
    args.extend(base);
    let o = zkpot(&dir, &args);
    assert!(o.status.success(), "{}", text(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((summary["chunks"].as_u64(), summary["score"].as_u64(), summary["score_function"].as_str()), (Some(2), Some(8), Some("top-3")));
    let o = zkpot_dev(&dir, &["verify", "--bundle", "chunks/bundle.json"]);
    assert!(o.status.success() && text(&o).contains("accept"), "{}", text(&o));
    let mut b: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("chunks/bundle.json")).unwrap()).unwrap();
    b.as_object_mut().unwrap().remove("score_function");
    std::fs::write(dir.join("chunks/bundle.json"), b.to_string()).unwrap();
    assert_fails_with(&zkpot_dev(&dir, &["verify", "--bundle", "chunks/bundle.json"]), "chunk 0 is scored by top-3, the bundle by top-1");
    // a top-1 statement carries no score_function field, as before
    let mut args = vec!["prove"];
    args.extend(base);
    assert!(zkpot(&dir, &args).status.success());
    let st: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("statement.json")).unwrap()).unwrap();
    assert!(st.get("score_function").is_none(), "{st}");
    // bad names and a k the model cannot have
    let mut args = vec!["prove", "--score", "mse"];
    args.extend(base);
    assert_fails_with(&zkpot(&dir, &args), "mse scores single-output regression models");
    let mut args = vec!["prove", "--score", "mae"];
    args.extend(base);
    assert_fails_with(&zkpot(&dir, &args), "score function `mae`");
    let mut args = vec!["setup", "--score", "top-10"];
    args.extend(base);
    assert_fails_with(&zkpot(&dir, &args), "top-10 needs 2 <= k < 10");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bundled_diabetes_set_proves_mse_and_verifies() {
    // the bundled regression set by name: mse is its default score, shown as a real number too
    let dir = workdir("diabetes");
    let o = zkpot(&dir, &["quantize", "--model", "@diabetes", "--data", "@diabetes-test"]);
    assert!(o.status.success(), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((report["report"]["samples"].as_u64(), report["report"]["quantized_mse_score"].as_u64()), (Some(112), Some(27689)));
    assert!((report["report"]["float_mse"].as_f64().unwrap() - 0.4216).abs() < 1e-3, "{report}");
    let base = ["--float-model", "@diabetes", "--data", "@diabetes-test", "--samples", "8", "--scale-bits", "4", "--value-bits", "10"];
    let with = |verb: &'static str, extra: &[&'static str]| [verb].iter().chain(base.iter()).chain(extra.iter()).copied().collect::<Vec<_>>();
    let o = zkpot(&dir, &with("prove", &["--score", "mse"]));
    assert!(o.status.success(), "{}", text(&o));
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((out["statement"]["samples"].as_u64(), out["statement"]["score"].as_u64()), (Some(8), Some(70)));
    assert_eq!(out["mse"].as_f64(), Some(70.0 / 256.0));
    let st: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("statement.json")).unwrap()).unwrap();
    assert_eq!(st["score_function"], "mse");
    let o = zkpot_dev(&dir, &["verify"]);
    assert!(o.status.success() && text(&o).contains("accept"), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((v["score_function"].as_str(), v["mse"].as_f64()), (Some("mse"), Some(70.0 / 256.0)));
    // another MSE, and the same number read as a top-1 count, are rejected
    for (name, bad) in [("up", json(71)), ("down", json(69))] {
        let mut s = st.clone();
        s["score"] = bad;
        std::fs::write(dir.join(format!("{name}.json")), s.to_string()).unwrap();
        assert_eq!(zkpot_dev(&dir, &["verify", "--statement", &format!("{name}.json")]).status.code(), Some(1));
    }
    let mut top1 = st.clone();
    top1.as_object_mut().unwrap().remove("score_function");
    std::fs::write(dir.join("top1.json"), top1.to_string()).unwrap();
    assert_fails_with(&zkpot_dev(&dir, &["verify", "--statement", "top1.json"]), "REJECTED");
    // without --score a regression set is scored by mse: the same statement
    let o = zkpot(&dir, &with("prove", &["--statement", "default.json"]));
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read(dir.join("default.json")).unwrap(), std::fs::read(dir.join("statement.json")).unwrap());
    // Groth16 proves the same MSE as halo2, and its proof verifies
    let o = zkpot(&dir, &with("prove", &["--backend", "groth16", "--score", "mse", "--proof", "g.bin", "--statement", "g.json"]));
    assert!(o.status.success(), "{}", text(&o));
    let g: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("g.json")).unwrap()).unwrap();
    assert_eq!((g["backend"].as_str(), g["score_function"].as_str(), g["score"].as_u64()), (Some("groth16-bn254"), Some("mse"), Some(70)));
    let o = zkpot_dev(&dir, &["verify", "--proof", "g.bin", "--statement", "g.json"]);
    assert!(o.status.success() && text(&o).contains("accept"), "{}", text(&o));
    let mut g71 = g.clone();
    g71["score"] = json(71);
    std::fs::write(dir.join("g71.json"), g71.to_string()).unwrap();
    assert_eq!(zkpot_dev(&dir, &["verify", "--proof", "g.bin", "--statement", "g71.json"]).status.code(), Some(1));
    // clear errors: accuracies on a regression set, mse on a classifier, chunks
    assert_fails_with(&zkpot(&dir, &with("prove", &["--score", "top-2"])), "top-2 scores classifiers");
    assert_fails_with(&zkpot(&dir, &with("setup", &["--score", "top-1"])), "use --score mse");
    let cls = ["setup", "--float-model", "model.json", "--data", "data.json", Q[0], Q[1], Q[2], Q[3], "--score", "mse"];
    assert_fails_with(&zkpot(&dir, &cls), "mse scores single-output regression models");
    assert_fails_with(&zkpot(&dir, &with("prove", &["--chunk-size", "4"])), "--chunk-size cannot prove mse");
    // calibration compares MSEs on a regression set
    let o = zkpot(&dir, &["calibrate", "--model", "@diabetes", "--data", "@diabetes-test", "--min-bits", "8", "--max-bits", "10"]);
    assert!(o.status.success(), "{}", text(&o));
    let cal: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let chosen = &cal["candidates"][cal["chosen"].as_u64().unwrap() as usize];
    let (f, q) = (cal["float_mse"].as_f64().unwrap(), chosen["quantized_mse"].as_f64().unwrap());
    assert!((q - f).abs() <= 0.01 * f, "{cal}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bundled_mnist_sets_and_models_quantize_commit_and_prove() {
    // the bundled MNIST digits and the three models, by name: the accuracies docs and README report
    let dir = workdir("mnist");
    for (model, float, quantized) in [("@mnist-mlp", 1905, 1907), ("@mnist-cnn", 1940, 1941), ("@mnist-lstm", 1880, 1884)] {
        let o = zkpot(&dir, &["quantize", "--model", model, "--data", "@mnist-test", "--out", "q.json"]);
        assert!(o.status.success(), "{}", text(&o));
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(
            (r["report"]["samples"].as_u64(), r["report"]["float_correct"].as_u64(), r["report"]["quantized_correct"].as_u64()),
            (Some(2000), Some(float), Some(quantized)),
            "{model}"
        );
    }
    let o = zkpot(&dir, &["commit", "--float-model", "@mnist-mlp", "--data", "@mnist-train", "--samples", "3"]);
    assert!(o.status.success(), "{}", text(&o));
    let c: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(c["samples"].as_u64(), Some(3));
    // --chunk-memory picks the chunk size from a memory budget: the MLP's estimated peak at
    // 2^19 rows fits 4 GiB, and they hold 559 samples (circuit version 7), so the 2,000 test
    // digits go in 4 equal chunks of 500 (more in chunk_memory_plans_follow_each_circuits_columns)
    let o = zkpot(&dir, &["commit", "--float-model", "@mnist-mlp", "--data", "@mnist-test", "--chunk-memory", "4"]);
    assert!(o.status.success(), "{}", text(&o));
    let c: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(c["chunk_size"].as_u64(), Some(500), "{c}");
    let same = zkpot(&dir, &["commit", "--float-model", "@mnist-mlp", "--data", "@mnist-test", "--chunk-size", "500"]);
    let same: serde_json::Value = serde_json::from_slice(&same.stdout).unwrap();
    assert_eq!(c["chunked_dataset_commitment"], same["chunked_dataset_commitment"]);
    // a budget below what one sample needs, or a nonsensical one, is refused by name
    assert_fails_with(&zkpot(&dir, &["commit", "--float-model", "@mnist-mlp", "--data", "@mnist-test", "--chunk-memory", "0.5"]), "one sample of this model already needs 2^17 rows");
    assert_fails_with(&zkpot(&dir, &["prove", "--float-model", "@mnist-mlp", "--data", "@mnist-test", "--chunk-memory", "0"]), "--chunk-memory must be a positive number");
    // one proof of the MLP on two real digits (k = 17: the model's 101,770 weights set the size)
    let o = zkpot(&dir, &["prove", "--float-model", "@mnist-mlp", "--data", "@mnist-test", "--samples", "2"]);
    assert!(o.status.success(), "{}", text(&o));
    let proved: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let digest = proved["vk_digest"].as_str().unwrap().to_string();
    // pinned by the digest the setup printed (development SRS: the opt-in is needed too)
    let o = zkpot(&dir, &["verify", "--vk-digest", &digest, "--allow-insecure-dev"]);
    assert!(o.status.success() && text(&o).contains("accept"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn chunk_memory_plans_follow_each_circuits_columns() {
    let dir = workdir("chunk-memory");
    // the plan is printed: k, the largest chunk, the chunks and the estimated peak
    let o = zkpot(&dir, &["commit", "--float-model", "@mnist-mlp", "--data", "@mnist-test", "--chunk-memory", "4"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("2^19 rows hold 559 samples; 4 chunk(s) of 500, each a 2^19-row circuit (an estimated 3.6"), "{}", text(&o));
    // the LSTM's recurrent column group (14 more advice columns, four more lookups) makes its
    // rows ~1.6x as dear: at 4 GiB it gets 2^18 rows, not the MLP's 2^19 (which would need ~5.6 GiB)
    let o = zkpot(&dir, &["commit", "--float-model", "@mnist-lstm", "--data", "@mnist-test", "--chunk-memory", "4"]);
    assert!(o.status.success(), "{}", text(&o));
    let c: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(c["chunk_size"].as_u64(), Some(47), "{}", text(&o));
    assert!(text(&o).contains("2^18 rows hold 47 samples; 43 chunk(s) of 47, each a 2^18-row circuit (an estimated 2.9"), "{}", text(&o));
    // a budget below one sample's circuit names the minimum
    assert_fails_with(
        &zkpot(&dir, &["commit", "--float-model", "@mnist-lstm", "--data", "@mnist-test", "--chunk-memory", "0.7"]),
        "one sample of this model already needs 2^16 rows (an estimated 0.78 GiB",
    );
}
