//! Data set formats: the float test set an order publishes (`test.json`) and its quantized form,
//! which the dataset commitment binds and the validation function reads.
//!
//! A classification set has `num_classes >= 2` and integer `labels`. A regression set has
//! `num_classes = 1` (the model's single output) and real `targets` instead of labels; its
//! quantized form keeps the quantized targets `round(y 2^s)` (bound-checked like any value) in
//! the `labels` slot. Only single-output regression is supported.

use crate::error::{CircuitError, Result};
use crate::fixed::FixedParams;
use crate::model::check_format;
use serde::{Deserialize, Serialize};

/// Format tag of data set files.
pub const DATASET_FORMAT: &str = "zkpot-dataset";

/// A labelled float data set (or, with `num_classes = 1`, one with real regression targets).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FloatDataset {
    pub format: String,
    pub version: u32,
    #[serde(default)]
    pub name: String,
    /// The number of classes, or 1 for a (single-output) regression set.
    pub num_classes: usize,
    pub features: Vec<Vec<f64>>,
    /// Class labels in `0..num_classes` (classification only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<i64>,
    /// Real targets, one per sample (regression only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<f64>,
}

impl FloatDataset {
    /// Parses and validates a data set file: equal row lengths, one label per row, labels in
    /// range, finite features.
    pub fn from_json(text: &str) -> Result<Self> {
        let d: FloatDataset = serde_json::from_str(text)
            .map_err(|source| CircuitError::Parse { what: "data set".into(), source })?;
        check_format("data set", DATASET_FORMAT, 1, &d.format, d.version)?;
        d.validate()?;
        Ok(d)
    }

    /// Number of features per sample.
    pub fn input_dim(&self) -> usize {
        self.features.first().map_or(0, Vec::len)
    }

    /// Whether this is a regression set (`num_classes = 1`, targets instead of labels).
    pub fn is_regression(&self) -> bool {
        self.num_classes == 1
    }

    /// Checks shapes, labels (or targets) and finiteness.
    pub fn validate(&self) -> Result<()> {
        if self.features.is_empty() {
            return Err(CircuitError::Shape("the data set has no samples".into()));
        }
        let (what, count, other) = if self.is_regression() {
            ("targets", self.targets.len(), ("labels", self.labels.len()))
        } else {
            ("labels", self.labels.len(), ("targets", self.targets.len()))
        };
        if other.1 != 0 {
            return Err(CircuitError::Shape(format!(
                "a {} set has {what}, not {}: num_classes = 1 means regression (targets), >= 2 classification (labels)",
                if self.is_regression() { "regression" } else { "classification" },
                other.0
            )));
        }
        if self.features.len() != count {
            return Err(CircuitError::Shape(format!("{} feature rows but {count} {what}", self.features.len())));
        }
        for (i, t) in self.targets.iter().enumerate() {
            if !t.is_finite() {
                return Err(CircuitError::NotFinite { what: format!("sample {i} target"), value: *t });
            }
        }
        let dim = self.input_dim();
        if dim == 0 {
            return Err(CircuitError::Shape("samples have no features".into()));
        }
        for (i, row) in self.features.iter().enumerate() {
            if row.len() != dim {
                return Err(CircuitError::Shape(format!("sample {i} has {} features, expected {dim}", row.len())));
            }
            for (k, v) in row.iter().enumerate() {
                if !v.is_finite() {
                    return Err(CircuitError::NotFinite { what: format!("sample {i} feature {k}"), value: *v });
                }
            }
        }
        if self.is_regression() {
            return Ok(());
        }
        check_labels(&self.labels, self.num_classes)
    }

    /// Keeps the first `n` samples (an error if there are fewer).
    pub fn take(&self, n: usize) -> Result<FloatDataset> {
        if n == 0 || n > self.features.len() {
            return Err(CircuitError::Shape(format!(
                "asked for {n} samples, the data set has {}",
                self.features.len()
            )));
        }
        let mut d = self.clone();
        d.features.truncate(n);
        d.labels.truncate(n);
        d.targets.truncate(n);
        Ok(d)
    }

    /// Quantizes every feature (and regression target) at the model's scale, checking the bound.
    pub fn quantize(&self, fixed: FixedParams) -> Result<QuantizedDataset> {
        self.validate()?;
        let mut features = Vec::with_capacity(self.features.len() * self.input_dim());
        for (i, row) in self.features.iter().enumerate() {
            for (k, v) in row.iter().enumerate() {
                features.push(fixed.quantize(*v, || format!("sample {i} feature {k}"))?);
            }
        }
        let labels = if self.is_regression() {
            self.targets.iter().enumerate().map(|(i, y)| fixed.quantize(*y, || format!("sample {i} target"))).collect::<Result<_>>()?
        } else {
            self.labels.clone()
        };
        QuantizedDataset::new(&self.name, fixed, self.input_dim(), self.num_classes, features, labels)
    }
}

/// A quantized data set: features row-major (`features[i * input_dim + k]`), integers at scale `2^s`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuantizedDataset {
    #[serde(default)]
    pub name: String,
    pub fixed: FixedParams,
    pub input_dim: usize,
    /// The number of classes, or 1 for a regression set.
    pub num_classes: usize,
    pub features: Vec<i64>,
    /// Class labels, or for a regression set the quantized targets (at scale `2^s`).
    pub labels: Vec<i64>,
}

impl QuantizedDataset {
    /// Builds a quantized data set, checking shapes, labels and bounds.
    pub fn new(name: &str, fixed: FixedParams, input_dim: usize, num_classes: usize, features: Vec<i64>, labels: Vec<i64>) -> Result<Self> {
        let d = QuantizedDataset { name: name.into(), fixed, input_dim, num_classes, features, labels };
        d.validate()?;
        Ok(d)
    }

    /// Whether this is a regression set (`num_classes = 1`, `labels` hold quantized targets).
    pub fn is_regression(&self) -> bool {
        self.num_classes == 1
    }

    /// The score function used when none is named: MSE for a regression set, else top-1.
    pub fn default_score(&self) -> crate::score::ScoreFunction {
        if self.is_regression() {
            crate::score::ScoreFunction::Mse
        } else {
            crate::score::ScoreFunction::Top1
        }
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Consecutive chunks of at most `chunk` samples each (see [`crate::commit::chunk_sizes`]).
    pub fn chunks(&self, chunk: usize) -> Vec<QuantizedDataset> {
        let mut start = 0;
        crate::commit::chunk_sizes(self.len(), chunk)
            .into_iter()
            .enumerate()
            .map(|(i, n)| {
                let d = QuantizedDataset {
                    name: format!("{}[chunk {i}]", self.name),
                    fixed: self.fixed,
                    input_dim: self.input_dim,
                    num_classes: self.num_classes,
                    features: self.features[start * self.input_dim..(start + n) * self.input_dim].to_vec(),
                    labels: self.labels[start..start + n].to_vec(),
                };
                start += n;
                d
            })
            .collect()
    }

    /// The features of sample `i`.
    pub fn sample(&self, i: usize) -> &[i64] {
        &self.features[i * self.input_dim..(i + 1) * self.input_dim]
    }

    /// Checks shapes, labels and the value bound.
    pub fn validate(&self) -> Result<()> {
        self.fixed.validate()?;
        if self.labels.is_empty() || self.input_dim == 0 {
            return Err(CircuitError::Shape("the data set has no samples or no features".into()));
        }
        if self.features.len() != self.labels.len() * self.input_dim {
            return Err(CircuitError::Shape(format!(
                "{} feature values for {} samples of {} features",
                self.features.len(),
                self.labels.len(),
                self.input_dim
            )));
        }
        for (idx, v) in self.features.iter().enumerate() {
            self.fixed.check(*v as i128, || format!("sample {} feature {}", idx / self.input_dim, idx % self.input_dim))?;
        }
        if self.is_regression() {
            for (i, t) in self.labels.iter().enumerate() {
                self.fixed.check(*t as i128, || format!("sample {i} target"))?;
            }
            return Ok(());
        }
        check_labels(&self.labels, self.num_classes)
    }
}

fn check_labels(labels: &[i64], num_classes: usize) -> Result<()> {
    if num_classes < 1 {
        return Err(CircuitError::Shape("num_classes must be at least 1 (1: a regression set with targets; >= 2: classes)".into()));
    }
    for (i, l) in labels.iter().enumerate() {
        if *l < 0 || *l as usize >= num_classes {
            return Err(CircuitError::LabelOutOfRange { sample: i, label: *l, num_classes });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGRESSION: &str = r#"{"format":"zkpot-dataset","version":1,"name":"r","num_classes":1,
        "features":[[0.5,-1.0],[0.25,2.0],[1.0,0.0]],"targets":[1.5,-0.75,0.1]}"#;

    #[test]
    fn regression_sets_carry_targets_and_quantize_them() {
        let d = FloatDataset::from_json(REGRESSION).unwrap();
        assert!(d.is_regression() && d.labels.is_empty());
        let fixed = FixedParams { scale_bits: 3, value_bits: 8 };
        let q = d.quantize(fixed).unwrap();
        // round(y 2^3): 12, -6, round(0.8) = 1
        assert_eq!(q.labels, vec![12, -6, 1]);
        assert_eq!(q.default_score(), crate::score::ScoreFunction::Mse);
        assert_eq!(d.take(2).unwrap().targets.len(), 2);
        // a regression set written back has no labels field, a classification set no targets field
        let json = serde_json::to_string(&d).unwrap();
        assert!(json.contains("targets") && !json.contains("labels"), "{json}");
    }

    #[test]
    fn mixed_or_bad_targets_are_refused_by_name() {
        let err = |text: &str| FloatDataset::from_json(text).unwrap_err().to_string();
        assert!(err(&REGRESSION.replace("\"num_classes\":1", "\"num_classes\":2")).contains("classification set has labels, not targets"));
        assert!(err(&REGRESSION.replace("\"targets\"", "\"labels\"").replace("1.5,-0.75,0.1", "0,0,0")).contains("regression set has targets, not labels"));
        assert!(err(&REGRESSION.replace("1.5,-0.75,0.1", "1.5,-0.75")).contains("3 feature rows but 2 targets"));
        let fixed = FixedParams { scale_bits: 3, value_bits: 8 };
        let big = FloatDataset::from_json(&REGRESSION.replace("-0.75", "16.0")).unwrap();
        assert!(big.quantize(fixed).unwrap_err().to_string().contains("sample 1 target"));
        assert!(QuantizedDataset::new("r", fixed, 1, 1, vec![0], vec![200]).unwrap_err().to_string().contains("sample 0 target"));
    }
}
