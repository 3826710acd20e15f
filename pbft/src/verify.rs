//! Authentication of incoming messages, before the core sees them.
//!
//! [`Verifier::verify`] is a pure function of the cluster's public keys and one
//! message: it checks every signature the message carries (the outer one and those
//! of nested certificates: client requests inside pre-prepares, prepared
//! certificates and checkpoint proofs inside view-changes, view-changes inside
//! new-views, commit certificates in state transfer) and the structural rules that
//! need no replica state (quorum sizes, distinct senders, matching digests,
//! primary of the view). Several signatures are checked together with Ed25519
//! batch verification. Only a [`Verified`] message can be fed to the core.
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
        2 * self.f + 1
    }

    /// Check `msg`; on success it may be handed to [`crate::Replica::handle`].
    pub fn verify(&mut self, msg: Message) -> Result<Verified> {
        let mut sigs = Vec::new();
        match &msg {
            Message::Request(s) => self.request(s, &mut sigs)?,
            Message::PrePrepare(s) => self.pre_prepare(s, &mut sigs)?,
            Message::Prepare(s) => self.simple(s, &mut sigs)?,
            Message::Commit(s) => self.simple(s, &mut sigs)?,
            Message::Reply(s) => self.simple(s, &mut sigs)?,
            Message::Hello(s) => self.simple(s, &mut sigs)?,
            Message::Checkpoint(s) => self.simple(s, &mut sigs)?,
            Message::FetchState(s) => self.simple(s, &mut sigs)?,
            Message::ViewChange(s) => self.view_change(s, &mut sigs)?,
            Message::NewView(s) => self.new_view(s, &mut sigs)?,
            Message::StateReply(s) => self.state_reply(s, &mut sigs)?,
        }
        self.check_all(sigs)?;
        Ok(Verified(msg))
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

    fn check_all(&mut self, sigs: Vec<Pending>) -> Result<()> {
        // Cached signatures were already left out by `push`.
        let todo = sigs;
        match todo.len() {
            0 => {}
            1 => todo[0]
                .key
                .verify_strict(&todo[0].bytes, &todo[0].sig)
                .map_err(|_| PbftError::BadSignature("signature does not verify"))?,
            _ => {
                let msgs: Vec<&[u8]> = todo.iter().map(|p| p.bytes.as_slice()).collect();
                let sigs: Vec<Signature> = todo.iter().map(|p| p.sig).collect();
                let keys: Vec<VerifyingKey> = todo.iter().map(|p| p.key).collect();
                ed25519_dalek::verify_batch(&msgs, &sigs, &keys)
                    .map_err(|_| PbftError::BadSignature("batch does not verify"))?;
            }
        }
        if let Some(c) = &mut self.cache {
            if c.len() + todo.len() > self.cache_cap {
                c.clear();
            }
            c.extend(todo.iter().map(|p| p.cache_key));
        }
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
        if pp.primary != primary_of(pp.view, self.n()) {
            return Err(PbftError::Invalid("pre-prepare not from the primary of its view"));
        }
        if pp.seq == 0 {
            return Err(PbftError::Invalid("sequence number 0"));
        }
        if pp.batch.digest() != pp.digest {
            return Err(PbftError::Invalid("pre-prepare digest does not match batch"));
        }
        self.push(s, out)?;
        for r in &pp.batch.requests {
            self.request(r, out)?;
        }
        Ok(())
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
            return Err(PbftError::Invalid("checkpoint proof needs 2f+1 distinct senders"));
        }
        Ok(())
    }

    fn prepared_cert(&self, c: &PreparedCert, out: &mut Vec<Pending>) -> Result<()> {
        let pp = &c.pre_prepare.body;
        self.pre_prepare(&c.pre_prepare, out)?;
        let mut senders = BTreeSet::new();
        for p in &c.prepares {
            let b = &p.body;
            if b.view != pp.view || b.seq != pp.seq || b.digest != pp.digest || b.replica == pp.primary {
                return Err(PbftError::Invalid("prepare does not match its pre-prepare"));
            }
            senders.insert(b.replica);
            self.push(p, out)?;
        }
        if senders.len() < 2 * self.f || senders.len() != c.prepares.len() {
            return Err(PbftError::Invalid("prepared certificate needs 2f distinct prepares"));
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
            return Err(PbftError::Invalid("commit certificate needs 2f+1 distinct commits"));
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

    /// §4.4: 2f+1 distinct valid view-changes for this view, O signed by the new
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
            return Err(PbftError::Invalid("new-view needs 2f+1 distinct view-changes"));
        }
        for pp in &nv.pre_prepares {
            if pp.body.view != nv.view {
                return Err(PbftError::Invalid("new-view pre-prepare for another view"));
            }
            self.pre_prepare(pp, out)?;
        }
        Ok(())
    }

    fn state_reply(&self, s: &Signed<StateReply>, out: &mut Vec<Pending>) -> Result<()> {
        let r = &s.body;
        self.push(s, out)?;
        if let Some((proof, _snapshot)) = &r.checkpoint {
            // The snapshot itself is checked against proof.digest by the core.
            self.checkpoint_proof(proof, out)?;
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
