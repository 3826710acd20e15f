//! [`run_replica`]: a PBFT replica as a tokio task.
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

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::codec::{decode, encode, framed};
use super::peers::{peer_task, PEER_QUEUE};
use crate::app::App;
use crate::config::ReplicaConfig;
use crate::error::Result;
use crate::event::{Action, Event, PersistOp, TimerId};
use crate::crypto::Signed;
use crate::message::{Hello, Message};
use crate::replica::Replica;
use crate::storage::RedbStore;
use crate::types::ClientId;
use crate::verify::Verifier;

/// Counters a running replica publishes (shared, lock-free).
#[derive(Debug, Default)]
pub struct RuntimeStats {
    /// Frames received.
    pub frames_in: AtomicU64,
    /// Frames that failed to decode.
    pub malformed: AtomicU64,
    /// Messages that failed verification.
    pub rejected: AtomicU64,
    /// Surplus prepares and commits dropped unverified (`replica::surplus`).
    pub surplus: AtomicU64,
    /// Current view of the replica.
    pub view: AtomicU64,
    /// Last executed sequence number.
    pub last_executed: AtomicU64,
    /// Stable checkpoint sequence number.
    pub stable_seq: AtomicU64,
}

type ConnId = u64;

/// Most frames taken from the input queue for one batch verification.
const VERIFY_BATCH: usize = 64;
type Conns = Arc<Mutex<HashMap<ConnId, mpsc::Sender<Bytes>>>>;

/// Run a replica until an unrecoverable error (bind failure, disk failure).
///
/// Restarting with the same `config.db_path` recovers the persisted state; `app`
/// must then be in its genesis state (recovery restores the last stable
/// snapshot and replays committed requests into it).
pub async fn run_replica<A: App + Send + 'static>(config: ReplicaConfig, app: A) -> Result<()> {
    run_replica_with_stats(config, app, Arc::new(RuntimeStats::default())).await
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
    let mut replica = Replica::recover(config.id, &config.cluster, config.params.clone(), key, app, state)?;
    let mut verifier = Verifier::new(keys, config.cluster.f).with_cache(1 << 16);

    let me = config.cluster.replicas.get(config.id as usize).map(|r| r.addr);
    let listener = TcpListener::bind(me.ok_or_else(|| crate::PbftError::Config("no address".into()))?).await?;
    let mut tasks = JoinSet::new();

    let hello = encode(&Message::Hello(Signed::sign(Hello { replica: config.id }, &config.signing_key()?)))?;
    let mut peers: HashMap<u32, mpsc::Sender<Bytes>> = HashMap::new();
    for (i, r) in config.cluster.replicas.iter().enumerate() {
        if i as u32 != config.id {
            let (tx, rx) = mpsc::channel(PEER_QUEUE);
            tasks.spawn(peer_task(r.addr, hello.clone(), rx));
            peers.insert(i as u32, tx);
        }
    }

    let (in_tx, mut in_rx) = mpsc::channel::<(Bytes, ConnId)>(8192);
    let conns: Conns = Arc::new(Mutex::new(HashMap::new()));
    tasks.spawn(accept_loop(listener, in_tx, conns.clone()));

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
    let mut routes: HashMap<ClientId, ConnId> = HashMap::new();
    // Connections opened by other replicas (they said Hello): requests relayed
    // over them must not redirect a client's replies there.
    let mut replica_conns: HashSet<ConnId> = HashSet::new();

    let actions = replica.start(now_ms());
    perform(actions, &mut store, &peers, &conns, &routes, &mut timers)?;

    loop {
        let next = timers.values().min().copied().unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
        let mut events = Vec::new();
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
                for (frame, conn) in frames {
                    stats.frames_in.fetch_add(1, Ordering::Relaxed);
                    match decode(&frame) {
                        Ok(m) => {
                            msgs.push(m);
                            from.push(conn);
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
                for (verified, conn) in results.into_iter().zip(from) {
                    let Some(verified) = verified else { continue };
                    let Ok(verified) = verified else {
                        stats.rejected.fetch_add(1, Ordering::Relaxed);
                        continue;
                    };
                    match verified.message() {
                        Message::Hello(_) => {
                            if replica_conns.len() > 1024 {
                                let open = conns.lock().map(|m| m.keys().copied().collect()).unwrap_or_default();
                                replica_conns = open;
                            }
                            replica_conns.insert(conn);
                            continue;
                        }
                        Message::Request(r) if !replica_conns.contains(&conn) => {
                            routes.insert(r.body.client, conn);
                        }
                        _ => {}
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
        if actions.is_empty() {
            continue;
        }
        perform(actions, &mut store, &peers, &conns, &routes, &mut timers)?;
        stats.view.store(replica.view(), Ordering::Relaxed);
        stats.last_executed.store(replica.last_executed(), Ordering::Relaxed);
        stats.stable_seq.store(replica.stable_seq(), Ordering::Relaxed);
    }
}

/// Persist first (one durable transaction), then send and set timers.
fn perform(
    actions: Vec<Action>,
    store: &mut RedbStore,
    peers: &HashMap<u32, mpsc::Sender<Bytes>>,
    conns: &Conns,
    routes: &HashMap<ClientId, ConnId>,
    timers: &mut HashMap<TimerId, Instant>,
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
                if let (Some(tx), Ok(frame)) = (peers.get(&to), encode(&msg)) {
                    let _ = tx.try_send(frame);
                }
            }
            Action::Broadcast(msg) => {
                if let Ok(frame) = encode(&msg) {
                    for tx in peers.values() {
                        let _ = tx.try_send(frame.clone());
                    }
                }
            }
            Action::Reply { client, msg } => {
                let Some(conn) = routes.get(&client) else { continue };
                let tx = conns.lock().ok().and_then(|m| m.get(conn).cloned());
                if let (Some(tx), Ok(frame)) = (tx, encode(&msg)) {
                    let _ = tx.try_send(frame);
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

async fn accept_loop(listener: TcpListener, in_tx: mpsc::Sender<(Bytes, ConnId)>, conns: Conns) {
    let mut next_id: ConnId = 0;
    let mut tasks = JoinSet::new();
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors (EMFILE) or a transient error: the
                // listener stays readable, so retrying at once would spin and
                // starve every other task of the runtime. Wait a little.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        next_id += 1;
        tasks.spawn(connection(stream, next_id, in_tx.clone(), conns.clone()));
        while tasks.try_join_next().is_some() {}
    }
}

/// One inbound connection (from a replica's peer task or from a client): frames
/// read go to the event loop; replies routed to this connection are written back.
async fn connection(stream: TcpStream, id: ConnId, in_tx: mpsc::Sender<(Bytes, ConnId)>, conns: Conns) {
    let _ = stream.set_nodelay(true);
    let (mut sink, mut source) = framed(stream).split();
    let (tx, mut rx) = mpsc::channel::<Bytes>(1024);
    if let Ok(mut m) = conns.lock() {
        m.insert(id, tx);
    }
    loop {
        tokio::select! {
            frame = source.next() => match frame {
                Some(Ok(f)) => { if in_tx.send((f.freeze(), id)).await.is_err() { break; } }
                _ => break,
            },
            out = rx.recv() => match out {
                Some(f) => { if sink.send(f).await.is_err() { break; } }
                None => break,
            },
        }
    }
    if let Ok(mut m) = conns.lock() {
        m.remove(&id);
    }
}
