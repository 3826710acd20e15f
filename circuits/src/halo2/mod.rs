//! The halo2 circuit (KZG on BN254) proving the statement
//! `(model commitment, data set commitment, N, S)`: the committed quantized model scores `S`
//! on the committed `N` samples under the validation function of [`crate::eval`].
//!
//! * [`shape`]: the circuit shape (architecture + N), its id and its size `k`.
//! * [`config`]: columns, gates and lookups.
//! * [`footprint`]: the column and argument counts the prover's memory depends on.
//! * [`conv`]: a conv layer's Freivalds vectors in im2col form (configured for conv models only).
//! * [`mse`]: the mean-squared-error gadget (configured for MSE shapes only).
//! * [`pool`]: max-pools laid out on their input's rows (2x2-class windows between linear
//!   layers): no rows of their own, and no input block for the layer after.
//! * [`circuit`]: the circuit and its row layout (one description for keygen and proving).
//! * [`recurrent`]: the LSTM/GRU gadget (sigmoid/tanh lookups, product and rescale gates) as a
//!   stand-alone circuit over one layer, every product multiplied out (a test harness).
//! * [`recurrent_witness`], [`recurrent_rows`]: recurrent layers in the validation circuit: the
//!   gate pre-activations of every step of every sample checked at once by Freivalds' test,
//!   the rescales, sigmoid/tanh lookups and elementwise products row by row, in a column group
//!   of their own.
//!
//! How the circuit checks the model (details in `docs/circuit.md`): every value is a 15-bit (in
//! general `b`-bit) signed integer, range-checked through lookups while being packed for
//! hashing (data and weights) or through the ReLU / bound lookups (layer values). Dense layers are *not* multiplied out weight by weight: the prover commits the
//! accumulators `Y`, and the circuit checks `Y = X W + 2^s 1 b^T` with Freivalds' test,
//! `u^T Y v = (u^T X)(W v) + 2^s (u^T 1)(b^T v)` for `u_i = r1^(N-1-i)`, `v_j = r2^(m-1-j)` and
//! challenges `r1, r2` drawn after all first-phase columns are committed. A conv layer is
//! checked the same way, with the vectors `W v` and `b^T v` of its expanded matrix computed in
//! im2col form from copies of the kernel cells ([`conv`]). Rescale, ReLU, max/average pooling, argmax (or the top-k rank) and the count (or the
//! squared errors and their rounded mean) are checked per value with gates and lookups.

pub mod circuit;
pub mod config;
pub mod conv;
pub mod footprint;
pub mod mse;
pub mod pool;
pub mod recurrent;
pub mod recurrent_rows;
pub mod recurrent_witness;
pub mod shape;

pub use circuit::{ValidationCircuit, Witness};
pub use shape::{CircuitShape, CIRCUIT_VERSION};

/// A witness value when proving, unknown at key generation.
pub(crate) fn known(v: Option<crate::field::Fr>) -> halo2_proofs::circuit::Value<crate::field::Fr> {
    v.map(halo2_proofs::circuit::Value::known).unwrap_or_else(halo2_proofs::circuit::Value::unknown)
}
