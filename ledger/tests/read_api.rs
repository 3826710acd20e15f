//! The read API against a live 4-replica cluster (in-process replicas over loopback TCP,
//! every replica serving its API): the demo's transactions, then every endpoint, f+1
//! replicas agreeing on the state digest, bounded pages, JSON errors for bad queries,
//! no writes, CORS, and a server that survives garbage.

mod http;

use http::{get, raw, request};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use zkpot_ledger::api::local::serve_local_cluster;
use zkpot_ledger::demo::{demo_genesis, run_demo, sample_statement, stand_in_keys, DemoTiming};
use zkpot_ledger::local_cluster::{scratch_dir, LocalCluster};
use zkpot_ledger::FakeSnarkChecker;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_api_on_a_live_cluster() {
    let s = sample_statement();
    let proof = FakeSnarkChecker::prove(&s, 1536);
    let checker = Arc::new(FakeSnarkChecker);
    let dir = scratch_dir("read-api");
    let params = zkpot_pbft::Params { view_change_timeout_ms: 2000, ..zkpot_pbft::Params::default() };
    let cluster = LocalCluster::start_with_views(4, dir.clone(), &demo_genesis(stand_in_keys(&s.shape_id)), checker.clone(), params).await.unwrap();
    let apis = serve_local_cluster(&cluster, checker.as_ref(), None).await.unwrap();
    let a = apis[0].addr;

    // before any state: the API answers (503 only until the replica published genesis)
    let st = get(a, "/api/v1/status").await;
    assert!(st.status == 200 || st.status == 503, "{}", st.status);

    let mut client = cluster.client("read-api").unwrap();
    zkpot_ledger::cluster::wait_ready_client(&mut client, Duration::from_secs(20)).await.unwrap();
    let summary = run_demo(&mut client, &s, &proof, DemoTiming::default()).await.unwrap();
    let order = summary["order"].as_u64().unwrap();

    // f+1 replicas agree on the state digest at the same sequence number
    let mut agreed = None;
    for _ in 0..100 {
        let mut seen: Vec<(u64, String)> = Vec::new();
        for api in &apis {
            let v = get(api.addr, "/api/v1/status").await.json();
            seen.push((v["last_seq"].as_u64().unwrap(), v["state_digest"].as_str().unwrap().to_string()));
        }
        let top = seen.iter().map(|x| x.0).max().unwrap();
        let at_top: Vec<_> = seen.iter().filter(|x| x.0 == top).collect();
        if at_top.len() == 4 {
            assert!(at_top.iter().all(|x| x.1 == at_top[0].1), "replicas at the same sequence disagree: {seen:?}");
            agreed = Some(at_top[0].clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(agreed.is_some(), "replicas never reached the same sequence number");
    let st = get(a, "/api/v1/status").await.json();
    assert_eq!(st["replicas"], 4);
    assert_eq!(st["f"], 1);
    assert_eq!(st["development_network"], true);
    assert!(st["view"].is_u64() && st["stable_checkpoint_seq"].is_u64());

    // the order, finalized, with the winner, its claim and both validations (from the archive)
    let orders = get(a, "/api/v1/orders").await.json();
    assert_eq!(orders["total"], 1);
    let o = &orders["items"][0];
    assert_eq!(o["id"], order);
    assert_eq!(o["phase"], "finalized");
    assert_eq!(o["winner"]["score"], 457);
    assert_eq!(o["spec"]["samples"], 500);
    assert!(o["deadlines"]["challenge"].as_u64().unwrap() > o["deadlines"]["training"].as_u64().unwrap());
    assert_eq!(o["claims"][0]["model_commitment"], summary["winner"]["model_commitment"]);
    assert_eq!(o["settlement"]["slashed_validations"].as_array().unwrap().len(), 1);
    let vs = o["validations"].as_array().unwrap();
    assert_eq!(vs.len(), 2);
    let statuses: Vec<&str> = vs.iter().map(|v| v["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["verified", "invalid"]);
    assert!(vs.iter().all(|v| v["source"] == "archive" && v["samples"] == 500 && v["score"] == 457));
    assert!(vs[0].get("proof_hex").is_none(), "lists carry no proof bytes");
    assert_eq!(get(a, &format!("/api/v1/orders/{order}")).await.json()["winner"], o["winner"]);

    // one validation with its proof bytes, matching the digest the ledger recorded
    let id = vs[1]["id"].as_u64().unwrap();
    let v = get(a, &format!("/api/v1/validations/{id}")).await.json();
    let bytes = hex::decode(v["proof_hex"].as_str().unwrap()).unwrap();
    assert_eq!(format!("0x{}", hex::encode(Sha256::digest(&bytes))), v["proof_sha256"].as_str().unwrap());
    assert_eq!(v["vk_digest"], serde_json::json!(stand_in_keys(&s.shape_id)[&s.shape_id]));
    let page = get(a, &format!("/api/v1/validations?order={order}&limit=1")).await.json();
    assert_eq!((page["total"].as_u64(), page["next_offset"].as_u64()), (Some(2), Some(1)));

    // challenges: the failed one and the one that slashed
    let ch = get(a, "/api/v1/challenges").await.json();
    let outcomes: Vec<bool> = ch["items"].as_array().unwrap().iter().map(|c| c["succeeded"].as_bool().unwrap()).collect();
    assert_eq!(outcomes, [false, true]);

    // accounts, paged; totals
    let acc = get(a, "/api/v1/accounts?limit=2").await.json();
    assert_eq!(acc["items"].as_array().unwrap().len(), 2);
    assert_eq!(acc["next_offset"], 2);
    let who = acc["items"][0]["account"].as_str().unwrap().to_string();
    assert_eq!(get(a, &format!("/api/v1/accounts/{who}")).await.json()["account"], who.as_str());
    let totals = get(a, "/api/v1/totals").await.json();
    assert_eq!(totals["total"], summary["totals"]["total"]);

    // a stand-in checker holds no key: nothing for a browser to check, said clearly
    let sj = get(a, &format!("/api/v1/validations/{id}/snarkjs")).await;
    assert_eq!(sj.status, 422);
    assert!(sj.json()["error"].as_str().unwrap().contains("does not hold the key"));
    assert_eq!(get(a, "/api/v1/keys").await.json()["items"][0]["held"], false);

    // bad queries: JSON errors that name the problem
    for (path, status, says) in [
        ("/api/v1/orders?limit=201", 400, "outside 1..=200"),
        ("/api/v1/orders?limit=0", 400, "outside"),
        ("/api/v1/orders?lmit=5", 400, "unknown query parameter \"lmit\""),
        ("/api/v1/orders?limit=-1", 400, "not a non-negative integer"),
        ("/api/v1/orders?limit=%3Cb%3E", 400, "not a plain value"),
        ("/api/v1/orders?offset=x", 400, "not a non-negative integer"),
        ("/api/v1/orders/abc", 400, "order id \"abc\""),
        ("/api/v1/orders/99999", 404, "order 99999 is unknown"),
        ("/api/v1/orders/18446744073709551616", 400, "not a non-negative integer"),
        ("/api/v1/validations/7777", 404, "validation 7777"),
        ("/api/v1/accounts/0x12", 400, "expected 64 hex digits"),
        ("/api/v1/keys/zz", 400, "key digest"),
        ("/api/v1/totals?x=1", 400, "takes none"),
        ("/api/v1/nothing", 404, "no such endpoint"),
        ("/api/v1/orders/%FF", 400, "bad path parameter"),
    ] {
        let r = get(a, path).await;
        assert_eq!(r.status, status, "{path}");
        let j: Value = r.json();
        assert!(j["error"].as_str().unwrap().contains(says), "{path}: {j}");
        assert_eq!(j["status"], status);
        assert_eq!(r.header("access-control-allow-origin"), Some("*"), "{path}");
    }

    // no writes
    for m in ["POST", "PUT", "DELETE", "PATCH"] {
        let r = request(a, m, "/api/v1/orders").await;
        assert_eq!(r.status, 405, "{m}");
        assert!(r.json()["error"].as_str().unwrap().contains("read-only"));
    }

    // garbage does not take the server down
    let junk = raw(a, b"\x00\xff\x13GARBAGE / HTTP/9\r\n\r\n").await;
    assert!(junk.status >= 400);
    let long = get(a, &format!("/api/v1/orders?{}", "a".repeat(5000))).await;
    assert!(long.status >= 400);
    assert_eq!(get(a, "/api/v1/status").await.status, 200);

    // the page and its files
    let page = get(a, "/").await;
    assert_eq!(page.status, 200);
    assert!(String::from_utf8_lossy(&page.body).contains("verify"));
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(get(a, "/app.js").await.status, 200);
    drop(apis);
    drop(cluster);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `zkpot node` with `"api"` in its config: each node serves its API on that port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_serves_the_api_its_config_names() {
    use zkpot_ledger::config::{free_addrs, local_node_configs};
    let s = sample_statement();
    let dir = scratch_dir("node-api");
    std::fs::create_dir_all(&dir).unwrap();
    let addrs = free_addrs(4).unwrap();
    let api_addrs = free_addrs(4).unwrap();
    let mut configs = local_node_configs(&addrs, &dir, &demo_genesis(stand_in_keys(&s.shape_id)), &zkpot_pbft::Params::default(), "fake-snark");
    let mut tasks = Vec::new();
    for (c, a) in configs.iter_mut().zip(&api_addrs) {
        c.api = Some(*a);
        let c = c.clone();
        tasks.push(tokio::spawn(async move { zkpot_ledger::node::run_node(c, Arc::new(FakeSnarkChecker)).await }));
    }
    for (i, a) in api_addrs.iter().enumerate() {
        let mut ok = None;
        for _ in 0..100 {
            if let Ok(Ok(r)) = tokio::time::timeout(Duration::from_secs(2), async {
                tokio::net::TcpStream::connect(a).await.map(|_| ())
            })
            .await
            {
                ok = Some(r);
                let st = get(*a, "/api/v1/status").await;
                if st.status == 200 {
                    assert_eq!(st.json()["replica"], i);
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(ok.is_some(), "node {i} never served its API on {a}");
        assert_eq!(get(*a, "/api/v1/status").await.json()["replica"], i);
    }
    for t in tasks {
        t.abort();
    }
    let _ = std::fs::remove_dir_all(&dir);
}
