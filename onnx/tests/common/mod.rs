//! Shared test helpers: fixture paths, the exporters' recorded outputs, and a small builder of
//! ONNX models in Rust (prost messages) for the error cases.

#![allow(dead_code)]

use prost::Message;
use serde::Deserialize;
use std::path::PathBuf;
use zkpot_onnx::proto::*;

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures").join(name)
}

pub fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

/// `<model>.expected.json`, written by `scripts/onnx_fixtures.py`.
#[derive(Deserialize)]
pub struct Expected {
    pub inputs: Vec<Vec<f64>>,
    pub outputs: Vec<Vec<f64>>,
    pub predictions: Vec<usize>,
    pub float_correct: usize,
}

pub fn expected(name: &str) -> Expected {
    serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

pub fn softmax(v: &[f64]) -> Vec<f64> {
    let m = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = v.iter().map(|x| (x - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|x| x / s).collect()
}

pub fn assert_close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol * (1.0 + w.abs()), "{what}[{i}]: got {g}, exporter {w}");
    }
}

pub fn floats(name: &str, dims: &[i64], data: Vec<f32>) -> TensorProto {
    TensorProto { name: name.into(), dims: dims.to_vec(), data_type: data_type::FLOAT, float_data: data, ..Default::default() }
}

pub fn int64s(name: &str, dims: &[i64], data: Vec<i64>) -> TensorProto {
    TensorProto { name: name.into(), dims: dims.to_vec(), data_type: data_type::INT64, int64_data: data, ..Default::default() }
}

pub fn attr_int(name: &str, v: i64) -> AttributeProto {
    AttributeProto { name: name.into(), r#type: attribute_type::INT, i: v, ..Default::default() }
}

pub fn attr_ints(name: &str, v: &[i64]) -> AttributeProto {
    AttributeProto { name: name.into(), r#type: attribute_type::INTS, ints: v.to_vec(), ..Default::default() }
}

pub fn node(op: &str, name: &str, inputs: &[&str], outputs: &[&str], attribute: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        op_type: op.into(),
        name: name.into(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        attribute,
        ..Default::default()
    }
}

/// A float tensor value: `None` dims are symbolic (`"N"`).
pub fn value(name: &str, dims: &[Option<i64>]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| match d {
            Some(v) => DimensionProto { dim_value: Some(*v), ..Default::default() },
            None => DimensionProto { dim_param: Some("N".into()), ..Default::default() },
        })
        .collect();
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            tensor_type: Some(TensorTypeProto { elem_type: data_type::FLOAT, shape: Some(TensorShapeProto { dim }) }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub fn model(nodes: Vec<NodeProto>, initializer: Vec<TensorProto>, input: Vec<ValueInfoProto>, output: &[&str]) -> ModelProto {
    ModelProto {
        ir_version: 8,
        producer_name: "zkpot-tests".into(),
        opset_import: vec![OperatorSetIdProto { domain: String::new(), version: 17 }],
        graph: Some(GraphProto {
            name: "test".into(),
            node: nodes,
            initializer,
            input,
            output: output.iter().map(|o| value(o, &[None])).collect(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub fn bytes(m: &ModelProto) -> Vec<u8> {
    m.encode_to_vec()
}

/// A 4 -> 3 Gemm model (`x W + b`), input `[N, 4]`, output `y`.
pub fn gemm_model() -> ModelProto {
    let w = floats("w", &[4, 3], (0..12).map(|v| v as f32 * 0.25 - 1.0).collect());
    let b = floats("b", &[3], vec![0.5, -0.5, 0.25]);
    model(vec![node("Gemm", "fc", &["x", "w", "b"], &["y"], vec![])], vec![w, b], vec![value("x", &[None, Some(4)])], &["y"])
}
