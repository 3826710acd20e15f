//! Talking to a ledger: the `LedgerClient` trait (submit an `Op`, get the `Reply`
//! agreed by f+1 replicas), helpers on top of it (nonces, ledger time, waiting for a
//! deadline), and `LocalLedger`, an in-memory single-replica ledger with a virtual
//! clock for tests and dry runs.

use crate::bytes32::Bytes32;
use crate::checker::ProofChecker;
use crate::error::LedgerError;
use crate::execute::{execute, Reply, TxOutcome};
use crate::state::{Genesis, PotState, TxContext};
use crate::statement::Statement;
use crate::tx::{Op, Query, SignedTx, TxBody};
use crate::validation::validation_commitment;
use ed25519_dalek::SigningKey;
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Anything that orders operations and returns their replies.
pub trait LedgerClient {
    /// Submits `op` and waits for its reply.
    fn submit(&mut self, op: Op) -> impl Future<Output = Result<Reply, LedgerError>> + Send;

    /// Sleeps `ms` of ledger time (wall clock for real clusters; virtual for
    /// `LocalLedger`).
    fn pause(&mut self, ms: u64) -> impl Future<Output = ()> + Send;
}

/// Runs a query through consensus and returns its JSON answer.
pub async fn query<L: LedgerClient>(l: &mut L, q: Query) -> Result<Value, LedgerError> {
    match l.submit(Op::Query(q)).await? {
        Reply::Query { answer } => Ok(answer),
        other => Err(LedgerError::Consensus(format!(
            "unexpected reply to a query: {other:?}"
        ))),
    }
}

/// The ledger time of the query's consensus slot (ms).
pub async fn ledger_time<L: LedgerClient>(l: &mut L) -> Result<u64, LedgerError> {
    let t = query(l, Query::Totals).await?;
    t["last_time"]
        .as_u64()
        .ok_or_else(|| LedgerError::Consensus("totals without last_time".into()))
}

/// The next nonce of `account`.
pub async fn nonce_of<L: LedgerClient>(l: &mut L, account: Bytes32) -> Result<u64, LedgerError> {
    Ok(network_and_nonce(l, account).await?.1)
}

/// The network id (genesis digest) the ledger answers for, and `account`'s next nonce,
/// in one query (the answer is f+1-matched like any reply).
pub async fn network_and_nonce<L: LedgerClient>(
    l: &mut L,
    account: Bytes32,
) -> Result<(Bytes32, u64), LedgerError> {
    let a = query(l, Query::GetAccount { account }).await?;
    let network: Bytes32 = serde_json::from_value(a["network"].clone())
        .map_err(|e| LedgerError::Consensus(format!("account answer without a network id: {e}")))?;
    Ok((network, a["nonce"].as_u64().unwrap_or(0)))
}

/// The network id (genesis digest) of the ledger.
pub async fn network_id<L: LedgerClient>(l: &mut L) -> Result<Bytes32, LedgerError> {
    Ok(network_and_nonce(l, Bytes32::default()).await?.0)
}

/// The commit transaction of a validation by `key` of `claim` on `order` with
/// `statement` and `proof` (keep `salt` secret until the reveal).
#[allow(clippy::too_many_arguments)]
pub async fn validation_commit_body<L: LedgerClient>(
    l: &mut L,
    key: &SigningKey,
    order: u64,
    claim: u64,
    statement: &Statement,
    proof: &[u8],
    salt: &Bytes32,
    stake: u64,
) -> Result<TxBody, LedgerError> {
    let network = network_id(l).await?;
    let validator = Bytes32(key.verifying_key().to_bytes());
    let commitment = validation_commitment(&network, &validator, order, claim, statement, proof, salt);
    Ok(TxBody::ValidateCommit {
        order,
        claim,
        commitment,
        stake,
    })
}

/// Reveals validation `validation` once the ledger's time has reached the order's
/// validation deadline `opens` (never earlier: a reveal sent before commitments close
/// would show the proof to others while they can still commit to it).
pub async fn reveal_validation<L: LedgerClient>(
    l: &mut L,
    key: &SigningKey,
    opens: u64,
    validation: u64,
    statement: &Statement,
    proof: &[u8],
    salt: &Bytes32,
) -> Result<TxOutcome, LedgerError> {
    wait_until(l, opens).await?;
    send_tx(
        l,
        key,
        TxBody::ValidateReveal {
            validation,
            statement: statement.clone(),
            proof: proof.to_vec(),
            salt: *salt,
        },
    )
    .await
}

/// Waits until the ledger's agreed time is at least `t` (ms).
pub async fn wait_until<L: LedgerClient>(l: &mut L, t: u64) -> Result<u64, LedgerError> {
    loop {
        let now = ledger_time(l).await?;
        if now >= t {
            return Ok(now);
        }
        l.pause((t - now).min(200)).await;
    }
}

/// Signs `body` with the account's current nonce and submits it; returns the outcome
/// (accepted or rejected with a reason).
pub async fn send_tx<L: LedgerClient>(
    l: &mut L,
    key: &SigningKey,
    body: TxBody,
) -> Result<TxOutcome, LedgerError> {
    let account = Bytes32(key.verifying_key().to_bytes());
    let (network, nonce) = network_and_nonce(l, account).await?;
    match l.submit(Op::Tx(SignedTx::sign(key, network, nonce, body))).await? {
        Reply::Tx(o) => Ok(o),
        other => Err(LedgerError::Consensus(format!(
            "unexpected reply to a transaction: {other:?}"
        ))),
    }
}

/// Like [`send_tx`] but a rejection is an error.
pub async fn send_ok<L: LedgerClient>(
    l: &mut L,
    key: &SigningKey,
    body: TxBody,
) -> Result<TxOutcome, LedgerError> {
    let o = send_tx(l, key, body).await?;
    match &o.reject {
        Some(r) if !o.ok => Err(LedgerError::Rejected(r.clone())),
        _ => Ok(o),
    }
}

/// An in-memory ledger: one `PotState`, a virtual clock advancing 1 ms per op.
pub struct LocalLedger {
    /// The state.
    pub state: PotState,
    /// Virtual ledger time, ms.
    pub now: u64,
    seq: u64,
    checker: Arc<dyn ProofChecker>,
}

impl LocalLedger {
    /// A fresh ledger at `genesis`, time `start_ms`.
    pub fn new(
        genesis: &Genesis,
        checker: Arc<dyn ProofChecker>,
        start_ms: u64,
    ) -> Result<Self, LedgerError> {
        Ok(Self {
            state: PotState::new(genesis)?,
            now: start_ms,
            seq: 0,
            checker,
        })
    }
}

impl LedgerClient for LocalLedger {
    #[allow(clippy::manual_async_fn)]
    fn submit(&mut self, op: Op) -> impl Future<Output = Result<Reply, LedgerError>> + Send {
        self.seq += 1;
        self.now += 1;
        let reply = execute(
            &mut self.state,
            &op.encode(),
            TxContext {
                seq: self.seq,
                now: self.now,
            },
            self.checker.as_ref(),
        );
        async move { Ok(reply) }
    }

    #[allow(clippy::manual_async_fn)]
    fn pause(&mut self, ms: u64) -> impl Future<Output = ()> + Send {
        self.now += ms;
        async {}
    }
}

/// Sleeps on the tokio clock (helper for network clients).
pub async fn sleep_ms(ms: u64) {
    tokio_sleep(Duration::from_millis(ms)).await;
}

async fn tokio_sleep(d: Duration) {
    tokio::time::sleep(d).await;
}
