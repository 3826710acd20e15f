//! Wire framing: each frame is `u32 length || version byte || postcard(Message)`
//! (tokio-util `LengthDelimitedCodec`). Decoding errors are returned, never
//! panicked on; the runtime counts and drops bad frames.
//!
//! Two frame limits: [`MAX_FRAME`] on connections whose peer proved to be a replica
//! (challenge and signed hello), [`client_frame_limit`] on every other connection
//! (one request at most), so an unauthenticated peer can never make a replica read a
//! large frame.

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::{Framed, LengthDelimitedCodec};

use crate::error::{PbftError, Result};
use crate::message::Message;

/// Current wire-format version (3: challenge/hello handshake, rejections; 4: snapshots
/// in Merkle-proved chunks, `FetchChunk` and `SnapshotChunk`).
pub const VERSION: u8 = 4;
/// Largest frame between replicas (the largest legitimate message is bounded by
/// `crate::limits::largest_frame`; snapshots travel in chunks).
pub const MAX_FRAME: usize = 256 << 20;
/// Room in a client frame for everything but the operation (version, enum tags,
/// client id, timestamp, signature, length prefixes).
pub const REQUEST_OVERHEAD: usize = 1024;

/// Largest frame accepted from a connection that has not proved to be a replica:
/// one request with an operation of `max_request_bytes`.
pub fn client_frame_limit(max_request_bytes: usize) -> usize {
    max_request_bytes.saturating_add(REQUEST_OVERHEAD)
}

/// Encode one message as a frame payload.
pub fn encode(msg: &Message) -> Result<Bytes> {
    let mut out = vec![VERSION];
    out.extend(postcard::to_stdvec(msg)?);
    Ok(Bytes::from(out))
}

/// Decode a frame payload.
pub fn decode(frame: &[u8]) -> Result<Message> {
    match frame.split_first() {
        Some((&VERSION, rest)) => Ok(postcard::from_bytes(rest)?),
        Some((&v, _)) => Err(PbftError::Version(v)),
        None => Err(PbftError::Malformed("empty frame".into())),
    }
}

/// Wrap a stream in the length-delimited codec, frames up to [`MAX_FRAME`].
pub fn framed<T: AsyncRead + AsyncWrite>(io: T) -> Framed<T, LengthDelimitedCodec> {
    framed_with_limit(io, MAX_FRAME)
}

/// Wrap a stream in the length-delimited codec, frames up to `limit` bytes both ways.
pub fn framed_with_limit<T: AsyncRead + AsyncWrite>(io: T, limit: usize) -> Framed<T, LengthDelimitedCodec> {
    let codec = LengthDelimitedCodec::builder().max_frame_length(limit).new_codec();
    Framed::new(io, codec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{test_key, Signed};
    use crate::message::Prepare;

    #[test]
    fn frames_round_trip_and_garbage_is_an_error() {
        let m = Message::Prepare(Signed::sign(
            Prepare { view: 3, seq: 9, digest: [5; 32], replica: 1 },
            &test_key("replica-1"),
        ));
        let f = encode(&m).unwrap();
        assert_eq!(f[0], VERSION);
        assert_eq!(decode(&f).unwrap(), m);
        assert!(matches!(decode(&[]), Err(PbftError::Malformed(_))));
        let mut wrong = f.to_vec();
        wrong[0] = 99;
        assert!(matches!(decode(&wrong), Err(PbftError::Version(99))));
        // Truncations and random bytes never panic.
        for cut in 0..f.len() {
            let _ = decode(&f[..cut]);
        }
        let mut x: u64 = 0x9e3779b97f4a7c15;
        for _ in 0..2000 {
            let len = (x % 200) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            let mut framed = vec![VERSION];
            framed.extend(bytes);
            let _ = decode(&framed);
        }
    }
}
