//! `PotApp`: the PoT state machine as a PBFT application (`zkpot_pbft::App`).
//! `execute` maps PBFT's agreed context (sequence number, primary-assigned
//! `time_ms`) to a [`TxContext`] and runs [`crate::execute::execute`];
//! `snapshot`/`restore` are `SNAPSHOT_VERSION || postcard(PotState)`, byte-identical
//! on replicas that executed the same requests (BTreeMaps only).

use crate::checker::ProofChecker;
use crate::error::LedgerError;
use crate::execute::execute;
use crate::state::{Genesis, PotState, TxContext};
use std::sync::{Arc, Mutex};
use zkpot_pbft::{App, AppError, ExecCtx};

/// Version byte in front of every snapshot.
pub const SNAPSHOT_VERSION: u8 = 3;

/// A read-only window on a running replica's state (updated after every execute),
/// for local queries and tests. Reads may be stale relative to the cluster.
pub type StateView = Arc<Mutex<Option<PotState>>>;

/// The PoT ledger as a replicated PBFT application.
pub struct PotApp {
    state: PotState,
    checker: Arc<dyn ProofChecker>,
    view: Option<StateView>,
}

impl PotApp {
    /// The app at genesis, checking proofs with `checker`.
    pub fn new(genesis: &Genesis, checker: Arc<dyn ProofChecker>) -> Result<Self, LedgerError> {
        Ok(Self {
            state: PotState::new(genesis)?,
            checker,
            view: None,
        })
    }

    /// Also publish the state into `view` after every change.
    pub fn with_view(mut self, view: StateView) -> Self {
        self.view = Some(view);
        self.publish();
        self
    }

    /// The current state.
    pub fn state(&self) -> &PotState {
        &self.state
    }

    fn publish(&self) {
        if let Some(v) = &self.view {
            if let Ok(mut g) = v.lock() {
                *g = Some(self.state.clone());
            }
        }
    }

    /// Encodes a state as a snapshot.
    pub fn encode_snapshot(state: &PotState) -> Vec<u8> {
        let mut out = vec![SNAPSHOT_VERSION];
        if let Ok(b) = postcard::to_allocvec(state) {
            out.extend(b);
        }
        out
    }

    /// Decodes a snapshot.
    pub fn decode_snapshot(bytes: &[u8]) -> Result<PotState, LedgerError> {
        match bytes.split_first() {
            Some((&SNAPSHOT_VERSION, rest)) => postcard::from_bytes(rest)
                .map_err(|e| LedgerError::Encoding(format!("snapshot: {e}"))),
            Some((v, _)) => Err(LedgerError::Encoding(format!(
                "unknown snapshot version {v}"
            ))),
            None => Err(LedgerError::Encoding("empty snapshot".into())),
        }
    }
}

impl App for PotApp {
    fn execute(&mut self, op: &[u8], ctx: &ExecCtx) -> Vec<u8> {
        let reply = execute(
            &mut self.state,
            op,
            TxContext {
                seq: ctx.seq,
                now: ctx.time_ms,
            },
            self.checker.as_ref(),
        );
        if self.view.is_some() {
            self.publish();
        }
        reply.to_bytes()
    }

    fn snapshot(&self) -> Vec<u8> {
        Self::encode_snapshot(&self.state)
    }

    fn restore(&mut self, snapshot: &[u8]) -> Result<(), AppError> {
        self.state = Self::decode_snapshot(snapshot).map_err(|e| Box::new(e) as AppError)?;
        self.publish();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::MarkerChecker;
    use crate::keys::{account_from_seed, signing_key_from_seed};
    use crate::tx::{Op, SignedTx, TxBody};
    use zkpot_pbft::ClientId;

    #[test]
    fn snapshot_round_trip_and_bad_snapshots() {
        let mut g = Genesis::default();
        g.allocations.insert(account_from_seed("a"), 100);
        let mut app = PotApp::new(&g, Arc::new(MarkerChecker::new())).unwrap();
        let tx = SignedTx::sign(
            &signing_key_from_seed("a"),
            g.network_id(),
            0,
            TxBody::Transfer {
                to: account_from_seed("b"),
                amount: 5,
            },
        );
        let ctx = ExecCtx {
            seq: 1,
            index: 0,
            client: ClientId([0; 32]),
            client_timestamp: 1,
            time_ms: 10,
        };
        let r = app.execute(&Op::Tx(tx).encode(), &ctx);
        assert!(String::from_utf8(r).unwrap().contains("\"ok\":true"));
        let snap = app.snapshot();
        let mut other = PotApp::new(&Genesis::default(), Arc::new(MarkerChecker::new())).unwrap();
        other.restore(&snap).unwrap();
        assert_eq!(other.state(), app.state());
        assert_eq!(other.snapshot(), snap);
        assert!(other.restore(&[]).is_err());
        assert!(other.restore(&[9, 1]).is_err());
        assert!(other.restore(&[SNAPSHOT_VERSION, 0xff, 0xff]).is_err());
        assert_eq!(
            other.state(),
            app.state(),
            "failed restore leaves state alone"
        );
    }
}
