//! Deterministic, seeded simulation of a PBFT cluster (VOPR-style).
//!
//! No tokio and no real time: a discrete-event network that drops, delays,
//! reorders, duplicates and partitions; replicas that crash (possibly between
//! persisting and sending) and restart from their simulated disk; clusters of
//! n = 4, 5, 6, 7 and 10 replicas; one Byzantine replica per run (equivocating
//! primary, silent, lying voter (and server of tampered snapshot chunks), a twin running with the same key on the other
//! side of the network (Twins), a skewed or frozen clock, a primary padding its
//! batches with oversized requests); an adversary that forges signatures, tampers
//! with bodies, replays old (stale-view) messages and injects oversized requests.
//! Snapshots travel in chunks of 16 or 48 bytes in two thirds of the seeds (one
//! chunk in the others). After the fault phase the network heals and every client
//! request must complete.
//!
//! Checked on every run: no two honest replicas commit different batches at one
//! sequence number, honest checkpoint digests agree and honest replicas at the same
//! sequence number hold the same state, no request executes twice, forged messages
//! are never accepted, no committed batch time is more than `max_clock_skew_ms`
//! ahead of the true clock, no oversized request is ever committed, and liveness
//! after healing.
//!
//! `PBFT_SIM_SEEDS=N` sets the number of seeds (default 800, split over two
//! tests), `PBFT_SIM_FIRST_SEED` the first one; `PBFT_SEED=S` replays one seed
//! (`PBFT_TRACE=1` prints every event).

mod common;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use common::{client_key, replica_keys, TestApp};
use ed25519_dalek::SigningKey;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zkpot_pbft::client::{ClientAction, ClientCore};
use zkpot_pbft::crypto::{client_id, Signed};
use zkpot_pbft::message::{Batch, Message, PrePrepare, Request};
use zkpot_pbft::{
    Action, ClusterConfig, Digest, Event, Params, PersistOp, PersistedState, Replica, ReplicaId, SeqNo, TimerId,
    Verifier,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Node {
    Replica(ReplicaId),
    Client(usize),
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Item {
    Deliver(Node, usize), // index into `msgs`
    Timer(ReplicaId, TimerId, u64),
    ClientTimer(usize, u64),
    Fault,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Byz {
    None,
    Silent(ReplicaId),
    Equivocate(ReplicaId),
    /// Runs the protocol but sends half its peers prepares, commits and
    /// checkpoints with wrong digests (validly signed with its own key).
    Liar(ReplicaId),
    /// Two honest instances share this replica's key (Twins, DiemBFT): each message
    /// for it reaches one, the other or both; both send as it.
    Twins(ReplicaId),
    /// Its clock is far ahead (as primary it proposes far-future times).
    Skewed(ReplicaId),
    /// Its clock never moves.
    Frozen(ReplicaId),
    /// As primary it adds an oversized request to every batch.
    Bloat(ReplicaId),
}

impl Byz {
    fn who(self) -> Option<ReplicaId> {
        match self {
            Byz::None => None,
            Byz::Silent(b) | Byz::Equivocate(b) | Byz::Liar(b) | Byz::Twins(b) | Byz::Skewed(b) | Byz::Frozen(b) | Byz::Bloat(b) => Some(b),
        }
    }
}

/// How far ahead a skewed clock runs (far beyond any allowed skew).
const SKEW_MS: u64 = 50_000_000;

struct SimClient {
    core: ClientCore,
    left: usize,
    timer_gen: u64,
    done: usize,
}

struct Sim {
    rng: ChaCha8Rng,
    now: u64,
    seq: u64,
    queue: BinaryHeap<Reverse<(u64, u64, Item)>>,
    msgs: Vec<Message>,
    n: usize,
    f: usize,
    cluster: ClusterConfig,
    params: Params,
    keys: Vec<SigningKey>,
    replicas: Vec<Option<Replica<TestApp>>>,
    disks: Vec<PersistedState>,
    timer_gen: Vec<HashMap<TimerId, u64>>,
    /// One verifier (with its memo of verified signatures) shared by all
    /// simulated nodes: verification is a pure function, so sharing the memo
    /// only saves CPU.
    verifier: Verifier,
    clients: Vec<SimClient>,
    byz: Byz,
    // network faults
    healed: bool,
    drop_p: f64,
    dup_p: f64,
    max_delay: u64,
    partition: Option<Vec<bool>>, // side of each replica
    // invariants
    committed: BTreeMap<SeqNo, Digest>,
    checkpoints: BTreeMap<SeqNo, Digest>,
    forged_accepted: u64,
    forged: std::collections::HashSet<usize>,
    rejected: u64,
    crashes: u64,
}

const FAULT_PHASE_MS: u64 = 4_000;
const MAX_TIME_MS: u64 = 120_000;

impl Sim {
    fn new(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let n = [4usize, 5, 6, 7, 10][rng.gen_range(0..5)];
        let f = (n - 1) / 3;
        let keys = replica_keys(n);
        let addr = "127.0.0.1:1".parse().unwrap();
        let cluster = ClusterConfig::new(f, keys.iter().map(|k| (addr, k.verifying_key())).collect());
        let params = Params {
            checkpoint_interval: 4,
            log_window: 8,
            max_batch: rng.gen_range(1..4),
            max_in_flight: rng.gen_range(1..4),
            view_change_timeout_ms: 400,
            view_change_timeout_max_ms: 3_200,
            status_interval_ms: 100,
            client_retry_ms: 500,
            max_clock_skew_ms: 1_000,
            max_request_bytes: 64,
            max_batch_bytes: 160,
            // A third of the seeds move snapshots in one chunk, the others in many
            // (the test app's snapshot is 40 to 200 bytes); from the seed, not the
            // rng, so the other draws of a seed stay as they were.
            snapshot_chunk_bytes: [4 << 20, 16, 48][(seed % 3) as usize],
            ..Params::default()
        };
        // Mostly the primary of view 0 (where most of the ordering happens).
        let who = if rng.gen_bool(0.6) { 0 } else { rng.gen_range(0..n as u32) };
        let byz = match rng.gen_range(0..11) {
            0 => Byz::None,
            1 => Byz::Silent(who),
            2 => Byz::Liar(who),
            3 | 4 => Byz::Twins(who),
            5 => Byz::Skewed(who),
            6 => Byz::Frozen(who),
            7 => Byz::Bloat(who),
            _ => Byz::Equivocate(who),
        };
        let vkeys: Vec<_> = keys.iter().map(|k| k.verifying_key()).collect();
        // Slot n holds the twin (same id and key as replica `who`) when there is one.
        let replicas = (0..=n)
            .map(|i| {
                let id = if i < n { i } else { who as usize };
                (i < n || matches!(byz, Byz::Twins(_))).then(|| {
                    Replica::new(id as u32, &cluster, params.clone(), keys[id].clone(), TestApp::default()).unwrap()
                })
            })
            .collect();
        let nclients = rng.gen_range(1..4);
        let ops = rng.gen_range(3..9);
        let clients = (0..nclients)
            .map(|i| SimClient { core: ClientCore::new(client_key(i), n, f, 1), left: ops, timer_gen: 0, done: 0 })
            .collect();
        let drop_p = [0.0, 0.02, 0.1, 0.25][rng.gen_range(0..4)];
        let dup_p = rng.gen_range(0.0..0.1);
        let max_delay = rng.gen_range(1..60);
        Sim {
            rng,
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            msgs: Vec::new(),
            n,
            f,
            cluster,
            params,
            keys,
            replicas,
            disks: vec![PersistedState::genesis(); n + 1],
            timer_gen: vec![HashMap::new(); n + 1],
            verifier: Verifier::new(vkeys, f).with_cache(1 << 16),
            clients,
            byz,
            healed: false,
            drop_p,
            dup_p,
            max_delay,
            partition: None,
            committed: BTreeMap::new(),
            checkpoints: BTreeMap::new(),
            forged_accepted: 0,
            forged: Default::default(),
            rejected: 0,
            crashes: 0,
        }
    }

    /// Whether the replica in slot `r` is honest (the twin slot n never is).
    fn honest(&self, r: ReplicaId) -> bool {
        (r as usize) < self.n && self.byz.who() != Some(r)
    }

    /// The replica id of slot `r` (slot n is the twin).
    fn id_of(&self, r: ReplicaId) -> ReplicaId {
        if (r as usize) < self.n {
            r
        } else {
            self.byz.who().unwrap_or(r)
        }
    }

    /// What the clock of slot `r` reads at true time `t`.
    fn clock(&self, r: ReplicaId, t: u64) -> u64 {
        match self.byz {
            Byz::Skewed(b) if self.id_of(r) == b => t + SKEW_MS,
            Byz::Frozen(b) if self.id_of(r) == b => 0,
            _ => t,
        }
    }

    fn push(&mut self, at: u64, item: Item) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq, item)));
    }

    fn send(&mut self, from: Node, to: Node, msg: Message) {
        if let (Node::Replica(a), Node::Replica(b), Some(p)) = (from, to, &self.partition) {
            if p[a as usize] != p[b as usize] {
                return;
            }
        }
        if self.rng.gen_bool(self.drop_p) {
            return;
        }
        let idx = self.msgs.len();
        self.msgs.push(msg);
        let d = self.rng.gen_range(1..=self.max_delay);
        self.push(self.now + d, Item::Deliver(to, idx));
        if self.rng.gen_bool(self.dup_p) {
            let d = self.rng.gen_range(1..=self.max_delay * 3);
            self.push(self.now + d, Item::Deliver(to, idx));
        }
    }

    fn perform(&mut self, r: ReplicaId, actions: Vec<Action>) {
        // Persist everything first (the runtime contract).
        for a in &actions {
            if let Action::Persist(op) = a {
                self.disks[r as usize].apply(op);
                if self.honest(r) {
                    self.observe(r, op);
                }
            }
        }
        // A crash "at any moment": after persisting, before sending.
        if !self.healed && (r as usize) < self.n && self.rng.gen_bool(0.002) && self.down_count() < self.f {
            self.crash(r);
            return;
        }
        if matches!(self.byz, Byz::Silent(b) if b == r) {
            return;
        }
        let slot = r;
        let r = self.id_of(slot);
        let from = Node::Replica(r);
        for a in actions {
            match a {
                Action::Persist(_) => {}
                Action::Send { to, msg } => {
                    let msg = self.maybe_equivocate(r, to, &msg);
                    self.send(from, Node::Replica(to), msg)
                }
                Action::Broadcast(msg) => {
                    for to in 0..self.n as u32 {
                        if to == r {
                            continue;
                        }
                        let msg = self.maybe_equivocate(r, to, &msg);
                        if let Message::Checkpoint(c) = &msg {
                            if self.honest(slot) {
                                let prev = *self.checkpoints.entry(c.body.seq).or_insert(c.body.digest);
                                assert_eq!(prev, c.body.digest, "honest checkpoint digests differ at {}", c.body.seq);
                            }
                        }
                        self.send(from, Node::Replica(to), msg);
                    }
                }
                Action::Reply { client, msg } => {
                    if let Some(i) = self.clients.iter().position(|c| c.core.id() == client) {
                        self.send(from, Node::Client(i), msg);
                    }
                }
                Action::SetTimer { timer, after_ms } => {
                    let g = self.timer_gen[slot as usize].entry(timer).or_insert(0);
                    *g += 1;
                    let g = *g;
                    self.push(self.now + after_ms, Item::Timer(slot, timer, g));
                }
                Action::CancelTimer(timer) => {
                    *self.timer_gen[slot as usize].entry(timer).or_insert(0) += 1;
                }
            }
        }
    }

    /// An equivocating primary sends odd-numbered replicas a different batch; a
    /// liar sends them votes for a different digest and tampered snapshot chunks.
    fn maybe_equivocate(&mut self, r: ReplicaId, to: ReplicaId, msg: &Message) -> Message {
        if matches!(self.byz, Byz::Liar(b) if b == r) && to % 2 == 1 {
            let key = &self.keys[r as usize];
            match msg {
                Message::Prepare(p) => {
                    let mut body = p.body.clone();
                    body.digest[0] ^= 0xff;
                    return Message::Prepare(Signed::sign(body, key));
                }
                Message::Commit(c) => {
                    let mut body = c.body.clone();
                    body.digest[0] ^= 0xff;
                    return Message::Commit(Signed::sign(body, key));
                }
                Message::Checkpoint(c) => {
                    let mut body = c.body.clone();
                    body.digest[0] ^= 0xff;
                    return Message::Checkpoint(Signed::sign(body, key));
                }
                Message::SnapshotChunk(c) if !c.body.data.is_empty() => {
                    let mut body = c.body.clone();
                    body.data[0] ^= 0xff;
                    return Message::SnapshotChunk(Signed::sign(body, key));
                }
                _ => {}
            }
        }
        if let (Byz::Bloat(b), Message::PrePrepare(pp)) = (self.byz, msg) {
            if b == r {
                let mut batch: Batch = pp.body.batch.clone();
                let k = client_key(90);
                let op = vec![0xb1; self.params.max_request_bytes + 1];
                batch.requests.push(Signed::sign(Request { client: client_id(&k), timestamp: 1, op }, &k));
                let body = PrePrepare { digest: batch.digest(), batch, ..pp.body.clone() };
                return Message::PrePrepare(Signed::sign(body, &self.keys[r as usize]));
            }
        }
        if let (Byz::Equivocate(b), Message::PrePrepare(pp)) = (self.byz, msg) {
            if b == r && to % 2 == 1 {
                let mut batch: Batch = pp.body.batch.clone();
                batch.requests.reverse();
                batch.time_ms += 1;
                if batch.requests.len() > 1 && self.rng.gen_bool(0.5) {
                    batch.requests.pop();
                }
                let body = PrePrepare { digest: batch.digest(), batch, ..pp.body.clone() };
                return Message::PrePrepare(Signed::sign(body, &self.keys[r as usize]));
            }
        }
        // As a new primary it sends odd replicas a new-view whose O drops the
        // last re-proposed batch (they must recompute O and refuse it).
        if let (Byz::Equivocate(b), Message::NewView(nv)) = (self.byz, msg) {
            if b == r && to % 2 == 1 && !nv.body.pre_prepares.is_empty() {
                let mut body = nv.body.clone();
                body.pre_prepares.pop();
                return Message::NewView(Signed::sign(body, &self.keys[r as usize]));
            }
        }
        msg.clone()
    }

    fn observe(&mut self, r: ReplicaId, op: &PersistOp) {
        if let PersistOp::Committed(e) = op {
            let (seq, d) = (e.pre_prepare.body.seq, e.pre_prepare.body.digest);
            let prev = *self.committed.entry(seq).or_insert(d);
            assert_eq!(prev, d, "SAFETY: replica {r} committed a different batch at seq {seq}");
            let b = &e.pre_prepare.body.batch;
            assert!(
                b.time_ms <= self.now + self.params.max_clock_skew_ms,
                "TIME: replica {r} committed time {} at true time {}",
                b.time_ms,
                self.now
            );
            assert!(
                b.requests.iter().all(|q| q.body.op.len() <= self.params.max_request_bytes),
                "SIZE: replica {r} committed an oversized request at seq {seq}"
            );
        }
    }

    fn down_count(&self) -> usize {
        self.replicas[..self.n].iter().filter(|r| r.is_none()).count()
    }

    fn crash(&mut self, r: ReplicaId) {
        self.crashes += 1;
        self.replicas[r as usize] = None;
        self.timer_gen[r as usize].values_mut().for_each(|g| *g += 1_000_000);
    }

    fn restart(&mut self, r: ReplicaId) {
        let rep = Replica::recover(
            r,
            &self.cluster,
            self.params.clone(),
            self.keys[r as usize].clone(),
            TestApp::default(),
            self.disks[r as usize].clone(),
        )
        .unwrap();
        self.replicas[r as usize] = Some(rep);
        let now = self.clock(r, self.now);
        let acts = self.replicas[r as usize].as_mut().unwrap().start(now);
        self.perform(r, acts);
    }

    fn client_actions(&mut self, i: usize, acts: Vec<ClientAction>) {
        for a in acts {
            match a {
                ClientAction::Send(to, m) => self.send(Node::Client(i), Node::Replica(to), m),
                ClientAction::Broadcast(m) => {
                    for to in 0..self.n as u32 {
                        self.send(Node::Client(i), Node::Replica(to), m.clone());
                    }
                }
            }
        }
        self.clients[i].timer_gen += 1;
        let g = self.clients[i].timer_gen;
        self.push(self.now + self.params.client_retry_ms, Item::ClientTimer(i, g));
    }

    fn next_op(&mut self, i: usize) {
        if self.clients[i].left == 0 {
            return;
        }
        self.clients[i].left -= 1;
        let op = format!("c{i}-op{}", self.clients[i].left).into_bytes();
        let acts = self.clients[i].core.submit(op);
        self.client_actions(i, acts);
    }

    /// Adversary: tamper with a copy of a message (must be rejected) or replay
    /// an old one (must be harmless).
    fn adversary(&mut self) {
        if self.msgs.is_empty() {
            return;
        }
        let idx = self.rng.gen_range(0..self.msgs.len());
        if self.forged.contains(&idx) {
            // Tampering twice could restore a genuine message.
            return;
        }
        let to = Node::Replica(self.rng.gen_range(0..self.n as u32));
        if self.rng.gen_bool(0.1) {
            // an oversized request from some client: refused, never ordered
            let k = client_key(80 + self.rng.gen_range(0..3));
            let op = vec![0x0f; self.params.max_request_bytes + 1 + self.rng.gen_range(0..100)];
            let req = Signed::sign(Request { client: client_id(&k), timestamp: 1, op }, &k);
            let idx2 = self.msgs.len();
            self.msgs.push(Message::Request(req));
            self.push(self.now + 1, Item::Deliver(to, idx2));
            return;
        }
        if self.rng.gen_bool(0.5) {
            let idx2 = self.msgs.len();
            let m = self.msgs[idx].clone();
            self.msgs.push(m);
            self.push(self.now + 1, Item::Deliver(to, idx2));
            return;
        }
        let mut m = self.msgs[idx].clone();
        let tampered = match &mut m {
            Message::Request(s) => { s.body.timestamp += 1; true }
            Message::PrePrepare(s) => { s.sig[3] ^= 1; true }
            Message::Prepare(s) => { s.body.digest[0] ^= 1; true }
            Message::Commit(s) => { s.body.replica = (s.body.replica + 1) % self.n as u32; true }
            Message::Checkpoint(s) => { s.sig.truncate(10); true }
            Message::ViewChange(s) => { s.body.new_view += 1; true }
            Message::FetchState(s) => { s.body.last_executed = 0; s.body.nonce += 1; true }
            _ => false,
        };
        if tampered {
            if self.verifier.verify(m.clone()).is_ok() {
                eprintln!("tampered message accepted: {}", short(&m));
                self.forged_accepted += 1;
            }
            let idx2 = self.msgs.len();
            self.msgs.push(m);
            self.forged.insert(idx2);
            self.push(self.now + 1, Item::Deliver(to, idx2));
        }
    }

    fn fault(&mut self) {
        if self.healed {
            return;
        }
        match self.rng.gen_range(0..10) {
            0 | 1 => {
                if self.down_count() < self.f {
                    let r = self.rng.gen_range(0..self.n as u32);
                    if self.replicas[r as usize].is_some() {
                        self.crash(r);
                    }
                }
            }
            2 | 3 => {
                let down: Vec<u32> = (0..self.n as u32).filter(|r| self.replicas[*r as usize].is_none()).collect();
                if let Some(&r) = down.first() {
                    self.restart(r);
                }
            }
            4 => {
                let side = (0..self.n).map(|_| self.rng.gen_bool(0.5)).collect();
                self.partition = Some(side);
            }
            5 => self.partition = None,
            _ => {
                for _ in 0..3 {
                    self.adversary();
                }
            }
        }
        let d = self.rng.gen_range(50..400);
        self.push(self.now + d, Item::Fault);
    }

    fn heal(&mut self) {
        self.healed = true;
        self.partition = None;
        // Still lossy after healing: liveness must come from retransmission.
        self.drop_p = self.drop_p.min(0.02);
        self.dup_p = self.dup_p.min(0.02);
        for r in 0..self.n as u32 {
            if self.replicas[r as usize].is_none() {
                self.restart(r);
            }
        }
    }

    /// Hand message `idx` to the replica in slot `slot`.
    fn deliver(&mut self, slot: ReplicaId, idx: usize, t: u64) {
        let now = self.clock(slot, t);
        let Some(rep) = self.replicas[slot as usize].as_mut() else { return };
        // as the runtime does: surplus prepares/commits are dropped unverified
        if rep.wanted(std::slice::from_ref(&self.msgs[idx])) == [false] {
            return;
        }
        let Ok(v) = self.verifier.verify(self.msgs[idx].clone()) else {
            self.rejected += 1;
            return;
        };
        let acts = self.replicas[slot as usize].as_mut().unwrap().handle(now, Event::Message(v));
        self.perform(slot, acts);
    }

    fn run(&mut self) {
        for r in 0..self.replicas.len() as u32 {
            let now = self.clock(r, 0);
            if let Some(rep) = self.replicas[r as usize].as_mut() {
                let acts = rep.start(now);
                self.perform(r, acts);
            }
        }
        for i in 0..self.clients.len() {
            self.next_op(i);
        }
        self.push(10, Item::Fault);
        while let Some(Reverse((t, _, item))) = self.queue.pop() {
            self.now = t;
            if std::env::var("PBFT_TRACE").is_ok() {
                if let Item::Deliver(to, idx) = &item {
                    eprintln!("t={t} {to:?} <- {}", short(&self.msgs[*idx]));
                } else {
                    eprintln!("t={t} {item:?}");
                }
            }
            if !self.healed && t >= FAULT_PHASE_MS {
                self.heal();
            }
            if t > MAX_TIME_MS || self.clients.iter().all(|c| c.left == 0 && !c.core.busy()) {
                break;
            }
            match item {
                Item::Fault => self.fault(),
                Item::Timer(r, id, g) => {
                    if self.timer_gen[r as usize].get(&id) != Some(&g) {
                        continue;
                    }
                    let now = self.clock(r, t);
                    if let Some(rep) = self.replicas[r as usize].as_mut() {
                        let acts = rep.handle(now, Event::Timer(id));
                        self.perform(r, acts);
                    }
                }
                Item::ClientTimer(i, g) => {
                    if self.clients[i].timer_gen == g && self.clients[i].core.busy() {
                        let acts = self.clients[i].core.on_timeout();
                        self.client_actions(i, acts);
                    }
                }
                Item::Deliver(Node::Client(i), idx) => {
                    let Ok(v) = self.verifier.verify(self.msgs[idx].clone()) else {
                        self.rejected += 1;
                        continue;
                    };
                    if let Message::Reply(rep) = v.message() {
                        if self.clients[i].core.on_reply(rep).is_some() {
                            self.clients[i].done += 1;
                            self.next_op(i);
                        }
                    }
                }
                Item::Deliver(Node::Replica(r), idx) => {
                    if matches!(self.byz, Byz::Twins(b) if b == r) {
                        // Twins: one instance, the other, or both get it.
                        let (a, b) = match self.rng.gen_range(0..3) {
                            0 => (true, false),
                            1 => (false, true),
                            _ => (true, true),
                        };
                        if a {
                            self.deliver(r, idx, t);
                        }
                        if b {
                            self.deliver(self.n as u32, idx, t);
                        }
                    } else {
                        self.deliver(r, idx, t);
                    }
                }
            }
            for r in 0..self.n {
                if let Some(rep) = &self.replicas[r] {
                    if self.honest(r as u32) {
                        assert_eq!(rep.app().duplicate_executions, 0, "replica {r} executed a request twice");
                    }
                }
            }
        }
    }

    fn summary(&self) -> String {
        let mut out = format!("n={} f={} byz={:?} drop={} params={:?}\n", self.n, self.f, self.byz, self.drop_p, self.params);
        for (r, rep) in self.replicas.iter().enumerate() {
            match rep {
                Some(rep) => out += &format!(
                    "  r{r}: view {} active {} exec {} stable {} vc_timeout {} stats {:?}\n",
                    rep.view(), rep.is_active(), rep.last_executed(), rep.stable_seq(), rep.view_change_timeout(), rep.stats
                ),
                None => out += &format!("  r{r}: down\n"),
            }
        }
        out
    }

    fn check_end(&self) {
        assert_eq!(self.forged_accepted, 0, "a tampered message passed verification");
        // Honest replicas that executed the same prefix hold the same app state.
        let mut states: BTreeMap<SeqNo, Vec<u8>> = BTreeMap::new();
        for (r, rep) in self.replicas.iter().enumerate() {
            let Some(rep) = rep else { continue };
            if self.honest(r as u32) {
                let snap = zkpot_pbft::App::snapshot(rep.app());
                let prev = states.entry(rep.last_executed()).or_insert_with(|| snap.clone());
                assert_eq!(*prev, snap, "app states differ at seq {}", rep.last_executed());
            }
        }
        for (i, c) in self.clients.iter().enumerate() {
            assert!(
                c.left == 0 && !c.core.busy(),
                "LIVENESS: client {i} incomplete ({} done) at t={}\n{}",
                c.done,
                self.now,
                self.summary()
            );
        }
        // Honest replicas at the same stable checkpoint hold the same digest.
        let mut stable: BTreeMap<SeqNo, Digest> = BTreeMap::new();
        for (r, rep) in self.replicas.iter().enumerate() {
            let Some(rep) = rep else { continue };
            if !self.honest(r as u32) {
                continue;
            }
            let d = *stable.entry(rep.stable_seq()).or_insert(rep.stable_digest());
            assert_eq!(d, rep.stable_digest(), "stable checkpoint digests differ");
            if rep.stable_seq() > 0 {
                assert_eq!(self.checkpoints.get(&rep.stable_seq()), Some(&rep.stable_digest()));
            }
        }
    }
}

fn short(m: &Message) -> String {
    match m {
        Message::Request(s) => format!("request ts {}", s.body.timestamp),
        Message::PrePrepare(s) => format!("pre-prepare v{} n{} from {} reqs {}", s.body.view, s.body.seq, s.body.primary, s.body.batch.requests.len()),
        Message::Prepare(s) => format!("prepare v{} n{} from {}", s.body.view, s.body.seq, s.body.replica),
        Message::Commit(s) => format!("commit v{} n{} from {}", s.body.view, s.body.seq, s.body.replica),
        Message::Reply(s) => format!("reply ts {} from {}", s.body.timestamp, s.body.replica),
        Message::Checkpoint(s) => format!("checkpoint n{} from {}", s.body.seq, s.body.replica),
        Message::ViewChange(s) => format!("view-change v{} from {} h{} P{}", s.body.new_view, s.body.replica, s.body.checkpoint.seq, s.body.prepared.len()),
        Message::NewView(s) => format!("new-view v{} O{}", s.body.view, s.body.pre_prepares.len()),
        Message::FetchState(s) => format!("fetch from {} exec {} v{}", s.body.replica, s.body.last_executed, s.body.view),
        Message::Hello(s) => format!("hello from {}", s.body.replica),
        Message::Challenge(_) => "challenge".into(),
        Message::Rejected(r) => format!("rejected: {r}"),
        Message::StateReply(s) => format!("state-reply from {} to {} cp {} entries {} nv {}", s.body.replica, s.body.to, s.body.checkpoint.is_some(), s.body.entries.len(), s.body.new_view.is_some()),
        Message::FetchChunk(s) => format!("fetch-chunk n{} #{} from {}", s.body.seq, s.body.index, s.body.replica),
        Message::SnapshotChunk(s) => format!("chunk n{} #{} from {} to {}", s.body.seq, s.body.index, s.body.replica, s.body.to),
    }
}

#[derive(Default, Debug)]
struct Totals {
    sim_ms: u64,
    crashes: u64,
    view_changes: u64,
    state_transfers: u64,
    rejected: u64,
    conflicting: u64,
    bad_new_views: u64,
    duplicates: u64,
    committed: u64,
    bad_times: u64,
    oversized: u64,
    chunks: u64,
    bad_chunks: u64,
    by_n: BTreeMap<usize, u64>,
    slowest: (u128, u64),
}

fn run_seed(seed: u64, t: &mut Totals) {
    let start = std::time::Instant::now();
    let result = std::panic::catch_unwind(|| {
        let mut sim = Sim::new(seed);
        sim.run();
        sim.check_end();
        sim
    });
    let sim = match result {
        Ok(x) => x,
        Err(e) => {
            eprintln!("simulation failed for seed {seed}; replay with PBFT_SEED={seed}");
            std::panic::resume_unwind(e)
        }
    };
    t.sim_ms += sim.now;
    t.crashes += sim.crashes;
    t.rejected += sim.rejected;
    t.committed += sim.committed.len() as u64;
    for rep in sim.replicas.iter().flatten() {
        t.view_changes += rep.stats.view_changes;
        t.state_transfers += rep.stats.state_transfers;
        t.conflicting += rep.stats.conflicting_pre_prepares;
        t.bad_new_views += rep.stats.bad_new_views;
        t.duplicates += rep.stats.duplicate_requests;
        t.bad_times += rep.stats.bad_times;
        t.oversized += rep.stats.oversized;
        t.chunks += rep.stats.chunks_received;
        t.bad_chunks += rep.stats.bad_chunks;
    }
    *t.by_n.entry(sim.n).or_insert(0) += 1;
    let el = start.elapsed().as_millis();
    if el > t.slowest.0 {
        t.slowest = (el, seed);
    }
}

fn seeds(part: u64) -> Vec<u64> {
    if let Ok(s) = std::env::var("PBFT_SEED") {
        return if part == 0 { vec![s.parse().expect("PBFT_SEED")] } else { vec![] };
    }
    let total: u64 = std::env::var("PBFT_SIM_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(800);
    let first: u64 = std::env::var("PBFT_SIM_FIRST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    (first..first + total).filter(|s| s % 2 == part).collect()
}

fn run_part(part: u64) {
    let start = std::time::Instant::now();
    let list = seeds(part);
    let mut totals = Totals::default();
    for &s in &list {
        run_seed(s, &mut totals);
    }
    eprintln!("sim part {part}: {} seeds, {:.1}s wall, {totals:?}", list.len(), start.elapsed().as_secs_f64());
}

#[test]
fn simulation_even_seeds() {
    run_part(0);
}

#[test]
fn simulation_odd_seeds() {
    run_part(1);
}
