//! State transfer of a snapshot several frames long, in verified chunks, against a
//! faulty replica that serves tampered chunks, chunks of another checkpoint, a wrong
//! size, endless chunks or nothing at all; and the cut of state replies.

use super::*;
use crate::snapshot::{chunk_count, ChunkTree};

/// The frame limit these tests lower everything to (bytes).
const FRAME: usize = 2048;
/// Operations of this size make the snapshot several frames long.
const OP: usize = 150;

fn chunk_params() -> Params {
    Params { snapshot_chunk_bytes: 256, max_snapshot_bytes: 64 << 10, ..params() }
}

/// Replica 3 misses `ops` requests (a stable checkpoint moves past it), then sees
/// one more executed by the others. Everything sent obeys the lowered frame limit
/// (state replies cut to 1 KiB of entries). Its next status tick fetches state,
/// first from replica 0 (then 1).
fn lagging(p: Params, ops: usize) -> Net {
    let mut net = Net::new(p);
    net.frame_limit = Some(FRAME);
    for r in &mut net.reps {
        r.state_reply_budget = 1024;
    }
    let mut c = client(0);
    net.blocked.insert(3);
    for i in 0..ops {
        let op = vec![i as u8; OP];
        net.submit(&mut c, &op).expect("3 replicas suffice");
    }
    net.blocked.clear();
    net.submit(&mut c, &[0xee; OP]).expect("reply");
    assert_eq!(net.reps[3].last_executed(), 0);
    // fetch_state rotates over peers with the tick count: ticks = 3 asks 0, then 1.
    net.reps[3].ticks = 2;
    net
}

/// Deliver everything queued, checking after each step that the lagging replica
/// never buffers more than the honest snapshot's size.
fn run_bounded(net: &mut Net, bound: usize) {
    while let Some((from, to, msg)) = net.queue.pop_front() {
        if net.blocked.contains(&to) || from.is_some_and(|f| net.blocked.contains(&f)) {
            continue;
        }
        net.deliver(to, msg);
        let held = net.reps[3].transfer.as_ref().map_or(0, |t| t.buffered());
        assert!(held <= bound, "replica 3 buffers {held} bytes, above {bound}");
    }
}

/// Status ticks on replica 3 until it has executed what replica 0 has.
fn catch_up(net: &mut Net, bound: usize) {
    for _ in 0..40 {
        if net.reps[3].last_executed() == net.reps[0].last_executed() {
            break;
        }
        net.now += net.params.status_interval_ms;
        net.fire(3, TimerId::Status);
        run_bounded(net, bound);
    }
    assert_eq!(net.reps[3].last_executed(), net.reps[0].last_executed(), "replica 3 caught up");
    assert_eq!(net.reps[3].app(), net.reps[0].app());
    assert_eq!(net.reps[3].stable_digest(), net.reps[0].stable_digest());
    assert_eq!(net.reps[3].stats.bad_snapshots, 0, "no bad snapshot ever got to installation");
    assert!(net.reps[3].transfer.is_none());
}

/// The honest snapshot's size and chunk count at replica 0.
fn honest_snapshot(net: &Net) -> (usize, u64) {
    let len = net.reps[0].stable_snapshot.len();
    (len, chunk_count(len as u64, net.params.snapshot_chunk_bytes))
}

/// Re-sign a chunk as the faulty replica 0.
fn resign(c: SnapshotChunk) -> Message {
    Message::SnapshotChunk(Signed::sign(c, &test_key("replica-0")))
}

/// Replica 0 rewrites the snapshot chunks it sends with `f`, and sends the rest as is.
fn faulty_chunks(net: &mut Net, mut f: impl FnMut(SnapshotChunk) -> Vec<Message> + 'static) {
    net.byz = Some((
        0,
        Box::new(move |_to, m| match m {
            Message::SnapshotChunk(c) => f(c.body),
            m => vec![m],
        }),
    ));
}

/// A snapshot many frames and chunks long reaches the lagging replica in chunks, each
/// message within the lowered frame limit (the old whole-snapshot reply did not fit).
#[test]
fn a_lagging_replica_catches_up_from_a_snapshot_many_frames_long() {
    let mut net = lagging(chunk_params(), 60);
    let (len, count) = honest_snapshot(&net);
    assert!(len > 4 * FRAME, "snapshot of {len} bytes");
    assert!(count >= 30, "{count} chunks");
    catch_up(&mut net, len);
    assert_eq!(net.reps[3].stats.state_transfers, 1);
    assert_eq!(net.reps[3].stats.chunks_received, count, "each chunk fetched once");
    assert_eq!(net.reps[3].stats.bad_chunks, 0);
}

/// Replica 0 serves chunks with one byte flipped (validly signed by itself): the first
/// is refused on arrival, replica 0 is asked no more, and replica 1 serves the rest.
#[test]
fn a_tampered_chunk_is_refused_on_arrival_and_an_honest_replica_serves_the_rest() {
    let mut net = lagging(chunk_params(), 40);
    let (len, count) = honest_snapshot(&net);
    faulty_chunks(&mut net, |mut c| {
        c.data[0] ^= 1;
        vec![resign(c)]
    });
    catch_up(&mut net, len);
    let s = &net.reps[3].stats;
    assert_eq!(s.bad_chunks, 1, "the first bad chunk unmasks the liar; it is not asked again");
    assert_eq!(s.chunks_received, count);
    assert_eq!(s.state_transfers, 1);
}

/// Replica 0 answers with chunks of an older checkpoint: labelled as the one asked
/// for (caught by the Merkle check), or labelled as what they are (ignored, nothing
/// buffered). Either way the lagging replica installs the certified state.
#[test]
fn chunks_of_another_checkpoint_are_never_adopted() {
    for relabel in [true, false] {
        let mut net = Net::new(chunk_params());
        let mut c = client(0);
        net.blocked.insert(3);
        for i in 0..20 {
            net.submit(&mut c, &[i as u8; OP]).expect("reply");
        }
        // What replica 0 will pass off: its snapshot at an older checkpoint.
        let (old_seq, old_digest) = (net.reps[0].stable_seq(), net.reps[0].stable_digest());
        let old = net.reps[0].stable_snapshot.to_vec();
        let chunk = net.params.snapshot_chunk_bytes as usize;
        let tree = ChunkTree::new(&old, chunk as u32);
        for i in 20..40 {
            net.submit(&mut c, &[i as u8; OP]).expect("reply");
        }
        net.blocked.clear();
        net.submit(&mut c, &[0xee; OP]).expect("reply");
        net.reps[3].ticks = 2;
        let (len, count) = honest_snapshot(&net);
        faulty_chunks(&mut net, move |mut c| {
            let i = c.index as usize;
            let Some(proof) = tree.proof(c.index) else { return vec![] };
            c.data = old[(i * chunk).min(old.len())..((i + 1) * chunk).min(old.len())].to_vec();
            c.proof = proof;
            if relabel {
                c.size = old.len() as u64;
            } else {
                (c.seq, c.digest, c.size) = (old_seq, old_digest, old.len() as u64);
            }
            vec![resign(c)]
        });
        let ignored = net.reps[3].stats.ignored;
        catch_up(&mut net, len);
        let s = &net.reps[3].stats;
        assert_eq!(s.chunks_received, count, "relabel {relabel}");
        if relabel {
            assert_eq!(s.bad_chunks, 1);
        } else {
            assert_eq!(s.bad_chunks, 0);
            assert!(s.ignored > ignored, "the other checkpoint's chunk was ignored");
        }
    }
}

/// A size above `max_snapshot_bytes` in an offer is refused before anything is
/// asked; a false size within the bound fails the first chunk (the digest binds the
/// size). The lagging replica still catches up from replica 1.
#[test]
fn a_wrong_total_size_is_refused() {
    for huge in [true, false] {
        let mut net = lagging(chunk_params(), 40);
        let (len, count) = honest_snapshot(&net);
        let max = net.params.max_snapshot_bytes;
        net.byz = Some((
            0,
            Box::new(move |_to, m| match m {
                Message::StateReply(r) => {
                    let mut b = r.body;
                    if let Some(o) = &mut b.checkpoint {
                        o.size = if huge { max + 1 } else { o.size + 1 };
                    }
                    vec![Message::StateReply(Signed::sign(b, &test_key("replica-0")))]
                }
                Message::SnapshotChunk(c) => {
                    let mut c = c.body;
                    c.size += 1;
                    vec![resign(c)]
                }
                m => vec![m],
            }),
        ));
        catch_up(&mut net, len);
        let s = &net.reps[3].stats;
        if huge {
            assert!(s.snapshots_refused >= 1);
            assert_eq!(s.bad_chunks, 0, "nothing was asked of replica 0");
        } else {
            assert_eq!(s.bad_chunks, 1);
        }
        assert_eq!(s.chunks_received, count);
    }
}

/// Replica 0 answers every request with a flood: the chunk asked for, copies of it,
/// every index past the end and chunks for another replica. The lagging replica
/// keeps exactly one copy of each chunk, never buffers more than the snapshot, and
/// stops asking replica 0 at the first chunk that does not verify.
#[test]
fn endless_chunks_never_grow_the_buffer() {
    let mut net = lagging(chunk_params(), 40);
    let (len, count) = honest_snapshot(&net);
    faulty_chunks(&mut net, move |c| {
        let mut out = vec![resign(c.clone()); 5];
        for extra in 0..50u64 {
            let mut x = c.clone();
            x.index = count + extra;
            x.data = vec![7; 256];
            out.push(resign(x));
            let mut y = c.clone();
            y.to = 2;
            out.push(resign(y));
        }
        out
    });
    catch_up(&mut net, len);
    let s = &net.reps[3].stats;
    assert_eq!(s.chunks_received, count, "one copy each");
    assert_eq!(s.bad_chunks, 1, "the first out-of-range chunk unmasks replica 0");
}

/// Replica 0 serves the first chunks, then goes silent: at the next status tick the
/// transfer moves to replica 1 and resumes where it stopped (no chunk fetched twice).
#[test]
fn a_silent_source_is_replaced_and_the_transfer_resumes() {
    let mut net = lagging(chunk_params(), 40);
    let (len, count) = honest_snapshot(&net);
    let mut served = 0;
    faulty_chunks(&mut net, move |c| {
        served += 1;
        if served <= 6 { vec![resign(c)] } else { vec![] }
    });
    net.fire(3, TimerId::Status);
    run_bounded(&mut net, len);
    assert_eq!(net.reps[3].stats.chunks_received, 6, "replica 0 served six chunks, then nothing");
    assert_eq!(net.reps[3].last_executed(), 0);
    catch_up(&mut net, len);
    let s = &net.reps[3].stats;
    assert_eq!(s.chunks_received, count, "the six were kept");
    assert_eq!(s.bad_chunks, 0);
}

/// State replies carry at most `state_reply_budget` bytes of entries: replica 3 misses
/// seven requests (no stable checkpoint yet, so every one is an entry to send), and
/// every reply fits the lowered frame limit (all seven, about 4 KiB, would not); it
/// asks again on later ticks and gets the rest.
#[test]
fn state_replies_are_cut_to_the_budget() {
    let p = Params { checkpoint_interval: 8, log_window: 16, ..chunk_params() };
    let mut net = lagging(p, 6);
    assert_eq!(net.reps[0].stable_seq(), 0);
    net.fire(3, TimerId::Status);
    let mut replies = 0;
    while let Some((from, to, msg)) = net.queue.pop_front() {
        if let (3, Message::StateReply(r)) = (to, &msg) {
            replies += 1;
            assert!(r.body.checkpoint.is_none());
            assert_eq!(r.body.entries.len(), 1, "one entry fits 1 KiB");
        }
        if !from.is_some_and(|f| net.blocked.contains(&f)) {
            net.deliver(to, msg);
        }
    }
    assert_eq!(replies, 2, "f+1 peers asked");
    assert_eq!(net.reps[3].last_executed(), 1, "the first entry executed");
    catch_up(&mut net, 0);
    assert_eq!(net.reps[3].stats.state_transfers, 0);
}
