//! The chunk verbs: `setup --chunk-size C` (the plan and its keys, made once),
//! `prove --chunk-size C --chunk I` (one chunk as a unit of work) and `bundle` (chunk files to
//! the bundle `verify --bundle` checks). The work itself is in `zkpot_jobs`, shared with the
//! Python package.

use crate::cli::{BackendKind, ParamsArgs};
use anyhow::{bail, Result};
use clap::Args;
use serde_json::json;
use std::path::{Path, PathBuf};
use zkpot_circuits::dataset::QuantizedDataset;
use zkpot_circuits::model::QuantizedModel;
use zkpot_circuits::score::ScoreFunction;
use zkpot_jobs::assemble::{assemble, ChunkInput};
use zkpot_jobs::chunk::{make_plan, prove_chunk};
use zkpot_jobs::keys::KeySource;
use zkpot_jobs::plan::PLAN_FILE;

/// The keys directory of a chunked run.
#[derive(Debug, Args, Clone)]
pub struct KeysDir {
    /// With --chunk-size: the directory of the chunk plan (plan.json) and its verifying keys,
    /// named by digest (vk-<digest>.key); made by `setup --chunk-size`, or by the first
    /// `prove --chunk` that finds none.
    #[arg(long, default_value = "zkpot-keys")]
    pub keys: PathBuf,
}

/// `zkpot bundle`: assemble chunk files into a bundle.
#[derive(Debug, Args)]
pub struct BundleArgs {
    /// The chunk size the chunks were proved with (must be the plan's).
    #[arg(long)]
    pub chunk_size: usize,
    #[command(flatten)]
    pub keys: KeysDir,
    /// Where to write the bundle (the chunk proofs and verifying keys go beside it).
    #[arg(long, default_value = "bundle.json")]
    pub out: PathBuf,
    /// The chunk files (from `prove --chunk`), one per chunk, in any order.
    #[arg(required = true)]
    pub chunks: Vec<PathBuf>,
}

fn key_source(params: &ParamsArgs) -> Result<KeySource> {
    if params.backend != BackendKind::Halo2 {
        bail!("--chunk-size is only supported with --backend halo2 for now");
    }
    Ok(KeySource { srs: params.srs.clone(), cache: params.cache.clone() })
}

/// `setup --chunk-size C`: the plan and one key per chunk shape in the keys directory.
pub fn setup(model: &QuantizedModel, data: &QuantizedDataset, chunk_size: usize, score: ScoreFunction, params: &ParamsArgs, keys: &Path) -> Result<()> {
    let (plan, made) = make_plan(model, data, chunk_size, score, &key_source(params)?, keys)?;
    eprintln!("{} the plan of {} chunk(s) and its {} key(s) in {}", if made { "wrote" } else { "kept" }, plan.chunks.len(), plan.key_digests().len(), keys.display());
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "plan": keys.join(PLAN_FILE), "chunks": plan.chunks.len(), "chunk_size": plan.chunk_size, "samples": plan.samples,
            "model_commitment": plan.model_commitment, "dataset_commitment": plan.dataset_commitment, "vk_digests": plan.key_digests(), "made": made,
        }))?
    );
    Ok(())
}

/// `prove --chunk-size C --chunk I`: proves chunk I alone and writes its chunk file.
#[allow(clippy::too_many_arguments)]
pub fn prove_one(model: &QuantizedModel, data: &QuantizedDataset, chunk_size: usize, index: usize, score: ScoreFunction, params: &ParamsArgs, keys: &Path, out: Option<&Path>) -> Result<()> {
    let source = key_source(params)?;
    if !keys.join(PLAN_FILE).exists() {
        eprintln!("no chunk plan in {}: making it and its keys first", keys.display());
    }
    let (plan, _) = make_plan(model, data, chunk_size, score, &source, keys)?;
    plan.check_chunk_size(chunk_size)?;
    let (chunk, took) = crate::report::step(&format!("chunk {index} of {}: proving {} samples", plan.chunks.len(), plan.chunk(index)?.samples), || prove_chunk(model, data, keys, index, &source));
    let (chunk, t) = chunk?;
    let default = PathBuf::from(format!("chunk-{index:03}.json"));
    let out = out.unwrap_or(&default);
    crate::execute::write_file(out, chunk.to_json().as_bytes())?;
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "chunk_file": out, "index": index, "chunks": plan.chunks.len(), "statement": chunk.statement, "vk_digest": chunk.vk_digest,
            "key_seconds": t.key.as_secs_f64(), "prove_seconds": t.prove.as_secs_f64(), "verify_ms": t.verify.as_secs_f64() * 1e3,
            "total_seconds": took.as_secs_f64(), "peak_rss_mib": crate::report::peak_rss_mib(),
        }))?
    );
    Ok(())
}

/// `zkpot bundle`.
pub fn bundle(args: &BundleArgs) -> Result<()> {
    let inputs = args.chunks.iter().map(|p| ChunkInput::read(p)).collect::<Result<Vec<_>, _>>()?;
    let b = assemble(&args.keys.keys, args.chunk_size, &inputs, &args.out)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "bundle": args.out, "chunks": b.chunks.len(), "samples": b.samples, "score": b.score, "score_function": b.score_function,
            "model_commitment": b.model_commitment, "dataset_commitment": b.dataset_commitment,
        }))?
    );
    Ok(())
}
