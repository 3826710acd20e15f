//! Proving a data set in chunks: one proof per consecutive chunk of at most `--chunk-size`
//! samples, tied together by a bundle file (`zkpot_verifier::bundle`). Chunks are proved one
//! at a time, so memory is bounded by the chunk size, not the data set size.

use crate::chunk_memory;
use crate::cli::ParamsArgs;
use crate::execute::{keys, load_params, write_file};
use crate::report::{fmt_duration, peak_rss_mib, step};
use anyhow::{Context, Result};
use serde_json::json;
use std::path::Path;
use std::time::Duration;
use zkpot_circuits::dataset::QuantizedDataset;
use zkpot_circuits::halo2::{CircuitShape, Witness};
use zkpot_circuits::model::QuantizedModel;
use zkpot_circuits::score::ScoreFunction;
use halo2_proofs::halo2curves::bn256::Bn256;
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use zkpot_prover::halo2::Halo2ProvingKey;
use zkpot_prover::{Backend, Halo2Backend};
use zkpot_verifier::bundle::{Bundle, BundleChunk};
use zkpot_verifier::VerifierKey;

/// The chunk size named by `--chunk-size`, or chosen by `--chunk-memory` for a memory budget
/// of `gib` GiB ([`chunk_memory::plan`]: the largest circuit whose estimated prover peak fits,
/// split into equal chunks); the choice is printed. `None` when neither flag is given.
pub fn resolve_chunk_size(chunk_size: Option<usize>, chunk_memory: Option<f64>, model: &QuantizedModel, data: &QuantizedDataset, score: ScoreFunction) -> Result<Option<usize>> {
    let gib = match (chunk_size, chunk_memory) {
        (Some(0), _) => anyhow::bail!("--chunk-size must be at least 1"),
        (Some(m), _) => return Ok(Some(m)),
        (None, None) => return Ok(None),
        (None, Some(g)) if !(g.is_finite() && g > 0.0) => anyhow::bail!("--chunk-memory must be a positive number of GiB, not {g}"),
        (None, Some(g)) => g,
    };
    let plan = chunk_memory::plan(gib * chunk_memory::GIB, &model.architecture(), score, data.len())?;
    eprintln!(
        "--chunk-memory {gib} GiB: circuits of at most 2^{} rows hold {} samples; {} chunk(s) of {}, each a 2^{}-row circuit (an estimated {:.2} GiB at the prover's peak, {:.1} KiB a row)",
        plan.k,
        plan.max_samples,
        plan.chunks,
        plan.size,
        plan.peak.k,
        plan.peak.gib(),
        plan.peak.bytes_per_row / 1024.0
    );
    Ok(Some(plan.size))
}

/// The parameters and keys for one chunk shape (all chunks but the last share one).
struct ChunkKeys {
    shape: CircuitShape,
    kzg: ParamsKZG<Bn256>,
    pk: Halo2ProvingKey,
    vk: VerifierKey,
}

/// Proves `data` in chunks of at most `chunk` samples under `score` (a count: top-1 or top-k); writes the bundle to `bundle_path` and
/// the chunk proofs and verifying keys beside it. Returns a JSON summary.
pub fn prove_chunked(model: &QuantizedModel, data: &QuantizedDataset, chunk: usize, score: ScoreFunction, params: &ParamsArgs, bundle_path: &Path) -> Result<serde_json::Value> {
    let dir = bundle_path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let stem = bundle_path.file_stem().and_then(|s| s.to_str()).unwrap_or("bundle");
    let chunks = data.chunks(chunk);
    let m = chunks.len();
    eprintln!("proving {} samples in {m} chunk(s) of at most {chunk}", data.len());
    let mut entries = Vec::with_capacity(m);
    let mut current: Option<ChunkKeys> = None;
    let (mut keygen, mut prove, mut verify) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let (mut kept, mut kept_samples, mut proved) = (0usize, 0usize, 0usize);
    for (i, part) in chunks.into_iter().enumerate() {
        let shape = CircuitShape::new(model.architecture(), part.len()).with_score(score);
        if current.as_ref().map(|c| c.shape != shape).unwrap_or(true) {
            drop(current.take()); // free the previous proving key before making the next
            let kzg = load_params(params, shape.k())?;
            let (pk, vk, took) = keys(params, &kzg, &shape)?;
            keygen += took;
            write_file(&dir.join(format!("{stem}-vk-{}.key", part.len())), &vk.to_bytes())?;
            current = Some(ChunkKeys { shape: shape.clone(), kzg, pk, vk });
        }
        let Some(ChunkKeys { kzg, pk, vk, .. }) = current.as_ref() else { unreachable!("keys were just made") };
        let witness = Witness::with_score(model.clone(), part, score)?;
        let proof_name = format!("{stem}-chunk-{i:03}.proof.bin");
        let proof_path = dir.join(&proof_name);
        let vk_name = format!("{stem}-vk-{}.key", shape.samples);
        // A proof this command wrote before it was stopped is kept when it verifies against
        // this chunk's statement (computed from the witness, as the bundle verifier will see it).
        if let Some(statement) = earlier_proof(&proof_path, vk, &witness, score) {
            eprintln!("  chunk {}/{m}: kept the proof from an earlier run ({proof_name} verifies: S = {}/{})", i + 1, statement.score, statement.samples);
            kept += 1;
            kept_samples += shape.samples;
            entries.push(BundleChunk { statement, proof: proof_name, vk: vk_name });
            continue;
        }
        let (res, took) = step(&format!("chunk {}/{m}: proving {} samples", i + 1, shape.samples), || Halo2Backend::prove(kzg, pk, witness));
        prove += took;
        let (statement, proof) = res?;
        let (res, took) = step(&format!("chunk {}/{m}: verifying", i + 1), || Halo2Backend::verify(vk, &statement, &proof));
        verify += took;
        res.with_context(|| format!("the fresh proof of chunk {i} did not verify"))?;
        proved += 1;
        let left = m - i - 1;
        let eta = if left > 0 { format!("; about {} left for {left} more chunk(s)", fmt_duration(prove / proved as u32 * left as u32)) } else { String::new() };
        eprintln!("  chunk {}/{m}: S = {}/{}{eta}", i + 1, statement.score, statement.samples);
        write_file(&proof_path, &proof.to_bytes())?;
        entries.push(BundleChunk { statement, proof: proof_name, vk: vk_name });
    }
    let bundle = Bundle::new(entries)?;
    write_file(bundle_path, bundle.to_json().as_bytes())?;
    // per sample over the samples proved by this run
    let n = data.len().saturating_sub(kept_samples).max(1) as f64;
    eprintln!(
        "S/N = {}/{} over {m} chunks ({kept} kept from an earlier run): keygen {}, prove {} ({:.1} ms per sample proved), verify {}",
        bundle.score,
        bundle.samples,
        fmt_duration(keygen),
        fmt_duration(prove),
        prove.as_secs_f64() * 1e3 / n,
        fmt_duration(verify)
    );
    Ok(json!({
        "bundle": bundle_path, "backend": bundle.backend, "chunks": m, "chunk_size": chunk,
        "chunks_kept": kept, "model_commitment": bundle.model_commitment, "dataset_commitment": bundle.dataset_commitment,
        "samples": bundle.samples, "score": bundle.score, "score_function": bundle.score_function,
        "keygen_seconds": keygen.as_secs_f64(), "prove_seconds": prove.as_secs_f64(),
        "prove_ms_per_sample": prove.as_secs_f64() * 1e3 / n, "verify_ms": verify.as_secs_f64() * 1e3,
        "peak_rss_mib": peak_rss_mib(),
    }))
}

/// The statement of a proof at `path` left by an earlier run, when that proof verifies
/// under `vk` against the statement an honest proof of `witness` claims; `None` when there
/// is none, or it is unreadable or does not verify (it is then proved again and replaced).
fn earlier_proof(path: &Path, vk: &VerifierKey, witness: &Witness, score: ScoreFunction) -> Option<zkpot_verifier::Statement> {
    let bytes = std::fs::read(path).ok()?;
    let statement = zkpot_prover::halo2::statement_of(witness, score);
    let ok = zkpot_verifier::ProofFile::from_bytes(&bytes).ok().is_some_and(|proof| Halo2Backend::verify(vk, &statement, &proof).is_ok());
    if !ok {
        eprintln!("  {} is left from an earlier run but does not verify for this chunk: proving it again", path.display());
    }
    ok.then_some(statement)
}
