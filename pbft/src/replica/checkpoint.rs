//! Checkpoints and garbage collection (§4.3).
//!
//! Every K executed sequence numbers a replica snapshots its state and multicasts
//! `<CHECKPOINT, n, d, i>` (`d` the chunked digest of [`crate::snapshot`]). With n-f matching messages the checkpoint is stable:
//! the low water mark h moves to n, and log entries, certificates and older
//! checkpoints at or below n are discarded.
//!
//! Readers outside the core (an auditor's API) get the stable checkpoint through
//! [`Replica::stable_checkpoint`], a copy the runtime publishes, and read the
//! application's part of its snapshot with [`app_snapshot_of`].

use super::{CheckpointState, Out, Replica};
use crate::app::App;
use crate::crypto::Signed;
use crate::error::Result;
use crate::event::{Action, PersistOp};
use crate::message::*;
use crate::snapshot::snapshot_digest;
use crate::types::SeqNo;
use std::sync::Arc;

/// The latest stable checkpoint of a replica, copied out of the core for readers: its
/// certificate (`proof.messages` are the n - f signed `<CHECKPOINT, n, d, i>` that made
/// it stable; none for the genesis checkpoint at seq 0) and the snapshot whose digest is
/// `proof.digest` (see [`app_snapshot_of`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StableCheckpoint {
    /// Sequence number, digest and the signed checkpoint messages.
    pub proof: CheckpointProof,
    /// The checkpointed state: `postcard(app snapshot, reply cache, agreed clock)`, shared
    /// with the replica (a copy of the checkpoint copies no state).
    pub snapshot: Arc<Vec<u8>>,
    /// How `proof.digest` hashes `snapshot`: `None`, SHA-256 of it; `Some(c)`, a chunked
    /// digest over chunks of `c` bytes (for a core whose state transfer moves chunks).
    pub chunk_bytes: Option<u32>,
}

/// The application's snapshot inside a checkpoint snapshot (the bytes
/// [`App::snapshot`] returned at that sequence number); an error if `snapshot` does
/// not decode. The checkpoint digest is [`crate::snapshot::snapshot_digest`] of `snapshot`, so a reader who checked
/// the digest against a certificate can trust what this returns.
pub fn app_snapshot_of(snapshot: &[u8]) -> Result<Vec<u8>> {
    let state: CheckpointState = postcard::from_bytes(snapshot)?;
    Ok(state.app)
}

impl<A: App> Replica<A> {
    /// A copy of the latest stable checkpoint: its certificate and snapshot.
    pub fn stable_checkpoint(&self) -> StableCheckpoint {
        StableCheckpoint { proof: self.stable.clone(), snapshot: Arc::clone(&self.stable_snapshot), chunk_bytes: Some(self.params.snapshot_chunk_bytes) }
    }

    pub(crate) fn take_checkpoint(&mut self, seq: SeqNo, out: &mut Out) {
        let snapshot = self.snapshot_bytes();
        let digest = snapshot_digest(&snapshot, self.params.snapshot_chunk_bytes);
        self.own_checkpoints.insert(seq, (digest, snapshot));
        let c = Signed::sign(Checkpoint { seq, digest, replica: self.id }, &self.key);
        out.push(Action::Broadcast(Message::Checkpoint(c.clone())));
        self.checkpoint_msgs.entry(seq).or_default().insert(self.id, c);
        self.check_stable(seq, out);
        // A proof learned earlier (new-view, or before we got here) may now apply.
        if let Some(p) = self.pending_stable.clone() {
            if p.seq == seq {
                self.try_make_stable(p, out);
            }
        }
    }

    /// §4.3: checkpoint messages above h are collected; those beyond the window
    /// only count as evidence that this replica lags (f+1 of them trigger state
    /// transfer at the next status tick).
    pub(crate) fn on_checkpoint(&mut self, c: Signed<Checkpoint>, out: &mut Out) {
        let (seq, replica) = (c.body.seq, c.body.replica);
        self.saw_seq(replica, seq);
        if seq <= self.stable.seq {
            self.stats.ignored += 1;
            return;
        }
        if !self.in_window(seq) {
            let e = self.far_checkpoints.entry(replica).or_insert(0);
            *e = (*e).max(seq);
            return;
        }
        self.checkpoint_msgs.entry(seq).or_default().entry(replica).or_insert(c);
        self.check_stable(seq, out);
    }

    /// If n-f matching checkpoint messages exist for `seq`, build the proof.
    fn check_stable(&mut self, seq: SeqNo, out: &mut Out) {
        let Some(msgs) = self.checkpoint_msgs.get(&seq) else { return };
        let mut by_digest: std::collections::BTreeMap<_, Vec<Signed<Checkpoint>>> = Default::default();
        for m in msgs.values() {
            by_digest.entry(m.body.digest).or_default().push(m.clone());
        }
        let quorum = self.quorum();
        let Some((digest, messages)) = by_digest.into_iter().find(|(_, v)| v.len() >= quorum) else {
            return;
        };
        let proof = CheckpointProof { seq, digest, messages: messages.into_iter().take(quorum).collect() };
        self.try_make_stable(proof, out);
    }

    /// Adopt `proof` as the stable checkpoint if we hold the matching state;
    /// otherwise remember it (we will execute up to it, or fetch it).
    pub(crate) fn try_make_stable(&mut self, proof: CheckpointProof, out: &mut Out) {
        if proof.seq <= self.stable.seq {
            return;
        }
        match self.own_checkpoints.get(&proof.seq) {
            Some((d, snap)) if *d == proof.digest => {
                let snap = snap.clone();
                self.make_stable(proof, snap, out);
            }
            _ => {
                if self.pending_stable.as_ref().is_none_or(|p| p.seq < proof.seq) {
                    self.pending_stable = Some(proof);
                }
            }
        }
    }

    /// Install a stable checkpoint whose state we have and collect garbage.
    pub(crate) fn make_stable(&mut self, proof: CheckpointProof, snapshot: Vec<u8>, out: &mut Out) {
        let h = proof.seq;
        self.persist(PersistOp::Stable { proof: proof.clone(), snapshot: snapshot.clone() }, out);
        self.stable = proof;
        self.stable_snapshot = Arc::new(snapshot);
        self.log.retain(|s, _| *s > h);
        self.prepared.retain(|s, _| *s > h);
        self.committed.retain(|s, _| *s > h);
        self.own_checkpoints.retain(|s, _| *s > h);
        self.checkpoint_msgs.retain(|s, _| *s > h);
        self.far_checkpoints.retain(|_, s| *s > h + self.params.log_window);
        self.end_transfer_at(h);
        if self.pending_stable.as_ref().is_some_and(|p| p.seq <= h) {
            self.pending_stable = None;
        }
        if self.next_seq < h {
            self.next_seq = h;
        }
        // The window moved: the primary may have queued requests to order.
        self.try_propose(out);
    }
}
