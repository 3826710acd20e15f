//! Persistent outgoing connections to other replicas.
//!
//! One task per peer owns a TCP connection and writes the frames queued for it;
//! on failure it reconnects with exponential backoff (50 ms doubling to 2 s).
//! Frames queued while the peer is unreachable are dropped when the queue is
//! full; PBFT's retransmission (status ticks) recovers from the loss.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use futures::SinkExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use super::codec::framed;

/// Queue depth per peer.
pub(crate) const PEER_QUEUE: usize = 4096;

/// Run the connection to `addr`: send `hello` first on every (re)connection,
/// then every frame received on `rx`.
pub(crate) async fn peer_task(addr: SocketAddr, hello: Bytes, mut rx: mpsc::Receiver<Bytes>) {
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
        backoff = Duration::from_millis(50);
        let mut sink = framed(stream);
        if sink.send(hello.clone()).await.is_err() {
            continue;
        }
        if let Some(frame) = carry.take() {
            if sink.send(frame.clone()).await.is_err() {
                carry = Some(frame);
                continue;
            }
        }
        loop {
            let Some(frame) = rx.recv().await else { return };
            if sink.send(frame.clone()).await.is_err() {
                carry = Some(frame);
                break;
            }
        }
    }
}
