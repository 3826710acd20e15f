//! Surplus prepares, commits and checkpoints: which messages of a batch about to be verified
//! can still change this replica's state. A slot needs `n - f - 1` prepares and `n - f` commits
//! (§4.2); the other f it receives (a third of all prepares and commits) change
//! nothing once the quorum is there, yet each costs a signature check. The runtime
//! asks [`Replica::wanted`] before verifying a batch and checks only the wanted
//! messages; if any of them fails verification it checks the rest too, so a forged
//! message can never make the replica drop a genuine one it needed.

use std::collections::{BTreeSet, HashMap};

use super::Replica;
use crate::app::App;
use crate::message::Message;
use crate::types::SeqNo;

impl<A: App> Replica<A> {
    /// For each message of `msgs` (in order), whether it may change the state once
    /// verified: `false` only for a prepare (commit) matching this replica's
    /// pre-prepare in the current view for a slot whose prepares (commits) already
    /// reach the quorum, counting the distinct senders earlier in `msgs`, and for an
    /// exact duplicate of one already held, and for a checkpoint message at or below
    /// the stable checkpoint. Everything else is wanted.
    pub fn wanted(&mut self, msgs: &[Message]) -> Vec<bool> {
        let mut earlier: HashMap<(bool, SeqNo), BTreeSet<u32>> = HashMap::new();
        msgs.iter()
            .map(|m| {
                if let Message::Checkpoint(c) = m {
                    // at or below the stable checkpoint: the core ignores it
                    let stale = c.body.seq <= self.stable.seq;
                    self.stats.surplus += u64::from(stale);
                    return !stale;
                }
                let (commit, view, seq, digest, from) = match m {
                    Message::Prepare(p) => (false, p.body.view, p.body.seq, p.body.digest, p.body.replica),
                    Message::Commit(c) => (true, c.body.view, c.body.seq, c.body.digest, c.body.replica),
                    _ => return true,
                };
                if !self.active || view != self.view || (!commit && from == self.primary()) {
                    return true;
                }
                let Some(slot) = self.log.get(&seq) else { return true };
                if slot.digest() != Some(digest) {
                    return true;
                }
                let (done, held, have, need) = if commit {
                    let have = slot.commits.values().filter(|c| c.body.digest == digest).count();
                    (slot.committed, slot.commits.contains_key(&from), have, self.quorum())
                } else {
                    let have = slot.prepares.values().filter(|p| p.body.digest == digest).count();
                    (slot.prepared, slot.prepares.contains_key(&from), have, self.prepare_quorum())
                };
                let senders = earlier.entry((commit, seq)).or_default();
                let surplus = done || held || have + senders.len() >= need;
                if surplus {
                    self.saw_seq(from, seq);
                    self.stats.surplus += 1;
                } else {
                    senders.insert(from);
                }
                !surplus
            })
            .collect()
    }
}
