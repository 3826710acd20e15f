//! Identifiers and small value types shared by every module.

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// Index of a replica in the cluster, `0..n`.
pub type ReplicaId = u32;
/// View number (§4.1: the primary of view `v` is replica `v mod n`).
pub type View = u64;
/// Sequence number assigned by the primary (§4.2).
pub type SeqNo = u64;
/// SHA-256 digest.
pub type Digest = [u8; 32];

/// A client is named by its Ed25519 public key: requests are self-authenticating
/// and no client registry is needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ClientId(pub [u8; 32]);

impl std::fmt::Display for ClientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", hex::encode(&self.0[..6]))
    }
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> Digest {
    Sha256::digest(bytes).into()
}

/// SHA-256 of the postcard encoding of `value`.
pub fn digest_of<T: Serialize>(value: &T) -> Digest {
    // postcard serialization of our own in-memory types cannot fail (no maps with
    // non-string keys restrictions, no io); fall back to hashing nothing if it did.
    sha256(&postcard::to_stdvec(value).unwrap_or_default())
}
