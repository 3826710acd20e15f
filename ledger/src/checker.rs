//! `ProofChecker`: the seam where the real SNARK verifier plugs in. Every replica runs
//! it while applying a transaction, so it must be deterministic: same statement and
//! proof, same answer, on every machine. "Cannot check" ([`ProofChecker::can_check`]) is
//! never "invalid": the ledger refuses to judge such a proof rather than slash anyone.
//!
//! `MarkerChecker`, `FakeSnarkChecker` and `AcceptAll` are stand-ins for tests,
//! benchmarks and demos without a verifier; the command line reaches them only behind
//! the explicit development flag (see `config::builtin_checker`).

use crate::statement::Statement;

/// Checks a validation proof against its statement. Object-safe; passed into the
/// state machine at construction as `Arc<dyn ProofChecker>`.
pub trait ProofChecker: Send + Sync {
    /// `Ok(())` iff `proof` proves `statement`; `Err(reason)` otherwise. Only called
    /// after [`ProofChecker::can_check`] said yes.
    fn check(&self, statement: &Statement, proof: &[u8]) -> Result<(), String>;

    /// `Ok(())` if this checker can judge proofs of `statement` (it has the verifying
    /// key of its circuit); `Err(reason)` if it cannot, which is not a verdict.
    fn can_check(&self, _statement: &Statement) -> Result<(), String> {
        Ok(())
    }

    /// True for the stand-ins that do not verify proofs (announced loudly by nodes).
    fn is_stand_in(&self) -> bool {
        true
    }

    /// The verifying keys this checker holds (served by the read API so that clients can
    /// check proofs themselves); stand-ins hold none.
    fn verifying_keys(&self) -> Vec<zkpot_verifier::AnyKey> {
        Vec::new()
    }
}

/// Accepts a proof iff it starts with `marker` (so "realistic" 1.5 KB proofs can carry
/// the marker followed by padding). A tampered proof is any proof without it.
#[derive(Clone, Debug)]
pub struct MarkerChecker {
    /// The bytes a valid proof starts with.
    pub marker: Vec<u8>,
}

impl MarkerChecker {
    /// The marker used by this crate's tests, benchmarks and demos.
    pub const DEFAULT_MARKER: &'static [u8] = b"zkpot-valid-proof";

    /// A checker accepting proofs that start with [`Self::DEFAULT_MARKER`].
    pub fn new() -> Self {
        Self {
            marker: Self::DEFAULT_MARKER.to_vec(),
        }
    }
}

impl Default for MarkerChecker {
    fn default() -> Self {
        Self::new()
    }
}

impl ProofChecker for MarkerChecker {
    fn check(&self, _statement: &Statement, proof: &[u8]) -> Result<(), String> {
        if proof.starts_with(&self.marker) {
            Ok(())
        } else {
            Err("proof does not carry the expected marker".to_string())
        }
    }
}

/// A checker that accepts every proof: for optimistic-mode benchmarks only.
#[derive(Clone, Copy, Debug, Default)]
pub struct AcceptAll;

impl ProofChecker for AcceptAll {
    fn check(&self, _statement: &Statement, _proof: &[u8]) -> Result<(), String> {
        Ok(())
    }
}

/// A stand-in SNARK: a "proof" is `filler || SHA-256(domain || statement JSON ||
/// filler)`. It binds the statement (change the score and it fails) and any flipped
/// byte breaks it, like a real proof, at the cost of one hash. For demos, benchmarks
/// and tests without the real verifier.
#[derive(Clone, Copy, Debug, Default)]
pub struct FakeSnarkChecker;

impl FakeSnarkChecker {
    const DOMAIN: &'static [u8] = b"zkpot-ledger/fake-snark/v1";

    fn tag(statement: &Statement, filler: &[u8]) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(Self::DOMAIN);
        h.update(serde_json::to_vec(statement).unwrap_or_default());
        h.update(filler);
        h.finalize().into()
    }

    /// A valid fake proof of `statement`, `len` bytes long (at least 32).
    pub fn prove(statement: &Statement, len: usize) -> Vec<u8> {
        let filler: Vec<u8> = (0..len.saturating_sub(32))
            .map(|i| (i % 251) as u8)
            .collect();
        let mut p = filler.clone();
        p.extend(Self::tag(statement, &filler));
        p
    }
}

impl ProofChecker for FakeSnarkChecker {
    fn check(&self, statement: &Statement, proof: &[u8]) -> Result<(), String> {
        if proof.len() < 32 {
            return Err(format!("proof too short ({} bytes)", proof.len()));
        }
        let (filler, tag) = proof.split_at(proof.len() - 32);
        if tag == Self::tag(statement, filler) {
            Ok(())
        } else {
            Err("fake SNARK check failed: proof does not match the statement".to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_snark_binds_statement_and_bytes() {
        let s: Statement = serde_json::from_str(r#"{"format":"zkpot-statement","version":1,"backend":"b","shape_id":"ab","model_commitment":"0x00","dataset_commitment":"0x00","samples":5,"score":3}"#).unwrap();
        let p = FakeSnarkChecker::prove(&s, 1500);
        assert_eq!(p.len(), 1500);
        assert!(FakeSnarkChecker.check(&s, &p).is_ok());
        let mut t = p.clone();
        t[700] ^= 1;
        assert!(FakeSnarkChecker.check(&s, &t).is_err());
        let mut s2 = s.clone();
        s2.score = 4;
        assert!(FakeSnarkChecker.check(&s2, &p).is_err());
        assert!(FakeSnarkChecker.check(&s, &p[..10]).is_err());
        assert!(MarkerChecker::new()
            .check(&s, b"zkpot-valid-proof...")
            .is_ok());
        assert!(MarkerChecker::new().check(&s, b"nope").is_err());
        assert!(AcceptAll.check(&s, b"").is_ok());
    }
}
