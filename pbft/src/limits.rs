//! Upper bounds on the size of protocol messages, so a configuration can be checked
//! to never need a frame above [`MAX_FRAME`](crate::net::codec::MAX_FRAME).
//!
//! Every bound counts postcard's worst case: 10 bytes per `u64` varint, 5 per `u32`
//! or length prefix, 65 per signature. The largest messages are the new-view (V:
//! `n - f` view-changes with up to `L` prepared certificates of `n - f - 1` prepares
//! each; O: up to `L` batches) and a view-change with its batches (sent to the new
//! primary). [`check`] refuses parameters whose worst case does not fit one frame,
//! and a snapshot chunk ([`snapshot_chunk`]) that does not fit half of one; state
//! replies are cut to fit by the sender ([`STATE_REPLY_BUDGET`]) and carry no
//! snapshot (it travels in chunks, [`crate::snapshot`]).

use crate::config::{quorum, Params};
use crate::error::{PbftError, Result};
use crate::net::codec::MAX_FRAME;

const U64: usize = 10;
const LEN: usize = 5;
const DIGEST: usize = 32;
const SIG: usize = LEN + 64;
/// Frame version byte and enum tags.
const ENVELOPE: usize = 8;

/// Committed entries one state reply carries at most (bytes, besides its new-view and
/// checkpoint offer); the requester asks again for the rest.
pub const STATE_REPLY_BUDGET: usize = MAX_FRAME / 2;

/// A signed prepare, commit or checkpoint message.
pub fn vote() -> usize {
    U64 + U64 + DIGEST + LEN + SIG
}

/// A signed request carrying an operation of `op` bytes.
pub fn request(op: usize) -> usize {
    DIGEST + U64 + LEN + op + SIG
}

/// A batch within the limits of `p`.
pub fn batch(p: &Params) -> usize {
    U64 + LEN + p.max_batch * request(0) + p.max_batch_bytes
}

/// A signed pre-prepare, with its batch or stripped.
pub fn pre_prepare(p: &Params, with_batch: bool) -> usize {
    let b = if with_batch { batch(p) } else { U64 + LEN };
    U64 + U64 + DIGEST + b + LEN + SIG
}

/// A view-change of a cluster of `n` with quorum `q`, with batches or stripped.
pub fn view_change(n: usize, f: usize, p: &Params, with_batches: bool) -> usize {
    let q = quorum(n, f);
    let proof = U64 + DIGEST + LEN + q * vote();
    let cert = pre_prepare(p, with_batches) + LEN + q.saturating_sub(1) * vote();
    U64 + proof + LEN + p.log_window as usize * cert + LEN + SIG
}

/// A new-view: `q` stripped view-changes and up to `L` pre-prepares with batches.
pub fn new_view(n: usize, f: usize, p: &Params) -> usize {
    let q = quorum(n, f);
    U64 + LEN + q * view_change(n, f, p, false) + LEN + p.log_window as usize * pre_prepare(p, true) + LEN + SIG
}

/// A checkpoint offer in a state reply: the stable-checkpoint proof and the size.
pub fn snapshot_offer(n: usize, f: usize) -> usize {
    U64 + DIGEST + LEN + quorum(n, f) * vote() + U64
}

/// A signed snapshot chunk of `p.snapshot_chunk_bytes` with the longest path.
pub fn snapshot_chunk(p: &Params) -> usize {
    LEN + LEN + U64 + DIGEST + U64 + U64 + LEN + p.snapshot_chunk_bytes as usize
        + LEN + crate::snapshot::MAX_PROOF_LEN * DIGEST + SIG
}

/// The largest frame the protocol can need with these parameters (a state reply is
/// its new-view and offer plus at most [`STATE_REPLY_BUDGET`] of entries).
pub fn largest_frame(n: usize, f: usize, p: &Params) -> usize {
    // The sender cuts entries to STATE_REPLY_BUDGET minus the new-view's size.
    let state_reply = LEN + 3 * LEN + U64 + new_view(n, f, p).max(STATE_REPLY_BUDGET) + snapshot_offer(n, f) + SIG;
    ENVELOPE + state_reply.max(view_change(n, f, p, true)).max(snapshot_chunk(p))
}

/// Refuse parameters under which a legitimate message could exceed one frame.
pub fn check(n: usize, f: usize, p: &Params) -> Result<()> {
    let need = largest_frame(n, f, p);
    if need > MAX_FRAME {
        return Err(PbftError::Config(format!(
            "with n = {n}, log_window = {} and max_batch_bytes = {}, a new-view can reach {need} bytes, \
             above the {MAX_FRAME}-byte frame limit: lower log_window, max_batch or max_batch_bytes",
            p.log_window, p.max_batch_bytes
        )));
    }
    let chunk = ENVELOPE + snapshot_chunk(p);
    if chunk > MAX_FRAME / 2 {
        return Err(PbftError::Config(format!(
            "snapshot_chunk_bytes = {} makes a {chunk}-byte snapshot chunk, above half the {MAX_FRAME}-byte \
             frame limit: lower snapshot_chunk_bytes",
            p.snapshot_chunk_bytes
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{test_key, Signed};
    use crate::message::*;
    use crate::net::codec::encode;

    /// The bounds are upper bounds: a new-view and a view-change built at their
    /// largest (every certificate full, batches at their byte limit, huge view and
    /// sequence numbers) encode to at most the computed size.
    #[test]
    fn bounds_hold_for_the_largest_messages() {
        let (n, f) = (7usize, 2usize);
        let p = Params { checkpoint_interval: 2, log_window: 4, max_batch: 3, max_batch_bytes: 300, max_request_bytes: 100, ..Params::default() };
        let q = quorum(n, f);
        let k = test_key("x");
        let big = u64::MAX;
        let req = |i: u8| {
            Signed::sign(Request { client: crate::types::ClientId([i; 32]), timestamp: big, op: vec![i; 100] }, &k)
        };
        let batch = Batch { time_ms: big, requests: vec![req(1), req(2), req(3)] };
        let pp = Signed::sign(PrePrepare { view: big, seq: big, digest: batch.digest(), batch, primary: u32::MAX }, &k);
        let prep = Signed::sign(Prepare { view: big, seq: big, digest: [1; 32], replica: u32::MAX }, &k);
        let cert = PreparedCert { pre_prepare: pp.clone(), prepares: vec![prep; q - 1] };
        let ck = Signed::sign(Checkpoint { seq: big, digest: [2; 32], replica: u32::MAX }, &k);
        let proof = CheckpointProof { seq: big, digest: [2; 32], messages: vec![ck; q] };
        let vc = Signed::sign(
            ViewChange { new_view: big, checkpoint: proof.clone(), prepared: vec![cert; p.log_window as usize], replica: u32::MAX },
            &k,
        );
        let with = encode(&Message::ViewChange(vc.clone())).unwrap().len();
        assert!(with <= ENVELOPE + view_change(n, f, &p, true), "{with}");
        let nv = NewView {
            view: big,
            view_changes: vec![vc.stripped(); q],
            pre_prepares: vec![pp; p.log_window as usize],
            primary: u32::MAX,
        };
        let nv = encode(&Message::NewView(Signed::sign(nv, &k))).unwrap().len();
        assert!(nv <= ENVELOPE + new_view(n, f, &p), "{nv} > {}", ENVELOPE + new_view(n, f, &p));
        assert!(nv * 10 >= ENVELOPE + new_view(n, f, &p), "and not wildly loose");
        assert!(nv <= largest_frame(n, f, &p));
        // A snapshot chunk with the longest path, and a state reply's offer.
        let p = Params { snapshot_chunk_bytes: 1000, ..p };
        let chunk = SnapshotChunk {
            replica: u32::MAX,
            to: u32::MAX,
            seq: big,
            digest: [3; 32],
            size: big,
            index: big,
            data: vec![9; 1000],
            proof: vec![[4; 32]; crate::snapshot::MAX_PROOF_LEN],
        };
        let chunk = encode(&Message::SnapshotChunk(Signed::sign(chunk, &k))).unwrap().len();
        assert!(chunk <= ENVELOPE + snapshot_chunk(&p) && chunk + 100 >= snapshot_chunk(&p), "{chunk}");
        let offer = SnapshotOffer { proof: proof.clone(), size: big };
        let offer = postcard::to_stdvec(&offer).unwrap().len();
        assert!(offer <= snapshot_offer(n, f), "{offer}");
    }

    /// The defaults fit one frame up to the paper's largest setting (n = 100).
    #[test]
    fn defaults_fit_a_frame_up_to_a_hundred_replicas() {
        let p = Params::default();
        for n in 4..=100 {
            check(n, (n - 1) / 3, &p).unwrap();
        }
        let huge = Params { max_batch_bytes: 64 << 20, max_request_bytes: 1 << 20, ..Params::default() };
        let err = check(4, 1, &huge).unwrap_err().to_string();
        assert!(err.contains("max_batch_bytes"), "{err}");
        let huge_chunk = Params { snapshot_chunk_bytes: (MAX_FRAME / 2) as u32, ..Params::default() };
        let err = check(4, 1, &huge_chunk).unwrap_err().to_string();
        assert!(err.contains("snapshot_chunk_bytes"), "{err}");
    }
}
