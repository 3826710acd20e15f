//! Inputs and outputs of the pure protocol core.
//!
//! The core ([`crate::Replica`]) never does I/O: the runtime (or the simulator)
//! feeds it [`Event`]s together with the current time and carries out the
//! returned [`Action`]s **in order**. The contract that makes crash recovery
//! correct: every [`Action::Persist`] in a returned vector must be durable
//! before any send/reply action of the same vector is performed.

use serde::{Deserialize, Serialize};

use crate::message::{CheckpointProof, CommittedEntry, Message, NewView, PrePrepare, PreparedCert};
use crate::crypto::Signed;
use crate::types::{ClientId, ReplicaId, SeqNo, View};
use crate::verify::Verified;

/// The timers a replica uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimerId {
    /// §4.4/§4.5.2 liveness timer: armed while a request waits for execution
    /// or while a view change waits for its new-view; expiry moves to the next view.
    ViewChange,
    /// Periodic status: retransmission of the replica's own messages and lag
    /// detection (triggers state transfer). Re-armed every time it fires.
    Status,
}

/// Something that happened to a replica.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)] // messages are the common case; boxing buys nothing
pub enum Event {
    /// A message whose signatures were checked by [`crate::verify::Verifier`].
    Message(Verified),
    /// A timer set earlier by [`Action::SetTimer`] fired.
    Timer(TimerId),
}

/// What the core asks its environment to do.
#[derive(Clone, Debug)]
pub enum Action {
    /// Send to one replica.
    Send {
        /// Destination.
        to: ReplicaId,
        /// Message.
        msg: Message,
    },
    /// Send to every other replica.
    Broadcast(Message),
    /// Send a reply to a client (over whatever connection the client used).
    Reply {
        /// Destination client.
        client: ClientId,
        /// A `Message::Reply`.
        msg: Message,
    },
    /// Make a state change durable (before performing later sends).
    Persist(PersistOp),
    /// Arm (or re-arm) a timer to fire `after_ms` from now.
    SetTimer {
        /// Which timer.
        timer: TimerId,
        /// Delay.
        after_ms: u64,
    },
    /// Disarm a timer.
    CancelTimer(TimerId),
}

/// One durable change. See `docs/pbft.md` for how the redb store lays them out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PersistOp {
    /// Current view and whether it is active (false = view change in progress).
    View {
        /// View number.
        view: View,
        /// Normal-case operation in `view`.
        active: bool,
    },
    /// A pre-prepare this replica accepted (or, as primary, sent) in its current
    /// view. Prevents a restarted replica from accepting a different one.
    Accepted(Signed<PrePrepare>),
    /// A prepared certificate (P set entry, kept across view changes).
    Prepared(PreparedCert),
    /// A committed entry (`n - f` commits); re-executed after a restart.
    Committed(CommittedEntry),
    /// The last executed sequence number.
    Executed(SeqNo),
    /// The new-view message that started the current view (installed or sent), so
    /// that after a restart the replica can still hand it to peers that missed it.
    NewView(Signed<NewView>),
    /// A new stable checkpoint with its snapshot; everything at or below
    /// `proof.seq` may be discarded.
    Stable {
        /// Proof (`n - f` checkpoint messages).
        proof: CheckpointProof,
        /// Snapshot whose chunked digest ([`crate::snapshot`]) is `proof.digest`.
        snapshot: Vec<u8>,
    },
}
