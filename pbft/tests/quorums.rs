//! Quorum sizes for every cluster size: any two quorums share f+1 replicas, and an
//! equivocating primary cannot make two groups of honest replicas commit different
//! batches at one sequence number, for n = 3f+1 and for the sizes in between
//! (n = 5, 6, 8, ... where the paper's 2f+1 quorums would overlap in a single,
//! possibly faulty, replica).

mod common;

use std::collections::{BTreeMap, VecDeque};

use common::{client_key, replica_keys, TestApp};
use ed25519_dalek::SigningKey;
use zkpot_pbft::config::quorum;
use zkpot_pbft::crypto::{client_id, Signed};
use zkpot_pbft::message::{Batch, Commit, Message, PrePrepare, Prepare, Request};
use zkpot_pbft::{Action, ClusterConfig, Digest, Event, Params, PersistOp, Replica, ReplicaId, SeqNo, Verifier};

/// Exhaustive over n = 4..=100 and every f the configuration accepts (3f+1 <= n):
/// two quorums of n - f overlap in at least f+1 replicas, and n - f replicas (all the
/// correct ones) suffice to form one (liveness).
#[test]
fn any_two_quorums_intersect_in_f_plus_one() {
    for n in 4..=100usize {
        for f in 0..=(n - 1) / 3 {
            let q = quorum(n, f);
            // two quorums of q among n replicas share at least 2q - n; that must be >= f+1
            assert!(2 * q > n + f, "n={n} f={f}: quorums of {q} overlap in {}", 2 * q - n);
            assert!(q <= n - f, "n={n} f={f}: correct replicas cannot form a quorum");
            // a prepared certificate: the pre-prepare plus q-1 (at least one) prepares
            assert!(q > 1);
        }
        // The paper's 2f+1 is the same number exactly when n = 3f+1.
        let f = (n - 1) / 3;
        assert_eq!(quorum(n, f) == 2 * f + 1, n == 3 * f + 1);
    }
}

/// In-memory cluster: honest replicas run the core; the Byzantine ones (the primary
/// of view 0 and up to f-1 backups) are scripted. Every message is delivered.
struct Cluster {
    n: usize,
    reps: Vec<Option<Replica<TestApp>>>,
    keys: Vec<SigningKey>,
    verifier: Verifier,
    queue: VecDeque<(ReplicaId, Message)>,
    committed: BTreeMap<SeqNo, BTreeMap<Digest, Vec<ReplicaId>>>,
}

impl Cluster {
    fn new(n: usize, byz: Vec<bool>) -> Self {
        let f = (n - 1) / 3;
        let keys = replica_keys(n);
        let addr = "127.0.0.1:1".parse().unwrap();
        let cluster = ClusterConfig::new(f, keys.iter().map(|k| (addr, k.verifying_key())).collect());
        let reps = (0..n)
            .map(|i| {
                (!byz[i]).then(|| {
                    Replica::new(i as u32, &cluster, Params::default(), keys[i].clone(), TestApp::default()).unwrap()
                })
            })
            .collect();
        let verifier = Verifier::new(cluster.keys().unwrap(), f);
        Cluster { n, reps, keys, verifier, queue: VecDeque::new(), committed: BTreeMap::new() }
    }

    fn perform(&mut self, from: ReplicaId, actions: Vec<Action>) {
        for a in actions {
            match a {
                Action::Persist(PersistOp::Committed(e)) => {
                    let b = &e.pre_prepare.body;
                    self.committed.entry(b.seq).or_default().entry(b.digest).or_default().push(from);
                }
                Action::Send { to, msg } => self.queue.push_back((to, msg)),
                Action::Broadcast(msg) => {
                    for to in 0..self.n as u32 {
                        if to != from {
                            self.queue.push_back((to, msg.clone()));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn run(&mut self) {
        while let Some((to, msg)) = self.queue.pop_front() {
            let Some(rep) = self.reps[to as usize].as_mut() else { continue };
            let v = self.verifier.verify(msg).expect("every message in this test is well signed");
            let acts = rep.handle(1, Event::Message(v));
            self.perform(to, acts);
        }
    }
}

fn request(i: usize, op: &[u8]) -> Signed<Request> {
    let k = client_key(i);
    Signed::sign(Request { client: client_id(&k), timestamp: 1, op: op.to_vec() }, &k)
}

/// The primary (replica 0) sends pre-prepare D1 to the first `split` honest backups
/// and D2 to the others, and the Byzantine replicas prepare and commit both digests
/// to everyone. Whatever the split, no two honest replicas commit different batches
/// at sequence number 1. Fails with 2f+1 quorums for n = 5 (D1 to 1, 2 and D2 to 3, 4:
/// each pair prepares with its two prepares and commits with its two commits plus the
/// primary's), n = 6 and n = 8.
#[test]
fn equivocating_primary_cannot_split_honest_replicas() {
    for n in [4usize, 5, 6, 7, 8, 10, 11, 13] {
        let f = (n - 1) / 3;
        // Byzantine: the primary and the last f-1 replicas.
        let byz: Vec<bool> = (0..n).map(|i| i == 0 || i >= n - (f - 1)).collect();
        let honest: Vec<u32> = (0..n as u32).filter(|i| !byz[*i as usize]).collect();
        for split in 1..honest.len() {
            let mut c = Cluster::new(n, byz.clone());
            let batches = [
                Batch { time_ms: 1, requests: vec![request(0, b"D1")] },
                Batch { time_ms: 1, requests: vec![request(1, b"D2")] },
            ];
            let pps: Vec<Signed<PrePrepare>> = batches
                .iter()
                .map(|b| {
                    let pp = PrePrepare { view: 0, seq: 1, digest: b.digest(), batch: b.clone(), primary: 0 };
                    Signed::sign(pp, &c.keys[0])
                })
                .collect();
            for (k, to) in honest.iter().enumerate() {
                let pp = &pps[usize::from(k >= split)];
                c.queue.push_back((*to, Message::PrePrepare(pp.clone())));
            }
            // Each honest replica first hears the Byzantine votes for the digest it was
            // given (a replica keeps one vote per sender), then those for the other.
            for (k, to) in honest.iter().enumerate() {
                let mine = usize::from(k >= split);
                for d in [pps[mine].body.digest, pps[1 - mine].body.digest] {
                    for b in (0..n as u32).filter(|i| byz[*i as usize]) {
                        if b != 0 {
                            let p = Prepare { view: 0, seq: 1, digest: d, replica: b };
                            c.queue.push_back((*to, Message::Prepare(Signed::sign(p, &c.keys[b as usize]))));
                        }
                        let m = Commit { view: 0, seq: 1, digest: d, replica: b };
                        c.queue.push_back((*to, Message::Commit(Signed::sign(m, &c.keys[b as usize]))));
                    }
                }
            }
            c.run();
            for (seq, by_digest) in &c.committed {
                assert!(
                    by_digest.len() <= 1,
                    "SAFETY n={n} f={f} split={split}: honest replicas committed different batches at seq {seq}: {by_digest:?}"
                );
            }
        }
    }
}
