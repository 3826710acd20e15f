//! Constant tensors (initializers and `Constant` nodes): decoding a `TensorProto`'s data from
//! `raw_data`, its typed fields, or an external data file beside the model (PyTorch's default
//! exporter writes `model.onnx.data`), with every length checked before anything is allocated.

use crate::error::{OnnxError, Result};
use crate::proto::{data_type, TensorProto};
use std::borrow::Cow;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Component, Path};

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
    /// Decodes a `TensorProto`; `model_dir` is the directory external data files are read from
    /// (`None` when the model came as bytes without a file).
    pub fn from_proto(t: &TensorProto, name: &str, model_dir: Option<&Path>) -> Result<Self> {
        let bad = |detail: String| OnnxError::Tensor { name: name.to_string(), detail };
        let raw_data: Cow<[u8]> = if t.data_location == 1 || !t.external_data.is_empty() {
            Cow::Owned(read_external(t, model_dir).map_err(bad)?)
        } else {
            Cow::Borrowed(&t.raw_data)
        };
        let mut dims = Vec::with_capacity(t.dims.len());
        let mut numel: usize = 1;
        for &d in &t.dims {
            let d = usize::try_from(d).map_err(|_| bad(format!("negative dimension {d}")))?;
            numel = numel.checked_mul(d).ok_or_else(|| bad("too many elements".into()))?;
            dims.push(d);
        }
        let data = match t.data_type {
            data_type::FLOAT => TensorData::F32(if !raw_data.is_empty() || t.float_data.is_empty() && numel > 0 {
                let raw = raw_elements(&raw_data, numel, 4).map_err(bad)?;
                raw.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
            } else {
                typed_elements(&t.float_data, numel).map_err(bad)?
            }),
            data_type::INT64 => TensorData::Int(if !raw_data.is_empty() || t.int64_data.is_empty() && numel > 0 {
                let raw = raw_elements(&raw_data, numel, 8).map_err(bad)?;
                raw.chunks_exact(8)
                    .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                    .collect()
            } else {
                typed_elements(&t.int64_data, numel).map_err(bad)?
            }),
            data_type::INT32 => TensorData::Int(if !raw_data.is_empty() || t.int32_data.is_empty() && numel > 0 {
                let raw = raw_elements(&raw_data, numel, 4).map_err(bad)?;
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

/// The bytes of an external-data tensor: `location` (relative to the model's directory, inside
/// it), `offset` and `length` (the rest of the file when absent).
fn read_external(t: &TensorProto, model_dir: Option<&Path>) -> std::result::Result<Vec<u8>, String> {
    let entry = |key: &str| t.external_data.iter().find(|e| e.key == key).map(|e| e.value.as_str());
    let location = entry("location").ok_or("its data is marked external but names no location")?;
    let rel = Path::new(location);
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err(format!("its external data location '{location}' is not a plain relative path inside the model's directory"));
    }
    let dir = model_dir.ok_or_else(|| {
        format!("its data is stored in the external file '{location}'; import the model from its file so that the data file beside it can be read")
    })?;
    let path = dir.join(rel);
    let num = |key: &str| -> std::result::Result<Option<u64>, String> {
        entry(key).map(|v| v.parse::<u64>().map_err(|_| format!("external data {key} '{v}' is not a number"))).transpose()
    };
    let (offset, length) = (num("offset")?.unwrap_or(0), num("length")?);
    let mut file = std::fs::File::open(&path).map_err(|e| format!("cannot read its external data file {}: {e}", path.display()))?;
    let size = file.metadata().map_err(|e| format!("cannot read {}: {e}", path.display()))?.len();
    let length = length.unwrap_or(size.saturating_sub(offset));
    if offset.checked_add(length).is_none_or(|end| end > size) {
        return Err(format!("its external data (offset {offset}, length {length}) lies beyond the end of {} ({size} bytes)", path.display()));
    }
    let mut buf = vec![0u8; length as usize];
    file.seek(SeekFrom::Start(offset))
        .and_then(|_| file.read_exact(&mut buf))
        .map_err(|e| format!("cannot read its external data from {}: {e}", path.display()))?;
    Ok(buf)
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
