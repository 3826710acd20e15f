//! Every unsupported-operator and bad-file case gives a clear error, never a panic: the
//! hand-made Sigmoid model, truncated fixtures at every length, random bytes, other file
//! formats, and models built here with one thing wrong each.

mod common;

use common::*;
use zkpot_onnx::proto::{data_type, AttributeProto, TensorProto};
use zkpot_onnx::{import_bytes, import_file, OnnxError};

fn err(m: &zkpot_onnx::proto::ModelProto) -> String {
    import_bytes(&bytes(m)).map(|_| ()).unwrap_err().to_string()
}

fn assert_contains(msg: &str, needle: &str) {
    assert!(msg.contains(needle), "expected `{needle}` in: {msg}");
}

#[test]
fn the_gemm_model_builder_imports() {
    let g = import_bytes(&bytes(&gemm_model())).unwrap();
    assert_eq!(g.output_shape(), [3]);
    let y = zkpot_onnx::eval::forward(&g, &[1.0, 0.0, 0.0, 0.0]).unwrap();
    assert_eq!(y, vec![-1.0 + 0.5, -0.75 - 0.5, -0.5 + 0.25]);
}

#[test]
fn unsupported_operator_names_node_and_op() {
    let e = import_file(&fixture("unsupported_sigmoid.onnx")).unwrap_err();
    assert!(matches!(e, OnnxError::UnsupportedOp { .. }));
    assert_contains(&e.to_string(), "Sigmoid (node 'sigmoid1') is not supported");
    assert_contains(&e.to_string(), "supported: Gemm, MatMul");
    // an unnamed node is named by its position and output
    let mut m = gemm_model();
    let g = m.graph.as_mut().unwrap();
    g.node.push(node("Tanh", "", &["y"], &["z"], vec![]));
    g.output = vec![value("z", &[None])];
    assert_contains(&err(&m), "Tanh (node '#1, output z') is not supported");
}

#[test]
fn truncated_files_are_rejected_at_every_length() {
    for name in ["digits_mlp_sklearn.onnx", "digits_mlp_torch.onnx", "digits_cnn_torch.onnx"] {
        let full = fixture_bytes(name);
        for len in 0..full.len() {
            match import_bytes(&full[..len]) {
                Err(OnnxError::NotOnnx(_)) => {}
                other => panic!("{name} truncated to {len} bytes: {other:?}"),
            }
        }
    }
    let e = import_bytes(&fixture_bytes("digits_cnn_torch.onnx")[..3000]).unwrap_err().to_string();
    assert_contains(&e, "not an ONNX model");
    assert_contains(&e, "truncated");
}

#[test]
fn random_bytes_and_other_formats_are_rejected() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for i in 0..3000 {
        let len = (next() % 4096) as usize;
        let buf: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        assert!(import_bytes(&buf).is_err(), "random buffer {i} imported");
    }
    // a flipped byte in the middle of a real file: an error or (rarely) another valid model, never a panic
    let full = fixture_bytes("digits_cnn_torch.onnx");
    for pos in (0..full.len()).step_by(7) {
        let mut b = full.clone();
        b[pos] ^= 0x5a;
        let _ = import_bytes(&b);
    }
    let json = zkpot_circuits::bundled::DIGITS_MODEL_JSON.as_bytes();
    assert_contains(&import_bytes(json).unwrap_err().to_string(), "not an ONNX model");
    assert_contains(&import_bytes(b"").unwrap_err().to_string(), "empty");
    let e = import_file(std::path::Path::new("/nonexistent/model.onnx")).unwrap_err();
    assert_contains(&e.to_string(), "cannot read /nonexistent/model.onnx");
}

#[test]
fn wrong_shapes_are_named() {
    let mut m = gemm_model();
    m.graph.as_mut().unwrap().input = vec![value("x", &[None, Some(5)])];
    assert_eq!(err(&m), "Gemm (node 'fc'): shape mismatch: input has 5 features but weight 'w' (shape [4, 3], transB = 0) expects 4");

    let mut m = gemm_model();
    m.graph.as_mut().unwrap().initializer[1] = floats("b", &[2], vec![0.0, 1.0]);
    assert_contains(&err(&m), "bias 'b' has shape [2], expected [3]");

    // raw_data of the wrong length
    let mut m = gemm_model();
    m.graph.as_mut().unwrap().initializer[0] =
        TensorProto { name: "w".into(), dims: vec![4, 3], data_type: data_type::FLOAT, raw_data: vec![0; 40], ..Default::default() };
    assert_eq!(err(&m), "tensor 'w': raw_data holds 40 bytes, but 12 elements of 4 bytes need 48");

    // a symbolic feature dimension
    let mut m = gemm_model();
    m.graph.as_mut().unwrap().input = vec![value("x", &[None, None])];
    assert_contains(&err(&m), "dimension 1 is dynamic ('N'); only the first (batch) dimension may be");

    // sizes a damaged file might declare
    let mut m = gemm_model();
    m.graph.as_mut().unwrap().input = vec![value("x", &[None, Some(1 << 40), Some(1 << 40)])];
    assert_contains(&err(&m), "has more than 67108864 values");

    // a Conv on a flat input, a Gemm on an image
    let conv_w = floats("cw", &[2, 1, 3, 3], vec![0.1; 18]);
    let m = model(vec![node("Conv", "conv1", &["x", "cw"], &["y"], vec![])], vec![conv_w], vec![value("x", &[None, Some(64)])], &["y"]);
    assert_contains(&err(&m), "Conv (node 'conv1'): shape mismatch: expects a 4-D input [batch, C, H, W]");
    let mut m = gemm_model();
    m.graph.as_mut().unwrap().input = vec![value("x", &[None, Some(1), Some(2), Some(2)])];
    assert_contains(&err(&m), "Gemm (node 'fc'): shape mismatch: expects a 2-D input [batch, features], got per-sample shape [1, 2, 2] (add a Flatten before it)");
}

#[test]
fn missing_initializers_and_non_float_weights() {
    let mut m = gemm_model();
    m.graph.as_mut().unwrap().initializer.remove(0);
    assert_eq!(err(&m), "Gemm (node 'fc'): input 'w' is not an initializer, a constant, or an output of an earlier node");

    let mut m = gemm_model();
    m.graph.as_mut().unwrap().initializer[0] = int64s("w", &[4, 3], vec![1; 12]);
    assert_contains(&err(&m), "tensor 'w' has element type INT64: Gemm's B must be a FLOAT tensor");

    let mut m = gemm_model();
    m.graph.as_mut().unwrap().initializer[0] = TensorProto { name: "w".into(), dims: vec![4, 3], data_type: 11, ..Default::default() };
    assert_contains(&err(&m), "tensor 'w' has element type DOUBLE");

    let mut m = gemm_model();
    m.graph.as_mut().unwrap().initializer[0].data_location = 1;
    assert_contains(&err(&m), "tensor 'w': its data is marked external but names no location");

    let mut m = gemm_model();
    let input = &mut m.graph.as_mut().unwrap().input[0];
    input.r#type.as_mut().unwrap().tensor_type.as_mut().unwrap().elem_type = data_type::INT64;
    assert_contains(&err(&m), "graph input: 'x' has element type INT64");
}

#[test]
fn external_data_problems() {
    use zkpot_onnx::proto::StringStringEntryProto;
    // PyTorch's dynamo exporter keeps large weights in <model>.onnx.data beside the model
    let e = import_bytes(&fixture_bytes("digits_mlp_torch_dynamo.onnx")).unwrap_err().to_string();
    assert_contains(&e, "tensor '1.weight': its data is stored in the external file 'digits_mlp_torch_dynamo.onnx.data'; import the model from its file");
    let dir = std::env::temp_dir().join(format!("zkpot-onnx-ext-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let alone = dir.join("digits_mlp_torch_dynamo.onnx");
    std::fs::copy(fixture("digits_mlp_torch_dynamo.onnx"), &alone).unwrap();
    assert_contains(&import_file(&alone).unwrap_err().to_string(), "cannot read its external data file");
    std::fs::write(dir.join("digits_mlp_torch_dynamo.onnx.data"), [0u8; 100]).unwrap();
    assert_contains(&import_file(&alone).unwrap_err().to_string(), "lies beyond the end of");
    let _ = std::fs::remove_dir_all(&dir);

    let mut m = gemm_model();
    let w = &mut m.graph.as_mut().unwrap().initializer[0];
    w.data_location = 1;
    w.external_data = vec![StringStringEntryProto { key: "location".into(), value: "../../etc/passwd".into() }];
    assert_contains(&err(&m), "is not a plain relative path inside the model's directory");
}

#[test]
fn inputs_outputs_and_structure() {
    let mut m = gemm_model();
    m.graph.as_mut().unwrap().input.push(value("x2", &[None, Some(4)]));
    assert_contains(&err(&m), "the graph has 2 data inputs [\"x\", \"x2\"]");

    // two outputs: the scores and an intermediate activation
    let mut m = gemm_model();
    let g = m.graph.as_mut().unwrap();
    g.node.push(node("Relu", "act", &["y"], &["z"], vec![]));
    g.output = vec![value("z", &[None]), value("y", &[None])];
    assert_contains(&err(&m), "graph output: 'y' is an intermediate activation");

    // a residual connection
    let mut m = gemm_model();
    let g = m.graph.as_mut().unwrap();
    g.node.push(node("Relu", "act", &["y"], &["z"], vec![]));
    g.node.push(node("Add", "skip", &["z", "y"], &["s"], vec![]));
    g.output = vec![value("s", &[None])];
    assert_contains(&err(&m), "Add (node 'skip'): reads 'y', which is not the output of the layer just before it");

    // Softmax followed by another layer is not post-processing
    let mut m = gemm_model();
    let g = m.graph.as_mut().unwrap();
    g.node.push(node("Softmax", "sm", &["y"], &["p"], vec![]));
    g.node.push(node("Relu", "act", &["p"], &["z"], vec![]));
    g.output = vec![value("z", &[None])];
    assert_contains(&err(&m), "Relu (node 'act'): computes on post-processed scores");

    // a trailing Softmax is dropped with a note
    let mut m = gemm_model();
    let g = m.graph.as_mut().unwrap();
    g.node.push(node("Softmax", "sm", &["y"], &["p"], vec![]));
    g.output = vec![value("p", &[None])];
    let graph = import_bytes(&bytes(&m)).unwrap();
    assert_eq!(graph.output_name, "y");
    assert!(graph.notes.iter().any(|n| n.contains("Softmax (sm)")), "{:?}", graph.notes);

    // no opset, no graph, no IR version
    let mut m = gemm_model();
    m.opset_import.clear();
    assert_contains(&err(&m), "no opset");
    let mut m = gemm_model();
    m.graph = None;
    assert_contains(&err(&m), "no graph");
    let mut m = gemm_model();
    m.ir_version = 0;
    assert_contains(&err(&m), "ir_version = 0");
}

#[test]
fn unsupported_attribute_values() {
    let cw = || floats("cw", &[2, 1, 3, 3], vec![0.1; 18]);
    let img = || vec![value("x", &[None, Some(1), Some(6), Some(6)])];
    let conv = |attrs: Vec<AttributeProto>| model(vec![node("Conv", "conv1", &["x", "cw"], &["y"], attrs)], vec![cw()], img(), &["y"]);
    assert_eq!(
        err(&conv(vec![attr_int("group", 2)])),
        "Conv (node 'conv1'): attribute group = 2 is not supported (supported: 1 (no grouped or depthwise convolution))"
    );
    assert_contains(&err(&conv(vec![attr_ints("dilations", &[2, 2])])), "attribute dilations = [2, 2] is not supported");
    assert_contains(&err(&conv(vec![attr_ints("pads", &[1, 1])])), "attribute pads = [1, 1] is not supported");
    assert_contains(&err(&conv(vec![attr_ints("pads", &[1 << 40, 0, 0, 0])])), "attribute pads = [1099511627776, 0, 0, 0] is not supported");
    assert_contains(&err(&conv(vec![attr_ints("strides", &[0, 1])])), "attribute strides = [0, 1] is not supported");
    let pool = |op: &str, attrs: Vec<AttributeProto>| model(vec![node(op, "pool1", &["x"], &["y"], attrs)], vec![], img(), &["y"]);
    assert_contains(
        &err(&pool("MaxPool", vec![attr_ints("kernel_shape", &[2, 2]), attr_int("ceil_mode", 1)])),
        "MaxPool (node 'pool1'): attribute ceil_mode = 1 is not supported",
    );
    assert_contains(&err(&pool("AveragePool", vec![])), "AveragePool (node 'pool1'): attribute kernel_shape is missing");
    assert_contains(
        &err(&pool("MaxPool", vec![attr_ints("kernel_shape", &[2, 2]), attr_int("foo", 1)])),
        "attribute foo = (present) is not supported",
    );
    let mut m = gemm_model();
    m.graph.as_mut().unwrap().node[0].attribute.push(attr_int("transA", 1));
    assert_contains(&err(&m), "Gemm (node 'fc'): attribute transA = 1 is not supported");
    let flatten = model(vec![node("Flatten", "fl", &["x"], &["y"], vec![attr_int("axis", 2)])], vec![], img(), &["y"]);
    assert_contains(&err(&flatten), "Flatten (node 'fl'): attribute axis = 2 is not supported");
    // a Reshape that folds the batch into the features
    let shape = int64s("shape", &[1], vec![-1]);
    let reshape = model(vec![node("Reshape", "rs", &["x", "shape"], &["y"], vec![])], vec![shape], img(), &["y"]);
    assert_contains(&err(&reshape), "Reshape (node 'rs'): shape mismatch: target shape [-1] does not keep the batch dimension");
}

#[test]
fn pooling_semantics() {
    // 1x3x3 input 1..9, AveragePool 2x2 stride 1 pads 1: corners count only real pixels unless count_include_pad
    let img = vec![value("x", &[Some(1), Some(1), Some(3), Some(3)])];
    let attrs = |cip: i64| vec![attr_ints("kernel_shape", &[2, 2]), attr_ints("pads", &[1, 1, 1, 1]), attr_int("count_include_pad", cip)];
    let x: Vec<f64> = (1..=9).map(f64::from).collect();
    let g = import_bytes(&bytes(&model(vec![node("AveragePool", "p", &["x"], &["y"], attrs(0))], vec![], img.clone(), &["y"]))).unwrap();
    assert_eq!(g.batch, zkpot_onnx::ir::Batch::Fixed(1));
    assert_eq!(g.output_shape(), [1, 4, 4]);
    let y = zkpot_onnx::eval::forward(&g, &x).unwrap();
    assert_eq!(&y[..4], &[1.0, 1.5, 2.5, 3.0]);
    assert_eq!(y[5], 3.0); // (1+2+4+5)/4
    let g = import_bytes(&bytes(&model(vec![node("AveragePool", "p", &["x"], &["y"], attrs(1))], vec![], img.clone(), &["y"]))).unwrap();
    let y = zkpot_onnx::eval::forward(&g, &x).unwrap();
    assert_eq!(&y[..4], &[0.25, 0.75, 1.25, 0.75]);
    // MaxPool ignores padding even for negative inputs
    let mp = vec![attr_ints("kernel_shape", &[2, 2]), attr_ints("pads", &[1, 1, 1, 1]), attr_ints("strides", &[2, 2])];
    let g = import_bytes(&bytes(&model(vec![node("MaxPool", "p", &["x"], &["y"], mp)], vec![], img.clone(), &["y"]))).unwrap();
    assert_eq!(g.output_shape(), [1, 2, 2]);
    let neg: Vec<f64> = x.iter().map(|v| -v).collect();
    assert_eq!(zkpot_onnx::eval::forward(&g, &neg).unwrap(), vec![-1.0, -2.0, -4.0, -5.0]);
    // auto_pad SAME_UPPER keeps the size, padding at the end
    let same = vec![attr_ints("kernel_shape", &[2, 2]), AttributeProto { name: "auto_pad".into(), r#type: 3, s: b"SAME_UPPER".to_vec(), ..Default::default() }];
    let g = import_bytes(&bytes(&model(vec![node("MaxPool", "p", &["x"], &["y"], same)], vec![], img.clone(), &["y"]))).unwrap();
    assert_eq!(g.output_shape(), [1, 3, 3]);
    assert_eq!(zkpot_onnx::eval::forward(&g, &x).unwrap(), vec![5.0, 6.0, 6.0, 8.0, 9.0, 9.0, 8.0, 9.0, 9.0]);
    // GlobalAveragePool
    let g = import_bytes(&bytes(&model(vec![node("GlobalAveragePool", "gap", &["x"], &["y"], vec![])], vec![], img, &["y"]))).unwrap();
    assert_eq!(g.output_shape(), [1, 1, 1]);
    assert_eq!(zkpot_onnx::eval::forward(&g, &x).unwrap(), vec![5.0]);
}
