//! Protocol messages (§4 of Castro & Liskov, TOCS 2002), all signed.
//!
//! Wire form: one [`Message`] per frame, postcard-encoded after a version byte
//! (see [`crate::net::codec`]).

use serde::{Deserialize, Serialize};

use crate::crypto::{tagged, Signable, Signed, Signer};
use crate::types::{digest_of, sha256, ClientId, Digest, ReplicaId, SeqNo, View};

/// `<REQUEST, o, t, c>` (§4.1): operation `op` with client timestamp `timestamp`
/// (a per-client counter; exactly-once is enforced by it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Client public key.
    pub client: ClientId,
    /// Strictly increasing per client.
    pub timestamp: u64,
    /// Opaque operation for the [`crate::App`].
    pub op: Vec<u8>,
}

/// What a pre-prepare orders: requests plus the primary's clock reading. An empty
/// batch is the null request of §4.4.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    /// Primary-assigned time in ms (agreed, so deterministic for the app).
    pub time_ms: u64,
    /// Client-signed requests.
    pub requests: Vec<Signed<Request>>,
}

impl Batch {
    /// The digest `d` carried by pre-prepare/prepare/commit.
    pub fn digest(&self) -> Digest {
        digest_of(self)
    }
}

/// `<PRE-PREPARE, v, n, d>` with the batch piggybacked (§4.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrePrepare {
    /// View.
    pub view: View,
    /// Sequence number.
    pub seq: SeqNo,
    /// Must equal `batch.digest()`.
    pub digest: Digest,
    /// The ordered requests.
    pub batch: Batch,
    /// The primary of `view` (redundant, checked by verification).
    pub primary: ReplicaId,
}

/// `<PREPARE, v, n, d, i>` (§4.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prepare {
    /// View.
    pub view: View,
    /// Sequence number.
    pub seq: SeqNo,
    /// Batch digest.
    pub digest: Digest,
    /// Sender.
    pub replica: ReplicaId,
}

/// `<COMMIT, v, n, d, i>` (§4.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    /// View.
    pub view: View,
    /// Sequence number.
    pub seq: SeqNo,
    /// Batch digest.
    pub digest: Digest,
    /// Sender.
    pub replica: ReplicaId,
}

/// `<REPLY, v, t, c, i, r>` (§4.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// View the replica was in (lets clients track the primary).
    pub view: View,
    /// Client timestamp of the request answered.
    pub timestamp: u64,
    /// Client.
    pub client: ClientId,
    /// Sender.
    pub replica: ReplicaId,
    /// Result of execution.
    pub result: Vec<u8>,
}

/// `<CHECKPOINT, n, d, i>` (§4.3): `d` is the digest of the state after executing `n`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Sequence number.
    pub seq: SeqNo,
    /// State digest.
    pub digest: Digest,
    /// Sender.
    pub replica: ReplicaId,
}

/// A prepared certificate: a pre-prepare and `n - f - 1` matching prepares from
/// distinct backups (an element of the P set of §4.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreparedCert {
    /// The pre-prepare (signed by the primary of its view).
    pub pre_prepare: Signed<PrePrepare>,
    /// `n - f - 1` prepares matching it.
    pub prepares: Vec<Signed<Prepare>>,
}

/// A committed entry: a pre-prepare and `n - f` matching commits. Self-certifying, so
/// a lagging replica can take it from a single peer (state transfer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommittedEntry {
    /// The pre-prepare.
    pub pre_prepare: Signed<PrePrepare>,
    /// `n - f` commits matching it.
    pub commits: Vec<Signed<Commit>>,
}

/// A stable-checkpoint proof: `n - f` matching checkpoint messages (empty for the
/// genesis checkpoint at seq 0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointProof {
    /// Sequence number.
    pub seq: SeqNo,
    /// State digest.
    pub digest: Digest,
    /// `n - f` checkpoint messages (empty when `seq == 0`).
    pub messages: Vec<Signed<Checkpoint>>,
}

/// `<VIEW-CHANGE, v+1, n, C, P, i>` (§4.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewChange {
    /// The view being moved to.
    pub new_view: View,
    /// The sender's last stable checkpoint with its proof (n and C).
    pub checkpoint: CheckpointProof,
    /// Prepared certificates for sequence numbers above the checkpoint (P).
    pub prepared: Vec<PreparedCert>,
    /// Sender.
    pub replica: ReplicaId,
}

/// Digest-only forms (§4.4: the P set names batches by digest). A *stripped*
/// pre-prepare keeps view, seq, digest, primary and signature and carries the empty
/// `Batch::default()` in place of its batch; since the signature covers the digest
/// only, it still verifies. A replica sends its view-change with batches to the new
/// primary (which needs them to build O) and stripped to everyone else; the new
/// primary puts the stripped forms in V. The signature of a view-change covers its
/// stripped form, so both forms carry the same signature.
impl Signed<PrePrepare> {
    /// This pre-prepare without its batch.
    pub fn stripped(&self) -> Self {
        let b = &self.body;
        let body = PrePrepare { view: b.view, seq: b.seq, digest: b.digest, batch: Batch::default(), primary: b.primary };
        Signed { body, sig: self.sig.clone() }
    }

    /// Whether the batch was stripped: the empty batch in place of one whose
    /// digest is another (a real null request carries the empty batch and its digest).
    pub fn is_stripped(&self) -> bool {
        self.body.batch == Batch::default() && self.body.digest != Batch::default().digest()
    }
}

impl PreparedCert {
    /// The certificate with its pre-prepare stripped.
    pub fn stripped(&self) -> Self {
        PreparedCert { pre_prepare: self.pre_prepare.stripped(), prepares: self.prepares.clone() }
    }
}

impl ViewChange {
    /// The view-change with every certificate stripped.
    pub fn stripped(&self) -> Self {
        ViewChange {
            new_view: self.new_view,
            checkpoint: self.checkpoint.clone(),
            prepared: self.prepared.iter().map(PreparedCert::stripped).collect(),
            replica: self.replica,
        }
    }

    /// Whether some certificate is stripped (so this is not the form with batches).
    pub fn is_stripped(&self) -> bool {
        self.prepared.iter().any(|c| c.pre_prepare.is_stripped())
    }
}

impl Signed<ViewChange> {
    /// The stripped form, with the same signature.
    pub fn stripped(&self) -> Self {
        Signed { body: self.body.stripped(), sig: self.sig.clone() }
    }
}

/// `<NEW-VIEW, v+1, V, O>` (§4.4). The pre-prepares in O carry their batches; the
/// view-changes in V are stripped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewView {
    /// The new view.
    pub view: View,
    /// `n - f` view-change messages for `view` (V).
    pub view_changes: Vec<Signed<ViewChange>>,
    /// Pre-prepares for `view` computed from V (O).
    pub pre_prepares: Vec<Signed<PrePrepare>>,
    /// Sender (the primary of `view`).
    pub primary: ReplicaId,
}

/// State-transfer / status request: "I have executed up to `last_executed`".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchState {
    /// Last sequence number the sender executed.
    pub last_executed: SeqNo,
    /// Sender's current view.
    pub view: View,
    /// Sender.
    pub replica: ReplicaId,
    /// Sender's local clock; makes repeated requests distinct (not trusted).
    pub nonce: u64,
}

/// A stable checkpoint offered for state transfer: its proof and the length of its
/// snapshot, whose chunks the requester then fetches ([`FetchChunk`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotOffer {
    /// `n - f` checkpoint messages certifying `proof.digest` ([`crate::snapshot`]).
    pub proof: CheckpointProof,
    /// Snapshot length in bytes (bound into the digest; a false one fails the first chunk).
    pub size: u64,
}

/// Answer to [`FetchState`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateReply {
    /// Sender.
    pub replica: ReplicaId,
    /// The sender's stable checkpoint, when it is above the requester's
    /// `last_executed`; the snapshot itself travels in chunks.
    pub checkpoint: Option<SnapshotOffer>,
    /// Committed entries after the requester's state, in order.
    pub entries: Vec<CommittedEntry>,
    /// The new-view message that started the sender's current view, if any.
    pub new_view: Option<Signed<NewView>>,
    /// Echo of the request's nonce.
    pub nonce: u64,
    /// Addressee.
    pub to: ReplicaId,
}

/// Ask a replica for chunk `index` of the snapshot of its stable checkpoint
/// `(seq, digest)` (state transfer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchChunk {
    /// Checkpoint sequence number.
    pub seq: SeqNo,
    /// Checkpoint digest.
    pub digest: Digest,
    /// Chunk index, from 0.
    pub index: u64,
    /// Sender.
    pub replica: ReplicaId,
}

/// One chunk of a checkpoint snapshot with its Merkle path: the requester checks it
/// against the certified digest on arrival ([`crate::snapshot::verify_chunk`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotChunk {
    /// Sender.
    pub replica: ReplicaId,
    /// Addressee.
    pub to: ReplicaId,
    /// Checkpoint sequence number.
    pub seq: SeqNo,
    /// Checkpoint digest.
    pub digest: Digest,
    /// Snapshot length in bytes.
    pub size: u64,
    /// Chunk index.
    pub index: u64,
    /// The chunk's bytes.
    pub data: Vec<u8>,
    /// Sibling hashes from the leaf up ([`crate::snapshot::ChunkTree::proof`]).
    pub proof: Vec<Digest>,
}

/// A replica's answer to the [`Challenge`] that opens every connection it makes to a
/// peer: it proves the connection carries replica traffic (client replies are never
/// routed to it, and its frames may be up to the replica frame limit instead of the
/// client one). Signed over the acceptor's fresh nonce, so a recorded hello cannot be
/// replayed on another connection. Carries no protocol meaning; the core ignores it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// Sender.
    pub replica: ReplicaId,
    /// The nonce of the acceptor's challenge on this connection.
    pub nonce: [u8; 32],
}

/// First frame the acceptor of a connection sends (unsigned): the nonce a replica
/// must sign in its [`Hello`]. Clients ignore it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    /// Fresh, unpredictable per connection.
    pub nonce: [u8; 32],
}

/// Why a replica's runtime refused input from a connection (sent back, unsigned, so
/// the sender learns what went wrong; a client gives up only when f+1 replicas say so).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rejection {
    /// A frame above the connection's limit (bytes); the connection is closed.
    FrameTooLarge {
        /// The limit.
        limit: u64,
    },
    /// A request whose operation is above `max_request_bytes`.
    RequestTooLarge {
        /// The limit.
        limit: u64,
        /// The client's timestamp of the refused request.
        timestamp: u64,
    },
    /// Too many connections from this address; the connection is closed.
    TooManyConnections {
        /// The limit per address.
        limit: u64,
    },
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::FrameTooLarge { limit } => write!(f, "frame larger than the limit of {limit} bytes"),
            Rejection::RequestTooLarge { limit, timestamp } => {
                write!(f, "request {timestamp}: operation larger than the limit of {limit} bytes")
            }
            Rejection::TooManyConnections { limit } => write!(f, "more than {limit} connections from one address"),
        }
    }
}

/// Everything that travels on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// Client request.
    Request(Signed<Request>),
    /// Primary orders a batch.
    PrePrepare(Signed<PrePrepare>),
    /// Backup agrees with an order.
    Prepare(Signed<Prepare>),
    /// Replica has a prepared certificate.
    Commit(Signed<Commit>),
    /// Replica to client.
    Reply(Signed<Reply>),
    /// Periodic state digest.
    Checkpoint(Signed<Checkpoint>),
    /// Vote to leave the current view.
    ViewChange(Signed<ViewChange>),
    /// New primary installs a view.
    NewView(Signed<NewView>),
    /// Status / state-transfer request.
    FetchState(Signed<FetchState>),
    /// State-transfer answer.
    StateReply(Signed<StateReply>),
    /// State transfer: ask for one snapshot chunk.
    FetchChunk(Signed<FetchChunk>),
    /// State transfer: one snapshot chunk.
    SnapshotChunk(Signed<SnapshotChunk>),
    /// Connection set-up between replicas.
    Hello(Signed<Hello>),
    /// Connection set-up: the acceptor's nonce.
    Challenge(Challenge),
    /// Input refused at ingress (runtime to sender).
    Rejected(Rejection),
}

impl Message {
    /// Short name, for counters and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Request(_) => "request",
            Message::PrePrepare(_) => "pre-prepare",
            Message::Prepare(_) => "prepare",
            Message::Commit(_) => "commit",
            Message::Reply(_) => "reply",
            Message::Checkpoint(_) => "checkpoint",
            Message::ViewChange(_) => "view-change",
            Message::NewView(_) => "new-view",
            Message::FetchState(_) => "fetch-state",
            Message::StateReply(_) => "state-reply",
            Message::FetchChunk(_) => "fetch-chunk",
            Message::SnapshotChunk(_) => "snapshot-chunk",
            Message::Hello(_) => "hello",
            Message::Challenge(_) => "challenge",
            Message::Rejected(_) => "rejected",
        }
    }
}

macro_rules! signable {
    ($t:ty, $tag:expr, |$s:ident| $signer:expr) => {
        impl Signable for $t {
            const TAG: &'static [u8] = $tag;
            fn signer(&self) -> Signer {
                let $s = self;
                $signer
            }
        }
    };
}

/// A request is signed over `(client, timestamp, SHA-256(op))`, not the op itself: the
/// signature then hashes 48 bytes plus one SHA-256 pass over the op, where signing the
/// op would hash it with SHA-512 inside Ed25519 and serialize it again for every check.
impl Signable for Request {
    const TAG: &'static [u8] = b"pbft/request/v2";
    fn signer(&self) -> Signer {
        Signer::Client(self.client)
    }
    fn signing_bytes(&self) -> Vec<u8> {
        tagged(Self::TAG, &(self.client, self.timestamp, sha256(&self.op)))
    }
}

/// `<PRE-PREPARE, v, n, d>σp, m` (§4.2): the signature covers the digest, not the
/// piggybacked batch; [`crate::verify`] checks `d = batch.digest()`, which binds the
/// batch. Signing the batch too would hash and serialize it once more per check.
impl Signable for PrePrepare {
    const TAG: &'static [u8] = b"pbft/pre-prepare/v2";
    fn signer(&self) -> Signer {
        Signer::Replica(self.primary)
    }
    fn signing_bytes(&self) -> Vec<u8> {
        tagged(Self::TAG, &(self.view, self.seq, self.digest, self.primary))
    }
}

signable!(Prepare, b"pbft/prepare/v1", |s| Signer::Replica(s.replica));
signable!(Commit, b"pbft/commit/v1", |s| Signer::Replica(s.replica));
signable!(Reply, b"pbft/reply/v1", |s| Signer::Replica(s.replica));
// v2: the digest is the chunked snapshot digest of `crate::snapshot`.
signable!(Checkpoint, b"pbft/checkpoint/v2", |s| Signer::Replica(s.replica));
/// Signed over its stripped form, so the same signature serves the form with batches
/// (sent to the new primary) and the stripped one (sent to everyone else, put in V).
impl Signable for ViewChange {
    const TAG: &'static [u8] = b"pbft/view-change/v2";
    fn signer(&self) -> Signer {
        Signer::Replica(self.replica)
    }
    fn signing_bytes(&self) -> Vec<u8> {
        tagged(Self::TAG, &self.stripped())
    }
}
signable!(NewView, b"pbft/new-view/v1", |s| Signer::Replica(s.primary));
signable!(FetchState, b"pbft/fetch-state/v1", |s| Signer::Replica(s.replica));
signable!(StateReply, b"pbft/state-reply/v2", |s| Signer::Replica(s.replica));
signable!(FetchChunk, b"pbft/fetch-chunk/v1", |s| Signer::Replica(s.replica));
/// Signed over the SHA-256 of the chunk, not the chunk (one hash pass, no second copy).
impl Signable for SnapshotChunk {
    const TAG: &'static [u8] = b"pbft/snapshot-chunk/v1";
    fn signer(&self) -> Signer {
        Signer::Replica(self.replica)
    }
    fn signing_bytes(&self) -> Vec<u8> {
        tagged(Self::TAG, &(self.replica, self.to, self.seq, self.digest, self.size, self.index, sha256(&self.data), &self.proof))
    }
}
signable!(Hello, b"pbft/hello/v2", |s| Signer::Replica(s.replica));
