//! `zkpot bench --merge`: one table and one plot from several `bench.json` files (runs made
//! at different times, e.g. a backend or workload too slow to measure with the others), in a
//! fixed order: workload (digits first), backend, then N.

use crate::error::BenchError;
use crate::measure::Measurement;
use crate::runner::{write_outputs, REPORT_FORMAT, REPORT_VERSION};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// What a `bench.json` holds that merging reads.
#[derive(Deserialize)]
struct ReportIn {
    format: String,
    version: u32,
    rows: Vec<Measurement>,
}

fn read(path: &Path) -> Result<Vec<Measurement>, BenchError> {
    let bad = |why: String| BenchError::Merge { path: path.display().to_string(), why };
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    let report: ReportIn = serde_json::from_str(&text).map_err(|e| bad(format!("not a zkpot bench.json: {e}")))?;
    if report.format != REPORT_FORMAT || report.version != REPORT_VERSION {
        return Err(bad(format!("format {} v{}, expected {REPORT_FORMAT} v{REPORT_VERSION}", report.format, report.version)));
    }
    Ok(report.rows)
}

/// Sort key: the workloads in [`crate::WORKLOADS`] order (others after), then backend, then N.
fn order(m: &Measurement) -> (usize, String, usize) {
    let w = crate::WORKLOADS.iter().position(|w| *w == m.workload).unwrap_or(crate::WORKLOADS.len());
    (w, m.backend.clone(), m.samples)
}

/// Reads every file in `inputs`, refuses a (workload, backend, N) measured twice (naming both
/// files), writes `bench.json`, `bench.md` and `bench.svg` under `out` and returns the rows.
pub fn merge(inputs: &[PathBuf], out: &Path) -> Result<Vec<Measurement>, BenchError> {
    if inputs.is_empty() {
        return Err(BenchError::Merge { path: out.display().to_string(), why: "no bench.json files to merge".into() });
    }
    let mut rows: Vec<(Measurement, &Path)> = Vec::new();
    for path in inputs {
        for m in read(path)? {
            if let Some((_, first)) = rows.iter().find(|(r, _)| order(r) == order(&m) && r.workload == m.workload) {
                return Err(BenchError::Merge {
                    path: path.display().to_string(),
                    why: format!("{} {} N = {} is also in {}: merge one of them", m.workload, m.backend, m.samples, first.display()),
                });
            }
            rows.push((m, path));
        }
    }
    let mut rows: Vec<Measurement> = rows.into_iter().map(|(m, _)| m).collect();
    rows.sort_by_key(order);
    write_outputs(out, &rows)?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(workload: &str, backend: &str, n: usize) -> Measurement {
        Measurement::example(workload, backend, n, 2.0, 400.0)
    }

    fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("zkpot-bench-merge-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn merges_in_workload_backend_n_order_and_refuses_a_row_twice() {
        let d = dir("ok");
        let (a, b) = (d.join("a"), d.join("b"));
        write_outputs(&a, &[row("mnist-mlp", "halo2-kzg-bn254", 100), row("mnist-mlp", "halo2-kzg-bn254", 1)]).unwrap();
        write_outputs(&b, &[row("mnist-mlp", "groth16-bn254", 1), row("digits", "halo2-kzg-bn254", 500)]).unwrap();
        let out = d.join("out");
        let rows = merge(&[a.join("bench.json"), b.join("bench.json")], &out).unwrap();
        let got: Vec<(&str, &str, usize)> = rows.iter().map(|m| (m.workload.as_str(), m.backend.as_str(), m.samples)).collect();
        assert_eq!(
            got,
            [("digits", "halo2-kzg-bn254", 500), ("mnist-mlp", "groth16-bn254", 1), ("mnist-mlp", "halo2-kzg-bn254", 1), ("mnist-mlp", "halo2-kzg-bn254", 100)]
        );
        // The merged file reads back as the same rows, and the table has a line each.
        assert_eq!(read(&out.join("bench.json")).unwrap(), rows);
        assert_eq!(std::fs::read_to_string(out.join("bench.md")).unwrap().lines().count(), 2 + rows.len());
        assert!(std::fs::read_to_string(out.join("bench.svg")).unwrap().contains("mnist-mlp groth16-bn254"));

        let err = merge(&[a.join("bench.json"), a.join("bench.json")], &d.join("twice")).unwrap_err().to_string();
        assert!(err.contains("mnist-mlp halo2-kzg-bn254 N = 100 is also in"), "{err}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_file_that_is_not_a_bench_report_is_named() {
        let d = dir("bad");
        let other = d.join("other.json");
        std::fs::write(&other, r#"{"format": "zkpot-statement", "version": 1, "rows": []}"#).unwrap();
        let err = merge(&[other.clone()], &d.join("out")).unwrap_err().to_string();
        assert!(err.contains("other.json") && err.contains("expected zkpot-bench v1"), "{err}");
        let missing = d.join("missing.json");
        let err = merge(&[missing], &d.join("out")).unwrap_err().to_string();
        assert!(err.contains("missing.json") && err.contains("cannot read"), "{err}");
        let _ = std::fs::remove_dir_all(&d);
    }
}
