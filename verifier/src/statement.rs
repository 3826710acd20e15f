//! The public statement a proof is about, as JSON that other tools can read:
//!
//! ```json
//! {"format":"zkpot-statement","version":1,"backend":"halo2-kzg-bn254",
//!  "shape_id":"<32 hex>","model_commitment":"0x<64 hex>","dataset_commitment":"0x<64 hex>",
//!  "samples":500,"score":457}
//! ```
//!
//! Version 2 adds an optional `"vk_digest"`: the digest of the verifying key the prover used
//! (`AnyKey::digest`), so a verifier can tell which key to pin. It is the prover's claim, not a
//! pin: `zkpot verify` rejects a statement whose `vk_digest` differs from the key's, and pins the
//! key by other means. Version 1 statements (without it) still parse.
//!
//! A statement under another score function than top-1 also names it, e.g.
//! `"score_function":"top-3"` or `"score_function":"mse"`; without the field it is top-1, so
//! every statement written before score functions existed keeps its meaning. Under `mse` the
//! score is the mean squared error rounded half up in units of `2^-2s` (lower is better), so it
//! may exceed `samples`.

use crate::error::VerifyError;
use serde::{Deserialize, Serialize};
use zkpot_circuits::field::{fr_from_hex, Fr};
use zkpot_circuits::score::ScoreFunction;

/// Format tag of statement files.
pub const STATEMENT_FORMAT: &str = "zkpot-statement";

/// The newest statement version: 2, which may name the verifying key's digest (`vk_digest`).
pub const STATEMENT_VERSION: u32 = 2;

/// The statement versions this build reads.
pub const SUPPORTED_VERSIONS: std::ops::RangeInclusive<u32> = 1..=STATEMENT_VERSION;

/// "The committed model scores `score` of `samples` on the committed data set."
///
/// Serialized by hand: human-readable formats (JSON) leave `score_function` out for top-1, so
/// statements read exactly as before score functions existed; binary formats (the ledger's
/// postcard) always carry it, since they cannot skip fields.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Statement {
    pub format: String,
    pub version: u32,
    pub backend: String,
    pub shape_id: String,
    pub model_commitment: String,
    pub dataset_commitment: String,
    pub samples: u64,
    pub score: u64,
    /// What `score` counts; absent for top-1 in JSON.
    #[serde(default)]
    pub score_function: ScoreFunction,
}

impl Serialize for Statement {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let named = !self.score_function.is_top1() || !serializer.is_human_readable();
        let mut st = serializer.serialize_struct("Statement", if named { 9 } else { 8 })?;
        st.serialize_field("format", &self.format)?;
        st.serialize_field("version", &self.version)?;
        st.serialize_field("backend", &self.backend)?;
        st.serialize_field("shape_id", &self.shape_id)?;
        st.serialize_field("model_commitment", &self.model_commitment)?;
        st.serialize_field("dataset_commitment", &self.dataset_commitment)?;
        st.serialize_field("samples", &self.samples)?;
        st.serialize_field("score", &self.score)?;
        if named {
            st.serialize_field("score_function", &self.score_function)?;
        } else {
            st.skip_field("score_function")?;
        }
        st.end()
    }
}

impl Statement {
    /// Builds a statement.
    pub fn new(backend: &str, shape_id: String, model_commitment: String, dataset_commitment: String, samples: u64, score: u64) -> Self {
        Statement {
            format: STATEMENT_FORMAT.into(),
            version: 1,
            backend: backend.into(),
            shape_id,
            model_commitment,
            dataset_commitment,
            samples,
            score,
            score_function: ScoreFunction::Top1,
        }
    }

    /// The same statement under score function `score_function`.
    pub fn with_score_function(self, score_function: ScoreFunction) -> Self {
        Statement { score_function, ..self }
    }

    /// Checks that the statement counts what a key's circuit counts.
    pub fn check_score_function(&self, circuit: ScoreFunction) -> Result<(), VerifyError> {
        if self.score_function != circuit {
            return Err(VerifyError::Mismatch(format!(
                "the statement counts {}, the verifying key's circuit {}",
                self.score_function.name(),
                circuit.name()
            )));
        }
        Ok(())
    }

    /// Parses and checks a statement file.
    pub fn from_json(text: &str) -> Result<Self, VerifyError> {
        let s: Statement = serde_json::from_str(text).map_err(|e| VerifyError::Statement(e.to_string()))?;
        s.public_inputs()?;
        Ok(s)
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Pretty JSON of a version-2 statement naming the digest (64 hex digits) of the verifying
    /// key the proof was made for.
    pub fn to_json_with_vk_digest(&self, vk_digest: &str) -> String {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        v["version"] = STATEMENT_VERSION.into();
        v["vk_digest"] = vk_digest.into();
        serde_json::to_string_pretty(&v).unwrap_or_default()
    }

    /// Parses and checks a statement file, with its `vk_digest` if it names one (version 2).
    pub fn from_json_with_vk_digest(text: &str) -> Result<(Self, Option<String>), VerifyError> {
        let s = Self::from_json(text)?;
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| VerifyError::Statement(e.to_string()))?;
        let digest = match v.get("vk_digest") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(d)) if s.version >= 2 && d.len() == 64 && d.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Some(d.to_ascii_lowercase())
            }
            Some(d) if s.version >= 2 => return Err(VerifyError::Statement(format!("vk_digest must be 64 hex digits, found {d}"))),
            Some(_) => return Err(VerifyError::Statement("vk_digest needs statement version 2".into())),
        };
        Ok((s, digest))
    }

    /// The circuit's public inputs `[model commitment, data set commitment, N, S]`, after
    /// checking the format, the hex encodings and `S <= N` (for the accuracies; an MSE is not a
    /// count).
    pub fn public_inputs(&self) -> Result<[Fr; 4], VerifyError> {
        if self.format != STATEMENT_FORMAT || !SUPPORTED_VERSIONS.contains(&self.version) {
            return Err(VerifyError::Statement(format!(
                "expected format `{STATEMENT_FORMAT}` version 1 or 2, found `{}` version {}",
                self.format, self.version
            )));
        }
        if self.score > self.samples && !self.score_function.is_mse() {
            return Err(VerifyError::Statement(format!("score {} exceeds the {} samples", self.score, self.samples)));
        }
        if self.samples == 0 {
            return Err(VerifyError::Statement("samples must be positive".into()));
        }
        let m = fr_from_hex(&self.model_commitment).map_err(|e| VerifyError::Statement(format!("model_commitment: {e}")))?;
        let d = fr_from_hex(&self.dataset_commitment).map_err(|e| VerifyError::Statement(format!("dataset_commitment: {e}")))?;
        Ok([m, d, Fr::from(self.samples), Fr::from(self.score)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_2_names_the_key_digest_and_version_1_still_parses() {
        let st = Statement::new("halo2-kzg-bn254", "ab".into(), format!("0x{}", "1".repeat(64)), format!("0x{}", "2".repeat(64)), 8, 5);
        let d = "ab".repeat(32);
        let json = st.to_json_with_vk_digest(&d);
        assert!(json.contains("\"version\": 2") && json.contains(&d), "{json}");
        let (back, digest) = Statement::from_json_with_vk_digest(&json).unwrap();
        assert_eq!((back.version, digest.as_deref()), (2, Some(d.as_str())));
        assert_eq!(back.public_inputs().unwrap(), st.public_inputs().unwrap());
        let (old, none) = Statement::from_json_with_vk_digest(&st.to_json()).unwrap();
        assert_eq!((old, none), (st.clone(), None));
        assert!(Statement::from_json_with_vk_digest(&json.replace(&d, "xyz")).is_err());
        assert!(Statement::from_json(&json.replace("\"version\": 2", "\"version\": 3")).is_err());
        let v1_with_digest = json.replace("\"version\": 2", "\"version\": 1");
        assert!(Statement::from_json_with_vk_digest(&v1_with_digest).unwrap_err().to_string().contains("version 2"));
    }

    #[test]
    fn top_1_statements_read_and_write_as_before() {
        let st = Statement::new("halo2-kzg-bn254", "ab".into(), format!("0x{}", "1".repeat(64)), format!("0x{}", "2".repeat(64)), 8, 5);
        let json = serde_json::to_string(&st).unwrap();
        assert!(!json.contains("score_function"), "{json}");
        assert_eq!(serde_json::from_str::<Statement>(&json).unwrap(), st);
        let top3 = st.clone().with_score_function(ScoreFunction::TopK { k: 3 });
        let json = serde_json::to_string(&top3).unwrap();
        assert!(json.contains("\"score_function\":\"top-3\""), "{json}");
        assert_eq!(serde_json::from_str::<Statement>(&json).unwrap(), top3);
        assert!(serde_json::from_str::<Statement>(&json.replace("top-3", "top-x")).is_err());
    }

    #[test]
    fn mse_statements_name_their_score_and_may_exceed_n() {
        let st = Statement::new("halo2-kzg-bn254", "ab".into(), format!("0x{}", "1".repeat(64)), format!("0x{}", "2".repeat(64)), 8, 12345)
            .with_score_function(ScoreFunction::Mse);
        let json = st.to_json();
        assert!(json.contains("\"score_function\": \"mse\""), "{json}");
        let back = Statement::from_json(&json).unwrap();
        assert_eq!(back, st);
        assert!(back.score_function.lower_is_better());
        assert_eq!(back.public_inputs().unwrap()[3], Fr::from(12345u64));
        // the same score as a top-1 count is refused, and old statements read as top-1
        let top1 = json.replace(",\n  \"score_function\": \"mse\"", "");
        assert!(!top1.contains("mse"), "{top1}");
        assert!(Statement::from_json(&top1).is_err());
        let old = Statement::from_json(&top1.replace("12345", "5")).unwrap();
        assert_eq!(old.score_function, ScoreFunction::Top1);
    }
}
