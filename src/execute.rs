//! Dispatch: turns a parsed command into work, with I/O and progress at this edge only.

use crate::cli::{BackendKind, Command, Inputs, ParamsArgs};
use crate::groth16_keys::groth16_keys;
use crate::report::{fmt_duration, peak_rss_mib, step};
use anyhow::{bail, Context, Result};
use halo2_proofs::halo2curves::bn256::Bn256;
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;
use zkpot_circuits::bundled;
use zkpot_circuits::commit::{chunked_commitment_of, Commitments};
use zkpot_circuits::field::fr_to_hex;
use zkpot_circuits::dataset::{FloatDataset, QuantizedDataset};
use zkpot_circuits::fixed::FixedParams;
use zkpot_circuits::halo2::{CircuitShape, Witness};
use zkpot_circuits::model::{FloatModel, QuantizedModel};
use zkpot_circuits::quantize::{quantize_and_check, quantize_model};
use zkpot_circuits::score::ScoreFunction;
use zkpot_params::{cache, srs};
use zkpot_circuits::groth16::circuit::shape_id;
use zkpot_circuits::groth16::ConstraintCount;
use zkpot_prover::{Backend, Groth16Backend};
use zkpot_prover::groth16::DevSeed;
use zkpot_prover::Halo2Backend;
use zkpot_verifier::{verify_any, AnyKey, Bundle, ProofFile, Statement, VerifierKey};

/// Exit status for a proof that was checked and rejected (other failures exit 2).
pub const EXIT_REJECTED: i32 = 1;

/// A verification that ran and said no.
#[derive(Debug)]
pub struct Rejected(pub String);

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "REJECTED: {}", self.0)
    }
}

impl std::error::Error for Rejected {}

fn read_text(path: &Path, what: &str) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read the {what} file {}", path.display()))
}

pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    cache::write_atomic(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// Writes `settings.json` beside a verifying key: the circuit shape (architecture, fixed-point
/// format, N), its id and k, the key's digest (what verifiers pin) and provenance (the SRS or
/// ceremony it came from, development or not), readable by any tool.
fn write_settings(vk_path: &Path, shape: &CircuitShape, backend: BackendKind, key: &AnyKey) -> Result<()> {
    let path = vk_path.with_file_name("settings.json");
    let mut settings = match backend {
        BackendKind::Halo2 => json!({ "format": "zkpot-settings", "version": 1, "backend": zkpot_verifier::HALO2_BACKEND, "shape_id": shape.id(), "k": shape.k(), "shape": shape }),
        BackendKind::Groth16 => json!({
            "format": "zkpot-settings", "version": 1, "backend": zkpot_verifier::GROTH16_BACKEND, "shape_id": shape_id(shape),
            "constraints": ConstraintCount::of(shape), "shape": shape,
        }),
    };
    settings["version"] = json!(2);
    settings["vk_digest"] = json!(key.digest_hex());
    settings["provenance"] = json!(key.provenance());
    settings["development_key"] = json!(key.is_development());
    write_file(&path, serde_json::to_string_pretty(&settings)?.as_bytes())
}

fn fixed_of(inputs: &Inputs) -> FixedParams {
    FixedParams { scale_bits: inputs.scale_bits, value_bits: inputs.value_bits }
}

fn float_model(path: Option<&PathBuf>) -> Result<FloatModel> {
    Ok(match path {
        Some(p) => match p.to_str().and_then(zkpot_jobs::sources::bundled_model) {
            Some(m) => m?,
            None => FloatModel::from_json(&read_text(p, "model")?).with_context(|| format!("in {}", p.display()))?,
        },
        None => bundled::digits_model()?,
    })
}

fn float_data(path: Option<&PathBuf>, samples: Option<usize>) -> Result<FloatDataset> {
    let d = match path {
        Some(p) => match p.to_str().and_then(zkpot_jobs::sources::bundled_data) {
            Some(d) => d?,
            None => FloatDataset::from_json(&read_text(p, "data set")?).with_context(|| format!("in {}", p.display()))?,
        },
        None => bundled::digits_test()?,
    };
    Ok(match samples {
        Some(n) => d.take(n)?,
        None => d,
    })
}

/// The quantized model and data set named by the flags.
fn load_inputs(inputs: &Inputs) -> Result<(QuantizedModel, QuantizedDataset)> {
    let model = match &inputs.model {
        Some(p) => QuantizedModel::from_json(&read_text(p, "quantized model")?).with_context(|| format!("in {}", p.display()))?,
        None => quantize_model(&float_model(inputs.float_model.as_ref())?, fixed_of(inputs))?,
    };
    let data = float_data(inputs.data.as_ref(), inputs.samples)?.quantize(model.fixed).context("quantizing the test set")?;
    zkpot_circuits::eval::check_compatible(&model, &data)?;
    Ok((model, data))
}

/// KZG parameters of size `k`: a ceremony file, or the cached development SRS (with a warning);
/// the same loading as the chunk jobs' (`zkpot_jobs::keys::KeySource::params`).
pub(crate) fn load_params(args: &ParamsArgs, k: u32) -> Result<ParamsKZG<Bn256>> {
    let source = zkpot_jobs::keys::KeySource { srs: args.srs.clone(), cache: args.cache.clone() };
    let what = match &args.srs {
        Some(p) => format!("loading and checking the ceremony file {} (k = {k})", p.display()),
        None => format!("development SRS for k = {k}"),
    };
    let (params, _) = step(&what, || source.params(k));
    Ok(params?)
}

/// Keys for `shape`: the verifying key from the cache when one was made for this shape and
/// these parameters (checked against the parameters in use: a mismatch is an error naming the
/// file; a key for another circuit is caught when the fresh proof is verified), the proving key
/// rebuilt from it; otherwise full key generation, and the verifying key is cached.
pub(crate) fn keys(args: &ParamsArgs, params: &ParamsKZG<Bn256>, shape: &CircuitShape) -> Result<(zkpot_prover::halo2::Halo2ProvingKey, VerifierKey, Duration)> {
    let dir = args.cache.clone().unwrap_or_else(cache::default_dir);
    let path = cache::vk_path(&dir, &shape.id(), &cache::params_tag(params));
    if path.exists() {
        let vk = VerifierKey::read(&path).with_context(|| format!("the cached verifying key {} (delete it to regenerate)", path.display()))?;
        cache::check_cached_key(&path, &vk, params, &srs::fingerprint(params))?;
        if &vk.shape == shape {
            let (res, took) = step(&format!("proving key for circuit {} from the cached verifying key", shape.id()), || Halo2Backend::proving_key(params, &vk));
            return Ok((res?, vk, took));
        }
    }
    let (res, took) = step(&format!("key generation for circuit {} (k = {})", shape.id(), shape.k()), || Halo2Backend::setup(params, shape));
    let (pk, vk) = res?;
    cache::write_atomic(&path, &vk.to_bytes()).context("caching the verifying key")?;
    Ok((pk, vk, took))
}

/// Runs one command; results go to stdout as JSON, progress to stderr.
pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Import { model, out, data, name } => import(&model, out.as_deref(), data.as_ref(), name)?,
        Command::Quantize { model, data, scale_bits, value_bits, out } => {
            let fm = float_model(model.as_ref())?;
            let fd = float_data(data.as_ref(), None)?;
            let (q, report) = quantize_and_check(&fm, &fd, FixedParams { scale_bits, value_bits })?;
            write_file(&out, q.to_json().as_bytes())?;
            println!("{}", serde_json::to_string_pretty(&json!({ "quantized_model": out, "report": report }))?);
        }
        Command::Calibrate { model, data, samples, min_bits, max_bits, out } => {
            if min_bits < 4 || max_bits > 20 || min_bits > max_bits {
                bail!("--min-bits/--max-bits must satisfy 4 <= min <= max <= 20");
            }
            let fm = float_model(model.as_ref())?;
            let fd = float_data(data.as_ref(), samples)?;
            let (cal, _) = step(&format!("calibrating over b = {min_bits}..={max_bits}"), || zkpot_circuits::calibrate::calibrate(&fm, &fd, min_bits..=max_bits));
            eprintln!("{}", cal.markdown());
            if let (Some(path), Some(fixed)) = (&out, cal.chosen_params()) {
                write_file(path, quantize_model(&fm, fixed)?.to_json().as_bytes())?;
            }
            println!("{}", serde_json::to_string_pretty(&cal)?);
            if cal.chosen.is_none() {
                bail!("no candidate format keeps every value within its bound; try larger --max-bits");
            }
        }
        Command::Commit { inputs, chunk_size, chunk_memory } => {
            let (model, data) = load_inputs(&inputs)?;
            let mut c = serde_json::to_value(Commitments::compute(&model, &data))?;
            let score = score_of(&inputs, &data)?;
            if let Some(m) = crate::chunked::resolve_chunk_size(chunk_size, chunk_memory, &model, &data, score)? {
                c["chunk_size"] = json!(m);
                c["chunked_dataset_commitment"] = json!(fr_to_hex(&chunked_commitment_of(&data, m)));
            }
            println!("{}", serde_json::to_string_pretty(&c)?);
        }
        Command::Setup { inputs, params, chunk_size: Some(m), keys, .. } => {
            let (model, data) = load_inputs(&inputs)?;
            let score = score_of(&inputs, &data)?;
            crate::chunk_verbs::setup(&model, &data, m, score, &params, &keys.keys)?;
        }
        Command::Setup { inputs, params, vk, .. } if params.backend == BackendKind::Groth16 => {
            let (model, data) = load_inputs(&inputs)?;
            let shape = CircuitShape::new(model.architecture(), data.len()).with_score(score_of(&inputs, &data)?);
            let (pk, took) = groth16_keys(&params, &shape)?;
            let pk_path = vk.with_file_name("pk.key");
            let key = AnyKey::Groth16(Box::new(pk.verifying_key()));
            write_file(&vk, &key.to_bytes())?;
            write_file(&pk_path, &pk.to_bytes())?;
            write_settings(&vk, &shape, params.backend, &key)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "backend": zkpot_verifier::GROTH16_BACKEND, "shape_id": shape_id(&shape), "samples": shape.samples,
                    "constraints": ConstraintCount::of(&shape).total, "verifying_key": vk, "proving_key": pk_path,
                    "keygen_seconds": took.as_secs_f64(), "vk_digest": key.digest_hex(), "provenance": key.provenance(),
                    "development_key": key.is_development(),
                }))?
            );
        }
        Command::Setup { inputs, params, vk, .. } => {
            let (model, data) = load_inputs(&inputs)?;
            let shape = CircuitShape::new(model.architecture(), data.len()).with_score(score_of(&inputs, &data)?);
            shape.validate()?;
            let kzg = load_params(&params, shape.k())?;
            // the key others will pin is always derived afresh, never copied from the cache
            let (res, took) = step(&format!("verifying key for circuit {} (k = {})", shape.id(), shape.k()), || zkpot_params::keys::verifying_key(&kzg, &shape));
            let key = AnyKey::Halo2(Box::new(VerifierKey::new(shape.clone(), &kzg, res?, srs::provenance(&kzg))));
            write_file(&vk, &key.to_bytes())?;
            write_settings(&vk, &shape, params.backend, &key)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "shape_id": shape.id(), "k": shape.k(), "samples": shape.samples,
                    "verifying_key": vk, "vk_digest": key.digest_hex(), "provenance": key.provenance(),
                    "development_key": key.is_development(), "keygen_seconds": took.as_secs_f64(),
                }))?
            );
        }
        Command::Prove { inputs, params, chunk_size: Some(m), chunk: Some(i), chunk_out, keys, .. } => {
            let (model, data) = load_inputs(&inputs)?;
            let score = score_of(&inputs, &data)?;
            crate::chunk_verbs::prove_one(&model, &data, m, i, score, &params, &keys.keys, chunk_out.as_deref())?;
        }
        Command::Bundle(args) => crate::chunk_verbs::bundle(&args)?,
        Command::Prove { inputs, params, chunk_size, chunk_memory, bundle, .. } if chunk_size.is_some() || chunk_memory.is_some() => {
            if params.backend != BackendKind::Halo2 {
                bail!("--chunk-size is only supported with --backend halo2 for now");
            }
            let (model, data) = load_inputs(&inputs)?;
            let score = score_of(&inputs, &data)?;
            let m = crate::chunked::resolve_chunk_size(chunk_size, chunk_memory, &model, &data, score)?.context("no chunk size")?;
            if score.is_mse() {
                bail!("--chunk-size cannot prove mse: a bundle adds its chunks' scores, and a mean of rounded chunk means is not the rounded mean; prove the regression set in one circuit");
            }
            let summary = crate::chunked::prove_chunked(&model, &data, m, score, &params, &bundle)?;
            println!("{}", serde_json::to_string_pretty(&summary)?);
        }
        Command::Prove { inputs, params, proof, statement, vk, .. } => {
            let (model, data) = load_inputs(&inputs)?;
            let score = score_of(&inputs, &data)?;
            let out = prove_all(&model, &data, &params, score)?;
            let key = AnyKey::from_bytes(&out.vk_bytes)?;
            write_file(&proof, &out.proof.to_bytes())?;
            write_file(&statement, out.statement.to_json_with_vk_digest(&key.digest_hex()).as_bytes())?;
            write_file(&vk, &out.vk_bytes)?;
            write_settings(&vk, &CircuitShape::new(model.architecture(), data.len()).with_score(score), params.backend, &key)?;
            let mut summary = out.summary(&statement, &proof, &vk);
            summary["vk_digest"] = json!(key.digest_hex());
            summary["development_key"] = json!(key.is_development());
            add_score_details(&mut summary, &out.statement, model.fixed);
            println!("{}", serde_json::to_string_pretty(&summary)?);
        }
        Command::Verify { bundle: Some(path), trust, .. } => {
            let trust = crate::trust::from_args(&trust).map_err(|e| Rejected(format!("{e:#}")))?;
            let pins = std::cell::RefCell::new(Vec::new());
            let check = |p: &Path, k: &AnyKey| {
                let pinned = trust.check(k, p)?;
                pins.borrow_mut().push(json!({ "key": p, "digest": pinned.digest, "pinned_by": pinned.how, "development_key": pinned.development }));
                Ok(())
            };
            let (res, took) = step("verifying the bundle", || Bundle::verify_files(&path, &check));
            let b = res.map_err(|e| Rejected(format!("{}: {e}", path.display())))?;
            let pins = pins.into_inner();
            if trust.as_is() {
                eprintln!("{}", zkpot_jobs::trust::as_is_warning(&format!("the verifying keys of {} are", path.display())));
            }
            if pins.iter().any(|k| k["development_key"] == true) {
                eprintln!("{}", zkpot_verifier::pin::DEV_KEY_WARNING);
            }
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "result": "accept", "score": b.score, "score_function": b.score_function, "samples": b.samples, "chunks": b.chunks.len(),
                    "model_commitment": b.model_commitment, "dataset_commitment": b.dataset_commitment,
                    "verify_ms": took.as_secs_f64() * 1e3, "keys": pins,
                }))?
            );
        }
        Command::Verify { statement, proof, vk, backend, trust, .. } => {
            // anything that stops verification, unreadable files included, is a rejection
            let load = || -> Result<(Statement, ProofFile, AnyKey)> {
                let (s, named) = Statement::from_json_with_vk_digest(&read_text(&statement, "statement")?).with_context(|| format!("in {}", statement.display()))?;
                let p = ProofFile::from_bytes(&std::fs::read(&proof).with_context(|| format!("cannot read the proof file {}", proof.display()))?)
                    .with_context(|| format!("in {}", proof.display()))?;
                let key = AnyKey::read(&vk).with_context(|| format!("in {}", vk.display()))?;
                if let Some(named) = named {
                    if named != key.digest_hex() {
                        bail!("key mismatch: the statement names verifying key {named}, the key {} has digest {}", vk.display(), key.digest_hex());
                    }
                }
                Ok((s, p, key))
            };
            let (s, p, key) = load().map_err(|e| Rejected(format!("{e:#}")))?;
            let pinned = crate::trust::from_args(&trust).and_then(|t| Ok(t.check(&key, &vk)?)).map_err(|e| Rejected(format!("{e:#}")))?;
            if trust.trust_key_as_is {
                eprintln!("{}", zkpot_jobs::trust::as_is_warning(&format!("the verifying key {} is", vk.display())));
            }
            if pinned.development {
                eprintln!("{}", zkpot_verifier::pin::DEV_KEY_WARNING);
            }
            if let Some(b) = backend {
                let want = backend_name(b);
                if s.backend != want {
                    return Err(Rejected(format!("--backend {} expects `{want}` statements, this one names `{}`", b.flag(), s.backend)).into());
                }
            }
            let (res, took) = step(&format!("verifying ({})", s.backend), || verify_any(&s, &p, &key));
            match res {
                Ok(()) => {
                    let mut out = json!({
                        "result": "accept", "backend": s.backend, "score": s.score, "samples": s.samples,
                        "model_commitment": s.model_commitment, "dataset_commitment": s.dataset_commitment,
                        "verify_ms": took.as_secs_f64() * 1e3, "vk_digest": pinned.digest, "key_pinned_by": pinned.how,
                        "development_key": pinned.development,
                    });
                    if let AnyKey::Halo2(vk) = &key {
                        add_score_details(&mut out, &s, vk.shape.arch.fixed);
                    }
                    println!("{}", serde_json::to_string_pretty(&out)?)
                }
                Err(e) => return Err(Rejected(e.to_string()).into()),
            }
        }
        Command::ImportSrs { file, k, out } => import_srs(&file, k, out.as_deref())?,
        Command::ExportR1cs { inputs, out } => {
            let (model, data) = load_inputs(&inputs)?;
            let shape = CircuitShape::new(model.architecture(), data.len()).with_score(score_of(&inputs, &data)?);
            zkpot_circuits::groth16::support::check(&shape)?;
            let (r1cs, _) = step(&format!("synthesizing circuit {}", shape_id(&shape)), || zkpot_circuits::groth16::r1cs_export::R1cs::of(&shape));
            let r1cs = r1cs?;
            write_file(&out, &r1cs.to_bytes())?;
            let min_power = (r1cs.a.len() + r1cs.num_instance).next_power_of_two().trailing_zeros();
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "r1cs": out, "shape_id": shape_id(&shape), "samples": shape.samples, "constraints": r1cs.a.len(),
                    "wires": r1cs.num_wires(), "public_inputs": r1cs.num_instance - 1, "min_ptau_power": min_power,
                }))?
            );
        }
        Command::Bench { samples, backend, workload, out, cache, one, merge } => {
            let cache = cache.unwrap_or_else(cache::default_dir);
            if !merge.is_empty() {
                let rows = zkpot_bench::merge::merge(&merge, &out)?;
                println!("{}", zkpot_bench::table::markdown(&rows));
                eprintln!("merged {} rows: wrote {1}/bench.json, {1}/bench.md, {1}/bench.svg", rows.len(), out.display());
            } else if one {
                let (b, w, n) = match (backend.as_slice(), workload.as_slice(), samples.as_slice()) {
                    ([b], [w], [n]) => (b, w, *n),
                    _ => bail!("--one takes exactly one backend, one workload and one sample count"),
                };
                let m = zkpot_bench::measure::measure(b, w, n, &cache, &|msg| eprintln!("  {msg}"))?;
                println!("{}", serde_json::to_string(&m)?);
            } else {
                let exe = std::env::current_exe().context("cannot find the zkpot binary for the benchmark runs")?;
                let plan = zkpot_bench::runner::BenchPlan { exe, backends: backend, workloads: workload, samples, cache, out: out.clone() };
                let rows = zkpot_bench::runner::run(&plan, &|msg| eprintln!("{msg}"))?;
                println!("{}", zkpot_bench::table::markdown(&rows));
                eprintln!("wrote {0}/bench.json, {0}/bench.md, {0}/bench.svg", out.display());
            }
        }
        Command::Demo { samples, out, no_ledger, serve, serve_addr, params } => {
            let serve = serve.then_some(zkpot_ledger::api::local::DemoServe { addr: serve_addr, keep: true });
            demo(samples, &out, no_ledger, serve, &params)?
        }
        Command::ExportVerifier { backend, vk, proof, statement, out } => {
            export_verifier(&backend, vk.as_deref(), proof.as_deref(), statement.as_deref(), &out)?
        }
        Command::Node(args) => zkpot_ledger::node::run_node_builtin(&args)?,
        Command::Cluster(args) => println!("{}", serde_json::to_string_pretty(&zkpot_ledger::cluster::run_cluster(&args)?)?),
        Command::Ledger { command } => {
            let out = zkpot_ledger::cli::run(command)?;
            println!("{}", serde_json::to_string_pretty(&out)?);
            let code = zkpot_ledger::cli::exit_code(&out);
            if code != 0 {
                std::process::exit(code);
            }
        }
    }
    Ok(())
}

/// `zkpot import`: ONNX to the float model, with a summary (JSON on stdout, layers on stderr).
fn import(path: &Path, out: Option<&Path>, data: Option<&PathBuf>, name: Option<String>) -> Result<()> {
    let graph = zkpot_onnx::import_file(path).with_context(|| format!("importing {}", path.display()))?;
    let dims: String = graph.input_shape.iter().map(|d| format!(", {d}")).collect();
    eprintln!("{}: {} (opset {}), input '{}' [{}{dims}]", path.display(), graph.producer, graph.opset, graph.input_name, graph.batch);
    for l in &graph.layers {
        eprintln!("  {:<18} {:<28} {:?} -> {:?}", l.onnx_op, format!("'{}'", l.node), l.input_shape, l.output_shape);
    }
    for note in &graph.notes {
        eprintln!("  note: {note}");
    }
    let accuracy = match data {
        Some(p) => Some(zkpot_onnx::eval::accuracy(&graph, &float_data(Some(p), None)?).with_context(|| format!("evaluating on {}", p.display()))?),
        None => None,
    };
    let name = name.unwrap_or_else(|| path.file_stem().map_or_else(|| "onnx-model".into(), |s| s.to_string_lossy().into_owned()));
    let converted = zkpot_onnx::to_float_model(&graph, &name);
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "model": path, "producer": graph.producer, "opset": graph.opset,
            "input": { "name": graph.input_name, "batch": graph.batch, "shape": graph.input_shape },
            "output": { "name": graph.output_name, "shape": graph.output_shape() },
            "layers": graph.layers, "notes": graph.notes, "float_accuracy": accuracy,
            "float_model": match &converted { Ok(_) => "supported".to_string(), Err(e) => e.to_string() },
            "out": out,
        }))?
    );
    if let Some(out) = out {
        let model = converted.context("cannot write a zkpot float model")?;
        write_file(out, serde_json::to_string_pretty(&model)?.as_bytes())?;
        eprintln!("wrote {} (use it with `zkpot quantize --model` or `zkpot prove --float-model`)", out.display());
    }
    Ok(())
}

/// `zkpot import-srs`: read and check a ceremony file, print its fingerprint, write it trimmed.
fn import_srs(file: &Path, k: u32, out: Option<&Path>) -> Result<()> {
    if !(1..=28).contains(&k) {
        bail!("--k must be between 1 and 28 (BN254's largest power-of-two domain)");
    }
    let ptau = if std::fs::read(file).map(|b| b.starts_with(zkpot_params::ptau::MAGIC)).unwrap_or(false) {
        Some(zkpot_params::ptau::read(file, k)?)
    } else {
        None
    };
    let (res, took) = step(&format!("reading and checking {} (2^{k} powers)", file.display()), || srs::load_ceremony(file, k));
    let params = res?;
    let fingerprint = srs::fingerprint(&params);
    if let Some(path) = out {
        let mut bytes = Vec::new();
        params.write_custom(&mut bytes, halo2_proofs::SerdeFormat::RawBytes)?;
        write_file(path, &bytes)?;
    }
    let development = srs::is_development(&params);
    if development {
        eprintln!("{}", srs::DEV_SRS_WARNING);
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "file": file, "format": if ptau.is_some() { "snarkjs-ptau" } else { "halo2" },
            "ptau_power": ptau.as_ref().map(|p| p.power), "ptau_phase2_prepared": ptau.as_ref().map(|p| p.prepared),
            "k": k, "fingerprint": fingerprint, "development": development, "check": "same-ratio pairing check passed",
            "check_seconds": took.as_secs_f64(), "out": out,
        }))?
    );
    Ok(())
}

/// What proving produced, with its measurements.
struct ProveOutput {
    statement: Statement,
    proof: ProofFile,
    vk_bytes: Vec<u8>,
    keygen: Duration,
    prove: Duration,
    verify: Duration,
}

impl ProveOutput {
    fn summary(&self, statement: &Path, proof: &Path, vk: &Path) -> serde_json::Value {
        json!({
            "statement": self.statement, "statement_file": statement, "proof_file": proof, "verifying_key": vk,
            "proof_bytes": self.proof.proof.len(), "keygen_seconds": self.keygen.as_secs_f64(),
            "prove_seconds": self.prove.as_secs_f64(), "verify_ms": self.verify.as_secs_f64() * 1e3,
            "peak_rss_mib": peak_rss_mib(),
        })
    }
}

/// The statement name of a backend.
pub(crate) fn backend_name(b: BackendKind) -> &'static str {
    match b {
        BackendKind::Halo2 => zkpot_verifier::HALO2_BACKEND,
        BackendKind::Groth16 => zkpot_verifier::GROTH16_BACKEND,
    }
}

/// The `--score` flag, parsed; without it the data set's default (top-1, or mse for a
/// regression set). The model and data set must fit it (a clear error otherwise).
fn score_of(inputs: &Inputs, data: &QuantizedDataset) -> Result<ScoreFunction> {
    let score = match &inputs.score {
        Some(s) => ScoreFunction::parse(s)?,
        None => data.default_score(),
    };
    score.validate(data.num_classes).with_context(|| format!("--score {} on the data set `{}`", score.name(), data.name))?;
    Ok(score)
}

/// Adds what a score means beside it: for mse, the score function and the MSE as a real number
/// (`S / 2^(2s)`, in the squared units of the data set's targets).
fn add_score_details(out: &mut serde_json::Value, s: &Statement, fixed: FixedParams) {
    if s.score_function.is_mse() {
        out["score_function"] = json!(s.score_function);
        out["mse"] = json!(fixed.mse_to_real(s.score));
        out["mse_units"] = json!(format!("score / 2^{}", 2 * fixed.scale_bits));
    }
}

fn prove_all(model: &QuantizedModel, data: &QuantizedDataset, params: &ParamsArgs, score: ScoreFunction) -> Result<ProveOutput> {
    let (witness, _) = step("running the validation function", || Witness::with_score(model.clone(), data.clone(), score));
    let witness = witness?;
    let shape = CircuitShape::new(model.architecture(), data.len()).with_score(score);
    if params.backend == BackendKind::Groth16 {
        let (pk, keygen) = groth16_keys(params, &shape)?;
        let vk = pk.verifying_key();
        let count = ConstraintCount::of(&shape);
        let (res, prove) = step(&format!("proving {} samples with Groth16 ({} constraints)", data.len(), count.total), || {
            Groth16Backend::prove(&DevSeed::default(), &pk, witness)
        });
        let (statement, proof) = res?;
        let (res, verify) = step("verifying", || Groth16Backend::verify(&vk, &statement, &proof));
        res.context("the fresh proof did not verify")?;
        return Ok(ProveOutput { statement, proof, vk_bytes: vk.to_bytes(), keygen, prove, verify });
    }
    let kzg = load_params(params, shape.k())?;
    let (pk, vk, keygen) = keys(params, &kzg, &shape)?;
    let (res, prove) = step(&format!("proving {} samples", data.len()), || Halo2Backend::prove(&kzg, &pk, witness));
    let (statement, proof) = res?;
    let (res, verify) = step("verifying", || Halo2Backend::verify(&vk, &statement, &proof));
    res.context("the fresh proof did not verify")?;
    Ok(ProveOutput { statement, proof, vk_bytes: vk.to_bytes(), keygen, prove, verify })
}

fn demo(samples: Option<usize>, out: &Path, no_ledger: bool, serve: Option<zkpot_ledger::api::local::DemoServe>, params: &ParamsArgs) -> Result<()> {
    let n = samples.unwrap_or(500);
    eprintln!("zkpot demo: the bundled digits MLP (64-32-10, ReLU) on {n} samples of the bundled test set, backend {}", backend_name(params.backend));
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let fm = bundled::digits_model()?;
    let fd = bundled::digits_test()?.take(n)?;
    let fixed = FixedParams::DEFAULT;
    let (res, _) = step("quantizing (s = 8, b = 15)", || quantize_and_check(&fm, &fd, fixed));
    let (q, report) = res?;
    write_file(&out.join("model.quantized.json"), q.to_json().as_bytes())?;
    eprintln!(
        "  float model: {}/{n} correct; quantized model: {}/{n} correct ({} disagreements)",
        report.float_correct, report.quantized_correct, report.disagreements
    );
    let data = fd.quantize(fixed)?;
    let (commitments, _) = step("committing", || Commitments::compute(&q, &data));
    write_file(&out.join("commitments.json"), serde_json::to_string_pretty(&commitments)?.as_bytes())?;
    let res = prove_all(&q, &data, params, ScoreFunction::Top1)?;
    let (statement_p, proof_p, vk_p) = (out.join("statement.json"), out.join("proof.bin"), out.join("vk.key"));
    let key = AnyKey::from_bytes(&res.vk_bytes)?;
    write_file(&proof_p, &res.proof.to_bytes())?;
    write_file(&statement_p, res.statement.to_json_with_vk_digest(&key.digest_hex()).as_bytes())?;
    write_file(&vk_p, &res.vk_bytes)?;
    write_settings(&vk_p, &CircuitShape::new(q.architecture(), data.len()), params.backend, &key)?;
    if res.statement.score as usize != report.quantized_correct {
        bail!("the proved score {} differs from the reference score {}", res.statement.score, report.quantized_correct);
    }
    println!("S/N = {}/{} proved for model {}", res.statement.score, res.statement.samples, res.statement.model_commitment);
    println!("  keygen {}, prove {}, verify {}, proof {} bytes, peak memory {:.0} MiB",
        fmt_duration(res.keygen), fmt_duration(res.prove), fmt_duration(res.verify), res.proof.proof.len(), peak_rss_mib().unwrap_or(0.0));
    println!("  files: {}, {}, {}", statement_p.display(), proof_p.display(), vk_p.display());
    let dev_flag = if key.is_development() { " --allow-insecure-dev" } else { "" };
    println!(
        "  check it: target/release/zkpot verify --statement {} --proof {} --vk {} --vk-digest {}{dev_flag}",
        statement_p.display(), proof_p.display(), vk_p.display(), key.digest_hex()
    );
    if key.is_development() {
        println!("  NOTE: this demo uses INSECURE DEVELOPMENT keys (public seed): `zkpot verify` refuses them unless given --allow-insecure-dev.");
        println!("        Anyone can forge proofs under these keys. The real path (a ceremony file, pinned keys) is in docs/trust.md.");
    }
    if !no_ledger {
        crate::ledger_demo::run(&res.statement, &res.proof, &res.vk_bytes, &out.join("ledger.json"), serve)?;
    }
    Ok(())
}

/// `zkpot export-verifier`: the contract files, and with a key (and a proof) the deployment data
/// (and calldata). Prints the files written as JSON.
fn export_verifier(backend: &str, vk: Option<&Path>, proof: Option<&Path>, statement: Option<&Path>, out: &Path) -> Result<()> {
    use zkpot_verifier::evm;
    if backend != "groth16" {
        bail!("no on-chain verifier for backend `{backend}`: only `--backend groth16` has one (docs/evm.md)");
    }
    let read = |path: &Path| std::fs::read(path).with_context(|| format!("cannot read {}", path.display()));
    let vk = vk.map(|p| read(p).and_then(|b| Ok(evm::read_verifying_key(&b)?))).transpose()?;
    let proof = match (proof, statement) {
        (Some(p), Some(s)) => {
            let proof = evm::read_proof(&read(p)?)?;
            let statement = Statement::from_json(&read_text(s, "statement")?)?;
            Some((proof, evm::statement_inputs(&statement)?))
        }
        _ => None,
    };
    let files = evm::write_verifier(out, vk.as_ref(), proof.as_ref().map(|(p, i)| (p, i)))?;
    let mut files: Vec<_> = files.iter().map(|f| json!({"path": f.path.display().to_string(), "what": f.what})).collect();
    // the same key, proof and public inputs for snarkjs (`snarkjs groth16 verify`, browsers)
    let mut snarkjs_files = Vec::new();
    if let Some(vk) = &vk {
        snarkjs_files.push(("verification_key.json", zkpot_verifier::snarkjs::verification_key(vk), "the verifying key in snarkjs's JSON"));
    }
    if let Some((p, inputs)) = &proof {
        snarkjs_files.push(("proof.json", zkpot_verifier::snarkjs::proof(p), "the proof in snarkjs's JSON"));
        snarkjs_files.push(("public.json", zkpot_verifier::snarkjs::public(inputs), "the public signals [model, data set, N, S] for snarkjs"));
    }
    for (name, value, what) in snarkjs_files {
        let path = out.join(name);
        write_file(&path, serde_json::to_string_pretty(&value)?.as_bytes())?;
        files.push(json!({"path": path.display().to_string(), "what": what}));
    }
    println!("{}", serde_json::to_string_pretty(&json!({"files": files, "verify": evm::VERIFY_PROOF_SIGNATURE}))?);
    Ok(())
}
