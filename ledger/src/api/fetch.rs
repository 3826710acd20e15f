//! The auditor's side of the read API: a small HTTP/1.1 GET client (plain `http://`, one
//! request per connection, bounded answers, a timeout) and [`check_checkpoint`], which
//! fetches a node's checkpoint certificate and its snapshot and checks them with
//! [`super::certificate::verify`] (`zkpot ledger checkpoint --api URL`).

use super::certificate::{verify, Certificate, Refusal};
use crate::bytes32::Bytes32;
use crate::error::LedgerError;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use zkpot_pbft::ClusterConfig;

/// How long one request may take.
pub const TIMEOUT: Duration = Duration::from_secs(20);
/// Largest answer read (a snapshot is the whole ledger state).
pub const MAX_ANSWER_BYTES: usize = 256 << 20;

/// `http://host[:port][/prefix]` split into the address to connect to, the `Host` header and
/// the path prefix (no trailing slash).
fn split_url(url: &str) -> Result<(String, String, String), LedgerError> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        LedgerError::Usage(format!("--api {url:?}: give the node's read API as http://HOST:PORT (https is not supported; use a local tunnel)"))
    })?;
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    if authority.is_empty() || authority.contains('@') {
        return Err(LedgerError::Usage(format!("--api {url:?}: no host (or user info, which is not supported)")));
    }
    let addr = if authority.rsplit_once(':').is_some_and(|(_, p)| p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty()) {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let prefix = path.trim_end_matches('/');
    Ok((addr, authority.to_string(), if prefix.is_empty() { String::new() } else { format!("/{prefix}") }))
}

/// GET `path` from the API at `base`: the status and the body (at most [`MAX_ANSWER_BYTES`]).
pub async fn get(base: &str, path: &str) -> Result<(u16, Vec<u8>), LedgerError> {
    let (addr, host, prefix) = split_url(base)?;
    let what = format!("GET {base}{path}");
    let io = |e: std::io::Error| LedgerError::io(what.clone(), e);
    let exchange = async {
        let mut s = TcpStream::connect(&addr).await.map_err(io)?;
        let req = format!("GET {prefix}{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nAccept: */*\r\n\r\n");
        s.write_all(req.as_bytes()).await.map_err(io)?;
        let mut buf = Vec::new();
        (&mut s).take(MAX_ANSWER_BYTES as u64 + 64 * 1024).read_to_end(&mut buf).await.map_err(io)?;
        Ok::<_, LedgerError>(buf)
    };
    let buf = tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| LedgerError::Consensus(format!("{what}: no complete answer within {} s", TIMEOUT.as_secs())))??;
    parse_answer(&buf).map_err(|e| LedgerError::Consensus(format!("{what}: {e}")))
}

fn parse_answer(buf: &[u8]) -> Result<(u16, Vec<u8>), String> {
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no HTTP header block in the answer")?;
    let head = String::from_utf8_lossy(&buf[..split]);
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or("no HTTP status line in the answer")?;
    let mut chunked = false;
    let mut length = None;
    for (k, v) in lines.filter_map(|l| l.split_once(':')) {
        match k.trim().to_ascii_lowercase().as_str() {
            "transfer-encoding" => chunked = v.to_ascii_lowercase().contains("chunked"),
            "content-length" => length = v.trim().parse::<usize>().ok(),
            _ => {}
        }
    }
    let body = &buf[split + 4..];
    let body = if chunked {
        dechunk(body)?
    } else if let Some(n) = length {
        body.get(..n).ok_or_else(|| format!("the answer stops after {} of its {n} bytes (over the limit of {MAX_ANSWER_BYTES}?)", body.len()))?.to_vec()
    } else {
        body.to_vec()
    };
    Ok((status, body))
}

fn dechunk(mut b: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n").ok_or("a chunked answer is cut short")?;
        let size = String::from_utf8_lossy(&b[..eol]);
        let n = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16).map_err(|_| format!("bad chunk size {size:?}"))?;
        if n == 0 {
            return Ok(out);
        }
        let chunk = b.get(eol + 2..eol + 2 + n).ok_or("a chunked answer is cut short")?;
        out.extend_from_slice(chunk);
        b = b.get(eol + 2 + n + 2..).ok_or("a chunked answer is cut short")?;
    }
}

/// GET a JSON document; a non-200 answer is an error quoting the API's `error`.
async fn get_json(base: &str, path: &str) -> Result<Value, LedgerError> {
    let (status, body) = get(base, path).await?;
    let v: Value = serde_json::from_slice(&body).map_err(|e| LedgerError::Consensus(format!("GET {base}{path}: status {status}, not JSON: {e}")))?;
    if status != 200 {
        return Err(LedgerError::Consensus(format!("GET {base}{path}: status {status}: {}", v["error"].as_str().unwrap_or("(no error message)"))));
    }
    Ok(v)
}

/// The certificate the node at `base` serves, and (with `snapshot`) the snapshot it
/// certifies; retried when the checkpoint moves on between the two requests.
pub async fn fetch_certificate(base: &str, snapshot: bool) -> Result<(Certificate, Option<Vec<u8>>), LedgerError> {
    for _ in 0..5 {
        let cert: Certificate = serde_json::from_value(get_json(base, "/api/v1/checkpoint").await?)
            .map_err(|e| LedgerError::Consensus(format!("GET {base}/api/v1/checkpoint: not a checkpoint certificate: {e}")))?;
        if !snapshot || cert.seq == 0 {
            return Ok((cert, None));
        }
        let path = format!("/api/v1/checkpoint/snapshot?seq={}", cert.seq);
        match get(base, &path).await? {
            (200, bytes) => return Ok((cert, Some(bytes))),
            (409, _) => continue,
            (status, body) => {
                return Err(LedgerError::Consensus(format!("GET {base}{path}: status {status}: {}", String::from_utf8_lossy(&body[..body.len().min(300)]))))
            }
        }
    }
    Err(LedgerError::Consensus(format!("{base}: the stable checkpoint kept moving while its snapshot was read; try again")))
}

/// The verdict on a certificate, as JSON: `"verdict": "agree"` with the signers, or
/// `"verdict": "disagree"` (or `"nothing signed yet"` at the genesis checkpoint), `"ok": false`
/// and the reason.
pub fn verdict(cert: &Certificate, cluster: &ClusterConfig, network: Bytes32, snapshot: Option<&[u8]>) -> Value {
    match verify(cert, cluster, network, snapshot) {
        Ok(a) => json!({
            "verdict": "agree",
            "seq": a.seq,
            "digest": a.digest,
            "signed_by": format!("{} of {} replicas (f + 1 = {} needed)", a.signers.len(), a.n, a.f + 1),
            "signers": a.signers,
            "network": a.network,
            "snapshot_checked": a.ledger_state_digest.is_some(),
            "ledger_state_digest": a.ledger_state_digest,
        }),
        Err(r) => {
            // the genesis checkpoint is no disagreement, but nothing to agree on either
            let verdict = if r == Refusal::NothingSigned { "nothing signed yet" } else { "disagree" };
            json!({"verdict": verdict, "ok": false, "reason": r.to_string(), "seq": cert.seq, "digest": cert.digest, "node": cert.replica})
        }
    }
}

/// Fetches and checks the certificate of the node at `api` against the auditor's cluster
/// file and network id (see [`verdict`]).
pub async fn check_checkpoint(api: &str, cluster: &ClusterConfig, network: Bytes32, snapshot: bool) -> Result<Value, LedgerError> {
    let (cert, snap) = fetch_certificate(api, snapshot).await?;
    let mut v = verdict(&cert, cluster, network, snap.as_deref());
    v["api"] = json!(api);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_answers() {
        assert_eq!(split_url("http://127.0.0.1:8080").unwrap(), ("127.0.0.1:8080".into(), "127.0.0.1:8080".into(), String::new()));
        assert_eq!(split_url("http://node/zkpot/").unwrap(), ("node:80".into(), "node".into(), "/zkpot".into()));
        assert!(split_url("https://node").is_err());
        assert!(split_url("http://").is_err());
        assert_eq!(parse_answer(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi").unwrap(), (200, b"hi".to_vec()));
        assert_eq!(parse_answer(b"HTTP/1.1 404 x\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n1\r\n!\r\n0\r\n\r\n").unwrap(), (404, b"hi!".to_vec()));
        assert!(parse_answer(b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nhi").is_err(), "a cut answer");
        assert!(parse_answer(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nff\r\nhi").is_err());
        assert!(parse_answer(b"garbage").is_err());
    }
}
