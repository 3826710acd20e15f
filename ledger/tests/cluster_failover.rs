//! Real sockets, separate processes: a 4-node cluster of `zkpot-ledger node`
//! processes under transfer load. The primary (replica 0) is killed mid-load; the
//! cluster changes view and goes on; the killed node restarts from its database and
//! catches up (shown by killing another replica afterwards: progress then needs the
//! restarted node in every quorum); at the end every database recovers to a state
//! holding every transfer the client saw committed.

use std::path::Path;
use std::process::Child;
use std::time::Duration;
use zkpot_ledger::client::{query, send_tx};
use zkpot_ledger::cluster::{spawn_node_with, wait_ready, write_cluster_dir, ClusterArgs};
use zkpot_ledger::config::{builtin_checker, ClusterDir, NodeConfig};
use zkpot_ledger::keys::{account_from_seed, signing_key_from_seed};
use zkpot_ledger::local_cluster::scratch_dir;
use zkpot_ledger::net_client::PbftLedger;
use zkpot_ledger::node::inspect_node_db;
use zkpot_ledger::{Query, TxBody};

struct Nodes {
    children: Vec<Option<Child>>,
}

impl Nodes {
    fn kill(&mut self, i: usize) {
        if let Some(mut c) = self.children[i].take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Nodes {
    fn drop(&mut self) {
        for i in 0..self.children.len() {
            self.kill(i);
        }
    }
}

fn spawn(dir: &Path, i: usize) -> Child {
    let d = ClusterDir(dir.to_path_buf());
    spawn_node_with(
        Path::new(env!("CARGO_BIN_EXE_zkpot-ledger")),
        &d.node(i),
        &d.log(i),
    )
    .unwrap()
}

async fn transfers(l: &mut PbftLedger, count: usize, sink: &str) -> usize {
    let key = signing_key_from_seed("dev/requester");
    let mut ok = 0;
    for _ in 0..count {
        let o = send_tx(
            l,
            &key,
            TxBody::Transfer {
                to: account_from_seed(sink),
                amount: 1,
            },
        )
        .await
        .unwrap();
        assert!(o.ok, "{o:?}");
        ok += 1;
    }
    ok
}

async fn balance(l: &mut PbftLedger, who: &str) -> u64 {
    query(
        l,
        Query::GetAccount {
            account: account_from_seed(who),
        },
    )
    .await
    .unwrap()["balance"]
        .as_u64()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn primary_crash_view_change_restart_and_catch_up() {
    let dir = scratch_dir("failover");
    let args = ClusterArgs {
        nodes: 4,
        dir: dir.clone(),
        base_port: None,
        keys: None,
        checker: "fake-snark".into(),
        dev: true,
        shapes: Vec::new(),
        no_start: false,
        foreground: false,
        view_change_timeout_ms: 1000,
        api: false,
    };
    write_cluster_dir(&args).unwrap();
    let mut nodes = Nodes {
        children: (0..4).map(|i| Some(spawn(&dir, i))).collect(),
    };
    wait_ready(&dir, Duration::from_secs(30)).await.unwrap();
    let cluster = ClusterDir(dir.clone()).load_cluster().unwrap();
    let mut l = PbftLedger::connect(&cluster, "failover-test")
        .unwrap()
        .with_timeouts(Duration::from_millis(400), Duration::from_secs(60));

    // Load before the crash (each transfer = a nonce query + the transfer).
    let mut committed = transfers(&mut l, 30, "sink").await;
    // Kill the primary of view 0 mid-load; the next requests time out at it, get
    // broadcast, and the backups move to view 1.
    nodes.kill(0);
    committed += transfers(&mut l, 30, "sink").await;
    assert_eq!(balance(&mut l, "sink").await, committed as u64);

    // Restart node 0 from its database; keep the load going so it catches up
    // (status timer → state transfer / retransmission).
    nodes.children[0] = Some(spawn(&dir, 0));
    committed += transfers(&mut l, 40, "sink").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Now kill replica 1 (primary of view 1): with n = 4, f = 1, the 3 live replicas
    // {0, 2, 3} must all take part in every quorum, so progress needs node 0.
    nodes.kill(1);
    committed += transfers(&mut l, 20, "sink").await;
    assert_eq!(balance(&mut l, "sink").await, committed as u64);

    // Stop everything; every database must recover to a state with all transfers.
    for i in 0..4 {
        nodes.kill(i);
    }
    let mut views = Vec::new();
    for i in 0..4 {
        let cfg = NodeConfig::load(&ClusterDir(dir.clone()).node(i)).unwrap();
        let checker = builtin_checker(&cfg.checker, &cfg.genesis, cfg.development).unwrap();
        let (state, view, executed) = inspect_node_db(&cfg, checker).unwrap();
        let sink = state
            .accounts
            .get(&account_from_seed("sink"))
            .map(|a| a.balance)
            .unwrap_or(0);
        eprintln!("node {i}: view {view}, executed {executed}, sink balance {sink}");
        views.push(view);
        if i != 1 {
            // Node 1 was killed before the last 20 transfers.
            assert_eq!(sink, committed as u64, "node {i} lost committed transfers");
        } else {
            assert!(
                sink >= (committed - 20) as u64,
                "node 1 lost committed transfers"
            );
        }
    }
    assert!(
        views[2] >= 2 && views[3] >= 2,
        "expected two view changes, got {views:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
