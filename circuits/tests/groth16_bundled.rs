//! The bundled digits model over its first few test samples: native (`commit.rs`, `eval`),
//! halo2 (`Witness::public_inputs`) and the Groth16 R1CS agree on both commitments, N and S.
//! The R1CS recomputes the commitments in-circuit, so satisfying it with the native values
//! shows the gadget's Poseidon and packing equal the native ones.

use zkpot_circuits::bundled::{digits_model, digits_test};
use zkpot_circuits::commit::{dataset_commitment, model_commitment};
use zkpot_circuits::eval::evaluate;
use zkpot_circuits::field::Fr;
use zkpot_circuits::fixed::FixedParams;
use zkpot_circuits::groth16::{ConstraintCount, Groth16Circuit};
use zkpot_circuits::halo2::Witness;
use zkpot_circuits::quantize::quantize_model;

#[test]
fn bundled_commitments_agree_across_native_halo2_and_groth16() {
    let model = quantize_model(&digits_model().unwrap(), FixedParams::DEFAULT).unwrap();
    let data = digits_test().unwrap().take(3).unwrap().quantize(FixedParams::DEFAULT).unwrap();
    let native = [
        model_commitment(&model),
        dataset_commitment(&data),
        Fr::from(3u64),
        Fr::from(evaluate(&model, &data).unwrap().score as u64),
    ];
    let halo2 = Witness::new(model.clone(), data.clone()).unwrap().public_inputs();
    assert_eq!(native, halo2);
    let mut c = Groth16Circuit::prove(model, data).unwrap();
    c.public = native;
    let count = ConstraintCount::of(&c.shape);
    let cs = c.clone().synthesize().unwrap();
    assert_eq!(cs.num_constraints(), count.total);
    assert!(cs.is_satisfied().unwrap());
    // the model commitment pinned by tests/bundled.rs
    assert_eq!(zkpot_circuits::field::fr_to_hex(&native[0]), "0x152d6e21ebbfe889768de42d8f5b02475b61b454161036662bb16911f7d2b567");
    c.public[1] = model_commitment(&c.witness.model);
    assert!(!c.is_satisfied().unwrap());
}
