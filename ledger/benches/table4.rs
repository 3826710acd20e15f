//! Reproduces the PoT paper's Table 4 on loopback: latency from client send to f+1
//! matching replies for one request carrying 1 order + k validations (k = 10, 50,
//! 100; each validation the reveal transaction of a commit-then-reveal validation,
//! with a realistic statement and a 1,536-byte proof; the k commitments are made
//! during setup), for n = 4, 10, 30, 100 replicas over real loopback TCP (in
//! this process up to n = 30; above, spread over `ZKPOT_BENCH_PROCS` = 4 child
//! processes of this binary, because a full mesh of 100 replicas needs more sockets
//! than one process may open here); median and p95 over RUNS runs. For in-process
//! clusters also the mean CPU time per request (this process's user + system time from
//! just before the request until every replica has executed it: all replicas and the
//! client together), which bounds the latency from below on a machine with few cores. Then sustained
//! throughput (n <= 30): C concurrent clients sending single signed transfers,
//! batched by the primary, or 32 per request.
//!
//! ```text
//! ZKPOT_BENCH_NODES=4,10,30,100 ZKPOT_BENCH_RUNS=20 cargo bench -p zkpot-ledger --bench table4
//! ```
//! Prints a markdown table. No assertions on timings. `ZKPOT_BENCH_MONITOR=1`
//! prints the in-process replicas' views and progress every 5 s. `ZKPOT_BENCH_THROUGHPUT=0` skips
//! the throughput runs.
//!
//! WAN mode (the paper's Table 5 setting): `ZKPOT_BENCH_WAN="20ms:100mbit,100ms:10mbit"`
//! puts a userspace loopback TCP relay on every directed replica-to-replica link and on
//! every client-to-replica connection. Each direction of each relayed connection is
//! paced to the bandwidth (serialization time = bytes·8/rate, FIFO) and then delayed by
//! the one-way latency before it is written on. Not tc/netem: no loss, no jitter,
//! unbounded relay buffers, and chunk (not packet) granularity. Throughput is skipped
//! in WAN mode.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zkpot_ledger::claim::claim_commitment;
use zkpot_ledger::client::{ledger_time, wait_until};
use zkpot_ledger::cluster::wait_ready_client;
use zkpot_ledger::keys::{account_of, signing_key_from_seed};
use zkpot_ledger::local_cluster::{scratch_dir, LocalCluster};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use zkpot_pbft::ClusterConfig;
use zkpot_ledger::*;

const PROOF_BYTES: usize = 1536;
const SAMPLES: u64 = 500;
const SHAPE: &str = "0badc0de";
const MAX_K: usize = 100;
const THROUGHPUT_CLIENTS: usize = 16;

fn env_list(name: &str, default: &str) -> Vec<usize> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_string())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

fn validator_seed(i: usize) -> String {
    format!("bench/validator-{i}")
}

fn genesis() -> Genesis {
    let mut allocations = BTreeMap::new();
    for s in ["bench/requester", "bench/provider"] {
        allocations.insert(account_of(&signing_key_from_seed(s)), 1u64 << 40);
    }
    for i in 0..MAX_K {
        allocations.insert(
            account_of(&signing_key_from_seed(&validator_seed(i))),
            1 << 30,
        );
    }
    for i in 0..THROUGHPUT_CLIENTS {
        allocations.insert(
            account_of(&signing_key_from_seed(&format!("bench/client-{i}"))),
            1 << 30,
        );
    }
    Genesis {
        params: Params::default(),
        allocations,
        verifying_keys: zkpot_ledger::demo::stand_in_keys(SHAPE),
        development_network: true,
    }
}

/// Validator `i`'s commitment salt.
fn vsalt(i: usize) -> Bytes32 {
    let mut b = [0x5au8; 32];
    b[..8].copy_from_slice(&(i as u64).to_be_bytes());
    Bytes32(b)
}

fn model(r: usize) -> Bytes32 {
    let mut b = [0x11u8; 32];
    b[..8].copy_from_slice(&(r as u64).to_be_bytes());
    Bytes32(b)
}

fn statement(r: usize) -> Statement {
    Statement {
        format: "zkpot-statement".into(),
        version: 1,
        backend: "halo2-kzg-bn254".into(),
        shape_id: SHAPE.into(),
        model_commitment: model(r).to_hex(),
        dataset_commitment: Bytes32([0x22; 32]).to_hex(),
        samples: SAMPLES,
        score: 457,
        score_function: Default::default(),
    }
}

fn spec(now: u64, training_ms: u64, validation_ms: u64) -> OrderSpec {
    OrderSpec {
        reward: 1000,
        shape_id: SHAPE.into(),
        dataset_commitment: Bytes32([0x22; 32]),
        samples: SAMPLES,
        training_deadline: now + training_ms,
        validation_deadline: now + training_ms + validation_ms,
        reveal_deadline: now + training_ms + validation_ms + 3_600_000,
        challenge_deadline: now + training_ms + validation_ms + 7_200_000,
        mode: Mode::Optimistic,
        min_validator_stake: 50,
        score_function: Default::default(),
    }
}

/// Local nonce bookkeeping for pre-signing.
struct Signer {
    nonces: BTreeMap<String, u64>,
}

impl Signer {
    fn sign(&mut self, seed: &str, body: TxBody) -> SignedTx {
        let n = self.nonces.entry(seed.to_string()).or_insert(0);
        let tx = SignedTx::sign(&signing_key_from_seed(seed), genesis().network_id(), *n, body);
        *n += 1;
        tx
    }
}

fn check_batch(reply: &[u8]) -> usize {
    match Reply::from_bytes(reply) {
        Ok(Reply::Batch { outcomes }) => {
            for o in &outcomes {
                if !o.ok {
                    eprintln!("  rejected in bench batch: {:?}", o.reason);
                }
            }
            outcomes.iter().filter(|o| o.ok).count()
        }
        other => panic!("unexpected reply {other:?}"),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// One emulated WAN setting: one-way delay and per-link bandwidth (bits/s; None = unpaced).
#[derive(Clone, Debug)]
struct Wan {
    label: String,
    delay: Duration,
    bits_per_s: Option<f64>,
}

/// Parses `"20ms:100mbit,100ms:10mbit"` (delay in ms; bandwidth in kbit/mbit/gbit or `inf`).
fn parse_wan(spec: &str) -> Vec<Wan> {
    spec.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|item| {
            let item = item.trim();
            let (d, b) = item.split_once(':').unwrap_or((item, "inf"));
            let ms: f64 = d
                .trim()
                .trim_end_matches("ms")
                .parse()
                .unwrap_or_else(|_| panic!("bad delay in ZKPOT_BENCH_WAN item {item:?}"));
            let b = b.trim().to_ascii_lowercase();
            let bits_per_s = if b == "inf" {
                None
            } else {
                let (num, mul) = if let Some(x) = b.strip_suffix("gbit") {
                    (x, 1e9)
                } else if let Some(x) = b.strip_suffix("mbit") {
                    (x, 1e6)
                } else if let Some(x) = b.strip_suffix("kbit") {
                    (x, 1e3)
                } else {
                    (b.as_str(), 1.0)
                };
                let v: f64 = num
                    .parse()
                    .unwrap_or_else(|_| panic!("bad bandwidth in ZKPOT_BENCH_WAN item {item:?}"));
                Some(v * mul)
            };
            Wan {
                label: format!("{}ms, {}", ms, b.replace("inf", "unlimited")),
                delay: Duration::from_secs_f64(ms / 1000.0),
                bits_per_s,
            }
        })
        .collect()
}

/// Copies `r` to `w`, each chunk leaving the link after FIFO serialization at the link
/// rate and arriving `delay` later.
async fn paced_pipe(
    mut r: tokio::net::tcp::OwnedReadHalf,
    mut w: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
    bits_per_s: Option<f64>,
) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
    let reader = async move {
        let mut buf = vec![0u8; 16 * 1024];
        let mut link_free = tokio::time::Instant::now();
        while let Ok(got) = r.read(&mut buf).await {
            if got == 0 {
                break;
            }
            let now = tokio::time::Instant::now();
            let start = link_free.max(now);
            link_free = match bits_per_s {
                Some(bps) => start + Duration::from_secs_f64(got as f64 * 8.0 / bps),
                None => start,
            };
            if tx.send((link_free + delay, buf[..got].to_vec())).is_err() {
                break;
            }
        }
    };
    let writer = async move {
        while let Some((at, chunk)) = rx.recv().await {
            tokio::time::sleep_until(at).await;
            if w.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = w.shutdown().await;
    };
    tokio::join!(reader, writer);
}

/// A relay listener forwarding every accepted connection to `target`, both directions
/// paced and delayed. Aborting the returned task closes the relayed connections too.
async fn spawn_relay(target: std::net::SocketAddr, wan: Wan) -> (std::net::SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut conns = tokio::task::JoinSet::new();
        loop {
            let Ok((inbound, _)) = listener.accept().await else { continue };
            while conns.try_join_next().is_some() {}
            let wan = wan.clone();
            conns.spawn(async move {
                let Ok(outbound) = TcpStream::connect(target).await else { return };
                let _ = inbound.set_nodelay(true);
                let _ = outbound.set_nodelay(true);
                let (ir, iw) = inbound.into_split();
                let (or, ow) = outbound.into_split();
                tokio::join!(
                    paced_pipe(ir, ow, wan.delay, wan.bits_per_s),
                    paced_pipe(or, iw, wan.delay, wan.bits_per_s)
                );
            });
        }
    });
    (addr, task)
}

/// The replicas under test: the plain in-process `LocalCluster`, or the same replicas
/// with every link going through a WAN relay.
struct BenchCluster {
    /// What clients connect to (relay addresses in WAN mode).
    cluster: ClusterConfig,
    _local: Option<LocalCluster>,
    tasks: Vec<JoinHandle<()>>,
    children: Vec<std::process::Child>,
}

impl BenchCluster {
    fn local(c: LocalCluster) -> Self {
        Self {
            cluster: c.cluster.clone(),
            _local: Some(c),
            tasks: Vec::new(),
            children: Vec::new(),
        }
    }

    /// The replicas spread over `procs` child processes (this bench binary in host
    /// mode, see `host_replicas`), on loopback.
    fn processes(
        n: usize,
        procs: usize,
        dir: &std::path::Path,
        genesis: &Genesis,
        params: zkpot_pbft::Params,
    ) -> Self {
        use zkpot_ledger::config::{free_addrs, local_node_configs};
        std::fs::create_dir_all(dir).unwrap();
        let addrs = free_addrs(n).unwrap();
        let configs: Vec<zkpot_pbft::ReplicaConfig> =
            local_node_configs(&addrs, dir, genesis, &params, "fake-snark")
                .into_iter()
                .map(|c| c.replica)
                .collect();
        let cluster = configs[0].cluster.clone();
        let exe = std::env::current_exe().unwrap();
        let per = n.div_ceil(procs);
        let children = configs
            .chunks(per)
            .enumerate()
            .map(|(p, chunk)| {
                let file = dir.join(format!("host-{p}.json"));
                std::fs::write(&file, serde_json::to_vec(chunk).unwrap()).unwrap();
                std::process::Command::new(&exe)
                    .env("ZKPOT_BENCH_HOST", &file)
                    .spawn()
                    .unwrap()
            })
            .collect();
        Self {
            cluster,
            _local: None,
            tasks: Vec::new(),
            children,
        }
    }

    async fn wan(
        n: usize,
        dir: &std::path::Path,
        genesis: &Genesis,
        params: zkpot_pbft::Params,
        wan: &Wan,
    ) -> Self {
        use zkpot_ledger::config::{free_addrs, local_node_configs};
        std::fs::create_dir_all(dir).unwrap();
        let real = free_addrs(n).unwrap();
        let configs = local_node_configs(&real, dir, genesis, &params, "in-process");
        let mut tasks = Vec::new();
        // Clients: one relay per replica (each accepted connection paced on its own).
        let mut client_cluster = configs[0].replica.cluster.clone();
        for (j, r) in client_cluster.replicas.iter_mut().enumerate() {
            let (a, t) = spawn_relay(real[j], wan.clone()).await;
            r.addr = a;
            tasks.push(t);
        }
        for mut c in configs {
            let i = c.replica.id as usize;
            // Replica i listens on its real address and reaches replica j through
            // the relay of the directed link i -> j.
            for (j, r) in c.replica.cluster.replicas.iter_mut().enumerate() {
                if j != i {
                    let (a, t) = spawn_relay(real[j], wan.clone()).await;
                    r.addr = a;
                    tasks.push(t);
                }
            }
            let app = zkpot_ledger::app::PotApp::new(genesis, Arc::new(FakeSnarkChecker)).unwrap();
            tasks.push(tokio::spawn(async move {
                if let Err(e) = zkpot_pbft::run_replica(c.replica, app).await {
                    eprintln!("replica {i} stopped: {e}");
                }
            }));
        }
        Self {
            cluster: client_cluster,
            _local: None,
            tasks,
            children: Vec::new(),
        }
    }

    fn client(&self, seed: &str) -> Result<zkpot_ledger::net_client::PbftLedger, LedgerError> {
        zkpot_ledger::net_client::PbftLedger::connect(&self.cluster, seed)
    }
}

impl Drop for BenchCluster {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// CPU seconds (user + system) this process has used, from `/proc/self/stat`
/// (10 ms resolution; `None` off Linux).
fn process_cpu_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(") ")?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Waits (up to 5 s) until every in-process replica has executed as far as the
/// furthest one.
async fn settle(stats: &[Arc<zkpot_pbft::RuntimeStats>]) {
    use std::sync::atomic::Ordering::Relaxed;
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(5) {
        let exec: Vec<u64> = stats.iter().map(|s| s.last_executed.load(Relaxed)).collect();
        if exec.iter().min() == exec.iter().max() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

struct Row {
    wan: String,
    /// Mean CPU (all in-process replicas and the client) per request, in seconds.
    cpu: Option<f64>,
    n: usize,
    k: usize,
    median: f64,
    p95: f64,
    runs: usize,
    bytes: usize,
}

async fn bench_n(
    wan: Option<&Wan>,
    n: usize,
    ks: &[usize],
    runs: usize,
    rows: &mut Vec<Row>,
    tput: &mut Vec<(usize, usize, f64, usize)>,
) {
    let dir = scratch_dir(&format!("bench-{n}"));
    // ZKPOT_BENCH_STATUS_MS raises the PBFT status/retransmission period: with 100
    // replicas in one process, 300 ms status broadcasts alone (n(n-1)/0.3 signed
    // messages per second) saturate 2 cores.
    let status_interval_ms = env_list("ZKPOT_BENCH_STATUS_MS", "300")
        .first()
        .copied()
        .unwrap_or(300) as u64;
    let params = zkpot_pbft::Params {
        // A round at n = 100 on two shared cores takes seconds: scale the
        // view-change timeout with n so a slow round does not start a view change.
        view_change_timeout_ms: 20_000u64.max(600 * n as u64),
        client_retry_ms: 10_000,
        status_interval_ms,
        ..Default::default()
    };
    // ZKPOT_BENCH_PROCS: host the replicas in that many child processes (default
    // 1 = in this process up to n = 30, 4 above). A full mesh of n = 100 replicas
    // holds about 2n(n-1) = 19,800 sockets, over this machine's 20,000 open
    // files per process; 25 replicas per process need about 5,000.
    let procs = env_list("ZKPOT_BENCH_PROCS", if n > 30 { "4" } else { "1" })
        .first()
        .copied()
        .unwrap_or(1)
        .max(1);
    let cluster = match wan {
        None if procs > 1 => BenchCluster::processes(n, procs, &dir, &genesis(), params),
        None => BenchCluster::local(
            LocalCluster::start(
                n,
                dir.clone(),
                &genesis(),
                Arc::new(FakeSnarkChecker),
                params,
            )
            .await
            .unwrap(),
        ),
        Some(w) => BenchCluster::wan(n, &dir, &genesis(), params, w).await,
    };
    let t0 = Instant::now();
    // ZKPOT_BENCH_MONITOR=1: print the replicas' views / progress every 5 s.
    let monitor = std::env::var("ZKPOT_BENCH_MONITOR").is_ok_and(|v| v == "1");
    let summary = cluster._local.as_ref().map(|c| c.stats.clone());
    let local_stats = summary.clone();
    let mon = monitor.then(|| {
        let stats = summary.unwrap_or_default();
        tokio::spawn(async move {
            use std::sync::atomic::Ordering::Relaxed;
            let start = Instant::now();
            let mut last_frames = 0;
            loop {
                tokio::time::sleep(Duration::from_secs(5)).await;
                let views: Vec<u64> = stats.iter().map(|s| s.view.load(Relaxed)).collect();
                let exec: Vec<u64> = stats.iter().map(|s| s.last_executed.load(Relaxed)).collect();
                let frames: u64 = stats.iter().map(|s| s.frames_in.load(Relaxed)).sum();
                let rejected: u64 = stats.iter().map(|s| s.rejected.load(Relaxed)).sum();
                eprintln!(
                    "  [{:.0}s] view {}..{} executed {}..{} frames/s {} rejected {}",
                    start.elapsed().as_secs_f64(),
                    views.iter().min().unwrap_or(&0),
                    views.iter().max().unwrap_or(&0),
                    exec.iter().min().unwrap_or(&0),
                    exec.iter().max().unwrap_or(&0),
                    (frames - last_frames) / 5,
                    rejected
                );
                last_frames = frames;
            }
        })
    });
    let mut ready = cluster
        .client("bench/ready")
        .unwrap()
        .with_timeouts(Duration::from_millis(300), Duration::from_secs(5));
    wait_ready_client(&mut ready, Duration::from_secs(120))
        .await
        .unwrap();
    drop(ready);
    let mut client = cluster
        .client("bench/main")
        .unwrap()
        .with_timeouts(Duration::from_secs(30), Duration::from_secs(300));
    eprintln!("n={n}: cluster ready in {:.1}s", t0.elapsed().as_secs_f64());
    let mut s = Signer {
        nonces: BTreeMap::new(),
    };

    // Setup: register provider and validators; one order + revealed claim per run.
    let warmup = 2;
    let total_runs = ks.len() * (runs + warmup);
    let mut setup = vec![s.sign(
        "bench/provider",
        TxBody::Register {
            role: Role::Provider,
            stake: 100,
        },
    )];
    for i in 0..MAX_K {
        setup.push(s.sign(
            &validator_seed(i),
            TxBody::Register {
                role: Role::Validator,
                stake: 100,
            },
        ));
    }
    let t_setup = Instant::now();
    check_batch(&client.submit_raw(Op::Batch(setup).encode()).await.unwrap());
    // The orders must commit before their training deadline: at n = 100 one
    // setup round takes seconds, so the window scales with the measured round
    // (a fixed 2 s window made every order of the n = 100 run fail its deadline).
    let round_ms = t_setup.elapsed().as_millis() as u64;
    // Validation commitments of every run are made in setup, one batch of k per run,
    // after the claims are revealed. Time one batch of MAX_K commitments first (refused:
    // no such order; same signatures and consensus), so the commitment window fits this
    // machine and n without a long idle wait (the wait is setup, not measured).
    let probe: Vec<SignedTx> = (0..MAX_K)
        .map(|i| s.sign(&validator_seed(i), TxBody::ValidateCommit { order: u64::MAX, claim: 0, commitment: Bytes32([0; 32]), stake: 50 }))
        .collect();
    let t_probe = Instant::now();
    client.submit_raw(Op::Batch(probe).encode()).await.unwrap();
    let batch_ms = t_probe.elapsed().as_millis() as u64;
    // twice the probe per batch, plus slack for a busy machine
    let validation_ms = 2_000u64.max(8 * round_ms) + 2_000 + 2 * batch_ms.max(round_ms) * total_runs as u64;
    let now = ledger_time(&mut client).await.unwrap();
    let training_ms = 2_000u64.max(8 * round_ms);
    let orders: Vec<SignedTx> = (0..total_runs)
        .map(|_| s.sign("bench/requester", TxBody::PutOrder(spec(now, training_ms, validation_ms))))
        .collect();
    let first_order = 1u64;
    check_batch(&client.submit_raw(Op::Batch(orders).encode()).await.unwrap());
    let salt = Bytes32([9; 32]);
    let provider = account_of(&signing_key_from_seed("bench/provider"));
    let commits: Vec<SignedTx> = (0..total_runs)
        .map(|r| {
            let c = claim_commitment(&model(r), &salt, &provider);
            s.sign(
                "bench/provider",
                TxBody::ClaimCommit {
                    order: first_order + r as u64,
                    commitment: c,
                },
            )
        })
        .collect();
    check_batch(
        &client
            .submit_raw(Op::Batch(commits).encode())
            .await
            .unwrap(),
    );
    wait_until(&mut client, now + training_ms).await.unwrap();
    let reveals: Vec<SignedTx> = (0..total_runs)
        .map(|r| {
            s.sign(
                "bench/provider",
                TxBody::ClaimReveal {
                    order: first_order + r as u64,
                    model_commitment: model(r),
                    salt,
                },
            )
        })
        .collect();
    let revealed = check_batch(
        &client
            .submit_raw(Op::Batch(reveals).encode())
            .await
            .unwrap(),
    );
    assert_eq!(revealed, total_runs, "setup reveals");
    // Commit every run's k validations (validation ids follow in commit order).
    let network = genesis().network_id();
    let mut validation_ids: Vec<Vec<u64>> = Vec::new();
    let mut next_validation = 1u64;
    let mut r = 0usize;
    for &k in ks {
        for _ in 0..runs + warmup {
            let (order, claim, st) = (first_order + r as u64, 1 + r as u64, statement(r));
            let proof = FakeSnarkChecker::prove(&st, PROOF_BYTES);
            let commits: Vec<SignedTx> = (0..k)
                .map(|i| {
                    let v = account_of(&signing_key_from_seed(&validator_seed(i)));
                    let commitment = zkpot_ledger::validation::validation_commitment(&network, &v, order, claim, &st, &proof, &vsalt(i));
                    s.sign(&validator_seed(i), TxBody::ValidateCommit { order, claim, commitment, stake: 50 })
                })
                .collect();
            let ok = check_batch(&client.submit_raw(Op::Batch(commits).encode()).await.unwrap());
            assert_eq!(ok, k, "setup validation commitments");
            validation_ids.push((next_validation..next_validation + k as u64).collect());
            next_validation += k as u64;
            r += 1;
        }
    }
    wait_until(&mut client, now + training_ms + validation_ms).await.unwrap();
    eprintln!("n={n}: setup done at {:.1}s", t0.elapsed().as_secs_f64());

    // Table 4: one request = 1 new order + k validations of a prepared claim.
    let mut r = 0usize;
    for &k in ks {
        let mut lat = Vec::new();
        let mut cpu = Vec::new();
        let mut bytes = 0;
        for run in 0..runs + warmup {
            let now = ledger_time(&mut client).await.unwrap();
            let order = first_order + r as u64;
            let claim = 1 + r as u64; // claim ids follow order ids one to one here
            let st = statement(r);
            let proof = FakeSnarkChecker::prove(&st, PROOF_BYTES);
            let mut txs = vec![s.sign("bench/requester", TxBody::PutOrder(spec(now, 60_000, 60_000)))];
            let _ = (order, claim);
            for (i, &validation) in validation_ids[r].iter().enumerate().take(k) {
                txs.push(s.sign(
                    &validator_seed(i),
                    TxBody::ValidateReveal {
                        validation,
                        statement: st.clone(),
                        proof: proof.clone(),
                        salt: vsalt(i),
                    },
                ));
            }
            r += 1;
            let op = Op::Batch(txs).encode();
            bytes = op.len();
            if let Some(st) = &local_stats {
                settle(st).await;
            }
            let cpu0 = process_cpu_s();
            let t = Instant::now();
            let reply = client.submit_raw(op).await.unwrap();
            let dt = t.elapsed().as_secs_f64();
            let ok = check_batch(&reply);
            assert_eq!(ok, k + 1, "all transactions of the payload accepted");
            if run >= warmup {
                lat.push(dt);
                // CPU until every replica has executed the request (in-process only)
                if let Some(st) = &local_stats {
                    settle(st).await;
                    if let (Some(a), Some(b)) = (cpu0, process_cpu_s()) {
                        cpu.push(b - a);
                    }
                }
            }
        }
        lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let row = Row {
            wan: wan.map(|w| w.label.clone()).unwrap_or_else(|| "loopback".into()),
            n,
            k,
            median: percentile(&lat, 0.5),
            cpu: (!cpu.is_empty()).then(|| cpu.iter().sum::<f64>() / cpu.len() as f64),
            p95: percentile(&lat, 0.95),
            runs,
            bytes,
        };
        eprintln!(
            "[{}] n={n} k={k}: median {:.4}s p95 {:.4}s ({} B) cpu/request {}",
            row.wan,
            row.median,
            row.p95,
            row.bytes,
            row.cpu.map_or("-".into(), |c| format!("{:.1} ms", c * 1e3))
        );
        rows.push(row);
    }

    // Sustained throughput: concurrent clients, each request one signed transfer
    // (batch 1: the primary batches requests, max_batch 64, max_in_flight 4) or a
    // client-side batch of 32 transfers in one request.
    let throughput = std::env::var("ZKPOT_BENCH_THROUGHPUT").map_or(true, |v| v != "0");
    if n <= 30 && wan.is_none() && throughput {
        for per_request in [1usize, 32] {
            let secs = 5.0;
            let mut handles = Vec::new();
            let barrier = Arc::new(tokio::sync::Barrier::new(THROUGHPUT_CLIENTS + 1));
            for c in 0..THROUGHPUT_CLIENTS {
                let barrier = barrier.clone();
                let cluster_cfg = cluster.cluster.clone();
                let nonce0 = *s.nonces.get(&format!("bench/client-{c}")).unwrap_or(&0);
                handles.push(tokio::spawn(async move {
                    let seed = format!("bench/client-{c}");
                    let mut l = zkpot_ledger::net_client::PbftLedger::connect(&cluster_cfg, &seed)
                        .unwrap()
                        .with_timeouts(Duration::from_secs(10), Duration::from_secs(60));
                    let key = signing_key_from_seed(&seed);
                    let to = account_of(&signing_key_from_seed("bench/sink"));
                    let network = genesis().network_id();
                    // Warm the connections (not timed), then start together.
                    ledger_time(&mut l).await.unwrap();
                    barrier.wait().await;
                    let start = Instant::now();
                    let mut nonce = nonce0;
                    let mut done = 0usize;
                    while start.elapsed().as_secs_f64() < secs {
                        let txs: Vec<SignedTx> = (0..per_request as u64)
                            .map(|i| {
                                SignedTx::sign(&key, network, nonce + i, TxBody::Transfer { to, amount: 1 })
                            })
                            .collect();
                        let op = if per_request == 1 {
                            Op::Tx(txs[0].clone())
                        } else {
                            Op::Batch(txs)
                        };
                        let reply = l.submit_raw(op.encode()).await.unwrap();
                        let ok = match Reply::from_bytes(&reply) {
                            Ok(Reply::Tx(o)) => o.ok as usize,
                            Ok(Reply::Batch { outcomes }) => {
                                outcomes.iter().filter(|o| o.ok).count()
                            }
                            _ => 0,
                        };
                        nonce += ok as u64;
                        done += ok;
                    }
                    (done, nonce)
                }));
            }
            barrier.wait().await;
            let start = Instant::now();
            let mut total = 0;
            for (c, h) in handles.into_iter().enumerate() {
                let (done, nonce) = h.await.unwrap();
                total += done;
                s.nonces.insert(format!("bench/client-{c}"), nonce);
            }
            let elapsed = start.elapsed().as_secs_f64();
            let tps = total as f64 / elapsed;
            eprintln!(
                "n={n} batch {per_request}: {total} transfers in {elapsed:.1}s = {tps:.0} tx/s"
            );
            tput.push((n, per_request, tps, total));
        }
    }
    drop(client);
    if let Some(m) = mon {
        m.abort();
    }
    drop(cluster);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Host mode (`ZKPOT_BENCH_HOST=<json file of replica configs>`): run those
/// replicas of the PoT app until the parent bench kills this process; exits by
/// itself after 30 minutes in case the parent died without killing it.
fn host_replicas(file: &str) {
    let configs: Vec<zkpot_pbft::ReplicaConfig> =
        serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        for c in configs {
            let app = zkpot_ledger::app::PotApp::new(&genesis(), Arc::new(FakeSnarkChecker)).unwrap();
            let id = c.id;
            tokio::spawn(async move {
                if let Err(e) = zkpot_pbft::run_replica(c, app).await {
                    eprintln!("replica {id} stopped: {e}");
                }
            });
        }
        tokio::time::sleep(Duration::from_secs(1800)).await;
    });
}

fn main() {
    if let Ok(file) = std::env::var("ZKPOT_BENCH_HOST") {
        host_replicas(&file);
        return;
    }
    // `cargo bench` passes `--bench`; ignore arguments.
    let nodes = env_list("ZKPOT_BENCH_NODES", "4,10,30");
    let ks = env_list("ZKPOT_BENCH_VALIDATIONS", "10,50,100");
    let runs = env_list("ZKPOT_BENCH_RUNS", "20")
        .first()
        .copied()
        .unwrap_or(20);
    let wans: Vec<Option<Wan>> = match std::env::var("ZKPOT_BENCH_WAN") {
        Ok(spec) if !spec.trim().is_empty() => parse_wan(&spec).into_iter().map(Some).collect(),
        _ => vec![None],
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    let mut tput = Vec::new();
    for wan in &wans {
        for &n in &nodes {
            let t = Instant::now();
            rt.block_on(bench_n(wan.as_ref(), n, &ks, runs, &mut rows, &mut tput));
            eprintln!("n={n} done in {:.0}s", t.elapsed().as_secs_f64());
        }
    }
    let with_wan = wans.iter().any(|w| w.is_some());
    let wan_h = if with_wan { " one-way delay, link rate |" } else { "" };
    let wan_s = if with_wan { "---|" } else { "" };
    println!("\n|{wan_h} replicas n | f | payload | request bytes | runs | median latency (s) | p95 latency (s) | CPU per request (ms) |");
    println!("|{wan_s}---:|---:|---|---:|---:|---:|---:|---:|");
    for r in &rows {
        let w = if with_wan { format!(" {} |", r.wan) } else { String::new() };
        println!(
            "|{w} {} | {} | 1 order + {} validations | {} | {} | {:.4} | {:.4} | {} |",
            r.n,
            (r.n - 1) / 3,
            r.k,
            r.bytes,
            r.runs,
            r.median,
            r.p95,
            r.cpu.map_or("–".into(), |c| format!("{:.1}", c * 1e3))
        );
    }
    if !tput.is_empty() {
        println!("\n| replicas n | concurrent clients | transfers per request | transfers committed (5 s) | throughput (tx/s) |");
        println!("|---:|---:|---:|---:|---:|");
        for (n, per, tps, total) in &tput {
            println!("| {n} | {THROUGHPUT_CLIENTS} | {per} | {total} | {tps:.0} |");
        }
    }
}
