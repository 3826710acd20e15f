//! What the Groth16 circuit proves: networks of dense, conv, max-pool and average-pool layers
//! (each linear layer optionally followed by a ReLU) scored by top-1 or top-k accuracy (not mean
//! squared error: that is halo2-only). A shape outside this set is refused with an error naming
//! the unsupported part, before any key or proof is made.

use crate::error::{CircuitError, Result};
use crate::halo2::CircuitShape;
use crate::layers::LayerArch;
use crate::score::ScoreFunction;

/// Checks that the Groth16 circuit can prove `shape`.
pub fn check(shape: &CircuitShape) -> Result<()> {
    if shape.score.is_mse() {
        return Err(CircuitError::Shape(
            "the Groth16 backend does not prove mse (mean squared error for regression); use --backend halo2 for --score mse".into(),
        ));
    }
    if !matches!(shape.score, ScoreFunction::Top1 | ScoreFunction::TopK { .. }) {
        return Err(CircuitError::Shape(format!(
            "the Groth16 backend proves top-1 and top-k accuracy only, not {}; use --backend halo2 for other score functions",
            shape.score.name()
        )));
    }
    for l in &shape.arch.layers {
        // every layer kind has its gadget; a new kind must be added here (and to the circuit)
        match l {
            LayerArch::Dense(_) | LayerArch::Conv(_) | LayerArch::MaxPool(_) | LayerArch::AvgPool(_) => {}
        }
    }
    Ok(())
}
