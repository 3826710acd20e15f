//! # zkpot-circuits: what zkpot proves
//!
//! A validator claims that a committed quantized model scores `S` correct predictions on a
//! committed test set of `N` samples. This crate defines every part of that claim once:
//!
//! # Layout
//! * [`fixed`]: the fixed-point arithmetic (bound, quantization, rescale, ReLU, argmax).
//! * [`activation`]: fixed-point sigmoid and tanh (tables over the whole input domain).
//! * [`layers`]: the layer kinds beyond dense (conv, max/average pooling, LSTM/GRU) with their native ops.
//! * [`model`], [`dataset`]: float and quantized formats, with shape checks.
//! * [`eval`]: the validation function (the spec every backend must match bit for bit).
//! * [`score`]: the score functions (top-1, the default; top-k).
//! * [`quantize`]: float model to quantized model, with bound checks and an accuracy report.
//! * [`poseidon`]: circomlib's Poseidon, natively and as a halo2 chip side by side.
//! * [`commit`]: canonical encodings and the model / data set commitments.
//! * [`groth16`]: the Groth16 (R1CS, arkworks) circuit proving the same statement.
//! * [`halo2`]: the halo2 circuit proving `(model commitment, data commitment, N, S)`.
//! * [`field`]: BN254 scalar helpers and the hex form used in JSON.
//! * [`error`]: the crate's error type.
//!
//! The bundled default (the digits MLP and its 500-sample test set) is in [`bundled`]; the
//! bundled MNIST digits and models in [`mnist`].

pub mod activation;
pub mod bundled;
pub mod calibrate;
pub mod commit;
pub mod dataset;
pub mod error;
pub mod eval;
pub mod field;
pub mod fixed;
pub mod groth16;
pub mod halo2;
pub mod layers;
pub mod mnist;
pub mod model;
pub mod poseidon;
pub mod quantize;
pub mod score;
pub mod testing;

pub use error::{CircuitError, Result};
