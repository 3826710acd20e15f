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
