//! The canonical encodings of a quantized model and a quantized data set, and their Poseidon
//! commitments. Spec (also in `docs/commitments.md`):
//!
//! * A commitment is [`hash_chain`](crate::poseidon::hash_chain)`(header ++ pack(values))`.
//! * Model header: `[1 (domain), 1 (version), b, s, input_dim, num_classes, L,
//!   (inputs, outputs, relu) for each of the L dense layers]`, one field element each. Other
//!   layers write `(inputs, outputs, tag >= 2, geometry...)` instead (conv: tag `2 + relu`, then
//!   out_channels; max-pool: 4; average-pool: `5 + count_include_pad`; geometry: input
//!   `[C, H, W]`, kernel, strides, pads; LSTM: 7 and GRU: 8, then steps, input size, hidden
//!   size, sequence output), so MLP headers are unchanged ([`LayerArch::header`](crate::layers::LayerArch::header)).
//!   Model values: for each layer, its weights row-major (`w[i][j]`, input-major; conv kernels
//!   `[out_ch][in_ch][kh][kw]`) then its biases; pooling layers have none; a recurrent layer
//!   its `w`, `r`, `wb`, `rb` (ONNX layout, `crate::layers::recurrent`).
//! * Data set header: `[2 (domain), 1 (version), b, s, N, input_dim, num_classes]`.
//!   Data set values: for each sample, its features then its label.
//!   A regression set (`num_classes = 1`) has domain 4 instead: `[4, 1, b, s, N, input_dim, 1]`,
//!   and its values are each sample's features then its quantized target (signed, packed like
//!   every value). Classification headers are unchanged, and a regression commitment can never
//!   equal a classification one (the domain differs).
//! * `pack`: each value `v` becomes the unsigned slot `v + 2^(b-1)` in `[0, 2^b)`; slots are
//!   taken in order in groups of `floor(253 / b)` (15 for b = 16), and each group becomes the
//!   field element `sum_t slot_t 2^(b (len-1-t))` (first slot most significant; the last group
//!   may be shorter). The header fixes every length, so the encoding is injective.
//! * A data set too large for one circuit is split into consecutive chunks; its commitment is
//!   the *chunked* commitment `hash_chain([3 (domain), 1 (version), N, m, n_1, c_1, ..., n_m,
//!   c_m])` over the chunk sizes `n_i` and the chunks' own data set commitments `c_i`.

use crate::dataset::QuantizedDataset;
use crate::field::{fr_to_hex, Fr};
use crate::fixed::FixedParams;
use crate::model::{Architecture, QuantizedModel};
use crate::poseidon::hash_chain;
use halo2_proofs::halo2curves::ff::Field;
use serde::{Deserialize, Serialize};

/// Domain tag of model encodings.
pub const MODEL_DOMAIN: u64 = 1;
/// Domain tag of data set encodings.
pub const DATASET_DOMAIN: u64 = 2;
/// Domain tag of chunked data set commitments.
pub const CHUNKED_DOMAIN: u64 = 3;
/// Domain tag of regression data set encodings (`num_classes = 1`, targets in the label slot).
pub const REGRESSION_DOMAIN: u64 = 4;
/// Version of both encodings.
pub const ENCODING_VERSION: u64 = 1;

/// The model header (see the module doc).
pub fn model_header(arch: &Architecture) -> Vec<Fr> {
    let mut h = vec![
        MODEL_DOMAIN,
        ENCODING_VERSION,
        arch.fixed.value_bits as u64,
        arch.fixed.scale_bits as u64,
        arch.input_dim as u64,
        arch.num_classes as u64,
        arch.layers.len() as u64,
    ];
    for l in &arch.layers {
        h.extend(l.header());
    }
    h.into_iter().map(Fr::from).collect()
}

/// The model's values in encoding order: per layer, weights row-major then biases.
pub fn model_values(model: &QuantizedModel) -> Vec<i64> {
    let mut v = Vec::new();
    for l in &model.layers {
        v.extend(l.values());
    }
    v
}

/// The data set header (see the module doc): domain 4 for a regression set (`num_classes = 1`).
pub fn dataset_header(fixed: FixedParams, samples: usize, input_dim: usize, num_classes: usize) -> Vec<Fr> {
    [
        if num_classes == 1 { REGRESSION_DOMAIN } else { DATASET_DOMAIN },
        ENCODING_VERSION,
        fixed.value_bits as u64,
        fixed.scale_bits as u64,
        samples as u64,
        input_dim as u64,
        num_classes as u64,
    ]
    .into_iter()
    .map(Fr::from)
    .collect()
}

/// The data set's values in encoding order: per sample, features then label (or target).
pub fn dataset_values(data: &QuantizedDataset) -> Vec<i64> {
    let mut v = Vec::with_capacity(data.len() * (data.input_dim + 1));
    for i in 0..data.len() {
        v.extend_from_slice(data.sample(i));
        v.push(data.labels[i]);
    }
    v
}

/// The unsigned slot of a value: `v + 2^(b-1)`.
pub fn slot(v: i64, fixed: FixedParams) -> u64 {
    (v - fixed.min_value()) as u64
}

/// Packs values into field elements (see the module doc).
pub fn pack(values: &[i64], fixed: FixedParams) -> Vec<Fr> {
    let shift = Fr::from(1u64 << fixed.value_bits);
    values
        .chunks(fixed.values_per_element())
        .map(|group| group.iter().fold(Fr::ZERO, |acc, v| acc * shift + Fr::from(slot(*v, fixed))))
        .collect()
}

/// Poseidon commitment of a quantized model.
pub fn model_commitment(model: &QuantizedModel) -> Fr {
    let mut elements = model_header(&model.architecture());
    elements.extend(pack(&model_values(model), model.fixed));
    hash_chain(&elements)
}

/// Poseidon commitment of a quantized data set.
pub fn dataset_commitment(data: &QuantizedDataset) -> Fr {
    let mut elements = dataset_header(data.fixed, data.len(), data.input_dim, data.num_classes);
    elements.extend(pack(&dataset_values(data), data.fixed));
    hash_chain(&elements)
}

/// Sizes of the consecutive chunks of `n` samples at most `chunk` each: all full but the last.
pub fn chunk_sizes(n: usize, chunk: usize) -> Vec<usize> {
    let chunk = chunk.max(1);
    (0..n.div_ceil(chunk)).map(|i| chunk.min(n - i * chunk)).collect()
}

/// The commitment of a data set proved in chunks, from each chunk's size and data set
/// commitment (in order): `hash_chain([3, 1, N, m, n_1, c_1, ..., n_m, c_m])`.
pub fn chunked_dataset_commitment(chunks: &[(u64, Fr)]) -> Fr {
    let total: u64 = chunks.iter().map(|(n, _)| n).sum();
    let mut elements = vec![Fr::from(CHUNKED_DOMAIN), Fr::from(ENCODING_VERSION), Fr::from(total), Fr::from(chunks.len() as u64)];
    for (n, c) in chunks {
        elements.push(Fr::from(*n));
        elements.push(*c);
    }
    hash_chain(&elements)
}

/// The chunked commitment of `data` split into chunks of at most `chunk` samples.
pub fn chunked_commitment_of(data: &QuantizedDataset, chunk: usize) -> Fr {
    let parts: Vec<(u64, Fr)> = data.chunks(chunk).iter().map(|c| (c.len() as u64, dataset_commitment(c))).collect();
    chunked_dataset_commitment(&parts)
}

/// Both commitments, as `zkpot commit` prints them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitments {
    pub model_commitment: String,
    pub dataset_commitment: String,
    pub samples: usize,
}

impl Commitments {
    /// Computes both commitments.
    pub fn compute(model: &QuantizedModel, data: &QuantizedDataset) -> Self {
        Commitments {
            model_commitment: fr_to_hex(&model_commitment(model)),
            dataset_commitment: fr_to_hex(&dataset_commitment(data)),
            samples: data.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_is_big_endian_per_group() {
        let fixed = FixedParams { scale_bits: 2, value_bits: 8 };
        assert_eq!(fixed.values_per_element(), 31);
        let v = vec![-128, 0, 127];
        // slots 0, 128, 255 -> 0*2^16 + 128*2^8 + 255
        assert_eq!(pack(&v, fixed), vec![Fr::from(128 * 256 + 255)]);
        let many: Vec<i64> = (0..40).map(|i| i - 20).collect();
        assert_eq!(pack(&many, fixed).len(), 2);
    }

    #[test]
    fn regression_sets_have_their_own_domain() {
        let fixed = FixedParams { scale_bits: 2, value_bits: 8 };
        assert_eq!(dataset_header(fixed, 3, 2, 10)[0], Fr::from(DATASET_DOMAIN));
        assert_eq!(dataset_header(fixed, 3, 2, 1)[0], Fr::from(REGRESSION_DOMAIN));
        let reg = QuantizedDataset::new("r", fixed, 2, 1, vec![1, 2, 3, 4], vec![-5, 7]).unwrap();
        let cls = QuantizedDataset::new("c", fixed, 2, 2, vec![1, 2, 3, 4], vec![0, 1]).unwrap();
        assert_ne!(dataset_commitment(&reg), dataset_commitment(&cls));
        let mut other = reg.clone();
        other.labels[1] = 8;
        assert_ne!(dataset_commitment(&reg), dataset_commitment(&other), "the commitment binds the targets");
    }

    #[test]
    fn chunk_sizes_cover_the_set() {
        assert_eq!(chunk_sizes(1797, 500), vec![500, 500, 500, 297]);
        assert_eq!(chunk_sizes(500, 500), vec![500]);
        assert_eq!(chunk_sizes(3, 1), vec![1, 1, 1]);
    }

    #[test]
    fn chunked_commitment_binds_sizes_and_order() {
        let (a, b) = (Fr::from(11u64), Fr::from(22u64));
        let base = chunked_dataset_commitment(&[(5, a), (3, b)]);
        assert_ne!(base, chunked_dataset_commitment(&[(3, b), (5, a)]));
        assert_ne!(base, chunked_dataset_commitment(&[(4, a), (4, b)]));
        assert_ne!(base, chunked_dataset_commitment(&[(5, a)]));
    }
}
