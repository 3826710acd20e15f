//! Durable replica state.
//!
//! The core describes durable changes as [`PersistOp`]s; a store applies them.
//! [`PersistedState`] is the in-memory image of what is on disk: the simulator
//! uses it directly as its "disk", and [`RedbStore`] (module `redb_store`)
//! loads it from and writes it to an embedded redb database. After a crash a
//! replica is rebuilt from a `PersistedState` by [`crate::Replica::recover`].

mod redb_store;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use redb_store::{RedbStore, STORE_FORMAT};

use crate::crypto::Signed;
use crate::event::PersistOp;
use crate::message::{CheckpointProof, CommittedEntry, NewView, PrePrepare, PreparedCert};
use crate::types::{SeqNo, View};

/// Everything PBFT needs to survive a crash.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersistedState {
    /// Current view.
    pub view: View,
    /// False while a view change was in progress.
    pub active: bool,
    /// Last stable checkpoint and its snapshot (None = genesis).
    pub stable: Option<(CheckpointProof, Vec<u8>)>,
    /// Pre-prepares accepted in `view`, by sequence number.
    pub accepted: BTreeMap<SeqNo, Signed<PrePrepare>>,
    /// Prepared certificates (P), highest view per sequence number.
    pub prepared: BTreeMap<SeqNo, PreparedCert>,
    /// Committed entries above the stable checkpoint.
    pub committed: BTreeMap<SeqNo, CommittedEntry>,
    /// Last executed sequence number.
    pub last_executed: SeqNo,
    /// The new-view of the latest view this replica installed.
    pub new_view: Option<Signed<NewView>>,
}

impl PersistedState {
    /// A fresh replica's state.
    pub fn genesis() -> Self {
        PersistedState { active: true, ..Default::default() }
    }

    /// Apply one durable change.
    pub fn apply(&mut self, op: &PersistOp) {
        match op {
            PersistOp::View { view, active } => {
                if *view != self.view {
                    self.accepted.clear();
                }
                self.view = *view;
                self.active = *active;
            }
            PersistOp::Accepted(pp) => {
                if pp.body.view == self.view {
                    self.accepted.insert(pp.body.seq, pp.clone());
                }
            }
            PersistOp::Prepared(cert) => {
                let seq = cert.pre_prepare.body.seq;
                let newer = self
                    .prepared
                    .get(&seq)
                    .is_none_or(|c| c.pre_prepare.body.view <= cert.pre_prepare.body.view);
                if newer {
                    self.prepared.insert(seq, cert.clone());
                }
            }
            PersistOp::Committed(e) => {
                self.committed.insert(e.pre_prepare.body.seq, e.clone());
            }
            PersistOp::Executed(seq) => self.last_executed = (*seq).max(self.last_executed),
            PersistOp::NewView(nv) => {
                if self.new_view.as_ref().is_none_or(|old| old.body.view <= nv.body.view) {
                    self.new_view = Some(nv.clone());
                }
            }
            PersistOp::Stable { proof, snapshot } => {
                let h = proof.seq;
                if self.stable.as_ref().is_some_and(|(p, _)| p.seq >= h) {
                    return;
                }
                self.accepted.retain(|s, _| *s > h);
                self.prepared.retain(|s, _| *s > h);
                self.committed.retain(|s, _| *s > h);
                self.last_executed = self.last_executed.max(h);
                self.stable = Some((proof.clone(), snapshot.clone()));
            }
        }
    }
}
