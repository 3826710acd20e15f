//! The stable checkpoint's certificate on a live 4-replica cluster (in-process replicas over
//! loopback TCP, every replica serving its read API), checked the way an auditor does
//! (`zkpot ledger checkpoint`): a genuine certificate agrees with n - f distinct replicas of
//! the auditor's cluster file over one (seq, digest), and its snapshot is of the auditor's
//! network; an attacker who edits it fails: a key not in the cluster, a replica counted twice,
//! another digest or seq, another network's certificate (same replica keys, as development
//! networks have), fewer than f + 1 signatures, a tampered snapshot.

mod http;

use ed25519_dalek::Signer as _;
use std::sync::Arc;
use std::time::Duration;
use zkpot_ledger::api::certificate::{signed_bytes, verify, Certificate, Refusal};
use zkpot_ledger::api::fetch::{check_checkpoint, fetch_certificate};
use zkpot_ledger::api::local::serve_local_cluster;
use zkpot_ledger::api::ApiServer;
use zkpot_ledger::client::send_ok;
use zkpot_ledger::demo::{demo_genesis, stand_in_keys};
use zkpot_ledger::keys::{account_from_seed, signing_key_from_seed};
use zkpot_ledger::local_cluster::{scratch_dir, LocalCluster};
use zkpot_ledger::{FakeSnarkChecker, Genesis, TxBody};

/// Checkpoint interval K of the test clusters (every K requests a checkpoint).
const K: u64 = 4;

fn params() -> zkpot_pbft::Params {
    zkpot_pbft::Params { checkpoint_interval: K, log_window: 2 * K, view_change_timeout_ms: 2000, ..zkpot_pbft::Params::default() }
}

/// A cluster of `genesis` with its APIs, after `transfers` transfers, once every replica
/// has a stable checkpoint above genesis.
async fn cluster(label: &str, genesis: &Genesis, transfers: u64) -> (LocalCluster, Vec<ApiServer>) {
    let checker = Arc::new(FakeSnarkChecker);
    let cluster = LocalCluster::start_with_views(4, scratch_dir(label), genesis, checker.clone(), params()).await.unwrap();
    let apis = serve_local_cluster(&cluster, checker.as_ref(), None).await.unwrap();
    let mut client = cluster.client(label).unwrap();
    zkpot_ledger::cluster::wait_ready_client(&mut client, Duration::from_secs(20)).await.unwrap();
    let from = signing_key_from_seed("demo/requester");
    for _ in 0..transfers {
        send_ok(&mut client, &from, TxBody::Transfer { to: account_from_seed("demo/provider"), amount: 1 }).await.unwrap();
    }
    for _ in 0..200 {
        let mut ready = true;
        for a in &apis {
            let r = http::get(a.addr, "/api/v1/checkpoint").await;
            ready &= r.status == 200 && r.json()["seq"].as_u64().unwrap() >= K;
        }
        if ready {
            return (cluster, apis);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the replicas of {label} never reached a stable checkpoint");
}

fn base(a: &ApiServer) -> String {
    format!("http://{}", a.addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoint_certificates_check_out_and_forgeries_do_not() {
    let genesis = demo_genesis(stand_in_keys("ab"));
    let network = genesis.network_id();
    let (a, apis) = cluster("cert-a", &genesis, 2 * K + 1).await;
    let keys = &a.cluster;

    // every node's certificate agrees, with n - f = 3 distinct replicas of the cluster file,
    // and its snapshot is a ledger state of this network
    let mut seen = Vec::new();
    for api in &apis {
        let (cert, snap) = fetch_certificate(&base(api), true).await.unwrap();
        assert_eq!((cert.n, cert.f, cert.quorum, cert.messages.len()), (4, 1, 3, 3));
        let ok = verify(&cert, keys, network, snap.as_deref()).unwrap();
        assert_eq!(ok.signers.len(), 3);
        assert!(ok.seq >= K && ok.seq % K == 0);
        assert!(ok.ledger_state_digest.is_some());
        seen.push((ok.seq, ok.digest, ok.ledger_state_digest));
    }
    let mut by_seq = std::collections::BTreeMap::new();
    for (seq, digest, state) in &seen {
        let prev = by_seq.insert(*seq, (*digest, *state));
        assert!(prev.is_none_or(|p| p == (*digest, *state)), "two nodes certify different states at seq {seq}: {seen:?}");
    }

    // the command-line check
    let v = check_checkpoint(&base(&apis[2]), keys, network, true).await.unwrap();
    assert_eq!(v["verdict"], "agree", "{v}");
    assert_eq!(v["snapshot_checked"], true);
    assert!(v["signed_by"].as_str().unwrap().starts_with("3 of 4 replicas"), "{v}");

    let (cert, snap) = fetch_certificate(&base(&apis[0]), true).await.unwrap();
    let snap = snap.unwrap();
    let check = |c: &Certificate| verify(c, keys, network, Some(&snap));
    check(&cert).unwrap();

    // a signature from a key that is not in the cluster file: named as such, or (with the
    // cluster's key named) a signature that does not check
    let outsider = signing_key_from_seed("replica-outsider");
    let mut forged = cert.clone();
    let m = &mut forged.messages[0];
    m.signature = hex::encode(outsider.sign(&signed_bytes(cert.seq, &cert.digest, m.replica)).to_bytes());
    assert!(matches!(check(&forged), Err(Refusal::BadSignature { .. })), "{:?}", check(&forged));
    forged.messages[0].public_key = hex::encode(outsider.verifying_key().to_bytes());
    assert!(matches!(check(&forged), Err(Refusal::KeyNotInCluster { .. })), "{:?}", check(&forged));
    // ... nor a replica id outside the cluster
    let mut forged = cert.clone();
    forged.messages[0].replica = 7;
    assert_eq!(check(&forged), Err(Refusal::UnknownReplica { replica: 7, n: 4 }));

    // one replica's message twice does not make two signers
    let mut twice = cert.clone();
    twice.messages = vec![cert.messages[0].clone(), cert.messages[0].clone()];
    assert_eq!(check(&twice), Err(Refusal::Duplicate { replica: cert.messages[0].replica }));

    // fewer than f + 1 signatures
    let mut few = cert.clone();
    few.messages.truncate(1);
    assert_eq!(check(&few), Err(Refusal::TooFew { signers: 1, needed: 2 }));
    few.messages.clear();
    assert_eq!(check(&few), Err(Refusal::TooFew { signers: 0, needed: 2 }));

    // another digest or seq: the node's signed bytes no longer match, and once rebuilt for
    // the edit, the signatures do not check
    for edit in [0u8, 1] {
        let mut other = cert.clone();
        if edit == 0 {
            other.digest.0[5] ^= 1;
        } else {
            other.seq += K;
        }
        assert!(matches!(check(&other), Err(Refusal::SignedBytes { .. })), "{:?}", check(&other));
        for m in &mut other.messages {
            m.signed_bytes = hex::encode(signed_bytes(other.seq, &other.digest, m.replica));
        }
        assert!(matches!(check(&other), Err(Refusal::BadSignature { .. })), "{:?}", check(&other));
    }

    // a tampered snapshot, and a snapshot of another state
    let mut bad = snap.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert!(matches!(verify(&cert, keys, network, Some(&bad)), Err(Refusal::SnapshotDigest { .. })));

    // another replica set than the auditor's file, and the genesis checkpoint (nothing signed)
    let mut other = cert.clone();
    other.replicas[1].public_key = hex::encode(outsider.verifying_key().to_bytes());
    assert!(matches!(check(&other), Err(Refusal::ReplicaSet(_))));
    let mut genesis_cp = cert.clone();
    genesis_cp.seq = 0;
    assert_eq!(check(&genesis_cp), Err(Refusal::NothingSigned));
    let mut fmt = cert.clone();
    fmt.format = "zkpot-checkpoint-certificate/v0".into();
    assert!(matches!(check(&fmt), Err(Refusal::Format(_))));

    // another network with the same (development) replica keys: its certificate's signatures
    // check, but it names its network, and once the node lies about that, the certified
    // snapshot still holds the other network's id
    let mut other_genesis = genesis.clone();
    other_genesis.params.min_challenge_stake += 1;
    let (b, b_apis) = cluster("cert-b", &other_genesis, K).await;
    assert_eq!(b.cluster.keys().unwrap(), keys.keys().unwrap(), "same replica keys");
    let (theirs, their_snap) = fetch_certificate(&base(&b_apis[1]), true).await.unwrap();
    verify(&theirs, &b.cluster, other_genesis.network_id(), their_snap.as_deref()).unwrap();
    let mut theirs_renamed = theirs.clone();
    assert_eq!(
        verify(&theirs_renamed, keys, network, their_snap.as_deref()),
        Err(Refusal::OtherNetwork { claimed: other_genesis.network_id(), expected: network })
    );
    theirs_renamed.network = network;
    assert_eq!(
        verify(&theirs_renamed, keys, network, their_snap.as_deref()),
        Err(Refusal::SnapshotNetwork { got: other_genesis.network_id(), expected: network })
    );
    // without the snapshot only the replica keys bind the network (the verdict says
    // "snapshot_checked": false): why `zkpot ledger checkpoint` reads it by default
    assert!(verify(&theirs_renamed, keys, network, None).unwrap().ledger_state_digest.is_none());
    // another network's snapshot under this network's certificate
    assert!(matches!(verify(&cert, keys, network, their_snap.as_deref()), Err(Refusal::SnapshotDigest { .. })));
    drop(b_apis);
    drop(b);

    // the API: a stale snapshot request is a conflict, bad queries are JSON errors
    let a0 = apis[0].addr;
    let r = http::get(a0, &format!("/api/v1/checkpoint/snapshot?seq={}", cert.seq + 1000 * K)).await;
    assert_eq!(r.status, 409);
    assert!(r.json()["error"].as_str().unwrap().contains("stable checkpoint is at seq"));
    assert_eq!(http::get(a0, "/api/v1/checkpoint/snapshot?seq=x").await.status, 400);
    assert_eq!(http::get(a0, "/api/v1/checkpoint?seq=1").await.status, 400);
    let r = http::get(a0, "/api/v1/checkpoint/snapshot").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/octet-stream"));
    assert_eq!(http::get(a0, "/api/v1/status").await.json()["checkpoint"], "/api/v1/checkpoint");

    // `zkpot ledger checkpoint --cluster DIR --api URL` with the auditor's public files
    let dir = scratch_dir("cert-cli");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cluster.json"), serde_json::to_string(keys).unwrap()).unwrap();
    std::fs::write(dir.join("genesis.json"), serde_json::to_string(&genesis).unwrap()).unwrap();
    let cmd = |api: String| zkpot_ledger::cli::LedgerCommand::Checkpoint { cluster: dir.clone(), api, no_snapshot: false };
    let v = zkpot_ledger::cli::run_async(cmd(base(&apis[3]))).await.unwrap();
    assert_eq!(v["verdict"], "agree", "{v}");
    assert_eq!(zkpot_ledger::cli::exit_code(&v), 0);
    // the same command against another network's node disagrees (exit status 1)
    std::fs::write(dir.join("genesis.json"), serde_json::to_string(&other_genesis).unwrap()).unwrap();
    let v = zkpot_ledger::cli::run_async(cmd(base(&apis[3]))).await.unwrap();
    assert_eq!(v["verdict"], "disagree", "{v}");
    assert!(v["reason"].as_str().unwrap().contains("your genesis is network"), "{v}");
    assert_eq!(zkpot_ledger::cli::exit_code(&v), 1);
    let e = zkpot_ledger::cli::run_async(cmd("https://example.invalid".into())).await.unwrap_err();
    assert!(e.to_string().contains("https is not supported"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
