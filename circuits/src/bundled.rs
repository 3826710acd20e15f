//! The embedded data: the default digits MLP (64-32-10, ReLU) trained by
//! `scripts/train_digits.py` and its 500-sample test set (plus the full 1,797-sample set), and
//! the breast-cancer MLP (30-16-2, ReLU) with its 169-sample test set from
//! `scripts/train_breast_cancer.py`, and the diabetes regression MLP (10-16-1, ReLU) with its
//! 112-sample test set from `scripts/train_diabetes.py`, compiled into the binary so the demo
//! and the tests need no files and no Python.

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

/// `data/digits/full.json`: all 1,797 samples of scikit-learn's digits, training part included
/// (for proving a set larger than one circuit in chunks).
pub const DIGITS_FULL_JSON: &str = include_str!("../../data/digits/full.json");

/// All 1,797 digits samples in `load_digits()` order.
pub fn digits_full() -> Result<FloatDataset> {
    FloatDataset::from_json(DIGITS_FULL_JSON)
}

/// The witness of the bundled digits MLP, quantized at the default format, on the first `n`
/// samples of the bundled test set (the default statement's witness when `n` is 500).
pub fn digits_witness(n: usize) -> Result<crate::halo2::Witness> {
    let fixed = crate::fixed::FixedParams::DEFAULT;
    let model = crate::quantize::quantize_model(&digits_model()?, fixed)?;
    let data = digits_test()?.take(n)?.quantize(fixed)?;
    crate::halo2::Witness::new(model, data)
}

/// `data/breast-cancer/model.json`.
pub const BREAST_CANCER_MODEL_JSON: &str = include_str!("../../data/breast-cancer/model.json");
/// `data/breast-cancer/test.json`.
pub const BREAST_CANCER_TEST_JSON: &str = include_str!("../../data/breast-cancer/test.json");

/// The breast-cancer float model (scikit-learn's Wisconsin diagnostic set, standardized
/// features, 0 = malignant, 1 = benign).
pub fn breast_cancer_model() -> Result<FloatModel> {
    FloatModel::from_json(BREAST_CANCER_MODEL_JSON)
}

/// The breast-cancer 169-sample test set (features standardized with the training split's
/// mean and standard deviation, recorded in `data/breast-cancer/meta.json`).
pub fn breast_cancer_test() -> Result<FloatDataset> {
    FloatDataset::from_json(BREAST_CANCER_TEST_JSON)
}

/// `data/diabetes/model.json`.
pub const DIABETES_MODEL_JSON: &str = include_str!("../../data/diabetes/model.json");
/// `data/diabetes/test.json`.
pub const DIABETES_TEST_JSON: &str = include_str!("../../data/diabetes/test.json");

/// The diabetes float regression model (scikit-learn's diabetes set, one output: the
/// standardized disease progression), scored by `mse`.
pub fn diabetes_model() -> Result<FloatModel> {
    FloatModel::from_json(DIABETES_MODEL_JSON)
}

/// The diabetes 112-sample test set: features and targets standardized with the training
/// split's mean and standard deviation (recorded in `data/diabetes/meta.json`).
pub fn diabetes_test() -> Result<FloatDataset> {
    FloatDataset::from_json(DIABETES_TEST_JSON)
}
