//! `Bytes32`: a 32-byte value (public key, hash, field element) that serializes as
//! `0x`-prefixed hex in human-readable formats (JSON) and as raw bytes in binary ones
//! (postcard), so replies stay readable and snapshots stay compact.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A 32-byte value shown as `0x` + 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Bytes32(pub [u8; 32]);

impl Bytes32 {
    /// Parses 64 hex digits, with or without a `0x` prefix, in either case.
    pub fn from_hex(s: &str) -> Result<Self, String> {
        let t = s
            .strip_prefix("0x")
            .or_else(|| s.strip_prefix("0X"))
            .unwrap_or(s);
        if t.len() != 64 {
            return Err(format!(
                "expected 64 hex digits, got {} characters",
                t.len()
            ));
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(t, &mut out).map_err(|e| format!("bad hex: {e}"))?;
        Ok(Self(out))
    }

    /// `0x` + 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        format!("0x{}", hex::encode(self.0))
    }
}

impl fmt::Display for Bytes32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Bytes32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl Serialize for Bytes32 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&self.to_hex())
        } else {
            self.0.serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for Bytes32 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let s = String::deserialize(d)?;
            Self::from_hex(&s).map_err(D::Error::custom)
        } else {
            Ok(Self(<[u8; 32]>::deserialize(d)?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_case() {
        let b = Bytes32([0xab; 32]);
        assert_eq!(Bytes32::from_hex(&b.to_hex()).unwrap(), b);
        assert_eq!(Bytes32::from_hex(&"AB".repeat(32)).unwrap(), b);
        assert!(Bytes32::from_hex("0x12").is_err());
        assert!(Bytes32::from_hex(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn json_is_hex_postcard_is_raw() {
        let b = Bytes32([1; 32]);
        let j = serde_json::to_string(&b).unwrap();
        assert_eq!(j, format!("\"0x{}\"", "01".repeat(32)));
        let p = postcard::to_allocvec(&b).unwrap();
        assert_eq!(p.len(), 32);
        assert_eq!(postcard::from_bytes::<Bytes32>(&p).unwrap(), b);
        assert_eq!(serde_json::from_str::<Bytes32>(&j).unwrap(), b);
    }
}
