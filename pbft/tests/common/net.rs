//! Real-socket helpers: free ports, a temporary directory, an in-process cluster.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{replica_keys, TestApp};
use ed25519_dalek::SigningKey;
use zkpot_pbft::net::{run_replica_with_stats, RuntimeStats};
use zkpot_pbft::{ClusterConfig, Params, ReplicaConfig};

pub fn free_addrs(n: usize) -> Vec<std::net::SocketAddr> {
    let ls: Vec<_> = (0..n).map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    ls.iter().map(|l| l.local_addr().unwrap()).collect()
}

pub fn temp_dir() -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let d = std::env::temp_dir().join(format!("zkpot-pbft-socket-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn spawn(cfg: ReplicaConfig, stats: Arc<RuntimeStats>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = run_replica_with_stats(cfg, TestApp::default(), stats).await {
            eprintln!("replica stopped: {e}");
        }
    })
}

pub async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `n` replicas of `TestApp` on 127.0.0.1, running in this process.
pub struct LocalCluster {
    pub keys: Vec<SigningKey>,
    pub addrs: Vec<std::net::SocketAddr>,
    pub cluster: ClusterConfig,
    pub cfgs: Vec<ReplicaConfig>,
    pub stats: Vec<Arc<RuntimeStats>>,
    pub handles: Vec<tokio::task::JoinHandle<()>>,
    pub dir: PathBuf,
}

impl LocalCluster {
    pub fn start(n: usize, params: Params) -> Self {
        let keys = replica_keys(n);
        let addrs = free_addrs(n);
        let f = (n - 1) / 3;
        let cluster = ClusterConfig::new(f, addrs.iter().zip(&keys).map(|(a, k)| (*a, k.verifying_key())).collect());
        let dir = temp_dir();
        let cfgs: Vec<ReplicaConfig> = (0..n)
            .map(|i| ReplicaConfig {
                id: i as u32,
                cluster: cluster.clone(),
                secret_key: hex::encode(keys[i].to_bytes()),
                db_path: dir.join(format!("replica-{i}.redb")),
                params: params.clone(),
            })
            .collect();
        let stats: Vec<Arc<RuntimeStats>> = (0..n).map(|_| Arc::new(RuntimeStats::default())).collect();
        let handles = (0..n).map(|i| spawn(cfgs[i].clone(), stats[i].clone())).collect();
        LocalCluster { keys, addrs, cluster, cfgs, stats, handles, dir }
    }

    /// Waits until every replica's listener is bound. A client that connects
    /// before then is refused and drops its queued frames, so a test that expects
    /// every replica to see a request must wait for this first.
    pub async fn listening(&self) {
        use std::sync::atomic::Ordering;
        wait_until("every replica listening", || self.stats.iter().all(|s| s.listening.load(Ordering::Acquire))).await;
    }

    pub async fn stop(self) {
        for h in &self.handles {
            h.abort();
        }
        for h in self.handles {
            let _ = h.await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
