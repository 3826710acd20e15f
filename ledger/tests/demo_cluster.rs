//! The `zkpot demo` helper on a real (in-process, loopback TCP) 4-replica cluster.

use std::sync::Arc;
use zkpot_ledger::demo::{run_demo_cluster, sample_statement, stand_in_keys};
use zkpot_ledger::FakeSnarkChecker;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_on_a_fresh_four_node_cluster() {
    let s = sample_statement();
    let proof = FakeSnarkChecker::prove(&s, 1536);
    let v = run_demo_cluster(&s, &proof, Arc::new(FakeSnarkChecker), stand_in_keys(&s.shape_id))
        .await
        .unwrap();
    assert_eq!(v["winner"]["score"], 457);
    assert_eq!(v["failed_challenge_forfeited_to_validator"], true);
    assert_eq!(v["tampered_validation_slashed"], true);
    assert_eq!(v["totals"]["total"], v["totals"]["total"]);
    let early = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"].as_str().unwrap().contains("before the training"))
        .unwrap();
    assert_eq!(early["result"]["code"], "reveal_too_early");
}
