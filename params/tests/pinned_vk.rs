//! Pinned artifact: the SHA-256 of the halo2 verifying key of a tiny shape under the
//! development SRS. Any change to the circuit layout, the gates, the selector compression or
//! the SRS derivation changes it, so such a change cannot slip through silently: bump
//! `CIRCUIT_VERSION` (circuits/src/halo2/shape.rs), then update the pin with
//! `ZKPOT_UPDATE_PINS=1 cargo test --release -p zkpot-params --test pinned_vk -- --nocapture`.

use halo2_proofs::SerdeFormat;
use sha2::{Digest, Sha256};
use zkpot_circuits::halo2::{CircuitShape, CIRCUIT_VERSION};
use zkpot_circuits::testing::{random_model, TINY};

const PINNED: &str = "b0473a2d7a16f032a2f55cf5ec921169de036da5be4630b35c7296b092c0f1a1";
const PINNED_VERSION: u32 = 7;

#[test]
fn tiny_verifying_key_is_pinned() {
    let model = random_model(7, TINY, &[8, 16, 4], 3);
    let shape = CircuitShape::new(model.architecture(), 4);
    let params = zkpot_params::srs::dev_srs(shape.k(), zkpot_params::srs::default_seed());
    let vk = zkpot_params::keys::verifying_key(&params, &shape).expect("keygen");
    let digest = hex::encode(Sha256::digest(vk.to_bytes(SerdeFormat::RawBytes)));
    if std::env::var_os("ZKPOT_UPDATE_PINS").is_some() {
        println!("const PINNED: &str = \"{digest}\";\nconst PINNED_VERSION: u32 = {CIRCUIT_VERSION};");
        return;
    }
    assert_eq!(
        (digest.as_str(), CIRCUIT_VERSION),
        (PINNED, PINNED_VERSION),
        "the verifying key of a pinned shape changed: if the layout changed on purpose, bump CIRCUIT_VERSION and update the pin (see the module doc)"
    );
}
