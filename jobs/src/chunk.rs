//! One chunk as a unit of work: the plan is made once (keys included), then any process that
//! has the model, the data set and the keys directory proves any chunk of it, in any order, as
//! often as it likes (a retry yields another valid proof of the same statement).

use crate::error::{write_file, JobError};
use crate::keys::{make_key, KeyCache, KeySource};
use crate::plan::{key_path, ChunkFile, ChunkPlan, PlannedChunk, PLAN_FILE, PLAN_FORMAT};
use std::path::Path;
use std::time::{Duration, Instant};
use zkpot_circuits::commit::{chunked_dataset_commitment, dataset_commitment, model_commitment};
use zkpot_circuits::dataset::QuantizedDataset;
use zkpot_circuits::field::{fr_from_hex, fr_to_hex};
use zkpot_circuits::halo2::{CircuitShape, Witness};
use zkpot_circuits::model::QuantizedModel;
use zkpot_circuits::score::ScoreFunction;
use zkpot_prover::{Backend, Halo2Backend};
use zkpot_verifier::HALO2_BACKEND;

/// Refuses what a bundle cannot hold.
fn check_chunkable(chunk_size: usize, score: ScoreFunction) -> Result<(), JobError> {
    if chunk_size == 0 {
        return Err(JobError::Invalid("--chunk-size must be at least 1".into()));
    }
    if score.is_mse() {
        return Err(JobError::Invalid(
            "chunks cannot prove mse: a bundle adds its chunks' scores, and a mean of rounded chunk means is not the rounded mean; prove the regression set in one circuit".into(),
        ));
    }
    Ok(())
}

/// The plan of `data` in chunks of `chunk_size` without its keys: boundaries and commitments
/// (the key digests are empty).
fn plan_without_keys(model: &QuantizedModel, data: &QuantizedDataset, chunk_size: usize, score: ScoreFunction) -> ChunkPlan {
    let parts: Vec<_> = data.chunks(chunk_size).iter().map(|c| (c.len() as u64, dataset_commitment(c))).collect();
    ChunkPlan {
        format: PLAN_FORMAT.into(),
        version: 1,
        backend: HALO2_BACKEND.into(),
        chunk_size,
        samples: data.len() as u64,
        model_commitment: fr_to_hex(&model_commitment(model)),
        dataset_commitment: fr_to_hex(&chunked_dataset_commitment(&parts)),
        score_function: score,
        chunks: parts.iter().map(|(n, c)| PlannedChunk { samples: *n, dataset_commitment: fr_to_hex(c), vk_digest: String::new() }).collect(),
    }
}

/// Makes the plan and its keys in `dir` (one key per chunk shape: all chunks but the last share
/// one), or, when `dir` already holds the plan of this very run with all its keys, returns it
/// (made is `false`). A plan of another run in `dir` is refused.
pub fn make_plan(model: &QuantizedModel, data: &QuantizedDataset, chunk_size: usize, score: ScoreFunction, source: &KeySource, dir: &Path) -> Result<(ChunkPlan, bool), JobError> {
    check_chunkable(chunk_size, score)?;
    let mut plan = plan_without_keys(model, data, chunk_size, score);
    if dir.join(PLAN_FILE).exists() {
        let existing = ChunkPlan::read(dir)?;
        let mut unkeyed = existing.clone();
        unkeyed.chunks.iter_mut().for_each(|c| c.vk_digest.clear());
        if unkeyed != plan {
            return Err(JobError::Invalid(format!(
                "{} holds the plan of another run (model, data set, chunk size or score function differ); use another keys directory",
                dir.display()
            )));
        }
        if existing.key_digests().iter().all(|d| key_path(dir, d).exists()) {
            return Ok((existing, false));
        }
    }
    let arch = model.architecture();
    let mut made: Vec<(u64, String)> = Vec::new();
    for c in &mut plan.chunks {
        if let Some((_, d)) = made.iter().find(|(n, _)| *n == c.samples) {
            c.vk_digest = d.clone();
            continue;
        }
        let shape = CircuitShape::new(arch.clone(), c.samples as usize).with_score(score);
        let digest = make_key(source, &shape, dir)?;
        made.push((c.samples, digest.clone()));
        c.vk_digest = digest;
    }
    write_file(&dir.join(PLAN_FILE), plan.to_json().as_bytes())?;
    Ok((plan, true))
}

/// What proving one chunk took.
#[derive(Clone, Copy, Debug, Default)]
pub struct ChunkTimings {
    /// Reading the key and rebuilding the proving key (zero when this process had it).
    pub key: Duration,
    pub prove: Duration,
    pub verify: Duration,
}

/// Proves chunk `index` of the plan in `dir`: checks that this process's model and data set
/// are the plan's (the chunk's commitment must match), proves with the plan's key for the
/// chunk, and verifies the fresh proof before returning it.
pub fn prove_chunk(model: &QuantizedModel, data: &QuantizedDataset, dir: &Path, index: usize, source: &KeySource) -> Result<(ChunkFile, ChunkTimings), JobError> {
    let plan = ChunkPlan::read(dir)?;
    let planned = plan.chunk(index)?;
    let model_c = fr_to_hex(&model_commitment(model));
    if model_c != plan.model_commitment {
        return Err(JobError::Invalid(format!("chunk {index}: this model ({model_c}) is not the plan's ({})", plan.model_commitment)));
    }
    if data.len() as u64 != plan.samples {
        return Err(JobError::Invalid(format!("chunk {index}: this data set has {} samples, the plan {}", data.len(), plan.samples)));
    }
    let part = data.chunks(plan.chunk_size).into_iter().nth(index).ok_or_else(|| JobError::Invalid(format!("chunk {index} is past the data set")))?;
    if fr_from_hex(&planned.dataset_commitment).map_err(|e| JobError::Invalid(format!("plan, chunk {index}: {e}")))? != dataset_commitment(&part) {
        return Err(JobError::Invalid(format!("chunk {index}: this data set's chunk is not the plan's (its commitment differs)")));
    }
    let start = Instant::now();
    let (key, _) = KeyCache::global().get(source, dir, &planned.vk_digest).map_err(|e| JobError::Invalid(format!("chunk {index}: {e}")))?;
    let key_took = start.elapsed();
    let shape = CircuitShape::new(model.architecture(), part.len()).with_score(plan.score_function);
    if key.vk.shape != shape {
        return Err(JobError::Invalid(format!("chunk {index}: the plan's key is for circuit {}, the chunk needs {}", key.vk.shape.id(), shape.id())));
    }
    let witness = Witness::with_score(model.clone(), part, plan.score_function)?;
    let start = Instant::now();
    let (statement, proof) = Halo2Backend::prove(&key.params, &key.pk, witness)?;
    let prove_took = start.elapsed();
    let start = Instant::now();
    Halo2Backend::verify(&key.vk, &statement, &proof).map_err(|e| JobError::Invalid(format!("chunk {index}: the fresh proof did not verify: {e}")))?;
    let timings = ChunkTimings { key: key_took, prove: prove_took, verify: start.elapsed() };
    Ok((ChunkFile::new(&plan, index, statement, &proof), timings))
}
