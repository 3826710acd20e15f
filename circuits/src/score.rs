//! Score functions: what `S` counts. `top-1` (the default, and what every statement without a
//! `score_function` means) counts the samples whose argmax equals the label; `top-k` counts
//! those whose label is among the `k` best classes, with the argmax's tie rule (a class ties
//! ahead of the label only if its index is lower). The circuits' twins are the rank gadget in
//! [`crate::halo2::config`] and [`crate::groth16::topk`]; spec: `docs/validation-function.md`,
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
}

impl ScoreFunction {
    /// Whether this is the default, top-1.
    pub fn is_top1(&self) -> bool {
        *self == ScoreFunction::Top1
    }

    /// Parses `top-1` or `top-K` (e.g. `top-3`).
    pub fn parse(s: &str) -> Result<Self> {
        let bad = || CircuitError::Params(format!("score function `{s}` (expected top-1 or top-K, e.g. top-3)"));
        let k: usize = s.strip_prefix("top-").ok_or_else(bad)?.parse().map_err(|_| bad())?;
        match k {
            0 => Err(bad()),
            1 => Ok(ScoreFunction::Top1),
            k => Ok(ScoreFunction::TopK { k }),
        }
    }

    /// The name `parse` reads back: `top-1`, `top-3`, ...
    pub fn name(&self) -> String {
        match self {
            ScoreFunction::Top1 => "top-1".into(),
            ScoreFunction::TopK { k } => format!("top-{k}"),
        }
    }

    /// Checks the function fits a model with `num_classes` classes: top-k needs
    /// `2 <= k < num_classes` (k = 1 is top-1; k >= num_classes counts every sample).
    pub fn validate(&self, num_classes: usize) -> Result<()> {
        match self {
            ScoreFunction::Top1 => Ok(()),
            ScoreFunction::TopK { k } if *k >= 2 && *k < num_classes => Ok(()),
            ScoreFunction::TopK { k } => Err(CircuitError::Params(format!("top-{k} needs 2 <= k < {num_classes} (the number of classes)"))),
        }
    }

    /// Whether a sample with these logits, argmax `prediction` and `label` counts.
    pub fn correct(&self, logits: &[i64], prediction: usize, label: i64) -> bool {
        match self {
            ScoreFunction::Top1 => prediction as i64 == label,
            ScoreFunction::TopK { k } => usize::try_from(label).ok().filter(|l| *l < logits.len()).is_some_and(|l| label_rank(logits, l) < *k),
        }
    }
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
        for s in [ScoreFunction::Top1, ScoreFunction::TopK { k: 3 }] {
            assert_eq!(ScoreFunction::parse(&s.name()).unwrap(), s);
        }
        assert!(ScoreFunction::parse("top-0").is_err() && ScoreFunction::parse("mse").is_err());
        assert!(ScoreFunction::TopK { k: 3 }.validate(3).is_err() && ScoreFunction::TopK { k: 2 }.validate(3).is_ok());
    }
}
