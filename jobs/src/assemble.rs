//! Chunk files to a bundle. Every chunk is checked against the plan before its proof is
//! trusted: its index is in range and given once, it is the plan's chunk (same model, same
//! data set commitment, same size and score function), it names the plan's key for its shape,
//! and its proof verifies under that key (read from the keys directory, never from the chunk).
//! Every refusal names the chunk's index and file.

use crate::error::{write_file, JobError};
use crate::keys::read_key;
use crate::plan::{ChunkFile, ChunkPlan};
use std::collections::BTreeMap;
use std::path::Path;
use zkpot_verifier::bundle::{Bundle, BundleChunk};
use zkpot_verifier::VerifyError;

/// A chunk file to assemble: its name (for messages) and its text.
pub struct ChunkInput {
    pub name: String,
    pub text: String,
}

impl ChunkInput {
    /// Reads a chunk file.
    pub fn read(path: &Path) -> Result<Self, JobError> {
        Ok(ChunkInput { name: path.display().to_string(), text: crate::error::read_text(path)? })
    }
}

/// Checks every chunk against the plan in `keys_dir` and writes the bundle to `out`, with the
/// chunk proofs and the verifying keys beside it. `chunk_size` must be the plan's.
pub fn assemble(keys_dir: &Path, chunk_size: usize, inputs: &[ChunkInput], out: &Path) -> Result<Bundle, JobError> {
    let plan = ChunkPlan::read(keys_dir)?;
    plan.check_chunk_size(chunk_size)?;
    let m = plan.chunks.len();
    let mut by_index: BTreeMap<usize, (&str, ChunkFile)> = BTreeMap::new();
    for input in inputs {
        let name = input.name.as_str();
        let c = ChunkFile::from_json(&input.text).map_err(|e| JobError::Refused(format!("{name} is corrupt: {e}")))?;
        let i = c.index;
        if c.chunk_size != plan.chunk_size || c.chunks != m || i >= m {
            return Err(JobError::Refused(format!(
                "chunk {i} ({name}) is foreign: it is chunk {i} of {} chunks of {}, the plan has {m} chunks of {}",
                c.chunks, c.chunk_size, plan.chunk_size
            )));
        }
        if let Some((other, _)) = by_index.get(&i) {
            return Err(JobError::Refused(format!("chunk {i} is given twice: {other} and {name}")));
        }
        check_against_plan(&plan, &c).map_err(|why| JobError::Refused(format!("chunk {i} ({name}) is foreign: {why}")))?;
        let want = &plan.chunks[i].vk_digest;
        if &c.vk_digest != want {
            return Err(JobError::Refused(format!("chunk {i} ({name}) was proved with key {}, the plan's key for it is {want}", c.vk_digest)));
        }
        by_index.insert(i, (name, c));
    }
    let missing: Vec<String> = (0..m).filter(|i| !by_index.contains_key(i)).map(|i| i.to_string()).collect();
    if !missing.is_empty() {
        return Err(JobError::Refused(format!("chunk {} missing (the plan has chunks 0..={})", missing.join(", "), m - 1)));
    }
    let dir = out.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let stem = out.file_stem().and_then(|s| s.to_str()).unwrap_or("bundle");
    let mut entries = Vec::with_capacity(m);
    let mut keys = BTreeMap::new();
    for (i, (name, c)) in &by_index {
        let key = match keys.get(&c.vk_digest) {
            Some(k) => k,
            None => {
                let k = read_key(keys_dir, &c.vk_digest)?;
                keys.entry(c.vk_digest.clone()).or_insert(k)
            }
        };
        let proof = c.proof_file().map_err(|e| JobError::Refused(format!("chunk {i} ({name}) is corrupt: {e}")))?;
        zkpot_verifier::verify(&c.statement, &proof, key).map_err(|e| match e {
            VerifyError::Io { .. } => JobError::Verify(e),
            e => JobError::Refused(format!("chunk {i} ({name}) does not verify under the plan's key {}: {e}", c.vk_digest)),
        })?;
        let proof_name = format!("{stem}-chunk-{i:03}.proof.bin");
        write_file(&dir.join(&proof_name), &proof.to_bytes())?;
        let vk_name = format!("{stem}-vk-{}.key", &c.vk_digest[..16]); // a digest: 64 hex digits
        entries.push(BundleChunk { statement: c.statement.clone(), proof: proof_name, vk: vk_name });
    }
    for (digest, key) in &keys {
        write_file(&dir.join(format!("{stem}-vk-{}.key", &digest[..16])), &key.to_bytes())?;
    }
    let bundle = Bundle::new(entries)?;
    bundle.check()?;
    if bundle.dataset_commitment != plan.dataset_commitment {
        return Err(JobError::Refused("the chunks do not hash to the plan's chunked data set commitment".into()));
    }
    write_file(out, bundle.to_json().as_bytes())?;
    Ok(bundle)
}

/// Why chunk `c` is not the plan's chunk `c.index`, if it is not.
fn check_against_plan(plan: &ChunkPlan, c: &ChunkFile) -> Result<(), String> {
    let (s, p) = (&c.statement, &plan.chunks[c.index]);
    if s.backend != plan.backend {
        return Err(format!("a `{}` proof, the plan is `{}`", s.backend, plan.backend));
    }
    if s.model_commitment != plan.model_commitment {
        return Err(format!("it is about model {}, the plan about model {}", s.model_commitment, plan.model_commitment));
    }
    if s.samples != p.samples || s.dataset_commitment != p.dataset_commitment {
        return Err(format!(
            "it proves {} samples with data set commitment {}, the plan's chunk {} has {} samples with {}",
            s.samples, s.dataset_commitment, c.index, p.samples, p.dataset_commitment
        ));
    }
    if s.score_function != plan.score_function {
        return Err(format!("it is scored by {}, the plan by {}", s.score_function.name(), plan.score_function.name()));
    }
    Ok(())
}
