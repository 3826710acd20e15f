//! The one error type of `zkpot-circuits`: every way a model, a data set or a witness can be
//! rejected, each naming what is wrong and where.

use thiserror::Error;

/// Errors from parsing, quantizing, evaluating, committing and laying out circuits.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CircuitError {
    /// A JSON model or data file could not be parsed.
    #[error("cannot parse {what}: {source}")]
    Parse {
        what: String,
        #[source]
        source: serde_json::Error,
    },
    /// A file declares a format or version this build does not read.
    #[error("{what}: expected format `{expected}` version {expected_version}, found `{found}` version {found_version}")]
    Format {
        what: String,
        expected: &'static str,
        expected_version: u32,
        found: String,
        found_version: u32,
    },
    /// Shapes that do not fit together (layer sizes, feature counts, label counts).
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// A float that is NaN or infinite.
    #[error("{what} is not a finite number ({value})")]
    NotFinite { what: String, value: f64 },
    /// A label outside `0..num_classes`.
    #[error("sample {sample}: label {label} is outside 0..{num_classes}")]
    LabelOutOfRange {
        sample: usize,
        label: i64,
        num_classes: usize,
    },
    /// A quantized value that leaves the documented bound.
    #[error("{what} = {value} leaves the bound [-2^{bits_minus_one}, 2^{bits_minus_one}) of {bits}-bit values")]
    OutOfBound {
        what: String,
        value: i128,
        bits: u32,
        bits_minus_one: u32,
    },
    /// Parameters of the fixed-point arithmetic that the circuit cannot support.
    #[error("unsupported fixed-point parameters: {0}")]
    Params(String),
    /// A hex field element that is malformed or not canonical.
    #[error("bad field element `{0}`: expected 0x followed by 64 hex digits, below the BN254 scalar modulus")]
    FieldElement(String),
    /// A bundled data file that does not decompress or does not match its recorded checksum.
    #[error("bundled data {what}: {reason}")]
    Bundled { what: String, reason: String },
    /// halo2 rejected the circuit during synthesis.
    #[error("circuit synthesis failed: {0}")]
    Synthesis(String),
}

/// Result alias for this crate.
pub type Result<T, E = CircuitError> = std::result::Result<T, E>;
