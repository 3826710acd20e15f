//! Score functions: what `S` is. `top-1` (the default, and what every statement without a
//! `score_function` means) counts the samples whose argmax equals the label; `top-k` counts
//! those whose label is among the `k` best classes, with the argmax's tie rule (a class ties
//! ahead of the label only if its index is lower); `mse` (regression: a single-output model and
//! a data set of real targets) is the mean squared error rounded half up,
//! `S = floor((SSE + floor(N/2)) / N)` in units of `2^-2s` ([`mean_rounded`]). The circuits'
//! twins are the rank and MSE gadgets in [`crate::halo2::config`] and [`crate::halo2::mse`], and
//! [`crate::groth16::topk`] and [`crate::groth16::mse`]; spec: `docs/validation-function.md`,
//! section 7.

use crate::error::{CircuitError, Result};
use serde::{Deserialize, Serialize};

/// The score function of an order. Serialized as its name (`"top-1"`, `"top-3"`), which every
/// serde format can carry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(into = "String", try_from = "String")]
pub enum ScoreFunction {
    /// Correct iff the argmax (lowest index on ties) equals the label.
    #[default]
    Top1,
    /// Correct iff the label's rank is below `k` (`2 <= k < num_classes`).
    TopK { k: usize },
    /// Regression: the mean squared error of the single output against the target, rounded
    /// half up, in units of `2^-2s` (lower is better).
    Mse,
}

impl ScoreFunction {
    /// Whether this is the default, top-1.
    pub fn is_top1(&self) -> bool {
        *self == ScoreFunction::Top1
    }

    /// Whether this is the mean squared error (a regression score).
    pub fn is_mse(&self) -> bool {
        *self == ScoreFunction::Mse
    }

    /// Whether a lower score is a better model: true for MSE, false for the accuracies.
    pub fn lower_is_better(&self) -> bool {
        self.is_mse()
    }

    /// Whether score `a` is strictly better than score `b`: higher for the accuracies, lower
    /// for MSE.
    pub fn better(&self, a: u64, b: u64) -> bool {
        if self.lower_is_better() { a < b } else { a > b }
    }

    /// Parses `top-1`, `top-K` (e.g. `top-3`) or `mse`.
    pub fn parse(s: &str) -> Result<Self> {
        if s == "mse" {
            return Ok(ScoreFunction::Mse);
        }
        let bad = || CircuitError::Params(format!("score function `{s}` (expected top-1, top-K (e.g. top-3) or mse)"));
        let k: usize = s.strip_prefix("top-").ok_or_else(bad)?.parse().map_err(|_| bad())?;
        match k {
            0 => Err(bad()),
            1 => Ok(ScoreFunction::Top1),
            k => Ok(ScoreFunction::TopK { k }),
        }
    }

    /// The name `parse` reads back: `top-1`, `top-3`, ..., `mse`.
    pub fn name(&self) -> String {
        match self {
            ScoreFunction::Top1 => "top-1".into(),
            ScoreFunction::TopK { k } => format!("top-{k}"),
            ScoreFunction::Mse => "mse".into(),
        }
    }

    /// Checks the function fits a model with `num_classes` outputs: the accuracies need a
    /// classifier (at least 2 classes; top-k needs `2 <= k < num_classes`, since k = 1 is top-1
    /// and k >= num_classes counts every sample); MSE needs a single-output regression model.
    pub fn validate(&self, num_classes: usize) -> Result<()> {
        match self {
            ScoreFunction::Mse if num_classes == 1 => Ok(()),
            ScoreFunction::Mse => Err(CircuitError::Params(format!(
                "mse scores single-output regression models (num_classes = 1) on data sets with targets; this model has {num_classes} classes (use top-1 or top-K)"
            ))),
            _ if num_classes < 2 => Err(CircuitError::Params(format!(
                "{} scores classifiers; a model with one output and a data set with targets is a regression task (use --score mse)",
                self.name()
            ))),
            ScoreFunction::Top1 => Ok(()),
            ScoreFunction::TopK { k } if *k >= 2 && *k < num_classes => Ok(()),
            ScoreFunction::TopK { k } => Err(CircuitError::Params(format!("top-{k} needs 2 <= k < {num_classes} (the number of classes)"))),
        }
    }

    /// Whether a sample with these logits, argmax `prediction` and `label` counts (for the
    /// accuracies; MSE counts nothing and is scored by [`squared_error`] and [`mean_rounded`]).
    pub fn correct(&self, logits: &[i64], prediction: usize, label: i64) -> bool {
        match self {
            ScoreFunction::Top1 => prediction as i64 == label,
            ScoreFunction::TopK { k } => usize::try_from(label).ok().filter(|l| *l < logits.len()).is_some_and(|l| label_rank(logits, l) < *k),
            ScoreFunction::Mse => false,
        }
    }

    /// The score of a validation: the count of accepted samples for the accuracies, the rounded
    /// mean of the squared errors for MSE. Each item is (last-layer outputs, argmax, label or
    /// target).
    pub fn score<'a>(&self, samples: impl ExactSizeIterator<Item = (&'a [i64], usize, i64)>) -> u64 {
        match self {
            ScoreFunction::Mse => {
                let n = samples.len() as u64;
                let sse: u128 = samples.map(|(out, _, t)| squared_error(out, t)).sum();
                mean_rounded(sse, n).0
            }
            _ => samples.filter(|(out, p, l)| self.correct(out, *p, *l)).count() as u64,
        }
    }
}

/// The squared error `(z - t)^2` of a single-output model's output `z = out[0]` against the
/// target `t` (an empty output counts as 0), exact: both lie in the `b`-bit bound, so it is
/// below `2^(2b)`.
pub fn squared_error(out: &[i64], target: i64) -> u128 {
    let e = out.first().copied().unwrap_or(0) as i128 - target as i128;
    (e * e) as u128
}

/// The mean rounded half up: `S = floor((sse + floor(n/2)) / n)` with the remainder
/// `r = sse + floor(n/2) - S n` in `[0, n)`; returns `(S, r)`. For `n = 0` returns `(0, 0)`.
/// (For odd `n` the mean is never exactly a half, so "half up" only matters for even `n`.)
pub fn mean_rounded(sse: u128, n: u64) -> (u64, u64) {
    if n == 0 {
        return (0, 0);
    }
    let shifted = sse + (n / 2) as u128;
    let s = shifted / n as u128;
    (u64::try_from(s).unwrap_or(u64::MAX), (shifted % n as u128) as u64)
}

impl From<ScoreFunction> for String {
    fn from(s: ScoreFunction) -> String {
        s.name()
    }
}

impl TryFrom<String> for ScoreFunction {
    type Error = CircuitError;
    fn try_from(s: String) -> Result<Self> {
        ScoreFunction::parse(&s)
    }
}

/// The label's rank: the classes ahead of it, `#{j : z_j > z_l} + #{j < l : z_j = z_l}` (so rank 0
/// iff the argmax is `l`).
pub fn label_rank(logits: &[i64], label: usize) -> usize {
    let zl = logits[label];
    logits.iter().enumerate().filter(|(j, z)| **z > zl || (*j < label && **z == zl)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_follows_the_argmax_tie_rule() {
        assert_eq!(label_rank(&[1, 3, 3, 2], 1), 0);
        assert_eq!(label_rank(&[1, 3, 3, 2], 2), 1);
        assert_eq!(label_rank(&[1, 3, 3, 2], 3), 2);
        assert_eq!(label_rank(&[1, 3, 3, 2], 0), 3);
        let top2 = ScoreFunction::TopK { k: 2 };
        assert!(top2.correct(&[1, 3, 3, 2], 1, 2));
        assert!(!top2.correct(&[1, 3, 3, 2], 1, 3));
        assert!(!top2.correct(&[1, 3, 3, 2], 1, 9));
    }

    #[test]
    fn names_parse_back() {
        for s in [ScoreFunction::Top1, ScoreFunction::TopK { k: 3 }, ScoreFunction::Mse] {
            assert_eq!(ScoreFunction::parse(&s.name()).unwrap(), s);
        }
        assert!(ScoreFunction::parse("top-0").is_err() && ScoreFunction::parse("MSE").is_err() && ScoreFunction::parse("mae").is_err());
        assert!(ScoreFunction::TopK { k: 3 }.validate(3).is_err() && ScoreFunction::TopK { k: 2 }.validate(3).is_ok());
        assert!(ScoreFunction::Mse.validate(1).is_ok() && ScoreFunction::Mse.validate(2).is_err());
        assert!(ScoreFunction::Top1.validate(1).is_err() && ScoreFunction::TopK { k: 2 }.validate(1).is_err());
        assert!(ScoreFunction::Mse.lower_is_better() && !ScoreFunction::Top1.lower_is_better() && !ScoreFunction::TopK { k: 2 }.lower_is_better());
        assert!(ScoreFunction::Mse.better(3, 4) && !ScoreFunction::Mse.better(4, 4) && ScoreFunction::Top1.better(4, 3));
        assert!(!ScoreFunction::TopK { k: 2 }.better(3, 4) && !ScoreFunction::Top1.better(4, 4));
    }

    #[test]
    fn mean_rounds_half_up() {
        // exact multiples
        assert_eq!(mean_rounded(0, 4), (0, 2));
        assert_eq!(mean_rounded(12, 4), (3, 2));
        assert_eq!(mean_rounded(12, 3), (4, 1));
        // halves go up (even n): 10/4 = 2.5 -> 3, 6/4 = 1.5 -> 2, 2/4 = 0.5 -> 1
        assert_eq!(mean_rounded(10, 4), (3, 0));
        assert_eq!(mean_rounded(6, 4), (2, 0));
        assert_eq!(mean_rounded(2, 4), (1, 0));
        // below and above a half
        assert_eq!(mean_rounded(9, 4), (2, 3)); // 2.25
        assert_eq!(mean_rounded(11, 4), (3, 1)); // 2.75
        assert_eq!(mean_rounded(4, 3), (1, 2)); // 1.33
        assert_eq!(mean_rounded(5, 3), (2, 0)); // 1.67
        // N = 1: the squared error itself
        assert_eq!(mean_rounded(0, 1), (0, 0));
        assert_eq!(mean_rounded(77, 1), (77, 0));
        // the remainder is always in [0, n) and the identity holds
        for sse in 0..60u128 {
            for n in 1..9u64 {
                let (s, r) = mean_rounded(sse, n);
                assert!(r < n);
                assert_eq!(sse + (n / 2) as u128, s as u128 * n as u128 + r as u128);
                let exact = sse as f64 / n as f64;
                assert!((s as f64 - exact).abs() <= 0.5 && (s as f64 - exact != -0.5), "{sse}/{n}");
            }
        }
        assert_eq!(squared_error(&[5], -3), 64);
        assert_eq!(squared_error(&[-7], -7), 0);
        let samples: Vec<(Vec<i64>, usize, i64)> = vec![(vec![3], 0, 1), (vec![0], 0, 1)];
        // errors 2 and -1: SSE 5, N 2 -> 2.5 -> 3
        assert_eq!(ScoreFunction::Mse.score(samples.iter().map(|(o, p, t)| (o.as_slice(), *p, *t))), 3);
    }
}
