//! The SVG plot `zkpot bench` draws: prove time (wall), prove CPU time and peak memory
//! against N, one line per (workload, backend), both axes logarithmic. The CPU panel stays
//! comparable between runs made under different machine load (`zkpot bench --merge`).

use crate::error::BenchError;
use crate::measure::Measurement;
use plotters::prelude::*;
use std::path::Path;

const COLORS: [RGBColor; 6] = [RGBColor(31, 119, 180), RGBColor(214, 39, 40), RGBColor(44, 160, 44), RGBColor(148, 103, 189), RGBColor(255, 127, 14), RGBColor(140, 86, 75)];

fn e<E: std::fmt::Display>(err: E) -> BenchError {
    BenchError::Plot(err.to_string())
}

fn panel(area: &DrawingArea<SVGBackend, plotters::coord::Shift>, rows: &[Measurement], title: &str, unit: &str, value: fn(&Measurement) -> f64) -> Result<(), BenchError> {
    let xs: Vec<f64> = rows.iter().map(|m| m.samples as f64).collect();
    let ys: Vec<f64> = rows.iter().map(value).filter(|v| *v > 0.0).collect();
    let (xmax, ymin, ymax) = (
        xs.iter().cloned().fold(1.0, f64::max) * 1.5,
        ys.iter().cloned().fold(f64::INFINITY, f64::min).min(1.0) / 1.5,
        ys.iter().cloned().fold(1.0, f64::max) * 1.5,
    );
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d((0.8f64..xmax).log_scale(), (ymin..ymax).log_scale())
        .map_err(e)?;
    chart.configure_mesh().x_desc("N (samples)").y_desc(unit).draw().map_err(e)?;
    // One series per (workload, backend), in the order first seen (rows need not be grouped).
    let mut series: Vec<(&str, &str)> = Vec::new();
    for m in rows {
        if !series.contains(&(m.workload.as_str(), m.backend.as_str())) {
            series.push((m.workload.as_str(), m.backend.as_str()));
        }
    }
    for (i, (w, b)) in series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let mut pts: Vec<(f64, f64)> = rows.iter().filter(|m| m.backend == *b && m.workload == *w).map(|m| (m.samples as f64, value(m))).filter(|p| p.1 > 0.0).collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        chart
            .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
            .map_err(e)?
            .label(format!("{w} {b}"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
        chart.draw_series(pts.iter().map(|p| Circle::new(*p, 4, color.filled()))).map_err(e)?;
    }
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).position(SeriesLabelPosition::UpperLeft).draw().map_err(e)?;
    Ok(())
}

/// Writes the three-panel SVG to `path`.
pub fn plot(rows: &[Measurement], path: &Path) -> Result<(), BenchError> {
    let root = SVGBackend::new(path, (1650, 440)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let panels = root.split_evenly((1, 3));
    panel(&panels[0], rows, "Prove time vs N", "seconds", |m| m.prove_seconds)?;
    panel(&panels[1], rows, "Prove CPU vs N", "CPU seconds", |m| m.prove_cpu_seconds)?;
    panel(&panels[2], rows, "Peak memory vs N", "MiB", |m| m.peak_rss_mib)?;
    root.present().map_err(e)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(backend: &str, n: usize, prove: f64, mem: f64) -> Measurement {
        Measurement::example("digits", backend, n, prove, mem)
    }

    #[test]
    fn plots_every_backend_and_the_table_has_a_row_each() {
        let rows = vec![row("halo2-kzg-bn254", 1, 12.0, 400.0), row("halo2-kzg-bn254", 500, 14.0, 450.0), row("groth16-bn254", 1, 0.5, 100.0), row("groth16-bn254", 500, 90.0, 6000.0)];
        let path = std::env::temp_dir().join(format!("zkpot-bench-plot-{}.svg", std::process::id()));
        plot(&rows, &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
        assert!(svg.contains("halo2-kzg-bn254") && svg.contains("groth16-bn254"));
        assert!(svg.contains("Prove time vs N") && svg.contains("Prove CPU vs N") && svg.contains("Peak memory vs N"));
        assert_eq!(crate::table::markdown(&rows).lines().count(), 2 + rows.len());
    }
}
