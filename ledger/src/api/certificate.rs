//! The latest stable checkpoint's certificate, as every node serves it
//! (`/api/v1/checkpoint`, JSON below), and the auditor's check of it against the files the
//! auditor holds: the cluster's replica keys (`cluster.json`) and the genesis (`genesis.json`,
//! whose digest is the network id).
//!
//! A certificate says: at sequence number `seq` the replicated state (the checkpoint
//! snapshot: the ledger's state, PBFT's reply cache and agreed clock) hashed to `digest`, and
//! these replicas signed `<CHECKPOINT, seq, digest, i>`. PBFT makes a checkpoint stable with
//! n - f such messages; f + 1 from distinct replicas already include a correct one, so
//! [`verify`] accepts a certificate with at least f + 1 and refuses one with any message that
//! does not check. The signature does not name the network: the snapshot does (the ledger
//! state holds its network id), so [`verify`] given the snapshot also checks that it hashes
//! to `digest` and belongs to the auditor's network. Without the snapshot the network is
//! bound only through the replica keys.
//!
//! Signed bytes of replica `i`'s message (pbft's `Checkpoint` signing bytes, see
//! `docs/auditor.md`): the 18 ASCII bytes `pbft/checkpoint/v2`, then `seq` as an unsigned
//! LEB128 varint, the 32 digest bytes, and `i` as an unsigned LEB128 varint (postcard of
//! the tuple). Signatures are Ed25519 under [`zkpot_pbft::sigcheck`]'s rule.

use crate::app::PotApp;
use crate::bytes32::Bytes32;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fmt;
use zkpot_pbft::crypto::Signable;
use zkpot_pbft::message::Checkpoint;
use zkpot_pbft::replica::{app_snapshot_of, StableCheckpoint};
use zkpot_pbft::ClusterConfig;

/// The `format` of the certificate JSON.
pub const FORMAT: &str = "zkpot-checkpoint-certificate/v1";

/// How the signed bytes are laid out (also in the JSON, for auditors writing their own check).
pub const SIGNED_BYTES_LAYOUT: &str =
    "ASCII \"pbft/checkpoint/v2\" (18 bytes) || seq as unsigned LEB128 varint || digest (32 bytes) || replica id as unsigned LEB128 varint";

/// One replica of the cluster: its id and Ed25519 public key (hex, as `cluster.json` lists it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaKey {
    pub id: u32,
    pub public_key: String,
}

/// One signed `<CHECKPOINT, seq, digest, replica>` message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedCheckpoint {
    pub replica: u32,
    /// The signer's public key, hex (must be the cluster file's key of `replica`).
    pub public_key: String,
    /// The bytes the signature covers, hex ([`SIGNED_BYTES_LAYOUT`]; a verifier rebuilds them).
    pub signed_bytes: String,
    /// Ed25519 signature, hex (64 bytes).
    pub signature: String,
}

/// Where the certified snapshot can be read, and its size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRef {
    /// Path on the node (`/api/v1/checkpoint/snapshot?seq=<seq>`).
    pub path: String,
    pub bytes: u64,
    /// Where the checkpoint digest is pbft's chunked digest, its chunk size (see
    /// [`certified_digest`]); absent, the digest is SHA-256 of the snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_bytes: Option<u32>,
}

/// `/api/v1/checkpoint`: the stable checkpoint's certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// [`FORMAT`].
    pub format: String,
    /// The network id the answering node runs (its claim; [`verify`] checks the snapshot).
    pub network: Bytes32,
    /// The answering replica.
    pub replica: u32,
    pub seq: u64,
    /// SHA-256 of the checkpoint snapshot.
    pub digest: Bytes32,
    pub n: usize,
    pub f: usize,
    /// n - f: how many messages made the checkpoint stable.
    pub quorum: usize,
    /// The replica set as the answering node's cluster file lists it.
    pub replicas: Vec<ReplicaKey>,
    /// [`SIGNED_BYTES_LAYOUT`].
    pub signed_bytes_layout: String,
    /// The signed checkpoint messages (none at seq 0, the genesis checkpoint).
    pub messages: Vec<SignedCheckpoint>,
    pub snapshot: SnapshotRef,
}

/// The bytes replica `replica` signs for checkpoint (`seq`, `digest`).
pub fn signed_bytes(seq: u64, digest: &Bytes32, replica: u32) -> Vec<u8> {
    Checkpoint { seq, digest: digest.0, replica }.signing_bytes()
}

impl Certificate {
    /// The certificate of `stable`, served by `replica` of `cluster` on `network`.
    pub fn of(stable: &StableCheckpoint, cluster: &ClusterConfig, network: Bytes32, replica: u32) -> Self {
        let keys = &cluster.replicas;
        let key_of = |i: u32| keys.get(i as usize).map(|r| r.public_key.clone()).unwrap_or_default();
        let p = &stable.proof;
        Self {
            format: FORMAT.into(),
            network,
            replica,
            seq: p.seq,
            digest: Bytes32(p.digest),
            n: cluster.n(),
            f: cluster.f,
            quorum: cluster.quorum(),
            replicas: (0..keys.len() as u32).map(|i| ReplicaKey { id: i, public_key: key_of(i) }).collect(),
            signed_bytes_layout: SIGNED_BYTES_LAYOUT.into(),
            messages: p
                .messages
                .iter()
                .map(|m| SignedCheckpoint {
                    replica: m.body.replica,
                    public_key: key_of(m.body.replica),
                    signed_bytes: hex::encode(m.body.signing_bytes()),
                    signature: hex::encode(&m.sig),
                })
                .collect(),
            snapshot: SnapshotRef { path: format!("/api/v1/checkpoint/snapshot?seq={}", p.seq), bytes: stable.snapshot.len() as u64, chunk_bytes: stable.chunk_bytes },
        }
    }
}

/// A certificate that checks out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Agreement {
    pub seq: u64,
    pub digest: Bytes32,
    /// Distinct replicas whose signatures check, ascending.
    pub signers: Vec<u32>,
    pub n: usize,
    pub f: usize,
    /// The auditor's network id (from the genesis file).
    pub network: Bytes32,
    /// SHA-256 of the ledger's state snapshot at `seq` (comparable with `/api/v1/status`'s
    /// `state_digest` at `last_seq == seq`); only when the snapshot was checked.
    pub ledger_state_digest: Option<Bytes32>,
}

/// Why a certificate does not show that f + 1 replicas of the auditor's network agree.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// Not a certificate of a known format.
    Format(String),
    /// The node says it runs another network.
    OtherNetwork { claimed: Bytes32, expected: Bytes32 },
    /// The node lists another replica set than the auditor's cluster file.
    ReplicaSet(String),
    /// Seq 0: the genesis checkpoint, which nobody signs.
    NothingSigned,
    /// A message names a replica outside `0..n`.
    UnknownReplica { replica: u32, n: usize },
    /// A message carries a key that is not the cluster file's key of its replica.
    KeyNotInCluster { replica: u32, key: String },
    /// The node's signed bytes are not the bytes of (seq, digest, replica).
    SignedBytes { replica: u32 },
    /// A signature does not check (or is not 64 hex bytes).
    BadSignature { replica: u32 },
    /// The same replica appears twice.
    Duplicate { replica: u32 },
    /// Fewer than f + 1 distinct replicas signed.
    TooFew { signers: usize, needed: usize },
    /// The snapshot does not hash to the certified digest.
    SnapshotDigest { got: Bytes32, certified: Bytes32 },
    /// The snapshot does not decode to a ledger state.
    SnapshotUndecodable(String),
    /// The certified state belongs to another network.
    SnapshotNetwork { got: Bytes32, expected: Bytes32 },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Format(s) => write!(f, "not a checkpoint certificate: {s}"),
            Refusal::OtherNetwork { claimed, expected } => write!(f, "the node runs network {claimed}, your genesis is network {expected}"),
            Refusal::ReplicaSet(s) => write!(f, "the node's replica set is not your cluster file's: {s}"),
            Refusal::NothingSigned => write!(f, "the stable checkpoint is the genesis checkpoint (seq 0): nothing is signed yet"),
            Refusal::UnknownReplica { replica, n } => write!(f, "a message names replica {replica}, the cluster has {n}"),
            Refusal::KeyNotInCluster { replica, key } => write!(f, "replica {replica}'s message carries key {key}, not the key your cluster file lists for it"),
            Refusal::SignedBytes { replica } => write!(f, "replica {replica}'s signed bytes are not those of this (seq, digest)"),
            Refusal::BadSignature { replica } => write!(f, "replica {replica}'s signature does not check over (seq, digest)"),
            Refusal::Duplicate { replica } => write!(f, "replica {replica} appears more than once"),
            Refusal::TooFew { signers, needed } => write!(f, "{signers} distinct replicas signed, f + 1 = {needed} are needed"),
            Refusal::SnapshotDigest { got, certified } => write!(f, "the snapshot hashes to {got}, the certified digest is {certified}"),
            Refusal::SnapshotUndecodable(s) => write!(f, "the snapshot is not a ledger state: {s}"),
            Refusal::SnapshotNetwork { got, expected } => write!(f, "the certified state is of network {got}, your genesis is network {expected}"),
        }
    }
}

/// Checks `cert` against the auditor's `cluster` (replica keys, f) and `network` (the genesis
/// digest), and, when given, the certified `snapshot`. Nothing in `cert` is trusted: the
/// signed bytes are rebuilt, keys and f come from `cluster`.
pub fn verify(cert: &Certificate, cluster: &ClusterConfig, network: Bytes32, snapshot: Option<&[u8]>) -> Result<Agreement, Refusal> {
    if cert.format != FORMAT {
        return Err(Refusal::Format(format!("format {:?}, expected {FORMAT:?}", cert.format)));
    }
    if cert.network != network {
        return Err(Refusal::OtherNetwork { claimed: cert.network, expected: network });
    }
    let keys = cluster.keys().map_err(|e| Refusal::ReplicaSet(format!("your cluster file: {e}")))?;
    let listed: Vec<(u32, String)> = cert.replicas.iter().map(|r| (r.id, r.public_key.to_ascii_lowercase())).collect();
    let ours: Vec<(u32, String)> = keys.iter().enumerate().map(|(i, k)| (i as u32, hex::encode(k.to_bytes()))).collect();
    if listed != ours || cert.f != cluster.f {
        return Err(Refusal::ReplicaSet(format!("{} replicas with f = {}, yours has {} with f = {}", listed.len(), cert.f, ours.len(), cluster.f)));
    }
    if cert.seq == 0 {
        return Err(Refusal::NothingSigned);
    }
    let mut signers = BTreeSet::new();
    for m in &cert.messages {
        let replica = m.replica;
        let key = keys.get(replica as usize).ok_or(Refusal::UnknownReplica { replica, n: keys.len() })?;
        if !m.public_key.eq_ignore_ascii_case(&hex::encode(key.to_bytes())) {
            return Err(Refusal::KeyNotInCluster { replica, key: m.public_key.clone() });
        }
        let bytes = signed_bytes(cert.seq, &cert.digest, replica);
        if hex::decode(&m.signed_bytes).ok().as_deref() != Some(&bytes[..]) {
            return Err(Refusal::SignedBytes { replica });
        }
        let sig = hex::decode(&m.signature).ok().and_then(|s| ed25519_dalek::Signature::from_slice(&s).ok());
        if !sig.is_some_and(|s| zkpot_pbft::sigcheck::verify(key, &bytes, &s)) {
            return Err(Refusal::BadSignature { replica });
        }
        if !signers.insert(replica) {
            return Err(Refusal::Duplicate { replica });
        }
    }
    let needed = cluster.f + 1;
    if signers.len() < needed {
        return Err(Refusal::TooFew { signers: signers.len(), needed });
    }
    let ledger_state_digest = snapshot.map(|s| check_snapshot(s, cert.digest, cert.snapshot.chunk_bytes, network)).transpose()?;
    Ok(Agreement { seq: cert.seq, digest: cert.digest, signers: signers.into_iter().collect(), n: keys.len(), f: cluster.f, network, ledger_state_digest })
}

/// The snapshot hashes to `digest` and holds a ledger state of `network`; returns the
/// ledger state's digest.
fn check_snapshot(snapshot: &[u8], digest: Bytes32, chunk_bytes: Option<u32>, network: Bytes32) -> Result<Bytes32, Refusal> {
    let got = certified_digest(snapshot, chunk_bytes);
    if got != digest {
        return Err(Refusal::SnapshotDigest { got, certified: digest });
    }
    let app = app_snapshot_of(snapshot).map_err(|e| Refusal::SnapshotUndecodable(e.to_string()))?;
    let state = PotApp::decode_snapshot(&app).map_err(|e| Refusal::SnapshotUndecodable(e.to_string()))?;
    if state.network != network {
        return Err(Refusal::SnapshotNetwork { got: state.network, expected: network });
    }
    Ok(Bytes32(Sha256::digest(&app).into()))
}

/// The digest a checkpoint certifies for `snapshot`: SHA-256 of it; or, with `chunk_bytes`,
/// pbft's chunked digest `SHA-256("pbft/snapshot/v1" || len u64 LE || chunk_bytes u32 LE ||
/// root)`, `root` that of the Merkle tree over the chunks (leaf `SHA-256(0x00 || chunk)`, node
/// `SHA-256(0x01 || left || right)`, a lone last node carried up, one empty chunk for an empty
/// snapshot). The page computes the same.
pub fn certified_digest(snapshot: &[u8], chunk_bytes: Option<u32>) -> Bytes32 {
    match chunk_bytes {
        None => Bytes32(Sha256::digest(snapshot).into()),
        Some(c) => Bytes32(zkpot_pbft::snapshot::snapshot_digest(snapshot, c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layout docs/auditor.md gives (and the page rebuilds), byte for byte.
    #[test]
    fn signed_bytes_known_answer() {
        let d = Bytes32([0xab; 32]);
        let mut want = b"pbft/checkpoint/v2".to_vec();
        assert_eq!(want.len(), 18);
        want.push(24);
        want.extend([0xab; 32]);
        want.push(2);
        assert_eq!(signed_bytes(24, &d, 2), want);
        // LEB128: 300 = 0xac 0x02, 200 = 0xc8 0x01
        let mut want = b"pbft/checkpoint/v2".to_vec();
        want.extend([0xac, 0x02]);
        want.extend([0xab; 32]);
        want.extend([0xc8, 0x01]);
        assert_eq!(signed_bytes(300, &d, 200), want);
    }

    /// Known answers of the chunked digest (computed independently from its definition; the
    /// page's JavaScript gives the same).
    #[test]
    fn certified_digest_known_answers() {
        let data: Vec<u8> = (0..1000u32).map(|i| ((i * 7 + 3) & 0xff) as u8).collect();
        let hex = |d: Bytes32| hex::encode(d.0);
        assert_eq!(hex(certified_digest(&data, None)), hex::encode(Sha256::digest(&data)));
        assert_eq!(hex(certified_digest(&[], Some(4))), "cb5521bb0f896a2883508220718dc717e5f7ae6888dd688af4ae837cda687c68");
        assert_eq!(hex(certified_digest(&data[..1], Some(4))), "ea5466c2d2418a94fc3483d5c334a8549f24dec32b77fbba1c40f7e6f72cc9ca");
        assert_eq!(hex(certified_digest(&data, Some(64))), "8952a22a34e54bc18908810c386146007b4b8d25ea9782bf3186165f00bd1faf");
        const KNOWN: [(u32, &str); 3] = [
            (1000, "828c71c4fda78a4450128a2fbcc1dd6d37c8f7aa71e5732f504c764da1f99531"),
            (333, "622b9742dd360d5e14c70caec764437a7a0b4d94f71d10009cd5f737e00c9f16"),
            (4 << 20, "f4209a15f69244e469a3b52f4e13197d39bda9119a625343314a74e710c32fd1"),
        ];
        for (c, want) in KNOWN {
            assert_eq!(hex(certified_digest(&data, Some(c))), want, "chunk size {c}");
        }
    }
}
