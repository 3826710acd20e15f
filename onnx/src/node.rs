//! A node as the importer sees it: its display name (the ONNX name, or its position and first
//! output when unnamed), typed attribute access with defaults, and error constructors that name
//! the node and its operator.

use crate::error::OnnxError;
use crate::proto::{attribute_type, AttributeProto, NodeProto};

/// A node with the label used in every message about it.
pub struct Node<'a> {
    pub proto: &'a NodeProto,
    pub label: String,
}

impl<'a> Node<'a> {
    /// Wraps node number `index` of the graph.
    pub fn new(proto: &'a NodeProto, index: usize) -> Self {
        let label = if !proto.name.is_empty() {
            proto.name.clone()
        } else {
            match proto.output.first() {
                Some(out) if !out.is_empty() => format!("#{index}, output {out}"),
                _ => format!("#{index}"),
            }
        };
        Node { proto, label }
    }

    /// The operator type, e.g. `Gemm`.
    pub fn op(&self) -> &str {
        &self.proto.op_type
    }

    fn attr(&self, name: &str) -> Option<&'a AttributeProto> {
        self.proto.attribute.iter().find(|a| a.name == name)
    }

    fn check_type(&self, a: &AttributeProto, want: i32, what: &str) -> Result<(), OnnxError> {
        // type 0 (UNDEFINED) comes from writers that omit it; trust the field that is set
        if a.r#type != 0 && a.r#type != want {
            return Err(self.unsupported_attr(&a.name, &format!("(attribute type {})", a.r#type), what));
        }
        Ok(())
    }

    /// An integer attribute, or `default` when absent.
    pub fn int(&self, name: &str, default: i64) -> Result<i64, OnnxError> {
        match self.attr(name) {
            None => Ok(default),
            Some(a) => {
                self.check_type(a, attribute_type::INT, "an integer")?;
                Ok(a.i)
            }
        }
    }

    /// A float attribute, or `default` when absent.
    pub fn float(&self, name: &str, default: f32) -> Result<f32, OnnxError> {
        match self.attr(name) {
            None => Ok(default),
            Some(a) => {
                self.check_type(a, attribute_type::FLOAT, "a float")?;
                Ok(a.f)
            }
        }
    }

    /// An integer-list attribute, or `None` when absent.
    pub fn ints(&self, name: &str) -> Result<Option<Vec<i64>>, OnnxError> {
        match self.attr(name) {
            None => Ok(None),
            Some(a) => {
                self.check_type(a, attribute_type::INTS, "a list of integers")?;
                Ok(Some(a.ints.clone()))
            }
        }
    }

    /// A string attribute, or `None` when absent.
    pub fn string(&self, name: &str) -> Result<Option<String>, OnnxError> {
        match self.attr(name) {
            None => Ok(None),
            Some(a) => {
                self.check_type(a, attribute_type::STRING, "a string")?;
                Ok(Some(String::from_utf8_lossy(&a.s).into_owned()))
            }
        }
    }

    /// The tensor attribute `name`, if present.
    pub fn tensor(&self, name: &str) -> Result<Option<&'a crate::proto::TensorProto>, OnnxError> {
        match self.attr(name) {
            None => Ok(None),
            Some(a) => {
                self.check_type(a, attribute_type::TENSOR, "a tensor")?;
                Ok(a.t.as_ref())
            }
        }
    }

    /// Rejects attributes this importer does not know for the operator (so that none is
    /// silently ignored).
    pub fn only_attrs(&self, known: &[&str]) -> Result<(), OnnxError> {
        for a in &self.proto.attribute {
            if !known.contains(&a.name.as_str()) {
                return Err(self.unsupported_attr(&a.name, "(present)", &format!("only {}", if known.is_empty() { "no attributes".to_string() } else { known.join(", ") })));
            }
        }
        Ok(())
    }

    /// The non-empty input names (an empty name marks an omitted optional input).
    pub fn inputs(&self) -> impl Iterator<Item = &'a str> {
        self.proto.input.iter().map(String::as_str).filter(|s| !s.is_empty())
    }

    /// An unsupported attribute value.
    pub fn unsupported_attr(&self, attr: &str, value: &str, supported: &str) -> OnnxError {
        OnnxError::UnsupportedAttribute {
            node: self.label.clone(),
            op: self.op().to_string(),
            attr: attr.to_string(),
            value: value.to_string(),
            supported: supported.to_string(),
        }
    }

    /// A shape mismatch at this node.
    pub fn shape_err(&self, detail: impl Into<String>) -> OnnxError {
        OnnxError::Shape { node: self.label.clone(), op: self.op().to_string(), detail: detail.into() }
    }

    /// A graph-structure problem at this node.
    pub fn structure(&self, detail: impl Into<String>) -> OnnxError {
        OnnxError::Structure { node: self.label.clone(), op: self.op().to_string(), detail: detail.into() }
    }

    /// An operator zkpot does not import.
    pub fn unsupported_op(&self, hint: impl Into<String>) -> OnnxError {
        OnnxError::UnsupportedOp { node: self.label.clone(), op: self.op().to_string(), hint: hint.into() }
    }
}
