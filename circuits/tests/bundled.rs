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
    assert_eq!(c.model_commitment, "0x0ae0589f5b1358d4a9b75a1eaa472bb71c3b348047ab741545b567bb7d01a511");
    assert_eq!(c.dataset_commitment, "0x0aa76654a4ca9ded927097f5d1211bb4be2a17767c00bcf70e2bcf60b5570923");
}

#[test]
fn quantization_is_deterministic_and_in_bound() {
    let model = digits_model().unwrap();
    let a = quantize_model(&model, FixedParams::DEFAULT).unwrap();
    let b = quantize_model(&model, FixedParams::DEFAULT).unwrap();
    assert_eq!(a, b);
    let max = a.layers.iter().flat_map(|l| l.weights.iter().chain(l.bias.iter())).map(|v| v.abs()).max().unwrap();
    assert!(max < 1 << 15);
}
