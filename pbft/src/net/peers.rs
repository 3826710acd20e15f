//! Outgoing connections to the other replicas.
//!
//! One task per peer keeps a TCP connection open and writes the frames queued for
//! it; on failure it reconnects with exponential backoff (50 ms doubling to 2 s).
//! Every connection opens with the peer's [`Challenge`]; the task answers with a
//! [`Hello`] signed over its nonce, which proves to the peer that this connection
//! carries replica traffic. Frames queued while the peer is unreachable are dropped
//! when the queue is full; PBFT's retransmission (status ticks) recovers from the loss.
//!
//! A frame that cannot be sent never blocks the ones behind it: a frame above the
//! frame limit is dropped (and counted) before it reaches the socket, and a frame
//! whose send failed is retried once on the next connection, then dropped.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ed25519_dalek::SigningKey;
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use super::codec::{decode, encode, framed_with_limit};
use crate::crypto::Signed;
use crate::message::{Hello, Message};
use crate::types::ReplicaId;

/// Queue depth per peer.
pub(crate) const PEER_QUEUE: usize = 4096;

/// How long a new connection waits for the peer's challenge.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// Who we are on outgoing connections.
#[derive(Clone)]
pub(crate) struct PeerIdentity {
    pub id: ReplicaId,
    pub key: SigningKey,
    /// Largest frame sent; bigger ones are dropped and counted in `dropped`.
    pub max_frame: usize,
    pub dropped: Arc<AtomicU64>,
}

/// Run the connection to `addr`: answer the challenge on every (re)connection,
/// then send every frame received on `rx`.
pub(crate) async fn peer_task(addr: SocketAddr, me: PeerIdentity, mut rx: mpsc::Receiver<Bytes>) {
    let mut backoff = Duration::from_millis(50);
    let mut carry: Option<Bytes> = None;
    loop {
        let stream = match TcpStream::connect(addr).await {
            Ok(s) => s,
            Err(_) => {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
                // Drop what piled up meanwhile beyond the last frame: it is stale.
                while rx.len() > PEER_QUEUE / 2 {
                    if rx.try_recv().is_err() {
                        break;
                    }
                }
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let (mut sink, mut source) = framed_with_limit(stream, me.max_frame).split();
        let challenge = match tokio::time::timeout(HANDSHAKE_TIMEOUT, source.next()).await {
            Ok(Some(Ok(f))) => decode(&f).ok(),
            _ => None,
        };
        let Some(Message::Challenge(c)) = challenge else {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(2));
            continue;
        };
        let nonce = c.nonce;
        let Ok(hello) = encode(&Message::Hello(Signed::sign(Hello { replica: me.id, nonce }, &me.key))) else {
            return;
        };
        if sink.send(hello).await.is_err() {
            continue;
        }
        backoff = Duration::from_millis(50);
        // Retried once only: a frame the link keeps refusing must not wedge the queue.
        if let Some(frame) = carry.take() {
            if sink.send(frame).await.is_err() {
                me.dropped.fetch_add(1, Ordering::Relaxed);
                continue;
            }
        }
        loop {
            let Some(frame) = rx.recv().await else { return };
            if frame.len() > me.max_frame {
                me.dropped.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            if sink.send(frame.clone()).await.is_err() {
                carry = Some(frame);
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_key;
    use crate::message::Challenge;
    use crate::net::codec::framed;
    use crate::sigcheck;
    use crate::crypto::Signable;

    /// The old writer handed an over-limit frame to the codec, which refused it; it
    /// kept the frame, reconnected and tried again forever, and nothing queued behind
    /// it ever went out. Now it is dropped and counted, and the next frame arrives.
    #[tokio::test]
    async fn an_oversized_frame_is_dropped_and_the_frames_behind_it_go_out() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let key = test_key("replica-1");
        let dropped = Arc::new(AtomicU64::new(0));
        let me = PeerIdentity { id: 1, key: key.clone(), max_frame: 1024, dropped: dropped.clone() };
        let (tx, rx) = mpsc::channel(16);
        let task = tokio::spawn(peer_task(addr, me, rx));
        tx.send(Bytes::from(vec![0u8; 1025])).await.unwrap();
        tx.send(Bytes::from_static(b"after")).await.unwrap();
        let (stream, _) = listener.accept().await.unwrap();
        let mut peer = framed(stream);
        peer.send(encode(&Message::Challenge(Challenge { nonce: [7; 32] })).unwrap()).await.unwrap();
        let hello = decode(&peer.next().await.unwrap().unwrap()).unwrap();
        let Message::Hello(h) = hello else { panic!("expected hello, got {hello:?}") };
        assert_eq!(h.body, Hello { replica: 1, nonce: [7; 32] });
        let sig = ed25519_dalek::Signature::from_slice(&h.sig).unwrap();
        assert!(sigcheck::verify(&key.verifying_key(), &h.body.signing_bytes(), &sig));
        let next = tokio::time::timeout(Duration::from_secs(5), peer.next()).await.unwrap().unwrap().unwrap();
        assert_eq!(&next[..], b"after");
        assert_eq!(dropped.load(Ordering::Relaxed), 1);
        task.abort();
    }
}
