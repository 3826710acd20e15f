//! The two files of a distributed run.
//!
//! **The chunk plan** (`plan.json`, in the keys directory), written once before any chunk is
//! proved: the chunk boundaries (`chunk_size`; chunk `i` holds samples `i*C..min((i+1)*C, N)`,
//! exactly as in `zkpot prove --chunk-size`), the model commitment, each chunk's data set
//! commitment, the chunked data set commitment the bundle will carry, and for each chunk the
//! digest of the verifying key it must be proved with. The key files sit beside the plan,
//! named by digest: `vk-<digest>.key`.
//!
//! ```json
//! {"format":"zkpot-chunk-plan","version":1,"backend":"halo2-kzg-bn254","chunk_size":200,
//!  "samples":1797,"model_commitment":"0x..","dataset_commitment":"0x..",
//!  "chunks":[{"samples":200,"dataset_commitment":"0x..","vk_digest":"3f.."}, ..]}
//! ```
//!
//! **A chunk file** (`chunk-007.json`): one proved chunk, self-contained (the proof file's
//! bytes in hex), so a worker can hand it back as one value.
//!
//! ```json
//! {"format":"zkpot-chunk","version":1,"index":7,"chunks":9,"chunk_size":200,
//!  "vk_digest":"3f..","statement":{..},"proof":"7a6b.."}
//! ```

use crate::error::JobError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use zkpot_circuits::score::ScoreFunction;
use zkpot_verifier::{ProofFile, Statement};

/// Format tag of plan files.
pub const PLAN_FORMAT: &str = "zkpot-chunk-plan";
/// Format tag of chunk files.
pub const CHUNK_FORMAT: &str = "zkpot-chunk";
/// The plan's file name inside its keys directory.
pub const PLAN_FILE: &str = "plan.json";

/// One chunk of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedChunk {
    pub samples: u64,
    pub dataset_commitment: String,
    pub vk_digest: String,
}

/// The chunk plan: what every chunk of the run must prove, and with which key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkPlan {
    pub format: String,
    pub version: u32,
    pub backend: String,
    pub chunk_size: usize,
    pub samples: u64,
    pub model_commitment: String,
    /// The chunked data set commitment (what the bundle carries).
    pub dataset_commitment: String,
    /// What every chunk's score counts; absent for top-1.
    #[serde(default, skip_serializing_if = "ScoreFunction::is_top1")]
    pub score_function: ScoreFunction,
    pub chunks: Vec<PlannedChunk>,
}

/// Whether `s` is a key digest: 64 lowercase hex digits (also what makes it safe as a file name).
pub fn is_digest(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Where the verifying key with `digest` lives in a keys directory.
pub fn key_path(dir: &Path, digest: &str) -> PathBuf {
    dir.join(format!("vk-{digest}.key"))
}

impl ChunkPlan {
    /// Reads `dir/plan.json`.
    pub fn read(dir: &Path) -> Result<Self, JobError> {
        let path = dir.join(PLAN_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| JobError::io("cannot read the chunk plan", &path, e))?;
        Self::from_json(&text).map_err(|e| JobError::Invalid(format!("{}: {e}", path.display())))
    }

    /// Parses a plan and checks its format.
    pub fn from_json(text: &str) -> Result<Self, JobError> {
        let p: ChunkPlan = serde_json::from_str(text).map_err(|e| JobError::Invalid(format!("not a chunk plan: {e}")))?;
        if p.format != PLAN_FORMAT || p.version != 1 {
            return Err(JobError::Invalid(format!("expected format `{PLAN_FORMAT}` version 1, found `{}` version {}", p.format, p.version)));
        }
        if p.chunks.is_empty() || p.chunk_size == 0 {
            return Err(JobError::Invalid("the chunk plan has no chunks".into()));
        }
        if let Some((i, c)) = p.chunks.iter().enumerate().find(|(_, c)| !is_digest(&c.vk_digest)) {
            return Err(JobError::Invalid(format!("chunk {i}: `{}` is not a key digest (64 hex digits)", c.vk_digest)));
        }
        Ok(p)
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Chunk `index` of the plan, or an error naming the plan's range.
    pub fn chunk(&self, index: usize) -> Result<&PlannedChunk, JobError> {
        self.chunks.get(index).ok_or_else(|| {
            JobError::Invalid(format!("chunk {index} is past the plan: {} samples in chunks of {} make chunks 0..={}", self.samples, self.chunk_size, self.chunks.len() - 1))
        })
    }

    /// Refuses a `--chunk-size` other than the plan's.
    pub fn check_chunk_size(&self, chunk_size: usize) -> Result<(), JobError> {
        if chunk_size != self.chunk_size {
            return Err(JobError::Invalid(format!("--chunk-size {chunk_size} differs from the plan's chunk size {}", self.chunk_size)));
        }
        Ok(())
    }

    /// The digests of the plan's keys, each once, in chunk order.
    pub fn key_digests(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in &self.chunks {
            if !out.contains(&c.vk_digest.as_str()) {
                out.push(&c.vk_digest);
            }
        }
        out
    }
}

/// One proved chunk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkFile {
    pub format: String,
    pub version: u32,
    pub index: usize,
    pub chunks: usize,
    pub chunk_size: usize,
    pub vk_digest: String,
    pub statement: Statement,
    /// The proof file's bytes, hex.
    pub proof: String,
}

impl ChunkFile {
    /// The chunk file of chunk `index` of `plan`.
    pub fn new(plan: &ChunkPlan, index: usize, statement: Statement, proof: &ProofFile) -> Self {
        ChunkFile {
            format: CHUNK_FORMAT.into(),
            version: 1,
            index,
            chunks: plan.chunks.len(),
            chunk_size: plan.chunk_size,
            vk_digest: plan.chunks[index].vk_digest.clone(),
            statement,
            proof: hex::encode(proof.to_bytes()),
        }
    }

    /// Parses a chunk file and checks its format (not its proof: see [`crate::assemble`]).
    pub fn from_json(text: &str) -> Result<Self, JobError> {
        let c: ChunkFile = serde_json::from_str(text).map_err(|e| JobError::Invalid(format!("not a chunk file: {e}")))?;
        if c.format != CHUNK_FORMAT || c.version != 1 {
            return Err(JobError::Invalid(format!("expected format `{CHUNK_FORMAT}` version 1, found `{}` version {}", c.format, c.version)));
        }
        Ok(c)
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The proof, decoded.
    pub fn proof_file(&self) -> Result<ProofFile, JobError> {
        let bytes = hex::decode(&self.proof).map_err(|e| JobError::Invalid(format!("the proof is not hex: {e}")))?;
        Ok(ProofFile::from_bytes(&bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(digest: &str) -> String {
        format!(
            r#"{{"format":"zkpot-chunk-plan","version":1,"backend":"halo2-kzg-bn254","chunk_size":2,"samples":2,
               "model_commitment":"0x1","dataset_commitment":"0x2","chunks":[{{"samples":2,"dataset_commitment":"0x3","vk_digest":"{digest}"}}]}}"#
        )
    }

    #[test]
    fn plans_name_keys_by_digest_only() {
        let good = "ab".repeat(32);
        let p = ChunkPlan::from_json(&plan(&good)).unwrap();
        assert_eq!(key_path(Path::new("k"), &p.chunks[0].vk_digest), Path::new("k").join(format!("vk-{good}.key")));
        assert_eq!(ChunkPlan::from_json(&p.to_json()).unwrap(), p);
        // a digest is never a path: the key file's name cannot leave the keys directory
        for bad in ["../../etc/passwd", &"AB".repeat(32), &"ab".repeat(31), &format!("{}é", "a".repeat(62))] {
            let err = ChunkPlan::from_json(&plan(bad)).unwrap_err().to_string();
            assert!(err.contains("is not a key digest"), "{bad}: {err}");
        }
        assert!(ChunkPlan::from_json(&plan(&good).replace("zkpot-chunk-plan", "zkpot-bundle")).unwrap_err().to_string().contains("expected format"));
    }
}
