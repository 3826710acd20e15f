//! # zkpot-onnx: import ONNX models
//!
//! A provider trains in PyTorch, Keras or scikit-learn and exports ONNX; this crate reads the
//! file without `protoc`, `tract` or a build script, and turns it into a chain of typed layers
//! with shapes, a float reference evaluator for it, and (for dense models) zkpot's float model,
//! which `zkpot quantize`, `setup`, `prove` and `verify` take unchanged.
//!
//! # Layout
//! * [`proto`]: the ONNX protobuf subset as hand-written `prost` messages.
//! * [`tensor`]: constant tensors (initializers, `Constant` nodes) and their data.
//! * [`node`]: a node's label, typed attributes, and errors that name the node and operator.
//! * [`ir`]: the imported graph: layers with per-sample shapes, batch dimension, notes.
//! * [`ops`]: one builder per supported operator (attributes, weights, shape inference).
//! * [`recurrent`]: LSTM and GRU nodes and the plumbing PyTorch exports around them.
//! * [`graph`]: bytes to [`Graph`]: input, the chain of layers, dropped post-processing.
//! * [`eval`]: the float reference evaluator and float accuracy on a data set.
//! * [`bundled`]: the bundled MNIST models (ONNX files imported on load).
//! * [`convert`]: [`Graph`] to zkpot's float model (dense layers and ReLU today).
//! * [`error`]: the crate's error type.
//!
//! Supported operators and attributes are listed in `docs/onnx.md`.

pub mod bundled;
pub mod convert;
pub mod error;
pub mod eval;
pub mod graph;
pub mod ir;
pub mod node;
pub mod ops;
pub mod proto;
pub mod recurrent;
pub mod tensor;

pub use convert::to_float_model;
pub use error::{OnnxError, Result};
pub use graph::{import_bytes, import_file};
pub use ir::Graph;
