//! Deterministic keys for tests, demos and local clusters: an ed25519 signing key from
//! a seed string (`SHA-256("zkpot-ledger/key/v1" || seed)`). Not for production keys.

use crate::bytes32::Bytes32;
use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};

/// The signing key derived from `seed`.
pub fn signing_key_from_seed(seed: &str) -> SigningKey {
    let mut h = Sha256::new();
    h.update(b"zkpot-ledger/key/v1");
    h.update(seed.as_bytes());
    SigningKey::from_bytes(&h.finalize().into())
}

/// The account id (public key) of `key`.
pub fn account_of(key: &SigningKey) -> Bytes32 {
    Bytes32(key.verifying_key().to_bytes())
}

/// The account id derived from `seed`.
pub fn account_from_seed(seed: &str) -> Bytes32 {
    account_of(&signing_key_from_seed(seed))
}
