//! The bundled sequential-MNIST LSTM (`data/mnist/lstm.onnx`, `scripts/train_mnist_lstm.py`):
//! it imports as LSTM(28 -> 32) over 28 steps and a dense head, and its float and quantized
//! accuracy on the bundled test digits are pinned. `mnist_lstm_report` (ignored: minutes) prints
//! the numbers of `docs/recurrent.md`: float and quantized accuracy on all 2,000 test digits
//! and `zkpot calibrate` over the first 300.

use std::path::PathBuf;
use zkpot_circuits::calibrate::calibrate;
use zkpot_circuits::fixed::FixedParams;
use zkpot_circuits::layers::{Cell, LayerArch, RecurrentShape};
use zkpot_circuits::mnist::mnist_test;
use zkpot_circuits::quantize::quantize_and_check;
use zkpot_onnx::{eval, import_file, to_float_model};

fn model() -> (zkpot_onnx::Graph, zkpot_circuits::model::FloatModel) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/mnist/lstm.onnx");
    let g = import_file(&path).unwrap();
    let m = to_float_model(&g, "mnist-lstm").unwrap();
    (g, m)
}

#[test]
fn imports_as_lstm_and_dense_head() {
    let (g, m) = model();
    assert_eq!(g.input_shape, [28, 28]);
    let arch = m.architecture().unwrap();
    assert!(matches!(arch[0], LayerArch::Recurrent(RecurrentShape { cell: Cell::Lstm, steps: 28, input_size: 28, hidden: 32, sequence_output: false })));
    assert!(matches!(arch[1], LayerArch::Dense(d) if d.inputs == 32 && d.outputs == 10 && !d.relu));
}

#[test]
fn quantized_accuracy_on_the_first_100_test_digits() {
    let (_, m) = model();
    let data = mnist_test().unwrap().take(100).unwrap();
    let (_, r) = quantize_and_check(&m, &data, FixedParams::DEFAULT).unwrap();
    assert_eq!((r.float_correct, r.quantized_correct), PINNED_100, "float and quantized correct on the first 100 digits");
}

/// Measured with `cargo test --release -p zkpot-onnx --test mnist_lstm -- --ignored --nocapture`.
const PINNED_100: (usize, usize) = (95, 95);

#[test]
#[ignore]
fn mnist_lstm_report() {
    let (g, m) = model();
    let data = mnist_test().unwrap();
    let t = std::time::Instant::now();
    let onnx_acc = eval::accuracy(&g, &data).unwrap();
    println!("float (ONNX reference evaluator): {}/{} ({:.1?})", onnx_acc.correct, data.features.len(), t.elapsed());
    for fixed in [FixedParams::DEFAULT, FixedParams { value_bits: 16, scale_bits: 10 }, FixedParams { value_bits: 12, scale_bits: 6 }] {
        let t = std::time::Instant::now();
        match quantize_and_check(&m, &data, fixed) {
            Ok((_, r)) => println!(
                "(b, s) = ({}, {}): float {}/{}, quantized {}/{}, disagreements {}, max |value| {} of {} ({:.1?})",
                fixed.value_bits, fixed.scale_bits, r.float_correct, r.samples, r.quantized_correct, r.samples, r.disagreements, r.max_abs_value, r.bound, t.elapsed()
            ),
            Err(e) => println!("(b, s) = ({}, {}): {e}", fixed.value_bits, fixed.scale_bits),
        }
    }
    let first = data.take(300).unwrap();
    let t = std::time::Instant::now();
    let cal = calibrate(&m, &first, 8..=16);
    println!("calibrate over the first 300 test digits ({:.1?}):\n{}", t.elapsed(), cal.markdown());
}
