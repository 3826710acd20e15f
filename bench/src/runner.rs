//! `zkpot bench`: every (backend, N) in a fresh child process (so each peak memory figure is
//! that configuration's own), then the markdown table, the JSON file and the plot.

use crate::error::BenchError;
use crate::measure::Measurement;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What to run and where to write.
#[derive(Clone, Debug)]
pub struct BenchPlan {
    /// The `zkpot` binary; each child runs `zkpot bench --one --backend B --samples N --cache C`.
    pub exe: PathBuf,
    pub backends: Vec<String>,
    /// Workloads ([`crate::WORKLOADS`]), each run for every backend and N.
    pub workloads: Vec<String>,
    pub samples: Vec<usize>,
    pub cache: PathBuf,
    pub out: PathBuf,
}

/// The `format` field of `bench.json`.
pub const REPORT_FORMAT: &str = "zkpot-bench";
/// Its `version` field.
pub const REPORT_VERSION: u32 = 1;

/// The JSON file: machine, plan and rows.
#[derive(Serialize)]
struct Report<'a> {
    format: &'static str,
    version: u32,
    threads: usize,
    rows: &'a [Measurement],
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BenchError + '_ {
    move |source| BenchError::Io { path: path.display().to_string(), source }
}

/// Runs one configuration in a child process and parses its JSON line.
fn child(plan: &BenchPlan, workload: &str, backend: &str, n: usize) -> Result<Measurement, BenchError> {
    let out = Command::new(&plan.exe)
        .args(["bench", "--one", "--workload", workload, "--backend", backend, "--samples", &n.to_string(), "--cache"])
        .arg(&plan.cache)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| BenchError::Child(format!("cannot start {}: {e}", plan.exe.display())))?;
    if !out.status.success() {
        return Err(BenchError::Child(format!("{workload} {backend} N = {n} exited with {}", out.status)));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().rev().find(|l| l.trim_start().starts_with('{')).unwrap_or("");
    serde_json::from_str(line).map_err(|e| BenchError::Child(format!("{workload} {backend} N = {n}: unreadable result ({e}): {line}")))
}

/// Runs the plan; writes `bench.json`, `bench.md` and `bench.svg` under `plan.out`; returns
/// the rows. `progress` gets a line per configuration.
pub fn run(plan: &BenchPlan, progress: &dyn Fn(&str)) -> Result<Vec<Measurement>, BenchError> {
    std::fs::create_dir_all(&plan.out).map_err(io(&plan.out))?;
    let total = plan.workloads.len() * plan.backends.len() * plan.samples.len();
    let mut rows = Vec::with_capacity(total);
    for (workload, backend) in plan.workloads.iter().flat_map(|w| plan.backends.iter().map(move |b| (w, b))) {
        for &n in &plan.samples {
            progress(&format!("[{}/{total}] {workload} {backend}, N = {n}", rows.len() + 1));
            let m = child(plan, workload, backend, n)?;
            progress(&format!(
                "[{}/{total}] {workload} {backend}, N = {n}: prove {:.2} s, verify {:.1} ms, {} B, {:.0} MiB",
                rows.len() + 1,
                m.prove_seconds,
                m.verify_ms,
                m.proof_bytes,
                m.peak_rss_mib
            ));
            rows.push(m);
            write_outputs(&plan.out, &rows)?; // keep what was measured if a later run fails
        }
    }
    Ok(rows)
}

/// Writes `bench.json`, `bench.md` and `bench.svg` for `rows` under `out`.
pub(crate) fn write_outputs(out: &Path, rows: &[Measurement]) -> Result<(), BenchError> {
    std::fs::create_dir_all(out).map_err(io(out))?;
    let report = Report { format: REPORT_FORMAT, version: REPORT_VERSION, threads: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1), rows };
    let json = out.join("bench.json");
    std::fs::write(&json, serde_json::to_string_pretty(&report).unwrap_or_default()).map_err(io(&json))?;
    let md = out.join("bench.md");
    std::fs::write(&md, crate::table::markdown(rows)).map_err(io(&md))?;
    crate::plot::plot(rows, &out.join("bench.svg"))
}
