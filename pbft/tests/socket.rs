//! Real sockets: 4 replicas on 127.0.0.1 (ephemeral ports) in one process, a
//! client over TCP; the primary is stopped, the cluster changes view and goes on;
//! the primary restarts from its redb file and catches up.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::client_key;
use common::net::{spawn, wait_until, LocalCluster};
use zkpot_pbft::{Client, ClusterConfig, Params};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_replicas_over_tcp_survive_primary_crash_and_restart() {
    let params = Params {
        checkpoint_interval: 4,
        log_window: 8,
        view_change_timeout_ms: 600,
        view_change_timeout_max_ms: 5_000,
        status_interval_ms: 100,
        // Snapshots of a few hundred bytes move in several chunks.
        snapshot_chunk_bytes: 32,
        ..Params::default()
    };
    let LocalCluster { keys, addrs, cluster, cfgs, stats, mut handles, dir } = LocalCluster::start(4, params);
    // The JSON form round-trips (what another process would load).
    let json = serde_json::to_string_pretty(&cluster).unwrap();
    assert_eq!(ClusterConfig::from_json(&json).unwrap(), cluster);

    let mut client = Client::connect(&cluster, client_key(0))
        .unwrap()
        .with_timeouts(Duration::from_millis(300), Duration::from_secs(30));
    for i in 1..=5u64 {
        let r = client.submit(format!("op{i}").into_bytes()).await.expect("f+1 replies");
        assert_eq!(&r[..8], &i.to_le_bytes());
    }

    // Garbage and forged input on a raw connection is counted and dropped.
    {
        use futures::SinkExt;
        let stream = tokio::net::TcpStream::connect(addrs[1]).await.unwrap();
        let mut sink = zkpot_pbft::net::codec::framed(stream);
        sink.send(bytes::Bytes::from_static(b"\x01not postcard at all")).await.unwrap();
        sink.send(bytes::Bytes::from_static(b"\x07wrong version")).await.unwrap();
        let forged = zkpot_pbft::message::Prepare { view: 0, seq: 1, digest: [9; 32], replica: 2 };
        let forged = zkpot_pbft::crypto::Signed::sign(forged, &keys[3]); // not replica 2's key
        let frame = zkpot_pbft::net::codec::encode(&zkpot_pbft::message::Message::Prepare(forged)).unwrap();
        sink.send(frame).await.unwrap();
        wait_until("bad frames counted", || {
            stats[1].malformed.load(Ordering::Relaxed) >= 2 && stats[1].rejected.load(Ordering::Relaxed) >= 1
        })
        .await;
    }

    // Stop the primary of view 0.
    handles[0].abort();
    let _ = (&mut handles[0]).await;
    for i in 6..=15u64 {
        let r = client.submit(format!("op{i}").into_bytes()).await.expect("progress without the primary");
        assert_eq!(&r[..8], &i.to_le_bytes());
    }
    for s in &stats[1..] {
        assert!(s.view.load(Ordering::Relaxed) >= 1, "view changed");
    }
    let target = stats[1].last_executed.load(Ordering::Relaxed);
    assert!(stats[1].stable_seq.load(Ordering::Relaxed) >= 8, "checkpoints advanced past the crash");

    // Restart it from its redb file: it catches up (state transfer) and joins.
    tokio::time::sleep(Duration::from_millis(200)).await;
    handles[0] = spawn(cfgs[0].clone(), stats[0].clone());
    // It catches up from whichever comes first: the messages its peers queued while it
    // was down (its window still covered them) or a state transfer, whose snapshot then
    // comes in chunks (`snapshot_chunks`); no chunk may ever fail its check.
    wait_until("restarted replica to catch up", || stats[0].last_executed.load(Ordering::Relaxed) >= target).await;
    assert_eq!(stats[0].bad_chunks.load(Ordering::Relaxed), 0);
    let r = client.submit(b"after-restart".to_vec()).await.expect("reply");
    assert_eq!(&r[..8], &16u64.to_le_bytes());
    wait_until("restarted replica to execute the new request", || {
        stats[0].last_executed.load(Ordering::Relaxed) >= stats[1].last_executed.load(Ordering::Relaxed)
    })
    .await;
    assert!(stats[0].view.load(Ordering::Relaxed) >= 1, "restarted replica joined the new view");
    assert_eq!(stats.iter().map(|s| s.rejected.load(Ordering::Relaxed)).sum::<u64>(), 1, "only the forged one");

    // A second client in the same cluster (its own key) works too.
    let mut other = Client::connect(&cluster, client_key(1)).unwrap().with_timeouts(Duration::from_millis(300), Duration::from_secs(30));
    other.submit(b"hello".to_vec()).await.expect("second client");

    for h in &handles {
        h.abort();
    }
    for h in handles {
        let _ = h.await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}
