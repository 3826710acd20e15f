//! The pure PBFT protocol core: `Replica::handle(now, event) -> Vec<Action>`.
//!
//! No I/O, no clock, no randomness: time arrives as an argument, timers are
//! actions, sending and persisting are actions. The core owns the [`App`] and
//! executes committed batches itself; replies to clients come out as
//! [`Action::Reply`]. The protocol is split by phase:
//!
//! - `normal.rs`: requests, pre-prepare, prepare, commit, execution (§4.2).
//! - `checkpoint.rs`: checkpoints, stable checkpoints, water marks, GC (§4.3).
//! - `view_change.rs`: view-change, new-view, the O set, timers (§4.4, §4.5.2).
//! - `state_transfer.rs`: status ticks, retransmission, fetching state (§5.3 of
//!   the TOCS paper, simplified: no partition tree).
//! - `snapshot_transfer.rs`: the snapshot in Merkle-proved chunks, from whichever
//!   replica offered it and keeps its word.
//! - `recovery.rs`: rebuilding a replica from its persisted state.

mod checkpoint;
mod normal;
mod recovery;
mod snapshot_transfer;
mod state_transfer;
mod surplus;
#[cfg(test)]
mod tests;
mod view_change;

pub use checkpoint::{app_snapshot_of, StableCheckpoint};

use std::collections::BTreeMap;
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::config::{primary_of, ClusterConfig, Params};
use crate::crypto::Signed;
use crate::error::{PbftError, Result};
use crate::event::{Action, Event, PersistOp, TimerId};
use crate::message::*;
use crate::types::{ClientId, Digest, ReplicaId, SeqNo, View};

/// Counters of dropped or notable input, for tests and monitoring.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Messages ignored because of view, window or state (stale, replayed, early).
    pub ignored: u64,
    /// Pre-prepares conflicting with an accepted one (equivocation evidence).
    pub conflicting_pre_prepares: u64,
    /// Requests whose client timestamp was already executed.
    pub duplicate_requests: u64,
    /// Requests executed.
    pub executed_requests: u64,
    /// New-view messages whose O set did not match our recomputation.
    pub bad_new_views: u64,
    /// Snapshots that did not hash to their checkpoint digest, or failed to restore.
    pub bad_snapshots: u64,
    /// Snapshots installed through state transfer.
    pub state_transfers: u64,
    /// View changes started by this replica.
    pub view_changes: u64,
    /// New-views put off because V named a batch by digest that this new primary
    /// did not hold yet.
    pub missing_batches: u64,
    /// Prepares and commits [`Replica::wanted`] found surplus (the runtime drops them unverified).
    pub surplus: u64,
    /// Pre-prepares refused for their batch time (not above the previous batch's, or
    /// more than `Params::max_clock_skew_ms` ahead of this replica's clock).
    pub bad_times: u64,
    /// Requests over `max_request_bytes`, and pre-prepares over `max_batch` requests or
    /// `max_batch_bytes`, refused.
    pub oversized: u64,
    /// Requests dropped because `max_pending_clients` clients were already waiting.
    pub pending_full: u64,
    /// Snapshot offers refused because they declare more than `Params::max_snapshot_bytes`.
    pub snapshots_refused: u64,
    /// Snapshot chunks that did not verify against their certified digest (or declared
    /// a size other than the certified one): their senders are no longer asked.
    pub bad_chunks: u64,
    /// Snapshot chunks received that verified.
    pub chunks_received: u64,
}

/// The last reply sent to a client (part of the checkpointed state, §4.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CachedReply {
    pub timestamp: u64,
    pub result: Vec<u8>,
}

/// What a checkpoint snapshot contains: the app's snapshot plus the reply cache
/// and the agreed clock, so that exactly-once survives state transfer.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct CheckpointState {
    pub app: Vec<u8>,
    pub replies: BTreeMap<ClientId, CachedReply>,
    pub last_time: u64,
}

/// Per-sequence-number state in the current view.
#[derive(Clone, Debug, Default)]
pub(crate) struct Slot {
    pub pre_prepare: Option<Signed<PrePrepare>>,
    pub prepares: BTreeMap<ReplicaId, Signed<Prepare>>,
    pub commits: BTreeMap<ReplicaId, Signed<Commit>>,
    pub prepared: bool,
    pub committed: bool,
    /// When the slot was accepted or last retransmitted.
    pub since: u64,
    /// Retransmissions so far: the next one waits `status_interval << retransmits`.
    pub retransmits: u32,
}

impl Slot {
    fn digest(&self) -> Option<Digest> {
        self.pre_prepare.as_ref().map(|p| p.body.digest)
    }
}

/// One PBFT replica: protocol state plus the application it replicates.
pub struct Replica<A: App> {
    pub(crate) id: ReplicaId,
    pub(crate) n: usize,
    pub(crate) f: usize,
    pub(crate) params: Params,
    pub(crate) key: SigningKey,
    pub(crate) app: A,
    pub(crate) now: u64,

    // View state (§4.4).
    pub(crate) view: View,
    pub(crate) active: bool,
    pub(crate) last_new_view: Option<Signed<NewView>>,
    pub(crate) vc_timeout: u64,
    pub(crate) vc_timer_armed: bool,
    pub(crate) vc_stall: bool,
    /// Lowest sequence number of this view whose pre-prepare we refused (batch time or
    /// size):
    /// until execution passes it, the view-change timer runs (the primary is suspect).
    pub(crate) refused_at: Option<SeqNo>,
    pub(crate) view_changes: BTreeMap<View, BTreeMap<ReplicaId, Signed<ViewChange>>>,

    // Normal case (§4.2).
    pub(crate) next_seq: SeqNo,
    pub(crate) log: BTreeMap<SeqNo, Slot>,
    pub(crate) prepared: BTreeMap<SeqNo, PreparedCert>,
    pub(crate) committed: BTreeMap<SeqNo, CommittedEntry>,
    pub(crate) last_executed: SeqNo,
    pub(crate) last_time: u64,
    pub(crate) replies: BTreeMap<ClientId, CachedReply>,
    pub(crate) pending: BTreeMap<ClientId, Signed<Request>>,

    // Checkpoints (§4.3).
    pub(crate) stable: CheckpointProof,
    /// Shared with the [`StableCheckpoint`] copies readers take, so publishing one copies no state.
    pub(crate) stable_snapshot: Arc<Vec<u8>>,
    pub(crate) pending_stable: Option<CheckpointProof>,
    pub(crate) own_checkpoints: BTreeMap<SeqNo, (Digest, Vec<u8>)>,
    pub(crate) checkpoint_msgs: BTreeMap<SeqNo, BTreeMap<ReplicaId, Signed<Checkpoint>>>,
    pub(crate) far_checkpoints: BTreeMap<ReplicaId, SeqNo>,

    // State transfer.
    /// The snapshot being fetched in chunks.
    pub(crate) transfer: Option<snapshot_transfer::Transfer>,
    /// The Merkle tree of the stable snapshot, built when a peer first asks for a chunk.
    pub(crate) served_tree: Option<(SeqNo, crate::snapshot::ChunkTree)>,
    /// Bytes of committed entries one state reply carries at most
    /// ([`crate::limits::STATE_REPLY_BUDGET`]; lowered by tests).
    pub(crate) state_reply_budget: usize,

    // Lag detection.
    pub(crate) seen_seq: BTreeMap<ReplicaId, SeqNo>,
    pub(crate) executed_at_last_tick: SeqNo,
    pub(crate) ticks: u64,
    /// Consecutive status ticks without execution progress (retransmission backoff).
    pub(crate) quiet_ticks: u64,
    /// Moving average of how long a slot took from acceptance to commit (ms) when it
    /// needed no retransmission: stuck slots are retransmitted only after twice that
    /// (and at least a status interval), so a cluster whose rounds are slower than a
    /// tick does not resend every round's messages.
    pub(crate) round_ms: u64,

    /// Counters.
    pub stats: Stats,
}

/// Shorthand for the action list threaded through the handlers.
pub(crate) type Out = Vec<Action>;

impl<A: App> Replica<A> {
    /// A fresh replica at the genesis state (view 0, nothing executed). `app` must
    /// be in the same initial state on every replica.
    pub fn new(id: ReplicaId, cluster: &ClusterConfig, params: Params, key: SigningKey, app: A) -> Result<Self> {
        params.validate()?;
        crate::limits::check(cluster.n(), cluster.f, &params)?;
        let keys = cluster.keys()?;
        if keys.get(id as usize) != Some(&key.verifying_key()) {
            return Err(PbftError::Config(format!("key of replica {id} does not match the cluster")));
        }
        let state = CheckpointState { app: app.snapshot(), replies: BTreeMap::new(), last_time: 0 };
        let snapshot = postcard::to_stdvec(&state)?;
        let vc_timeout = params.view_change_timeout_ms;
        let genesis_digest = crate::snapshot::snapshot_digest(&snapshot, params.snapshot_chunk_bytes);
        Ok(Replica {
            id,
            n: cluster.n(),
            f: cluster.f,
            params,
            key,
            app,
            now: 0,
            view: 0,
            active: true,
            last_new_view: None,
            vc_timeout,
            vc_timer_armed: false,
            vc_stall: false,
            refused_at: None,
            view_changes: BTreeMap::new(),
            next_seq: 0,
            log: BTreeMap::new(),
            prepared: BTreeMap::new(),
            committed: BTreeMap::new(),
            last_executed: 0,
            last_time: 0,
            replies: BTreeMap::new(),
            pending: BTreeMap::new(),
            stable: CheckpointProof { seq: 0, digest: genesis_digest, messages: vec![] },
            stable_snapshot: Arc::new(snapshot),
            pending_stable: None,
            own_checkpoints: BTreeMap::new(),
            checkpoint_msgs: BTreeMap::new(),
            far_checkpoints: BTreeMap::new(),
            transfer: None,
            served_tree: None,
            state_reply_budget: crate::limits::STATE_REPLY_BUDGET,
            seen_seq: BTreeMap::new(),
            executed_at_last_tick: 0,
            ticks: 0,
            quiet_ticks: 0,
            round_ms: 0,
            stats: Stats::default(),
        })
    }

    /// Actions to perform once at start-up (arm the status timer; a recovered
    /// replica also asks its peers for what it missed).
    pub fn start(&mut self, now: u64) -> Vec<Action> {
        self.now = now;
        let mut out = vec![Action::SetTimer { timer: TimerId::Status, after_ms: self.params.status_interval_ms }];
        if self.last_executed > 0 || self.view > 0 || !self.committed.is_empty() {
            self.fetch_state(&mut out);
        }
        if !self.active {
            self.resend_view_change(&mut out);
            self.arm_view_change_wait(&mut out);
        }
        out
    }

    /// Process one event at time `now` (ms, monotonic, any origin).
    pub fn handle(&mut self, now: u64, event: Event) -> Vec<Action> {
        self.now = self.now.max(now);
        let mut out = Vec::new();
        match event {
            Event::Message(m) => self.on_message(m.into_inner(), &mut out),
            Event::Timer(TimerId::ViewChange) => self.on_view_change_timer(&mut out),
            Event::Timer(TimerId::Status) => self.on_status_timer(&mut out),
        }
        out
    }

    fn on_message(&mut self, msg: Message, out: &mut Out) {
        match msg {
            Message::Request(r) => self.on_request(r, out),
            Message::PrePrepare(p) => self.on_pre_prepare(p, out),
            Message::Prepare(p) => self.on_prepare(p, out),
            Message::Commit(c) => self.on_commit(c, out),
            Message::Checkpoint(c) => self.on_checkpoint(c, out),
            Message::ViewChange(v) => self.on_view_change(v, out),
            Message::NewView(v) => self.on_new_view(v, out),
            Message::FetchState(s) => self.on_fetch_state(s, out),
            Message::StateReply(s) => self.on_state_reply(s, out),
            Message::FetchChunk(c) => self.on_fetch_chunk(c, out),
            Message::SnapshotChunk(c) => self.on_snapshot_chunk(c, out),
            // Replies are for clients; a replica ignores them.
            Message::Reply(_) | Message::Hello(_) | Message::Challenge(_) | Message::Rejected(_) => {
                self.stats.ignored += 1
            }
        }
    }

    // ----- accessors -------------------------------------------------------

    /// This replica's index.
    pub fn id(&self) -> ReplicaId {
        self.id
    }
    /// Current view.
    pub fn view(&self) -> View {
        self.view
    }
    /// False while a view change is in progress.
    pub fn is_active(&self) -> bool {
        self.active
    }
    /// Primary of the current view.
    pub fn primary(&self) -> ReplicaId {
        primary_of(self.view, self.n)
    }
    /// Last executed sequence number.
    pub fn last_executed(&self) -> SeqNo {
        self.last_executed
    }
    /// Sequence number of the last stable checkpoint (low water mark h).
    pub fn stable_seq(&self) -> SeqNo {
        self.stable.seq
    }
    /// Digest of the last stable checkpoint.
    pub fn stable_digest(&self) -> Digest {
        self.stable.digest
    }
    /// Committed entries currently retained (above the stable checkpoint).
    pub fn committed_entries(&self) -> impl Iterator<Item = &CommittedEntry> {
        self.committed.values()
    }
    /// Number of log slots retained (for GC checks).
    pub fn log_len(&self) -> usize {
        self.log.len() + self.prepared.len() + self.committed.len()
    }
    /// The replicated application.
    pub fn app(&self) -> &A {
        &self.app
    }
    /// Current view-change timeout (doubles on consecutive failed view changes).
    pub fn view_change_timeout(&self) -> u64 {
        self.vc_timeout
    }

    // ----- helpers ---------------------------------------------------------

    /// Remember the highest sequence number each peer has shown us (lag detection).
    pub(crate) fn saw_seq(&mut self, from: ReplicaId, seq: SeqNo) {
        if from != self.id {
            let e = self.seen_seq.entry(from).or_insert(0);
            *e = (*e).max(seq);
        }
    }

    pub(crate) fn is_primary(&self) -> bool {
        self.primary() == self.id
    }

    /// Water marks (§4.3): accepted sequence numbers are in `(h, h+L]`.
    pub(crate) fn in_window(&self, seq: SeqNo) -> bool {
        seq > self.stable.seq && seq <= self.stable.seq + self.params.log_window
    }

    /// Commits, checkpoint messages and view-changes needed: `n - f` ([`crate::config::quorum`]).
    pub(crate) fn quorum(&self) -> usize {
        crate::config::quorum(self.n, self.f)
    }

    /// Prepares (from distinct backups) that, with the pre-prepare, make a prepared
    /// certificate: `quorum - 1`.
    pub(crate) fn prepare_quorum(&self) -> usize {
        self.quorum() - 1
    }

    pub(crate) fn persist(&self, op: PersistOp, out: &mut Out) {
        out.push(Action::Persist(op));
    }

    pub(crate) fn arm_vc_timer(&mut self, out: &mut Out) {
        self.vc_timer_armed = true;
        self.vc_stall = false;
        out.push(Action::SetTimer { timer: TimerId::ViewChange, after_ms: self.vc_timeout });
    }

    pub(crate) fn cancel_vc_timer(&mut self, out: &mut Out) {
        if self.vc_timer_armed {
            self.vc_timer_armed = false;
            out.push(Action::CancelTimer(TimerId::ViewChange));
        }
    }

    pub(crate) fn snapshot_bytes(&self) -> Vec<u8> {
        let state = CheckpointState { app: self.app.snapshot(), replies: self.replies.clone(), last_time: self.last_time };
        postcard::to_stdvec(&state).unwrap_or_default()
    }

    /// Replace app state, reply cache and clock by a checkpoint snapshot.
    pub(crate) fn restore_snapshot(&mut self, snapshot: &[u8]) -> Result<()> {
        let state: CheckpointState = postcard::from_bytes(snapshot)?;
        self.app.restore(&state.app).map_err(|e| PbftError::App(e.to_string()))?;
        self.replies = state.replies;
        self.last_time = state.last_time;
        Ok(())
    }
}
