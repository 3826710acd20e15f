//! Recurrent models: ONNX `LSTM` and `GRU` nodes with the plumbing PyTorch exports around
//! them, turned into recurrent layers of the chain.
//!
//! The supported subset (anything else is refused naming the node):
//! * `LSTM` / `GRU`: forward direction, `layout = 0`, default activations, no `clip`, no
//!   peepholes, `input_forget = 0`; GRU with `linear_before_reset = 1` (PyTorch's GRU); weights
//!   `W`, `R`, `B` constant; `sequence_lens` absent; initial states absent or all zero.
//! * Their input: the graph input `[batch, T, I]` after `Transpose(perm = [1, 0, 2])`, or the
//!   previous recurrent layer's `Y` after `Squeeze(axes = [1])` (a stacked layer).
//! * The zero initial states PyTorch computes from the input's shape (`Shape`, `Gather`,
//!   `Unsqueeze`, `Concat`, `Expand`, `ConstantOfShape`, `Slice`): tracked as shape values and
//!   zero tensors, never as layers.
//! * The last hidden state: `Y_h` (squeezed or gathered at index 0/-1, or `h_n[-1]` over the
//!   `Concat` of the stacked layers' `Y_h`), or `Y` at the last time step (`out[:, -1, :]`:
//!   `Squeeze`, `Transpose` to batch first, `Gather(axis = 1, index = -1)`). A batch-first `Y`
//!   that is flattened instead feeds every hidden state to the head.

use crate::error::Result;
use crate::ir::{Layer, Op};
use crate::node::Node;
use crate::proto::NodeProto;
use crate::tensor::Constant;
use zkpot_circuits::layers::Cell;

/// A value on the recurrent side of the walk. `layers` is how many layers the chain had when
/// the value was made: a value may only be used while no layer has been added since (the
/// chain has no branches).
#[derive(Clone, Debug, PartialEq)]
pub enum Rnn {
    /// A time-major sequence `[T, batch, F]`.
    Seq { steps: usize, features: usize, layers: usize },
    /// A recurrent layer's `Y`, `[T, 1, batch, H]`.
    AllStates { steps: usize, hidden: usize, layers: usize },
    /// A recurrent layer's `Y_h`, `[1, batch, H]`.
    Final { hidden: usize, layers: usize },
    /// `Y_h` of stacked layers concatenated, `[L, batch, H]`; `layers` of each.
    Finals { hidden: usize, layers: Vec<usize> },
    /// An LSTM's `Y_c` (the last cell state): not a supported output.
    CellState,
}

/// What a value on the recurrent side (or a shape computation) becomes.
pub enum Derived {
    /// Computed from the activation's shape only (not its values).
    Shape,
    /// An all-zero tensor (PyTorch's initial states).
    Zeros,
}

/// What a recurrent-side node produced.
pub enum Step {
    /// New values for the node's outputs (first output first).
    Values(Vec<Option<Rnn>>),
    /// A new layer; its outputs are `Y`, `Y_h`, `Y_c`.
    Layer(Layer, Vec<Option<Rnn>>),
    /// The chain continues as a plain activation of this per-sample shape from the node's first
    /// output; `sequence_output` of the last layer is cleared when `last_step` (the head reads
    /// only the last hidden state).
    Act { shape: Vec<usize>, last_step: bool },
}

/// An input of a recurrent-side node.
#[derive(Clone, Copy)]
pub enum In<'a> {
    /// The chain's plain activation (batch first) with its per-sample shape.
    Act(&'a [usize]),
    Rnn(&'a Rnn),
    Const(&'a Constant),
    Derived(&'a Derived),
    Absent,
}

fn hint() -> &'static str {
    "after LSTM/GRU zkpot imports Squeeze, Transpose to batch first, Gather or Concat that select the last hidden state, or a stacked LSTM/GRU"
}

/// A constant scalar or one-element list of integers.
fn one_int(node: &Node, c: Option<In>, what: &str) -> Result<i64> {
    match c {
        Some(In::Const(c)) => match c.ints(what)? {
            [v] => Ok(*v),
            _ => Err(node.structure(format!("its {what} must be a single constant integer"))),
        },
        _ => Err(node.structure(format!("its {what} must be a constant"))),
    }
}

/// The `axes` of a Squeeze (attribute before opset 13, input after).
fn squeeze_axes(node: &Node, args: &[In]) -> Result<Vec<i64>> {
    if let Some(a) = node.ints("axes")? {
        return Ok(a);
    }
    match args.get(1) {
        Some(In::Const(c)) => Ok(c.ints("Squeeze's axes")?.to_vec()),
        _ => Err(node.structure("Squeeze without constant axes cannot be imported (name the axis: x.squeeze(1))")),
    }
}

/// Handles a node on the recurrent side: an LSTM/GRU, or a node reading a recurrent value or
/// a `[T, F]` activation to transpose or gather. `layers` is the chain so far.
pub fn step(node: &Node, proto: &NodeProto, args: &[In], layers: &[Layer]) -> Result<Step> {
    let n = layers.len();
    let fresh = |l: usize| -> Result<()> {
        if l != n {
            return Err(node.structure("reads a recurrent output after another layer was added; zkpot imports a chain of layers (no branches)"));
        }
        Ok(())
    };
    let last_recurrent_seq = |steps: usize, hidden: usize| {
        matches!(layers.last(), Some(Layer { op: Op::Recurrent { steps: t, hidden: h, sequence_output: true, .. }, .. }) if *t == steps && *h == hidden)
    };
    match (node.op(), args.first().copied()) {
        ("LSTM" | "GRU", _) => cell(node, proto, args, n),
        ("Transpose", Some(x)) => {
            let perm = node.ints("perm")?.unwrap_or_default();
            if perm != [1, 0, 2] {
                return Err(node.unsupported_attr("perm", &format!("{perm:?}"), "[1, 0, 2] (swapping the batch and time axes of a sequence)"));
            }
            match x {
                In::Act([t, f]) => Ok(Step::Values(vec![Some(Rnn::Seq { steps: *t, features: *f, layers: n })])),
                In::Rnn(Rnn::Seq { steps, features, layers: l }) => {
                    fresh(*l)?;
                    if *l == 0 || !last_recurrent_seq(*steps, *features) {
                        return Err(node.structure("transposes the time-major input back; nothing to import"));
                    }
                    Ok(Step::Act { shape: vec![*steps, *features], last_step: false })
                }
                _ => Err(node.unsupported_op(format!(" on this tensor ({})", hint()))),
            }
        }
        ("Squeeze", Some(In::Rnn(v))) => {
            let axes = squeeze_axes(node, args)?;
            match (v, axes.as_slice()) {
                (Rnn::AllStates { steps, hidden, layers: l }, [1]) => {
                    fresh(*l)?;
                    Ok(Step::Values(vec![Some(Rnn::Seq { steps: *steps, features: *hidden, layers: *l })]))
                }
                (Rnn::Final { hidden, layers: l }, [0]) => {
                    fresh(*l)?;
                    Ok(Step::Act { shape: vec![*hidden], last_step: true })
                }
                _ => Err(node.unsupported_attr("axes", &format!("{axes:?}"), "1 on Y (the direction axis), 0 on Y_h")),
            }
        }
        ("Gather", Some(x)) => {
            let axis = node.int("axis", 0)?;
            let index = one_int(node, args.get(1).copied(), "index")?;
            let last = |len: usize| index == -1 || index == len as i64 - 1;
            match x {
                // out[:, -1, :] on a batch-first [T, H] output of the last layer
                In::Act([t, h]) if axis == 1 && last(*t) && last_recurrent_seq(*t, *h) => Ok(Step::Act { shape: vec![*h], last_step: true }),
                In::Rnn(Rnn::Seq { steps, features, layers: l }) if axis == 0 && last(*steps) && *l > 0 => {
                    fresh(*l)?;
                    Ok(Step::Act { shape: vec![*features], last_step: true })
                }
                In::Rnn(Rnn::Final { hidden, layers: l }) if axis == 0 && last(1) => {
                    fresh(*l)?;
                    Ok(Step::Act { shape: vec![*hidden], last_step: true })
                }
                In::Rnn(Rnn::Finals { hidden, layers: ls }) if axis == 0 && last(ls.len()) => {
                    fresh(*ls.last().unwrap_or(&usize::MAX))?;
                    Ok(Step::Act { shape: vec![*hidden], last_step: true })
                }
                _ => Err(node.structure(format!(
                    "Gather(axis = {axis}, index = {index}) does not select the last hidden state of the last recurrent layer ({})",
                    hint()
                ))),
            }
        }
        ("Concat", _) => {
            let mut hs = Vec::new();
            let mut width = None;
            for a in args {
                match a {
                    In::Rnn(Rnn::Final { hidden, layers: l }) if width.is_none_or(|w| w == *hidden) => {
                        width = Some(*hidden);
                        hs.push(*l);
                    }
                    _ => return Err(node.structure(format!("concatenates tensors other than the stacked layers' Y_h ({})", hint()))),
                }
            }
            if node.int("axis", 0)? != 0 || !hs.windows(2).all(|w| w[0] < w[1]) {
                return Err(node.structure("concatenates Y_h other than along axis 0 in layer order"));
            }
            Ok(Step::Values(vec![Some(Rnn::Finals { hidden: width.unwrap_or(0), layers: hs })]))
        }
        ("Identity" | "Dropout", Some(In::Rnn(v))) => Ok(Step::Values(vec![Some(v.clone())])),
        _ => Err(node.unsupported_op(format!(" on a recurrent layer's output ({})", hint()))),
    }
}

/// An LSTM or GRU node: checks the subset, normalizes the weights (ONNX layout kept: `W [G H][I]`,
/// `R [G H][H]`, `wb`, `rb`), and emits the layer with `sequence_output` set (cleared later if the
/// head reads only the last hidden state).
fn cell(node: &Node, proto: &NodeProto, args: &[In], n: usize) -> Result<Step> {
    let c = if node.op() == "LSTM" { Cell::Lstm } else { Cell::Gru };
    let known: &[&str] = match c {
        Cell::Lstm => &["hidden_size", "direction", "layout", "activations", "input_forget"],
        Cell::Gru => &["hidden_size", "direction", "layout", "activations", "linear_before_reset"],
    };
    node.only_attrs(known)?;
    if let Some(d) = node.string("direction")? {
        if d != "forward" {
            return Err(node.unsupported_attr("direction", &d, "forward"));
        }
    }
    if node.int("layout", 0)? != 0 {
        return Err(node.unsupported_attr("layout", "1", "0 (PyTorch's export)"));
    }
    if node.int("input_forget", 0)? != 0 {
        return Err(node.unsupported_attr("input_forget", "1", "0"));
    }
    if c == Cell::Gru && node.int("linear_before_reset", 0)? != 1 {
        return Err(node.unsupported_attr("linear_before_reset", "0", "1 (PyTorch's GRU)"));
    }
    if let Some(acts) = node_strings(proto, "activations") {
        let default: &[&str] = if c == Cell::Lstm { &["Sigmoid", "Tanh", "Tanh"] } else { &["Sigmoid", "Tanh"] };
        if acts.iter().map(String::as_str).collect::<Vec<_>>() != default {
            return Err(node.unsupported_attr("activations", &format!("{acts:?}"), &format!("{default:?}")));
        }
    }
    let (steps, input_size, layers) = match args.first() {
        Some(In::Rnn(Rnn::Seq { steps, features, layers })) => (*steps, *features, *layers),
        _ => {
            return Err(node.structure(
                "its input X must be a time-major sequence: the input [batch, T, I] after Transpose(perm = [1, 0, 2]), or the previous LSTM/GRU's Y squeezed",
            ))
        }
    };
    if layers != n {
        return Err(node.structure("reads a sequence after another layer was added; zkpot imports a chain of layers"));
    }
    let hidden = usize::try_from(node.int("hidden_size", 0)?).unwrap_or(0);
    let g = c.gates();
    let weight = |i: usize, what: &str, cols: usize| -> Result<Vec<f32>> {
        match args.get(i) {
            Some(In::Const(k)) => {
                let v = k.floats(what)?;
                if k.dims != [1, g * hidden, cols] {
                    return Err(node.shape_err(format!("{what} '{}' has shape {:?}, expected [1, {}, {cols}]", k.name, k.dims, g * hidden)));
                }
                Ok(v.to_vec())
            }
            _ => Err(node.structure(format!("its {what} (input {i}) must be a constant initializer"))),
        }
    };
    if hidden == 0 {
        return Err(node.unsupported_attr("hidden_size", "(absent or 0)", "a positive hidden size"));
    }
    let w = weight(1, "W", input_size)?;
    let r = weight(2, "R", hidden)?;
    let (wb, rb) = match args.get(3) {
        None | Some(In::Absent) => (vec![0.0; g * hidden], vec![0.0; g * hidden]),
        Some(In::Const(k)) if k.numel() == 2 * g * hidden => {
            let v = k.floats("B")?;
            (v[..g * hidden].to_vec(), v[g * hidden..].to_vec())
        }
        _ => return Err(node.structure(format!("its bias B (input 3) must be a constant of {} values", 2 * g * hidden))),
    };
    if !matches!(args.get(4), None | Some(In::Absent)) {
        return Err(node.structure("sequence_lens (input 4) is not supported: every sequence has the full length"));
    }
    for (i, what) in [(5, "initial_h"), (6, "initial_c")] {
        match args.get(i) {
            None | Some(In::Absent) | Some(In::Derived(Derived::Zeros)) => {}
            Some(In::Const(k)) if k.floats(what).is_ok_and(|v| v.iter().all(|x| *x == 0.0)) => {}
            _ => return Err(node.structure(format!("its {what} (input {i}) must be absent or zero"))),
        }
    }
    if !matches!(args.get(7), None | Some(In::Absent)) {
        return Err(node.unsupported_attr("P (peepholes)", "(present)", "none"));
    }
    let op = Op::Recurrent { cell: c, steps, input_size, hidden, sequence_output: true, w, r, wb, rb };
    let layer = Layer { node: node.label.clone(), onnx_op: node.op().to_string(), op, input_shape: vec![steps, input_size], output_shape: vec![steps, hidden] };
    let l = n + 1;
    Ok(Step::Layer(
        layer,
        vec![Some(Rnn::AllStates { steps, hidden, layers: l }), Some(Rnn::Final { hidden, layers: l }), (c == Cell::Lstm).then_some(Rnn::CellState)],
    ))
}

/// A strings attribute, if present.
fn node_strings(proto: &NodeProto, name: &str) -> Option<Vec<String>> {
    proto.attribute.iter().find(|a| a.name == name).map(|a| a.strings.iter().map(|s| String::from_utf8_lossy(s).into_owned()).collect())
}

/// A node computing on shape values and zero tensors (PyTorch's initial states): what its
/// output is, or an error.
pub fn derived(node: &Node, args: &[In]) -> Result<Derived> {
    let any_zeros = args.iter().any(|a| matches!(a, In::Derived(Derived::Zeros)));
    match node.op() {
        "ConstantOfShape" => {
            let zero = match node.tensor("value")? {
                None => true,
                Some(t) => {
                    let c = Constant::from_proto(t, "ConstantOfShape value", None)?;
                    c.floats("value").map(|v| v.iter().all(|x| *x == 0.0)).unwrap_or(false) || c.ints("value").map(|v| v.iter().all(|x| *x == 0)).unwrap_or(false)
                }
            };
            if !zero {
                return Err(node.structure("fills a tensor with a non-zero value from the input's shape; only zero initial states are supported"));
            }
            Ok(Derived::Zeros)
        }
        "Expand" => match args.first() {
            Some(In::Derived(Derived::Zeros)) => Ok(Derived::Zeros),
            Some(In::Const(c)) if c.floats("Expand's input").is_ok_and(|v| v.iter().all(|x| *x == 0.0)) => Ok(Derived::Zeros),
            _ => Err(node.structure("expands a non-zero tensor to the input's shape; only zero initial states are supported")),
        },
        "Gather" | "Unsqueeze" | "Squeeze" | "Concat" | "Slice" | "Cast" | "Reshape" | "Identity" => {
            Ok(if any_zeros { Derived::Zeros } else { Derived::Shape })
        }
        _ => Err(node.unsupported_op(" on the input's shape (zkpot follows only the shape computations of PyTorch's zero initial states)")),
    }
}
