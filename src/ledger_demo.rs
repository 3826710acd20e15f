//! The demo's ledger part: the demo's real proof goes through a fresh 4-node PBFT cluster
//! (in-process replicas over loopback TCP) whose proof checker is zkpot's verifier: order,
//! two-phase claim, commit-then-reveal validations, a failed and a successful challenge, finalization.
//! The replicas' checker is the ledger's `SnarkChecker`, so the demo runs with either backend's
//! proof. It is a development network (public-seed keys), and says so when it starts.
//! `zkpot demo --serve` keeps the cluster up with every replica serving its auditor page.

use crate::report::step;
use anyhow::Result;
use std::path::Path;
use std::sync::Arc;
use zkpot_ledger::api::local::{run_demo_cluster_serving_blocking, DemoServe};
use zkpot_ledger::snark::SnarkChecker;
use zkpot_verifier::{ProofFile, Statement};

/// Runs the ledger scenario on the demo's statement, proof and verifying key; writes the full
/// transcript to `out`. With `serve`, every replica serves its read API and auditor page, whose
/// address is printed, and the cluster stays up until Ctrl-C.
pub fn run(statement: &Statement, proof: &ProofFile, vk: &[u8], out: &Path, serve: Option<DemoServe>) -> Result<()> {
    let checker = Arc::new(SnarkChecker::from_key_bytes(vk)?);
    // the demo's network accepts exactly this key (genesis lists its digest)
    let key = zkpot_verifier::AnyKey::from_bytes(vk)?;
    let keys = std::collections::BTreeMap::from([(key.shape_id(), zkpot_ledger::Bytes32(key.digest()))]);
    let what = "ledger: order, claim, validation, two challenges, finalize on a 4-node PBFT cluster";
    let Some(serve) = serve else {
        let (res, _) = step(what, || zkpot_ledger::demo::run_demo_cluster_blocking(statement, &proof.to_bytes(), checker, keys));
        return report(statement, &res?, out);
    };
    let mut printed = Ok(());
    eprintln!("{what} (with read APIs)");
    run_demo_cluster_serving_blocking(statement, &proof.to_bytes(), checker, keys, serve, |summary| {
        printed = report(statement, summary, out);
        if let Some(page) = summary["page"].as_str() {
            println!("auditor page: {page}  (every replica serves one: {})", summary["apis"]);
            println!("  the cluster stays up until Ctrl-C");
        }
    })?;
    printed
}

fn report(statement: &Statement, summary: &serde_json::Value, out: &Path) -> Result<()> {
    zkpot_params::cache::write_atomic(out, serde_json::to_string_pretty(summary)?.as_bytes())?;
    let w = &summary["winner"];
    println!("ledger (4 PBFT replicas, {} verifier on every replica):", statement.backend);
    println!("  winner: model {} with S/N = {}/{}, provider reward {}, each validator {}",
        w["model_commitment"].as_str().unwrap_or("?"), w["score"], w["samples"], w["provider_reward"], w["validator_reward_each"]);
    println!("  challenge of the valid proof failed (stake forfeited to the validator): {}", summary["failed_challenge_forfeited_to_validator"]);
    println!("  challenge of a tampered proof succeeded (validator slashed): {}", summary["tampered_validation_slashed"]);
    println!("  stakes conserved: total {} after {} transactions", summary["totals"]["total"], summary["totals"]["applied"]);
    println!("  transcript: {}", out.display());
    Ok(())
}
