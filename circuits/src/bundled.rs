//! The embedded default: the digits MLP (64-32-10, ReLU) trained by `scripts/train_digits.py`
//! and its 500-sample test set, compiled into the binary so the demo and the tests need no
//! files and no Python.

use crate::dataset::FloatDataset;
use crate::error::Result;
use crate::model::FloatModel;

/// `data/digits/model.json`.
pub const DIGITS_MODEL_JSON: &str = include_str!("../../data/digits/model.json");
/// `data/digits/test.json`.
pub const DIGITS_TEST_JSON: &str = include_str!("../../data/digits/test.json");

/// The bundled float model.
pub fn digits_model() -> Result<FloatModel> {
    FloatModel::from_json(DIGITS_MODEL_JSON)
}

/// The bundled 500-sample test set.
pub fn digits_test() -> Result<FloatDataset> {
    FloatDataset::from_json(DIGITS_TEST_JSON)
}
