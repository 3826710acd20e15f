//! `PbftLedger`: a [`LedgerClient`] over the PBFT TCP client (`zkpot_pbft::Client`):
//! sends `Op` bytes, waits for f+1 matching replies, decodes the JSON `Reply`.

use crate::client::LedgerClient;
use crate::error::LedgerError;
use crate::execute::Reply;
use crate::keys::signing_key_from_seed;
use crate::tx::Op;
use std::future::Future;
use std::time::Duration;
use zkpot_pbft::{Client, ClusterConfig};

/// A ledger client talking to a PBFT cluster over TCP.
pub struct PbftLedger {
    client: Client,
}

impl PbftLedger {
    /// Connects to `cluster`; the PBFT client key is derived from `client_seed`
    /// (a public label: fine for the PBFT client identity, which signs requests but
    /// holds no value; transactions are signed by account keys).
    pub fn connect(cluster: &ClusterConfig, client_seed: &str) -> Result<Self, LedgerError> {
        Self::connect_with_key(cluster, signing_key_from_seed(&format!("pbft-client/{client_seed}")))
    }

    /// Connects to `cluster` with the PBFT client key `key`.
    pub fn connect_with_key(cluster: &ClusterConfig, key: ed25519_dalek::SigningKey) -> Result<Self, LedgerError> {
        let client =
            Client::connect(cluster, key).map_err(|e| LedgerError::Consensus(e.to_string()))?;
        Ok(Self { client })
    }

    /// Sets the retransmission period and per-request deadline.
    pub fn with_timeouts(self, retry: Duration, deadline: Duration) -> Self {
        Self {
            client: self.client.with_timeouts(retry, deadline),
        }
    }

    /// Submits raw op bytes; returns raw reply bytes (benchmarks).
    pub async fn submit_raw(&mut self, op: Vec<u8>) -> Result<Vec<u8>, LedgerError> {
        self.client
            .submit(op)
            .await
            .map_err(|e| LedgerError::Consensus(e.to_string()))
    }
}

impl LedgerClient for PbftLedger {
    #[allow(clippy::manual_async_fn)]
    fn submit(&mut self, op: Op) -> impl Future<Output = Result<Reply, LedgerError>> + Send {
        async move {
            let bytes = self.submit_raw(op.encode()).await?;
            Ok(Reply::from_bytes(&bytes)?)
        }
    }

    #[allow(clippy::manual_async_fn)]
    fn pause(&mut self, ms: u64) -> impl Future<Output = ()> + Send {
        async move { tokio::time::sleep(Duration::from_millis(ms)).await }
    }
}
