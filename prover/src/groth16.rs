//! The Groth16 backend (arkworks 0.6, BN254): circuit-specific setup, proving, and the key
//! files. The circuit is [`zkpot_circuits::groth16::Groth16Circuit`]; verification is the
//! verifier crate's own pairing check ([`zkpot_verifier::groth16`]).
//!
//! Setup here makes **development keys** from a seed: whoever knows the seed knows the toxic
//! waste and can forge proofs. A real deployment runs a phase-2 ceremony (per circuit shape)
//! over a public phase-1 powers-of-tau file; see `docs/groth16.md`.
//!
//! Proving key file (container kind 3, backend [`BACKEND_GROTH16`]): shape JSON (u32 length +
//! bytes), the provenance record (JSON, u32 length + bytes; container version 2), then `ark_groth16::ProvingKey<Bn254>` *uncompressed* (ark-serialize) and read back
//! without point checks: it is large, only the prover reads it, and a bad proving key can only
//! make proofs that fail verification, never accepted false ones.

use crate::backend::Backend;
use crate::error::ProveError;
use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ark_snark::SNARK;
use rand::rngs::OsRng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkpot_circuits::groth16::circuit::shape_id;
use zkpot_circuits::groth16::Groth16Circuit;
use zkpot_circuits::halo2::{CircuitShape, Witness};
use zkpot_circuits::score::ScoreFunction;
use zkpot_verifier::container::{open_version, put_bytes, seal_version, Kind, Reader, BACKEND_GROTH16, VERSION_KEYS};
use zkpot_verifier::provenance::{Provenance, Source};
use zkpot_verifier::groth16::{Groth16Key, Groth16Proof, Groth16Vk};
use zkpot_verifier::{ProofFile, Statement, VerifyError, GROTH16_BACKEND};

/// Printed whenever development keys are made or used.
pub const DEV_KEYS_WARNING: &str = "WARNING: INSECURE DEVELOPMENT GROTH16 KEYS. They come from a fixed, public seed: anyone \
can recompute the setup's secrets and forge proofs of any score. For real use, run a phase-2 ceremony for this circuit \
over a public phase-1 powers-of-tau file (docs/groth16.md).";

/// The seed of development keys when none is given ("zkpotG16").
pub const DEFAULT_DEV_SEED: u64 = zkpot_verifier::provenance::DEFAULT_GROTH16_DEV_SEED;

/// Setup parameters: the seed the development keys are drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DevSeed(pub u64);

impl DevSeed {
    /// The provenance record of keys from this seed (development material).
    pub fn provenance(self) -> Provenance {
        Provenance::new(Source::DevelopmentSeed, format!("seed:{:#018x}", self.0))
    }
}

impl Default for DevSeed {
    fn default() -> Self {
        DevSeed(DEFAULT_DEV_SEED)
    }
}

/// The Groth16 backend.
pub struct Groth16Backend;

/// A Groth16 proving key with the shape it was made for.
#[derive(Clone, Debug)]
pub struct Groth16ProvingKey {
    pub shape: CircuitShape,
    pub pk: ark_groth16::ProvingKey<Bn254>,
    /// The ceremony or development seed the key came from.
    pub provenance: Provenance,
}

impl Groth16ProvingKey {
    /// The proving key file contents.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut payload = Vec::new();
        put_bytes(&mut payload, serde_json::to_string(&self.shape).unwrap_or_default().as_bytes());
        put_bytes(&mut payload, &self.provenance.to_json());
        let _ = self.pk.serialize_uncompressed(&mut payload);
        seal_version(VERSION_KEYS, Kind::ProvingKey, BACKEND_GROTH16, &payload)
    }

    /// Decodes a proving key file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProveError> {
        let what = "proving key";
        let (version, backend, payload) = open_version(bytes, Kind::ProvingKey, VERSION_KEYS)?;
        if backend != BACKEND_GROTH16 {
            return Err(VerifyError::Mismatch(format!("the proving key is for backend {backend}, not Groth16 ({BACKEND_GROTH16})")).into());
        }
        let mut r = Reader::new(what, payload);
        let shape: CircuitShape = serde_json::from_slice(r.bytes()?)
            .map_err(|e| VerifyError::Malformed { what, detail: format!("circuit shape: {e}") })?;
        let provenance = if version >= VERSION_KEYS { Provenance::from_json(r.bytes()?, what)? } else { Provenance::unrecorded() };
        let mut rest = r.rest();
        let pk = ark_groth16::ProvingKey::<Bn254>::deserialize_uncompressed_unchecked(&mut rest)
            .map_err(|e| VerifyError::Malformed { what, detail: format!("Groth16 proving key: {e}") })?;
        if !rest.is_empty() {
            return Err(VerifyError::Malformed { what, detail: format!("{} trailing bytes", rest.len()) }.into());
        }
        Ok(Groth16ProvingKey { shape, pk, provenance })
    }

    /// The keys of a snarkjs phase-2 ceremony's final `.zkey` for `shape`, after checking that
    /// the file is for this circuit's R1CS (`zkpot export-r1cs`): its wires, public inputs and
    /// domain. `snarkjs zkey verify` checks the rest (every query against the R1CS and the
    /// `.ptau`); a key for another circuit makes proofs that do not verify.
    pub fn from_zkey(bytes: &[u8], origin: &str, shape: &CircuitShape) -> Result<Self, ProveError> {
        let r1cs = zkpot_circuits::groth16::r1cs_export::R1cs::of(shape)?;
        let z = crate::zkey::read(bytes, origin)?;
        let m = r1cs.a.len() + r1cs.num_instance;
        let domain = m.checked_next_power_of_two().unwrap_or(0);
        let expected = (r1cs.num_wires(), r1cs.num_instance - 1, domain);
        if (z.n_vars, z.n_public, z.domain_size) != expected {
            return Err(ProveError::Zkey {
                path: origin.into(),
                detail: format!(
                    "it has {} wires, {} public inputs and domain {}; circuit {} has {}, {} and {}: it is for another circuit (export the R1CS with `zkpot export-r1cs` for this shape)",
                    z.n_vars, z.n_public, z.domain_size, shape_id(shape), expected.0, expected.1, expected.2
                ),
            });
        }
        Ok(Groth16ProvingKey { shape: shape.clone(), pk: z.pk, provenance: Provenance::new(Source::CeremonyZkey, z.fingerprint) })
    }

    /// The verifying key file that goes with this proving key.
    pub fn verifying_key(&self) -> Groth16Key {
        Groth16Key { shape: self.shape.clone(), vk: vk_from_ark(&self.pk.vk), provenance: self.provenance.clone() }
    }
}

/// `ark_groth16`'s verifying key as the verifier crate's (same fields).
pub fn vk_from_ark(vk: &ark_groth16::VerifyingKey<Bn254>) -> Groth16Vk {
    Groth16Vk { alpha_g1: vk.alpha_g1, beta_g2: vk.beta_g2, gamma_g2: vk.gamma_g2, delta_g2: vk.delta_g2, gamma_abc_g1: vk.gamma_abc_g1.clone() }
}

/// The verifier crate's key as `ark_groth16`'s (for tools built on ark-groth16).
pub fn vk_to_ark(vk: &Groth16Vk) -> ark_groth16::VerifyingKey<Bn254> {
    ark_groth16::VerifyingKey { alpha_g1: vk.alpha_g1, beta_g2: vk.beta_g2, gamma_g2: vk.gamma_g2, delta_g2: vk.delta_g2, gamma_abc_g1: vk.gamma_abc_g1.clone() }
}

/// `ark_groth16`'s proof as the verifier crate's.
pub fn proof_from_ark(p: &ark_groth16::Proof<Bn254>) -> Groth16Proof {
    Groth16Proof { a: p.a, b: p.b, c: p.c }
}

/// The verifier crate's proof as `ark_groth16`'s.
pub fn proof_to_ark(p: &Groth16Proof) -> ark_groth16::Proof<Bn254> {
    ark_groth16::Proof { a: p.a, b: p.b, c: p.c }
}

/// The statement an honest prover of `witness` claims under score function `score` (the
/// witness's score is recounted under it).
pub fn statement_of(witness: &Witness, score: ScoreFunction) -> Statement {
    let shape = CircuitShape::new(witness.model.architecture(), witness.data.len()).with_score(score);
    crate::backend::honest_statement(GROTH16_BACKEND, shape_id(&shape), witness, score)
}

impl Backend for Groth16Backend {
    type Params = DevSeed;
    type ProvingKey = Groth16ProvingKey;
    type VerifyingKey = Groth16Key;
    type Proof = ProofFile;
    const NAME: &'static str = GROTH16_BACKEND;

    /// Development keys for `shape` from the seed (see [`DEV_KEYS_WARNING`]).
    fn setup(seed: &DevSeed, shape: &CircuitShape) -> Result<(Groth16ProvingKey, Groth16Key), ProveError> {
        let circuit = Groth16Circuit::keygen(shape)?;
        let mut rng = ChaCha20Rng::seed_from_u64(seed.0);
        let (pk, _) = Groth16::<Bn254>::circuit_specific_setup(circuit, &mut rng).map_err(|e| ProveError::Proving(format!("Groth16 setup: {e}")))?;
        let pk = Groth16ProvingKey { shape: shape.clone(), pk, provenance: seed.provenance() };
        let vk = pk.verifying_key();
        Ok((pk, vk))
    }

    fn prove(_: &DevSeed, pk: &Groth16ProvingKey, witness: Witness) -> Result<(Statement, ProofFile), ProveError> {
        // the key fixes the score function; the witness's score is recounted under it
        let shape = CircuitShape::new(witness.model.architecture(), witness.data.len()).with_score(pk.shape.score);
        if shape != pk.shape {
            return Err(ProveError::WrongKey { key: shape_id(&pk.shape), witness: shape_id(&shape) });
        }
        let statement = statement_of(&witness, shape.score);
        let circuit = Groth16Circuit::with_score(witness, shape.score);
        // keys from a snarkjs ceremony pair their H query with snarkjs's reduction
        let proof = if pk.provenance.source == Source::CeremonyZkey {
            Groth16::<Bn254, crate::circom_qap::CircomReduction>::prove(&pk.pk, circuit, &mut OsRng)
        } else {
            Groth16::<Bn254>::prove(&pk.pk, circuit, &mut OsRng)
        }
        .map_err(|e| ProveError::Proving(format!("Groth16: {e}")))?;
        Ok((statement, proof_from_ark(&proof).to_file()))
    }

    fn verify(vk: &Groth16Key, statement: &Statement, proof: &ProofFile) -> Result<(), ProveError> {
        Ok(zkpot_verifier::groth16::verify(statement, proof, vk)?)
    }
}
