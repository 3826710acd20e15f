//! A faulty primary's batch time and batch size, and the bounds on what a faulty
//! replica or a flood of clients can make a replica hold.

use super::*;
use crate::crypto::client_id;

fn signed_request(i: usize, op: Vec<u8>) -> Signed<Request> {
    let k = test_key(&format!("client-{i}"));
    Signed::sign(Request { client: client_id(&k), timestamp: 1, op }, &k)
}

fn pre_prepare(seq: u64, batch: Batch) -> Message {
    let pp = PrePrepare { view: 0, seq, digest: batch.digest(), batch, primary: 0 };
    Message::PrePrepare(Signed::sign(pp, &test_key("replica-0")))
}

/// A primary proposing a far-future time: every backup refuses the pre-prepare, its
/// view-change timer runs, the view changes, and the request executes in view 1 with
/// a time no further ahead than the skew. The far-future time never commits.
#[test]
fn a_primary_proposing_a_far_future_time_is_replaced() {
    let mut net = Net::new(params());
    net.now = 1_000;
    let skew = net.params.max_clock_skew_ms;
    let req = signed_request(0, b"pay".to_vec());
    let far = Batch { time_ms: u64::MAX / 2, requests: vec![req.clone()] };
    net.blocked.insert(0); // the faulty primary sends nothing else
    for to in 1..4 {
        net.deliver(to, pre_prepare(1, far.clone()));
    }
    net.run();
    for r in 1..4 {
        assert_eq!(net.reps[r].stats.bad_times, 1);
        assert_eq!(net.reps[r].last_executed(), 0);
        assert!(net.timers[r].contains_key(&TimerId::ViewChange), "the suspect primary's timer runs");
    }
    // The request reaches the backups (client retransmission), the timers fire.
    for to in 1..4 {
        net.queue.push_back((None, to, Message::Request(req.clone())));
    }
    net.run();
    net.now += net.params.view_change_timeout_ms;
    for r in 1..4 {
        net.fire(r, TimerId::ViewChange);
    }
    net.run();
    for r in 1..4 {
        assert_eq!(net.reps[r].view(), 1, "replica {r} replaced the primary");
        assert_eq!(net.reps[r].last_executed(), 1);
        assert!(net.reps[r].last_time <= net.now + skew, "committed time {}", net.reps[r].last_time);
        assert_eq!(net.reps[r].app().ops, vec![b"pay".to_vec()]);
    }
}

/// Times must increase: a pre-prepare whose time is not above the previous batch's
/// is refused (else a primary could stop the agreed clock or move it backwards).
#[test]
fn a_batch_time_not_above_the_previous_is_refused() {
    let mut net = Net::new(params());
    net.now = 500;
    net.blocked.insert(0);
    let b1 = Batch { time_ms: 400, requests: vec![signed_request(0, b"a".to_vec())] };
    let b2 = Batch { time_ms: 400, requests: vec![signed_request(1, b"b".to_vec())] };
    let b3 = Batch { time_ms: 401, requests: vec![signed_request(2, b"c".to_vec())] };
    net.deliver(1, pre_prepare(1, b1));
    net.deliver(1, pre_prepare(2, b2));
    assert_eq!(net.reps[1].stats.bad_times, 1, "equal time refused");
    net.deliver(1, pre_prepare(3, b3));
    assert_eq!(net.reps[1].stats.bad_times, 1, "a later time is fine");
    assert!(net.reps[1].log.get(&2).is_none_or(|s| s.pre_prepare.is_none()));
    assert!(net.reps[1].log[&3].pre_prepare.is_some());
}

/// Oversized requests are refused at the core's door, and a pre-prepare over the
/// batch limits is refused by backups (a faulty primary cannot make them order it).
#[test]
fn oversized_requests_and_batches_are_refused() {
    let mut p = params();
    p.max_request_bytes = 100;
    p.max_batch_bytes = 150;
    let mut net = Net::new(p);
    net.now = 10;
    net.deliver(0, Message::Request(signed_request(0, vec![7; 101])));
    assert_eq!(net.reps[0].stats.oversized, 1);
    assert!(net.reps[0].pending.is_empty() && net.queue.is_empty(), "nothing ordered");
    // the primary fills batches up to the byte limit: 100 + 100 > 150, so two batches
    let mut p = params();
    p.max_request_bytes = 100;
    p.max_batch_bytes = 150;
    p.max_in_flight = 4;
    let mut net = Net::new(p);
    net.now = 10;
    net.deliver(0, Message::Request(signed_request(0, vec![1; 100])));
    net.deliver(0, Message::Request(signed_request(1, vec![2; 100])));
    net.run();
    assert_eq!(net.reps[1].last_executed(), 2, "one request per batch");
    // a faulty primary's batch: one request too big, or too many bytes, or too many requests
    for batch in [
        vec![signed_request(5, vec![0; 101])],
        vec![signed_request(5, vec![0; 80]), signed_request(6, vec![0; 80])],
        (0..5).map(|i| signed_request(10 + i, vec![i as u8])).collect(),
    ] {
        let mut net = Net::new({
            let mut p = params();
            p.max_request_bytes = 100;
            p.max_batch_bytes = 150;
            p
        });
        net.now = 10;
        net.deliver(1, pre_prepare(1, Batch { time_ms: 5, requests: batch }));
        assert_eq!(net.reps[1].stats.oversized, 1);
        assert!(net.reps[1].log.get(&1).is_none_or(|s| s.pre_prepare.is_none()));
    }
}

/// A faulty replica sending view-changes for view after view: a replica keeps only
/// its highest one, never one per view.
#[test]
fn view_changes_held_per_replica_are_bounded() {
    let mut net = Net::new(params());
    let cp = CheckpointProof { seq: 0, digest: net.reps[0].stable_digest(), messages: vec![] };
    for v in 1..=60u64 {
        let body = ViewChange { new_view: v, checkpoint: cp.clone(), prepared: vec![], replica: 3 };
        net.deliver(0, Message::ViewChange(Signed::sign(body, &test_key("replica-3"))));
        let held: usize = net.reps[0].view_changes.values().map(|m| m.len()).sum();
        assert_eq!(held, 1, "after view {v}");
    }
    // and a lower one after a higher one is not stored either
    let body = ViewChange { new_view: 10, checkpoint: cp, prepared: vec![], replica: 3 };
    net.deliver(0, Message::ViewChange(Signed::sign(body, &test_key("replica-3"))));
    assert_eq!(net.reps[0].view_changes.keys().copied().collect::<Vec<_>>(), vec![60]);
    assert!(net.reps[0].is_active(), "one replica alone moves nobody");
}

/// A flood of clients (each a fresh key) fills at most `max_pending_clients` slots.
#[test]
fn pending_requests_are_bounded() {
    let mut p = params();
    p.max_pending_clients = 8;
    let mut net = Net::new(p);
    net.blocked.insert(0); // primary silent: requests stay pending at the backup
    for i in 0..50 {
        net.deliver(1, Message::Request(signed_request(i, vec![1])));
    }
    assert_eq!(net.reps[1].pending.len(), 8);
    assert_eq!(net.reps[1].stats.pending_full, 42);
    // a waiting client's newer request still replaces its own
    let k = test_key("client-0");
    let newer = Signed::sign(Request { client: client_id(&k), timestamp: 2, op: vec![2] }, &k);
    net.deliver(1, Message::Request(newer));
    assert_eq!(net.reps[1].pending[&client_id(&k)].body.timestamp, 2);
}
