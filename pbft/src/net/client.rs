//! The async client: `Client::connect(cluster, key)` then `submit(op).await`.
//!
//! It keeps one connection per replica (reconnecting with backoff), multicasts
//! each request to all replicas (so every replica has a route back to it),
//! retransmits on timeout and returns the first result vouched for by f+1
//! replicas (see [`ClientCore`]). A request that f+1 replicas refuse at ingress
//! (operation or frame above their limits) fails at once with
//! [`PbftError::Rejected`] naming the limit. Usable from any process that has the
//! cluster's JSON configuration.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use ed25519_dalek::SigningKey;
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::codec::{decode, encode, framed};
use crate::client::{ClientAction, ClientCore};
use crate::config::ClusterConfig;
use crate::error::{PbftError, Result};
use crate::message::{Message, Rejection};
use crate::types::ClientId;
use crate::verify::Verifier;

/// A PBFT client.
pub struct Client {
    core: ClientCore,
    f: usize,
    verifier: Verifier,
    senders: Vec<mpsc::Sender<Bytes>>,
    inbound: mpsc::Receiver<(usize, Bytes)>,
    retry: Duration,
    deadline: Duration,
    _tasks: JoinSet<()>,
}

impl Client {
    /// Connect to every replica of `cluster`, signing requests with `key`.
    /// Timestamps start at the wall clock in microseconds, so a client restarted
    /// with the same key still issues increasing timestamps.
    ///
    /// Must be called from inside a tokio runtime (it spawns the connection tasks).
    pub fn connect(cluster: &ClusterConfig, key: SigningKey) -> Result<Self> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(PbftError::Config("Client::connect needs a running tokio runtime".into()));
        }
        let keys = cluster.keys()?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(1);
        let core = ClientCore::new(key, cluster.n(), cluster.f, now);
        let (in_tx, inbound) = mpsc::channel(4096);
        let mut tasks = JoinSet::new();
        let mut senders = Vec::new();
        for (i, r) in cluster.replicas.iter().enumerate() {
            let (tx, rx) = mpsc::channel(256);
            tasks.spawn(conn_task(i, r.addr, rx, in_tx.clone()));
            senders.push(tx);
        }
        Ok(Client {
            core,
            f: cluster.f,
            verifier: Verifier::new(keys, cluster.f),
            senders,
            inbound,
            retry: Duration::from_millis(1000),
            deadline: Duration::from_secs(60),
            _tasks: tasks,
        })
    }

    /// Retransmission period (default 1 s) and overall deadline per request
    /// (default 60 s).
    pub fn with_timeouts(mut self, retry: Duration, deadline: Duration) -> Self {
        self.retry = retry;
        self.deadline = deadline;
        self
    }

    /// This client's id.
    pub fn id(&self) -> ClientId {
        self.core.id()
    }

    /// Submit `op`, wait for f+1 matching replies, return the result.
    pub async fn submit(&mut self, op: Vec<u8>) -> Result<Vec<u8>> {
        let actions = self.core.submit(op);
        // Multicast the first transmission too (routes replies from all replicas).
        for a in actions {
            let (ClientAction::Send(_, m) | ClientAction::Broadcast(m)) = a;
            self.broadcast(&m);
        }
        let give_up = tokio::time::Instant::now() + self.deadline;
        let mut retry_at = tokio::time::Instant::now() + self.retry;
        // Replicas that refused this request at ingress (unsigned notes: f+1 of them
        // include a correct replica, so the request can never be ordered).
        let mut refused: BTreeMap<usize, Rejection> = BTreeMap::new();
        loop {
            tokio::select! {
                frame = self.inbound.recv() => {
                    let Some((from, frame)) = frame else { return Err(PbftError::Timeout) };
                    let Ok(msg) = decode(&frame) else { continue };
                    if let Message::Rejected(why) = msg {
                        let ours = match &why {
                            Rejection::RequestTooLarge { timestamp, .. } => Some(*timestamp) == self.core.outstanding_timestamp(),
                            Rejection::FrameTooLarge { .. } => true,
                            Rejection::TooManyConnections { .. } => false,
                        };
                        if ours {
                            refused.insert(from, why.clone());
                            if refused.len() > self.f {
                                return Err(PbftError::Rejected(why.to_string()));
                            }
                        }
                        continue;
                    }
                    let Ok(v) = self.verifier.verify(msg) else { continue };
                    if let Message::Reply(r) = v.message() {
                        if let Some(result) = self.core.on_reply(r) {
                            return Ok(result);
                        }
                    }
                }
                _ = tokio::time::sleep_until(retry_at) => {
                    if tokio::time::Instant::now() >= give_up {
                        return Err(PbftError::Timeout);
                    }
                    for a in self.core.on_timeout() {
                        let (ClientAction::Send(_, m) | ClientAction::Broadcast(m)) = a;
                        self.broadcast(&m);
                    }
                    retry_at = tokio::time::Instant::now() + self.retry;
                }
            }
        }
    }

    fn broadcast(&self, m: &Message) {
        if let Ok(frame) = encode(m) {
            for tx in &self.senders {
                let _ = tx.try_send(frame.clone());
            }
        }
    }
}

async fn conn_task(index: usize, addr: SocketAddr, mut rx: mpsc::Receiver<Bytes>, in_tx: mpsc::Sender<(usize, Bytes)>) {
    let mut backoff = Duration::from_millis(50);
    loop {
        let Ok(stream) = TcpStream::connect(addr).await else {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(2));
            // Requests queued while disconnected are retransmitted by `submit`.
            while rx.try_recv().is_ok() {}
            continue;
        };
        backoff = Duration::from_millis(50);
        let _ = stream.set_nodelay(true);
        let (mut sink, mut source) = framed(stream).split();
        loop {
            tokio::select! {
                out = rx.recv() => match out {
                    Some(f) => if sink.send(f).await.is_err() { break },
                    None => return,
                },
                frame = source.next() => match frame {
                    Some(Ok(f)) => { if in_tx.send((index, f.freeze())).await.is_err() { return; } }
                    _ => break,
                },
            }
        }
    }
}
