//! Moving a checkpoint snapshot in chunks (state transfer, §5.3 of the TOCS paper,
//! with the partition tree replaced by a Merkle tree over fixed-size chunks).
//!
//! A state reply only *offers* the sender's stable checkpoint: its proof (n-f signed
//! checkpoint messages) and the snapshot's size. The lagging replica then asks for
//! the chunks one by one ([`FetchChunk`], up to [`CHUNK_WINDOW`] outstanding) from
//! one replica that offered that checkpoint, and checks each [`SnapshotChunk`] on
//! arrival against the certified digest ([`crate::snapshot::verify_chunk`]):
//!
//! - a declared size above `Params::max_snapshot_bytes` is refused
//!   (`Stats::snapshots_refused`); nothing is buffered before a chunk verifies, and
//!   the buffer then holds exactly the certified size, so a faulty replica can never
//!   make it grow beyond the bound;
//! - a chunk that does not verify (tampered, wrong size, wrong length, out of range)
//!   marks its sender as lying for this checkpoint (`Stats::bad_chunks`): its further
//!   chunks are ignored and the outstanding requests move to the next replica that
//!   offered the checkpoint; chunks of another checkpoint, duplicates and chunks
//!   addressed to someone else are ignored;
//! - a source that sends no verified chunk for a whole status tick is replaced by the
//!   next one (after a full round over the sources, fresh offers are fetched);
//! - verified chunks are kept across source changes, so the transfer resumes where it
//!   stopped. A newer checkpoint offered meanwhile replaces the transfer (peers keep
//!   only their latest stable snapshot, so the older one soon has nobody to serve it).
//!
//! The core stays pure: requests and chunks are [`Action::Send`]s, time is the status
//! tick.

use std::collections::BTreeSet;

use super::{Out, Replica};
use crate::app::App;
use crate::crypto::Signed;
use crate::event::Action;
use crate::message::*;
use crate::snapshot::{chunk_count, verify_chunk, ChunkTree};
use crate::types::{ReplicaId, SeqNo};

/// Chunk requests outstanding at once (to one source).
pub(crate) const CHUNK_WINDOW: usize = 4;

/// A snapshot being fetched.
#[derive(Clone, Debug)]
pub(crate) struct Transfer {
    /// The certified checkpoint whose snapshot this is.
    pub proof: CheckpointProof,
    /// Replicas that offered it and were not caught lying, in offer order.
    sources: Vec<ReplicaId>,
    /// Which source is asked now (an index into `sources`, modulo its length).
    current: usize,
    /// Replicas that sent a chunk that did not verify.
    liars: BTreeSet<ReplicaId>,
    /// The snapshot's size, once a chunk verified against the digest (which binds it).
    size: Option<u64>,
    /// The snapshot, allocated at the certified size when the first chunk verifies.
    buf: Vec<u8>,
    /// Which chunks `buf` holds.
    have: Vec<bool>,
    held: u64,
    /// Chunks asked for and not received yet.
    asked: BTreeSet<u64>,
    /// A chunk verified since the last status tick.
    progress: bool,
}

impl Transfer {
    fn new(proof: CheckpointProof, from: ReplicaId) -> Self {
        Transfer {
            proof,
            sources: vec![from],
            current: 0,
            liars: BTreeSet::new(),
            size: None,
            buf: Vec::new(),
            have: Vec::new(),
            held: 0,
            asked: BTreeSet::new(),
            progress: true,
        }
    }

    /// Bytes of snapshot buffered.
    #[cfg(test)]
    pub(crate) fn buffered(&self) -> usize {
        self.buf.len()
    }

    fn source(&self) -> Option<ReplicaId> {
        (!self.sources.is_empty()).then(|| self.sources[self.current % self.sources.len()])
    }

    /// The next chunks to ask for: the first missing ones not asked yet (only chunk
    /// 0 while the size is unknown).
    fn next_wanted(&self) -> Vec<u64> {
        let room = CHUNK_WINDOW.saturating_sub(self.asked.len());
        if self.size.is_none() {
            return if self.asked.is_empty() { vec![0] } else { vec![] };
        }
        (0..self.have.len() as u64)
            .filter(|i| !self.have[*i as usize] && !self.asked.contains(i))
            .take(room)
            .collect()
    }
}

impl<A: App> Replica<A> {
    /// A peer offers its stable checkpoint (in a state reply).
    pub(crate) fn on_snapshot_offer(&mut self, from: ReplicaId, offer: SnapshotOffer, out: &mut Out) {
        let seq = offer.proof.seq;
        if seq <= self.last_executed || seq <= self.stable.seq {
            return;
        }
        if offer.size > self.params.max_snapshot_bytes {
            self.stats.snapshots_refused += 1;
            return;
        }
        match &mut self.transfer {
            Some(t) if t.proof.seq == seq && t.proof.digest == offer.proof.digest => {
                if !t.liars.contains(&from) && !t.sources.contains(&from) {
                    t.sources.push(from);
                }
                if t.asked.is_empty() {
                    self.request_chunks(out);
                }
                return;
            }
            Some(t) if t.proof.seq >= seq => return,
            _ => {}
        }
        self.transfer = Some(Transfer::new(offer.proof, from));
        self.request_chunks(out);
    }

    /// Ask the current source for the next chunks.
    fn request_chunks(&mut self, out: &mut Out) {
        let Some(t) = &mut self.transfer else { return };
        let Some(to) = t.source() else { return };
        for index in t.next_wanted() {
            t.asked.insert(index);
            let req = FetchChunk { seq: t.proof.seq, digest: t.proof.digest, index, replica: self.id };
            out.push(Action::Send { to, msg: Message::FetchChunk(Signed::sign(req, &self.key)) });
        }
    }

    /// Serve a chunk of our stable checkpoint's snapshot.
    pub(crate) fn on_fetch_chunk(&mut self, req: Signed<FetchChunk>, out: &mut Out) {
        let r = req.body;
        if r.replica == self.id || r.seq != self.stable.seq || r.digest != self.stable.digest || r.seq == 0 {
            self.stats.ignored += 1;
            return;
        }
        let c = self.params.snapshot_chunk_bytes;
        if self.served_tree.as_ref().is_none_or(|(s, _)| *s != r.seq) {
            self.served_tree = Some((r.seq, ChunkTree::new(&self.stable_snapshot, c)));
        }
        let Some(proof) = self.served_tree.as_ref().and_then(|(_, t)| t.proof(r.index)) else {
            self.stats.ignored += 1;
            return;
        };
        let start = usize::try_from(r.index.saturating_mul(u64::from(c))).unwrap_or(usize::MAX);
        let len = self.stable_snapshot.len();
        let data = self.stable_snapshot[start.min(len)..start.saturating_add(c as usize).min(len)].to_vec();
        let chunk = SnapshotChunk {
            replica: self.id,
            to: r.replica,
            seq: r.seq,
            digest: r.digest,
            size: len as u64,
            index: r.index,
            data,
            proof,
        };
        out.push(Action::Send { to: r.replica, msg: Message::SnapshotChunk(Signed::sign(chunk, &self.key)) });
    }

    /// A chunk arrives: keep it if it proves itself against the certified digest.
    pub(crate) fn on_snapshot_chunk(&mut self, sc: Signed<SnapshotChunk>, out: &mut Out) {
        let c = sc.body;
        let chunk_bytes = self.params.snapshot_chunk_bytes;
        let max = self.params.max_snapshot_bytes;
        let Some(t) = &mut self.transfer else {
            self.stats.ignored += 1;
            return;
        };
        if c.to != self.id || c.seq != t.proof.seq || c.digest != t.proof.digest || t.liars.contains(&c.replica) {
            self.stats.ignored += 1;
            return;
        }
        if t.have.get(c.index as usize).copied().unwrap_or(false) && t.size == Some(c.size) {
            self.stats.ignored += 1; // a duplicate
            return;
        }
        let lied = c.size > max
            || t.size.is_some_and(|s| s != c.size)
            || verify_chunk(&t.proof.digest, c.size, chunk_bytes, c.index, &c.data, &c.proof).is_err();
        if lied {
            self.stats.bad_chunks += 1;
            t.liars.insert(c.replica);
            if let Some(pos) = t.sources.iter().position(|s| *s == c.replica) {
                t.sources.remove(pos);
                if pos < t.current {
                    t.current -= 1;
                }
            }
            t.asked.clear();
            if t.sources.is_empty() {
                self.fetch_state(out);
            } else {
                self.request_chunks(out);
            }
            return;
        }
        if t.size.is_none() {
            // The digest binds the size: this is the certified one, at most `max`.
            t.size = Some(c.size);
            t.buf = vec![0; c.size as usize];
            t.have = vec![false; chunk_count(c.size, chunk_bytes) as usize];
        }
        let start = (c.index * u64::from(chunk_bytes)) as usize;
        t.buf[start..start + c.data.len()].copy_from_slice(&c.data);
        t.have[c.index as usize] = true;
        t.held += 1;
        t.asked.remove(&c.index);
        t.progress = true;
        self.stats.chunks_received += 1;
        if t.held == t.have.len() as u64 {
            if let Some(t) = self.transfer.take().filter(|t| t.proof.seq > self.last_executed) {
                self.install_snapshot(t.proof, t.buf, out);
                self.execute_ready(out);
            }
        } else {
            self.request_chunks(out);
        }
    }

    /// Status tick: drop a transfer we no longer need; replace a silent source.
    pub(crate) fn transfer_tick(&mut self, out: &mut Out) {
        let done = self.last_executed.max(self.stable.seq);
        let Some(t) = &mut self.transfer else { return };
        if t.proof.seq <= done {
            self.transfer = None;
            return;
        }
        if std::mem::replace(&mut t.progress, false) {
            return;
        }
        t.current += 1;
        t.asked.clear();
        let wrapped = t.sources.is_empty() || t.current % t.sources.len() == 0;
        if wrapped {
            self.fetch_state(out);
        }
        self.request_chunks(out);
    }

    /// Forget a transfer made useless by a stable checkpoint at `seq`.
    pub(crate) fn end_transfer_at(&mut self, seq: SeqNo) {
        if self.transfer.as_ref().is_some_and(|t| t.proof.seq <= seq) {
            self.transfer = None;
        }
    }
}
