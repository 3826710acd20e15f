//! One builder per supported operator: check its inputs and attributes, normalize its weights,
//! and infer its per-sample output shape. Anything outside the supported subset is an error
//! naming the node, the operator and the attribute.

use crate::error::{OnnxError, Result};
use crate::ir::{Batch, Op, Window};
use crate::node::Node;
use crate::tensor::Constant;

/// A node input, resolved: the chain's activation, a constant, or an omitted optional input.
#[derive(Clone, Copy, Debug)]
pub enum Arg<'c> {
    Act,
    Const(&'c Constant),
    Absent,
}

/// What a node becomes.
pub enum Built {
    /// A layer with its per-sample output shape.
    Layer(Op, Vec<usize>),
    /// A no-op at inference (Identity, Dropout, Cast to float): the output is the input.
    Skip,
}

/// Operators that end the model: their input is the score tensor, and they (and whatever is
/// computed from them) are dropped because they do not change the argmax.
pub const POST_PROCESSING_START: &[&str] = &["Softmax", "LogSoftmax", "ArgMax", "ZipMap"];

/// Operators allowed on values derived from the scores (also dropped).
pub const POST_PROCESSING: &[&str] =
    &["Softmax", "LogSoftmax", "ArgMax", "ZipMap", "Identity", "Cast", "Reshape", "Flatten", "ArrayFeatureExtractor", "Squeeze", "Unsqueeze"];

/// Builds the layer for `node` applied to the activation of per-sample shape `x`.
pub fn build(node: &Node, args: &[Arg], x: &[usize], batch: &Batch) -> Result<Built> {
    match node.op() {
        "Gemm" => gemm(node, args, x),
        "MatMul" => matmul(node, args, x),
        "Add" => add(node, args, x),
        "Relu" => {
            node.only_attrs(&[])?;
            Ok(Built::Layer(Op::Relu, x.to_vec()))
        }
        "Conv" => conv(node, args, x),
        "MaxPool" | "AveragePool" => pool(node, x),
        "GlobalAveragePool" => global_average_pool(node, x),
        "Flatten" => flatten(node, x),
        "Reshape" => reshape(node, args, x, batch),
        "Identity" => Ok(Built::Skip),
        "Dropout" => {
            if let Some(Arg::Const(c)) = args.get(2) {
                if c.ints("Dropout's training_mode").ok().is_some_and(|v| v.iter().any(|&b| b != 0)) {
                    return Err(node.unsupported_attr("training_mode", "true", "false (inference)"));
                }
            }
            Ok(Built::Skip)
        }
        "Cast" => {
            let to = node.int("to", 0)?;
            if to != crate::proto::data_type::FLOAT as i64 {
                return Err(node.unsupported_attr("to", crate::proto::data_type::name(to as i32), "FLOAT on a float tensor (a no-op)"));
            }
            Ok(Built::Skip)
        }
        op if POST_PROCESSING_START.contains(&op) => Err(node.structure(
            "post-processing is only dropped at the end of the model; here it is followed by further layers",
        )),
        "Sub" | "Mul" | "Div" | "BatchNormalization" => Err(node.unsupported_op(
            " (supported: Gemm, MatMul, Add, Relu, Conv, MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape, Identity, Dropout, LSTM, GRU; fold normalization into the weights before export)",
        )),
        _ => Err(node.unsupported_op(
            " (supported: Gemm, MatMul, Add, Relu, Conv, MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape, Identity, Dropout, LSTM, GRU, and trailing Softmax/ArgMax post-processing)",
        )),
    }
}

fn fmt_shape(s: &[usize]) -> String {
    format!("[{}]", s.iter().map(usize::to_string).collect::<Vec<_>>().join(", "))
}

/// The constant at argument `i`, or an error saying what it must be.
fn constant<'c>(node: &Node, args: &[Arg<'c>], i: usize, what: &str) -> Result<&'c Constant> {
    match args.get(i) {
        Some(Arg::Const(c)) => Ok(c),
        Some(Arg::Act) => Err(node.structure(format!(
            "its {what} (input {i}) is computed by the graph; zkpot needs it to be a constant initializer (a layer's weights)"
        ))),
        _ => Err(node.structure(format!("its {what} (input {i}) is missing"))),
    }
}

/// Checks that argument 0 is the activation and no other argument is.
fn act_first(node: &Node, args: &[Arg]) -> Result<()> {
    if !matches!(args.first(), Some(Arg::Act)) {
        return Err(node.structure("its first input must be the output of the previous layer"));
    }
    Ok(())
}

/// The flat input width of a dense layer: the per-sample shape must be 1-D.
fn flat_width(node: &Node, x: &[usize]) -> Result<usize> {
    match x {
        [k] => Ok(*k),
        _ => Err(node.shape_err(format!(
            "expects a 2-D input [batch, features], got per-sample shape {} (add a Flatten before it)",
            fmt_shape(x)
        ))),
    }
}

/// A bias of `n` values from a constant broadcastable to `[n]` (shapes `[]`, `[1]`, `[n]`, `[1, n]`).
fn bias_of(node: &Node, c: &Constant, n: usize, scale: f32) -> Result<Vec<f32>> {
    let v = c.floats("a bias")?;
    let ok_shape = c.dims.iter().rev().skip(1).all(|&d| d == 1) && (c.numel() == n || c.numel() == 1);
    if !ok_shape {
        return Err(node.shape_err(format!("bias '{}' has shape {}, expected [{n}] (or broadcastable to it)", c.name, fmt_shape(&c.dims))));
    }
    Ok(if v.len() == 1 { vec![v[0] * scale; n] } else { v.iter().map(|b| b * scale).collect() })
}

fn gemm(node: &Node, args: &[Arg], x: &[usize]) -> Result<Built> {
    node.only_attrs(&["alpha", "beta", "transA", "transB"])?;
    act_first(node, args)?;
    let k = flat_width(node, x)?;
    if node.int("transA", 0)? != 0 {
        return Err(node.unsupported_attr("transA", "1", "0 (the input is [batch, features])"));
    }
    let trans_b = node.int("transB", 0)?;
    if trans_b != 0 && trans_b != 1 {
        return Err(node.unsupported_attr("transB", &trans_b.to_string(), "0, 1"));
    }
    let (alpha, beta) = (node.float("alpha", 1.0)?, node.float("beta", 1.0)?);
    let b = constant(node, args, 1, "weight matrix B")?;
    let w = b.floats("Gemm's B")?;
    let [r, c] = b.dims[..] else {
        return Err(node.shape_err(format!("weight '{}' has shape {}, expected a matrix", b.name, fmt_shape(&b.dims))));
    };
    let (bk, n) = if trans_b == 1 { (c, r) } else { (r, c) };
    if bk != k {
        return Err(node.shape_err(format!(
            "input has {k} features but weight '{}' (shape {}, transB = {trans_b}) expects {bk}",
            b.name,
            fmt_shape(&b.dims)
        )));
    }
    let mut weights = vec![0f32; k * n];
    for i in 0..k {
        for j in 0..n {
            let v = if trans_b == 1 { w[j * k + i] } else { w[i * n + j] };
            weights[i * n + j] = alpha * v;
        }
    }
    let bias = match args.get(2) {
        Some(Arg::Const(cst)) => bias_of(node, cst, n, beta)?,
        Some(Arg::Act) => return Err(node.structure("its bias C (input 2) is computed by the graph; it must be a constant")),
        _ => vec![0.0; n],
    };
    Ok(Built::Layer(Op::Dense { inputs: k, outputs: n, weights, bias }, vec![n]))
}

fn matmul(node: &Node, args: &[Arg], x: &[usize]) -> Result<Built> {
    node.only_attrs(&[])?;
    if matches!(args.first(), Some(Arg::Const(_))) && matches!(args.get(1), Some(Arg::Act)) {
        return Err(node.structure("multiplies a constant by the activation (W x); zkpot imports x W (export with the data on the left)"));
    }
    act_first(node, args)?;
    let k = flat_width(node, x)?;
    let b = constant(node, args, 1, "weight matrix")?;
    let w = b.floats("MatMul's weight")?;
    let [bk, n] = b.dims[..] else {
        return Err(node.shape_err(format!("weight '{}' has shape {}, expected a matrix", b.name, fmt_shape(&b.dims))));
    };
    if bk != k {
        return Err(node.shape_err(format!("input has {k} features but weight '{}' has shape {}", b.name, fmt_shape(&b.dims))));
    }
    Ok(Built::Layer(Op::Dense { inputs: k, outputs: n, weights: w.to_vec(), bias: vec![0.0; n] }, vec![n]))
}

fn add(node: &Node, args: &[Arg], x: &[usize]) -> Result<Built> {
    node.only_attrs(&[])?;
    let c = match (args.first(), args.get(1)) {
        (Some(Arg::Act), Some(Arg::Const(c))) | (Some(Arg::Const(c)), Some(Arg::Act)) => *c,
        (Some(Arg::Act), Some(Arg::Act)) => {
            return Err(node.structure("adds two computed tensors (a residual or branching graph); zkpot imports a chain of layers"))
        }
        _ => return Err(node.structure("expects the previous layer's output and a constant")),
    };
    let v = c.floats("Add's constant")?;
    // numpy broadcasting of c against [batch, x...]: right-aligned, each dim 1 or equal;
    // a dimension over the batch axis must be 1
    let full_rank = x.len() + 1;
    if c.dims.len() > full_rank {
        return Err(node.shape_err(format!("constant '{}' of shape {} has more dimensions than the input [batch] + {}", c.name, fmt_shape(&c.dims), fmt_shape(x))));
    }
    let offset = full_rank - c.dims.len();
    let mut cdims = vec![1usize; x.len()];
    for (ci, &d) in c.dims.iter().enumerate() {
        let fi = ci + offset;
        if fi == 0 {
            if d != 1 {
                return Err(node.shape_err(format!("constant '{}' of shape {} varies along the batch dimension", c.name, fmt_shape(&c.dims))));
            }
            continue;
        }
        if d != 1 && d != x[fi - 1] {
            return Err(node.shape_err(format!("constant '{}' of shape {} does not broadcast to the input [batch] + {}", c.name, fmt_shape(&c.dims), fmt_shape(x))));
        }
        cdims[fi - 1] = d;
    }
    let numel: usize = x.iter().product();
    let mut values = vec![0f32; numel];
    for (flat, out) in values.iter_mut().enumerate() {
        // index into c: walk the per-sample index, using 0 where c has size 1
        let (mut rem, mut ci, mut stride) = (flat, 0usize, 1usize);
        for a in (0..x.len()).rev() {
            let idx = rem % x[a];
            rem /= x[a];
            if cdims[a] != 1 {
                ci += idx * stride;
            }
            stride *= cdims[a];
        }
        *out = v[ci];
    }
    Ok(Built::Layer(Op::AddConst { values }, x.to_vec()))
}

/// Largest pad, stride or pooling kernel accepted (far beyond any real model; keeps shape
/// arithmetic from overflowing on a damaged file).
const MAX_PAD: i64 = 1 << 20;

/// Reads `pads`/`auto_pad` and `strides` for a window of `kernel` over `[_, h, w]`.
fn window(node: &Node, kernel: [usize; 2], x: &[usize]) -> Result<Window> {
    let strides = match node.ints("strides")? {
        None => [1, 1],
        Some(s) => match s[..] {
            [a, b] if (1..=MAX_PAD).contains(&a) && (1..=MAX_PAD).contains(&b) => [a as usize, b as usize],
            _ => return Err(node.unsupported_attr("strides", &format!("{s:?}"), "two positive integers")),
        },
    };
    let auto_pad = node.string("auto_pad")?.unwrap_or_else(|| "NOTSET".into());
    let pads = match auto_pad.as_str() {
        "NOTSET" => match node.ints("pads")? {
            None => [0; 4],
            Some(p) => match p[..] {
                [a, b, c, d] if p.iter().all(|&v| (0..=MAX_PAD).contains(&v)) => [a as usize, b as usize, c as usize, d as usize],
                _ => return Err(node.unsupported_attr("pads", &format!("{p:?}"), "four non-negative integers [top, left, bottom, right]")),
            },
        },
        "VALID" => [0; 4],
        "SAME_UPPER" | "SAME_LOWER" => {
            let mut p = [0; 4];
            for a in 0..2 {
                let n = x[a + 1];
                let out = n.div_ceil(strides[a]);
                let total = ((out - 1) * strides[a] + kernel[a]).saturating_sub(n);
                let (small, big) = (total / 2, total - total / 2);
                (p[a], p[a + 2]) = if auto_pad == "SAME_UPPER" { (small, big) } else { (big, small) };
            }
            p
        }
        other => return Err(node.unsupported_attr("auto_pad", other, "NOTSET, VALID, SAME_UPPER, SAME_LOWER")),
    };
    Ok(Window { kernel, strides, pads })
}

fn image_shape(node: &Node, x: &[usize]) -> Result<[usize; 3]> {
    match x {
        [c, h, w] => Ok([*c, *h, *w]),
        _ => Err(node.shape_err(format!("expects a 4-D input [batch, C, H, W] (2-D images), got per-sample shape {}", fmt_shape(x)))),
    }
}

fn ones(node: &Node, attr: &str) -> Result<()> {
    if let Some(d) = node.ints(attr)? {
        if d.iter().any(|&v| v != 1) {
            return Err(node.unsupported_attr(attr, &format!("{d:?}"), "all 1"));
        }
    }
    Ok(())
}

fn out_shape(node: &Node, win: &Window, channels: usize, h: usize, w: usize) -> Result<Vec<usize>> {
    match (win.out_size(0, h), win.out_size(1, w)) {
        (Some(oh), Some(ow)) => Ok(vec![channels, oh, ow]),
        _ => Err(node.shape_err(format!("kernel {:?} with pads {:?} does not fit the {h}x{w} input", win.kernel, win.pads))),
    }
}

fn conv(node: &Node, args: &[Arg], x: &[usize]) -> Result<Built> {
    node.only_attrs(&["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"])?;
    act_first(node, args)?;
    let [c, h, w] = image_shape(node, x)?;
    let group = node.int("group", 1)?;
    if group != 1 {
        return Err(node.unsupported_attr("group", &group.to_string(), "1 (no grouped or depthwise convolution)"));
    }
    ones(node, "dilations")?;
    let wt = constant(node, args, 1, "weight W")?;
    let weights = wt.floats("Conv's W")?;
    let [m, wc, kh, kw] = wt.dims[..] else {
        return Err(node.shape_err(format!("weight '{}' has shape {}, expected [M, C, kH, kW]", wt.name, fmt_shape(&wt.dims))));
    };
    if wc != c {
        return Err(node.shape_err(format!("input has {c} channels but weight '{}' (shape {}) expects {wc}", wt.name, fmt_shape(&wt.dims))));
    }
    if let Some(ks) = node.ints("kernel_shape")? {
        if ks != [kh as i64, kw as i64] {
            return Err(node.shape_err(format!("kernel_shape {ks:?} differs from the weight's {kh}x{kw}")));
        }
    }
    let bias = match args.get(2) {
        Some(Arg::Const(b)) => {
            let v = b.floats("Conv's bias B")?;
            if v.len() != m {
                return Err(node.shape_err(format!("bias '{}' has {} values for {m} output channels", b.name, v.len())));
            }
            v.to_vec()
        }
        Some(Arg::Act) => return Err(node.structure("its bias (input 2) is computed by the graph; it must be a constant")),
        _ => vec![0.0; m],
    };
    let window = window(node, [kh, kw], x)?;
    let out = out_shape(node, &window, m, h, w)?;
    Ok(Built::Layer(Op::Conv { in_channels: c, out_channels: m, window, weights: weights.to_vec(), bias }, out))
}

fn pool(node: &Node, x: &[usize]) -> Result<Built> {
    let avg = node.op() == "AveragePool";
    let known: &[&str] = if avg {
        &["auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"]
    } else {
        &["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"]
    };
    node.only_attrs(known)?;
    if node.proto.output.iter().skip(1).any(|o| !o.is_empty()) {
        return Err(node.structure("its Indices output is used; zkpot imports pooling values only"));
    }
    let [c, h, w] = image_shape(node, x)?;
    let kernel = match node.ints("kernel_shape")? {
        Some(k) => match k[..] {
            [a, b] if (1..=MAX_PAD).contains(&a) && (1..=MAX_PAD).contains(&b) => [a as usize, b as usize],
            _ => return Err(node.unsupported_attr("kernel_shape", &format!("{k:?}"), "two positive integers")),
        },
        None => return Err(node.structure("attribute kernel_shape is missing")),
    };
    let ceil = node.int("ceil_mode", 0)?;
    if ceil != 0 {
        return Err(node.unsupported_attr("ceil_mode", &ceil.to_string(), "0 (floor)"));
    }
    ones(node, "dilations")?;
    let window = window(node, kernel, x)?;
    if window.pads[0].max(window.pads[2]) >= kernel[0] || window.pads[1].max(window.pads[3]) >= kernel[1] {
        return Err(node.unsupported_attr("pads", &format!("{:?}", window.pads), "pads smaller than the kernel"));
    }
    let out = out_shape(node, &window, c, h, w)?;
    let op = if avg {
        let cip = node.int("count_include_pad", 0)?;
        Op::AveragePool { window, count_include_pad: cip != 0 }
    } else {
        Op::MaxPool { window }
    };
    Ok(Built::Layer(op, out))
}

fn global_average_pool(node: &Node, x: &[usize]) -> Result<Built> {
    node.only_attrs(&[])?;
    let [c, h, w] = image_shape(node, x)?;
    let window = Window { kernel: [h, w], strides: [1, 1], pads: [0; 4] };
    Ok(Built::Layer(Op::AveragePool { window, count_include_pad: false }, vec![c, 1, 1]))
}

fn flatten(node: &Node, x: &[usize]) -> Result<Built> {
    node.only_attrs(&["axis"])?;
    let rank = x.len() as i64 + 1;
    let axis = node.int("axis", 1)?;
    let axis = if axis < 0 { axis + rank } else { axis };
    if axis != 1 {
        return Err(node.unsupported_attr("axis", &axis.to_string(), "1 (keep the batch dimension, flatten the rest)"));
    }
    Ok(Built::Layer(Op::Reshape, vec![x.iter().product()]))
}

fn reshape(node: &Node, args: &[Arg], x: &[usize], batch: &Batch) -> Result<Built> {
    node.only_attrs(&["allowzero"])?;
    act_first(node, args)?;
    let target = constant(node, args, 1, "target shape")?.ints("Reshape's shape")?;
    let allowzero = node.int("allowzero", 0)? != 0;
    if allowzero && target.contains(&0) {
        return Err(node.unsupported_attr("allowzero", "1 with a 0 in the shape", "0"));
    }
    let Some((&first, rest)) = target.split_first() else {
        return Err(node.shape_err("reshapes to a scalar, which drops the batch dimension"));
    };
    let numel: usize = x.iter().product();
    // the batch dimension must stay the batch dimension
    let known_rest: Option<usize> =
        rest.iter().enumerate().try_fold(1usize, |acc, (i, &d)| if d > 0 { acc.checked_mul(d as usize) } else if d == 0 { x.get(i).and_then(|v| acc.checked_mul(*v)) } else { Some(acc) });
    let keeps_batch = match first {
        0 => true,
        -1 => !rest.contains(&-1) && known_rest == Some(numel),
        n if n > 0 => matches!(batch, Batch::Fixed(b) if *b as i64 == n),
        _ => false,
    };
    if !keeps_batch {
        return Err(node.shape_err(format!(
            "target shape {target:?} does not keep the batch dimension ({batch}) first; export with a batch-preserving flatten (e.g. torch.flatten(x, 1) or nn.Flatten())"
        )));
    }
    let mut out = Vec::with_capacity(rest.len());
    let mut infer = None;
    for (i, &d) in rest.iter().enumerate() {
        match d {
            0 => out.push(*x.get(i).ok_or_else(|| node.shape_err(format!("target shape {target:?} copies input dimension {} which does not exist", i + 1)))?),
            -1 if infer.is_none() => {
                infer = Some(i);
                out.push(1);
            }
            d if d > 0 => out.push(d as usize),
            _ => return Err(node.shape_err(format!("target shape {target:?} is not valid"))),
        }
    }
    let too_big = || node.shape_err(format!("target shape {target:?} is too large"));
    let known = out.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)).ok_or_else(too_big)?;
    if let Some(i) = infer {
        if known == 0 || numel % known != 0 {
            return Err(node.shape_err(format!("cannot reshape per-sample shape {} to {target:?}", fmt_shape(x))));
        }
        out[i] = numel / known;
    }
    if out.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)).ok_or_else(too_big)? != numel {
        return Err(node.shape_err(format!("cannot reshape per-sample shape {} ({numel} values) to {target:?}", fmt_shape(x))));
    }
    Ok(Built::Layer(Op::Reshape, out))
}

/// An error for a node whose input is missing from the graph.
pub fn unknown_input(node: &Node, name: &str) -> OnnxError {
    OnnxError::UnknownInput { node: node.label.clone(), op: node.op().to_string(), name: name.to_string() }
}
