//! The Groth16 validation circuit: the gadgets of this module wired into one
//! [`ConstraintSynthesizer`], public inputs `[model commitment, data set commitment, N, S]` as in
//! halo2. One description serves key generation (an all-zero model and data set of the shape)
//! and proving (the witness of [`crate::halo2::Witness`], i.e. the validation function's trace).

use super::argmax::argmax_correct;
use super::commit::{alloc_values, commitment, pack_slots, Value};
use super::convert::to_ark;
use super::dense::rescale_relu;
use super::freivalds::{check_layer, Powers};
use super::poseidon::hash_chain;
use super::support::dense_layers;
use super::num::{enforce_equal, Num};
use super::ArkFr;
use crate::commit::{dataset_header, dataset_values, model_header, model_values};
use crate::dataset::QuantizedDataset;
use crate::error::{CircuitError, Result};
use crate::field::Fr;
use crate::halo2::{CircuitShape, Witness};
use crate::layers::Layer;
use crate::model::{DenseLayer, QuantizedModel};
use ark_ff::Zero;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, SynthesisError};
use sha2::{Digest, Sha256};

/// Bumped whenever the R1CS layout changes, so old keys are never reused.
pub const GROTH16_CIRCUIT_VERSION: u32 = 2;

/// The stable id of the Groth16 circuit of `shape`: the first 16 bytes of SHA-256 over the
/// circuit version and the canonical JSON of the shape, in hex (distinct from halo2's id).
pub fn shape_id(shape: &CircuitShape) -> String {
    let json = serde_json::to_string(shape).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(format!("zkpot-groth16-circuit-v{GROTH16_CIRCUIT_VERSION}:").as_bytes());
    h.update(json.as_bytes());
    hex::encode(&h.finalize()[..16])
}

/// The circuit: a shape, a witness of that shape and the public inputs it is checked against
/// (public fields so tests can tamper with any of them).
#[derive(Clone, Debug)]
pub struct Groth16Circuit {
    pub shape: CircuitShape,
    pub witness: Witness,
    pub public: [Fr; 4],
}

impl Groth16Circuit {
    /// The circuit for proving a witness; the public inputs are the honest ones.
    pub fn new(witness: Witness) -> Self {
        let shape = CircuitShape::new(witness.model.architecture(), witness.data.len());
        let public = witness.public_inputs();
        Groth16Circuit { shape, witness, public }
    }

    /// The circuit of `model` on `data` (runs the validation function).
    pub fn prove(model: QuantizedModel, data: QuantizedDataset) -> Result<Self> {
        Ok(Self::new(Witness::new(model, data)?))
    }

    /// The circuit for key generation: the same description over an all-zero model and data set
    /// of `shape` (keys never depend on the weights).
    pub fn keygen(shape: &CircuitShape) -> Result<Self> {
        let arch = &shape.arch;
        let layers = dense_layers(shape)?
            .iter()
            .map(|l| Layer::Dense(DenseLayer { inputs: l.inputs, outputs: l.outputs, relu: l.relu, weights: vec![0; l.inputs * l.outputs], bias: vec![0; l.outputs] }))
            .collect();
        let model = QuantizedModel::new("keygen", arch.fixed, arch.input_dim, arch.num_classes, layers)?;
        let n = shape.samples;
        let data = QuantizedDataset::new("keygen", arch.fixed, arch.input_dim, arch.num_classes, vec![0; n * arch.input_dim], vec![0; n])?;
        let c = Self::prove(model, data)?;
        if &c.shape != shape {
            return Err(CircuitError::Shape("the key generation witness does not have the requested shape".into()));
        }
        Ok(c)
    }

    /// The public inputs in the arkworks field, in order.
    pub fn public_inputs(&self) -> [ArkFr; 4] {
        self.public.map(|x| to_ark(&x))
    }

    /// Synthesizes into a fresh constraint system (for tests and counting): returns it.
    pub fn synthesize(self) -> Result<ConstraintSystemRef<ArkFr>> {
        let cs = ConstraintSystem::<ArkFr>::new_ref();
        self.generate_constraints(cs.clone()).map_err(|e| CircuitError::Synthesis(e.to_string()))?;
        Ok(cs)
    }

    /// Whether the witness satisfies every constraint against the public inputs.
    pub fn is_satisfied(self) -> Result<bool> {
        let cs = self.synthesize()?;
        cs.is_satisfied().map_err(|e| CircuitError::Synthesis(e.to_string()))
    }

    /// Checks that the witness has the circuit's shape (so synthesis never indexes out of range).
    fn check_shape(&self) -> bool {
        let w = &self.witness;
        let Ok(layers) = dense_layers(&self.shape) else { return false };
        CircuitShape::new(w.model.architecture(), w.data.len()) == self.shape
            && w.trace.samples.len() == self.shape.samples
            && w.trace.samples.iter().all(|s| {
                s.layers.len() == layers.len()
                    && s.layers.iter().zip(&layers).all(|(v, l)| v.z.len() == l.outputs && v.rem.len() == l.outputs)
            })
    }
}

impl ConstraintSynthesizer<ArkFr> for Groth16Circuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<ArkFr>) -> std::result::Result<(), SynthesisError> {
        if !self.check_shape() {
            return Err(SynthesisError::Unsatisfiable);
        }
        let public = self.public_inputs();
        let mut inputs = Vec::with_capacity(4);
        for x in public {
            inputs.push(Num::from_var(cs.new_input_variable(|| Ok(x))?, x));
        }
        let (w, shape) = (&self.witness, &self.shape);
        let arch = &shape.arch;
        let dense = dense_layers(shape).map_err(|_| SynthesisError::Unsatisfiable)?;
        let fixed = arch.fixed;

        // model: values (range-checked by their slot bits), then the commitment
        let model_vals = alloc_values(&cs, &model_values(&w.model), fixed)?;
        let model_c = commitment(&cs, &model_header(arch), &model_vals, fixed)?;
        enforce_equal(&cs, &model_c, &inputs[0])?;
        // data set: values, commitment, N
        let n = shape.samples;
        let data_vals = alloc_values(&cs, &dataset_values(&w.data), fixed)?;
        let header = dataset_header(fixed, n, arch.input_dim, arch.num_classes);
        let data_c = commitment(&cs, &header, &data_vals, fixed)?;
        enforce_equal(&cs, &data_c, &inputs[1])?;
        enforce_equal(&cs, &inputs[2], &Num::constant(ArkFr::from(n as u64)))?;

        // the layers' parameters, split out of the model values (per layer: W row-major, biases)
        let mut params: Vec<(Vec<Num>, Vec<Num>)> = Vec::with_capacity(dense.len());
        let mut at = 0;
        let value = |v: &[Value]| v.iter().map(|x| x.value.clone()).collect::<Vec<_>>();
        for l in &dense {
            let weights = value(&model_vals[at..at + l.inputs * l.outputs]);
            at += l.inputs * l.outputs;
            let bias = value(&model_vals[at..at + l.outputs]);
            at += l.outputs;
            params.push((weights, bias));
        }

        // per sample: every layer's rescale and ReLU (inputs and accumulators kept per layer)
        let stride = arch.input_dim + 1;
        let layers = dense.len();
        let mut layer_inputs: Vec<Vec<Vec<Num>>> = vec![Vec::with_capacity(n); layers];
        let mut layer_acc: Vec<Vec<Vec<Num>>> = vec![Vec::with_capacity(n); layers];
        let mut slots = Vec::new();
        let mut logits = Vec::with_capacity(n);
        for (i, sample) in w.trace.samples.iter().enumerate() {
            let row = &data_vals[i * stride..(i + 1) * stride];
            let mut x = value(&row[..arch.input_dim]);
            for (li, l) in dense.iter().enumerate() {
                let outputs = rescale_relu(&cs, l, fixed, &sample.layers[li])?;
                slots.extend(outputs.iter().map(|o| o.slot.clone()));
                layer_acc[li].push(outputs.iter().map(|o| o.acc.clone()).collect());
                layer_inputs[li].push(std::mem::replace(&mut x, outputs.into_iter().map(|o| o.out).collect()));
            }
            logits.push(x);
        }

        // the Fiat-Shamir challenge, once everything the products are about is bound, then
        // Freivalds' test of every layer's matrix product
        let mut transcript = vec![inputs[0].clone(), inputs[1].clone()];
        transcript.extend(pack_slots(&slots, fixed.value_bits + fixed.scale_bits));
        let r = hash_chain(&cs, &transcript)?;
        let max_out = dense.iter().map(|l| l.outputs).max().unwrap_or(1);
        let powers = Powers::new(&cs, &r, n, max_out)?;
        for (li, (l, (weights, bias))) in dense.iter().zip(&params).enumerate() {
            check_layer(&cs, &powers, l, fixed.scale_bits, &layer_inputs[li], weights, bias, &layer_acc[li])?;
        }

        // per sample: the argmax and the comparison with the label; then the count
        let mut score = Num::constant(ArkFr::zero());
        for (i, (sample, x)) in w.trace.samples.iter().zip(&logits).enumerate() {
            let label = &data_vals[i * stride + arch.input_dim].value;
            let correct = argmax_correct(&cs, x, sample.prediction, label, fixed)?;
            score = score.add(&correct);
        }
        enforce_equal(&cs, &score, &inputs[3])
    }
}
