//! The bundled MNIST models, kept as the ONNX files PyTorch exported (`data/mnist/mlp.onnx`,
//! `data/mnist/cnn.onnx`, `data/mnist/lstm.onnx`, trained on the 8,000 bundled training digits
//! by `scripts/train_mnist.py` and `scripts/train_mnist_lstm.py`) and imported on load with the same code as `zkpot import`, so the
//! bundled float models are exactly what a user importing those files gets.

use crate::error::Result;
use zkpot_circuits::model::FloatModel;

/// `data/mnist/mlp.onnx`: Flatten, Linear(784, 128), ReLU, Linear(128, 10).
pub const MNIST_MLP_ONNX: &[u8] = include_bytes!("../../data/mnist/mlp.onnx");
/// `data/mnist/cnn.onnx`: LeNet-5 class, Conv(1->6, 5x5), ReLU, MaxPool 2, Conv(6->16, 5x5),
/// ReLU, MaxPool 2, Flatten, Linear(256, 120), ReLU, Linear(120, 84), ReLU, Linear(84, 10).
pub const MNIST_CNN_ONNX: &[u8] = include_bytes!("../../data/mnist/cnn.onnx");

/// `data/mnist/lstm.onnx`: sequential MNIST, LSTM(28, 32) over the 28 rows of a digit, the last
/// hidden state into Linear(32, 10).
pub const MNIST_LSTM_ONNX: &[u8] = include_bytes!("../../data/mnist/lstm.onnx");

/// The bundled MNIST MLP 784-128-10 (`@mnist-mlp`).
pub fn mnist_mlp() -> Result<FloatModel> {
    crate::to_float_model(&crate::import_bytes(MNIST_MLP_ONNX)?, "mnist-mlp")
}

/// The bundled MNIST LeNet-5-class CNN (`@mnist-cnn`).
pub fn mnist_cnn() -> Result<FloatModel> {
    crate::to_float_model(&crate::import_bytes(MNIST_CNN_ONNX)?, "mnist-cnn")
}

/// The bundled sequential-MNIST LSTM (`@mnist-lstm`): 28 steps of 28 pixels, 32 hidden units,
/// a dense head to 10 classes.
pub fn mnist_lstm() -> Result<FloatModel> {
    crate::to_float_model(&crate::import_bytes(MNIST_LSTM_ONNX)?, "mnist-lstm")
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkpot_circuits::layers::LayerArch;

    #[test]
    fn bundled_models_import_with_their_architectures() {
        let mlp = mnist_mlp().unwrap();
        let cnn = mnist_cnn().unwrap();
        let lstm = mnist_lstm().unwrap();
        for m in [&mlp, &cnn, &lstm] {
            assert_eq!((m.input_dim, m.num_classes), (784, 10));
        }
        let kinds = |m: &FloatModel| {
            m.architecture().unwrap().iter().map(|l| match l {
                LayerArch::Dense(d) => format!("dense{}{}", d.outputs, if d.relu { "r" } else { "" }),
                LayerArch::Conv(c) => format!("conv{}{}", c.out_channels, if c.relu { "r" } else { "" }),
                LayerArch::MaxPool(_) => "maxpool".into(),
                LayerArch::AvgPool(_) => "avgpool".into(),
                LayerArch::Recurrent(r) => format!("{:?}{}", r.cell, r.hidden),
            }).collect::<Vec<_>>().join(" ")
        };
        assert_eq!(kinds(&mlp), "dense128r dense10");
        assert_eq!(kinds(&cnn), "conv6r maxpool conv16r maxpool dense120r dense84r dense10");
        assert_eq!(kinds(&lstm), "Lstm32 dense10");
    }
}
