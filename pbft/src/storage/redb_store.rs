//! redb-backed persistence: one database file per replica.
//!
//! Tables (values are postcard-encoded):
//!
//! | table        | key            | value                                              |
//! |--------------|----------------|----------------------------------------------------|
//! | `meta`       | `"view"`, `"active"`, `"last_executed"`, `"format"` | u64           |
//! | `accepted`   | seq            | `Signed<PrePrepare>` accepted in the current view  |
//! | `prepared`   | seq            | `PreparedCert` (P set, highest view)               |
//! | `committed`  | seq            | `CommittedEntry` above the stable checkpoint       |
//! | `checkpoint` | `"proof"`, `"snapshot"` | stable checkpoint proof and its snapshot  |
//! | `batches`    | batch digest   | `Batch`                                            |
//! | `new_view`   | `"last"`       | `Signed<NewView>` of the latest installed view     |
//!
//! A pre-prepare's batch is stored once, in `batches` under its digest; the rows of
//! `accepted`, `prepared` and `committed` hold their pre-prepare with an empty batch and
//! get it back on load (a 180 KB batch used to be written three times per sequence
//! number). Stable checkpoints delete the batches no row refers to any more.
//!
//! `meta["format"]` is [`STORE_FORMAT`]; a database without it (written before format 2)
//! or with another one is refused at open, with the reason.
//!
//! [`RedbStore::apply`] writes all the ops produced by one core step in a single
//! write transaction with immediate durability (fsync before it returns), so
//! the runtime can send the step's messages right after.

use std::path::Path;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use super::PersistedState;
use crate::crypto::Signed;
use crate::error::{PbftError, Result};
use crate::event::PersistOp;
use crate::message::{CommittedEntry, PrePrepare, PreparedCert};

/// What this build writes and reads: 2 since checkpoint digests are the chunked
/// snapshot digests of [`crate::snapshot`] (signed under `pbft/checkpoint/v2`); a
/// stable checkpoint of format 1 (plain SHA-256, v1 signatures) would no longer verify.
pub const STORE_FORMAT: u64 = 2;

const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const ACCEPTED: TableDefinition<u64, &[u8]> = TableDefinition::new("accepted");
const PREPARED: TableDefinition<u64, &[u8]> = TableDefinition::new("prepared");
const COMMITTED: TableDefinition<u64, &[u8]> = TableDefinition::new("committed");
const CHECKPOINT: TableDefinition<&str, &[u8]> = TableDefinition::new("checkpoint");
const BATCHES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("batches");
const NEW_VIEW: TableDefinition<&str, &[u8]> = TableDefinition::new("new_view");

/// Stores `pp`'s batch under its digest (unless it is there already) and returns `pp`
/// stripped, the form its row holds.
fn keep_batch(batches: &mut redb::Table<&[u8], &[u8]>, pp: &Signed<PrePrepare>) -> Result<Signed<PrePrepare>> {
    if batches.get(&pp.body.digest[..]).map_err(db_err)?.is_none() {
        batches.insert(&pp.body.digest[..], postcard::to_stdvec(&pp.body.batch)?.as_slice()).map_err(db_err)?;
    }
    Ok(pp.stripped())
}


fn db_err<E: Into<redb::Error>>(e: E) -> PbftError {
    PbftError::Storage(e.into().to_string())
}

/// A replica's redb database.
pub struct RedbStore {
    db: Database,
}

impl RedbStore {
    /// Open (or create) the database at `path`. A database of another
    /// [`STORE_FORMAT`] is refused.
    pub fn open(path: &Path) -> Result<Self> {
        let db = Database::create(path).map_err(db_err)?;
        let txn = db.begin_write().map_err(db_err)?;
        {
            let mut meta = txn.open_table(META).map_err(db_err)?;
            if meta.get("active").map_err(db_err)?.is_none() {
                meta.insert("active", 1).map_err(db_err)?;
                meta.insert("format", STORE_FORMAT).map_err(db_err)?;
            }
            let format = meta.get("format").map_err(db_err)?.map_or(1, |v| v.value());
            if format != STORE_FORMAT {
                return Err(PbftError::Storage(format!(
                    "{}: database format {format}, this build reads format {STORE_FORMAT} (checkpoint digests \
                     changed): move the file away and start the replica empty, it catches up by state transfer",
                    path.display()
                )));
            }
            txn.open_table(ACCEPTED).map_err(db_err)?;
            txn.open_table(PREPARED).map_err(db_err)?;
            txn.open_table(COMMITTED).map_err(db_err)?;
            txn.open_table(CHECKPOINT).map_err(db_err)?;
            txn.open_table(BATCHES).map_err(db_err)?;
            txn.open_table(NEW_VIEW).map_err(db_err)?;
        }
        txn.commit().map_err(db_err)?;
        Ok(RedbStore { db })
    }

    /// Read the whole persisted state.
    pub fn load(&self) -> Result<PersistedState> {
        let txn = self.db.begin_read().map_err(db_err)?;
        let meta = txn.open_table(META).map_err(db_err)?;
        let get = |k: &str| -> Result<u64> { Ok(meta.get(k).map_err(db_err)?.map(|v| v.value()).unwrap_or(0)) };
        let mut st = PersistedState {
            view: get("view")?,
            active: get("active")? != 0,
            last_executed: get("last_executed")?,
            ..Default::default()
        };
        let batches = txn.open_table(BATCHES).map_err(db_err)?;
        let attach = |pp: &mut Signed<PrePrepare>| -> Result<()> {
            let row = batches.get(&pp.body.digest[..]).map_err(db_err)?.ok_or_else(|| {
                PbftError::Storage(format!("the batch of the pre-prepare for seq {} is missing", pp.body.seq))
            })?;
            pp.body.batch = postcard::from_bytes(row.value())?;
            Ok(())
        };
        for row in txn.open_table(ACCEPTED).map_err(db_err)?.iter().map_err(db_err)? {
            let (k, v) = row.map_err(db_err)?;
            let mut pp: Signed<PrePrepare> = postcard::from_bytes(v.value())?;
            attach(&mut pp)?;
            st.accepted.insert(k.value(), pp);
        }
        for row in txn.open_table(PREPARED).map_err(db_err)?.iter().map_err(db_err)? {
            let (k, v) = row.map_err(db_err)?;
            let mut cert: PreparedCert = postcard::from_bytes(v.value())?;
            attach(&mut cert.pre_prepare)?;
            st.prepared.insert(k.value(), cert);
        }
        for row in txn.open_table(COMMITTED).map_err(db_err)?.iter().map_err(db_err)? {
            let (k, v) = row.map_err(db_err)?;
            let mut entry: CommittedEntry = postcard::from_bytes(v.value())?;
            attach(&mut entry.pre_prepare)?;
            st.committed.insert(k.value(), entry);
        }
        if let Some(nv) = txn.open_table(NEW_VIEW).map_err(db_err)?.get("last").map_err(db_err)? {
            st.new_view = Some(postcard::from_bytes(nv.value())?);
        }
        let cp = txn.open_table(CHECKPOINT).map_err(db_err)?;
        if let (Some(p), Some(s)) = (cp.get("proof").map_err(db_err)?, cp.get("snapshot").map_err(db_err)?) {
            st.stable = Some((postcard::from_bytes(p.value())?, s.value().to_vec()));
        }
        Ok(st)
    }

    /// Durably apply the ops of one step (one transaction, fsync on commit).
    pub fn apply(&mut self, ops: &[&PersistOp]) -> Result<()> {
        if ops.is_empty() {
            return Ok(());
        }
        let txn = self.db.begin_write().map_err(db_err)?;
        {
            let mut meta = txn.open_table(META).map_err(db_err)?;
            let mut accepted = txn.open_table(ACCEPTED).map_err(db_err)?;
            let mut prepared = txn.open_table(PREPARED).map_err(db_err)?;
            let mut committed = txn.open_table(COMMITTED).map_err(db_err)?;
            let mut checkpoint = txn.open_table(CHECKPOINT).map_err(db_err)?;
            let mut batches = txn.open_table(BATCHES).map_err(db_err)?;
            let mut new_view = txn.open_table(NEW_VIEW).map_err(db_err)?;
            for op in ops {
                match op {
                    PersistOp::View { view, active } => {
                        let old = meta.get("view").map_err(db_err)?.map(|v| v.value()).unwrap_or(0);
                        if old != *view {
                            accepted.retain(|_, _| false).map_err(db_err)?;
                        }
                        meta.insert("view", *view).map_err(db_err)?;
                        meta.insert("active", u64::from(*active)).map_err(db_err)?;
                    }
                    PersistOp::Accepted(pp) => {
                        let view = meta.get("view").map_err(db_err)?.map(|v| v.value()).unwrap_or(0);
                        if pp.body.view == view {
                            let row = keep_batch(&mut batches, pp)?;
                            accepted.insert(pp.body.seq, postcard::to_stdvec(&row)?.as_slice()).map_err(db_err)?;
                        }
                    }
                    PersistOp::Prepared(cert) => {
                        let seq = cert.pre_prepare.body.seq;
                        let newer = match prepared.get(seq).map_err(db_err)? {
                            Some(old) => {
                                let old: crate::message::PreparedCert = postcard::from_bytes(old.value())?;
                                old.pre_prepare.body.view <= cert.pre_prepare.body.view
                            }
                            None => true,
                        };
                        if newer {
                            let pre_prepare = keep_batch(&mut batches, &cert.pre_prepare)?;
                            let row = PreparedCert { pre_prepare, prepares: cert.prepares.clone() };
                            prepared.insert(seq, postcard::to_stdvec(&row)?.as_slice()).map_err(db_err)?;
                        }
                    }
                    PersistOp::Committed(e) => {
                        let pre_prepare = keep_batch(&mut batches, &e.pre_prepare)?;
                        let row = CommittedEntry { pre_prepare, commits: e.commits.clone() };
                        committed.insert(e.pre_prepare.body.seq, postcard::to_stdvec(&row)?.as_slice()).map_err(db_err)?;
                    }
                    PersistOp::NewView(nv) => {
                        let old: Option<crate::crypto::Signed<crate::message::NewView>> =
                            match new_view.get("last").map_err(db_err)? {
                                Some(v) => Some(postcard::from_bytes(v.value())?),
                                None => None,
                            };
                        if old.is_none_or(|o| o.body.view <= nv.body.view) {
                            new_view.insert("last", postcard::to_stdvec(nv)?.as_slice()).map_err(db_err)?;
                        }
                    }
                    PersistOp::Executed(seq) => {
                        let old = meta.get("last_executed").map_err(db_err)?.map(|v| v.value()).unwrap_or(0);
                        meta.insert("last_executed", old.max(*seq)).map_err(db_err)?;
                    }
                    PersistOp::Stable { proof, snapshot } => {
                        let h = proof.seq;
                        let cur: Option<crate::message::CheckpointProof> = match checkpoint.get("proof").map_err(db_err)? {
                            Some(p) => Some(postcard::from_bytes(p.value())?),
                            None => None,
                        };
                        if cur.is_some_and(|c| c.seq >= h) {
                            continue;
                        }
                        accepted.retain(|s, _| s > h).map_err(db_err)?;
                        prepared.retain(|s, _| s > h).map_err(db_err)?;
                        committed.retain(|s, _| s > h).map_err(db_err)?;
                        let mut live = std::collections::HashSet::new();
                        for row in accepted.iter().map_err(db_err)? {
                            let pp: Signed<PrePrepare> = postcard::from_bytes(row.map_err(db_err)?.1.value())?;
                            live.insert(pp.body.digest);
                        }
                        for row in prepared.iter().map_err(db_err)? {
                            let c: PreparedCert = postcard::from_bytes(row.map_err(db_err)?.1.value())?;
                            live.insert(c.pre_prepare.body.digest);
                        }
                        for row in committed.iter().map_err(db_err)? {
                            let e: CommittedEntry = postcard::from_bytes(row.map_err(db_err)?.1.value())?;
                            live.insert(e.pre_prepare.body.digest);
                        }
                        batches.retain(|d, _| live.contains(d)).map_err(db_err)?;
                        let old = meta.get("last_executed").map_err(db_err)?.map(|v| v.value()).unwrap_or(0);
                        meta.insert("last_executed", old.max(h)).map_err(db_err)?;
                        checkpoint.insert("proof", postcard::to_stdvec(proof)?.as_slice()).map_err(db_err)?;
                        checkpoint.insert("snapshot", snapshot.as_slice()).map_err(db_err)?;
                    }
                }
            }
        }
        txn.commit().map_err(db_err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{test_key, Signed};
    use crate::message::*;

    fn pp(view: u64, seq: u64) -> Signed<PrePrepare> {
        let batch = Batch { time_ms: seq, requests: vec![] };
        let primary = (view % 4) as u32;
        let body = PrePrepare { view, seq, digest: batch.digest(), batch, primary };
        Signed::sign(body, &test_key(&format!("replica-{primary}")))
    }

    /// The redb store and the in-memory image agree op by op, across reopen.
    #[test]
    fn redb_matches_in_memory_state_across_reopen() {
        let path = std::env::temp_dir().join(format!("zkpot-pbft-store-{}.redb", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let cert = |v, s| PreparedCert { pre_prepare: pp(v, s), prepares: vec![] };
        let entry = |v, s| CommittedEntry { pre_prepare: pp(v, s), commits: vec![] };
        let ops = vec![
            PersistOp::Accepted(pp(0, 1)),
            PersistOp::Accepted(pp(0, 2)),
            PersistOp::Prepared(cert(0, 1)),
            PersistOp::Prepared(cert(0, 2)),
            PersistOp::Committed(entry(0, 1)),
            PersistOp::Executed(1),
            PersistOp::View { view: 1, active: false },
            PersistOp::Prepared(cert(1, 2)),
            PersistOp::Prepared(cert(0, 2)), // older view: ignored
            PersistOp::View { view: 1, active: true },
            PersistOp::NewView(Signed::sign(
                NewView { view: 1, view_changes: vec![], pre_prepares: vec![pp(1, 3)], primary: 1 },
                &test_key("replica-1"),
            )),
            PersistOp::Accepted(pp(1, 3)),
            PersistOp::Committed(entry(1, 2)),
            PersistOp::Committed(entry(1, 3)),
            PersistOp::Executed(3),
            PersistOp::Stable {
                proof: CheckpointProof { seq: 2, digest: [7; 32], messages: vec![] },
                snapshot: b"snap".to_vec(),
            },
        ];
        let mut mem = PersistedState::genesis();
        for op in &ops {
            mem.apply(op);
        }
        {
            // Transactions of two ops each; the database is closed and reopened.
            let mut store = RedbStore::open(&path).unwrap();
            let refs: Vec<&PersistOp> = ops.iter().collect();
            for chunk in refs.chunks(2) {
                store.apply(chunk).unwrap();
            }
        }
        let store = RedbStore::open(&path).unwrap();
        let loaded = store.load().unwrap();
        assert_eq!(loaded, mem);
        // one stored batch per live digest: seq 3's (accepted and committed share it)
        let txn = store.db.begin_read().unwrap();
        let digests: Vec<Vec<u8>> =
            txn.open_table(BATCHES).unwrap().iter().unwrap().map(|r| r.unwrap().0.value().to_vec()).collect();
        assert_eq!(digests, vec![pp(1, 3).body.digest.to_vec()], "batches at or below the checkpoint are gone");
        assert_eq!(loaded.view, 1);
        assert_eq!(loaded.new_view.as_ref().map(|nv| nv.body.view), Some(1));
        assert!(loaded.active);
        assert_eq!(loaded.last_executed, 3);
        assert_eq!(loaded.accepted.keys().copied().collect::<Vec<_>>(), vec![3]);
        assert_eq!(loaded.prepared.len(), 0, "P entries at or below the stable checkpoint are gone");
        assert_eq!(loaded.committed.keys().copied().collect::<Vec<_>>(), vec![3]);
        let _ = std::fs::remove_file(&path);
    }

    /// A database of an older format (no `format` key, as written before format 2) is
    /// refused with a reason, not misread.
    #[test]
    fn a_database_of_another_format_is_refused() {
        let path = std::env::temp_dir().join(format!("zkpot-pbft-store-format-{}.redb", std::process::id()));
        let _ = std::fs::remove_file(&path);
        drop(RedbStore::open(&path).unwrap());
        {
            let db = Database::create(&path).unwrap();
            let txn = db.begin_write().unwrap();
            txn.open_table(META).unwrap().remove("format").unwrap();
            txn.commit().unwrap();
        }
        let err = RedbStore::open(&path).err().expect("refused").to_string();
        assert!(err.contains("database format 1") && err.contains("state transfer"), "{err}");
        let _ = std::fs::remove_file(&path);
    }
}
