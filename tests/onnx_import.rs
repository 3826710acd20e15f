//! `zkpot import` end to end: the scikit-learn MLP exported by skl2onnx imports, and the float
//! model it writes quantizes, proves and verifies with the unchanged verbs; so does the PyTorch
//! CNN (conv, max-pool, average-pool, flatten, dense) with its quantized score pinned, with
//! halo2 and with Groth16; bad files fail with clear messages.

mod common;

use common::{empty_dir, text, zkpot, zkpot_dev};
use std::path::PathBuf;
use std::process::Output;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> String {
    root().join("onnx/tests/fixtures").join(name).display().to_string()
}

fn workdir(name: &str) -> PathBuf {
    empty_dir("onnx", name)
}

/// Like `common::assert_fails_with`, and the exit status must be 2 (an input error).
fn assert_fails_with(o: &Output, needle: &str) {
    let t = text(o);
    assert_eq!(o.status.code(), Some(2), "expected exit 2: {t}");
    assert!(!t.contains("panicked"), "panic: {t}");
    assert!(t.contains(needle), "expected `{needle}` in: {t}");
}

#[test]
fn sklearn_mlp_imports_proves_and_verifies() {
    let dir = workdir("mlp");
    let test_set = root().join("data/digits/test.json").display().to_string();
    let o = zkpot(&dir, &["import", &fixture("digits_mlp_sklearn.onnx"), "--out", "model.json", "--data", &test_set]);
    assert!(o.status.success(), "{}", text(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["float_accuracy"]["correct"], 489);
    assert_eq!(summary["float_model"], "supported");
    assert_eq!(summary["layers"].as_array().unwrap().len(), 5);
    assert!(text(&o).contains("MatMul"), "{}", text(&o));

    // the unchanged flow on the written float model: quantize, then prove and verify 8 samples
    let o = zkpot(&dir, &["quantize", "--model", "model.json", "--out", "q.json"]);
    assert!(o.status.success(), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["report"]["quantized_correct"], 489);
    let q = ["--scale-bits", "6", "--value-bits", "12"];
    let mut args = vec!["prove", "--float-model", "model.json", "--samples", "8"];
    args.extend(q);
    let o = zkpot(&dir, &args);
    assert!(o.status.success(), "{}", text(&o));
    let o = zkpot_dev(&dir, &["verify"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("accept"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn torch_cnn_imports_quantizes_proves_and_verifies() {
    let dir = workdir("cnn");
    let test_set = root().join("data/digits/test.json").display().to_string();
    let o = zkpot(&dir, &["import", &fixture("digits_cnn_torch.onnx"), "--data", &test_set, "--out", "cnn.json"]);
    assert!(o.status.success(), "{}", text(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["float_accuracy"]["correct"], 485);
    assert_eq!(summary["input"]["batch"]["dynamic"], "batch");
    assert_eq!(summary["float_model"], "supported");
    // the dynamo export (Reshape in place of Flatten) converts to the same float model
    let o = zkpot(&dir, &["import", &fixture("digits_cnn_torch_dynamo.onnx"), "--out", "cnn_dynamo.json", "--name", "cnn"]);
    assert!(o.status.success(), "{}", text(&o));
    let a: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("cnn.json")).unwrap()).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("cnn_dynamo.json")).unwrap()).unwrap();
    assert_eq!(a["layers"], b["layers"]);

    // quantized at the default (b, s) = (15, 8): 484 of 500 (the float model: 485)
    let o = zkpot(&dir, &["quantize", "--model", "cnn.json", "--out", "cnn.q.json"]);
    assert!(o.status.success(), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["report"]["float_correct"], 485);
    assert_eq!(report["report"]["quantized_correct"], 484);
    // a real proof on 4 samples, the statement's score the reference's
    let o = zkpot(&dir, &["prove", "--model", "cnn.q.json", "--samples", "4"]);
    assert!(o.status.success(), "{}", text(&o));
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(out["statement"]["score"], 4);
    let o = zkpot_dev(&dir, &["verify"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("accept"), "{}", text(&o));
    // and with Groth16, under top-3 on one sample (a 67 k-constraint circuit)
    let o = zkpot(&dir, &["prove", "--backend", "groth16", "--model", "cnn.q.json", "--samples", "1", "--score", "top-3"]);
    assert!(o.status.success(), "{}", text(&o));
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(out["statement"]["backend"], "groth16-bn254");
    assert_eq!(out["statement"]["score_function"], "top-3");
    assert_eq!(out["statement"]["score"], 1);
    let o = zkpot_dev(&dir, &["verify"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("accept"), "{}", text(&o));

    // PyTorch's dynamo exporter: weights in model.onnx.data beside the model
    let o = zkpot(&dir, &["import", &fixture("digits_mlp_torch_dynamo.onnx"), "--out", "mlp.json", "--data", &test_set]);
    assert!(o.status.success(), "{}", text(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["float_accuracy"]["correct"], 483);
    assert!(dir.join("mlp.json").exists());

    assert_fails_with(&zkpot(&dir, &["import", &fixture("unsupported_sigmoid.onnx")]), "Sigmoid (node 'sigmoid1') is not supported");
    std::fs::write(dir.join("short.onnx"), &std::fs::read(fixture("digits_mlp_sklearn.onnx")).unwrap()[..5000]).unwrap();
    assert_fails_with(&zkpot(&dir, &["import", "short.onnx"]), "not an ONNX model");
    assert_fails_with(&zkpot(&dir, &["import", "missing.onnx"]), "missing.onnx");
    let _ = std::fs::remove_dir_all(&dir);
}
