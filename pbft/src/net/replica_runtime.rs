//! [`run_replica`]: a PBFT replica as a tokio task.
//!
//! Ingress: every accepted connection first gets a [`Challenge`]; a peer that answers
//! with a [`Hello`](crate::message::Hello) signed by a replica key over that nonce is a replica connection
//! (frames up to [`MAX_FRAME`]); any other is a client connection, whose frames are
//! limited to one request ([`client_frame_limit`]) and whose unprocessed input shares
//! one byte budget ([`CLIENT_INPUT_BUDGET`]), so unauthenticated peers can never make
//! the replica buffer more than a fixed amount. Connections per address are capped
//! ([`max_conns_per_ip`]). What is refused is answered with a [`Rejection`].
//!
//! Flow: frames → decode → [`Replica::wanted`] (surplus prepares/commits dropped) →
//! [`Verifier::verify_many`] → [`Replica::handle`] →
//! actions. The runtime takes every frame already queued (up to 64) at once:
//! their signatures are checked in one Ed25519 batch, the core handles them one
//! by one, and the runtime first applies every `Persist` action of those steps
//! to redb in one durable transaction (group commit), then performs the sends,
//! replies and timer changes (so nothing is sent that a crash could make the
//! replica forget). Malformed frames and
//! messages failing verification are counted in [`RuntimeStats`] and dropped.
//!
//! The returned future owns all the tasks it spawns (a `JoinSet`): dropping or
//! aborting it stops the replica and closes its database.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use ed25519_dalek::VerifyingKey;
use futures::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::codec::{client_frame_limit, decode, encode, framed_with_limit, MAX_FRAME};
use super::peers::{peer_task, PeerIdentity, PEER_QUEUE};
use super::routes::{ConnId, Routes};
use crate::app::App;
use crate::config::ReplicaConfig;
use crate::crypto::Signable;
use crate::error::Result;
use crate::event::{Action, Event, PersistOp, TimerId};
use crate::message::{Challenge, Message, Rejection};
use crate::replica::{Replica, StableCheckpoint};
use crate::storage::RedbStore;
use crate::types::{sha256, ReplicaId};
use crate::verify::Verifier;

/// Counters a running replica publishes (shared, lock-free).
#[derive(Debug, Default)]
pub struct RuntimeStats {
    /// The stable checkpoint itself (certificate and snapshot), replaced each time
    /// it moves; read it with [`RuntimeStats::stable_checkpoint`].
    pub stable_checkpoint: Mutex<Option<Arc<StableCheckpoint>>>,
    /// Set once the listener is bound: connections are accepted from then on (a
    /// client that connects earlier is refused and drops what it queued).
    pub listening: AtomicBool,
    /// Frames received.
    pub frames_in: AtomicU64,
    /// Frames that failed to decode.
    pub malformed: AtomicU64,
    /// Messages that failed verification.
    pub rejected: AtomicU64,
    /// Surplus prepares and commits dropped unverified (`replica::surplus`).
    pub surplus: AtomicU64,
    /// Frames and requests refused at ingress for their size (answered with a [`Rejection`]).
    pub oversized_in: AtomicU64,
    /// Outgoing frames dropped because they exceed the frame limit (never sent).
    pub oversized_out: AtomicU64,
    /// Connections refused because their address already had [`max_conns_per_ip`].
    pub refused_connections: AtomicU64,
    /// Current view of the replica.
    pub view: AtomicU64,
    /// Last executed sequence number.
    pub last_executed: AtomicU64,
    /// Stable checkpoint sequence number.
    pub stable_seq: AtomicU64,
    /// Snapshot offers refused for declaring more than `max_snapshot_bytes`
    /// (`Stats::snapshots_refused`: a lagging replica that keeps refusing cannot catch up).
    pub snapshots_refused: AtomicU64,
    /// Snapshot chunks received that verified (`Stats::chunks_received`).
    pub snapshot_chunks: AtomicU64,
    /// Snapshot chunks that failed their check (`Stats::bad_chunks`: a replica served bad state).
    pub bad_chunks: AtomicU64,
}

/// Most frames taken from the input queue for one batch verification.
const VERIFY_BATCH: usize = 64;
/// Bytes of client (unauthenticated) frames read but not yet processed, all
/// connections together; a client connection waits for room before reading on.
pub const CLIENT_INPUT_BUDGET: usize = 64 << 20;
/// Most client routes remembered; above it, routes of closed connections are dropped.
const MAX_ROUTES: usize = 1 << 16;
/// Most client routes over one connection (a client process usually signs with one key;
/// beyond this a connection's oldest route gives way, so one connection flooding fresh
/// client keys cannot crowd out the clients of other connections).
const ROUTES_PER_CONN: usize = 64;
/// Frames queued for writing on one accepted connection (replies).
const CONN_QUEUE: usize = 1024;

/// Most simultaneous connections accepted from one IP address: every other replica
/// (an in-process cluster shares 127.0.0.1) plus room for clients.
pub fn max_conns_per_ip(n: usize) -> usize {
    64 + 4 * n
}

type Conns = Arc<Mutex<HashMap<ConnId, mpsc::Sender<Bytes>>>>;

/// Authenticated connections accepted per replica (a reconnecting peer may overlap
/// its old connection for a moment).
const CONNS_PER_REPLICA: usize = 2;
/// Unprocessed input bytes one replica connection may have queued.
const REPLICA_CONN_BUDGET: usize = 2 * MAX_FRAME;

/// Where an input frame came from. Each holds its share of an input budget until
/// the event loop has handled the frame.
enum Origin {
    /// A connection whose peer signed our challenge with a replica's key; its share
    /// of that connection's [`REPLICA_CONN_BUDGET`].
    Replica(#[allow(dead_code)] OwnedSemaphorePermit),
    /// Any other connection; its share of [`CLIENT_INPUT_BUDGET`].
    Client(#[allow(dead_code)] OwnedSemaphorePermit),
}

type Inbound = (Bytes, ConnId, Origin);

/// What the accept loop and the connection tasks share.
struct Ingress {
    keys: Vec<VerifyingKey>,
    nonce_secret: [u8; 32],
    next_nonce: AtomicU64,
    client_limit: usize,
    budget: Arc<Semaphore>,
    per_ip: Mutex<HashMap<IpAddr, usize>>,
    max_per_ip: usize,
    per_replica: Mutex<HashMap<ReplicaId, usize>>,
    conns: Conns,
    stats: Arc<RuntimeStats>,
}

impl Ingress {
    /// A fresh, unpredictable nonce (keyed by a secret derived from our key).
    fn nonce(&self) -> [u8; 32] {
        let i = self.next_nonce.fetch_add(1, Ordering::Relaxed);
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let mut b = self.nonce_secret.to_vec();
        b.extend_from_slice(&i.to_le_bytes());
        b.extend_from_slice(&t.to_le_bytes());
        sha256(&b)
    }

    /// The replica whose hello over `nonce` this frame is, if it is one.
    fn replica_hello(&self, frame: &[u8], nonce: &[u8; 32]) -> Option<ReplicaId> {
        let Ok(Message::Hello(h)) = decode(frame) else { return None };
        let key = self.keys.get(h.body.replica as usize)?;
        let sig = ed25519_dalek::Signature::from_slice(&h.sig).ok()?;
        (h.body.nonce == *nonce && crate::sigcheck::verify(key, &h.body.signing_bytes(), &sig)).then_some(h.body.replica)
    }

    fn release_ip(&self, ip: IpAddr) {
        if let Ok(mut m) = self.per_ip.lock() {
            if let Some(c) = m.get_mut(&ip) {
                *c = c.saturating_sub(1);
                if *c == 0 {
                    m.remove(&ip);
                }
            }
        }
    }
}

/// Run a replica until an unrecoverable error (bind failure, disk failure).
///
/// Restarting with the same `config.db_path` recovers the persisted state; `app`
/// must then be in its genesis state (recovery restores the last stable
/// snapshot and replays committed requests into it).
pub async fn run_replica<A: App + Send + 'static>(config: ReplicaConfig, app: A) -> Result<()> {
    run_replica_with_stats(config, app, Arc::new(RuntimeStats::default())).await
}

impl RuntimeStats {
    /// The replica's latest stable checkpoint (none before the replica started).
    pub fn stable_checkpoint(&self) -> Option<Arc<StableCheckpoint>> {
        self.stable_checkpoint.lock().ok().and_then(|g| g.clone())
    }

    /// Publishes `replica`'s stable checkpoint if it is not the one published.
    fn publish_stable<A: App>(&self, replica: &Replica<A>) {
        if let Ok(mut g) = self.stable_checkpoint.lock() {
            if g.as_ref().is_none_or(|c| c.proof.seq != replica.stable_seq()) {
                *g = Some(Arc::new(replica.stable_checkpoint()));
            }
        }
    }
}

/// [`run_replica`], publishing counters into `stats`.
pub async fn run_replica_with_stats<A: App + Send + 'static>(
    config: ReplicaConfig,
    app: A,
    stats: Arc<RuntimeStats>,
) -> Result<()> {
    let key = config.signing_key()?;
    let keys = config.cluster.keys()?;
    let mut store = RedbStore::open(&config.db_path)?;
    let state = store.load()?;
    let max_request = config.params.max_request_bytes;
    let mut replica = Replica::recover(config.id, &config.cluster, config.params.clone(), key.clone(), app, state)?;
    let mut verifier = Verifier::new(keys.clone(), config.cluster.f).with_cache(1 << 16);

    let me = config.cluster.replicas.get(config.id as usize).map(|r| r.addr);
    let listener = TcpListener::bind(me.ok_or_else(|| crate::PbftError::Config("no address".into()))?).await?;
    stats.listening.store(true, Ordering::Release);
    let mut tasks = JoinSet::new();

    let identity = PeerIdentity {
        id: config.id,
        key: key.clone(),
        max_frame: MAX_FRAME,
        dropped: Arc::new(AtomicU64::new(0)),
    };
    let mut peers: HashMap<u32, mpsc::Sender<Bytes>> = HashMap::new();
    for (i, r) in config.cluster.replicas.iter().enumerate() {
        if i as u32 != config.id {
            let (tx, rx) = mpsc::channel(PEER_QUEUE);
            tasks.spawn(peer_task(r.addr, identity.clone(), rx));
            peers.insert(i as u32, tx);
        }
    }

    let (in_tx, mut in_rx) = mpsc::channel::<Inbound>(8192);
    let conns: Conns = Arc::new(Mutex::new(HashMap::new()));
    let client_limit = client_frame_limit(max_request);
    let ingress = Arc::new(Ingress {
        keys,
        nonce_secret: sha256(&[b"zkpot-pbft nonce".as_slice(), key.as_bytes()].concat()),
        next_nonce: AtomicU64::new(0),
        client_limit,
        budget: Arc::new(Semaphore::new(CLIENT_INPUT_BUDGET.max(2 * client_limit))),
        per_ip: Mutex::new(HashMap::new()),
        max_per_ip: max_conns_per_ip(config.cluster.n()),
        per_replica: Mutex::new(HashMap::new()),
        conns: conns.clone(),
        stats: stats.clone(),
    });
    tasks.spawn(accept_loop(listener, in_tx, ingress));

    // Milliseconds since the Unix epoch (read once, then advanced by the monotonic clock), so
    // the primary-assigned timestamps the application sees keep moving after a full cluster
    // restart instead of restarting from zero.
    let start = Instant::now();
    let epoch_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let now_ms = move || epoch_ms + start.elapsed().as_millis() as u64;
    let mut timers: HashMap<TimerId, Instant> = HashMap::new();
    let mut routes = Routes::new(MAX_ROUTES, ROUTES_PER_CONN);

    let actions = replica.start(now_ms());
    perform(actions, &mut store, &peers, &conns, &routes, &mut timers, &stats)?;
    stats.publish_stable(&replica);

    loop {
        let next = timers.values().min().copied().unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
        let mut events = Vec::new();
        // Client frames keep their share of the input budget until handled.
        let mut holding = Vec::new();
        tokio::select! {
            got = in_rx.recv() => {
                let Some(first) = got else { return Ok(()) };
                // Take what else is already queued (up to VERIFY_BATCH frames):
                // their signatures are checked in one batch and the steps'
                // persist ops go to disk in one transaction.
                let mut frames = vec![first];
                while frames.len() < VERIFY_BATCH {
                    match in_rx.try_recv() {
                        Ok(f) => frames.push(f),
                        Err(_) => break,
                    }
                }
                let mut msgs = Vec::with_capacity(frames.len());
                let mut from = Vec::with_capacity(frames.len());
                for (frame, conn, origin) in frames {
                    stats.frames_in.fetch_add(1, Ordering::Relaxed);
                    let client = matches!(origin, Origin::Client(_));
                    holding.push(origin);
                    match decode(&frame) {
                        Ok(Message::Request(r)) if r.body.op.len() > max_request => {
                            stats.oversized_in.fetch_add(1, Ordering::Relaxed);
                            let why = Rejection::RequestTooLarge { limit: max_request as u64, timestamp: r.body.timestamp };
                            send_to_conn(&conns, conn, &Message::Rejected(why));
                        }
                        Ok(m) => {
                            msgs.push(m);
                            from.push((conn, client));
                        }
                        Err(_) => {
                            stats.malformed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                // Surplus prepares/commits are left unchecked unless a wanted message
                // fails verification (`replica::surplus`).
                let want = replica.wanted(&msgs);
                let results = verifier.verify_wanted(msgs, &want);
                stats.surplus.fetch_add(results.iter().filter(|r| r.is_none()).count() as u64, Ordering::Relaxed);
                for (verified, (conn, client)) in results.into_iter().zip(from) {
                    let Some(verified) = verified else { continue };
                    let Ok(verified) = verified else {
                        stats.rejected.fetch_add(1, Ordering::Relaxed);
                        continue;
                    };
                    // Requests relayed by replicas must not redirect a client's replies.
                    if let (Message::Request(r), true) = (verified.message(), client) {
                        routes.note(r.body.client, conn, || {
                            conns.lock().map(|m| m.keys().copied().collect()).unwrap_or_default()
                        });
                    }
                    events.push(Event::Message(verified));
                }
            }
            _ = tokio::time::sleep_until(next) => {
                let due: Vec<TimerId> = timers.iter().filter(|(_, t)| **t <= Instant::now()).map(|(k, _)| *k).collect();
                if let Some(t) = due.first().copied() {
                    timers.remove(&t);
                    events.push(Event::Timer(t));
                }
            }
        };
        // The concatenation of the steps' actions keeps the contract of each:
        // all persist ops are durable before any of the sends.
        let mut actions = Vec::new();
        for event in events {
            actions.extend(replica.handle(now_ms(), event));
        }
        drop(holding);
        if actions.is_empty() {
            continue;
        }
        perform(actions, &mut store, &peers, &conns, &routes, &mut timers, &stats)?;
        stats.publish_stable(&replica);
        stats.view.store(replica.view(), Ordering::Relaxed);
        stats.last_executed.store(replica.last_executed(), Ordering::Relaxed);
        stats.stable_seq.store(replica.stable_seq(), Ordering::Relaxed);
        stats.snapshots_refused.store(replica.stats.snapshots_refused, Ordering::Relaxed);
        stats.bad_chunks.store(replica.stats.bad_chunks, Ordering::Relaxed);
        stats.snapshot_chunks.store(replica.stats.chunks_received, Ordering::Relaxed);
        stats.oversized_out.store(identity.dropped.load(Ordering::Relaxed), Ordering::Relaxed);
    }
}

/// Queue a message on an accepted connection (dropped if its queue is full).
fn send_to_conn(conns: &Conns, conn: ConnId, msg: &Message) {
    let tx = conns.lock().ok().and_then(|m| m.get(&conn).cloned());
    if let (Some(tx), Ok(frame)) = (tx, encode(msg)) {
        let _ = tx.try_send(frame);
    }
}

/// Encode for a peer link; a frame above [`MAX_FRAME`] is counted and not sent.
fn encode_for_link(msg: &Message, stats: &RuntimeStats) -> Option<Bytes> {
    let frame = encode(msg).ok()?;
    if frame.len() > MAX_FRAME {
        stats.oversized_out.fetch_add(1, Ordering::Relaxed);
        return None;
    }
    Some(frame)
}

/// Persist first (one durable transaction), then send and set timers.
fn perform(
    actions: Vec<Action>,
    store: &mut RedbStore,
    peers: &HashMap<u32, mpsc::Sender<Bytes>>,
    conns: &Conns,
    routes: &Routes,
    timers: &mut HashMap<TimerId, Instant>,
    stats: &RuntimeStats,
) -> Result<()> {
    let ops: Vec<&PersistOp> = actions
        .iter()
        .filter_map(|a| if let Action::Persist(op) = a { Some(op) } else { None })
        .collect();
    if ops.is_empty() {
        // Nothing to make durable.
    } else if tokio::runtime::Handle::current().runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread {
        // The fsync blocks: hand this worker's other tasks (other replicas of an
        // in-process cluster, connections) to another thread meanwhile, so the
        // fsyncs of many replicas overlap instead of queueing on the workers.
        tokio::task::block_in_place(|| store.apply(&ops))?;
    } else {
        store.apply(&ops)?;
    }
    for a in actions {
        match a {
            Action::Persist(_) => {}
            Action::Send { to, msg } => {
                if let (Some(tx), Some(frame)) = (peers.get(&to), encode_for_link(&msg, stats)) {
                    let _ = tx.try_send(frame);
                }
            }
            Action::Broadcast(msg) => {
                if let Some(frame) = encode_for_link(&msg, stats) {
                    for tx in peers.values() {
                        let _ = tx.try_send(frame.clone());
                    }
                }
            }
            Action::Reply { client, msg } => {
                if let Some(conn) = routes.get(&client) {
                    send_to_conn(conns, conn, &msg);
                }
            }
            Action::SetTimer { timer, after_ms } => {
                timers.insert(timer, Instant::now() + Duration::from_millis(after_ms));
            }
            Action::CancelTimer(timer) => {
                timers.remove(&timer);
            }
        }
    }
    Ok(())
}

async fn accept_loop(listener: TcpListener, in_tx: mpsc::Sender<Inbound>, ingress: Arc<Ingress>) {
    let mut next_id: ConnId = 0;
    let mut tasks = JoinSet::new();
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(_) => {
                // Out of file descriptors (EMFILE) or a transient error: the
                // listener stays readable, so retrying at once would spin and
                // starve every other task of the runtime. Wait a little.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let ip = peer.ip();
        let admitted = ingress.per_ip.lock().is_ok_and(|mut m| {
            let c = m.entry(ip).or_insert(0);
            *c += 1;
            *c <= ingress.max_per_ip
        });
        next_id += 1;
        if admitted {
            tasks.spawn(connection(stream, next_id, ip, in_tx.clone(), ingress.clone()));
        } else {
            ingress.release_ip(ip);
            ingress.stats.refused_connections.fetch_add(1, Ordering::Relaxed);
            let why = Rejection::TooManyConnections { limit: ingress.max_per_ip as u64 };
            tasks.spawn(refuse(stream, why));
        }
        while tasks.try_join_next().is_some() {}
    }
}

/// Tell the peer why, then close.
async fn refuse(stream: TcpStream, why: Rejection) {
    tell(&mut framed_with_limit(stream, MAX_FRAME), why).await;
}

/// Send a [`Rejection`] (best effort, one second at most).
async fn tell<S: futures::Sink<Bytes> + Unpin>(sink: &mut S, why: Rejection) {
    if let Ok(frame) = encode(&Message::Rejected(why)) {
        let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(frame)).await;
    }
}

/// One inbound connection (from a replica's peer task or from a client): challenge,
/// then frames read go to the event loop; replies routed to this connection are
/// written back.
async fn connection(stream: TcpStream, id: ConnId, ip: IpAddr, in_tx: mpsc::Sender<Inbound>, ingress: Arc<Ingress>) {
    serve(stream, id, &in_tx, &ingress).await;
    if let Ok(mut m) = ingress.conns.lock() {
        m.remove(&id);
    }
    ingress.release_ip(ip);
}

async fn serve(stream: TcpStream, id: ConnId, in_tx: &mpsc::Sender<Inbound>, ingress: &Ingress) {
    let _ = stream.set_nodelay(true);
    let mut framed = framed_with_limit(stream, ingress.client_limit);
    let nonce = ingress.nonce();
    let Ok(challenge) = encode(&Message::Challenge(Challenge { nonce })) else { return };
    if framed.send(challenge).await.is_err() {
        return;
    }
    // The first frame decides: a replica's hello over our nonce, or client traffic.
    let first = match framed.next().await {
        Some(Ok(f)) => f.freeze(),
        Some(Err(_)) => {
            ingress.stats.oversized_in.fetch_add(1, Ordering::Relaxed);
            tell(&mut framed, Rejection::FrameTooLarge { limit: ingress.client_limit as u64 }).await;
            return;
        }
        None => return,
    };
    let replica = ingress.replica_hello(&first, &nonce);
    if let Some(r) = replica {
        let admitted = ingress.per_replica.lock().is_ok_and(|mut m| {
            let c = m.entry(r).or_insert(0);
            *c += 1;
            *c <= CONNS_PER_REPLICA
        });
        if admitted {
            serve_authenticated(framed, id, in_tx, ingress).await;
        } else {
            ingress.stats.refused_connections.fetch_add(1, Ordering::Relaxed);
            tell(&mut framed, Rejection::TooManyConnections { limit: CONNS_PER_REPLICA as u64 }).await;
        }
        if let Ok(mut m) = ingress.per_replica.lock() {
            if let Some(c) = m.get_mut(&r) {
                *c = c.saturating_sub(1);
            }
        }
        return;
    }
    serve_frames(framed, id, in_tx, ingress, Some(first), None).await;
}

/// A replica connection: frames up to [`MAX_FRAME`], at most [`REPLICA_CONN_BUDGET`]
/// bytes unprocessed.
async fn serve_authenticated(mut framed: Conn, id: ConnId, in_tx: &mpsc::Sender<Inbound>, ingress: &Ingress) {
    framed.codec_mut().set_max_frame_length(MAX_FRAME);
    let budget = Arc::new(Semaphore::new(REPLICA_CONN_BUDGET));
    serve_frames(framed, id, in_tx, ingress, None, Some(budget)).await;
}

type Conn = tokio_util::codec::Framed<TcpStream, tokio_util::codec::LengthDelimitedCodec>;

/// Read frames into the event loop (each waiting for its share of the input budget:
/// the connection's own for a replica, the shared client one otherwise) and write
/// back what is routed to this connection.
async fn serve_frames(
    framed: Conn,
    id: ConnId,
    in_tx: &mpsc::Sender<Inbound>,
    ingress: &Ingress,
    first: Option<Bytes>,
    replica_budget: Option<Arc<Semaphore>>,
) {
    let replica = replica_budget.is_some();
    let limit = if replica { MAX_FRAME } else { ingress.client_limit };
    let (mut sink, mut source) = framed.split();
    let (tx, mut rx) = mpsc::channel::<Bytes>(CONN_QUEUE);
    if let Ok(mut m) = ingress.conns.lock() {
        m.insert(id, tx);
    }
    let mut pending = first;
    loop {
        let frame = match pending.take() {
            Some(f) => Ok(f),
            None => tokio::select! {
                frame = source.next() => match frame {
                    Some(Ok(f)) => Ok(f.freeze()),
                    Some(Err(_)) => Err(true),
                    None => Err(false),
                },
                out = rx.recv() => match out {
                    Some(f) => { if sink.send(f).await.is_err() { return; } continue; }
                    None => return,
                },
            },
        };
        let frame = match frame {
            Ok(f) => f,
            Err(too_large) => {
                // Over the limit (or a broken stream): say why, then close.
                if too_large {
                    ingress.stats.oversized_in.fetch_add(1, Ordering::Relaxed);
                    tell(&mut sink, Rejection::FrameTooLarge { limit: limit as u64 }).await;
                }
                return;
            }
        };
        // Wait for room in the input budget.
        let n = u32::try_from(frame.len()).unwrap_or(u32::MAX);
        let origin = match &replica_budget {
            Some(b) => match b.clone().acquire_many_owned(n).await {
                Ok(p) => Origin::Replica(p),
                Err(_) => return,
            },
            None => match ingress.budget.clone().acquire_many_owned(n).await {
                Ok(p) => Origin::Client(p),
                Err(_) => return,
            },
        };
        if in_tx.send((frame, id, origin)).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Clients flood a replica whose event loop handles nothing (busy): eight
    /// connections send twenty times the client input budget, yet at most the budget
    /// is ever queued for the event loop; each frame handled frees its share, and then
    /// the rest comes in.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn client_input_beyond_the_budget_waits_for_room() {
        const BUDGET: usize = 8 << 10;
        const FRAME: usize = 1000;
        const CLIENTS: usize = 8;
        const FRAMES: usize = 20;
        let (in_tx, mut in_rx) = mpsc::channel::<Inbound>(8192);
        let ingress = Arc::new(Ingress {
            keys: vec![],
            nonce_secret: [0; 32],
            next_nonce: AtomicU64::new(0),
            client_limit: 2 * FRAME,
            budget: Arc::new(Semaphore::new(BUDGET)),
            per_ip: Mutex::new(HashMap::new()),
            max_per_ip: 64,
            per_replica: Mutex::new(HashMap::new()),
            conns: Arc::new(Mutex::new(HashMap::new())),
            stats: Arc::new(RuntimeStats::default()),
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(accept_loop(listener, in_tx, ingress));
        let mut clients = JoinSet::new();
        for c in 0..CLIENTS {
            clients.spawn(async move {
                let mut conn = framed_with_limit(TcpStream::connect(addr).await.unwrap(), 4 * FRAME);
                let _challenge = conn.next().await.unwrap().unwrap();
                for _ in 0..FRAMES {
                    conn.send(Bytes::from(vec![c as u8; FRAME])).await.unwrap();
                }
                conn // kept open
            });
        }
        let mut open = Vec::new();
        while let Some(c) = clients.join_next().await {
            open.push(c.unwrap());
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut held = Vec::new();
        while let Ok(x) = in_rx.try_recv() {
            held.push(x);
        }
        let queued: usize = held.iter().map(|(f, _, _)| f.len()).sum();
        assert!(queued <= BUDGET, "{queued} bytes queued, above the {BUDGET}-byte budget");
        assert!(queued + FRAME > BUDGET, "the budget was filled ({queued} bytes)");
        // Handling the frames releases their share: everything sent arrives.
        let mut total = queued;
        drop(held);
        while total < CLIENTS * FRAMES * FRAME {
            let got = tokio::time::timeout(Duration::from_secs(10), in_rx.recv()).await.unwrap().unwrap();
            total += got.0.len();
        }
        server.abort();
    }
}
