//! Rebuilding a replica after a crash from its [`PersistedState`].
//!
//! The app is restored from the stable checkpoint snapshot and the committed
//! entries persisted after it are re-executed (the app is deterministic, so this
//! reproduces the pre-crash state; replies produced by the replay are not sent
//! again, the reply cache answers retransmissions). View, P set and the
//! pre-prepares accepted in the current view are reloaded so the replica cannot
//! contradict what it sent before the crash; the last new-view is reloaded so a
//! restarted new primary can still hand it to backups that missed it.

use ed25519_dalek::SigningKey;

use super::Replica;
use crate::app::App;
use crate::config::{ClusterConfig, Params};
use crate::error::Result;
use crate::storage::PersistedState;
use std::sync::Arc;

impl<A: App> Replica<A> {
    /// Rebuild a replica from persisted state. `app` must be in the genesis state
    /// (the same one passed to [`Replica::new`] originally).
    pub fn recover(
        id: crate::types::ReplicaId,
        cluster: &ClusterConfig,
        params: Params,
        key: SigningKey,
        app: A,
        state: PersistedState,
    ) -> Result<Self> {
        let mut r = Replica::new(id, cluster, params, key, app)?;
        if let Some((proof, snapshot)) = state.stable {
            r.restore_snapshot(&snapshot)?;
            r.last_executed = proof.seq;
            r.stable = proof;
            r.stable_snapshot = Arc::new(snapshot);
        }
        r.committed = state.committed.into_iter().filter(|(s, _)| *s > r.stable.seq).collect();
        r.prepared = state.prepared.into_iter().filter(|(s, _)| *s > r.stable.seq).collect();
        // Replay: the actions (replies, checkpoint messages, persists of what is
        // already on disk) are dropped; status ticks retransmit what matters.
        let mut scratch = Vec::new();
        r.execute_ready(&mut scratch);
        r.view = state.view;
        r.active = state.active;
        r.last_new_view = state.new_view.filter(|nv| nv.body.view <= r.view);
        r.next_seq = r.last_executed.max(r.stable.seq);
        for (seq, pp) in state.accepted {
            if pp.body.view == r.view && seq > r.stable.seq {
                r.next_seq = r.next_seq.max(seq);
                r.adopt_pre_prepare(pp);
            }
        }
        r.executed_at_last_tick = r.last_executed;
        r.vc_timer_armed = false;
        Ok(r)
    }
}
