//! The PoT demo scenario, over any [`LedgerClient`]: register accounts, put an
//! optimistic order for the given statement's architecture/dataset/N, claim commit and
//! reveal the statement's model, commit a validation with the real proof and one with
//! a tampered proof, reveal both once commitments close, challenge both (the first
//! challenge fails, the second slashes), finalize, and summarize as JSON.
//! [`run_demo_cluster`] runs it on a fresh 4-node loopback cluster; tests run it on a
//! `LocalLedger`.
//!
//! The demo is a DEVELOPMENT network: its actors' keys come from public seeds
//! (`demo/...`), and so do its replicas' keys; it says so when it starts.

use crate::account::Role;
use crate::bytes32::Bytes32;
use crate::client::{ledger_time, query, reveal_validation, send_ok, validation_commit_body, wait_until, LedgerClient};
use crate::error::LedgerError;
use crate::keys::{account_of, signing_key_from_seed};
use crate::order::{Mode, OrderSpec};
use crate::reject::Reject;
use crate::state::{Genesis, Params, Receipt};
use crate::statement::{Statement, StatementChecks};
use crate::tx::{Query, TxBody};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Demo actors: (seed, role). The requester has no role.
pub const DEMO_ACTORS: &[(&str, Option<Role>)] = &[
    ("demo/requester", None),
    ("demo/provider", Some(Role::Provider)),
    ("demo/validator-honest", Some(Role::Validator)),
    ("demo/validator-tamper", Some(Role::Validator)),
    ("demo/verifier-1", Some(Role::Verifier)),
    ("demo/verifier-2", Some(Role::Verifier)),
];

/// Initial balance of each demo actor.
pub const DEMO_FUNDS: u64 = 10_000;

/// The development genesis funding every demo actor and accepting `verifying_keys`
/// (shape id -> key digest).
pub fn demo_genesis(verifying_keys: BTreeMap<String, Bytes32>) -> Genesis {
    let allocations: BTreeMap<Bytes32, u64> = DEMO_ACTORS
        .iter()
        .map(|(s, _)| (account_of(&signing_key_from_seed(s)), DEMO_FUNDS))
        .collect();
    Genesis {
        params: Params::default(),
        allocations,
        verifying_keys,
        development_network: true,
    }
}

/// The "key digest" a development genesis lists for a shape checked by a stand-in
/// checker (which has no key): `SHA-256("zkpot-ledger/stand-in-key/v1" || shape)`.
pub fn stand_in_key_digest(shape: &str) -> Bytes32 {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"zkpot-ledger/stand-in-key/v1");
    h.update(shape.as_bytes());
    Bytes32(h.finalize().into())
}

/// The verifying keys of a development genesis whose shape `shape` is checked by a stand-in.
pub fn stand_in_keys(shape: &str) -> BTreeMap<String, Bytes32> {
    BTreeMap::from([(shape.to_string(), stand_in_key_digest(shape))])
}

/// Phase lengths of the demo order, ledger milliseconds.
#[derive(Clone, Copy, Debug)]
pub struct DemoTiming {
    /// From order to training deadline.
    pub training_ms: u64,
    /// From training to validation deadline.
    pub validation_ms: u64,
    /// From validation to reveal deadline.
    pub reveal_ms: u64,
    /// From validation to challenge deadline.
    pub challenge_ms: u64,
}

impl Default for DemoTiming {
    fn default() -> Self {
        Self {
            training_ms: 1500,
            validation_ms: 1500,
            reveal_ms: 1000,
            challenge_ms: 1000,
        }
    }
}

/// `proof` with one byte flipped in the middle (a real verifier must reject it). A zkpot
/// proof file is re-sealed after the flip, so the rejection comes from the cryptography, not
/// from the file's checksum.
pub fn tamper(proof: &[u8]) -> Vec<u8> {
    if let Ok(mut file) = zkpot_verifier::ProofFile::from_bytes(proof) {
        if !file.proof.is_empty() {
            let i = file.proof.len() / 2;
            file.proof[i] ^= 0x01;
            return file.to_bytes();
        }
    }
    let mut p = proof.to_vec();
    if p.is_empty() {
        p.push(0xff);
    } else {
        let i = p.len() / 2;
        p[i] ^= 0x01;
    }
    p
}

fn receipt(o: &crate::execute::TxOutcome) -> Result<&Receipt, LedgerError> {
    o.receipt
        .as_ref()
        .ok_or_else(|| LedgerError::Consensus(format!("no receipt for {}", o.tx)))
}

/// Runs the scenario on `ledger` (funded with [`demo_genesis`]); returns a JSON summary.
pub async fn run_demo<L: LedgerClient>(
    ledger: &mut L,
    statement: &Statement,
    proof: &[u8],
    timing: DemoTiming,
) -> Result<Value, LedgerError> {
    let key = |s: &str| signing_key_from_seed(s);
    let mut steps = Vec::new();
    let mut log = |step: &str, v: Value| steps.push(json!({"step": step, "result": v}));

    for (seed, role) in DEMO_ACTORS {
        if let Some(role) = role {
            let o = send_ok(
                ledger,
                &key(seed),
                TxBody::Register {
                    role: *role,
                    stake: 200,
                },
            )
            .await?;
            log(
                &format!("register {seed} as {role}"),
                serde_json::to_value(&o)?,
            );
        }
    }

    let dataset = statement.dataset().map_err(LedgerError::Rejected)?;
    let model = statement.model().map_err(LedgerError::Rejected)?;
    let t0 = ledger_time(ledger).await?;
    let training_deadline = t0 + timing.training_ms;
    let validation_deadline = training_deadline + timing.validation_ms;
    let reveal_deadline = validation_deadline + timing.reveal_ms;
    let spec = OrderSpec {
        reward: 1000,
        shape_id: statement.shape_id.clone(),
        dataset_commitment: dataset,
        samples: statement.samples,
        training_deadline,
        validation_deadline,
        reveal_deadline,
        challenge_deadline: reveal_deadline + timing.challenge_ms,
        mode: Mode::Optimistic,
        min_validator_stake: 100,
        score_function: statement.score_function,
    };
    let o = send_ok(
        ledger,
        &key("demo/requester"),
        TxBody::PutOrder(spec.clone()),
    )
    .await?;
    let Receipt::OrderPut { order } = receipt(&o)?.clone() else {
        return Err(LedgerError::Consensus(
            "put order: unexpected receipt".into(),
        ));
    };
    log("put order (optimistic)", serde_json::to_value(&o)?);

    let provider = key("demo/provider");
    let salt = Bytes32([0x5a; 32]);
    let commitment = crate::claim::claim_commitment(&model, &salt, &account_of(&provider));
    let o = send_ok(ledger, &provider, TxBody::ClaimCommit { order, commitment }).await?;
    let Receipt::ClaimCommitted { claim, .. } = receipt(&o)?.clone() else {
        return Err(LedgerError::Consensus(
            "claim commit: unexpected receipt".into(),
        ));
    };
    log("claim commit", serde_json::to_value(&o)?);

    // A reveal before the training deadline is refused: show the reason.
    let early = crate::client::send_tx(
        ledger,
        &provider,
        TxBody::ClaimReveal {
            order,
            model_commitment: model,
            salt,
        },
    )
    .await?;
    log(
        "claim reveal before the training deadline (expected rejection)",
        serde_json::to_value(&early)?,
    );

    wait_until(ledger, spec.training_deadline).await?;
    let o = send_ok(
        ledger,
        &provider,
        TxBody::ClaimReveal {
            order,
            model_commitment: model,
            salt,
        },
    )
    .await?;
    log("claim reveal", serde_json::to_value(&o)?);

    // Validate: commit now, reveal once commitments are closed.
    let tampered_proof = tamper(proof);
    let mut validations = Vec::new();
    for (seed, proof, salt, what) in [
        ("demo/validator-honest", proof, Bytes32([0x61; 32]), "the real proof"),
        ("demo/validator-tamper", tampered_proof.as_slice(), Bytes32([0x62; 32]), "a tampered proof"),
    ] {
        let body = validation_commit_body(ledger, &key(seed), order, claim, statement, proof, &salt, 150).await?;
        let o = send_ok(ledger, &key(seed), body).await?;
        let Receipt::ValidationCommitted { validation, .. } = receipt(&o)?.clone() else {
            return Err(LedgerError::Consensus("validation commit: unexpected receipt".into()));
        };
        log(&format!("validation commitment to {what}"), serde_json::to_value(&o)?);
        validations.push((seed, proof, salt, what, validation));
    }
    for (seed, proof, salt, what, validation) in &validations {
        let o = reveal_validation(ledger, &key(seed), spec.validation_deadline, *validation, statement, proof, salt).await?;
        if !o.ok {
            return Err(LedgerError::Rejected(o.reject.clone().unwrap_or(Reject::Malformed { detail: "reveal refused".into() })));
        }
        log(&format!("validation reveal of {what}"), serde_json::to_value(&o)?);
    }
    let (honest, tampered) = (validations[0].4, validations[1].4);

    let o = send_ok(
        ledger,
        &key("demo/verifier-1"),
        TxBody::Challenge {
            validation: honest,
            stake: 50,
        },
    )
    .await?;
    let failed_ok = matches!(
        receipt(&o)?,
        Receipt::Challenged {
            succeeded: false,
            ..
        }
    );
    log(
        "challenge of the real proof (fails: proof valid)",
        serde_json::to_value(&o)?,
    );
    let o = send_ok(
        ledger,
        &key("demo/verifier-2"),
        TxBody::Challenge {
            validation: tampered,
            stake: 50,
        },
    )
    .await?;
    let slashed_ok = matches!(
        receipt(&o)?,
        Receipt::Challenged {
            succeeded: true,
            ..
        }
    );
    log(
        "challenge of the tampered proof (succeeds: validator slashed)",
        serde_json::to_value(&o)?,
    );

    wait_until(ledger, spec.challenge_deadline).await?;
    let o = send_ok(ledger, &key("demo/requester"), TxBody::Finalize { order }).await?;
    log("finalize", serde_json::to_value(&o)?);

    let order_view = query(ledger, Query::GetOrder { order }).await?;
    let mut balances = serde_json::Map::new();
    for (seed, _) in DEMO_ACTORS {
        let a = query(
            ledger,
            Query::GetAccount {
                account: account_of(&key(seed)),
            },
        )
        .await?;
        balances.insert(
            seed.to_string(),
            json!({"balance": a["balance"], "node_stake": a["node"]["stake"], "reputation": a["node"]["reputation"]}),
        );
    }
    let totals = query(ledger, Query::Totals).await?;
    let winner = order_view["winner"].clone();
    if winner.is_null() {
        return Err(LedgerError::Rejected(Reject::Malformed {
            detail: "demo order has no winner".into(),
        }));
    }
    Ok(json!({
        "order": order,
        "winner": {
            "provider": winner["provider"],
            "claim": winner["claim"],
            "model_commitment": winner["model_commitment"],
            "score": winner["score"],
            "samples": statement.samples,
            "provider_reward": winner["provider_reward"],
            "validator_reward_each": winner["validator_reward_each"],
        },
        "failed_challenge_forfeited_to_validator": failed_ok,
        "tampered_validation_slashed": slashed_ok,
        "balances": balances,
        "totals": totals,
        "steps": steps,
    }))
}

/// The demo helper for `zkpot demo`: starts a fresh 4-node cluster of in-process
/// tokio replicas talking over real loopback TCP sockets (in-process because the
/// `checker` object cannot cross a process boundary), runs [`run_demo`] with
/// `statement` and `proof`, stops the cluster, deletes its scratch databases, and
/// returns the JSON summary (winner, score, balances, every step's reply).
pub async fn run_demo_cluster(
    statement: &Statement,
    proof: &[u8],
    checker: std::sync::Arc<dyn crate::checker::ProofChecker>,
    verifying_keys: BTreeMap<String, Bytes32>,
) -> Result<Value, LedgerError> {
    let mut cluster = start_demo_cluster(checker, verifying_keys, false).await?;
    let result = run_demo_on(&cluster, statement, proof).await;
    remove_demo_cluster(&mut cluster);
    result
}

/// Starts the demo's development cluster: 4 in-process replicas on loopback TCP, public-seed
/// keys (announced), a checkpoint every 4 sequence numbers (so that the auditor's page has a
/// signed checkpoint to show), databases in a fresh scratch directory; with `views`, every
/// replica publishes its state (for the read API).
pub(crate) async fn start_demo_cluster(
    checker: std::sync::Arc<dyn crate::checker::ProofChecker>,
    verifying_keys: BTreeMap<String, Bytes32>,
    views: bool,
) -> Result<crate::local_cluster::LocalCluster, LedgerError> {
    use crate::local_cluster::{scratch_dir, LocalCluster};
    eprintln!(
        "WARNING: the demo runs a DEVELOPMENT network: its replica and account keys come from public seeds (replica-<i>, demo/...){}",
        if checker.is_stand_in() { ", and its proof checker is a stand-in that does not verify proofs" } else { "" }
    );
    let dir = scratch_dir(if views { "demo-serve" } else { "demo" });
    let params = zkpot_pbft::Params { checkpoint_interval: 4, log_window: 8, view_change_timeout_ms: 2000, ..zkpot_pbft::Params::default() };
    let genesis = demo_genesis(verifying_keys);
    if views {
        LocalCluster::start_with_views(4, dir, &genesis, checker, params).await
    } else {
        LocalCluster::start(4, dir, &genesis, checker, params).await
    }
}

/// Waits until `cluster` answers, runs [`run_demo`] on it and describes the cluster in the summary.
pub(crate) async fn run_demo_on(cluster: &crate::local_cluster::LocalCluster, statement: &Statement, proof: &[u8]) -> Result<Value, LedgerError> {
    let mut client = cluster.client("demo")?;
    crate::cluster::wait_ready_client(&mut client, std::time::Duration::from_secs(20)).await?;
    let mut summary = run_demo(&mut client, statement, proof, DemoTiming::default()).await?;
    summary["cluster"] = json!({"replicas": 4, "f": 1, "transport": "in-process tokio replicas over loopback TCP", "development": true});
    Ok(summary)
}

/// Stops the demo's cluster and deletes its scratch databases.
pub(crate) fn remove_demo_cluster(cluster: &mut crate::local_cluster::LocalCluster) {
    cluster.stop();
    let _ = std::fs::remove_dir_all(&cluster.dir);
}

/// Blocking [`run_demo_cluster`] on its own tokio runtime (do not call from inside one).
pub fn run_demo_cluster_blocking(
    statement: &Statement,
    proof: &[u8],
    checker: std::sync::Arc<dyn crate::checker::ProofChecker>,
    verifying_keys: BTreeMap<String, Bytes32>,
) -> Result<Value, LedgerError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| LedgerError::io("tokio runtime", e))?;
    rt.block_on(run_demo_cluster(statement, proof, checker, verifying_keys))
}

/// A sample statement (as the verifier would emit) for demos without a real proof.
pub fn sample_statement() -> Statement {
    Statement {
        format: crate::statement::STATEMENT_FORMAT.into(),
        version: 1,
        backend: "halo2-kzg-bn254".into(),
        shape_id: "0badc0de".into(),
        model_commitment: Bytes32([0x11; 32]).to_hex(),
        dataset_commitment: Bytes32([0x22; 32]).to_hex(),
        samples: 500,
        score: 457,
        score_function: Default::default(),
    }
}

/// The demo with [`sample_statement`] and the fake SNARK (`zkpot-ledger demo`).
pub fn run_fake_demo_blocking() -> Result<Value, LedgerError> {
    let s = sample_statement();
    let proof = crate::checker::FakeSnarkChecker::prove(&s, 1536);
    run_demo_cluster_blocking(
        &s,
        &proof,
        std::sync::Arc::new(crate::checker::FakeSnarkChecker),
        stand_in_keys(&s.shape_id),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::FakeSnarkChecker;
    use crate::client::LocalLedger;
    use std::sync::Arc;

    fn statement() -> Statement {
        Statement {
            format: "zkpot-statement".into(),
            version: 1,
            backend: "halo2-kzg-bn254".into(),
            shape_id: "0badc0de".into(),
            model_commitment: Bytes32([3; 32]).to_hex(),
            dataset_commitment: Bytes32([4; 32]).to_hex(),
            samples: 500,
            score: 457,
            score_function: Default::default(),
        }
    }

    #[tokio::test]
    async fn demo_runs_on_a_local_ledger() {
        let mut l = LocalLedger::new(&demo_genesis(stand_in_keys("0badc0de")), Arc::new(FakeSnarkChecker), 1_000).unwrap();
        let proof = FakeSnarkChecker::prove(&statement(), 1500);
        let before = l.state.totals().total();
        let s = run_demo(&mut l, &statement(), &proof, DemoTiming::default())
            .await
            .unwrap();
        assert_eq!(s["winner"]["score"], 457);
        assert_eq!(s["failed_challenge_forfeited_to_validator"], true);
        assert_eq!(s["tampered_validation_slashed"], true);
        assert_eq!(s["winner"]["provider_reward"], 800);
        assert_eq!(s["winner"]["validator_reward_each"], 200);
        assert_eq!(l.state.totals().total(), before);
        // honest validator: -200 node stake + 50 forfeited + 200 share
        assert_eq!(
            s["balances"]["demo/validator-honest"]["balance"],
            DEMO_FUNDS - 200 + 50 + 200
        );
        assert_eq!(
            s["balances"]["demo/validator-tamper"]["balance"],
            DEMO_FUNDS - 200 - 150
        );
        assert_eq!(
            s["balances"]["demo/verifier-2"]["balance"],
            DEMO_FUNDS - 200 + 75
        );
    }
}
