//! Normal-case operation (§4.2): request → pre-prepare → prepare → commit →
//! execute → reply, with batching and exactly-once execution per client.

use std::collections::BTreeMap;

use super::{CachedReply, Out, Replica};
use crate::app::{App, ExecCtx};
use crate::crypto::Signed;
use crate::event::{Action, PersistOp};
use crate::message::*;
use crate::types::{ClientId, SeqNo};

impl<A: App> Replica<A> {
    /// §4.1/§4.2: a client request. Already-executed timestamps get the cached
    /// reply again (never re-executed); new ones are queued by the primary or
    /// relayed to it by backups, which then wait for execution under the
    /// view-change timer (§4.5.2).
    pub(crate) fn on_request(&mut self, req: Signed<Request>, out: &mut Out) {
        let (client, ts) = (req.body.client, req.body.timestamp);
        if req.body.op.len() > self.params.max_request_bytes {
            self.stats.oversized += 1;
            return;
        }
        if let Some(cached) = self.replies.get(&client) {
            if ts <= cached.timestamp {
                self.stats.duplicate_requests += 1;
                if ts == cached.timestamp {
                    let result = cached.result.clone();
                    self.send_reply(client, ts, result, out);
                }
                return;
            }
        }
        let newer = self.pending.get(&client).is_none_or(|p| p.body.timestamp < ts);
        if newer && !self.pending.contains_key(&client) && self.pending.len() >= self.params.max_pending_clients {
            self.stats.pending_full += 1;
            return;
        }
        if newer {
            self.pending.insert(client, req.clone());
        } else if self.pending.get(&client).is_some_and(|p| p.body.timestamp > ts) {
            self.stats.ignored += 1;
            return;
        }
        if self.is_primary() {
            if self.active {
                self.try_propose(out);
            }
        } else {
            // Relay to the primary (the client may only have reached us), once per
            // request: relaying every copy let two replicas that each took the other
            // for the primary (a twin, or a replica in another view) bounce one
            // request back and forth without end (simulation seed 5061). The status
            // ticks remind the primary of requests still waiting.
            if newer {
                out.push(Action::Send { to: self.primary(), msg: Message::Request(req) });
            }
            if !self.vc_timer_armed && self.active {
                self.arm_vc_timer(out);
            }
        }
    }

    /// Requests (client → timestamp) already ordered in the log but not executed.
    fn in_flight_requests(&self) -> BTreeMap<ClientId, u64> {
        let mut m = BTreeMap::new();
        let pps = self
            .log
            .range(self.last_executed + 1..)
            .filter_map(|(_, s)| s.pre_prepare.as_ref())
            .chain(self.committed.range(self.last_executed + 1..).map(|(_, e)| &e.pre_prepare));
        for pp in pps {
            for r in &pp.body.batch.requests {
                let e = m.entry(r.body.client).or_insert(0);
                *e = (*e).max(r.body.timestamp);
            }
        }
        m
    }

    /// Primary: assign sequence numbers to queued requests, up to `max_batch` per
    /// pre-prepare and `max_in_flight` outstanding batches, inside the window.
    pub(crate) fn try_propose(&mut self, out: &mut Out) {
        if !self.is_primary() || !self.active {
            return;
        }
        loop {
            let seq = self.next_seq + 1;
            if seq.saturating_sub(self.last_executed) > self.params.max_in_flight || !self.in_window(seq) {
                return;
            }
            let in_flight = self.in_flight_requests();
            let mut bytes = 0usize;
            let requests: Vec<Signed<Request>> = self
                .pending
                .values()
                .filter(|r| in_flight.get(&r.body.client).is_none_or(|t| *t < r.body.timestamp))
                .take_while(|r| {
                    bytes += r.body.op.len();
                    bytes <= self.params.max_batch_bytes
                })
                .take(self.params.max_batch)
                .cloned()
                .collect();
            if requests.is_empty() {
                return;
            }
            // Strictly above every earlier batch's time (backups check it).
            let batch = Batch { time_ms: self.now.max(self.time_floor(seq).saturating_add(1)), requests };
            let pp = PrePrepare { view: self.view, seq, digest: batch.digest(), batch, primary: self.id };
            let pp = Signed::sign(pp, &self.key);
            self.next_seq = seq;
            self.persist(PersistOp::Accepted(pp.clone()), out);
            let slot = self.log.entry(seq).or_default();
            slot.pre_prepare = Some(pp.clone());
            slot.since = self.now;
            out.push(Action::Broadcast(Message::PrePrepare(pp)));
        }
    }

    /// Whether a batch breaks the size limits (`max_batch` requests, `max_batch_bytes`
    /// in all, `max_request_bytes` each).
    fn oversized(&self, batch: &Batch) -> bool {
        let p = &self.params;
        batch.requests.len() > p.max_batch
            || batch.requests.iter().any(|r| r.body.op.len() > p.max_request_bytes)
            || batch.requests.iter().map(|r| r.body.op.len()).sum::<usize>() > p.max_batch_bytes
    }

    /// The time a batch at `seq` must exceed: the agreed clock of what was executed and
    /// the times of the batches at lower sequence numbers this replica holds.
    pub(crate) fn time_floor(&self, seq: SeqNo) -> u64 {
        let logged = self.log.range(..seq).filter_map(|(_, s)| s.pre_prepare.as_ref());
        let committed = self.committed.range(..seq).map(|(_, e)| &e.pre_prepare);
        logged.chain(committed).map(|p| p.body.batch.time_ms).fold(self.last_time, u64::max)
    }

    /// §4.2: a backup accepts a pre-prepare if it is in view v, the signature is
    /// right (checked by `verify`), it has not accepted a different one for (v, n),
    /// and n is between the water marks; then it multicasts a prepare. The batch
    /// time must be above the previous batch's and at most `max_clock_skew_ms` ahead
    /// of our clock; otherwise the pre-prepare is refused and the view-change timer
    /// runs until execution passes that sequence number (a primary that keeps
    /// proposing bad times is replaced).
    pub(crate) fn on_pre_prepare(&mut self, pp: Signed<PrePrepare>, out: &mut Out) {
        let b = &pp.body;
        self.saw_seq(b.primary, b.seq);
        if !self.active || b.view != self.view || !self.in_window(b.seq) || self.is_primary() {
            self.stats.ignored += 1;
            return;
        }
        let seq = b.seq;
        if self.log.get(&seq).is_none_or(|s| s.pre_prepare.is_none()) {
            let t = b.batch.time_ms;
            let bad_time = t <= self.time_floor(seq) || t > self.now.saturating_add(self.params.max_clock_skew_ms);
            let oversized = self.oversized(&b.batch);
            if bad_time || oversized {
                self.stats.bad_times += u64::from(bad_time);
                self.stats.oversized += u64::from(oversized);
                self.refused_at = Some(self.refused_at.map_or(seq, |s| s.min(seq)));
                if !self.vc_timer_armed {
                    self.arm_vc_timer(out);
                }
                return;
            }
        }
        let now = self.now;
        let slot = self.log.entry(seq).or_default();
        if let Some(existing) = &slot.pre_prepare {
            if existing.body.digest != pp.body.digest {
                self.stats.conflicting_pre_prepares += 1;
            } else {
                self.stats.ignored += 1;
            }
            return;
        }
        slot.pre_prepare = Some(pp.clone());
        slot.since = now;
        self.persist(PersistOp::Accepted(pp.clone()), out);
        self.send_prepare(&pp.body, out);
        self.check_prepared(seq, out);
    }

    pub(crate) fn send_prepare(&mut self, pp: &PrePrepare, out: &mut Out) {
        if self.id == pp.primary {
            return;
        }
        let p = Signed::sign(
            Prepare { view: pp.view, seq: pp.seq, digest: pp.digest, replica: self.id },
            &self.key,
        );
        self.log.entry(pp.seq).or_default().prepares.insert(self.id, p.clone());
        out.push(Action::Broadcast(Message::Prepare(p)));
    }

    /// §4.2: prepares are accepted for the current view inside the window.
    pub(crate) fn on_prepare(&mut self, p: Signed<Prepare>, out: &mut Out) {
        let b = &p.body;
        self.saw_seq(b.replica, b.seq);
        if !self.active || b.view != self.view || !self.in_window(b.seq) || b.replica == self.primary() {
            self.stats.ignored += 1;
            return;
        }
        let seq = b.seq;
        self.log.entry(seq).or_default().prepares.entry(b.replica).or_insert(p);
        self.check_prepared(seq, out);
    }

    /// prepared(m, v, n, i) (§4.2): pre-prepare plus `n - f - 1` (2f when n = 3f+1) matching prepares from
    /// distinct backups. The certificate joins P (persisted before the commit is
    /// sent, so it survives a crash and reaches the next view-change).
    pub(crate) fn check_prepared(&mut self, seq: SeqNo, out: &mut Out) {
        let Some(slot) = self.log.get(&seq) else { return };
        let (Some(pp), false) = (slot.pre_prepare.clone(), slot.prepared) else { return };
        let d = pp.body.digest;
        let prepares: Vec<Signed<Prepare>> =
            slot.prepares.values().filter(|p| p.body.digest == d).take(self.prepare_quorum()).cloned().collect();
        if prepares.len() < self.prepare_quorum() {
            return;
        }
        let cert = PreparedCert { pre_prepare: pp.clone(), prepares };
        self.persist(PersistOp::Prepared(cert.clone()), out);
        self.prepared.insert(seq, cert);
        let c = Signed::sign(Commit { view: self.view, seq, digest: d, replica: self.id }, &self.key);
        if let Some(slot) = self.log.get_mut(&seq) {
            slot.prepared = true;
            slot.commits.insert(self.id, c.clone());
        }
        out.push(Action::Broadcast(Message::Commit(c)));
        self.check_committed(seq, out);
    }

    /// §4.2: commits are accepted for the current view inside the window.
    pub(crate) fn on_commit(&mut self, c: Signed<Commit>, out: &mut Out) {
        let b = &c.body;
        self.saw_seq(b.replica, b.seq);
        if !self.active || b.view != self.view || !self.in_window(b.seq) {
            self.stats.ignored += 1;
            return;
        }
        let seq = b.seq;
        self.log.entry(seq).or_default().commits.entry(b.replica).or_insert(c);
        self.check_committed(seq, out);
    }

    /// committed-local(m, v, n, i) (§4.2): prepared plus `n - f` (2f+1 when n = 3f+1) matching commits.
    /// The commit certificate is persisted, then executed in order.
    pub(crate) fn check_committed(&mut self, seq: SeqNo, out: &mut Out) {
        let Some(slot) = self.log.get(&seq) else { return };
        if !slot.prepared || slot.committed {
            return;
        }
        let Some(d) = slot.digest() else { return };
        let commits: Vec<Signed<Commit>> =
            slot.commits.values().filter(|c| c.body.digest == d).take(self.quorum()).cloned().collect();
        if commits.len() < self.quorum() {
            return;
        }
        let Some(pp) = slot.pre_prepare.clone() else { return };
        if let Some(slot) = self.log.get_mut(&seq) {
            slot.committed = true;
            if slot.retransmits == 0 {
                let took = self.now.saturating_sub(slot.since);
                self.round_ms = (3 * self.round_ms + took) / 4;
            }
        }
        if seq > self.last_executed && !self.committed.contains_key(&seq) {
            let entry = CommittedEntry { pre_prepare: pp, commits };
            self.persist(PersistOp::Committed(entry.clone()), out);
            self.committed.insert(seq, entry);
        }
        self.execute_ready(out);
    }

    /// Execute committed batches in sequence order (§4.2: "executes the operation
    /// after all requests with lower sequence numbers have been executed").
    pub(crate) fn execute_ready(&mut self, out: &mut Out) {
        let mut progressed = false;
        let mut fresh = false;
        while let Some(entry) = self.committed.get(&(self.last_executed + 1)).cloned() {
            let seq = self.last_executed + 1;
            fresh |= self.execute_batch(seq, &entry.pre_prepare.body.batch, out);
            self.last_executed = seq;
            progressed = true;
            self.persist(PersistOp::Executed(seq), out);
            if seq % self.params.checkpoint_interval == 0 {
                self.take_checkpoint(seq, out);
            }
        }
        if !progressed {
            return;
        }
        // §4.5.2: stop the timer when no longer waiting; restart it if still
        // waiting for another request. A fresh execution resets T.
        if fresh {
            self.vc_timeout = self.params.view_change_timeout_ms;
        }
        if self.refused_at.is_some_and(|s| self.last_executed >= s) {
            self.refused_at = None;
        }
        if self.pending.is_empty() && self.refused_at.is_none() {
            self.cancel_vc_timer(out);
        } else if self.active && !self.is_primary() {
            self.arm_vc_timer(out);
        }
        self.try_propose(out);
    }

    /// Returns true if at least one request was executed for the first time.
    fn execute_batch(&mut self, seq: SeqNo, batch: &Batch, out: &mut Out) -> bool {
        self.last_time = self.last_time.max(batch.time_ms);
        let mut fresh = false;
        for (index, r) in batch.requests.iter().enumerate() {
            let (client, ts) = (r.body.client, r.body.timestamp);
            // Exactly-once: a timestamp at or below the last executed one for this
            // client is skipped (a Byzantine primary may re-propose old requests).
            if self.replies.get(&client).is_some_and(|c| c.timestamp >= ts) {
                self.stats.duplicate_requests += 1;
                continue;
            }
            let ctx = ExecCtx { seq, index: index as u32, client, client_timestamp: ts, time_ms: self.last_time };
            let result = self.app.execute(&r.body.op, &ctx);
            self.stats.executed_requests += 1;
            fresh = true;
            self.replies.insert(client, CachedReply { timestamp: ts, result: result.clone() });
            if self.pending.get(&client).is_some_and(|p| p.body.timestamp <= ts) {
                self.pending.remove(&client);
            }
            self.send_reply(client, ts, result, out);
        }
        fresh
    }

    pub(crate) fn send_reply(&self, client: ClientId, timestamp: u64, result: Vec<u8>, out: &mut Out) {
        let reply = Reply { view: self.view, timestamp, client, replica: self.id, result };
        out.push(Action::Reply { client, msg: Message::Reply(Signed::sign(reply, &self.key)) });
    }

    /// Insert an accepted pre-prepare from a new-view or recovery into the log.
    pub(crate) fn adopt_pre_prepare(&mut self, pp: Signed<PrePrepare>) {
        let since = self.now;
        let slot = self.log.entry(pp.body.seq).or_default();
        slot.pre_prepare = Some(pp);
        slot.since = since;
    }
}
