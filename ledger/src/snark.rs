//! The real proof checker: zkpot's light verifier behind the ledger's [`ProofChecker`] seam.
//! It holds the verifying keys of the architectures the network accepts, of either backend
//! (halo2 or Groth16), keyed by circuit shape id; a proof is the bytes of a zkpot proof file,
//! checked by [`zkpot_verifier::verify_any`], which dispatches on the statement's backend.
//! Verification is deterministic, so every replica reaches the same verdict.
//!
//! Which keys a network accepts is part of genesis (shape id -> key digest), not of a
//! node's directory: [`SnarkChecker::for_genesis`] loads exactly the genesis keys and
//! refuses to start a node whose directory lacks one or holds a different key for a
//! genesis shape, so two replicas never disagree about a proof because of their keys.

use crate::bytes32::Bytes32;
use crate::checker::ProofChecker;
use crate::error::LedgerError;
use crate::state::Genesis;
use crate::statement::Statement;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use zkpot_verifier::{verify_any, AnyKey, ProofFile};

/// The one place that decides whether a genesis may list `key` for `shape_id`: called
/// for every key [`SnarkChecker::for_genesis`] loads.
///
/// A key made from development material (the halo2 development SRS or the Groth16
/// development seed, recognised from the key itself: anyone can forge proofs under it) is
/// refused unless `genesis.development_network` is set; a development network's nodes say so
/// when they start.
pub fn admit_key(genesis: &Genesis, shape_id: &str, key: &AnyKey) -> Result<(), LedgerError> {
    if key.is_development() && !genesis.development_network {
        return Err(LedgerError::Config(format!(
            "the verifying key for genesis shape {shape_id} (digest {}) is development material, made from a public seed: \
             anyone can forge proofs under it. Use keys from a ceremony (docs/trust.md), or mark the genesis \
             `development_network: true` for a test network",
            key.digest_hex()
        )));
    }
    Ok(())
}

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

    /// A checker holding exactly the verifying keys `genesis` lists, read from the
    /// `*.vk` / `*.key` files of `dir`. Fails, naming the shape, the file and both
    /// digests, if a genesis key is missing or a file holds a different key for a
    /// genesis shape; keys for other shapes are ignored (the network does not accept
    /// them).
    pub fn for_genesis(dir: &Path, genesis: &Genesis) -> Result<Self, LedgerError> {
        let found = read_key_dir(dir)?;
        let mut keys = HashMap::new();
        for (shape, want) in &genesis.verifying_keys {
            let candidates: Vec<&(PathBuf, AnyKey)> = found.iter().filter(|(_, k)| k.shape_id() == *shape).collect();
            if candidates.is_empty() {
                return Err(LedgerError::Config(format!(
                    "the key directory {} has no verifying key for genesis shape {shape} (genesis digest {})",
                    dir.display(),
                    want.to_hex()
                )));
            }
            let mut chosen = None;
            for (path, key) in candidates {
                let got = Bytes32(key.digest());
                if got != *want {
                    return Err(LedgerError::Config(format!(
                        "{} holds a different verifying key for genesis shape {shape}: its digest is {}, genesis lists {}",
                        path.display(),
                        got.to_hex(),
                        want.to_hex()
                    )));
                }
                admit_key(genesis, shape, key)?;
                chosen = Some(key.clone());
            }
            if let Some(k) = chosen {
                keys.insert(shape.clone(), k);
            }
        }
        Ok(Self { keys })
    }

    /// Shape id -> digest of every verifying key in `dir` (to write a genesis from).
    pub fn digests_in_dir(dir: &Path) -> Result<std::collections::BTreeMap<String, Bytes32>, LedgerError> {
        let mut out = std::collections::BTreeMap::new();
        for (path, key) in read_key_dir(dir)? {
            let d = Bytes32(key.digest());
            if let Some(prev) = out.insert(key.shape_id(), d) {
                if prev != d {
                    return Err(LedgerError::Config(format!(
                        "{} holds a second, different key for shape {} ({} vs {})",
                        path.display(),
                        key.shape_id(),
                        d.to_hex(),
                        prev.to_hex()
                    )));
                }
            }
        }
        if out.is_empty() {
            return Err(LedgerError::Config(format!("no verifying key in {}", dir.display())));
        }
        Ok(out)
    }

    /// The shape ids this checker accepts.
    pub fn shapes(&self) -> Vec<String> {
        let mut v: Vec<String> = self.keys.keys().cloned().collect();
        v.sort();
        v
    }
}

/// Every verifying key among the `*.vk` / `*.key` files of `dir`, with its file (other
/// files and artifacts under a key-like name are skipped), sorted by path.
fn read_key_dir(dir: &Path) -> Result<Vec<(PathBuf, AnyKey)>, LedgerError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| LedgerError::Config(format!("cannot read the key directory {}: {e}", dir.display())))?;
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext == "vk" || ext == "key" {
            if let Ok(key) = std::fs::read(&path).map_err(|_| ()).and_then(|b| AnyKey::from_bytes(&b).map_err(|_| ())) {
                out.push((path, key));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

impl ProofChecker for SnarkChecker {
    fn is_stand_in(&self) -> bool {
        false
    }

    fn can_check(&self, statement: &Statement) -> Result<(), String> {
        if self.keys.contains_key(&statement.shape_id) {
            Ok(())
        } else {
            Err(format!("no verifying key for circuit shape {}", crate::statement::clip(&statement.shape_id)))
        }
    }

    fn verifying_keys(&self) -> Vec<AnyKey> {
        self.keys.values().cloned().collect()
    }

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
