//! The command line end to end, as a user runs it: `zkpot-ledger cluster --dev` spawns
//! four separate node processes, client subcommands walk an order through every PoT
//! phase (including a rejected transaction and its reason), `ledger stop` ends them.
//! And the secure defaults: no stand-in checker without `--dev`, secrets written 0600,
//! random keys from `keygen`, warnings on development nodes.

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use zkpot_ledger::local_cluster::scratch_dir;
use zkpot_ledger::{FakeSnarkChecker, Statement};

fn bin(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_zkpot-ledger"))
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: {e}: {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), v)
}

fn ledger(dir: &Path, seed: &str, cmd: &str, extra: &[&str]) -> (i32, Value) {
    let d = dir.to_str().unwrap();
    let mut args = vec!["ledger", cmd, "--cluster", d, "--key-seed", seed];
    args.extend_from_slice(extra);
    bin(&args)
}

/// Polls `totals` until the ledger's agreed time reaches `t`.
fn wait_ledger_time(dir: &Path, t: u64) {
    for _ in 0..600 {
        let (_, v) = ledger(dir, "dev/requester", "totals", &[]);
        if v["last_time"].as_u64().unwrap() >= t {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("ledger time never reached {t}");
}

struct Stop<'a>(&'a Path);
impl Drop for Stop<'_> {
    fn drop(&mut self) {
        let _ = Command::new(env!("CARGO_BIN_EXE_zkpot-ledger"))
            .args(["ledger", "stop", "--cluster", self.0.to_str().unwrap()])
            .output();
    }
}

#[test]
fn cluster_and_client_commands() {
    let dir = scratch_dir("cli");
    let (rc, v) = bin(&[
        "cluster", "--nodes", "4", "--dir", dir.to_str().unwrap(), "--dev", "--checker", "fake-snark", "--shape", "abcd", "--api",
    ]);
    let _stop = Stop(&dir);
    assert_eq!(rc, 0, "{v}");
    assert_eq!(v["pids"].as_array().unwrap().len(), 4);
    assert_eq!(v["development"], true);
    // every development node says so loudly when it starts
    std::thread::sleep(std::time::Duration::from_millis(300));
    for i in 0..4 {
        let log = std::fs::read_to_string(dir.join(format!("node-{i}.log"))).unwrap();
        assert!(log.contains("WARNING: DEVELOPMENT NODE"), "node {i}: {log}");
        assert!(log.contains("stand-in") && log.contains("public-seed key replica-"), "node {i}: {log}");
    }

    let model = format!("0x{}", "11".repeat(32));
    let dataset = format!("0x{}", "22".repeat(32));
    let salt = format!("0x{}", "33".repeat(32));
    let statement = Statement {
        format: "zkpot-statement".into(),
        version: 1,
        backend: "halo2-kzg-bn254".into(),
        shape_id: "abcd".into(),
        model_commitment: model.clone(),
        dataset_commitment: dataset.clone(),
        samples: 500,
        score: 457,
        score_function: Default::default(),
    };
    let st_path = dir.join("statement.json");
    std::fs::write(&st_path, serde_json::to_string(&statement).unwrap()).unwrap();
    let proof_path = dir.join("proof.bin");
    std::fs::write(&proof_path, FakeSnarkChecker::prove(&statement, 1536)).unwrap();
    let st = st_path.to_str().unwrap();
    let pf = proof_path.to_str().unwrap();

    assert_eq!(
        ledger(
            &dir,
            "dev/provider-1",
            "register",
            &["--role", "provider", "--stake", "500"]
        )
        .0,
        0
    );
    assert_eq!(
        ledger(
            &dir,
            "dev/validator-1",
            "register",
            &["--role", "validator", "--stake", "500"]
        )
        .0,
        0
    );
    let (rc, v) = ledger(
        &dir,
        "dev/validator-1",
        "register",
        &["--role", "validator", "--stake", "500"],
    );
    assert_eq!(rc, 1);
    assert_eq!(v["code"], "already_registered");
    assert!(v["reason"].as_str().unwrap().contains("already registered"));

    let (rc, v) = ledger(
        &dir,
        "dev/requester",
        "order",
        &[
            "--reward",
            "1000",
            "--from-statement",
            st,
            "--training-ms",
            "2000",
            "--validation-ms",
            "5000",
            "--reveal-ms",
            "1000",
            "--challenge-ms",
            "1000",
            "--mode",
            "eager",
        ],
    );
    assert_eq!(rc, 0, "{v}");
    let order = v["receipt"]["order"].as_u64().unwrap().to_string();
    let (rc, v) = ledger(
        &dir,
        "dev/provider-1",
        "claim-commit",
        &["--order", &order, "--model", &model, "--salt", &salt],
    );
    assert_eq!(rc, 0, "{v}");
    let claim = v["receipt"]["claim"].as_u64().unwrap().to_string();
    let (_, o) = ledger(&dir, "dev/requester", "get-order", &["--order", &order]);
    wait_ledger_time(&dir, o["spec"]["training_deadline"].as_u64().unwrap());
    let (rc, v) = ledger(
        &dir,
        "dev/provider-1",
        "claim-reveal",
        &["--order", &order, "--model", &model, "--salt", &salt],
    );
    assert_eq!(rc, 0, "{v}");
    let (rc, v) = ledger(
        &dir,
        "dev/validator-1",
        "validate",
        &[
            "--order",
            &order,
            "--claim",
            &claim,
            "--statement",
            st,
            "--proof",
            pf,
            "--stake",
            "200",
        ],
    );
    assert_eq!(rc, 0, "{v}");
    assert_eq!(v["commit"]["receipt"]["receipt"], "validation_committed", "{v}");
    assert_eq!(v["receipt"]["verified"], true);
    let (_, vals) = ledger(&dir, "dev/requester", "validations", &["--order", &order]);
    assert_eq!(vals[0]["status"], "verified");
    let (rc, v) = ledger(&dir, "dev/requester", "finalize", &["--order", &order]);
    assert_eq!(rc, 1);
    assert_eq!(v["code"], "finalize_too_early");
    wait_ledger_time(&dir, o["spec"]["challenge_deadline"].as_u64().unwrap());
    let (rc, v) = ledger(&dir, "dev/requester", "finalize", &["--order", &order]);
    assert_eq!(rc, 0, "{v}");
    let (_, v) = ledger(&dir, "dev/requester", "get-order", &["--order", &order]);
    assert_eq!(v["winner"]["score"], 457);
    let (_, v) = ledger(&dir, "dev/provider-1", "account", &[]);
    assert_eq!(v["node"]["record"]["wins"], 1);
    // finalized: the validations were pruned, the summary stays
    let (_, v) = ledger(&dir, "dev/requester", "validations", &["--order", &order]);
    assert!(v["error"].as_str().unwrap().contains("pruned"), "{v}");
    let (_, v) = ledger(&dir, "dev/requester", "list-orders", &[]);
    assert_eq!(v.as_array().unwrap().len(), 1);
    let (_, v) = ledger(&dir, "dev/requester", "totals", &[]);
    assert_eq!(v["order_escrows"], "0");
    // the auditor's check of a node's checkpoint certificate, from the command line: with the
    // default K = 128 nothing is signed yet (certificates: tests/checkpoint_certificate.rs)
    let node0: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("node-0.json")).unwrap()).unwrap();
    let api = format!("http://{}", node0["api"].as_str().unwrap());
    let (rc, v) = bin(&["ledger", "checkpoint", "--cluster", dir.to_str().unwrap(), "--api", &api]);
    assert_eq!((rc, &v["verdict"]), (1, &Value::from("nothing signed yet")), "{v}");
    assert_eq!(v["seq"], 0);
    drop(_stop);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn secure_defaults_of_cluster_keygen_and_client() {
    let dir = scratch_dir("cli-secure");
    let d = dir.to_str().unwrap();
    // the stand-in checkers are unreachable without --dev
    let out = Command::new(env!("CARGO_BIN_EXE_zkpot-ledger"))
        .args(["cluster", "--dir", d, "--checker", "fake-snark", "--no-start"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--dev"));
    // the default checker is the real one, which needs the network's keys
    let out = Command::new(env!("CARGO_BIN_EXE_zkpot-ledger"))
        .args(["cluster", "--dir", d, "--no-start"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--keys"));

    // keygen: random keys, written 0600, never overwritten
    let k1 = dir.join("a.key");
    let k2 = dir.join("b.key");
    let (rc, a) = bin(&["ledger", "keygen", "--out", k1.to_str().unwrap()]);
    assert_eq!(rc, 0, "{a}");
    let (_, b) = bin(&["ledger", "keygen", "--out", k2.to_str().unwrap()]);
    assert_ne!(a["account"], b["account"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&k1).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_zkpot-ledger"))
        .args(["ledger", "keygen", "--out", k1.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "an existing key file is never overwritten");

    // node configs hold replica secrets: written 0600
    let (rc, v) = bin(&["cluster", "--dir", d, "--dev", "--checker", "fake-snark", "--no-start"]);
    assert_eq!(rc, 0, "{v}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for i in 0..4 {
            let mode = std::fs::metadata(dir.join(format!("node-{i}.json"))).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "node-{i}.json");
        }
    }
    // client commands: a key file, or a dev/ seed only
    let out = Command::new(env!("CARGO_BIN_EXE_zkpot-ledger"))
        .args(["ledger", "transfer", "--cluster", d, "--key-seed", "my passphrase", "--to-seed", "x", "--amount", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--key FILE"));
    let _ = std::fs::remove_dir_all(&dir);
}
