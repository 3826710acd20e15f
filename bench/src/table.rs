//! The markdown table and JSON file `zkpot bench` writes.

use crate::measure::Measurement;

fn thousands(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Milliseconds with three significant digits (native evaluation takes microseconds).
fn fmt_ms(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 1.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{:.1} µs", ms * 1e3)
    }
}

/// The size column: `k = 16 (62,411 rows)` or `2,512,331 constraints`.
pub fn size_label(m: &Measurement) -> String {
    match (m.k, m.rows_used, m.constraints) {
        (Some(k), Some(r), _) => format!("k = {k} ({} rows used)", thousands(r)),
        (Some(k), None, _) => format!("k = {k}"),
        (None, _, Some(c)) => format!("{} constraints", thousands(c)),
        _ => "-".into(),
    }
}

/// One markdown table, a row per measurement.
pub fn markdown(rows: &[Measurement]) -> String {
    let mut t = String::from(
        "| workload | backend | N | S | circuit | SRS | keygen (setup) | prove | prove CPU | verify | proof | peak memory | native eval | prove / native |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for m in rows {
        t.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {:.2} s | {:.2} s | {:.1} s | {:.1} ms | {} B | {:.0} MiB | {} | {} |\n",
            m.workload,
            m.backend,
            m.samples,
            m.score,
            size_label(m),
            // Groth16 has no universal SRS: its circuit-specific setup is the keygen column
            if m.k.is_some() { format!("{:.2} s", m.srs_seconds) } else { "-".into() },
            m.keygen_seconds,
            m.prove_seconds,
            m.prove_cpu_seconds,
            m.verify_ms,
            thousands(m.proof_bytes as u64),
            m.peak_rss_mib,
            fmt_ms(m.native_eval_ms),
            thousands(m.prove_over_native.round() as u64),
        ));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(62411), "62,411");
        assert_eq!(thousands(2512331), "2,512,331");
    }
}
