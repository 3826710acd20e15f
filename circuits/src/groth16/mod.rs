//! The Groth16 circuit (R1CS over the BN254 scalar field, arkworks 0.6) proving the same
//! statement as the halo2 circuit: `(model commitment, data set commitment, N, S)`, public
//! inputs in that order. It enforces exactly the validation function of [`crate::eval`], and its
//! witness is that function's [`crate::eval::Trace`] (no second evaluator).
//!
//! # Layout: one gadget file beside each native op
//! * [`num`]: a linear combination with its value, products, bit decompositions and range checks.
//! * [`poseidon`]: the permutation and hash chain of [`crate::poseidon`] (243 constraints per
//!   permutation: 3 per S-box, the MDS and round constants are free linear combinations).
//! * [`commit`]: [`crate::commit`]'s encodings: every value's `b` slot bits double as its range
//!   check, and the packed field elements are free linear combinations of those bits.
//! * [`dense`]: linear (dense and conv) layer outputs: rescale and ReLU of [`crate::fixed`] /
//!   [`crate::eval`].
//! * [`freivalds`]: the linear layers' matrix products (a conv layer's is its expanded matrix),
//!   by Freivalds' test with an in-circuit Fiat-Shamir challenge (Poseidon over both
//!   commitments and the packed accumulators).
//! * [`conv`]: a conv layer's products tap by tap, for the conv layers where that is cheaper
//!   than Freivalds' test (chosen from the shape).
//! * [`pool`]: max and average pooling of [`crate::layers::pool`].
//! * [`recurrent`]: one LSTM/GRU layer of [`crate::layers::recurrent`] with sigmoid/tanh checked
//!   by one-hot breakpoint intervals, every product multiplied out.
//! * [`argmax`]: argmax (lowest index on ties) and the per-sample top-1 bit.
//! * [`topk`]: the label's rank ([`crate::score::label_rank`]) and the per-sample top-k bit.
//! * [`mse`]: the mean squared error of a single-output regression model
//!   ([`crate::score::squared_error`], [`crate::score::mean_rounded`]).
//! * [`circuit`]: the [`ConstraintSynthesizer`](ark_relations::gr1cs::ConstraintSynthesizer) tying them
//!   together, and the count.
//! * [`r1cs_export`]: the constraint system in iden3's `.r1cs` format (for a snarkjs phase-2
//!   ceremony).
//! * [`cost`]: the number of constraints for a shape, by formula (tests check it against synthesis).
//! * [`convert`]: field elements between halo2's and arkworks' BN254 types.
//! * [`support`]: what the circuit proves (dense, conv, max-pool, average-pool and recurrent layers; top-1
//!   and top-k accuracy, mean squared error) and the error for anything else.
//!
//! Keys depend only on the [`crate::halo2::CircuitShape`]: key generation synthesizes the same
//! description over an all-zero model and data set of that shape.

pub mod argmax;
pub mod circuit;
pub mod commit;
pub mod conv;
pub mod convert;
pub mod cost;
pub mod dense;
pub mod freivalds;
pub mod mse;
pub mod num;
pub mod pool;
pub mod recurrent;
pub mod poseidon;
pub mod r1cs_export;
pub mod support;
pub mod topk;

pub use circuit::Groth16Circuit;
pub use cost::ConstraintCount;

/// The scalar field the R1CS is over (arkworks' BN254 `Fr`).
pub type ArkFr = ark_bn254::Fr;
