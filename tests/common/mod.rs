//! Helpers shared by the command-line tests: run the built `zkpot` in a directory, read what it
//! printed, expect a clear failure, make a fresh work directory.

#![allow(dead_code)] // each test crate uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the built `zkpot` in `dir`, with its cache in `dir/cache`.
pub fn zkpot(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkpot"))
        .args(args)
        .current_dir(dir)
        .env("ZKPOT_CACHE", dir.join("cache"))
        .output()
        .expect("run zkpot")
}

/// `zkpot verify ...` on development keys trusted as given (`--trust-key-as-is
/// --allow-insecure-dev`): for the tests of what verification rejects; the pinning itself is
/// tested in `tests/trust.rs`.
pub fn zkpot_dev(dir: &Path, args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.extend(["--trust-key-as-is", "--allow-insecure-dev"]);
    zkpot(dir, &all)
}

/// Standard output and standard error together.
pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// The command failed, without a panic, saying `needle`.
pub fn assert_fails_with(o: &Output, needle: &str) {
    let t = text(o);
    assert!(!o.status.success(), "expected failure, got success: {t}");
    assert!(!t.contains("panicked"), "panic: {t}");
    assert!(t.contains(needle), "expected `{needle}` in: {t}");
}

/// A fresh, empty directory `zkpot-<prefix>-<name>-<pid>` under the system's temporary directory.
pub fn empty_dir(prefix: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zkpot-{prefix}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("work directory");
    dir
}

/// A tiny float model (3 features, 3 classes; 8-bit values at scale 3: k = 9).
pub const MODEL: &str = r#"{"format":"zkpot-float-model","version":1,"name":"tiny","input_dim":3,"num_classes":3,
 "layers":[{"type":"dense","weights":[[0.5,-0.25,0.125,1.0],[-0.5,0.75,0.25,-0.125],[0.25,0.5,-0.75,0.5]],"bias":[0.125,-0.25,0.0,0.25]},
           {"type":"relu"},
           {"type":"dense","weights":[[0.5,-0.5,0.25],[0.25,0.75,-0.5],[-0.25,0.5,0.75],[0.75,-0.25,0.5]],"bias":[0.0,0.125,-0.125]}]}"#;

pub const DATA: &str = r#"{"format":"zkpot-dataset","version":1,"name":"tiny","num_classes":3,
 "features":[[1.0,0.5,-0.5],[0.25,-1.0,2.0],[-1.5,0.75,0.5],[2.0,1.0,1.0],[0.0,0.0,0.5]],
 "labels":[0,2,1,0,2]}"#;

/// A fresh work directory holding the tiny model (`model.json`) and data set (`data.json`).
pub fn tiny_workdir(prefix: &str, name: &str) -> PathBuf {
    let dir = empty_dir(prefix, name);
    std::fs::write(dir.join("model.json"), MODEL).unwrap();
    std::fs::write(dir.join("data.json"), DATA).unwrap();
    dir
}

