//! The binary container of zkpot's key and proof files: a fixed header with a version byte, the
//! payload, and a SHA-256 checksum over both, so truncation, damage and wrong file kinds are
//! reported as such before any cryptography runs.
//!
//! ```text
//! offset  size  field
//! 0       4     magic "ZKPT"
//! 4       1     container format version (1; verifying and proving keys may be 2, whose
//!               payload records the key's provenance: see `crate::provenance`)
//! 5       1     kind (1 verifying key, 2 proof, 3 proving key, 4 KZG parameters)
//! 6       1     backend (1 halo2-kzg-bn254, 2 groth16-bn254)
//! 7       1     reserved (0)
//! 8       8     payload length, little endian
//! 16      n     payload
//! 16+n    32    SHA-256 of bytes [0, 16+n)
//! ```

use crate::error::VerifyError;
use sha2::{Digest, Sha256};

/// The magic bytes.
pub const MAGIC: &[u8; 4] = b"ZKPT";
/// The container version of proofs and parameters (and of keys written before provenance).
pub const VERSION: u8 = 1;
/// The container version of keys that record their provenance (`crate::provenance`).
pub const VERSION_KEYS: u8 = 2;
const HEADER: usize = 16;
const CHECKSUM: usize = 32;

/// What a container holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    VerifyingKey = 1,
    Proof = 2,
    ProvingKey = 3,
    KzgParams = 4,
}

impl Kind {
    /// A human name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::VerifyingKey => "verifying key",
            Kind::Proof => "proof",
            Kind::ProvingKey => "proving key",
            Kind::KzgParams => "KZG parameters",
        }
    }

    fn from_byte(b: u8) -> Option<Kind> {
        Some(match b {
            1 => Kind::VerifyingKey,
            2 => Kind::Proof,
            3 => Kind::ProvingKey,
            4 => Kind::KzgParams,
            _ => return None,
        })
    }
}

/// Backend byte of halo2 (KZG on BN254).
pub const BACKEND_HALO2: u8 = 1;
/// Backend byte of Groth16 (BN254).
pub const BACKEND_GROTH16: u8 = 2;

/// Wraps a payload (container version [`VERSION`]).
pub fn seal(kind: Kind, backend: u8, payload: &[u8]) -> Vec<u8> {
    seal_version(VERSION, kind, backend, payload)
}

/// Wraps a payload under an explicit container version.
pub fn seal_version(version: u8, kind: Kind, backend: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + payload.len() + CHECKSUM);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[version, kind as u8, backend, 0]);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(payload);
    let digest = Sha256::digest(&out);
    out.extend_from_slice(&digest);
    out
}

/// Checks and unwraps a container of the expected kind and version [`VERSION`]; returns
/// `(backend, payload)`.
pub fn open(bytes: &[u8], expected: Kind) -> Result<(u8, &[u8]), VerifyError> {
    let (_, backend, payload) = open_version(bytes, expected, VERSION)?;
    Ok((backend, payload))
}

/// Checks and unwraps a container of the expected kind and a version from 1 to `newest`;
/// returns `(version, backend, payload)`.
pub fn open_version(bytes: &[u8], expected: Kind, newest: u8) -> Result<(u8, u8, &[u8]), VerifyError> {
    let what = expected.name();
    if bytes.len() < HEADER {
        return Err(VerifyError::Truncated { what, detail: format!("{} bytes, the header alone is {HEADER}", bytes.len()) });
    }
    if &bytes[0..4] != MAGIC {
        return Err(VerifyError::NotAnArtifact { what, detail: "not a zkpot key or proof file (bad magic bytes)".into() });
    }
    if !(VERSION..=newest).contains(&bytes[4]) {
        return Err(VerifyError::UnsupportedVersion { what, found: bytes[4], supported: newest });
    }
    match Kind::from_byte(bytes[5]) {
        Some(k) if k == expected => {}
        Some(k) => {
            return Err(VerifyError::NotAnArtifact { what, detail: format!("this file holds a {}, not a {what}", k.name()) })
        }
        None => return Err(VerifyError::NotAnArtifact { what, detail: format!("unknown file kind {}", bytes[5]) }),
    }
    if bytes[7] != 0 {
        return Err(VerifyError::Malformed { what, detail: format!("reserved header byte is {}, expected 0", bytes[7]) });
    }
    let mut len = [0u8; 8];
    len.copy_from_slice(&bytes[8..16]);
    let len = u64::from_le_bytes(len);
    let expected_total = (HEADER as u64).saturating_add(len).saturating_add(CHECKSUM as u64);
    if (bytes.len() as u64) < expected_total {
        return Err(VerifyError::Truncated { what, detail: format!("{} bytes, the header declares {expected_total}", bytes.len()) });
    }
    if (bytes.len() as u64) > expected_total {
        return Err(VerifyError::Malformed { what, detail: format!("{} trailing bytes after the checksum", bytes.len() as u64 - expected_total) });
    }
    let body_end = HEADER + len as usize;
    let digest = Sha256::digest(&bytes[..body_end]);
    if digest.as_slice() != &bytes[body_end..] {
        return Err(VerifyError::Corrupted { what });
    }
    Ok((bytes[4], bytes[6], &bytes[HEADER..body_end]))
}

/// A cursor over a payload that reports truncation instead of panicking.
pub struct Reader<'a> {
    what: &'static str,
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Reads `bytes`, naming `what` in errors.
    pub fn new(what: &'static str, bytes: &'a [u8]) -> Self {
        Reader { what, bytes }
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], VerifyError> {
        if self.bytes.len() < n {
            return Err(VerifyError::Malformed { what: self.what, detail: format!("needs {n} more bytes, {} left", self.bytes.len()) });
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    /// A little-endian u32.
    pub fn u32(&mut self) -> Result<u32, VerifyError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A u32-length-prefixed byte string.
    pub fn bytes(&mut self) -> Result<&'a [u8], VerifyError> {
        let n = self.u32()? as usize;
        self.take(n)
    }

    /// Whatever is left.
    pub fn rest(self) -> &'a [u8] {
        self.bytes
    }
}

/// Appends a u32-length-prefixed byte string.
pub fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_every_damage_is_named() {
        let sealed = seal(Kind::Proof, BACKEND_HALO2, b"hello proof");
        assert_eq!(open(&sealed, Kind::Proof).unwrap(), (BACKEND_HALO2, &b"hello proof"[..]));
        assert!(matches!(open(&sealed[..10], Kind::Proof), Err(VerifyError::Truncated { .. })));
        assert!(matches!(open(&sealed[..sealed.len() - 1], Kind::Proof), Err(VerifyError::Truncated { .. })));
        assert!(matches!(open(&sealed, Kind::VerifyingKey), Err(VerifyError::NotAnArtifact { .. })));
        for i in 16..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 1;
            assert!(matches!(open(&bad, Kind::Proof), Err(VerifyError::Corrupted { .. })), "byte {i}");
        }
        let mut bad = sealed.clone();
        bad[4] = 9;
        assert!(matches!(open(&bad, Kind::Proof), Err(VerifyError::UnsupportedVersion { found: 9, .. })));
        let mut bad = sealed.clone();
        bad[0] = b'X';
        assert!(matches!(open(&bad, Kind::Proof), Err(VerifyError::NotAnArtifact { .. })));
    }
}
