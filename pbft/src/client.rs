//! The pure client state machine (§4.1).
//!
//! A client sends its request to the primary it believes in; it accepts a result
//! once f+1 replicas sent matching replies (same timestamp and result), which
//! guarantees at least one correct replica vouches for it. If no result arrives
//! before the retransmission timeout it broadcasts the request to all replicas
//! (backups relay it to the primary and start their view-change timers). One
//! request is outstanding at a time; timestamps increase strictly.

use std::collections::BTreeMap;

use ed25519_dalek::SigningKey;

use crate::config::primary_of;
use crate::crypto::{client_id, Signed};
use crate::message::{Message, Reply, Request};
use crate::types::{ClientId, ReplicaId, View};

/// What the client asks its environment to do.
#[derive(Clone, Debug)]
pub enum ClientAction {
    /// Send to one replica.
    Send(ReplicaId, Message),
    /// Send to all replicas.
    Broadcast(Message),
}

/// Client protocol state.
pub struct ClientCore {
    key: SigningKey,
    id: ClientId,
    n: usize,
    f: usize,
    view: View,
    timestamp: u64,
    outstanding: Option<Signed<Request>>,
    replies: BTreeMap<ReplicaId, Vec<u8>>,
}

impl ClientCore {
    /// `first_timestamp` must exceed every timestamp this key used before (the
    /// async client uses the wall clock in microseconds).
    pub fn new(key: SigningKey, n: usize, f: usize, first_timestamp: u64) -> Self {
        let id = client_id(&key);
        ClientCore { key, id, n, f, view: 0, timestamp: first_timestamp.saturating_sub(1), outstanding: None, replies: BTreeMap::new() }
    }

    /// This client's id (its public key).
    pub fn id(&self) -> ClientId {
        self.id
    }

    /// The timestamp of the request waiting for replies, if any.
    pub fn outstanding_timestamp(&self) -> Option<u64> {
        self.outstanding.as_ref().map(|r| r.body.timestamp)
    }

    /// True while a request waits for f+1 replies.
    pub fn busy(&self) -> bool {
        self.outstanding.is_some()
    }

    /// Start a request; replaces any outstanding one.
    pub fn submit(&mut self, op: Vec<u8>) -> Vec<ClientAction> {
        self.timestamp += 1;
        let req = Signed::sign(Request { client: self.id, timestamp: self.timestamp, op }, &self.key);
        self.outstanding = Some(req.clone());
        self.replies.clear();
        vec![ClientAction::Send(primary_of(self.view, self.n), Message::Request(req))]
    }

    /// Retransmission timer expired: broadcast the outstanding request.
    pub fn on_timeout(&mut self) -> Vec<ClientAction> {
        match &self.outstanding {
            Some(r) => vec![ClientAction::Broadcast(Message::Request(r.clone()))],
            None => vec![],
        }
    }

    /// A verified reply. Returns the result once f+1 replicas agree on it.
    pub fn on_reply(&mut self, reply: &Signed<Reply>) -> Option<Vec<u8>> {
        let r = &reply.body;
        let out = self.outstanding.as_ref()?;
        if r.client != self.id || r.timestamp != out.body.timestamp || r.replica as usize >= self.n {
            return None;
        }
        self.replies.insert(r.replica, r.result.clone());
        let matching = self.replies.values().filter(|x| **x == r.result).count();
        if matching > self.f {
            self.view = self.view.max(r.view);
            self.outstanding = None;
            self.replies.clear();
            return Some(r.result.clone());
        }
        None
    }
}
