//! The prover's peak memory for a circuit shape, estimated from the circuit itself, and the
//! chunk plan `--chunk-memory` makes with it.
//!
//! [`CircuitFootprint`] gives the columns and arguments of the shape's constraint system; the
//! byte model below says how many `2^k`-value polynomials (32-byte field elements a row)
//! halo2-axiom 0.5.3 holds at once in each phase of key generation and proving (read from its
//! `keygen.rs`, `plonk/witness.rs`, `plonk/prover.rs` and `plonk/evaluation.rs`). The largest
//! phase, with a factor for the prover's scratch, a per-row term every circuit pays and a base
//! for the program and its inputs, is the estimate; `docs/performance.md` ("Memory model") has
//! the measurements the three constants are fitted to.

use anyhow::Result;
use zkpot_circuits::halo2::footprint::CircuitFootprint;
use zkpot_circuits::halo2::CircuitShape;
use zkpot_circuits::model::Architecture;
use zkpot_circuits::score::ScoreFunction;

/// Bytes in a GiB.
pub const GIB: f64 = (1u64 << 30) as f64;

/// Bytes of a field element, the unit of the model (a G1 point of the SRS is two).
const ELEMENT_BYTES: f64 = 32.0;

/// Measured peak RSS over the modelled live polynomials, on top of [`PER_ROW_ELEMENTS`]: the
/// FFT and multi-opening scratch and the allocator's slack that grow with the polynomials.
/// Fitted with [`PER_ROW_ELEMENTS`] and [`BASE_BYTES`] so that no measurement is above the
/// estimate (`docs/performance.md`, "Memory model").
const OVERHEAD_FACTOR: f64 = 1.05;

/// Field elements a row that every circuit costs whatever its columns: the layouter's cells
/// and regions, the SRS while it is made, the allocator's retained pages. Fitted (above).
const PER_ROW_ELEMENTS: f64 = 48.0;

/// Memory that does not grow with the rows: the program, the parsed model and data set.
const BASE_BYTES: f64 = 64.0 * 1024.0 * 1024.0;

/// Field elements a row that each phase of key generation and proving holds at once; the
/// estimate uses the largest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhaseElements {
    /// `keygen_pk`: the layout's fixed cells as `Assigned` (72 bytes), their inverted copies,
    /// the permutation's mapping, its clone and the permutation polynomials.
    pub keygen: f64,
    /// `create_proof` while the witness is laid out: the proving key, the advice cells as
    /// `Assigned` and the advice polynomials.
    pub witness: f64,
    /// `evaluate_h`: the proving key, the committed advice, lookup and permutation polynomials,
    /// and one part of the extended domain of every column being evaluated.
    pub quotient: f64,
}

impl PhaseElements {
    /// The phases of a circuit with footprint `f`.
    pub fn of(f: &CircuitFootprint) -> Self {
        let (a, fx, i, p, l, s) = (f.advice as f64, f.fixed as f64, f.instance as f64, f.permutation_columns as f64, f.lookups as f64, f.permutation_sets() as f64);
        let srs = 4.0; // g and g_lagrange: one 64-byte point each a row
        let proving_key = 3.0 + 2.0 * fx + 2.0 * p; // l0, l_last, l_active_row; fixed and permutation values and polys
        let instance = 2.0 * i; // values and polys
        let keygen = srs + (2.25 + 1.0) * fx + 2.0 * 1.25 * p + 2.0 * p;
        let witness = srs + proving_key + (2.25 + 1.0 + 1.0) * a + instance;
        let committed = a + instance + 3.0 * l + s; // advice polys; per lookup permuted input, table, product
        let part = fx + 3.0 + a + i + 1.0 + (s + p).max(3.0); // one coset part of each column + the values
        let quotient = srs + proving_key + committed + part + f.extended_factor() as f64;
        PhaseElements { keygen, witness, quotient }
    }

    /// The largest phase.
    pub fn peak(&self) -> f64 {
        self.keygen.max(self.witness).max(self.quotient)
    }
}

/// The estimated peak of proving a circuit of `2^k` rows with a given footprint.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PeakEstimate {
    pub k: u32,
    /// Estimated bytes a row, the overhead factor included.
    pub bytes_per_row: f64,
    /// Estimated peak resident memory in bytes, the base included.
    pub bytes: f64,
}

impl PeakEstimate {
    /// The estimate for `2^k` rows of a circuit with footprint `f`.
    pub fn new(f: &CircuitFootprint, k: u32) -> Self {
        let bytes_per_row = ELEMENT_BYTES * (OVERHEAD_FACTOR * PhaseElements::of(f).peak() + PER_ROW_ELEMENTS);
        PeakEstimate { k, bytes_per_row, bytes: BASE_BYTES + bytes_per_row * (1u64 << k) as f64 }
    }

    /// The estimate for the circuit of `shape`.
    pub fn of(shape: &CircuitShape) -> Self {
        PeakEstimate::new(&CircuitFootprint::of(shape), shape.k())
    }

    /// The peak in GiB.
    pub fn gib(&self) -> f64 {
        self.bytes / GIB
    }
}

/// A chunk plan for a memory budget: chunks of the largest circuit whose estimated peak fits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChunkPlan {
    /// The largest circuit size the budget allows, and the most samples such a circuit holds.
    pub k: u32,
    pub max_samples: usize,
    /// Number of chunks and their (equal, but for the last) size.
    pub chunks: usize,
    pub size: usize,
    /// The estimated peak of proving one chunk of `size` samples (its circuit may be smaller
    /// than `2^k` rows when the whole set fits).
    pub peak: PeakEstimate,
}

/// The plan for proving `samples` samples of `arch` under `score` in at most `budget` bytes:
/// the largest `k` whose estimated peak fits, the largest chunk that fits `2^k` rows
/// ([`CircuitShape::max_samples`]), then the set split into that many equal chunks (so all but
/// the last share one key). The column counts come from the one-sample circuit and are checked
/// on the chunk's own circuit. An error names the smallest budget when not even one sample
/// fits.
pub fn plan(budget: f64, arch: &Architecture, score: ScoreFunction, samples: usize) -> Result<ChunkPlan> {
    let one = CircuitShape::new(arch.clone(), 1).with_score(score);
    let footprint = CircuitFootprint::of(&one);
    let min = PeakEstimate::new(&footprint, one.k());
    let samples = samples.max(1);
    for k in (min.k..=28).rev() {
        if PeakEstimate::new(&footprint, k).bytes > budget {
            continue;
        }
        let Some(max_samples) = CircuitShape::max_samples(arch, score, k) else { break };
        let chunks = samples.div_ceil(max_samples);
        let size = samples.div_ceil(chunks);
        let peak = PeakEstimate::of(&CircuitShape::new(arch.clone(), size).with_score(score));
        if peak.bytes <= budget {
            return Ok(ChunkPlan { k, max_samples, chunks, size, peak });
        }
    }
    anyhow::bail!(
        "--chunk-memory {:.2} GiB is too small: one sample of this model already needs 2^{} rows (an estimated {:.2} GiB at the prover's peak, {:.1} KiB a row); ask for at least that",
        budget / GIB,
        min.k,
        min.gib(),
        min.bytes_per_row / 1024.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkpot_circuits::fixed::FixedParams;
    use zkpot_circuits::model::QuantizedModel;
    use zkpot_circuits::quantize::quantize_model;

    fn bundled(name: &str) -> QuantizedModel {
        quantize_model(&zkpot_jobs::sources::bundled_model(name).unwrap().unwrap(), FixedParams::DEFAULT).unwrap()
    }

    #[test]
    fn the_lstm_plan_at_4_gib_fits_its_estimate() {
        let arch = bundled("@mnist-lstm").architecture();
        let p = plan(4.0 * GIB, &arch, ScoreFunction::Top1, 2000).unwrap();
        assert!(p.peak.bytes <= 4.0 * GIB, "{p:?}");
        assert_eq!(p.peak, PeakEstimate::of(&CircuitShape::new(arch.clone(), p.size)), "the estimate is the chunk circuit's");
        // the recurrent column group makes a row dearer than the MLP's
        let mlp = plan(4.0 * GIB, &bundled("@mnist-mlp").architecture(), ScoreFunction::Top1, 2000).unwrap();
        assert!(p.peak.bytes_per_row > 1.5 * mlp.peak.bytes_per_row, "{p:?} {mlp:?}");
        assert_eq!((p.peak.k, mlp.peak.k), (18, 19), "the 7.5 KiB constant gave the LSTM 2^19 rows too");
    }

    #[test]
    fn a_plans_estimate_grows_with_k_and_with_the_budget() {
        for name in ["@digits", "@mnist-mlp", "@mnist-cnn", "@mnist-lstm"] {
            let arch = bundled(name).architecture();
            let mut last = 0.0;
            for k in 16..=20 {
                let Some(max) = CircuitShape::max_samples(&arch, ScoreFunction::Top1, k) else { continue };
                let e = PeakEstimate::of(&CircuitShape::new(arch.clone(), max));
                assert!(e.bytes > last, "{name}: k = {k}: {e:?} not above {last}");
                last = e.bytes;
            }
            let mut last = 0;
            for gib in [1.0, 2.0, 4.0, 8.0, 16.0] {
                let Ok(p) = plan(gib * GIB, &arch, ScoreFunction::Top1, 100_000) else { continue };
                assert!(p.peak.bytes <= gib * GIB && p.max_samples >= last, "{name} at {gib} GiB: {p:?}");
                last = p.max_samples;
            }
        }
    }

    #[test]
    fn a_budget_below_one_sample_names_the_minimum() {
        let arch = bundled("@mnist-lstm").architecture();
        let min = PeakEstimate::of(&CircuitShape::new(arch.clone(), 1));
        let err = plan(0.9 * min.bytes, &arch, ScoreFunction::Top1, 10).unwrap_err().to_string();
        assert!(err.contains(&format!("2^{} rows", min.k)) && err.contains(&format!("{:.2} GiB", min.gib())), "{err}");
        let p = plan(min.bytes, &arch, ScoreFunction::Top1, 10).unwrap();
        assert_eq!(p.peak.k, min.k);
    }

    #[test]
    fn a_budget_above_the_whole_set_plans_one_chunk_of_its_own_size() {
        let arch = bundled("@digits").architecture();
        let p = plan(1e6 * GIB, &arch, ScoreFunction::Top1, 500).unwrap();
        assert_eq!((p.k, p.chunks, p.size), (28, 1, 500));
        assert_eq!(p.peak, PeakEstimate::of(&CircuitShape::new(arch, 500)), "the estimate is the chunk's, not 2^28 rows'");
    }

    #[test]
    fn the_footprint_counts_the_selector_columns_key_generation_makes() {
        let shape = CircuitShape::new(bundled("@digits").architecture(), 1);
        let params = zkpot_params::srs::dev_srs(shape.k(), zkpot_params::srs::default_seed());
        let vk = zkpot_params::keys::verifying_key(&params, &shape).unwrap();
        let f = CircuitFootprint::of(&shape);
        assert_eq!(f.fixed, vk.cs().num_fixed_columns());
        assert_eq!(f.advice, vk.cs().num_advice_columns());
        assert_eq!(f.lookups, vk.cs().lookups().len());
    }
}
