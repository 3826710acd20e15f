//! Reproduces the PoT paper's Table 4 on loopback: latency from client send to f+1
//! matching replies for one request carrying 1 order + k validations (k = 10, 50,
//! 100; each validation a signed transaction with a realistic statement and a
//! 1,536-byte proof), for n = 4, 10, 30, 100 in-process replicas over real loopback
//! TCP; median and p95 over RUNS runs. Then sustained throughput: C concurrent
//! clients sending single signed transfers, batched by the primary.
//!
//! ```text
//! ZKPOT_BENCH_NODES=4,10,30,100 ZKPOT_BENCH_RUNS=20 \
//!   CARGO_TARGET_DIR=target-ledger cargo bench -p zkpot-ledger --bench table4
//! ```
//! Prints a markdown table. No assertions on timings.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zkpot_ledger::claim::claim_commitment;
use zkpot_ledger::client::{ledger_time, wait_until};
use zkpot_ledger::cluster::wait_ready_client;
use zkpot_ledger::keys::{account_of, signing_key_from_seed};
use zkpot_ledger::local_cluster::{scratch_dir, LocalCluster};
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
    }
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
    }
}

fn spec(now: u64, training_ms: u64) -> OrderSpec {
    OrderSpec {
        reward: 1000,
        shape_id: SHAPE.into(),
        dataset_commitment: Bytes32([0x22; 32]),
        samples: SAMPLES,
        training_deadline: now + training_ms,
        validation_deadline: now + training_ms + 3_600_000,
        challenge_deadline: now + training_ms + 7_200_000,
        mode: Mode::Optimistic,
        min_validator_stake: 10,
    }
}

/// Local nonce bookkeeping for pre-signing.
struct Signer {
    nonces: BTreeMap<String, u64>,
}

impl Signer {
    fn sign(&mut self, seed: &str, body: TxBody) -> SignedTx {
        let n = self.nonces.entry(seed.to_string()).or_insert(0);
        let tx = SignedTx::sign(&signing_key_from_seed(seed), *n, body);
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

struct Row {
    n: usize,
    k: usize,
    median: f64,
    p95: f64,
    runs: usize,
    bytes: usize,
}

async fn bench_n(
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
        view_change_timeout_ms: 20_000,
        client_retry_ms: 10_000,
        status_interval_ms,
        ..Default::default()
    };
    let cluster = LocalCluster::start(
        n,
        dir.clone(),
        &genesis(),
        Arc::new(FakeSnarkChecker),
        params,
    )
    .await
    .unwrap();
    let t0 = Instant::now();
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
    check_batch(&client.submit_raw(Op::Batch(setup).encode()).await.unwrap());
    let now = ledger_time(&mut client).await.unwrap();
    let training_ms = 2_000;
    let orders: Vec<SignedTx> = (0..total_runs)
        .map(|_| s.sign("bench/requester", TxBody::PutOrder(spec(now, training_ms))))
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
    eprintln!("n={n}: setup done at {:.1}s", t0.elapsed().as_secs_f64());

    // Table 4: one request = 1 new order + k validations of a prepared claim.
    let mut r = 0usize;
    for &k in ks {
        let mut lat = Vec::new();
        let mut bytes = 0;
        for run in 0..runs + warmup {
            let now = ledger_time(&mut client).await.unwrap();
            let order = first_order + r as u64;
            let claim = 1 + r as u64; // claim ids follow order ids one to one here
            let st = statement(r);
            let proof = FakeSnarkChecker::prove(&st, PROOF_BYTES);
            let mut txs = vec![s.sign("bench/requester", TxBody::PutOrder(spec(now, 60_000)))];
            for i in 0..k {
                txs.push(s.sign(
                    &validator_seed(i),
                    TxBody::Validate {
                        order,
                        claim,
                        statement: st.clone(),
                        proof: proof.clone(),
                        stake: 10,
                    },
                ));
            }
            r += 1;
            let op = Op::Batch(txs).encode();
            bytes = op.len();
            let t = Instant::now();
            let reply = client.submit_raw(op).await.unwrap();
            let dt = t.elapsed().as_secs_f64();
            let ok = check_batch(&reply);
            assert_eq!(ok, k + 1, "all transactions of the payload accepted");
            if run >= warmup {
                lat.push(dt);
            }
        }
        lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let row = Row {
            n,
            k,
            median: percentile(&lat, 0.5),
            p95: percentile(&lat, 0.95),
            runs,
            bytes,
        };
        eprintln!(
            "n={n} k={k}: median {:.4}s p95 {:.4}s ({} B)",
            row.median, row.p95, row.bytes
        );
        rows.push(row);
    }

    // Sustained throughput: concurrent clients, each request one signed transfer
    // (batch 1: the primary batches requests, max_batch 64, max_in_flight 4) or a
    // client-side batch of 32 transfers in one request.
    if n <= 30 {
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
                    // Warm the connections (not timed), then start together.
                    ledger_time(&mut l).await.unwrap();
                    barrier.wait().await;
                    let start = Instant::now();
                    let mut nonce = nonce0;
                    let mut done = 0usize;
                    while start.elapsed().as_secs_f64() < secs {
                        let txs: Vec<SignedTx> = (0..per_request as u64)
                            .map(|i| {
                                SignedTx::sign(&key, nonce + i, TxBody::Transfer { to, amount: 1 })
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
    drop(cluster);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let nodes = env_list("ZKPOT_BENCH_NODES", "4,10,30");
    let ks = env_list("ZKPOT_BENCH_VALIDATIONS", "10,50,100");
    let runs = env_list("ZKPOT_BENCH_RUNS", "20")
        .first()
        .copied()
        .unwrap_or(20);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    let mut tput = Vec::new();
    for &n in &nodes {
        let t = Instant::now();
        rt.block_on(bench_n(n, &ks, runs, &mut rows, &mut tput));
        eprintln!("n={n} done in {:.0}s", t.elapsed().as_secs_f64());
    }
    println!("\n| replicas n | f | payload | request bytes | runs | median latency (s) | p95 latency (s) |");
    println!("|---:|---:|---|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | 1 order + {} validations | {} | {} | {:.4} | {:.4} |",
            r.n,
            (r.n - 1) / 3,
            r.k,
            r.bytes,
            r.runs,
            r.median,
            r.p95
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
