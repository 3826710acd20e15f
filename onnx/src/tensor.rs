//! Constant tensors (initializers and `Constant` nodes): decoding a `TensorProto`'s data from
//! `raw_data` or its typed fields, with every length checked before anything is allocated.

use crate::error::{OnnxError, Result};
use crate::proto::{data_type, TensorProto};

/// The data of a constant tensor.
#[derive(Clone, Debug, PartialEq)]
pub enum TensorData {
    /// `FLOAT` elements.
    F32(Vec<f32>),
    /// Integer elements (`INT64`, `INT32`), widened.
    Int(Vec<i64>),
    /// Another element type (kept only so that using it gives a clear error).
    Other(i32),
}

/// A constant tensor: its name, dimensions and data (row-major).
#[derive(Clone, Debug, PartialEq)]
pub struct Constant {
    pub name: String,
    pub dims: Vec<usize>,
    /// The element type code (`TensorProto.DataType`).
    pub dtype: i32,
    pub data: TensorData,
}

impl Constant {
    /// Decodes a `TensorProto`.
    pub fn from_proto(t: &TensorProto, name: &str) -> Result<Self> {
        let bad = |detail: String| OnnxError::Tensor { name: name.to_string(), detail };
        if t.data_location == 1 || !t.external_data.is_empty() {
            return Err(bad("its data is stored in an external file, which zkpot does not read (save the model with its weights inside the .onnx file)".into()));
        }
        let mut dims = Vec::with_capacity(t.dims.len());
        let mut numel: usize = 1;
        for &d in &t.dims {
            let d = usize::try_from(d).map_err(|_| bad(format!("negative dimension {d}")))?;
            numel = numel.checked_mul(d).ok_or_else(|| bad("too many elements".into()))?;
            dims.push(d);
        }
        let data = match t.data_type {
            data_type::FLOAT => TensorData::F32(if !t.raw_data.is_empty() || t.float_data.is_empty() && numel > 0 {
                let raw = raw_elements(&t.raw_data, numel, 4).map_err(bad)?;
                raw.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
            } else {
                typed_elements(&t.float_data, numel).map_err(bad)?
            }),
            data_type::INT64 => TensorData::Int(if !t.raw_data.is_empty() || t.int64_data.is_empty() && numel > 0 {
                let raw = raw_elements(&t.raw_data, numel, 8).map_err(bad)?;
                raw.chunks_exact(8)
                    .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                    .collect()
            } else {
                typed_elements(&t.int64_data, numel).map_err(bad)?
            }),
            data_type::INT32 => TensorData::Int(if !t.raw_data.is_empty() || t.int32_data.is_empty() && numel > 0 {
                let raw = raw_elements(&t.raw_data, numel, 4).map_err(bad)?;
                raw.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64).collect()
            } else {
                typed_elements(&t.int32_data, numel).map_err(bad)?.into_iter().map(i64::from).collect()
            }),
            other => TensorData::Other(other),
        };
        Ok(Constant { name: name.to_string(), dims, dtype: t.data_type, data })
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.dims.iter().product()
    }

    /// The float data, or an error saying where a float tensor was needed.
    pub fn floats(&self, used_as: &str) -> Result<&[f32]> {
        match &self.data {
            TensorData::F32(v) => Ok(v),
            _ => Err(OnnxError::DataType {
                name: self.name.clone(),
                dtype: data_type::name(self.dtype).into(),
                detail: format!("{used_as} must be a FLOAT tensor (zkpot imports float32 models; quantization happens in `zkpot quantize`)"),
            }),
        }
    }

    /// The integer data, or an error saying where an integer tensor was needed.
    pub fn ints(&self, used_as: &str) -> Result<&[i64]> {
        match &self.data {
            TensorData::Int(v) => Ok(v),
            _ => Err(OnnxError::DataType {
                name: self.name.clone(),
                dtype: data_type::name(self.dtype).into(),
                detail: format!("{used_as} must be an integer tensor"),
            }),
        }
    }
}

fn raw_elements(raw: &[u8], numel: usize, width: usize) -> std::result::Result<&[u8], String> {
    let want = numel.checked_mul(width).ok_or_else(|| "too many elements".to_string())?;
    if raw.len() != want {
        return Err(format!("raw_data holds {} bytes, but {numel} elements of {width} bytes need {want}", raw.len()));
    }
    Ok(raw)
}

fn typed_elements<T: Copy>(data: &[T], numel: usize) -> std::result::Result<Vec<T>, String> {
    if data.len() != numel {
        return Err(format!("holds {} values, but its dimensions call for {numel}", data.len()));
    }
    Ok(data.to_vec())
}
