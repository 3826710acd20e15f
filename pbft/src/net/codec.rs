//! Wire framing: each frame is `u32 length || version byte || postcard(Message)`
//! (tokio-util `LengthDelimitedCodec`). Decoding errors are returned, never
//! panicked on; the runtime counts and drops bad frames.

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::{Framed, LengthDelimitedCodec};

use crate::error::{PbftError, Result};
use crate::message::Message;

/// Current wire-format version.
pub const VERSION: u8 = 1;
/// Largest accepted frame (snapshots travel in state-transfer replies).
pub const MAX_FRAME: usize = 256 << 20;

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

/// Wrap a stream in the length-delimited codec.
pub fn framed<T: AsyncRead + AsyncWrite>(io: T) -> Framed<T, LengthDelimitedCodec> {
    let codec = LengthDelimitedCodec::builder().max_frame_length(MAX_FRAME).new_codec();
    Framed::new(io, codec)
}
