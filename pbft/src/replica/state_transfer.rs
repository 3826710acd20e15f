//! Status ticks, retransmission and state transfer.
//!
//! PBFT assumes messages are eventually delivered; over a lossy network that
//! requires retransmission. On status ticks a replica re-multicasts its own
//! messages for sequence numbers stuck in its log (pre-prepare, prepare,
//! commit; each slot backs off exponentially: after 1, 2, 4, ... 16 intervals,
//! the interval being at least twice the recent acceptance-to-commit time),
//! and, backing off while nothing executes (quiet ticks 1, 2, 4, 8, 16, then
//! every 16th), its latest checkpoint (once stable, only every 16th quiet tick), the requests it waits for and, during a
//! view change, its view-change (cf. the status messages of §5.2 in the TOCS
//! paper, simplified).
//!
//! A replica that sees evidence it lags (messages for sequence numbers it has not
//! executed and no progress for a tick, a stable-checkpoint proof above its
//! state, f+1 checkpoints beyond its window, or a restart) sends
//! `FetchState { last_executed }` to f+1 peers (rotating). Peers answer with an
//! offer of their stable checkpoint (its proof and snapshot size, if above the
//! requester's state), the committed entries after it (each with n-f commits, so
//! one honest answer suffices) and the new-view of their current view, cut to
//! [`limits::STATE_REPLY_BUDGET`]. The snapshot itself then travels in chunks, each
//! checked on arrival against the digest certified by n-f checkpoint messages
//! (`snapshot_transfer.rs`).

use super::{Out, Replica};
use crate::app::App;
use crate::crypto::Signed;
use crate::event::{Action, PersistOp, TimerId};
use crate::message::*;
use crate::limits;
use crate::snapshot::snapshot_digest;

/// An upper bound on the encoded size of a committed entry.
fn entry_bytes(e: &CommittedEntry) -> usize {
    let reqs = &e.pre_prepare.body.batch.requests;
    limits::pre_prepare(&crate::config::Params { max_batch: 0, max_batch_bytes: 0, ..Default::default() }, true)
        + reqs.iter().map(|r| limits::request(r.body.op.len())).sum::<usize>()
        + 5
        + e.commits.len() * limits::vote()
}

/// How many stuck slots are retransmitted per tick.
const RETRANSMIT_MAX: usize = 16;

/// A stuck slot is retransmitted after 1, 2, 4, ... status intervals, at most
/// `1 << RETRANSMIT_MAX_SHIFT` intervals apart.
const RETRANSMIT_MAX_SHIFT: u32 = 4;

/// Retransmissions not tied to a slot back off while nothing executes: they go
/// out on quiet ticks 0, 1, 2, 4, 8, 16 and then every 16th. Without backoff a
/// cluster whose round takes longer than a tick (100 replicas on two cores)
/// multiplies its own load every tick and never commits (congestion collapse).
fn backoff_due(quiet_ticks: u64) -> bool {
    quiet_ticks.is_power_of_two() || quiet_ticks % 16 == 0
}

impl<A: App> Replica<A> {
    pub(crate) fn on_status_timer(&mut self, out: &mut Out) {
        out.push(Action::SetTimer { timer: TimerId::Status, after_ms: self.params.status_interval_ms });
        let interval = self.params.status_interval_ms;
        let now = self.now;
        self.quiet_ticks = if self.last_executed == self.executed_at_last_tick { self.quiet_ticks + 1 } else { 0 };
        let due = backoff_due(self.quiet_ticks);
        if !self.active {
            if due {
                self.resend_view_change(out);
            }
        } else {
            let mut sent = 0;
            for (_, slot) in self.log.range_mut(self.last_executed + 1..) {
                if sent >= RETRANSMIT_MAX {
                    break;
                }
                let wait = interval.max(2 * self.round_ms) << slot.retransmits.min(RETRANSMIT_MAX_SHIFT);
                if slot.committed || now.saturating_sub(slot.since) < wait {
                    continue;
                }
                slot.since = now;
                slot.retransmits += 1;
                if let Some(pp) = slot.pre_prepare.as_ref().filter(|p| p.body.primary == self.id) {
                    out.push(Action::Broadcast(Message::PrePrepare(pp.clone())));
                }
                if let Some(p) = slot.prepares.get(&self.id) {
                    out.push(Action::Broadcast(Message::Prepare(p.clone())));
                }
                if let Some(c) = slot.commits.get(&self.id) {
                    out.push(Action::Broadcast(Message::Commit(c.clone())));
                }
                sent += 1;
            }
            // Backups keep reminding the primary of requests still waiting.
            if !self.is_primary() && due {
                let to = self.primary();
                for r in self.pending.values().take(RETRANSMIT_MAX) {
                    out.push(Action::Send { to, msg: Message::Request(r.clone()) });
                }
            }
        }
        // Our latest checkpoint, while the cluster is quiet (a peer may have
        // missed it; while it executes, fresh checkpoints keep coming): on the
        // backoff schedule while it is not stable yet, and once stable only every
        // 16th quiet tick (a peer that lags learns of it from there or from
        // fetch-state; resending a stable checkpoint on quiet ticks 1, 2, 4 cost
        // n(n-1) messages each between the slow rounds of a large cluster).
        let unstable = self.own_checkpoints.keys().next_back().is_some_and(|s| *s > self.stable.seq);
        if self.quiet_ticks > 0 && due && (unstable || self.quiet_ticks % 16 == 0) {
            if let Some((seq, _)) = self.own_checkpoints.iter().next_back() {
                if let Some(c) = self.checkpoint_msgs.get(seq).and_then(|m| m.get(&self.id)) {
                    out.push(Action::Broadcast(Message::Checkpoint(c.clone())));
                }
            }
        }
        // Lagging: f+1 replicas (so at least one correct) have shown us sequence
        // numbers we have not executed, and we made no progress for a tick.
        let ahead = self.seen_seq.values().filter(|s| **s > self.last_executed).count();
        let stuck = ahead > self.f && self.quiet_ticks > 0 && due;
        let behind_proof = self.pending_stable.as_ref().is_some_and(|p| p.seq > self.last_executed);
        let far = self.far_checkpoints.len() > self.f;
        self.ticks += 1;
        let long_view_change = !self.active && self.quiet_ticks >= 4 && due;
        if stuck || behind_proof || far || long_view_change {
            self.fetch_state(out);
        }
        self.transfer_tick(out);
        self.executed_at_last_tick = self.last_executed;
        self.try_propose(out);
    }

    /// Ask f+1 peers (so at least one correct), rotating with every tick, for
    /// what we miss. Every answer can carry a snapshot and a log of certified
    /// entries, so asking all n-1 peers would cost n-1 such answers per try.
    pub(crate) fn fetch_state(&mut self, out: &mut Out) {
        let req = FetchState { last_executed: self.last_executed, view: self.view, replica: self.id, nonce: self.now };
        let msg = Message::FetchState(Signed::sign(req, &self.key));
        let n = self.n as u64;
        if n <= (self.f as u64) + 2 {
            out.push(Action::Broadcast(msg));
            return;
        }
        // Peers other than us, starting at an offset that moves by f+1 every try.
        let start = self.ticks.wrapping_mul(self.f as u64 + 1);
        let peers = (0..n - 1).map(|k| (self.id as u64 + 1 + (start + k) % (n - 1)) % n);
        for to in peers.take(self.f + 1) {
            out.push(Action::Send { to: to as crate::types::ReplicaId, msg: msg.clone() });
        }
    }

    /// Answer a peer that lags: our checkpoint if it is above the peer's state,
    /// committed entries after that, and our current view's new-view.
    pub(crate) fn on_fetch_state(&mut self, req: Signed<FetchState>, out: &mut Out) {
        let r = &req.body;
        if r.replica == self.id {
            return;
        }
        let new_view = if r.view < self.view || (r.view == self.view && self.active) {
            self.last_new_view.clone().filter(|nv| nv.body.view >= r.view)
        } else {
            None
        };
        // One frame must hold the reply: the new-view, the checkpoint offer (small:
        // the snapshot travels in chunks) and as many entries as fit (the requester
        // asks again for the rest).
        let nv_bytes = new_view.as_ref().map_or(0, |nv| postcard::to_stdvec(nv).map_or(usize::MAX, |b| b.len()));
        let mut budget = self.state_reply_budget.saturating_sub(nv_bytes);
        let checkpoint = (self.stable.seq > r.last_executed && self.stable.seq > 0)
            .then(|| SnapshotOffer { proof: self.stable.clone(), size: self.stable_snapshot.len() as u64 });
        let from = r.last_executed.max(if checkpoint.is_some() { self.stable.seq } else { 0 });
        let entries: Vec<CommittedEntry> = self
            .committed
            .range(from.saturating_add(1)..)
            .map(|(_, e)| e)
            .take_while(|e| {
                let size = entry_bytes(e);
                let fits = size <= budget;
                budget = budget.saturating_sub(size);
                fits
            })
            .cloned()
            .collect();
        if checkpoint.is_none() && entries.is_empty() && new_view.is_none() {
            return;
        }
        let reply = StateReply { replica: self.id, checkpoint, entries, new_view, nonce: r.nonce, to: r.replica };
        out.push(Action::Send { to: r.replica, msg: Message::StateReply(Signed::sign(reply, &self.key)) });
    }

    pub(crate) fn on_state_reply(&mut self, sr: Signed<StateReply>, out: &mut Out) {
        let r = sr.body;
        if r.to != self.id {
            self.stats.ignored += 1;
            return;
        }
        if let Some(nv) = r.new_view {
            if nv.body.view > self.view || (nv.body.view == self.view && !self.active) {
                self.on_new_view(nv, out);
            }
        }
        if let Some(offer) = r.checkpoint {
            self.on_snapshot_offer(r.replica, offer, out);
        }
        for e in r.entries {
            let seq = e.pre_prepare.body.seq;
            if seq > self.last_executed && !self.committed.contains_key(&seq) && seq > self.stable.seq {
                self.persist(PersistOp::Committed(e.clone()), out);
                self.committed.insert(seq, e);
            }
        }
        self.execute_ready(out);
    }

    /// Replace our state by a certified snapshot (§5.3; its chunks were checked on
    /// arrival, the whole is checked again here).
    pub(crate) fn install_snapshot(&mut self, proof: crate::message::CheckpointProof, snapshot: Vec<u8>, out: &mut Out) {
        if snapshot_digest(&snapshot, self.params.snapshot_chunk_bytes) != proof.digest {
            self.stats.bad_snapshots += 1;
            return;
        }
        if self.restore_snapshot(&snapshot).is_err() {
            self.stats.bad_snapshots += 1;
            return;
        }
        self.stats.state_transfers += 1;
        let seq = proof.seq;
        self.last_executed = seq;
        self.executed_at_last_tick = seq;
        let replies = &self.replies;
        self.pending.retain(|c, r| replies.get(c).is_none_or(|x| x.timestamp < r.body.timestamp));
        self.persist(PersistOp::Executed(seq), out);
        self.make_stable(proof, snapshot, out);
    }
}
