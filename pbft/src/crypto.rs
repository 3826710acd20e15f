//! Ed25519 signing of protocol messages.
//!
//! Every message type implements [`Signable`]: a domain tag plus the identity of
//! its signer. The signed bytes are `tag || postcard(body)`, except for requests
//! (`tag || postcard(client, timestamp, SHA-256(op))`) and pre-prepares (`tag ||
//! postcard(view, seq, digest, primary)`: the batch is bound by its digest), so that big
//! operations are hashed once per check instead of serialized and hashed again. Verification lives in
//! [`crate::verify`]; this module only produces signatures and derives keys.

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::types::{sha256, ClientId, ReplicaId};

/// Who must have signed a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signer {
    /// A replica, by index.
    Replica(ReplicaId),
    /// A client, by public key.
    Client(ClientId),
}

/// A message body that can be signed.
pub trait Signable: Serialize {
    /// Domain-separation tag, distinct per message type.
    const TAG: &'static [u8];
    /// The principal whose key must verify the signature.
    fn signer(&self) -> Signer;
    /// Bytes covered by the signature.
    fn signing_bytes(&self) -> Vec<u8> {
        tagged(Self::TAG, self)
    }
}

/// `tag || postcard(value)`: the bytes a signature covers.
pub(crate) fn tagged<T: Serialize + ?Sized>(tag: &[u8], value: &T) -> Vec<u8> {
    let mut out = tag.to_vec();
    // Serializing our own types into a Vec cannot fail.
    out.extend(postcard::to_stdvec(value).unwrap_or_default());
    out
}

/// A body with its Ed25519 signature (64 bytes; kept as a `Vec` because serde has
/// no impl for `[u8; 64]`; the length is checked on verification).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signed<T> {
    /// The signed content.
    pub body: T,
    /// Signature over `body.signing_bytes()` (`T::TAG || postcard(body)` unless the type says otherwise).
    pub sig: Vec<u8>,
}

impl<T: Signable> Signed<T> {
    /// Sign `body` with `key`.
    pub fn sign(body: T, key: &SigningKey) -> Self {
        let sig = key.sign(&body.signing_bytes()).to_bytes().to_vec();
        Signed { body, sig }
    }
}

/// Deterministic key derivation from a 32-byte seed (the seed *is* the Ed25519
/// secret key). Used by tests and by configuration files that store seeds.
pub fn key_from_seed(seed: &[u8; 32]) -> SigningKey {
    SigningKey::from_bytes(seed)
}

/// Test/demo helper: the key of principal `label`, derived as
/// `SHA-256("zkpot-pbft test key" || label)`. Never use for production keys.
pub fn test_key(label: &str) -> SigningKey {
    let mut bytes = b"zkpot-pbft test key".to_vec();
    bytes.extend_from_slice(label.as_bytes());
    key_from_seed(&sha256(&bytes))
}

/// The client id of a client key.
pub fn client_id(key: &SigningKey) -> ClientId {
    ClientId(key.verifying_key().to_bytes())
}

/// Parse a hex public key.
pub fn verifying_key_from_hex(s: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(s).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}
