//! Bounded ingress on real sockets: what an unauthenticated peer or a misbehaving
//! client can make a replica read and hold, and the rejections it gets back.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_util::codec::{Framed, LengthDelimitedCodec};

use common::client_key;
use common::net::{wait_until, LocalCluster};
use zkpot_pbft::crypto::Signed;
use zkpot_pbft::message::{Hello, Message, Rejection};
use zkpot_pbft::net::codec::{client_frame_limit, decode, encode, framed, MAX_FRAME};
use zkpot_pbft::net::max_conns_per_ip;
use zkpot_pbft::{Client, Params, PbftError};

const MAX_REQUEST: usize = 1000;

fn params() -> Params {
    Params { max_request_bytes: MAX_REQUEST, max_batch_bytes: 4 * MAX_REQUEST, status_interval_ms: 100, ..Params::default() }
}

type Conn = Framed<TcpStream, LengthDelimitedCodec>;

async fn next_msg(c: &mut Conn) -> Option<Message> {
    let f = tokio::time::timeout(Duration::from_secs(10), c.next()).await.ok()??.ok()?;
    decode(&f).ok()
}

/// A TCP connection to `addr`, waiting for the replica to listen.
async fn tcp(addr: std::net::SocketAddr) -> Conn {
    for _ in 0..200 {
        if let Ok(s) = TcpStream::connect(addr).await {
            return framed(s);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("replica at {addr} never listened");
}

/// Connect and read the challenge's nonce.
async fn connect(addr: std::net::SocketAddr) -> (Conn, [u8; 32]) {
    let mut c = tcp(addr).await;
    match next_msg(&mut c).await {
        Some(Message::Challenge(ch)) => (c, ch.nonce),
        other => panic!("expected a challenge, got {other:?}"),
    }
}

/// A frame above the client limit from a peer that is not a replica is refused with
/// a reason and the connection closed; a replica's genuine hello lifts the limit,
/// a replayed one (signed over another connection's nonce) does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_peers_are_held_to_the_client_frame_limit() {
    let c = LocalCluster::start(4, params());
    c.listening().await;
    let limit = client_frame_limit(MAX_REQUEST);
    let big = Bytes::from(vec![0xeeu8; limit + 100]); // wrong version byte: malformed

    // A client connection: refused, told why, closed.
    let (mut conn, _) = connect(c.addrs[1]).await;
    conn.send(big.clone()).await.unwrap();
    assert_eq!(next_msg(&mut conn).await, Some(Message::Rejected(Rejection::FrameTooLarge { limit: limit as u64 })));
    assert!(next_msg(&mut conn).await.is_none(), "closed");

    // A recorded hello of replica 2 (signed over another nonce) replayed: still a client.
    let (_, old_nonce) = connect(c.addrs[1]).await;
    let (mut conn, _nonce) = connect(c.addrs[1]).await;
    let replayed = Signed::sign(Hello { replica: 2, nonce: old_nonce }, &c.keys[2]);
    conn.send(encode(&Message::Hello(replayed)).unwrap()).await.unwrap();
    conn.send(big.clone()).await.unwrap();
    assert_eq!(next_msg(&mut conn).await, Some(Message::Rejected(Rejection::FrameTooLarge { limit: limit as u64 })));

    // The genuine hello over this connection's nonce: a replica link, big frames pass
    // the codec (this one is garbage, so it is counted as malformed, not refused).
    let malformed = c.stats[1].malformed.load(Ordering::Relaxed);
    let (mut conn, nonce) = connect(c.addrs[1]).await;
    let hello = Signed::sign(Hello { replica: 2, nonce }, &c.keys[2]);
    conn.send(encode(&Message::Hello(hello)).unwrap()).await.unwrap();
    conn.send(big).await.unwrap();
    wait_until("the big frame to be read", || c.stats[1].malformed.load(Ordering::Relaxed) > malformed).await;
    assert!(limit < MAX_FRAME);
    assert_eq!(c.stats[1].oversized_in.load(Ordering::Relaxed), 2, "only the two client frames refused");
    c.stop().await;
}

/// A request whose operation is above `max_request_bytes` (in a frame under the
/// limit, or in one above it) is refused by every replica, and the client learns why
/// at once instead of timing out; a normal request then still goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_request_fails_fast_with_the_limit() {
    let c = LocalCluster::start(4, params());
    c.listening().await;
    let mut client = Client::connect(&c.cluster, client_key(0))
        .unwrap()
        .with_timeouts(Duration::from_millis(500), Duration::from_secs(30));
    let start = std::time::Instant::now();
    match client.submit(vec![1; MAX_REQUEST + 1]).await {
        Err(PbftError::Rejected(why)) => assert!(why.contains(&MAX_REQUEST.to_string()), "{why}"),
        other => panic!("expected a rejection, got {other:?}"),
    }
    match client.submit(vec![1; 10 * MAX_REQUEST]).await {
        Err(PbftError::Rejected(why)) => assert!(why.contains("frame"), "{why}"),
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert!(start.elapsed() < Duration::from_secs(25), "refused, not timed out");
    let mut client = Client::connect(&c.cluster, client_key(1))
        .unwrap()
        .with_timeouts(Duration::from_millis(500), Duration::from_secs(30));
    client.submit(vec![2; MAX_REQUEST]).await.expect("a request at the limit is ordered");
    // The client stops at f+1 refusals; a replica slowed by a loaded machine may
    // count its own a little later.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !c.stats.iter().all(|s| s.oversized_in.load(Ordering::Relaxed) >= 1) && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(c.stats.iter().all(|s| s.oversized_in.load(Ordering::Relaxed) >= 1));
    c.stop().await;
}

/// Connections from one address beyond `max_conns_per_ip(n)` are refused with a
/// reason; the replica keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_per_address_are_capped() {
    let c = LocalCluster::start(4, params());
    c.listening().await;
    let cap = max_conns_per_ip(4);
    let mut open = Vec::new();
    let mut refused = 0;
    for _ in 0..cap + 10 {
        let mut conn = tcp(c.addrs[1]).await;
        match next_msg(&mut conn).await {
            Some(Message::Challenge(_)) => open.push(conn),
            Some(Message::Rejected(Rejection::TooManyConnections { limit })) => {
                assert_eq!(limit, cap as u64);
                refused += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    // The 3 other replicas hold connections from 127.0.0.1 too.
    assert!(open.len() <= cap, "{} open", open.len());
    assert!(refused >= 10, "{refused} refused");
    assert_eq!(c.stats[1].refused_connections.load(Ordering::Relaxed), refused);
    drop(open);
    let mut client = Client::connect(&c.cluster, client_key(2))
        .unwrap()
        .with_timeouts(Duration::from_millis(500), Duration::from_secs(30));
    client.submit(b"still serving".to_vec()).await.expect("reply");
    c.stop().await;
}

/// A replica key lets a peer open at most two authenticated connections (a Byzantine
/// replica cannot multiply its input budget by opening more).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authenticated_connections_per_replica_are_capped() {
    let c = LocalCluster::start(4, params());
    c.listening().await;
    let mut refused = 0;
    let mut kept = Vec::new();
    for _ in 0..3 {
        let (mut conn, nonce) = connect(c.addrs[1]).await;
        let hello = Signed::sign(Hello { replica: 2, nonce }, &c.keys[2]);
        conn.send(encode(&Message::Hello(hello)).unwrap()).await.unwrap();
        match tokio::time::timeout(Duration::from_millis(500), conn.next()).await {
            Ok(Some(Ok(f))) => {
                assert_eq!(decode(&f).unwrap(), Message::Rejected(Rejection::TooManyConnections { limit: 2 }));
                refused += 1;
            }
            _ => kept.push(conn),
        }
    }
    assert!(refused >= 1 && kept.len() <= 2, "{refused} refused, {} kept", kept.len());
    c.stop().await;
}
