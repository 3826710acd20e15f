//! What the Groth16 circuit proves: networks of dense, conv, max-pool, average-pool and
//! recurrent (LSTM, GRU) layers (each linear layer optionally followed by a ReLU) scored by top-1 or top-k accuracy, or, for a
//! single-output regression model, by mean squared error (with halo2's bound `N <= 2^b`). A
//! shape outside this set is refused with an error naming the unsupported part, before any key
//! or proof is made.

use crate::error::Result;
use crate::halo2::CircuitShape;
use crate::layers::LayerArch;
use crate::score::ScoreFunction;

/// Checks that the Groth16 circuit can prove `shape`.
pub fn check(shape: &CircuitShape) -> Result<()> {
    // every score function has its gadget; a new one must be added here (and to the circuit),
    // or refused by name
    match shape.score {
        ScoreFunction::Top1 | ScoreFunction::TopK { .. } => {}
        ScoreFunction::Mse => {
            shape.score.validate(shape.arch.num_classes)?;
            shape.check_mse_samples()?;
        }
    }
    for l in &shape.arch.layers {
        // every layer kind has its gadget; a new kind must be added here (and to the circuit)
        match l {
            LayerArch::Dense(_) | LayerArch::Conv(_) | LayerArch::MaxPool(_) | LayerArch::AvgPool(_) | LayerArch::Recurrent(_) => {}
        }
    }
    Ok(())
}
