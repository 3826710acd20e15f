//! Pinned facts about the bundled digits model and test set: the quantized score equals the
//! reference score exactly, and the commitments do not drift (a change to the encoding, the
//! Poseidon constants or the data must show up here). Regenerate only on purpose.

use zkpot_circuits::bundled::{digits_model, digits_test};
use zkpot_circuits::commit::Commitments;
use zkpot_circuits::eval::evaluate;
use zkpot_circuits::fixed::FixedParams;
use zkpot_circuits::quantize::{quantize_and_check, quantize_model};

#[test]
fn bundled_scores_and_commitments_are_pinned() {
    let model = digits_model().unwrap();
    let data = digits_test().unwrap();
    assert_eq!(data.features.len(), 500);
    let (q, report) = quantize_and_check(&model, &data, FixedParams::DEFAULT).unwrap();
    assert_eq!(report.float_correct, 489);
    assert_eq!(report.quantized_correct, 489);
    let qd = data.quantize(FixedParams::DEFAULT).unwrap();
    assert_eq!(evaluate(&q, &qd).unwrap().score, 489);
    let c = Commitments::compute(&q, &qd);
    assert_eq!(c.model_commitment, "0x152d6e21ebbfe889768de42d8f5b02475b61b454161036662bb16911f7d2b567");
    assert_eq!(c.dataset_commitment, "0x01e698ff7f3406a7c5cd3bb5dcf665aac93a57563d507cfeb5805f3c3f4ac00c");
}

#[test]
fn quantization_is_deterministic_and_in_bound() {
    let model = digits_model().unwrap();
    let a = quantize_model(&model, FixedParams::DEFAULT).unwrap();
    let b = quantize_model(&model, FixedParams::DEFAULT).unwrap();
    assert_eq!(a, b);
    let max = a.layers.iter().flat_map(|l| l.values()).map(|v| v.abs()).max().unwrap();
    assert!(max < 1 << 15);
}

#[test]
fn breast_cancer_scores_and_commitments_are_pinned() {
    use zkpot_circuits::bundled::{breast_cancer_model, breast_cancer_test};
    let model = breast_cancer_model().unwrap();
    let data = breast_cancer_test().unwrap();
    assert_eq!((data.features.len(), data.num_classes, model.input_dim), (169, 2, 30));
    let (q, report) = quantize_and_check(&model, &data, FixedParams::DEFAULT).unwrap();
    assert_eq!(report.float_correct, 166);
    assert_eq!(report.quantized_correct, 166);
    assert_eq!(report.disagreements, 0);
    let qd = data.quantize(FixedParams::DEFAULT).unwrap();
    assert_eq!(evaluate(&q, &qd).unwrap().score, 166);
    let c = Commitments::compute(&q, &qd);
    assert_eq!(c.model_commitment, "0x14c58bb4fdd5a49fcd439f395631bcd97dcae3b417cc8ea8775f99b13175ace5");
    assert_eq!(c.dataset_commitment, "0x2a1f2e261ee1120f49639676ef18a31efb9babc2c14b9ca6a39f779438f46bf6");
    // the small format calibration picks for it scores the same
    let small = FixedParams { value_bits: 9, scale_bits: 3 };
    let (_, report) = quantize_and_check(&model, &data, small).unwrap();
    assert_eq!((report.quantized_correct, report.disagreements), (166, 0));
}

#[test]
fn diabetes_mse_and_commitments_are_pinned() {
    use zkpot_circuits::bundled::{diabetes_model, diabetes_test};
    use zkpot_circuits::score::ScoreFunction;
    let model = diabetes_model().unwrap();
    let data = diabetes_test().unwrap();
    assert_eq!((data.features.len(), data.targets.len(), data.num_classes, model.input_dim, model.num_classes), (112, 112, 1, 10, 1));
    assert!(data.is_regression() && data.labels.is_empty());
    let (q, report) = quantize_and_check(&model, &data, FixedParams::DEFAULT).unwrap();
    // float MSE (standardized target) 0.421628..., the validation function's S = 27689 at
    // scale 2^-16: MSE 0.422500...
    assert!((report.float_mse.unwrap() - 0.421_628_373_860_07).abs() < 1e-12, "{:?}", report.float_mse);
    assert_eq!(report.quantized_mse_score, Some(27689));
    assert_eq!(report.quantized_mse, Some(27689.0 / 65536.0));
    let qd = data.quantize(FixedParams::DEFAULT).unwrap();
    assert_eq!(evaluate(&q, &qd).unwrap().score, 27689, "a regression set is scored by mse by default");
    assert!(zkpot_circuits::eval::evaluate_with(&q, &qd, ScoreFunction::Top1).is_err());
    let c = Commitments::compute(&q, &qd);
    assert_eq!(c.model_commitment, "0x2b2cb58a1c7914180a1cf7025d9637e6ae2d4fbf4cf878b6a4107ea21fcafc7f");
    assert_eq!(c.dataset_commitment, "0x25bbf1ed158739b3bec888cbaa735786c7830a021ac9e9accd62ac828c7173a7");
    // the small format of the CLI test
    let small = FixedParams { value_bits: 10, scale_bits: 4 };
    let (_, report) = quantize_and_check(&model, &data.take(8).unwrap(), small).unwrap();
    assert_eq!(report.quantized_mse_score, Some(70));
}
