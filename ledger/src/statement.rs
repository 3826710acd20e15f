//! `Statement`: what a validation proof claims, mirrored from the verifier crate's
//! public statement (`{"format":"zkpot-statement","version":1,...}`), plus the field
//! checks the ledger does against an order and a revealed claim before (eager) or
//! instead of (optimistic) running the proof checker. Every string a stored statement
//! holds is checked and bounded: the format and shape id equal known values, the
//! commitments are 32 bytes in hex, the backend is a short lowercase name.

use crate::bytes32::Bytes32;
use crate::order::ScoreFunction;
use crate::reject::Reject;

pub use zkpot_verifier::statement::STATEMENT_FORMAT;
pub use zkpot_verifier::Statement;

/// The statement version this ledger understands.
pub const STATEMENT_VERSION: u32 = 1;

/// Longest backend name accepted (`halo2-kzg-bn254`, `groth16-bn254`, ...).
pub const MAX_BACKEND_LEN: usize = 32;

/// Longest free text (a checker's reason) the state stores or echoes, characters.
pub const MAX_DETAIL_LEN: usize = 256;

/// `s` cut to [`MAX_DETAIL_LEN`] characters (with a marker when cut).
pub fn clip(s: &str) -> String {
    if s.chars().count() <= MAX_DETAIL_LEN {
        return s.to_string();
    }
    let mut out: String = s.chars().take(MAX_DETAIL_LEN).collect();
    out.push_str("...");
    out
}

/// The ledger's checks of a statement (the type itself is the verifier's).
pub trait StatementChecks {
    /// The statement's model commitment as bytes.
    fn model(&self) -> Result<Bytes32, Reject>;
    /// The statement's dataset commitment as bytes.
    fn dataset(&self) -> Result<Bytes32, Reject>;
    /// Checks the statement against what the ledger knows: the order's architecture
    /// (shape id), dataset commitment, N and score function, and the claim's revealed
    /// model.
    fn check_fields(
        &self,
        shape_id: &str,
        dataset: &Bytes32,
        samples: u64,
        score_function: ScoreFunction,
        model: &Bytes32,
    ) -> Result<(), Reject>;
}

impl StatementChecks for Statement {
    fn model(&self) -> Result<Bytes32, Reject> {
        Bytes32::from_hex(&self.model_commitment).map_err(|e| Reject::BadStatement {
            detail: format!("model_commitment: {e}"),
        })
    }

    fn dataset(&self) -> Result<Bytes32, Reject> {
        Bytes32::from_hex(&self.dataset_commitment).map_err(|e| Reject::BadStatement {
            detail: format!("dataset_commitment: {e}"),
        })
    }

    fn check_fields(
        &self,
        shape_id: &str,
        dataset: &Bytes32,
        samples: u64,
        score_function: ScoreFunction,
        model: &Bytes32,
    ) -> Result<(), Reject> {
        if self.format != STATEMENT_FORMAT {
            return Err(Reject::BadStatement {
                detail: format!("format is {:?}, expected {STATEMENT_FORMAT:?}", clip(&self.format)),
            });
        }
        if self.backend.is_empty()
            || self.backend.len() > MAX_BACKEND_LEN
            || !self
                .backend
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(Reject::BadStatement {
                detail: format!(
                    "backend must be 1..={MAX_BACKEND_LEN} characters of a-z, 0-9 and -, got {:?}",
                    clip(&self.backend)
                ),
            });
        }
        if self.version != STATEMENT_VERSION {
            return Err(Reject::BadStatement {
                detail: format!("version is {}, expected {STATEMENT_VERSION}", self.version),
            });
        }
        // exactly the order's (lowercase) id, so the checker finds the genesis key
        if self.shape_id != shape_id {
            return Err(mismatch("shape_id", shape_id, &self.shape_id));
        }
        if self.dataset()? != *dataset {
            return Err(mismatch(
                "dataset_commitment",
                &dataset.to_hex(),
                &self.dataset_commitment,
            ));
        }
        if self.samples != samples {
            return Err(mismatch(
                "samples",
                &samples.to_string(),
                &self.samples.to_string(),
            ));
        }
        if self.model()? != *model {
            return Err(mismatch(
                "model_commitment",
                &model.to_hex(),
                &self.model_commitment,
            ));
        }
        if self.score_function != score_function {
            return Err(mismatch(
                "score_function",
                &score_function.name(),
                &self.score_function.name(),
            ));
        }
        // a count is at most N; a mean squared error is not bounded by N
        if !score_function.lower_is_better() && self.score > self.samples {
            return Err(Reject::ScoreExceedsSamples {
                score: self.score,
                samples: self.samples,
            });
        }
        Ok(())
    }
}

fn mismatch(field: &str, expected: &str, got: &str) -> Reject {
    Reject::StatementMismatch {
        field: field.to_string(),
        expected: expected.to_string(),
        got: clip(got),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = r#"{"format":"zkpot-statement","version":1,"backend":"halo2-kzg-bn254","shape_id":"ab12","model_commitment":"0x0101010101010101010101010101010101010101010101010101010101010101","dataset_commitment":"0x0202020202020202020202020202020202020202020202020202020202020202","samples":500,"score":457}"#;

    #[test]
    fn parses_the_verifier_json() {
        let s: Statement = serde_json::from_str(JSON).unwrap();
        assert_eq!(s.samples, 500);
        assert_eq!(s.score, 457);
        assert!(s
            .check_fields("ab12", &Bytes32([2; 32]), 500, ScoreFunction::Top1, &Bytes32([1; 32]))
            .is_ok());
        // the shape id must be the order's exactly (the genesis key is found by it)
        assert!(s
            .check_fields("AB12", &Bytes32([2; 32]), 500, ScoreFunction::Top1, &Bytes32([1; 32]))
            .is_err());
    }

    #[test]
    fn every_field_mismatch_is_named() {
        let s: Statement = serde_json::from_str(JSON).unwrap();
        let field = |r: Result<(), Reject>| match r {
            Err(Reject::StatementMismatch { field, .. }) => field,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(
            field(s.check_fields("ff", &Bytes32([2; 32]), 500, ScoreFunction::Top1, &Bytes32([1; 32]))),
            "shape_id"
        );
        assert_eq!(
            field(s.check_fields("ab12", &Bytes32([3; 32]), 500, ScoreFunction::Top1, &Bytes32([1; 32]))),
            "dataset_commitment"
        );
        assert_eq!(
            field(s.check_fields("ab12", &Bytes32([2; 32]), 499, ScoreFunction::Top1, &Bytes32([1; 32]))),
            "samples"
        );
        assert_eq!(
            field(s.check_fields("ab12", &Bytes32([2; 32]), 500, ScoreFunction::Top1, &Bytes32([9; 32]))),
            "model_commitment"
        );
        let mut bad = s.clone();
        bad.format = "other".into();
        assert!(matches!(
            bad.check_fields("ab12", &Bytes32([2; 32]), 500, ScoreFunction::Top1, &Bytes32([1; 32])),
            Err(Reject::BadStatement { .. })
        ));
        let mut bad = s.clone();
        bad.version = 2;
        assert!(matches!(
            bad.check_fields("ab12", &Bytes32([2; 32]), 500, ScoreFunction::Top1, &Bytes32([1; 32])),
            Err(Reject::BadStatement { .. })
        ));
        let mut bad = s.clone();
        bad.model_commitment = "0x12".into();
        assert!(matches!(
            bad.check_fields("ab12", &Bytes32([2; 32]), 500, ScoreFunction::Top1, &Bytes32([1; 32])),
            Err(Reject::BadStatement { .. })
        ));
        for backend in ["", "Halo2", &"x".repeat(MAX_BACKEND_LEN + 1), "a b"] {
            let mut bad = s.clone();
            bad.backend = backend.to_string();
            assert!(
                matches!(
                    bad.check_fields("ab12", &Bytes32([2; 32]), 500, ScoreFunction::Top1, &Bytes32([1; 32])),
                    Err(Reject::BadStatement { .. })
                ),
                "backend {backend:?}"
            );
        }
        let mut bad = s.clone();
        bad.shape_id = "f".repeat(100_000);
        match bad.check_fields("ab12", &Bytes32([2; 32]), 500, ScoreFunction::Top1, &Bytes32([1; 32])) {
            Err(Reject::StatementMismatch { got, .. }) => assert!(got.len() <= MAX_DETAIL_LEN + 3),
            other => panic!("{other:?}"),
        }
        let mut bad = s;
        bad.score = 501;
        assert!(matches!(
            bad.check_fields("ab12", &Bytes32([2; 32]), 500, ScoreFunction::Top1, &Bytes32([1; 32])),
            Err(Reject::ScoreExceedsSamples { .. })
        ));
    }

    #[test]
    fn the_score_function_must_be_the_orders_and_mse_may_exceed_n() {
        let st: Statement = serde_json::from_str(JSON).unwrap();
        let field = |r: Result<(), Reject>| match r {
            Err(Reject::StatementMismatch { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        let check = |s: &Statement, f| s.check_fields("ab12", &Bytes32([2; 32]), 500, f, &Bytes32([1; 32]));
        assert_eq!(field(check(&st, ScoreFunction::Mse)), "score_function");
        let mse = Statement { score: 27_689, ..st.clone() }.with_score_function(ScoreFunction::Mse);
        assert!(check(&mse, ScoreFunction::Mse).is_ok(), "a mean squared error is not bounded by N");
        assert_eq!(field(check(&mse, ScoreFunction::Top1)), "score_function");
        let top3 = st.clone().with_score_function(ScoreFunction::TopK { k: 3 });
        assert!(check(&top3, ScoreFunction::TopK { k: 3 }).is_ok());
        assert_eq!(field(check(&top3, ScoreFunction::TopK { k: 2 })), "score_function");
    }
}
