//! `zkpot._zkpot`: the Rust half of the Python package. Every function takes strings (a file
//! path, a bundled `@name`, or JSON text) and returns JSON text; the pure-Python half
//! (`zkpot/__init__.py`) turns numpy arrays and dicts into those strings and the JSON back into
//! dicts. Errors raise `ZkpotError` (a rejected proof: its subclass `RejectedError`) with the
//! message the command line prints. Proving, key generation and verification release the GIL.

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;
use zkpot_circuits::commit::{chunked_commitment_of, Commitments};
use zkpot_circuits::dataset::QuantizedDataset;
use zkpot_circuits::field::fr_to_hex;
use zkpot_circuits::fixed::FixedParams;
use zkpot_circuits::halo2::{CircuitShape, Witness};
use zkpot_circuits::score::ScoreFunction;
use zkpot_jobs::assemble::{assemble, ChunkInput};
use zkpot_jobs::chunk::{make_plan, prove_chunk};
use zkpot_jobs::keys::KeySource;
use zkpot_jobs::sources;
use zkpot_jobs::trust::{Trust, TrustOptions};
use zkpot_jobs::JobError;
use zkpot_prover::{Backend, Halo2Backend};
use zkpot_verifier::pin::DEV_KEY_WARNING;
use zkpot_verifier::{verify_any, AnyKey, Bundle, ProofFile, Statement};

pyo3::create_exception!(_zkpot, ZkpotError, PyException, "A zkpot operation failed; the message names what is wrong.");
pyo3::create_exception!(_zkpot, RejectedError, ZkpotError, "A proof or bundle was checked and rejected.");

/// An error with its causes, as the command line prints them.
fn message(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cause = c.source();
    }
    out
}

fn err(e: impl Into<JobError>) -> PyErr {
    ZkpotError::new_err(message(&e.into()))
}

fn to_json(v: Value) -> PyResult<String> {
    serde_json::to_string(&v).map_err(|e| ZkpotError::new_err(e.to_string()))
}

fn fixed(scale_bits: u32, value_bits: u32) -> FixedParams {
    FixedParams { scale_bits, value_bits }
}

fn source(srs: Option<String>, cache: Option<String>) -> KeySource {
    KeySource { srs: srs.map(PathBuf::from), cache: cache.map(PathBuf::from) }
}

/// The score function named by `score`, or the data set's default; checked against the data.
fn score_of(score: Option<&str>, data: &QuantizedDataset) -> Result<ScoreFunction, JobError> {
    let s = match score {
        Some(s) => ScoreFunction::parse(s)?,
        None => data.default_score(),
    };
    s.validate(data.num_classes)?;
    Ok(s)
}

fn write(path: &str, bytes: &[u8]) -> Result<(), JobError> {
    zkpot_jobs::error::write_file(Path::new(path), bytes)
}

/// Imports an ONNX model: its layers, and the float model (None if unsupported, with why).
#[pyfunction]
#[pyo3(signature = (path, data=None, name=None))]
fn import_onnx(py: Python<'_>, path: String, data: Option<String>, name: Option<String>) -> PyResult<String> {
    py.detach(|| {
        let graph = zkpot_onnx::import_file(Path::new(&path)).map_err(|e| JobError::Invalid(format!("importing {path}: {}", message(&e))))?;
        let accuracy = match &data {
            Some(d) => Some(zkpot_onnx::eval::accuracy(&graph, &sources::float_data(d, None)?)?),
            None => None,
        };
        let name = name.unwrap_or_else(|| Path::new(&path).file_stem().map_or_else(|| "onnx-model".into(), |s| s.to_string_lossy().into_owned()));
        let (model, why) = match zkpot_onnx::to_float_model(&graph, &name) {
            Ok(m) => (Some(m), None),
            Err(e) => (None, Some(e.to_string())),
        };
        Ok::<_, JobError>(json!({
            "model": path, "producer": graph.producer, "opset": graph.opset,
            "input": { "name": graph.input_name, "batch": graph.batch, "shape": graph.input_shape },
            "output": { "name": graph.output_name, "shape": graph.output_shape() },
            "layers": graph.layers, "notes": graph.notes, "float_accuracy": accuracy,
            "float_model": model, "unsupported": why,
        }))
    })
    .map_err(err)
    .and_then(to_json)
}

/// Quantizes a float model; reports float vs quantized accuracy on `data`.
#[pyfunction]
#[pyo3(signature = (model, data, scale_bits=8, value_bits=15))]
fn quantize(py: Python<'_>, model: String, data: String, scale_bits: u32, value_bits: u32) -> PyResult<String> {
    py.detach(|| {
        let (q, report) = zkpot_circuits::quantize::quantize_and_check(&sources::float_model(&model)?, &sources::float_data(&data, None)?, fixed(scale_bits, value_bits))?;
        let q: Value = serde_json::from_str(&q.to_json()).map_err(|e| JobError::Invalid(e.to_string()))?;
        Ok::<_, JobError>(json!({ "quantized_model": q, "report": report }))
    })
    .map_err(err)
    .and_then(to_json)
}

/// Chooses the fixed-point format for a model and data set.
#[pyfunction]
#[pyo3(signature = (model, data, samples=None, min_bits=8, max_bits=16))]
fn calibrate(py: Python<'_>, model: String, data: String, samples: Option<usize>, min_bits: u32, max_bits: u32) -> PyResult<String> {
    if min_bits < 4 || max_bits > 20 || min_bits > max_bits {
        return Err(ZkpotError::new_err("--min-bits/--max-bits must satisfy 4 <= min <= max <= 20"));
    }
    py.detach(|| {
        let cal = zkpot_circuits::calibrate::calibrate(&sources::float_model(&model)?, &sources::float_data(&data, samples)?, min_bits..=max_bits);
        serde_json::to_value(&cal).map_err(|e| JobError::Invalid(e.to_string()))
    })
    .map_err(err)
    .and_then(to_json)
}

/// The model and data set commitments (and the chunked one with `chunk_size`).
#[pyfunction]
#[pyo3(signature = (model, data, samples=None, scale_bits=8, value_bits=15, chunk_size=None))]
fn commit(py: Python<'_>, model: String, data: String, samples: Option<usize>, scale_bits: u32, value_bits: u32, chunk_size: Option<usize>) -> PyResult<String> {
    py.detach(|| {
        let (m, d) = sources::inputs(&model, &data, samples, fixed(scale_bits, value_bits))?;
        let mut c = serde_json::to_value(Commitments::compute(&m, &d)).map_err(|e| JobError::Invalid(e.to_string()))?;
        if let Some(size) = chunk_size {
            c["chunk_size"] = json!(size);
            c["chunked_dataset_commitment"] = json!(fr_to_hex(&chunked_commitment_of(&d, size.max(1))));
        }
        Ok::<_, JobError>(c)
    })
    .map_err(err)
    .and_then(to_json)
}

/// Keys: the verifying key of the whole set (written to `vk`), or with `chunk_size` the chunk
/// plan and its keys in `keys`.
#[pyfunction]
#[pyo3(signature = (model, data, samples=None, scale_bits=8, value_bits=15, score=None, vk=None, chunk_size=None, keys=None, srs=None, cache=None))]
#[allow(clippy::too_many_arguments)]
fn setup(
    py: Python<'_>, model: String, data: String, samples: Option<usize>, scale_bits: u32, value_bits: u32, score: Option<String>, vk: Option<String>,
    chunk_size: Option<usize>, keys: Option<String>, srs: Option<String>, cache: Option<String>,
) -> PyResult<String> {
    py.detach(|| {
        let (m, d) = sources::inputs(&model, &data, samples, fixed(scale_bits, value_bits))?;
        let score = score_of(score.as_deref(), &d)?;
        let src = source(srs, cache);
        let start = Instant::now();
        if let Some(size) = chunk_size {
            let dir = PathBuf::from(keys.unwrap_or_else(|| "zkpot-keys".into()));
            let (plan, made) = make_plan(&m, &d, size, score, &src, &dir)?;
            let plan_v: Value = serde_json::from_str(&plan.to_json()).map_err(|e| JobError::Invalid(e.to_string()))?;
            return Ok(json!({ "plan": plan_v, "keys": dir, "made": made, "keygen_seconds": start.elapsed().as_secs_f64() }));
        }
        let shape = CircuitShape::new(m.architecture(), d.len()).with_score(score);
        shape.validate()?;
        let params = src.params(shape.k())?;
        let (_, key) = Halo2Backend::setup(&params, &shape)?;
        let path = vk.unwrap_or_else(|| "vk.key".into());
        write(&path, &key.to_bytes())?;
        Ok::<_, JobError>(json!({
            "shape_id": shape.id(), "k": shape.k(), "samples": shape.samples, "verifying_key": path,
            "vk_digest": AnyKey::Halo2(Box::new(key)).digest_hex(), "keygen_seconds": start.elapsed().as_secs_f64(),
        }))
    })
    .map_err(err)
    .and_then(to_json)
}

/// Proves the score on the whole set; writes the proof, the statement and the verifying key.
#[pyfunction]
#[pyo3(signature = (model, data, samples=None, scale_bits=8, value_bits=15, score=None, proof="proof.bin".to_string(), statement="statement.json".to_string(), vk="vk.key".to_string(), srs=None, cache=None))]
#[allow(clippy::too_many_arguments)]
fn prove(
    py: Python<'_>, model: String, data: String, samples: Option<usize>, scale_bits: u32, value_bits: u32, score: Option<String>, proof: String,
    statement: String, vk: String, srs: Option<String>, cache: Option<String>,
) -> PyResult<String> {
    py.detach(|| {
        let (m, d) = sources::inputs(&model, &data, samples, fixed(scale_bits, value_bits))?;
        let score = score_of(score.as_deref(), &d)?;
        let shape = CircuitShape::new(m.architecture(), d.len()).with_score(score);
        shape.validate()?;
        let src = source(srs, cache);
        let start = Instant::now();
        let params = src.params(shape.k())?;
        let (pk, key) = Halo2Backend::setup(&params, &shape)?;
        let keygen = start.elapsed();
        let witness = Witness::with_score(m, d, score)?;
        let start = Instant::now();
        let (st, pf) = Halo2Backend::prove(&params, &pk, witness)?;
        let prove = start.elapsed();
        let start = Instant::now();
        Halo2Backend::verify(&key, &st, &pf).map_err(|e| JobError::Invalid(format!("the fresh proof did not verify: {e}")))?;
        let verify = start.elapsed();
        let key = AnyKey::Halo2(Box::new(key));
        write(&proof, &pf.to_bytes())?;
        write(&statement, st.to_json_with_vk_digest(&key.digest_hex()).as_bytes())?;
        write(&vk, &key.to_bytes())?;
        Ok::<_, JobError>(json!({
            "statement": st, "statement_file": statement, "proof_file": proof, "verifying_key": vk,
            "vk_digest": key.digest_hex(), "development_key": key.is_development(), "proof_bytes": pf.proof.len(),
            "keygen_seconds": keygen.as_secs_f64(), "prove_seconds": prove.as_secs_f64(), "verify_ms": verify.as_secs_f64() * 1e3,
        }))
    })
    .map_err(err)
    .and_then(to_json)
}

/// Proves chunk `index` with the plan's keys in `keys` (the plan is made first if `keys` has
/// none); returns the chunk file's JSON (also written to `out` when given) and timings.
#[pyfunction]
#[pyo3(signature = (model, data, chunk_size, index, keys, samples=None, scale_bits=8, value_bits=15, score=None, out=None, srs=None, cache=None))]
#[allow(clippy::too_many_arguments)]
fn prove_chunk_(
    py: Python<'_>, model: String, data: String, chunk_size: usize, index: usize, keys: String, samples: Option<usize>, scale_bits: u32, value_bits: u32,
    score: Option<String>, out: Option<String>, srs: Option<String>, cache: Option<String>,
) -> PyResult<String> {
    py.detach(|| {
        let (m, d) = sources::inputs(&model, &data, samples, fixed(scale_bits, value_bits))?;
        let score = score_of(score.as_deref(), &d)?;
        let src = source(srs, cache);
        let dir = PathBuf::from(&keys);
        let (plan, _) = make_plan(&m, &d, chunk_size, score, &src, &dir)?;
        plan.check_chunk_size(chunk_size)?;
        let (chunk, t) = prove_chunk(&m, &d, &dir, index, &src)?;
        let text = chunk.to_json();
        if let Some(out) = &out {
            write(out, text.as_bytes())?;
        }
        Ok::<_, JobError>(json!({
            "chunk": text, "index": index, "chunks": plan.chunks.len(), "statement": chunk.statement, "vk_digest": chunk.vk_digest,
            "key_seconds": t.key.as_secs_f64(), "prove_seconds": t.prove.as_secs_f64(), "verify_ms": t.verify.as_secs_f64() * 1e3,
        }))
    })
    .map_err(err)
    .and_then(to_json)
}

/// Assembles chunk files (paths) into the bundle at `out`, checked against the plan in `keys`.
#[pyfunction]
#[pyo3(signature = (chunks, keys, chunk_size, out="bundle.json".to_string()))]
fn bundle(py: Python<'_>, chunks: Vec<String>, keys: String, chunk_size: usize, out: String) -> PyResult<String> {
    py.detach(|| {
        let inputs = chunks.iter().map(|p| ChunkInput::read(Path::new(p))).collect::<Result<Vec<_>, _>>()?;
        let b = assemble(Path::new(&keys), chunk_size, &inputs, Path::new(&out))?;
        Ok::<_, JobError>(json!({
            "bundle": out, "chunks": b.chunks.len(), "samples": b.samples, "score": b.score, "score_function": b.score_function,
            "model_commitment": b.model_commitment, "dataset_commitment": b.dataset_commitment,
        }))
    })
    .map_err(err)
    .and_then(to_json)
}

/// The trust settings of the pin arguments (the `verify` flags of the command line), validated;
/// a bad setting (a directory without keys, `trust_key_as_is` with a pin) is a rejection, as
/// at the command line.
fn trust_of(vk_digest: Vec<String>, trusted_keys: Option<String>, srs: Option<String>, trust_key_as_is: bool, allow_insecure_dev: bool) -> Result<Trust, String> {
    let o = TrustOptions { vk_digest, trusted_keys: trusted_keys.map(PathBuf::from), srs: srs.map(PathBuf::from), trust_key_as_is, allow_insecure_dev };
    Trust::new(&o).map_err(|e| e.to_string())
}

/// Verifies a proof of a statement against a verifying key (files), the key pinned as
/// `zkpot verify` pins it (`vk_digest`, `trusted_keys`, `srs`, or `trust_key_as_is`;
/// development keys only with `allow_insecure_dev`, announced on stderr); raises RejectedError.
#[pyfunction]
#[pyo3(signature = (statement, proof, vk, vk_digest=Vec::new(), trusted_keys=None, srs=None, trust_key_as_is=false, allow_insecure_dev=false))]
#[allow(clippy::too_many_arguments)]
fn verify(
    py: Python<'_>, statement: String, proof: String, vk: String, vk_digest: Vec<String>, trusted_keys: Option<String>, srs: Option<String>,
    trust_key_as_is: bool, allow_insecure_dev: bool,
) -> PyResult<String> {
    let res = py.detach(|| -> Result<Value, String> {
        let s = std::fs::read_to_string(&statement).map_err(|e| format!("cannot read the statement file {statement}: {e}"))?;
        let (s, named) = Statement::from_json_with_vk_digest(&s).map_err(|e| format!("in {statement}: {e}"))?;
        let p = std::fs::read(&proof).map_err(|e| format!("cannot read the proof file {proof}: {e}"))?;
        let p = ProofFile::from_bytes(&p).map_err(|e| format!("in {proof}: {e}"))?;
        let key = AnyKey::read(Path::new(&vk)).map_err(|e| format!("in {vk}: {e}"))?;
        if let Some(named) = named {
            if named != key.digest_hex() {
                return Err(format!("key mismatch: the statement names verifying key {named}, the key {vk} has digest {}", key.digest_hex()));
            }
        }
        let trust = trust_of(vk_digest, trusted_keys, srs, trust_key_as_is, allow_insecure_dev)?;
        let pinned = trust.check(&key, Path::new(&vk)).map_err(|e| e.to_string())?;
        if trust.as_is() {
            eprintln!("{}", zkpot_jobs::trust::as_is_warning(&format!("the verifying key {vk} is")));
        }
        if pinned.development {
            eprintln!("{}", DEV_KEY_WARNING);
        }
        let start = Instant::now();
        verify_any(&s, &p, &key).map_err(|e| e.to_string())?;
        Ok(json!({
            "result": "accept", "backend": s.backend, "score": s.score, "samples": s.samples, "model_commitment": s.model_commitment,
            "dataset_commitment": s.dataset_commitment, "vk_digest": pinned.digest, "key_pinned_by": pinned.how,
            "development_key": pinned.development, "verify_ms": start.elapsed().as_secs_f64() * 1e3,
        }))
    });
    to_json(res.map_err(|m| RejectedError::new_err(format!("REJECTED: {m}")))?)
}

/// Verifies a bundle file with the proofs and keys beside it, every chunk's key pinned as in
/// [`verify`]; raises RejectedError.
#[pyfunction]
#[pyo3(signature = (path, vk_digest=Vec::new(), trusted_keys=None, srs=None, trust_key_as_is=false, allow_insecure_dev=false))]
fn verify_bundle(
    py: Python<'_>, path: String, vk_digest: Vec<String>, trusted_keys: Option<String>, srs: Option<String>, trust_key_as_is: bool,
    allow_insecure_dev: bool,
) -> PyResult<String> {
    let start = Instant::now();
    let res = py.detach(|| -> Result<Value, String> {
        let trust = trust_of(vk_digest, trusted_keys, srs, trust_key_as_is, allow_insecure_dev)?;
        let pins = std::sync::Mutex::new(Vec::new());
        let check = |p: &Path, k: &AnyKey| {
            let pinned = trust.check(k, p)?;
            if let Ok(mut pins) = pins.lock() {
                pins.push(json!({ "key": p, "digest": pinned.digest, "pinned_by": pinned.how, "development_key": pinned.development }));
            }
            Ok(())
        };
        let b = Bundle::verify_files(Path::new(&path), &check).map_err(|e| format!("{path}: {e}"))?;
        let keys: Vec<Value> = pins.into_inner().unwrap_or_default();
        if trust.as_is() {
            eprintln!("{}", zkpot_jobs::trust::as_is_warning(&format!("the verifying keys of {path} are")));
        }
        if keys.iter().any(|k| k["development_key"] == true) {
            eprintln!("{}", DEV_KEY_WARNING);
        }
        Ok(json!({
            "result": "accept", "score": b.score, "score_function": b.score_function, "samples": b.samples, "chunks": b.chunks.len(),
            "model_commitment": b.model_commitment, "dataset_commitment": b.dataset_commitment, "keys": keys,
            "verify_ms": start.elapsed().as_secs_f64() * 1e3,
        }))
    });
    to_json(res.map_err(|m| RejectedError::new_err(format!("REJECTED: {m}")))?)
}

#[pymodule]
fn _zkpot(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ZkpotError", m.py().get_type::<ZkpotError>())?;
    m.add("RejectedError", m.py().get_type::<RejectedError>())?;
    m.add_function(wrap_pyfunction!(import_onnx, m)?)?;
    m.add_function(wrap_pyfunction!(quantize, m)?)?;
    m.add_function(wrap_pyfunction!(calibrate, m)?)?;
    m.add_function(wrap_pyfunction!(commit, m)?)?;
    m.add_function(wrap_pyfunction!(setup, m)?)?;
    m.add_function(wrap_pyfunction!(prove, m)?)?;
    m.add("prove_chunk", wrap_pyfunction!(prove_chunk_, m)?)?;
    m.add_function(wrap_pyfunction!(bundle, m)?)?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    m.add_function(wrap_pyfunction!(verify_bundle, m)?)?;
    Ok(())
}
