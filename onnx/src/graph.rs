//! From ONNX bytes to an imported [`Graph`]: decode, check the one data input (float, batch
//! first, fixed or dynamic), walk the nodes in order as a chain of layers, and drop trailing
//! post-processing (Softmax, ArgMax, label lookup) that does not change the argmax.

use crate::error::{OnnxError, Result};
use crate::ir::{Batch, Graph, Layer};
use crate::node::Node;
use crate::ops::{build, unknown_input, Arg, Built, POST_PROCESSING, POST_PROCESSING_START};
use crate::proto::{data_type, decode_model, ModelProto, ValueInfoProto};
use crate::recurrent::{self, Derived, In, Rnn, Step};
use crate::ir::Op;
use crate::tensor::Constant;
use std::collections::HashMap;
use std::path::Path;

/// A named value during the walk.
enum Value {
    /// The activation of the chain, with its per-sample shape.
    Act(Vec<usize>),
    Const(Constant),
    /// Derived from the class scores by post-processing (dropped).
    Post,
    /// A recurrent layer's input or output on its way to or from the chain ([`recurrent`]).
    Rnn(Rnn),
    /// Computed from the activation's shape (PyTorch's zero initial states).
    Derived(Derived),
}

/// Reads and imports an `.onnx` file.
pub fn import_file(path: &Path) -> Result<Graph> {
    let bytes = std::fs::read(path).map_err(|source| OnnxError::Io { path: path.display().to_string(), source })?;
    let dir = path.parent().map(|d| if d.as_os_str().is_empty() { Path::new(".") } else { d });
    import_model(&decode(&bytes)?, dir)
}

/// Imports an ONNX model from its bytes (weights in external data files cannot be read this
/// way: use [`import_file`]).
pub fn import_bytes(bytes: &[u8]) -> Result<Graph> {
    import_model(&decode(bytes)?, None)
}

fn decode(bytes: &[u8]) -> Result<ModelProto> {
    if bytes.is_empty() {
        return Err(OnnxError::NotOnnx("the file is empty".into()));
    }
    decode_model(bytes).map_err(|e| {
        OnnxError::NotOnnx(format!("the protobuf does not decode ({e}); the file is truncated, corrupted, or not an .onnx file"))
    })
}

/// Imports a decoded model; external data files are read from `model_dir`.
pub fn import_model(model: &ModelProto, model_dir: Option<&Path>) -> Result<Graph> {
    if !(1..=100).contains(&model.ir_version) {
        return Err(OnnxError::NotOnnx(format!(
            "ir_version = {} (an ONNX file has a positive IR version); the file is truncated, corrupted, or not an .onnx file",
            model.ir_version
        )));
    }
    let graph = model.graph.as_ref().ok_or_else(|| OnnxError::NotOnnx("the model has no graph".into()))?;
    let opset = model
        .opset_import
        .iter()
        .find(|o| o.domain.is_empty() || o.domain == "ai.onnx")
        .map(|o| o.version)
        .ok_or_else(|| OnnxError::NotOnnx("the model declares no opset for the default ONNX domain (opset_import); the file is truncated or not a valid ONNX model".into()))?;
    let producer = format!("{} {}", model.producer_name, model.producer_version).trim().to_string();

    let mut values: HashMap<String, Value> = HashMap::new();
    for t in &graph.initializer {
        if t.name.is_empty() {
            return Err(OnnxError::Tensor { name: "(unnamed)".into(), detail: "an initializer has no name".into() });
        }
        values.insert(t.name.clone(), Value::Const(Constant::from_proto(t, &t.name, model_dir)?));
    }

    // the data input: inputs that are not initializers (IR < 4 lists initializers as inputs too)
    let data_inputs: Vec<&ValueInfoProto> = graph.input.iter().filter(|i| !values.contains_key(&i.name)).collect();
    let input = match data_inputs[..] {
        [one] => one,
        _ => {
            let names: Vec<&str> = data_inputs.iter().map(|i| i.name.as_str()).collect();
            return Err(OnnxError::Input(format!(
                "the graph has {} data inputs {names:?}; zkpot imports models with exactly one input tensor",
                names.len()
            )));
        }
    };
    let (batch, input_shape) = input_shape(input)?;
    let mut notes = Vec::new();
    if let Batch::Dynamic(name) = &batch {
        notes.push(format!("input '{}' has a dynamic batch dimension '{name}'; samples are evaluated one at a time", input.name));
    }

    values.insert(input.name.clone(), Value::Act(input_shape.clone()));
    let mut current = input.name.clone();
    let mut layers: Vec<Layer> = Vec::new();
    let mut scores: Option<String> = None;
    let mut dropped: Vec<String> = Vec::new();

    for (index, proto) in graph.node.iter().enumerate() {
        let node = Node::new(proto, index);
        if !matches!(proto.domain.as_str(), "" | "ai.onnx" | "ai.onnx.ml") {
            return Err(node.unsupported_op(format!(" (custom operator domain '{}')", proto.domain)));
        }
        let domain = if proto.domain.is_empty() { "ai.onnx" } else { proto.domain.as_str() };
        if !model.opset_import.iter().any(|o| o.domain == domain || (o.domain.is_empty() && domain == "ai.onnx")) {
            return Err(OnnxError::NotOnnx(format!(
                "node '{}' uses operator domain '{domain}', which the model does not declare in opset_import; the file is truncated or not a valid ONNX model",
                node.label
            )));
        }
        if node.op() == "Constant" {
            let out = proto.output.first().filter(|o| !o.is_empty()).ok_or_else(|| node.structure("has no output"))?;
            let t = node.tensor("value")?.ok_or_else(|| {
                node.unsupported_attr(proto.attribute.first().map_or("(none)", |a| a.name.as_str()), "(present)", "value (a tensor)")
            })?;
            values.insert(out.clone(), Value::Const(Constant::from_proto(t, out, model_dir)?));
            continue;
        }
        let recurrent_side = matches!(node.op(), "LSTM" | "GRU" | "Shape")
            || proto.input.iter().any(|i| matches!(values.get(i), Some(Value::Rnn(_) | Value::Derived(_))))
            || (matches!(node.op(), "Transpose" | "Gather") && proto.input.first() == Some(&current));
        if recurrent_side {
            let first_out = proto.output.first().filter(|o| !o.is_empty()).ok_or_else(|| node.structure("has no output"))?.clone();
            let outcome = {
                let ins = proto
                    .input
                    .iter()
                    .map(|name| match values.get(name) {
                        _ if name.is_empty() => Ok(In::Absent),
                        None => Err(unknown_input(&node, name)),
                        Some(Value::Const(c)) => Ok(In::Const(c)),
                        Some(Value::Act(s)) if name == &current => Ok(In::Act(s)),
                        Some(Value::Act(_)) => Err(node.structure(format!("reads '{name}', which is not the output of the layer just before it; zkpot imports a chain of layers"))),
                        Some(Value::Rnn(r)) => Ok(In::Rnn(r)),
                        Some(Value::Derived(d)) => Ok(In::Derived(d)),
                        Some(Value::Post) => Err(node.structure("mixes post-processed values with the model's activations")),
                    })
                    .collect::<Result<Vec<In>>>()?;
                let only_derived = ins.iter().all(|a| matches!(a, In::Const(_) | In::Derived(_) | In::Absent)) && ins.iter().any(|a| matches!(a, In::Derived(_)));
                if node.op() == "Shape" {
                    Err(Derived::Shape)
                } else if only_derived && !matches!(node.op(), "LSTM" | "GRU") {
                    Err(recurrent::derived(&node, &ins)?)
                } else {
                    Ok(recurrent::step(&node, proto, &ins, &layers)?)
                }
            };
            let put = |values: &mut HashMap<String, Value>, outs: Vec<Option<Rnn>>| {
                for (name, v) in proto.output.iter().zip(outs) {
                    if let (false, Some(v)) = (name.is_empty(), v) {
                        values.insert(name.clone(), Value::Rnn(v));
                    }
                }
            };
            match outcome {
                Err(derived) => {
                    values.insert(first_out, Value::Derived(derived));
                    continue;
                }
                Ok(Step::Values(outs)) => put(&mut values, outs),
                Ok(Step::Layer(layer, outs)) => {
                    layers.push(layer);
                    put(&mut values, outs);
                }
                Ok(Step::Act { shape, last_step }) => {
                    if last_step {
                        if let Some(Layer { op: Op::Recurrent { sequence_output, hidden, .. }, output_shape, .. }) = layers.last_mut() {
                            *sequence_output = false;
                            *output_shape = vec![*hidden];
                        }
                    }
                    values.insert(first_out.clone(), Value::Act(shape));
                }
            }
            current = first_out;
            continue;
        }
        let mut args = Vec::with_capacity(proto.input.len());
        let mut post_input = false;
        let mut act_input: Option<&str> = None;
        for name in &proto.input {
            if name.is_empty() {
                args.push(Arg::Absent);
                continue;
            }
            match values.get(name) {
                None => return Err(unknown_input(&node, name)),
                Some(Value::Const(c)) => args.push(Arg::Const(c)),
                Some(Value::Post) => {
                    post_input = true;
                    args.push(Arg::Absent);
                }
                Some(Value::Rnn(_) | Value::Derived(_)) => return Err(node.structure(format!("reads '{name}' (internal: a recurrent value outside the recurrent path)"))),
                Some(Value::Act(_)) => {
                    if act_input.is_some_and(|a| a != name) || name != &current {
                        return Err(node.structure(format!(
                            "reads '{name}', which is not the output of the layer just before it; zkpot imports a chain of layers (no branches or skip connections)"
                        )));
                    }
                    act_input = Some(name);
                    args.push(Arg::Act);
                }
            }
        }
        let first_out = proto.output.first().filter(|o| !o.is_empty()).ok_or_else(|| node.structure("has no output"))?.clone();

        // post-processing: started by Softmax/ArgMax on the scores, continued on derived values
        let starts_post = POST_PROCESSING_START.contains(&node.op()) && act_input.is_some() && !post_input;
        if post_input || starts_post {
            if !POST_PROCESSING.contains(&node.op()) {
                return Err(node.structure(
                    "computes on post-processed scores (after Softmax/ArgMax); only label and probability outputs may follow the scores",
                ));
            }
            if post_input && act_input.is_some() {
                return Err(node.structure("mixes post-processed values with the model's activations"));
            }
            if starts_post {
                if scores.as_ref().is_some_and(|s| s != &current) {
                    return Err(node.structure("post-processing is applied to two different tensors"));
                }
                scores = Some(current.clone());
            }
            if node.op() == "ArrayFeatureExtractor" {
                check_class_labels(&node, &args)?;
            }
            dropped.push(format!("{} ({})", node.op(), node.label));
            for out in proto.output.iter().filter(|o| !o.is_empty()) {
                values.insert(out.clone(), Value::Post);
            }
            continue;
        }
        if scores.is_some() {
            return Err(node.structure("follows the model's post-processing; zkpot imports a chain of layers ending in class scores"));
        }
        if act_input.is_none() {
            return Err(node.structure(
                "computes only on constants (e.g. a shape computation); export with constant folding (torch.onnx.export(..., do_constant_folding=True))",
            ));
        }
        let Some(Value::Act(x)) = values.get(&current) else {
            return Err(node.structure("internal: the chain's activation is missing"));
        };
        let x = x.clone();
        match build(&node, &args, &x, &batch)? {
            Built::Skip => {
                values.insert(first_out.clone(), Value::Act(x));
            }
            Built::Layer(op, out) => {
                check_size(&out).map_err(|d| node.shape_err(d))?;
                layers.push(Layer { node: node.label.clone(), onnx_op: node.op().to_string(), op, input_shape: x, output_shape: out.clone() });
                values.insert(first_out.clone(), Value::Act(out));
            }
        }
        current = first_out;
    }

    let output_name = outputs(graph.output.as_slice(), &values, &current, scores.as_deref())?;
    if !dropped.is_empty() {
        notes.push(format!(
            "dropped post-processing after the class scores '{output_name}' (it does not change the argmax): {}",
            dropped.join(", ")
        ));
    }
    if layers.is_empty() {
        return Err(OnnxError::Output("the graph has no layers between its input and its output".into()));
    }
    Ok(Graph {
        producer,
        opset,
        graph_name: graph.name.clone(),
        input_name: input.name.clone(),
        batch,
        input_shape,
        output_name,
        layers,
        notes,
    })
}

/// Batch dimension and per-sample shape of the graph input, which must be a float tensor.
fn input_shape(input: &ValueInfoProto) -> Result<(Batch, Vec<usize>)> {
    let name = &input.name;
    let tt = input
        .r#type
        .as_ref()
        .and_then(|t| t.tensor_type.as_ref())
        .ok_or_else(|| OnnxError::Input(format!("'{name}' is not a tensor")))?;
    if tt.elem_type != data_type::FLOAT {
        return Err(OnnxError::Input(format!(
            "'{name}' has element type {}; zkpot imports models with a FLOAT input",
            data_type::name(tt.elem_type)
        )));
    }
    let dims = &tt.shape.as_ref().ok_or_else(|| OnnxError::Input(format!("'{name}' has no shape")))?.dim;
    let Some((first, rest)) = dims.split_first() else {
        return Err(OnnxError::Input(format!("'{name}' is a scalar; expected [batch, features] or [batch, C, H, W]")));
    };
    if rest.is_empty() {
        return Err(OnnxError::Input(format!("'{name}' has rank 1; expected a batch dimension first, e.g. [batch, features]")));
    }
    let batch = match (first.dim_value, &first.dim_param) {
        (Some(n), _) if n > 0 => Batch::Fixed(n as usize),
        (_, Some(p)) if !p.is_empty() => Batch::Dynamic(p.clone()),
        _ => Batch::Dynamic("?".into()),
    };
    let mut shape = Vec::with_capacity(rest.len());
    for (i, d) in rest.iter().enumerate() {
        match (d.dim_value, &d.dim_param) {
            (Some(n), _) if n > 0 => shape.push(n as usize),
            (_, Some(p)) if !p.is_empty() => {
                return Err(OnnxError::Input(format!(
                    "'{name}' dimension {} is dynamic ('{p}'); only the first (batch) dimension may be",
                    i + 1
                )))
            }
            _ => return Err(OnnxError::Input(format!("'{name}' dimension {} has no fixed size", i + 1))),
        }
    }
    check_size(&shape).map_err(|d| OnnxError::Input(format!("'{name}': {d}")))?;
    Ok((batch, shape))
}

/// Most values one sample may have at any layer (keeps the float reference's memory bounded
/// whatever a file declares).
pub const MAX_VALUES_PER_SAMPLE: usize = 1 << 26;

fn check_size(shape: &[usize]) -> std::result::Result<(), String> {
    match shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)) {
        Some(n) if n <= MAX_VALUES_PER_SAMPLE => Ok(()),
        _ => Err(format!("per-sample shape {shape:?} has more than {MAX_VALUES_PER_SAMPLE} values")),
    }
}

/// The class-score tensor: the single output, or the tensor all outputs are post-processed from.
fn outputs(outs: &[ValueInfoProto], values: &HashMap<String, Value>, current: &str, scores: Option<&str>) -> Result<String> {
    if outs.is_empty() {
        return Err(OnnxError::Output("the graph has no outputs".into()));
    }
    for o in outs {
        match values.get(&o.name) {
            Some(Value::Post) => {}
            Some(Value::Act(_)) if o.name == current => {}
            Some(Value::Act(_)) => {
                return Err(OnnxError::Output(format!(
                    "'{}' is an intermediate activation; zkpot imports models whose outputs are the class scores (or values post-processed from them)",
                    o.name
                )))
            }
            Some(Value::Const(_)) => return Err(OnnxError::Output(format!("'{}' is a constant", o.name))),
            Some(Value::Rnn(_) | Value::Derived(_)) => {
                return Err(OnnxError::Output(format!(
                    "'{}' is a recurrent layer's state or sequence (or a shape computation); zkpot imports models whose only output is the class scores",
                    o.name
                )))
            }
            None => return Err(OnnxError::Output(format!("'{}' is not computed by any node", o.name))),
        }
    }
    match scores {
        Some(s) => Ok(s.to_string()),
        None if outs.len() == 1 => Ok(current.to_string()),
        None => Err(OnnxError::Output(format!("the graph has {} outputs; zkpot imports models with one score output", outs.len()))),
    }
}

/// `ArrayFeatureExtractor(classes, argmax)` maps class indices to labels: zkpot's labels are the
/// indices, so the classes must be `0..n`.
fn check_class_labels(node: &Node, args: &[Arg]) -> Result<()> {
    if let Some(Arg::Const(c)) = args.first() {
        let ok = c.ints("the class labels").map(|v| v.iter().enumerate().all(|(i, &l)| l == i as i64));
        if !matches!(ok, Ok(true)) {
            return Err(node.structure(format!(
                "maps the argmax to class labels '{}' that are not 0, 1, 2, ...; zkpot's labels are class indices (train with labels 0..n-1)",
                c.name
            )));
        }
    }
    Ok(())
}
