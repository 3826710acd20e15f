//! PyTorch LSTM and GRU exports (`scripts/recurrent_fixtures.py`): each pattern imports as a
//! chain with recurrent layers, its float reference outputs equal torch's, it converts to a
//! float model whose quantized outputs follow the float ones; what is outside the subset is
//! refused naming the node.

mod common;

use common::*;
use serde::Deserialize;
use zkpot_circuits::dataset::QuantizedDataset;
use zkpot_circuits::eval::eval_sample;
use zkpot_circuits::fixed::FixedParams;
use zkpot_circuits::layers::{Cell, LayerArch};
use zkpot_circuits::quantize::quantize_model;
use zkpot_onnx::ir::Op;
use zkpot_onnx::{eval, import_bytes, import_file, to_float_model, OnnxError};

#[derive(Deserialize)]
struct Torch {
    inputs: Vec<Vec<f64>>,
    outputs: Vec<Vec<f64>>,
}

fn torch(name: &str) -> Torch {
    serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

/// Imports `name`, checks the recurrent layers (cell, sequence_output of each) and the float
/// outputs against torch, then quantizes at s = 8 and checks the quantized outputs follow.
fn check(name: &str, cells: &[(Cell, bool)]) {
    let g = import_file(&fixture(&format!("{name}.onnx"))).unwrap();
    assert_eq!(g.input_shape, [5, 4]);
    let rec: Vec<(Cell, bool)> = g
        .layers
        .iter()
        .filter_map(|l| match l.op {
            Op::Recurrent { cell, sequence_output, .. } => Some((cell, sequence_output)),
            _ => None,
        })
        .collect();
    assert_eq!(rec, cells, "{name}: recurrent layers");
    assert_eq!(g.output_shape(), [2]);
    let exp = torch(&format!("{name}.expected.json"));
    for (x, y) in exp.inputs.iter().zip(&exp.outputs) {
        assert_close(&eval::forward(&g, x).unwrap(), y, 1e-5, name);
    }
    let m = to_float_model(&g, name).unwrap();
    let m = zkpot_circuits::model::FloatModel::from_json(&serde_json::to_string(&m).unwrap()).unwrap();
    assert!(m.architecture().unwrap().iter().any(|l| matches!(l, LayerArch::Recurrent(_))));
    let fixed = FixedParams { scale_bits: 10, value_bits: 16 };
    let q = quantize_model(&m, fixed).unwrap();
    for (i, x) in exp.inputs.iter().enumerate() {
        let qx: Vec<i64> = x.iter().map(|v| fixed.quantize(*v, || "x".into()).unwrap()).collect();
        let data = QuantizedDataset::new("t", fixed, 20, 2, qx.clone(), vec![0]).unwrap();
        let out = eval_sample(&q, data.sample(0), i).unwrap().pop().unwrap().out;
        for (a, b) in out.iter().zip(&exp.outputs[i]) {
            assert!((fixed.dequantize(*a) - b).abs() < 0.05, "{name} sample {i}: quantized {} vs torch {b}", fixed.dequantize(*a));
        }
    }
}

#[test]
fn lstm_batch_first_last_step() {
    check("lstm_bf_last", &[(Cell::Lstm, false)]);
}

#[test]
fn lstm_stacked_last_hidden_state() {
    check("lstm_stacked_hn", &[(Cell::Lstm, true), (Cell::Lstm, false)]);
}

#[test]
fn gru_hidden_state_with_dynamic_batch() {
    check("gru_bf_hn", &[(Cell::Gru, false)]);
}

#[test]
fn gru_time_major_stacked_last_step() {
    check("gru_tm_stacked_last", &[(Cell::Gru, true), (Cell::Gru, false)]);
}

#[test]
fn bidirectional_is_refused_naming_the_node() {
    let err = import_file(&fixture("lstm_bidirectional.onnx")).unwrap_err();
    assert!(matches!(&err, OnnxError::UnsupportedAttribute { op, attr, .. } if op == "LSTM" && attr == "direction"), "{err}");
    assert!(err.to_string().contains("bidirectional") && err.to_string().contains("forward"), "{err}");
}

/// Edits the first LSTM/GRU node of a fixture and imports the result.
fn import_edited(name: &str, edit: impl FnOnce(&mut zkpot_onnx::proto::NodeProto)) -> Result<zkpot_onnx::Graph, OnnxError> {
    use prost::Message;
    let mut m = zkpot_onnx::proto::ModelProto::decode(fixture_bytes(name).as_slice()).unwrap();
    let g = m.graph.as_mut().unwrap();
    let node = g.node.iter_mut().find(|n| n.op_type == "LSTM" || n.op_type == "GRU").unwrap();
    edit(node);
    import_bytes(&m.encode_to_vec())
}

#[test]
fn outside_the_subset_is_refused_naming_the_node() {
    let err = import_edited("gru_bf_hn.onnx", |n| n.attribute.retain(|a| a.name != "linear_before_reset")).unwrap_err();
    assert!(err.to_string().contains("linear_before_reset") && err.to_string().contains("GRU (node"), "{err}");
    let err = import_edited("lstm_bf_last.onnx", |n| n.attribute.push(attr_int("layout", 1))).unwrap_err();
    assert!(err.to_string().contains("layout"), "{err}");
    let err = import_edited("lstm_bf_last.onnx", |n| n.input[1] = n.input[0].clone()).unwrap_err();
    assert!(err.to_string().contains("W (input 1) must be a constant"), "{err}");
    let err = import_edited("lstm_bf_last.onnx", |n| {
        n.input.truncate(4);
        n.input.push("seq_lens".into());
    })
    .unwrap_err();
    assert!(matches!(err, OnnxError::UnknownInput { .. }), "{err}");
    // a non-zero initial state: the initial_h input replaced by the (non-zero) bias initializer
    let err = import_edited("lstm_bf_last.onnx", |n| n.input[5] = n.input[3].clone()).unwrap_err();
    assert!(err.to_string().contains("initial_h (input 5) must be absent or zero"), "{err}");
}
