//! The real proof checker: zkpot's light verifier behind the ledger's [`ProofChecker`] seam.
//! It holds the verifying keys of the architectures the network accepts, of either backend
//! (halo2 or Groth16), keyed by circuit shape id; a proof is the bytes of a zkpot proof file,
//! checked by [`zkpot_verifier::verify_any`], which dispatches on the statement's backend.
//! Verification is deterministic, so every replica reaches the same verdict.

use crate::checker::ProofChecker;
use crate::error::LedgerError;
use crate::statement::Statement;
use std::collections::HashMap;
use std::path::Path;
use zkpot_verifier::{verify_any, AnyKey, ProofFile};

/// Verifies halo2 and Groth16 proofs against a set of verifying keys.
#[derive(Clone, Debug, Default)]
pub struct SnarkChecker {
    keys: HashMap<String, AnyKey>,
}

/// The checker's earlier name, from when it read halo2 keys only.
pub type Halo2Checker = SnarkChecker;

impl SnarkChecker {
    /// A checker knowing one verifying key (the bytes of a `vk.key` file).
    pub fn from_key_bytes(bytes: &[u8]) -> Result<Self, LedgerError> {
        let mut c = SnarkChecker::default();
        c.add_key_bytes(bytes)?;
        Ok(c)
    }

    /// Adds a verifying key.
    pub fn add_key_bytes(&mut self, bytes: &[u8]) -> Result<(), LedgerError> {
        let key = AnyKey::from_bytes(bytes).map_err(|e| LedgerError::Config(format!("verifying key: {e}")))?;
        self.keys.insert(key.shape_id(), key);
        Ok(())
    }

    /// Loads every `*.vk` and `*.key` file of a directory that holds a verifying key (other
    /// files are skipped); errors if none does.
    pub fn from_dir(dir: &Path) -> Result<Self, LedgerError> {
        let mut c = SnarkChecker::default();
        let entries = std::fs::read_dir(dir).map_err(|e| LedgerError::Config(format!("cannot read the key directory {}: {e}", dir.display())))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if ext == "vk" || ext == "key" {
                if let Ok(bytes) = std::fs::read(&path) {
                    // a proof or another artifact under a key-like name is skipped
                    let _ = c.add_key_bytes(&bytes);
                }
            }
        }
        if c.keys.is_empty() {
            return Err(LedgerError::Config(format!("no verifying key in {}", dir.display())));
        }
        Ok(c)
    }

    /// The shape ids this checker accepts.
    pub fn shapes(&self) -> Vec<String> {
        let mut v: Vec<String> = self.keys.keys().cloned().collect();
        v.sort();
        v
    }
}

impl ProofChecker for SnarkChecker {
    fn check(&self, statement: &Statement, proof: &[u8]) -> Result<(), String> {
        let key = self
            .keys
            .get(&statement.shape_id)
            .ok_or_else(|| format!("no verifying key for circuit shape {}", statement.shape_id))?;
        let proof = ProofFile::from_bytes(proof).map_err(|e| e.to_string())?;
        verify_any(statement, &proof, key).map_err(|e| match e {
            zkpot_verifier::VerifyError::Rejected(detail) => format!("it does not verify for this statement and verifying key ({detail})"),
            other => other.to_string(),
        })
    }
}
