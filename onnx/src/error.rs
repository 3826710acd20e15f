//! The one error type of `zkpot-onnx`: every way an ONNX file can fail to import, each naming
//! the node (or tensor) and operator concerned.

use thiserror::Error;

/// Errors from reading, parsing, evaluating and converting an ONNX model.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum OnnxError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a protobuf-encoded ONNX model (truncated, corrupted, or another format).
    #[error("not an ONNX model: {0}")]
    NotOnnx(String),
    /// An operator zkpot does not import.
    #[error("{op} (node '{node}') is not supported{hint}")]
    UnsupportedOp { node: String, op: String, hint: String },
    /// An operator zkpot imports, with an attribute value it does not.
    #[error("{op} (node '{node}'): attribute {attr} = {value} is not supported (supported: {supported})")]
    UnsupportedAttribute {
        node: String,
        op: String,
        attr: String,
        value: String,
        supported: String,
    },
    /// A node input that is no initializer, no constant and no earlier node's output.
    #[error("{op} (node '{node}'): input '{name}' is not an initializer, a constant, or an output of an earlier node")]
    UnknownInput { node: String, op: String, name: String },
    /// Shapes that do not fit together at a node.
    #[error("{op} (node '{node}'): shape mismatch: {detail}")]
    Shape { node: String, op: String, detail: String },
    /// A graph structure zkpot does not import (branches, constants-only nodes, post-processing
    /// in the middle of the model).
    #[error("{op} (node '{node}'): {detail}")]
    Structure { node: String, op: String, detail: String },
    /// A tensor of an element type that cannot be used where it is used.
    #[error("tensor '{name}' has element type {dtype}: {detail}")]
    DataType { name: String, dtype: String, detail: String },
    /// A tensor whose stored data is inconsistent or unavailable.
    #[error("tensor '{name}': {detail}")]
    Tensor { name: String, detail: String },
    /// A problem with the graph's inputs (count, type, shape).
    #[error("graph input: {0}")]
    Input(String),
    /// A problem with the graph's outputs (count, or outputs not derived from the class scores).
    #[error("graph output: {0}")]
    Output(String),
    /// The graph imported but cannot become a zkpot float model (the circuits' model format).
    #[error("{op} (node '{node}') is parsed but the circuits do not support {what}")]
    NotInCircuits { node: String, op: String, what: String },
    /// Float evaluation input of the wrong length, or a data set that does not fit the model.
    #[error("data does not fit the model: {0}")]
    Data(String),
    /// An error from zkpot's model and data set code.
    #[error(transparent)]
    Circuit(#[from] zkpot_circuits::CircuitError),
}

/// `Result` with [`OnnxError`].
pub type Result<T, E = OnnxError> = std::result::Result<T, E>;
