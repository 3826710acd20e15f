//! The Groth16 validation circuit: the gadgets of this module wired into one
//! [`ConstraintSynthesizer`], public inputs `[model commitment, data set commitment, N, S]` as in
//! halo2. One description serves key generation (an all-zero model and data set of the shape)
//! and proving (the witness of [`crate::halo2::Witness`], i.e. the validation function's trace).
//!
//! Per sample, layer by layer: a dense or conv layer's rescale and ReLU ([`super::dense`]; its
//! product waits for Freivalds' test, or for a conv layer where that is cheaper, is checked tap
//! by tap at once, [`super::conv`]), a pooling layer's gadget ([`super::pool`]), a recurrent
//! layer's gadget with every product multiplied out ([`super::recurrent`]); flatten and
//! reshape are the identity on the value vector. Then the challenge, every linear layer's
//! Freivalds test, and per sample the score gadget: argmax for top-1 ([`super::argmax`]), the
//! label's rank for top-k ([`super::topk`]); for mse, each sample's single output against its
//! target and the rounded mean ([`super::mse`]).

use super::argmax::argmax_correct;
use super::commit::{alloc_values, commitment, pack_slots, Value};
use super::conv::{by_freivalds, check_taps, columns, Columns};
use super::convert::to_ark;
use super::dense::rescale_relu;
use super::freivalds::{check_layer, Powers};
use super::mse::enforce_mse;
use super::num::{enforce_equal, Num};
use super::pool::{avg_pool, max_pool};
use super::recurrent::enforce_layer;
use super::poseidon::hash_chain;
use super::support;
use super::topk::topk_correct;
use super::ArkFr;
use crate::commit::{dataset_header, dataset_values, model_header, model_values};
use crate::dataset::QuantizedDataset;
use crate::error::{CircuitError, Result};
use crate::field::Fr;
use crate::halo2::{CircuitShape, Witness};
use crate::layers::{ConvLayer, Layer, LayerArch};
use crate::model::{DenseLayer, LayerShape, QuantizedModel};
use crate::score::ScoreFunction;
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

/// A linear layer's `[in][out]` matrix (`None` for a structural zero) and per-output biases.
type Linear = (Vec<Option<Num>>, Vec<Num>);

/// The circuit: a shape, a witness of that shape and the public inputs it is checked against
/// (public fields so tests can tamper with any of them).
#[derive(Clone, Debug)]
pub struct Groth16Circuit {
    pub shape: CircuitShape,
    pub witness: Witness,
    pub public: [Fr; 4],
}

impl Groth16Circuit {
    /// The circuit for proving a witness under top-1; the public inputs are the honest ones.
    pub fn new(witness: Witness) -> Self {
        Self::with_score(witness, ScoreFunction::Top1)
    }

    /// The circuit for proving a witness under score function `score`: its score is recounted
    /// under `score`, and the public inputs are the honest ones.
    pub fn with_score(mut witness: Witness, score: ScoreFunction) -> Self {
        let shape = CircuitShape::new(witness.model.architecture(), witness.data.len()).with_score(score);
        witness.trace.score = witness.trace.score_with(score);
        let public = witness.public_inputs();
        Groth16Circuit { shape, witness, public }
    }

    /// The circuit of `model` on `data` (runs the validation function).
    pub fn prove(model: QuantizedModel, data: QuantizedDataset) -> Result<Self> {
        Ok(Self::new(Witness::new(model, data)?))
    }

    /// The circuit of `model` on `data` under score function `score`.
    pub fn prove_with(model: QuantizedModel, data: QuantizedDataset, score: ScoreFunction) -> Result<Self> {
        Ok(Self::with_score(Witness::with_score(model, data, score)?, score))
    }

    /// The circuit for key generation: the same description over an all-zero model and data set
    /// of `shape` (keys never depend on the weights).
    pub fn keygen(shape: &CircuitShape) -> Result<Self> {
        support::check(shape)?;
        let arch = &shape.arch;
        let layers = arch
            .layers
            .iter()
            .map(|l| match l {
                LayerArch::Dense(d) => Layer::Dense(DenseLayer { inputs: d.inputs, outputs: d.outputs, relu: d.relu, weights: vec![0; d.inputs * d.outputs], bias: vec![0; d.outputs] }),
                LayerArch::Conv(c) => Layer::Conv(ConvLayer { window: c.window, out_channels: c.out_channels, relu: c.relu, weights: vec![0; c.kernel_len()], bias: vec![0; c.out_channels] }),
                LayerArch::MaxPool(p) => Layer::MaxPool(*p),
                LayerArch::AvgPool(p) => Layer::AvgPool(*p),
                LayerArch::Recurrent(r) => {
                    let [w, rr, wb, rb] = r.param_lens().map(|n| vec![0; n]);
                    Layer::Recurrent(crate::layers::RecurrentLayer { shape: *r, w, r: rr, wb, rb })
                }
            })
            .collect();
        let model = QuantizedModel::new("keygen", arch.fixed, arch.input_dim, arch.num_classes, layers)?;
        let n = shape.samples;
        let data = QuantizedDataset::new("keygen", arch.fixed, arch.input_dim, arch.num_classes, vec![0; n * arch.input_dim], vec![0; n])?;
        let c = Self::prove_with(model, data, shape.score)?;
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
        let layers = &self.shape.arch.layers;
        support::check(&self.shape).is_ok()
            && CircuitShape::new(w.model.architecture(), w.data.len()).with_score(self.shape.score) == self.shape
            && w.trace.samples.len() == self.shape.samples
            && w.trace.samples.iter().all(|s| {
                s.layers.len() == layers.len()
                    && s.layers.iter().zip(layers).all(|(v, l)| {
                        let n = l.outputs();
                        v.out.len() == n && (!l.is_linear() || (v.z.len() == n && v.rem.len() == n))
                    })
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

        // the linear layers' matrices `[in][out]` and per-output biases, from the model values
        // (per layer: W or the kernel row-major, then the biases): a dense layer's own weights,
        // a conv layer's expanded matrix of kernel variables and structural zeros
        let mut params: Vec<Option<Linear>> = Vec::with_capacity(arch.layers.len());
        // a recurrent layer's values `w, r, wb, rb` (in the commitment's order)
        let mut rec_params: Vec<Vec<Num>> = vec![Vec::new(); arch.layers.len()];
        let mut at = 0;
        let value = |v: &[Value]| v.iter().map(|x| x.value.clone()).collect::<Vec<_>>();
        for l in &arch.layers {
            let vals = value(&model_vals[at..at + l.values()]);
            at += l.values();
            if matches!(l, LayerArch::Recurrent(_)) {
                rec_params[params.len()] = vals.clone();
            }
            params.push(match l {
                LayerArch::Dense(d) => {
                    let (weights, bias) = vals.split_at(d.inputs * d.outputs);
                    Some((weights.iter().cloned().map(Some).collect(), bias.to_vec()))
                }
                LayerArch::Conv(c) => {
                    let (kernel, bias) = vals.split_at(c.kernel_len());
                    let m = c.expanded().iter().map(|e| e.map(|t| kernel[t].clone())).collect();
                    Some((m, (0..c.outputs()).map(|j| bias[c.channel_of(j)].clone()).collect()))
                }
                LayerArch::MaxPool(_) | LayerArch::AvgPool(_) | LayerArch::Recurrent(_) => None,
            });
        }

        // how each linear layer's product is checked: Freivalds' test, or tap by tap (a conv
        // layer's columns of (input, weight) entries)
        let freivalds: Vec<bool> = arch.layers.iter().map(|l| by_freivalds(l, fixed)).collect();
        let taps: Vec<Option<Columns>> = params
            .iter()
            .zip(arch.layers.iter().zip(&freivalds))
            .map(|(p, (l, f))| p.as_ref().filter(|_| !f).map(|(m, _)| columns(m, l.outputs())))
            .collect();

        // per sample: every layer's gadget (a Freivalds layer's inputs and accumulators kept for
        // the test)
        let stride = arch.input_dim + 1;
        let layers = arch.layers.len();
        let mut layer_inputs: Vec<Vec<Vec<Num>>> = vec![Vec::new(); layers];
        let mut layer_acc: Vec<Vec<Vec<Num>>> = vec![Vec::new(); layers];
        let mut slots = Vec::new();
        let mut logits = Vec::with_capacity(n);
        for (i, sample) in w.trace.samples.iter().enumerate() {
            let row = &data_vals[i * stride..(i + 1) * stride];
            let mut x = value(&row[..arch.input_dim]);
            for (li, l) in arch.layers.iter().enumerate() {
                let values = &sample.layers[li];
                x = match l {
                    LayerArch::Dense(_) | LayerArch::Conv(_) => {
                        let ls = LayerShape { inputs: l.inputs(), outputs: l.outputs(), relu: l.relu() };
                        let outputs = rescale_relu(&cs, &ls, fixed, values)?;
                        let acc: Vec<Num> = outputs.iter().map(|o| o.acc.clone()).collect();
                        match (&taps[li], &params[li]) {
                            (Some(cols), Some((_, bias))) => check_taps(&cs, cols, fixed.scale_bits, &x, bias, &acc)?,
                            _ => {
                                slots.extend(outputs.iter().map(|o| o.slot.clone()));
                                layer_acc[li].push(acc);
                                layer_inputs[li].push(x);
                            }
                        }
                        outputs.into_iter().map(|o| o.out).collect()
                    }
                    LayerArch::MaxPool(p) => max_pool(&cs, p, &x, values, fixed)?,
                    LayerArch::AvgPool(p) => avg_pool(&cs, p, &x, values, fixed)?,
                    // every product multiplied out, activations by one-hot intervals; the
                    // activation outputs are the witness's (an honest prover's are the tables')
                    LayerArch::Recurrent(r) => {
                        let ri = arch.layers[..li].iter().filter(|l| matches!(l, LayerArch::Recurrent(_))).count();
                        let claims = w.recurrent.get(ri).map(|rows| rows.activation_outputs(r, i)).unwrap_or_default();
                        enforce_layer(&cs, r, fixed, &x, &rec_params[li], values, &mut |k, honest| claims.get(k).copied().unwrap_or(honest))?
                    }
                };
            }
            logits.push(x);
        }

        // the Fiat-Shamir challenge, once everything the products are about is bound, then
        // Freivalds' test of those layers' matrix products (pool outputs and the accumulators of
        // tap-by-tap layers are functions of bound values, fixed by their gadgets, so they need
        // no hashing)
        let mut transcript = vec![inputs[0].clone(), inputs[1].clone()];
        transcript.extend(pack_slots(&slots, fixed.value_bits + fixed.scale_bits));
        let r = hash_chain(&cs, &transcript)?;
        let max_out = arch.layers.iter().zip(&freivalds).filter(|(_, f)| **f).map(|(l, _)| l.outputs()).max().unwrap_or(1);
        let powers = Powers::new(&cs, &r, n, max_out)?;
        for (li, l) in arch.layers.iter().enumerate() {
            if let (Some((matrix, bias)), true) = (&params[li], freivalds[li]) {
                check_layer(&cs, &powers, l.inputs(), l.outputs(), fixed.scale_bits, &layer_inputs[li], matrix, bias, &layer_acc[li])?;
            }
        }

        // mse: each sample's single output against its target, and the rounded mean
        if shape.score.is_mse() {
            let outputs: Vec<Num> = logits.iter().map(|x| x.first().cloned().unwrap_or_else(|| Num::constant(ArkFr::zero()))).collect();
            let targets: Vec<Num> = (0..n).map(|i| data_vals[i * stride + arch.input_dim].value.clone()).collect();
            return enforce_mse(&cs, &outputs, &targets, &inputs[3], fixed);
        }

        // per sample: the score function's bit; then the count
        let mut score = Num::constant(ArkFr::zero());
        for (i, (sample, x)) in w.trace.samples.iter().zip(&logits).enumerate() {
            let label = &data_vals[i * stride + arch.input_dim].value;
            let correct = match shape.score {
                ScoreFunction::TopK { k } => topk_correct(&cs, x, label, w.data.labels[i], k, fixed)?,
                // top-1 (mse returned above; support::check refused every other score function)
                _ => argmax_correct(&cs, x, sample.prediction, label, fixed)?,
            };
            score = score.add(&correct);
        }
        enforce_equal(&cs, &score, &inputs[3])
    }
}
