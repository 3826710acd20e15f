//! `zkpot calibrate`: choose the fixed-point format `(b, s)` for a model and test set. Every
//! candidate is quantized and run through the validation function; the choice is the smallest
//! circuit (fewest value bits `b`, hence the smallest lookup table and `k`) among the candidates
//! whose quantized score is closest to the float score, ties broken by fewer float/quantized
//! disagreements and then by the larger headroom below the bound.
//!
//! A regression set (scored by `mse`) compares mean squared errors instead: the choice is the
//! smallest `b` whose quantized MSE is within [`MSE_TOLERANCE`] (relative) of the float MSE,
//! the closest MSE among those, then the larger headroom; if no candidate is that close, the
//! closest overall.

use crate::dataset::FloatDataset;
use crate::fixed::FixedParams;
use crate::halo2::CircuitShape;
use crate::model::FloatModel;
use crate::quantize::quantize_and_check;
use serde::{Deserialize, Serialize};

/// The relative distance between quantized and float MSE that counts as close enough (1%).
pub const MSE_TOLERANCE: f64 = 0.01;

/// One candidate format and what it gave.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub value_bits: u32,
    pub scale_bits: u32,
    /// The halo2 circuit size for this format and the test set's N (`None` if out of bound, or
    /// for a model the halo2 circuit does not prove).
    pub k: Option<u32>,
    pub float_correct: usize,
    /// `None` when some weight or intermediate value leaves `[-2^(b-1), 2^(b-1))`.
    pub quantized_correct: Option<usize>,
    pub disagreements: Option<usize>,
    /// Largest |value| after rescaling, against the bound `2^(b-1)`.
    pub max_abs_value: Option<i64>,
    pub bound: i64,
    /// Why the candidate is out (the first value out of bound), if it is.
    pub error: Option<String>,
    /// Regression sets only: the float MSE and the quantized MSE `S / 2^(2s)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub float_mse: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantized_mse: Option<f64>,
}

/// The whole calibration: every candidate, and the index of the chosen one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub samples: usize,
    pub float_correct: usize,
    /// Regression sets only: the float model's MSE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub float_mse: Option<f64>,
    pub candidates: Vec<Candidate>,
    pub chosen: Option<usize>,
}

impl Calibration {
    /// The chosen format.
    pub fn chosen_params(&self) -> Option<FixedParams> {
        self.chosen.map(|i| FixedParams { value_bits: self.candidates[i].value_bits, scale_bits: self.candidates[i].scale_bits })
    }

    /// A markdown table, the chosen row marked.
    pub fn markdown(&self) -> String {
        let mut t = String::from("| b | s | k | float | quantized | disagreements | max abs / bound | |\n|---|---|---|---|---|---|---|---|\n");
        for (i, c) in self.candidates.iter().enumerate() {
            let mark = if Some(i) == self.chosen { "**chosen**" } else { "" };
            let float = match self.float_mse {
                Some(f) => format!("MSE {f:.6}"),
                None => format!("{}/{}", c.float_correct, self.samples),
            };
            match (c.quantized_correct, &c.error) {
                (Some(q), _) => t.push_str(&format!(
                    "| {} | {} | {} | {float} | {} | {} | {} / {} | {mark} |\n",
                    c.value_bits,
                    c.scale_bits,
                    c.k.map(|k| k.to_string()).unwrap_or_default(),
                    c.quantized_mse.map_or_else(|| format!("{q}/{}", self.samples), |m| format!("MSE {m:.6}")),
                    c.disagreements.unwrap_or(0),
                    c.max_abs_value.unwrap_or(0),
                    c.bound,
                )),
                (None, e) => t.push_str(&format!(
                    "| {} | {} | | {float} | out of bound | | {} | {} |\n",
                    c.value_bits,
                    c.scale_bits,
                    e.as_deref().unwrap_or("").replace('|', "/"),
                    mark
                )),
            }
        }
        t
    }
}

/// Tries every `b` in `value_bits` with every `s` in `1..b`.
pub fn calibrate(model: &FloatModel, data: &FloatDataset, value_bits: std::ops::RangeInclusive<u32>) -> Calibration {
    let n = data.features.len();
    let score = if data.is_regression() { crate::score::ScoreFunction::Mse } else { crate::score::ScoreFunction::Top1 };
    let mut candidates = Vec::new();
    let mut float_correct = 0;
    let mut float_mse = None;
    for b in value_bits {
        for s in 1..b {
            let fixed = FixedParams { value_bits: b, scale_bits: s };
            let bound = 1i64 << (b - 1);
            let shaped = quantize_and_check(model, data, fixed).and_then(|(q, r)| {
                let shape = CircuitShape::new(q.architecture(), n).with_score(score);
                shape.validate()?;
                Ok((shape, r))
            });
            let c = match shaped {
                Ok((shape, r)) => {
                    float_correct = r.float_correct;
                    float_mse = r.float_mse;
                    Candidate {
                        value_bits: b,
                        scale_bits: s,
                        // no halo2 size for a model the circuit does not prove (recurrent layers)
                        k: shape.check_halo2_support().ok().map(|_| shape.k()),
                        float_correct: r.float_correct,
                        quantized_correct: Some(r.quantized_correct),
                        disagreements: Some(r.disagreements),
                        max_abs_value: Some(r.max_abs_value),
                        bound,
                        error: None,
                        float_mse: r.float_mse,
                        quantized_mse: r.quantized_mse,
                    }
                }
                Err(e) => Candidate {
                    value_bits: b,
                    scale_bits: s,
                    k: None,
                    float_correct: 0,
                    quantized_correct: None,
                    disagreements: None,
                    max_abs_value: None,
                    bound,
                    error: Some(e.to_string()),
                    float_mse: None,
                    quantized_mse: None,
                },
            };
            candidates.push(c);
        }
    }
    for c in candidates.iter_mut() {
        c.float_correct = float_correct;
        c.float_mse = float_mse;
    }
    if let Some(f) = float_mse {
        // close enough first, then (among those) the smallest b; the closest MSE; the most headroom
        let chosen = candidates
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let q = c.quantized_mse?;
                let diff = (q - f).abs();
                let close = diff <= MSE_TOLERANCE * f;
                let headroom = c.bound - c.max_abs_value.unwrap_or(0);
                Some((i, (!close, if close { c.value_bits } else { 0 }, (diff * 1e12) as u64, -headroom)))
            })
            .min_by_key(|(_, key)| *key)
            .map(|(i, _)| i);
        return Calibration { samples: n, float_correct, float_mse, candidates, chosen };
    }
    // closest score to the float score, then fewer disagreements, then smaller b, then headroom
    let chosen = candidates
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let q = c.quantized_correct?;
            let headroom = c.bound - c.max_abs_value.unwrap_or(0);
            Some((i, (q.abs_diff(float_correct), c.disagreements.unwrap_or(0), c.value_bits, -headroom)))
        })
        .min_by_key(|(_, key)| *key)
        .map(|(i, _)| i);
    Calibration { samples: n, float_correct, float_mse, candidates, chosen }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_digits_calibrate_to_a_format_that_matches_the_float_score() {
        let model = crate::bundled::digits_model().unwrap();
        let data = crate::bundled::digits_test().unwrap().take(100).unwrap();
        let cal = calibrate(&model, &data, 8..=12);
        assert_eq!(cal.candidates.len(), (8..=12).map(|b| b as usize - 1).sum::<usize>());
        let chosen = &cal.candidates[cal.chosen.unwrap()];
        assert_eq!(chosen.quantized_correct, Some(cal.float_correct), "{}", cal.markdown());
        // nothing with fewer value bits reaches the float score
        assert!(cal.candidates.iter().filter(|c| c.value_bits < chosen.value_bits).all(|c| c.quantized_correct.map(|q| q.abs_diff(cal.float_correct)) != Some(0)
            || c.disagreements > chosen.disagreements));
        // tiny scales lose accuracy, too many fractional bits overflow: both appear
        assert!(cal.candidates.iter().any(|c| c.error.is_some()));
        assert!(cal.markdown().contains("**chosen**"));
    }

    #[test]
    fn bundled_diabetes_calibrates_to_the_smallest_format_within_one_percent_of_the_float_mse() {
        let model = crate::bundled::diabetes_model().unwrap();
        let data = crate::bundled::diabetes_test().unwrap();
        let cal = calibrate(&model, &data, 8..=11);
        let f = cal.float_mse.unwrap();
        let chosen = &cal.candidates[cal.chosen.unwrap()];
        let q = chosen.quantized_mse.unwrap();
        assert!((q - f).abs() <= MSE_TOLERANCE * f, "{}", cal.markdown());
        // nothing with fewer value bits is that close
        assert!(cal.candidates.iter().filter(|c| c.value_bits < chosen.value_bits).all(|c| c.quantized_mse.is_none_or(|m| (m - f).abs() > MSE_TOLERANCE * f)));
        assert!(cal.markdown().contains("MSE 0.4216"), "{}", cal.markdown());
    }
}
