//! The auditor's page in a real browser: a 4-replica cluster runs the demo's transactions
//! with a genuine Groth16 proof (tiny circuit) and a tampered copy of it (challenged
//! successfully), the nodes serve their read API and page, and headless Chromium (Debian
//! package `chromium`, or `$CHROMIUM`) opens the page, verifies every Groth16 validation in
//! the browser with the vendored snarkjs (pinned in tests/js, installed by `npm ci`), and
//! the rendered DOM must show what a person would see: the orders table, the winner, green
//! for the valid proof and red for the tampered one, and red for a genuine proof revealed with
//! a score it does not prove (an open order nobody challenged: snarkjs rejects it). The page
//! also shows the stable checkpoint and checks its certificate's Ed25519 signatures with
//! WebCrypto: green for the replicas' certificate, red for one with a forged signature (served
//! by a node whose published checkpoint the test tampers with). The screenshot is saved under
//! `target/auditor/page.png`.
//!
//! Needs chromium, node and npm. Without them the test FAILS (it never skips), saying so.

mod http;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use zkpot_circuits::halo2::{CircuitShape, Witness};
use zkpot_circuits::testing::{random_dataset, random_model, TINY};
use zkpot_ledger::api::local::serve_local_cluster;
use zkpot_ledger::api::{serve, ApiSources};
use zkpot_ledger::ProofChecker;
use zkpot_ledger::demo::{demo_genesis, run_demo, DemoTiming};
use zkpot_ledger::local_cluster::{scratch_dir, LocalCluster};
use zkpot_ledger::snark::SnarkChecker;
use zkpot_ledger::claim::claim_commitment;
use zkpot_ledger::client::{ledger_time, reveal_validation, send_ok, validation_commit_body, wait_until, LedgerClient};
use zkpot_ledger::keys::{account_of, signing_key_from_seed};
use zkpot_ledger::statement::StatementChecks;
use zkpot_ledger::{Bytes32, Mode, OrderSpec, Receipt, TxBody};
use zkpot_verifier::Statement;
use zkpot_prover::groth16::DevSeed;
use zkpot_prover::{Backend, Groth16Backend};
use zkpot_verifier::AnyKey;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The pinned snarkjs browser bundle, installed with `npm ci` when missing.
fn snarkjs_bundle() {
    let js = workspace().join("tests/js");
    let bundle = js.join("node_modules/snarkjs/build/snarkjs.min.js");
    if !bundle.exists() {
        let o = Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&js).output().unwrap_or_else(|e| {
            panic!("this test needs npm (and node 20) to install the pinned snarkjs in tests/js with `npm ci`: {e}")
        });
        assert!(o.status.success(), "`npm ci` in {} failed: {}", js.display(), String::from_utf8_lossy(&o.stderr));
    }
    assert!(bundle.exists(), "npm ci did not produce {}", bundle.display());
}

fn chromium() -> String {
    let name = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".into());
    match Command::new(&name).arg("--version").output() {
        Ok(o) if o.status.success() => name,
        _ => panic!("this test needs headless Chromium: install the Debian package `chromium` (`.ci/run` does), or set CHROMIUM"),
    }
}

/// Runs headless Chromium on `url` and returns its output. `--dump-dom` waits on virtual time,
/// which snarkjs's web workers do not hold back: on a loaded machine the DOM can be dumped while a
/// verification is still running, so a dump whose script has not finished (`data-state` not yet
/// "done") is taken again, up to three times.
fn chromium_run(bin: &str, args: &[&str], url: &str) -> String {
    let mut out = chromium_once(bin, args, url);
    for _ in 1..3 {
        if !args.contains(&"--dump-dom") || out.contains("data-state=\"done\"") {
            break;
        }
        out = chromium_once(bin, args, url);
    }
    out
}

fn chromium_once(bin: &str, args: &[&str], url: &str) -> String {
    let profile = scratch_dir("chromium-profile");
    let mut cmd = Command::new(bin);
    cmd.args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars", "--virtual-time-budget=60000"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url);
    let o = cmd.output().expect("run chromium");
    let _ = std::fs::remove_dir_all(&profile);
    assert!(o.status.success(), "chromium failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn groth16_proof() -> (zkpot_verifier::Statement, Vec<u8>, Vec<u8>) {
    let witness = Witness::new(random_model(3, TINY, &[3, 4, 3], 4), random_dataset(3, TINY, 3, 3, 6, 16)).unwrap();
    let shape = CircuitShape::new(witness.model.architecture(), 6);
    let (pk, vk) = Groth16Backend::setup(&DevSeed(5), &shape).unwrap();
    let (statement, proof) = Groth16Backend::prove(&DevSeed(5), &pk, witness).unwrap();
    (statement, proof.to_bytes(), vk.to_bytes())
}

/// A second order, left open: the honest validator reveals the genuine proof with a score one
/// higher than it proves (optimistic mode: nobody checks until someone challenges). Returns the
/// validation's id.
async fn false_score_validation<L: LedgerClient>(l: &mut L, statement: &Statement, proof: &[u8]) -> u64 {
    let key = signing_key_from_seed;
    let t0 = ledger_time(l).await.unwrap();
    let spec = OrderSpec {
        reward: 100,
        shape_id: statement.shape_id.clone(),
        dataset_commitment: statement.dataset().unwrap(),
        samples: statement.samples,
        training_deadline: t0 + 1500,
        validation_deadline: t0 + 3000,
        reveal_deadline: t0 + 4000,
        challenge_deadline: t0 + 600_000,
        mode: Mode::Optimistic,
        min_validator_stake: 100,
        score_function: statement.score_function,
    };
    let o = send_ok(l, &key("demo/requester"), TxBody::PutOrder(spec.clone())).await.unwrap();
    let Some(Receipt::OrderPut { order }) = o.receipt else { panic!("{o:?}") };
    let (model, salt) = (statement.model().unwrap(), Bytes32([7; 32]));
    let provider = key("demo/provider");
    let commitment = claim_commitment(&model, &salt, &account_of(&provider));
    let o = send_ok(l, &provider, TxBody::ClaimCommit { order, commitment }).await.unwrap();
    let Some(Receipt::ClaimCommitted { claim, .. }) = o.receipt else { panic!("{o:?}") };
    wait_until(l, spec.training_deadline).await.unwrap();
    send_ok(l, &provider, TxBody::ClaimReveal { order, model_commitment: model, salt }).await.unwrap();
    let mut lie = statement.clone();
    lie.score = if lie.score < lie.samples { lie.score + 1 } else { lie.score - 1 };
    let validator = key("demo/validator-honest");
    let body = validation_commit_body(l, &validator, order, claim, &lie, proof, &salt, 150).await.unwrap();
    let o = send_ok(l, &validator, body).await.unwrap();
    let Some(Receipt::ValidationCommitted { validation, .. }) = o.receipt else { panic!("{o:?}") };
    let o = reveal_validation(l, &validator, spec.validation_deadline, validation, &lie, proof, &salt).await.unwrap();
    assert!(o.ok, "{o:?}");
    validation
}

/// The element of the dumped DOM whose opening tag starts with `start`, up to its closing `</p>`.
fn para<'a>(dom: &'a str, start: &str) -> &'a str {
    let from = dom.find(start).unwrap_or_else(|| panic!("no {start} in the page:\n{dom}"));
    let end = dom[from..].find("</p>").map_or(dom.len(), |e| from + e);
    &dom[from..end]
}

/// The `<tr data-validation=ID ...>` row of the dumped DOM.
fn row<'a>(dom: &'a str, id: u64) -> &'a str {
    let start = dom.find(&format!("<tr data-validation=\"{id}\"")).unwrap_or_else(|| panic!("no row for validation {id} in the page:\n{dom}"));
    let end = dom[start..].find("</tr>").map_or(dom.len(), |e| start + e);
    &dom[start..end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_verifies_groth16_proofs_in_a_real_browser() {
    let chromium = chromium();
    snarkjs_bundle();
    let (statement, proof, vk) = groth16_proof();
    let key = AnyKey::from_bytes(&vk).unwrap();
    let keys = std::collections::BTreeMap::from([(key.shape_id(), Bytes32(key.digest()))]);
    let checker = Arc::new(SnarkChecker::from_key_bytes(&vk).unwrap());
    let dir = scratch_dir("auditor-page");
    // a checkpoint every 4 requests, so that the demo's requests make some stable
    let params = zkpot_pbft::Params { checkpoint_interval: 4, log_window: 8, view_change_timeout_ms: 2000, ..zkpot_pbft::Params::default() };
    let cluster = LocalCluster::start_with_views(4, dir.clone(), &demo_genesis(keys), checker.clone(), params).await.unwrap();
    let apis = serve_local_cluster(&cluster, checker.as_ref(), None).await.unwrap();
    let mut client = cluster.client("auditor-page").unwrap();
    zkpot_ledger::cluster::wait_ready_client(&mut client, Duration::from_secs(20)).await.unwrap();
    let summary = run_demo(&mut client, &statement, &proof, DemoTiming::default()).await.unwrap();
    assert_eq!(summary["tampered_validation_slashed"], true);

    let lying = false_score_validation(&mut client, &statement, &proof).await;

    let order = http::get(apis[1].addr, "/api/v1/orders").await.json()["items"][0].clone();
    let ids: Vec<u64> = order["validations"].as_array().unwrap().iter().map(|v| v["id"].as_u64().unwrap()).collect();
    let (honest, tampered) = (ids[0], ids[1]);

    // the browser: replica 1's page (any replica serves one), every Groth16 proof verified
    let url = format!("{}?autoverify=1", apis[1].url());
    let page = tokio::task::spawn_blocking({
        let (c, u) = (chromium.clone(), url.clone());
        move || chromium_run(&c, &["--dump-dom"], &u)
    })
    .await
    .unwrap();
    assert!(page.contains("data-state=\"done\""), "the page's script did not finish:\n{page}");
    assert!(!page.contains("id=\"error\" class=\"bad\">error"), "the page reported an error:\n{page}");
    assert!(page.contains(&format!("<tr data-order=\"{}\"", order["id"])), "no orders table row:\n{page}");
    assert!(page.contains("finalized"), "{page}");
    assert!(page.contains(&format!("data-winner=\"{}\"", summary["winner"]["claim"])), "no winner shown:\n{page}");
    assert!(page.contains(summary["winner"]["model_commitment"].as_str().unwrap()), "the winning model commitment is not shown");
    let good = row(&page, honest);
    assert!(good.contains("data-verdict=\"accept\"") && good.contains("class=\"ok\""), "the valid proof is not green:\n{good}");
    assert!(good.contains("snarkjs accepts"), "{good}");
    let bad = row(&page, tampered);
    assert!(bad.contains("data-verdict=\"reject\"") && bad.contains("class=\"bad\""), "the tampered proof is not red:\n{bad}");
    assert!(page.contains("succeeded: proof invalid, validator slashed"), "the successful challenge is not shown");
    // nobody challenged the false score, the replicas never checked it: the browser does
    let lie = row(&page, lying);
    assert!(lie.contains("data-status=\"unchallenged\""), "{lie}");
    assert!(lie.contains("data-verdict=\"reject\"") && lie.contains("snarkjs rejects"), "a real proof of another score is not red:\n{lie}");
    // the stable checkpoint, its signatures checked in the browser (Chromium has Ed25519 in WebCrypto)
    let cp = http::get(apis[1].addr, "/api/v1/checkpoint").await.json();
    assert!(cp["seq"].as_u64().unwrap() >= 4, "{cp}");
    let summary_p = para(&page, "<p id=\"checkpoint-summary\"");
    assert!(summary_p.contains(&format!("seq {}", cp["seq"])) && summary_p.contains(cp["digest"].as_str().unwrap()), "{summary_p}");
    assert!(summary_p.contains("signed by 3 of 4 replicas"), "{summary_p}");
    let verdict = para(&page, "<p id=\"checkpoint-verdict\"");
    assert!(verdict.contains("data-verdict=\"accept\"") && verdict.contains("class=\"ok\""), "the replicas' certificate is not green:\n{verdict}");
    assert!(verdict.contains("signatures checked in this browser") && verdict.contains("the snapshot hashes to the digest"), "{verdict}");

    // a node serving a certificate with a forged signature: red
    let mut forged = (*cluster.stats[1].stable_checkpoint().unwrap()).clone();
    forged.proof.messages[0].sig[10] ^= 1;
    let stats = Arc::new(zkpot_pbft::RuntimeStats::default());
    *stats.stable_checkpoint.lock().unwrap() = Some(Arc::new(forged));
    let sources = ApiSources {
        view: cluster.views[1].clone(),
        keys: checker.verifying_keys(),
        stats: Some(stats),
        replica: 1,
        cluster: cluster.cluster.clone(),
        snarkjs: None,
    };
    let liar = serve("127.0.0.1:0".parse().unwrap(), sources).await.unwrap();
    let page = tokio::task::spawn_blocking({
        let (c, u) = (chromium.clone(), liar.url());
        move || chromium_run(&c, &["--dump-dom"], &u)
    })
    .await
    .unwrap();
    let verdict = para(&page, "<p id=\"checkpoint-verdict\"");
    assert!(verdict.contains("data-verdict=\"reject\"") && verdict.contains("class=\"bad\""), "a forged signature is not red:\n{verdict}");
    assert!(verdict.contains("signature does not check"), "{verdict}");
    drop(liar);

    // a pinned digest that is not the network's key: every verification is red
    let other = format!("{}?autoverify=1&pin={}", apis[1].url(), "ab".repeat(32));
    let page = tokio::task::spawn_blocking({
        let c = chromium.clone();
        move || chromium_run(&c, &["--dump-dom"], &other)
    })
    .await
    .unwrap();
    let good = row(&page, honest);
    assert!(good.contains("data-verdict=\"reject\"") && good.contains("is not the pinned key"), "a wrong pin must fail:\n{good}");

    // the screenshot, a test artifact
    let out = workspace().join("target/auditor");
    std::fs::create_dir_all(&out).unwrap();
    let png = out.join("page.png");
    let _ = std::fs::remove_file(&png);
    tokio::task::spawn_blocking({
        let arg = format!("--screenshot={}", png.display());
        move || chromium_run(&chromium, &[&arg, "--window-size=1400,2000"], &url)
    })
    .await
    .unwrap();
    assert!(std::fs::metadata(&png).map(|m| m.len() > 1000).unwrap_or(false), "no screenshot at {}", png.display());
    eprintln!("screenshot: {}", png.display());
    drop(apis);
    drop(cluster);
    let _ = std::fs::remove_dir_all(&dir);
}
