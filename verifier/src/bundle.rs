//! Bundles: a data set too large for one circuit, proved in consecutive chunks.
//!
//! A bundle (JSON, `bundle.json`) names the whole claim and lists one statement per chunk, with
//! the chunk's proof and verifying key files (paths relative to the bundle file):
//!
//! ```json
//! {"format":"zkpot-bundle","version":1,"backend":"halo2-kzg-bn254",
//!  "model_commitment":"0x..","dataset_commitment":"0x..","samples":1797,"score":1786,
//!  "chunks":[{"statement":{..},"proof":"chunk-000.proof.bin","vk":"vk-500.key"}, ..]}
//! ```
//!
//! It is accepted iff every chunk proof verifies for its statement, every chunk names the same
//! backend and model commitment, the chunks' sizes and data set commitments hash to the
//! bundle's data set commitment ([`zkpot_circuits::commit::chunked_dataset_commitment`]), the
//! sizes add up to `samples` and the scores to `score`. Every chunk is scored by the bundle's
//! score function (`"score_function"`, absent for top-1 as in statements), a count: top-1 or
//! top-k. MSE is refused, since a mean of rounded chunk means is not the rounded mean.

use crate::error::VerifyError;
use crate::proof::ProofFile;
use crate::statement::Statement;
use crate::vk::VerifierKey;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;
use zkpot_circuits::commit::chunked_dataset_commitment;
use zkpot_circuits::field::{fr_from_hex, fr_to_hex};
use zkpot_circuits::score::ScoreFunction;

/// Format tag of bundle files.
pub const BUNDLE_FORMAT: &str = "zkpot-bundle";

/// One chunk: its statement and where its proof and verifying key are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleChunk {
    pub statement: Statement,
    pub proof: String,
    pub vk: String,
}

/// "The committed model scores `score` of `samples` on the chunked data set."
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    pub format: String,
    pub version: u32,
    pub backend: String,
    pub model_commitment: String,
    pub dataset_commitment: String,
    pub samples: u64,
    pub score: u64,
    /// What every chunk's score counts; absent for top-1.
    #[serde(default, skip_serializing_if = "ScoreFunction::is_top1")]
    pub score_function: ScoreFunction,
    pub chunks: Vec<BundleChunk>,
}

impl Bundle {
    /// The bundle of `chunks` (in data set order); totals and the chunked commitment are
    /// computed from the chunk statements.
    pub fn new(chunks: Vec<BundleChunk>) -> Result<Self, VerifyError> {
        let first = chunks.first().ok_or_else(|| VerifyError::Statement("a bundle needs at least one chunk".into()))?;
        let mut parts = Vec::with_capacity(chunks.len());
        for c in &chunks {
            parts.push((c.statement.samples, c.statement.public_inputs()?[1]));
        }
        Ok(Bundle {
            format: BUNDLE_FORMAT.into(),
            version: 1,
            backend: first.statement.backend.clone(),
            model_commitment: first.statement.model_commitment.clone(),
            dataset_commitment: fr_to_hex(&chunked_dataset_commitment(&parts)),
            samples: chunks.iter().map(|c| c.statement.samples).sum(),
            score: chunks.iter().map(|c| c.statement.score).sum(),
            score_function: first.statement.score_function,
            chunks,
        })
    }

    /// Parses a bundle file and checks that it is consistent (see [`Bundle::check`]).
    pub fn from_json(text: &str) -> Result<Self, VerifyError> {
        let b: Bundle = serde_json::from_str(text).map_err(|e| VerifyError::Statement(format!("bundle: {e}")))?;
        b.check()?;
        Ok(b)
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Everything but the proofs: format, one backend and one model commitment throughout,
    /// sizes and scores adding up, and the chunks hashing to the data set commitment.
    pub fn check(&self) -> Result<(), VerifyError> {
        if self.format != BUNDLE_FORMAT || self.version != 1 {
            return Err(VerifyError::Statement(format!(
                "expected format `{BUNDLE_FORMAT}` version 1, found `{}` version {}",
                self.format, self.version
            )));
        }
        if self.chunks.is_empty() {
            return Err(VerifyError::Statement("the bundle has no chunks".into()));
        }
        let model = fr_from_hex(&self.model_commitment).map_err(|e| VerifyError::Statement(format!("model_commitment: {e}")))?;
        let data = fr_from_hex(&self.dataset_commitment).map_err(|e| VerifyError::Statement(format!("dataset_commitment: {e}")))?;
        let mut parts = Vec::with_capacity(self.chunks.len());
        let (mut samples, mut score) = (0u64, 0u64);
        for (i, c) in self.chunks.iter().enumerate() {
            let public = c.statement.public_inputs().map_err(|e| VerifyError::Statement(format!("chunk {i}: {e}")))?;
            // a bundle's score is a sum of counts under one score function; a mean (mse) is no count
            if self.score_function.is_mse() {
                return Err(VerifyError::Statement("a bundle cannot add mse scores: a mean of rounded chunk means is not the rounded mean".into()));
            }
            if c.statement.score_function != self.score_function {
                return Err(VerifyError::Mismatch(format!(
                    "chunk {i} is scored by {}, the bundle by {}",
                    c.statement.score_function.name(),
                    self.score_function.name()
                )));
            }
            if c.statement.backend != self.backend {
                return Err(VerifyError::Mismatch(format!("chunk {i} is a `{}` proof, the bundle is `{}`", c.statement.backend, self.backend)));
            }
            if public[0] != model {
                return Err(VerifyError::Mismatch(format!(
                    "chunk {i} is about model {}, the bundle about model {}",
                    c.statement.model_commitment, self.model_commitment
                )));
            }
            parts.push((c.statement.samples, public[1]));
            samples = samples.saturating_add(c.statement.samples);
            score = score.saturating_add(c.statement.score);
        }
        if samples != self.samples {
            return Err(VerifyError::Mismatch(format!("the chunks hold {samples} samples, the bundle claims {}", self.samples)));
        }
        if score != self.score {
            return Err(VerifyError::Mismatch(format!("the chunk scores add up to {score}, the bundle claims {}", self.score)));
        }
        if chunked_dataset_commitment(&parts) != data {
            return Err(VerifyError::Mismatch(
                "the chunks' sizes and data set commitments do not hash to the bundle's data set commitment".into(),
            ));
        }
        Ok(())
    }

    /// Checks the bundle and every chunk proof, given each chunk's proof and verifying key in
    /// chunk order (chunks of one size share one key). The chunk proofs are checked together,
    /// with one pairing check for all chunks whose keys come from one SRS
    /// ([`crate::halo2::verify_batch`]); a chunk that fails is named.
    pub fn verify(&self, parts: &[(ProofFile, &VerifierKey)]) -> Result<(), VerifyError> {
        self.check()?;
        if parts.len() != self.chunks.len() {
            return Err(VerifyError::Mismatch(format!("{} proofs for {} chunks", parts.len(), self.chunks.len())));
        }
        let items: Vec<_> = self.chunks.iter().zip(parts).map(|(c, (proof, key))| (&c.statement, proof, *key)).collect();
        crate::halo2::verify_batch(&items).map_err(|(i, e)| match e {
            VerifyError::Rejected(m) => VerifyError::Rejected(format!("chunk {i}: {m}")),
            VerifyError::Mismatch(m) => VerifyError::Mismatch(format!("chunk {i}: {m}")),
            other => other,
        })
    }

    /// Reads the bundle file at `path` with the proof and key files it names, and verifies all.
    /// Each distinct key (by file, then by content) is read, decoded and handed to `trust` once
    /// (with its path), which refuses keys the verifier does not trust ([`crate::pin::check`]):
    /// the bundle's keys come from the prover.
    pub fn verify_files(path: &Path, trust: &dyn Fn(&Path, &crate::AnyKey) -> Result<(), VerifyError>) -> Result<Bundle, VerifyError> {
        let io = |p: &Path, e: std::io::Error| VerifyError::Io { path: p.display().to_string(), source: e };
        let text = std::fs::read_to_string(path).map_err(|e| io(path, e))?;
        let bundle = Bundle::from_json(&text)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut keys: Vec<VerifierKey> = Vec::new();
        let (mut by_path, mut by_content) = (HashMap::new(), HashMap::new());
        let mut proofs = Vec::with_capacity(bundle.chunks.len());
        for c in &bundle.chunks {
            let pp = dir.join(&c.proof);
            let proof = ProofFile::from_bytes(&std::fs::read(&pp).map_err(|e| io(&pp, e))?)?;
            let kp = dir.join(&c.vk);
            let at = match by_path.get(&kp) {
                Some(&at) => at,
                None => {
                    let bytes = std::fs::read(&kp).map_err(|e| io(&kp, e))?;
                    let content = crate::key_digest(&bytes);
                    let at = match by_content.get(&content) {
                        Some(&at) => at,
                        None => {
                            let any = crate::AnyKey::Halo2(Box::new(VerifierKey::from_bytes(&bytes)?));
                            trust(&kp, &any)?;
                            let crate::AnyKey::Halo2(key) = any else { unreachable!("wrapped just above") };
                            keys.push(*key);
                            by_content.insert(content, keys.len() - 1);
                            keys.len() - 1
                        }
                    };
                    by_path.insert(kp, at);
                    at
                }
            };
            proofs.push((proof, at));
        }
        let parts: Vec<(ProofFile, &VerifierKey)> = proofs.into_iter().map(|(proof, at)| (proof, &keys[at])).collect();
        bundle.verify(&parts)?;
        Ok(bundle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkpot_circuits::score::ScoreFunction;

    #[test]
    fn chunks_share_the_bundles_counting_score_function() {
        let st = |score_function| {
            Statement::new("halo2-kzg-bn254", "ab".into(), format!("0x{}", "1".repeat(64)), format!("0x{}", "2".repeat(64)), 4, 3)
                .with_score_function(score_function)
        };
        let chunk = |s| BundleChunk { statement: s, proof: "p".into(), vk: "v".into() };
        let top1 = Bundle::new(vec![chunk(st(ScoreFunction::Top1)), chunk(st(ScoreFunction::Top1))]).unwrap();
        top1.check().unwrap();
        assert!(!top1.to_json().contains("score_function"), "top-1 bundles read as before");
        let top2 = Bundle::new(vec![chunk(st(ScoreFunction::TopK { k: 2 })), chunk(st(ScoreFunction::TopK { k: 2 }))]).unwrap();
        assert_eq!(Bundle::from_json(&top2.to_json()).unwrap().score_function, ScoreFunction::TopK { k: 2 });
        for other in [ScoreFunction::Mse, ScoreFunction::TopK { k: 2 }] {
            let b = Bundle::new(vec![chunk(st(ScoreFunction::Top1)), chunk(st(other))]).unwrap();
            let err = b.check().unwrap_err().to_string();
            assert!(err.contains(&format!("chunk 1 is scored by {}, the bundle by top-1", other.name())), "{err}");
        }
        let mse = Bundle::new(vec![chunk(st(ScoreFunction::Mse))]).unwrap();
        assert!(mse.check().unwrap_err().to_string().contains("cannot add mse"));
        // a top-2 bundle relabelled top-1 is refused
        let mut relabelled = top2.clone();
        relabelled.score_function = ScoreFunction::Top1;
        assert!(relabelled.check().is_err());
    }
}
