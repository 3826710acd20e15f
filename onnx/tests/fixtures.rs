//! The committed fixtures, exported by scikit-learn (skl2onnx) and PyTorch: each imports, its
//! float reference outputs equal the exporter's recorded outputs, its predictions on the
//! bundled 500-sample digits test set equal the exporter's, and the dense models convert to
//! zkpot float models whose quantized accuracy is pinned.

mod common;

use common::*;
use zkpot_circuits::bundled;
use zkpot_circuits::fixed::FixedParams;
use zkpot_circuits::quantize::quantize_and_check;
use zkpot_onnx::ir::{Batch, Op};
use zkpot_onnx::{eval, import_file, to_float_model, OnnxError};

fn ops(g: &zkpot_onnx::Graph) -> Vec<&str> {
    g.layers.iter().map(|l| l.onnx_op.as_str()).collect()
}

#[test]
fn sklearn_mlp_imports_and_matches_onnxruntime() {
    let g = import_file(&fixture("digits_mlp_sklearn.onnx")).unwrap();
    assert!(g.producer.starts_with("skl2onnx"), "{}", g.producer);
    assert_eq!(g.batch, Batch::Dynamic("?".into()), "skl2onnx writes [None, 64]");
    assert_eq!(g.input_shape, vec![64]);
    assert_eq!(ops(&g), ["MatMul", "Add", "Relu", "MatMul", "Add"]);
    assert_eq!(g.output_shape(), [10]);
    assert!(g.notes.iter().any(|n| n.contains("Softmax") && n.contains("ArgMax")), "{:?}", g.notes);

    let exp = expected("digits_mlp_sklearn.expected.json");
    for (x, probs) in exp.inputs.iter().zip(&exp.outputs) {
        assert_close(&softmax(&eval::forward(&g, x).unwrap()), probs, 1e-5, "probabilities");
    }
    let data = bundled::digits_test().unwrap();
    let acc = eval::accuracy(&g, &data).unwrap();
    assert_eq!(acc.predictions, exp.predictions, "predictions equal onnxruntime's on all 500 samples");
    assert_eq!(acc.correct, exp.float_correct);
}

#[test]
fn sklearn_mlp_converts_and_quantizes() {
    let g = import_file(&fixture("digits_mlp_sklearn.onnx")).unwrap();
    let m = to_float_model(&g, "digits-mlp-sklearn-onnx").unwrap();
    assert_eq!((m.input_dim, m.num_classes, m.layers.len()), (64, 10, 3));
    let shapes = m.architecture().unwrap();
    assert_eq!(shapes.iter().map(|s| (s.inputs(), s.outputs(), s.relu())).collect::<Vec<_>>(), [(64, 32, true), (32, 10, false)]);
    // the JSON round trip is what `zkpot quantize --model` reads
    let m = zkpot_circuits::model::FloatModel::from_json(&serde_json::to_string(&m).unwrap()).unwrap();

    // the bundled model has the same recipe: the ONNX weights are its weights in float32
    let bundled_model = bundled::digits_model().unwrap();
    assert_eq!(m.layers.len(), bundled_model.layers.len());
    for (l1, l2) in m.layers.iter().zip(&bundled_model.layers) {
        use zkpot_circuits::model::FloatLayer::Dense;
        if let (Dense { weights: w1, bias: b1 }, Dense { weights: w2, bias: b2 }) = (l1, l2) {
            for (r1, r2) in w1.iter().zip(w2) {
                for (x, y) in r1.iter().zip(r2) {
                    assert!((x - y).abs() <= 1e-6 * (1.0 + y.abs()), "{x} vs {y}");
                }
            }
            for (x, y) in b1.iter().zip(b2) {
                assert!((x - y).abs() <= 1e-6 * (1.0 + y.abs()));
            }
        }
    }

    let data = bundled::digits_test().unwrap();
    let (_, report) = quantize_and_check(&m, &data, FixedParams::DEFAULT).unwrap();
    assert_eq!(report.float_correct, expected("digits_mlp_sklearn.expected.json").float_correct);
    assert_eq!(report.quantized_correct, PINNED_SKLEARN_QUANTIZED_CORRECT, "{report:?}");
}

/// Quantized accuracy of the imported scikit-learn MLP on the bundled test set at s = 8, b = 15.
const PINNED_SKLEARN_QUANTIZED_CORRECT: usize = 489;

#[test]
fn torch_mlp_reshape_and_gemm() {
    let g = import_file(&fixture("digits_mlp_torch.onnx")).unwrap();
    assert!(g.producer.starts_with("pytorch"), "{}", g.producer);
    assert_eq!(g.batch, Batch::Dynamic("batch".into()));
    assert_eq!(g.input_shape, vec![1, 8, 8]);
    assert_eq!(ops(&g), ["Reshape", "Gemm", "Relu", "Gemm"]);
    assert_eq!(g.layers[0].output_shape, [64]);
    let exp = expected("digits_mlp_torch.expected.json");
    for (x, logits) in exp.inputs.iter().zip(&exp.outputs) {
        assert_close(&eval::forward(&g, x).unwrap(), logits, 1e-5, "logits");
    }
    let data = bundled::digits_test().unwrap();
    let acc = eval::accuracy(&g, &data).unwrap();
    assert_eq!(acc.predictions, exp.predictions);
    let m = to_float_model(&g, "digits-mlp-torch").unwrap();
    assert_eq!((m.input_dim, m.num_classes), (64, 10));
    let (_, report) = quantize_and_check(&m, &data, FixedParams::DEFAULT).unwrap();
    assert_eq!(report.float_correct, exp.float_correct);
    assert_eq!(report.quantized_correct, PINNED_TORCH_QUANTIZED_CORRECT, "{report:?}");
}

/// Quantized accuracy of the imported PyTorch MLP on the bundled test set at s = 8, b = 15.
const PINNED_TORCH_QUANTIZED_CORRECT: usize = 483;

#[test]
fn torch_cnn_parses_and_matches_pytorch() {
    let g = import_file(&fixture("digits_cnn_torch.onnx")).unwrap();
    assert_eq!(g.batch, Batch::Dynamic("batch".into()));
    assert_eq!(g.input_shape, vec![1, 8, 8]);
    assert_eq!(ops(&g), ["Conv", "Relu", "MaxPool", "Conv", "Relu", "AveragePool", "Flatten", "Gemm"]);
    let shapes: Vec<&[usize]> = g.layers.iter().map(|l| l.output_shape.as_slice()).collect();
    assert_eq!(shapes, [&[6, 8, 8][..], &[6, 8, 8], &[6, 4, 4], &[8, 2, 2], &[8, 2, 2], &[8, 3, 3], &[72], &[10]]);
    match &g.layers[3].op {
        Op::Conv { window, .. } => assert_eq!((window.strides, window.pads), ([2, 2], [1, 1, 1, 1])),
        op => panic!("{op:?}"),
    }
    assert!(matches!(g.layers[5].op, Op::AveragePool { count_include_pad: false, .. }));

    let exp = expected("digits_cnn_torch.expected.json");
    for (x, logits) in exp.inputs.iter().zip(&exp.outputs) {
        assert_close(&eval::forward(&g, x).unwrap(), logits, 1e-4, "logits");
    }
    let data = bundled::digits_test().unwrap();
    let acc = eval::accuracy(&g, &data).unwrap();
    assert_eq!(acc.predictions, exp.predictions, "predictions equal PyTorch's on all 500 samples");
    assert_eq!(acc.correct, exp.float_correct);

}

/// Quantized accuracy of the imported PyTorch CNN on the bundled test set at s = 8, b = 15.
const PINNED_CNN_QUANTIZED_CORRECT: usize = 484;

#[test]
fn torch_cnn_converts_and_quantizes() {
    let g = import_file(&fixture("digits_cnn_torch.onnx")).unwrap();
    let m = to_float_model(&g, "cnn").unwrap();
    let m = zkpot_circuits::model::FloatModel::from_json(&serde_json::to_string(&m).unwrap()).unwrap();
    // conv (ReLU fused), max-pool, conv (ReLU fused), average-pool, dense; Flatten vanished
    let kinds: Vec<String> = m.architecture().unwrap().iter().map(|l| serde_json::to_value(l).unwrap()["type"].as_str().unwrap_or("dense").to_string()).collect();
    assert_eq!(kinds, ["conv", "maxpool", "conv", "avgpool", "dense"]);
    // zkpot's float model computes what the ONNX graph computes
    let data = bundled::digits_test().unwrap();
    for x in data.features.iter().take(50) {
        assert_close(&m.forward(x), &eval::forward(&g, x).unwrap(), 1e-9, "logits");
    }
    let (q, report) = quantize_and_check(&m, &data, FixedParams::DEFAULT).unwrap();
    assert_eq!(report.float_correct, 485);
    assert_eq!(report.quantized_correct, PINNED_CNN_QUANTIZED_CORRECT);
    assert!(q.dense_only().is_none());
    // the circuit's size (docs/circuit.md, section 6b): 1 207 + max(1 230, 65 N) + 784 N main
    // rows (the conv blocks 610 + 596 of them; the model's 1 230 values beside the data's 65 N;
    // the 2x2 max-pool on conv 1's rows, halo2/pool.rs; both since circuit version 7)
    let shape = zkpot_circuits::halo2::CircuitShape::new(q.architecture(), 4);
    assert_eq!((shape.main_rows(), shape.conv_rows(), shape.k()), (1_207 + 1_230 + 4 * 784, 610 + 596, 16));
    let arch = q.architecture();
    let score = zkpot_circuits::score::ScoreFunction::Top1;
    let max = |k| zkpot_circuits::halo2::CircuitShape::max_samples(&arch, score, k);
    assert_eq!((max(16), max(17)), (Some(75), Some(152)));
    // a ReLU after pooling has no circuit layer: refused, naming the node
    let mut bad = g.clone();
    bad.layers.swap(1, 2);
    let err = to_float_model(&bad, "cnn").unwrap_err();
    assert!(matches!(err, OnnxError::NotInCircuits { .. }));
    assert!(err.to_string().contains("'/1/Relu'") && err.to_string().contains("after a pooling layer"), "{err}");
}

#[test]
fn torch_dynamo_exports_with_external_data() {
    // the same models exported by torch.onnx.export(dynamo=True): opset 20, Reshape with
    // allowzero = 1, weights in <model>.onnx.data beside the model
    let g = import_file(&fixture("digits_mlp_torch_dynamo.onnx")).unwrap();
    assert_eq!((g.opset, g.batch.clone()), (20, Batch::Dynamic("batch".into())));
    assert_eq!(ops(&g), ["Reshape", "Gemm", "Relu", "Gemm"]);
    let exp = expected("digits_mlp_torch.expected.json");
    for (x, logits) in exp.inputs.iter().zip(&exp.outputs) {
        assert_close(&eval::forward(&g, x).unwrap(), logits, 1e-5, "logits");
    }
    let data = bundled::digits_test().unwrap();
    assert_eq!(eval::accuracy(&g, &data).unwrap().predictions, exp.predictions);
    let m = to_float_model(&g, "digits-mlp-torch-dynamo").unwrap();
    let (_, report) = quantize_and_check(&m, &data, FixedParams::DEFAULT).unwrap();
    assert_eq!(report.quantized_correct, PINNED_TORCH_QUANTIZED_CORRECT);

    let g = import_file(&fixture("digits_cnn_torch_dynamo.onnx")).unwrap();
    assert_eq!(ops(&g), ["Conv", "Relu", "MaxPool", "Conv", "Relu", "AveragePool", "Reshape", "Gemm"]);
    let exp = expected("digits_cnn_torch.expected.json");
    for (x, logits) in exp.inputs.iter().zip(&exp.outputs) {
        assert_close(&eval::forward(&g, x).unwrap(), logits, 1e-4, "logits");
    }
    assert_eq!(eval::accuracy(&g, &data).unwrap().predictions, exp.predictions);
    // the same float model as the Flatten export, so the same quantized score
    let m = to_float_model(&g, "cnn").unwrap();
    let flatten = to_float_model(&import_file(&fixture("digits_cnn_torch.onnx")).unwrap(), "cnn").unwrap();
    assert_eq!(m, flatten);
}
