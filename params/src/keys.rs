//! halo2 key generation for a circuit shape. Keys depend only on the shape (architecture and N),
//! never on the weights: one setup serves every model of that architecture.

use crate::error::ParamsError;
use halo2_proofs::halo2curves::bn256::{Bn256, G1Affine};
use halo2_proofs::plonk::{keygen_pk, keygen_vk_custom, ProvingKey, VerifyingKey};
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use zkpot_circuits::halo2::{CircuitShape, ValidationCircuit};

/// The verifying key of `shape`. Selectors are compressed into as few fixed columns as the
/// gates' degree allows (halo2-axiom's plain `keygen_vk` keeps one fixed column per selector,
/// which costs a coset FFT per column in every proof and an opening in every proof).
pub fn verifying_key(params: &ParamsKZG<Bn256>, shape: &CircuitShape) -> Result<VerifyingKey<G1Affine>, ParamsError> {
    let circuit = ValidationCircuit::keygen(shape.clone());
    keygen_vk_custom(params, &circuit, true).map_err(|e| ParamsError::Keygen(format!("{e:?}")))
}

/// The proving key of `shape`, from its verifying key.
pub fn proving_key(params: &ParamsKZG<Bn256>, shape: &CircuitShape, vk: VerifyingKey<G1Affine>) -> Result<ProvingKey<G1Affine>, ParamsError> {
    let circuit = ValidationCircuit::keygen(shape.clone());
    keygen_pk(params, vk, &circuit).map_err(|e| ParamsError::Keygen(format!("{e:?}")))
}
