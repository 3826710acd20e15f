//! Models and data sets named the way the command line and the Python package name them: a file
//! path, JSON text (starting with `{`), or a bundled `@name`.

use crate::error::JobError;
use std::path::Path;
use zkpot_circuits::bundled;
use zkpot_circuits::dataset::{FloatDataset, QuantizedDataset};
use zkpot_circuits::fixed::FixedParams;
use zkpot_circuits::model::{FloatModel, QuantizedModel, FLOAT_MODEL_FORMAT};
use zkpot_circuits::quantize::quantize_model;

/// The JSON text of `source`: itself when it is JSON, else the file it names.
fn text_of(source: &str, what: &str) -> Result<String, JobError> {
    if source.trim_start().starts_with('{') {
        return Ok(source.to_string());
    }
    std::fs::read_to_string(Path::new(source)).map_err(|e| JobError::Invalid(format!("cannot read the {what} file {source}: {e}")))
}

/// With a file's name in front of its parse error (JSON text has none).
fn in_file<T>(source: &str, r: zkpot_circuits::error::Result<T>) -> Result<T, JobError> {
    r.map_err(|e| if source.trim_start().starts_with('{') { e.into() } else { JobError::Invalid(format!("in {source}: {e}")) })
}

/// The bundled float model `name` names (`@digits`, `@breast-cancer`, `@diabetes`,
/// `@mnist-mlp`, `@mnist-cnn`, `@mnist-lstm`), if it names one: the one list of bundled models, used by the
/// command line and the Python package.
pub fn bundled_model(name: &str) -> Option<Result<FloatModel, JobError>> {
    let m = match name {
        "@digits" => bundled::digits_model(),
        "@breast-cancer" => bundled::breast_cancer_model(),
        "@diabetes" => bundled::diabetes_model(),
        "@mnist-mlp" => return Some(zkpot_onnx::bundled::mnist_mlp().map_err(Into::into)),
        "@mnist-cnn" => return Some(zkpot_onnx::bundled::mnist_cnn().map_err(Into::into)),
        "@mnist-lstm" => return Some(zkpot_onnx::bundled::mnist_lstm().map_err(Into::into)),
        _ => return None,
    };
    Some(m.map_err(Into::into))
}

/// The bundled float data set `name` names (`@digits-test`, `@digits-full`,
/// `@breast-cancer-test`, `@diabetes-test`, `@mnist-test`, `@mnist-train`), if it names one
/// (see [`bundled_model`]).
pub fn bundled_data(name: &str) -> Option<Result<FloatDataset, JobError>> {
    let d = match name {
        "@mnist-test" => zkpot_circuits::mnist::mnist_test(),
        "@mnist-train" => zkpot_circuits::mnist::mnist_train(),
        "@digits-test" => bundled::digits_test(),
        "@digits-full" => bundled::digits_full(),
        "@breast-cancer-test" => bundled::breast_cancer_test(),
        "@diabetes-test" => bundled::diabetes_test(),
        _ => return None,
    };
    Some(d.map_err(Into::into))
}

/// A float model: a bundled `@name` ([`bundled_model`]), a file or JSON text.
pub fn float_model(source: &str) -> Result<FloatModel, JobError> {
    match bundled_model(source) {
        Some(m) => m,
        None => in_file(source, FloatModel::from_json(&text_of(source, "model")?)),
    }
}

/// A float data set: a bundled `@name` ([`bundled_data`]), a file or JSON text; its first
/// `samples` samples when given.
pub fn float_data(source: &str, samples: Option<usize>) -> Result<FloatDataset, JobError> {
    let d = match bundled_data(source) {
        Some(d) => d?,
        None => in_file(source, FloatDataset::from_json(&text_of(source, "data set")?))?,
    };
    Ok(match samples {
        Some(n) => d.take(n)?,
        None => d,
    })
}

/// A model to prove: a quantized model as is, or a float model (bundled name, file or text)
/// quantized with `fixed`. Which one a file holds is read from its `format`.
pub fn quantized_model(source: &str, fixed: FixedParams) -> Result<QuantizedModel, JobError> {
    if source.starts_with('@') {
        return Ok(quantize_model(&float_model(source)?, fixed)?);
    }
    let text = text_of(source, "model")?;
    let format = serde_json::from_str::<serde_json::Value>(&text).ok().and_then(|v| v["format"].as_str().map(str::to_string));
    if format.as_deref() == Some(FLOAT_MODEL_FORMAT) {
        return Ok(quantize_model(&in_file(source, FloatModel::from_json(&text))?, fixed)?);
    }
    in_file(source, QuantizedModel::from_json(&text))
}

/// The quantized model and data set a proof is about, checked to fit each other.
pub fn inputs(model: &str, data: &str, samples: Option<usize>, fixed: FixedParams) -> Result<(QuantizedModel, QuantizedDataset), JobError> {
    let model = quantized_model(model, fixed)?;
    let data = float_data(data, samples)?.quantize(model.fixed)?;
    zkpot_circuits::eval::check_compatible(&model, &data)?;
    Ok((model, data))
}
