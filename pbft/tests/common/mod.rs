//! Shared test helpers: a deterministic test application and cluster keys.
#![allow(dead_code)]

pub mod net;

use std::collections::BTreeMap;

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use zkpot_pbft::crypto::test_key;
use zkpot_pbft::types::sha256;
use zkpot_pbft::{App, AppError, ExecCtx};

/// Counter + hash chain over executed operations; detects duplicate execution.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TestApp {
    pub count: u64,
    pub acc: [u8; 32],
    pub last_ts: BTreeMap<[u8; 32], u64>,
    #[serde(skip)]
    pub duplicate_executions: u64,
}

impl App for TestApp {
    fn execute(&mut self, op: &[u8], ctx: &ExecCtx) -> Vec<u8> {
        let last = self.last_ts.entry(ctx.client.0).or_insert(0);
        if *last >= ctx.client_timestamp {
            self.duplicate_executions += 1;
        }
        *last = ctx.client_timestamp;
        self.count += 1;
        let mut buf = self.acc.to_vec();
        buf.extend_from_slice(op);
        buf.extend_from_slice(&ctx.seq.to_le_bytes());
        buf.extend_from_slice(&ctx.time_ms.to_le_bytes());
        self.acc = sha256(&buf);
        let mut out = self.count.to_le_bytes().to_vec();
        out.extend_from_slice(op);
        out
    }
    fn snapshot(&self) -> Vec<u8> {
        postcard::to_stdvec(self).unwrap_or_default()
    }
    fn restore(&mut self, snapshot: &[u8]) -> Result<(), AppError> {
        *self = postcard::from_bytes(snapshot)?;
        Ok(())
    }
}

pub fn replica_keys(n: usize) -> Vec<SigningKey> {
    (0..n).map(|i| test_key(&format!("replica-{i}"))).collect()
}

pub fn client_key(i: usize) -> SigningKey {
    test_key(&format!("client-{i}"))
}
