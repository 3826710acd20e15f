//! What the Groth16 circuit proves today: dense networks (MLPs, each dense layer optionally
//! followed by a ReLU) scored by top-1 accuracy. Convolution, pooling and the other score
//! functions (top-k, and mean squared error for regression) are halo2-only for now; a shape outside this set is refused with an error naming
//! the first unsupported part, before any key or proof is made.

use crate::error::{CircuitError, Result};
use crate::halo2::CircuitShape;
use crate::layers::LayerArch;
use crate::model::LayerShape;

/// The dense layer shapes of `shape`, or an error if the Groth16 circuit cannot prove it.
pub fn dense_layers(shape: &CircuitShape) -> Result<Vec<LayerShape>> {
    if shape.score.is_mse() {
        return Err(CircuitError::Shape(
            "the Groth16 backend does not prove mse (mean squared error for regression); use --backend halo2 for --score mse".into(),
        ));
    }
    if !shape.score.is_top1() {
        return Err(CircuitError::Shape(format!(
            "the Groth16 backend proves top-1 accuracy only, not {}; use --backend halo2 for other score functions",
            shape.score.name()
        )));
    }
    shape
        .arch
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| match l {
            LayerArch::Dense(d) => Ok(*d),
            other => {
                let kind = match other {
                    LayerArch::Conv(_) => "convolution",
                    LayerArch::MaxPool(_) => "max-pool",
                    _ => "average-pool",
                };
                Err(CircuitError::Shape(format!(
                    "the Groth16 backend proves dense networks only; layer {i} is a {kind} layer (use --backend halo2 for convolutional networks)"
                )))
            }
        })
        .collect()
}
