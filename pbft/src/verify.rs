//! Authentication of incoming messages, before the core sees them.
//!
//! [`Verifier::verify`] is a pure function of the cluster's public keys and one
//! message: it checks every signature the message carries (the outer one and those
//! of nested certificates: client requests inside pre-prepares, prepared
//! certificates and checkpoint proofs inside view-changes, view-changes inside
//! new-views, commit certificates in state transfer) and the structural rules that
//! need no replica state (quorum sizes, distinct senders, matching digests,
//! primary of the view). Several signatures are checked together with one batch
//! equation, under the acceptance rule of [`crate::sigcheck`] (cofactored, so a batch
//! never answers differently from a check alone). Only a [`Verified`] message can be fed to the core.
//!
//! An optional cache remembers signatures that verified (keyed by SHA-256 of
//! key, message and signature), so certificates that embed messages already seen
//! are not re-verified.

use std::collections::{BTreeSet, HashSet};

use ed25519_dalek::{Signature, VerifyingKey};

use crate::config::primary_of;
use crate::crypto::{Signable, Signed, Signer};
use crate::error::{PbftError, Result};
use crate::message::*;
use crate::types::{sha256, Digest};

/// A message whose signatures and structure were checked.
#[derive(Clone, Debug)]
pub struct Verified(Message);

impl Verified {
    /// The message.
    pub fn message(&self) -> &Message {
        &self.0
    }
    /// Unwrap.
    pub fn into_inner(self) -> Message {
        self.0
    }
}

/// Checks messages against the cluster's public keys.
pub struct Verifier {
    keys: Vec<VerifyingKey>,
    f: usize,
    cache: Option<HashSet<Digest>>,
    cache_cap: usize,
}

struct Pending {
    key: VerifyingKey,
    bytes: Vec<u8>,
    sig: Signature,
    cache_key: Digest,
}

fn check_sigs(sigs: &[Pending]) -> Result<()> {
    check_refs(&sigs.iter().collect::<Vec<_>>())
}

/// Verify signatures (cached ones were already left out by `push`) under the one
/// rule of [`crate::sigcheck`]: batched when there are several, and the answer for
/// each signature never depends on which others share its batch.
fn check_refs(todo: &[&Pending]) -> Result<()> {
    let items: Vec<(&VerifyingKey, &[u8], &Signature)> =
        todo.iter().map(|p| (&p.key, p.bytes.as_slice(), &p.sig)).collect();
    if crate::sigcheck::verify_each(&items).iter().all(|ok| *ok) {
        Ok(())
    } else if todo.len() == 1 {
        Err(PbftError::BadSignature("signature does not verify"))
    } else {
        Err(PbftError::BadSignature("batch does not verify"))
    }
}

impl Verifier {
    /// A verifier for a cluster with these replica keys, tolerating `f` faults.
    pub fn new(keys: Vec<VerifyingKey>, f: usize) -> Self {
        Verifier { keys, f, cache: None, cache_cap: 0 }
    }

    /// Remember up to `cap` verified signatures.
    pub fn with_cache(mut self, cap: usize) -> Self {
        self.cache = Some(HashSet::new());
        self.cache_cap = cap;
        self
    }

    fn n(&self) -> usize {
        self.keys.len()
    }

    fn quorum(&self) -> usize {
        crate::config::quorum(self.n(), self.f)
    }

    /// Check `msg`; on success it may be handed to [`crate::Replica::handle`].
    pub fn verify(&mut self, msg: Message) -> Result<Verified> {
        let mut sigs = Vec::new();
        self.collect(&msg, &mut sigs)?;
        check_sigs(&sigs)?;
        self.remember(&sigs);
        Ok(Verified(msg))
    }

    /// [`Verifier::verify_many`] on the messages marked in `wanted` (see
    /// [`crate::Replica::wanted`]); the others come back as `None`, unchecked, unless a
    /// wanted one fails verification: then they are checked too, so a forged message
    /// never makes a genuine one be dropped.
    pub fn verify_wanted(&mut self, msgs: Vec<Message>, wanted: &[bool]) -> Vec<Option<Result<Verified>>> {
        let (mut yes, mut no) = (Vec::new(), Vec::new());
        for (i, m) in msgs.into_iter().enumerate() {
            if wanted.get(i).copied().unwrap_or(true) {
                yes.push((i, m));
            } else {
                no.push((i, m));
            }
        }
        let mut out: Vec<Option<Result<Verified>>> = (0..yes.len() + no.len()).map(|_| None).collect();
        let (idx, ms): (Vec<usize>, Vec<Message>) = yes.into_iter().unzip();
        let results = self.verify_many(ms);
        let failed = results.iter().any(|r| r.is_err());
        for (i, r) in idx.into_iter().zip(results) {
            out[i] = Some(r);
        }
        if failed && !no.is_empty() {
            let (idx, ms): (Vec<usize>, Vec<Message>) = no.into_iter().unzip();
            for (i, r) in idx.into_iter().zip(self.verify_many(ms)) {
                out[i] = Some(r);
            }
        }
        out
    }

    /// Check several messages, with one Ed25519 batch verification over all
    /// their signatures (about half the cost of checking them one by one). If
    /// the batch fails, every message is checked on its own, so one forged
    /// message costs the others nothing but time and is the only one rejected.
    pub fn verify_many(&mut self, msgs: Vec<Message>) -> Vec<Result<Verified>> {
        let mut checked: Vec<(Message, Result<Vec<Pending>>)> = Vec::with_capacity(msgs.len());
        for msg in msgs {
            let mut sigs = Vec::new();
            let r = self.collect(&msg, &mut sigs).map(|()| sigs);
            checked.push((msg, r));
        }
        let all: Vec<&Pending> = checked.iter().filter_map(|(_, r)| r.as_ref().ok()).flatten().collect();
        let batch_ok = check_refs(&all).is_ok();
        let mut results = Vec::with_capacity(checked.len());
        for (msg, r) in checked {
            let r = r.and_then(|sigs| {
                if !batch_ok {
                    check_sigs(&sigs)?;
                }
                self.remember(&sigs);
                Ok(Verified(msg))
            });
            results.push(r);
        }
        results
    }

    fn collect(&self, msg: &Message, sigs: &mut Vec<Pending>) -> Result<()> {
        match msg {
            Message::Request(s) => self.request(s, sigs),
            Message::PrePrepare(s) => self.pre_prepare(s, sigs),
            Message::Prepare(s) => self.simple(s, sigs),
            Message::Commit(s) => self.simple(s, sigs),
            Message::Reply(s) => self.simple(s, sigs),
            Message::Hello(s) => self.simple(s, sigs),
            Message::Checkpoint(s) => self.simple(s, sigs),
            Message::FetchState(s) => self.simple(s, sigs),
            Message::ViewChange(s) => self.view_change(s, sigs),
            Message::NewView(s) => self.new_view(s, sigs),
            Message::StateReply(s) => self.state_reply(s, sigs),
            Message::FetchChunk(s) => self.simple(s, sigs),
            Message::SnapshotChunk(s) => self.snapshot_chunk(s, sigs),
            // Unsigned runtime-to-peer notes; the core ignores them.
            Message::Challenge(_) | Message::Rejected(_) => Ok(()),
        }
    }

    /// Remember signatures that verified.
    fn remember(&mut self, sigs: &[Pending]) {
        if let Some(c) = &mut self.cache {
            if c.len() + sigs.len() > self.cache_cap {
                c.clear();
            }
            c.extend(sigs.iter().map(|p| p.cache_key));
        }
    }

    fn push<T: Signable>(&self, s: &Signed<T>, out: &mut Vec<Pending>) -> Result<()> {
        let raw_key: [u8; 32] = match s.body.signer() {
            Signer::Replica(r) => {
                *self.keys.get(r as usize).ok_or(PbftError::Invalid("unknown replica"))?.as_bytes()
            }
            Signer::Client(c) => c.0,
        };
        let sig_bytes: [u8; 64] = s
            .sig
            .as_slice()
            .try_into()
            .map_err(|_| PbftError::BadSignature("signature length"))?;
        let bytes = s.body.signing_bytes();
        let mut ck = raw_key.to_vec();
        ck.extend_from_slice(&sig_bytes);
        ck.extend_from_slice(&bytes);
        let cache_key = sha256(&ck);
        if self.cache.as_ref().is_some_and(|c| c.contains(&cache_key)) {
            return Ok(());
        }
        let key = match s.body.signer() {
            Signer::Replica(r) => *self.keys.get(r as usize).ok_or(PbftError::Invalid("unknown replica"))?,
            Signer::Client(_) => VerifyingKey::from_bytes(&raw_key)
                .map_err(|_| PbftError::BadSignature("client key is not a curve point"))?,
        };
        out.push(Pending { key, bytes, sig: Signature::from_bytes(&sig_bytes), cache_key });
        Ok(())
    }

    fn simple<T: Signable>(&self, s: &Signed<T>, out: &mut Vec<Pending>) -> Result<()> {
        self.push(s, out)
    }

    fn request(&self, s: &Signed<Request>, out: &mut Vec<Pending>) -> Result<()> {
        self.push(s, out)
    }

    /// §4.2: signed by the primary of its view, digest matches the batch, every
    /// request in the batch signed by its client.
    fn pre_prepare(&self, s: &Signed<PrePrepare>, out: &mut Vec<Pending>) -> Result<()> {
        let pp = &s.body;
        if pp.batch.digest() != pp.digest {
            return Err(PbftError::Invalid("pre-prepare digest does not match batch"));
        }
        self.pre_prepare_header(s, out)?;
        for r in &pp.batch.requests {
            self.request(r, out)?;
        }
        Ok(())
    }

    /// What a stripped pre-prepare (a view-change's P entry without its batch,
    /// [`Signed::<PrePrepare>::stripped`]) can show: from the primary of its view, a
    /// sequence number, a signature over view, seq, digest and primary.
    fn pre_prepare_header(&self, s: &Signed<PrePrepare>, out: &mut Vec<Pending>) -> Result<()> {
        let pp = &s.body;
        if pp.primary != primary_of(pp.view, self.n()) {
            return Err(PbftError::Invalid("pre-prepare not from the primary of its view"));
        }
        if pp.seq == 0 {
            return Err(PbftError::Invalid("sequence number 0"));
        }
        self.push(s, out)
    }

    fn checkpoint_proof(&self, p: &CheckpointProof, out: &mut Vec<Pending>) -> Result<()> {
        if p.seq == 0 {
            return if p.messages.is_empty() {
                Ok(())
            } else {
                Err(PbftError::Invalid("genesis checkpoint carries messages"))
            };
        }
        let mut senders = BTreeSet::new();
        for m in &p.messages {
            if m.body.seq != p.seq || m.body.digest != p.digest {
                return Err(PbftError::Invalid("checkpoint proof mismatch"));
            }
            senders.insert(m.body.replica);
            self.push(m, out)?;
        }
        if senders.len() < self.quorum() || senders.len() != p.messages.len() {
            return Err(PbftError::Invalid("checkpoint proof needs n-f distinct senders"));
        }
        Ok(())
    }

    /// A prepared certificate (a view-change's P entry: its pre-prepare may be stripped).
    fn prepared_cert(&self, c: &PreparedCert, out: &mut Vec<Pending>) -> Result<()> {
        let pp = &c.pre_prepare.body;
        if c.pre_prepare.is_stripped() {
            self.pre_prepare_header(&c.pre_prepare, out)?;
        } else {
            self.pre_prepare(&c.pre_prepare, out)?;
        }
        let mut senders = BTreeSet::new();
        for p in &c.prepares {
            let b = &p.body;
            if b.view != pp.view || b.seq != pp.seq || b.digest != pp.digest || b.replica == pp.primary {
                return Err(PbftError::Invalid("prepare does not match its pre-prepare"));
            }
            senders.insert(b.replica);
            self.push(p, out)?;
        }
        if senders.len() + 1 < self.quorum() || senders.len() != c.prepares.len() {
            return Err(PbftError::Invalid("prepared certificate needs n-f-1 distinct prepares"));
        }
        Ok(())
    }

    fn committed_entry(&self, c: &CommittedEntry, out: &mut Vec<Pending>) -> Result<()> {
        let pp = &c.pre_prepare.body;
        self.pre_prepare(&c.pre_prepare, out)?;
        let mut senders = BTreeSet::new();
        for m in &c.commits {
            let b = &m.body;
            if b.view != pp.view || b.seq != pp.seq || b.digest != pp.digest {
                return Err(PbftError::Invalid("commit does not match its pre-prepare"));
            }
            senders.insert(b.replica);
            self.push(m, out)?;
        }
        if senders.len() < self.quorum() || senders.len() != c.commits.len() {
            return Err(PbftError::Invalid("commit certificate needs n-f distinct commits"));
        }
        Ok(())
    }

    /// §4.4: C proves the checkpoint, every P entry is a prepared certificate for
    /// a lower view and a sequence number above the checkpoint.
    fn view_change(&self, s: &Signed<ViewChange>, out: &mut Vec<Pending>) -> Result<()> {
        let vc = &s.body;
        self.push(s, out)?;
        self.checkpoint_proof(&vc.checkpoint, out)?;
        let mut seqs = BTreeSet::new();
        for c in &vc.prepared {
            let pp = &c.pre_prepare.body;
            if pp.view >= vc.new_view || pp.seq <= vc.checkpoint.seq || !seqs.insert(pp.seq) {
                return Err(PbftError::Invalid("view-change P entry out of range or duplicated"));
            }
            self.prepared_cert(c, out)?;
        }
        Ok(())
    }

    /// §4.4: n-f distinct valid view-changes for this view, O signed by the new
    /// primary. That O is the right one is checked by the core (it recomputes it).
    fn new_view(&self, s: &Signed<NewView>, out: &mut Vec<Pending>) -> Result<()> {
        let nv = &s.body;
        if nv.primary != primary_of(nv.view, self.n()) {
            return Err(PbftError::Invalid("new-view not from the primary of its view"));
        }
        self.push(s, out)?;
        let mut senders = BTreeSet::new();
        for vc in &nv.view_changes {
            if vc.body.new_view != nv.view {
                return Err(PbftError::Invalid("new-view carries a view-change for another view"));
            }
            senders.insert(vc.body.replica);
            self.view_change(vc, out)?;
        }
        if senders.len() < self.quorum() || senders.len() != nv.view_changes.len() {
            return Err(PbftError::Invalid("new-view needs n-f distinct view-changes"));
        }
        for pp in &nv.pre_prepares {
            if pp.body.view != nv.view {
                return Err(PbftError::Invalid("new-view pre-prepare for another view"));
            }
            self.pre_prepare(pp, out)?;
        }
        Ok(())
    }

    /// The sender's signature and a path no longer than any tree has; whether the
    /// chunk belongs to the certified digest is checked by the core, which knows the
    /// chunk size ([`crate::snapshot::verify_chunk`]).
    fn snapshot_chunk(&self, s: &Signed<SnapshotChunk>, out: &mut Vec<Pending>) -> Result<()> {
        if s.body.proof.len() > crate::snapshot::MAX_PROOF_LEN {
            return Err(PbftError::Invalid("snapshot chunk path too long"));
        }
        self.push(s, out)
    }

    fn state_reply(&self, s: &Signed<StateReply>, out: &mut Vec<Pending>) -> Result<()> {
        let r = &s.body;
        self.push(s, out)?;
        if let Some(offer) = &r.checkpoint {
            // The snapshot's chunks are checked against proof.digest by the core.
            self.checkpoint_proof(&offer.proof, out)?;
        }
        for e in &r.entries {
            self.committed_entry(e, out)?;
        }
        if let Some(nv) = &r.new_view {
            self.new_view(nv, out)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_key;
    use ed25519_dalek::SigningKey;

    fn keys(n: usize) -> Vec<SigningKey> {
        (0..n).map(|i| test_key(&format!("replica-{i}"))).collect()
    }

    fn prepare(keys: &[SigningKey], replica: u32, signer: usize, seq: u64) -> Signed<Prepare> {
        Signed::sign(Prepare { view: 0, seq, digest: [1; 32], replica }, &keys[signer])
    }

    /// One batch verification over many messages: the forged and the tampered
    /// message are rejected, the others accepted; an all-valid batch passes.
    #[test]
    fn verify_many_rejects_exactly_the_bad_messages() {
        let k = keys(4);
        let mut v = Verifier::new(k.iter().map(|s| s.verifying_key()).collect(), 1);
        let mut tampered = prepare(&k, 3, 3, 1);
        tampered.body.seq = 2;
        let msgs = vec![
            Message::Prepare(prepare(&k, 1, 1, 1)),
            Message::Prepare(prepare(&k, 2, 3, 1)), // replica 3 pretends to be 2
            Message::Commit(Signed::sign(Commit { view: 0, seq: 1, digest: [1; 32], replica: 2 }, &k[2])),
            Message::Prepare(tampered),
            Message::Prepare(Signed { body: prepare(&k, 1, 1, 3).body, sig: vec![0; 63] }),
        ];
        let ok: Vec<bool> = v.verify_many(msgs).iter().map(|r| r.is_ok()).collect();
        assert_eq!(ok, vec![true, false, true, false, false]);

        let good: Vec<Message> = (0..4u32).map(|i| Message::Prepare(prepare(&k, i, i as usize, 5))).collect();
        assert!(v.verify_many(good).iter().all(|r| r.is_ok()));
        assert!(v.verify_many(vec![]).is_empty());
    }

    /// With the cache on, a signature verified in a batch is not checked again,
    /// and a forged copy of a cached message is still rejected.
    #[test]
    fn verify_many_fills_the_cache() {
        let k = keys(4);
        let mut v = Verifier::new(k.iter().map(|s| s.verifying_key()).collect(), 1).with_cache(16);
        let p = prepare(&k, 1, 1, 1);
        assert!(v.verify_many(vec![Message::Prepare(p.clone()), Message::Prepare(prepare(&k, 2, 2, 1))])
            .iter()
            .all(|r| r.is_ok()));
        assert_eq!(v.cache.as_ref().map(|c| c.len()), Some(2));
        assert!(v.verify(Message::Prepare(p.clone())).is_ok());
        let mut forged = p;
        forged.body.digest = [2; 32];
        assert!(v.verify(Message::Prepare(forged)).is_err());
    }
}
