//! View changes (§4.4) and their liveness rules (§4.5.2).
//!
//! A backup whose timer expires multicasts `<VIEW-CHANGE, v+1, n, C, P, i>`;
//! the primary of v+1 gathers n-f of them (V), computes O (for each sequence
//! number between the latest stable checkpoint in V and the highest prepared one,
//! the prepared batch with the highest view, or a null request) and multicasts
//! `<NEW-VIEW, v+1, V, O>`. Backups recompute O and accept only if it matches.
//! Timer T doubles on each consecutive view change; f+1 view-changes for higher
//! views make a replica join the smallest of those views.

use std::collections::BTreeMap;

use super::{Out, Replica};
use crate::app::App;
use crate::config::primary_of;
use crate::crypto::Signed;
use crate::event::{Action, PersistOp};
use crate::message::*;
use crate::types::{Digest, ReplicaId, SeqNo, View};

/// O computed from V: the checkpoint to start from and, for every sequence
/// number above it, the digest to re-propose with its batch when V carries it
/// (the null request for gaps).
pub(crate) struct OSet {
    pub checkpoint: CheckpointProof,
    pub entries: Vec<(SeqNo, Digest, Option<Batch>)>,
}

/// §4.4 "compute O": min-s is the latest stable checkpoint in V, max-s the highest
/// prepared sequence number; entries above min-s + L cannot have committed (see
/// docs) and are ignored, which also bounds the work a Byzantine V can cause. O is
/// decided by digests alone, so stripped view-changes (digest-only P entries) give
/// the same O; the batch of an entry is taken from any certificate in V that
/// carries it.
pub(crate) fn compute_o(vcs: &[Signed<ViewChange>], log_window: u64) -> Option<OSet> {
    let best = vcs.iter().max_by_key(|v| v.body.checkpoint.seq)?;
    let checkpoint = best.body.checkpoint.clone();
    let min_s = checkpoint.seq;
    let mut chosen: BTreeMap<SeqNo, (View, Digest, Option<&Batch>)> = BTreeMap::new();
    for vc in vcs {
        for cert in &vc.body.prepared {
            let pp = &cert.pre_prepare.body;
            if pp.seq <= min_s || pp.seq > min_s + log_window {
                continue;
            }
            let batch = (!cert.pre_prepare.is_stripped()).then_some(&pp.batch);
            match chosen.get_mut(&pp.seq) {
                Some((v, d, b)) if *v >= pp.view => {
                    if *v == pp.view && *d == pp.digest && b.is_none() {
                        *b = batch;
                    }
                }
                _ => {
                    chosen.insert(pp.seq, (pp.view, pp.digest, batch));
                }
            }
        }
    }
    let max_s = chosen.keys().next_back().copied().unwrap_or(min_s);
    let entries = (min_s + 1..=max_s)
        .map(|n| match chosen.get(&n) {
            Some((_, d, b)) => (n, *d, b.cloned()),
            None => {
                let null = Batch::default();
                (n, null.digest(), Some(null))
            }
        })
        .collect();
    Some(OSet { checkpoint, entries })
}

impl<A: App> Replica<A> {
    /// Timer expiry (§4.4, §4.5.2): move to the next view. While already changing
    /// views this means the new primary failed too, so try the one after.
    pub(crate) fn on_view_change_timer(&mut self, out: &mut Out) {
        self.vc_timer_armed = false;
        if self.active {
            if !self.pending.is_empty() || self.refused_at.is_some() {
                let next = self.view + 1;
                self.start_view_change(next, out);
            }
            return;
        }
        if self.vc_quorum() {
            let next = self.view + 1;
            self.start_view_change(next, out);
            return;
        }
        // Stalled without a quorum for our view (our peers' view-changes for it
        // were lost and they moved on, or they never left the old view). Never
        // escalate alone: join the highest view another replica asks for (bounded
        // jump, so a Byzantine replica cannot push views arbitrarily far), or
        // stay, retransmit and wait again.
        let limit = self.view.saturating_add(self.n as u64);
        let target = self
            .view_changes
            .range(self.view.saturating_add(1)..=limit)
            .filter(|(_, m)| m.keys().any(|r| *r != self.id))
            .map(|(v, _)| *v)
            .next_back();
        match target {
            Some(v) => self.start_view_change(v, out),
            None => {
                self.resend_view_change(out);
                self.arm_view_change_wait(out);
            }
        }
    }

    fn vc_quorum(&self) -> bool {
        self.view_changes.get(&self.view).map_or(0, |m| m.len()) >= self.quorum()
    }

    /// Multicast a view-change for `new_view` and stop normal-case processing.
    pub(crate) fn start_view_change(&mut self, new_view: View, out: &mut Out) {
        if new_view < self.view || (new_view == self.view && (self.active || self.own_vc_sent(new_view))) {
            return;
        }
        self.stats.view_changes += 1;
        self.refused_at = None;
        self.view = new_view;
        self.active = false;
        self.log.clear();
        self.persist(PersistOp::View { view: new_view, active: false }, out);
        self.resend_view_change(out);
        self.cancel_vc_timer(out);
        self.arm_view_change_wait(out);
        self.try_new_view(out);
    }

    /// §4.5.2 (first technique): a replica waiting for a new-view starts its
    /// doubling timer (T, 2T, 4T, ...) only once it has n-f view-changes for
    /// that view, so a replica that timed out alone does not run ahead through
    /// views. Without a quorum it arms a non-doubling "stall" wait instead (see
    /// `on_view_change_timer`), upgraded once the quorum arrives.
    pub(crate) fn arm_view_change_wait(&mut self, out: &mut Out) {
        if self.active {
            return;
        }
        if self.vc_quorum() {
            if self.vc_timer_armed && !self.vc_stall {
                return;
            }
            self.arm_vc_timer(out);
            let cap = self.params.view_change_timeout_max_ms.max(self.params.view_change_timeout_ms);
            self.vc_timeout = self.vc_timeout.saturating_mul(2).min(cap);
        } else if !self.vc_timer_armed {
            self.arm_vc_timer(out);
            self.vc_stall = true;
        }
    }

    fn own_vc_sent(&self, v: View) -> bool {
        self.view_changes.get(&v).is_some_and(|m| m.contains_key(&self.id))
    }

    /// (Re)build and multicast our view-change for the current view.
    pub(crate) fn resend_view_change(&mut self, out: &mut Out) {
        let vc = match self.view_changes.get(&self.view).and_then(|m| m.get(&self.id)) {
            Some(vc) => vc.clone(),
            None => {
                let prepared = self.prepared.range(self.stable.seq + 1..).map(|(_, c)| c.clone()).collect();
                let vc = ViewChange { new_view: self.view, checkpoint: self.stable.clone(), prepared, replica: self.id };
                let vc = Signed::sign(vc, &self.key);
                self.view_changes.entry(self.view).or_default().insert(self.id, vc.clone());
                vc
            }
        };
        // Stripped to everyone, with batches to the new primary (which builds O
        // from them); both forms carry the same signature.
        let stripped = vc.stripped();
        // some certificate lost its batch (null batches strip to themselves)
        let differs = stripped.body.is_stripped();
        out.push(Action::Broadcast(Message::ViewChange(stripped)));
        let primary = primary_of(self.view, self.n);
        if primary != self.id && differs {
            out.push(Action::Send { to: primary, msg: Message::ViewChange(vc) });
        }
    }

    pub(crate) fn on_view_change(&mut self, vc: Signed<ViewChange>, out: &mut Out) {
        let (v, from) = (vc.body.new_view, vc.body.replica);
        if v < self.view || (v == self.view && self.active) {
            // The sender missed the new-view of a view we are in: resend it.
            if let Some(nv) = &self.last_new_view {
                if nv.body.view >= v && from != self.id {
                    out.push(Action::Send { to: from, msg: Message::NewView(nv.clone()) });
                }
            }
            self.stats.ignored += 1;
            return;
        }
        // Bounded memory: above our view, keep only each replica's highest view-change
        // (all that the join rule and the stall rule below look at), so a replica
        // naming view after view holds at most two slots here (ours and its highest).
        if v > self.view {
            if self.view_changes.range(v + 1..).any(|(_, m)| m.contains_key(&from)) {
                self.stats.ignored += 1;
                return;
            }
            let above = self.view.saturating_add(1);
            for (_, m) in self.view_changes.range_mut(above..v) {
                m.remove(&from);
            }
            self.view_changes.retain(|_, m| !m.is_empty());
        }
        // Keep the form with batches when the stripped one of the same message
        // arrives after it.
        let held = self.view_changes.entry(v).or_default();
        let keep = held.get(&from).is_some_and(|old| old.sig == vc.sig && !old.body.is_stripped());
        if !keep {
            held.insert(from, vc);
        }
        // §4.5.2: f+1 view-changes for views above ours → join the smallest view
        // that f+1 replicas are asking for.
        let mut highest: BTreeMap<ReplicaId, View> = BTreeMap::new();
        for (view, m) in self.view_changes.range(self.view + 1..) {
            for r in m.keys().filter(|r| **r != self.id) {
                highest.insert(*r, *view);
            }
        }
        if highest.len() > self.f {
            let mut views: Vec<View> = highest.values().copied().collect();
            views.sort_unstable_by(|a, b| b.cmp(a));
            let target = views[self.f];
            self.start_view_change(target, out);
        }
        if !self.active && self.view == v {
            self.arm_view_change_wait(out);
            self.try_new_view(out);
        }
        // Bound memory: forget view-changes for views far above ours.
        let limit = self.view.saturating_add(64);
        self.view_changes.retain(|view, _| *view <= limit);
    }

    /// New primary (§4.4): once it holds n-f view-changes for its view, including
    /// its own, it multicasts the new-view and installs it.
    pub(crate) fn try_new_view(&mut self, out: &mut Out) {
        if self.active || primary_of(self.view, self.n) != self.id {
            return;
        }
        let Some(m) = self.view_changes.get(&self.view) else { return };
        let Some(own) = m.get(&self.id) else { return };
        if m.len() < self.quorum() {
            return;
        }
        let mut vcs = vec![own.clone()];
        vcs.extend(m.iter().filter(|(r, _)| **r != self.id).map(|(_, v)| v.clone()).take(self.quorum() - 1));
        let Some(o) = compute_o(&vcs, self.params.log_window) else { return };
        let mut pre_prepares = Vec::with_capacity(o.entries.len());
        for (seq, digest, batch) in o.entries {
            // A batch V names only by digest: from another view-change we hold, or
            // our own certificates. Without it, wait for the form with batches.
            let Some(batch) = batch.or_else(|| self.batch_with_digest(seq, digest)) else {
                self.stats.missing_batches += 1;
                return;
            };
            let pp = PrePrepare { view: self.view, seq, digest, batch, primary: self.id };
            pre_prepares.push(Signed::sign(pp, &self.key));
        }
        let view_changes = vcs.iter().map(Signed::<ViewChange>::stripped).collect();
        let nv = Signed::sign(NewView { view: self.view, view_changes, pre_prepares, primary: self.id }, &self.key);
        out.push(Action::Broadcast(Message::NewView(nv.clone())));
        self.install_new_view(nv, o.checkpoint, out);
    }

    pub(crate) fn on_new_view(&mut self, nv: Signed<NewView>, out: &mut Out) {
        let v = nv.body.view;
        if v < self.view || (v == self.view && self.active) || nv.body.primary == self.id {
            self.stats.ignored += 1;
            return;
        }
        // Recompute O from V and compare (§4.4: "verifies O by performing a
        // computation similar to the one used by the primary").
        let Some(o) = compute_o(&nv.body.view_changes, self.params.log_window) else { return };
        let matches = o.entries.len() == nv.body.pre_prepares.len()
            && o.entries.iter().zip(&nv.body.pre_prepares).all(|((s, d, _), pp)| {
                pp.body.seq == *s && pp.body.digest == *d
            });
        if !matches {
            self.stats.bad_new_views += 1;
            return;
        }
        self.install_new_view(nv, o.checkpoint, out);
    }

    /// Enter the view of a valid new-view: adopt `checkpoint`, the latest stable
    /// checkpoint in its V (fetching state if we lack it), accept the pre-prepares in O
    /// and multicast prepares for them.
    pub(crate) fn install_new_view(&mut self, nv: Signed<NewView>, checkpoint: CheckpointProof, out: &mut Out) {
        let v = nv.body.view;
        self.view = v;
        self.active = true;
        self.refused_at = None;
        self.log.clear();
        self.view_changes.retain(|view, _| *view > v);
        self.persist(PersistOp::View { view: v, active: true }, out);
        if checkpoint.seq > self.stable.seq {
            let seq = checkpoint.seq;
            self.try_make_stable(checkpoint, out);
            if self.stable.seq < seq && self.last_executed < seq {
                self.fetch_state(out);
            }
        }
        let mut max_seq = self.stable.seq.max(self.last_executed);
        let h = self.stable.seq;
        for pp in nv.body.pre_prepares.iter().filter(|p| p.body.seq > h) {
            max_seq = max_seq.max(pp.body.seq);
            self.persist(PersistOp::Accepted(pp.clone()), out);
            self.adopt_pre_prepare(pp.clone());
            self.send_prepare(&pp.body, out);
        }
        self.next_seq = max_seq;
        self.persist(PersistOp::NewView(nv.clone()), out);
        self.last_new_view = Some(nv);
        let seqs: Vec<SeqNo> = self.log.keys().copied().collect();
        for s in seqs {
            self.check_prepared(s, out);
        }
        // Keep waiting (timer) for requests not yet executed; relay them to the
        // new primary, or order them if we are it.
        if self.pending.is_empty() {
            self.cancel_vc_timer(out);
        } else if self.is_primary() {
            self.cancel_vc_timer(out);
            self.try_propose(out);
        } else {
            self.arm_vc_timer(out);
            let to = self.primary();
            for r in self.pending.values() {
                out.push(Action::Send { to, msg: Message::Request(r.clone()) });
            }
        }
    }

    /// The batch with `digest` at `seq` from a view-change with batches we hold for
    /// this view, or from our own prepared or committed certificates.
    fn batch_with_digest(&self, seq: SeqNo, digest: Digest) -> Option<Batch> {
        let from_vcs = self.view_changes.get(&self.view).into_iter().flat_map(|m| m.values()).flat_map(|vc| &vc.body.prepared);
        let own = self.prepared.get(&seq).map(|c| &c.pre_prepare).into_iter().chain(self.committed.get(&seq).map(|e| &e.pre_prepare));
        from_vcs
            .map(|c| &c.pre_prepare)
            .chain(own)
            .find(|pp| pp.body.seq == seq && pp.body.digest == digest && !pp.is_stripped())
            .map(|pp| pp.body.batch.clone())
    }
}
