//! A faulty primary proposing a far-future batch time cannot move the ledger's
//! clock: the backups refuse its pre-prepare, replace it, and the transaction it
//! tried to order runs in the next view at a time no further ahead than the allowed
//! skew (so no order deadline can be passed early). The PBFT core runs with the
//! real ledger app on an in-memory network.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use zkpot_ledger::app::PotApp;
use zkpot_ledger::keys::{account_from_seed, signing_key_from_seed};
use zkpot_ledger::*;
use zkpot_pbft::client::{ClientAction, ClientCore};
use zkpot_pbft::crypto::{test_key, Signed};
use zkpot_pbft::message::{Batch, Message, PrePrepare};
use zkpot_pbft::{Action, ClusterConfig, Event, Params as PbftParams, Replica, TimerId, Verifier};

const NOW: u64 = 1_000_000;

#[test]
fn a_far_future_batch_time_never_reaches_the_ledger() {
    let n = 4;
    let keys: Vec<_> = (0..n).map(|i| test_key(&format!("replica-{i}"))).collect();
    let addr = "127.0.0.1:1".parse().unwrap();
    let cluster = ClusterConfig::new(1, keys.iter().map(|k| (addr, k.verifying_key())).collect());
    let params = PbftParams::default();
    let skew = params.max_clock_skew_ms;
    let genesis = Genesis {
        params: Params::default(),
        allocations: BTreeMap::from([(account_from_seed("alice"), 1_000)]),
        ..Genesis::default()
    };
    let checker: Arc<dyn ProofChecker> = Arc::new(MarkerChecker::new());
    let mut reps: Vec<Replica<PotApp>> = (0..n)
        .map(|i| {
            let app = PotApp::new(&genesis, checker.clone()).unwrap();
            Replica::new(i as u32, &cluster, params.clone(), keys[i].clone(), app).unwrap()
        })
        .collect();
    let mut verifier = Verifier::new(cluster.keys().unwrap(), 1);
    let mut queue: VecDeque<(u32, Message)> = VecDeque::new();
    let mut timers: Vec<BTreeMap<TimerId, u64>> = vec![BTreeMap::new(); n];
    let mut now = NOW;

    // alice's transfer, as her client sends it
    let tx = SignedTx::sign(&signing_key_from_seed("alice"), genesis.network_id(), 0, TxBody::Transfer { to: account_from_seed("bob"), amount: 7 });
    let mut client = ClientCore::new(signing_key_from_seed("alice-client"), n, 1, 1);
    let Some(ClientAction::Send(_, Message::Request(req))) = client.submit(Op::Tx(tx).encode()).pop() else {
        panic!("client sends its request")
    };

    // Replica 0 (the primary of view 0) is faulty: it orders the transfer at a time
    // far in the future and does nothing else.
    let batch = Batch { time_ms: u64::MAX / 2, requests: vec![req.clone()] };
    let pp = PrePrepare { view: 0, seq: 1, digest: batch.digest(), batch, primary: 0 };
    for to in 1..n as u32 {
        queue.push_back((to, Message::PrePrepare(Signed::sign(pp.clone(), &keys[0]))));
        queue.push_back((to, Message::Request(req.clone()))); // the client's retransmission
    }
    let mut run = |reps: &mut Vec<Replica<PotApp>>, queue: &mut VecDeque<(u32, Message)>, timers: &mut Vec<BTreeMap<TimerId, u64>>, now: u64| {
        while let Some((to, msg)) = queue.pop_front() {
            if to == 0 {
                continue; // the faulty primary is silent from here on
            }
            let v = verifier.verify(msg).expect("well-signed");
            for a in reps[to as usize].handle(now, Event::Message(v)) {
                match a {
                    Action::Send { to: t, msg } => queue.push_back((t, msg)),
                    Action::Broadcast(msg) => (0..n as u32).filter(|t| *t != to).for_each(|t| queue.push_back((t, msg.clone()))),
                    Action::SetTimer { timer, after_ms } => {
                        timers[to as usize].insert(timer, now + after_ms);
                    }
                    Action::CancelTimer(timer) => {
                        timers[to as usize].remove(&timer);
                    }
                    _ => {}
                }
            }
        }
    };
    run(&mut reps, &mut queue, &mut timers, now);
    for r in 1..n {
        assert_eq!(reps[r].last_executed(), 0, "replica {r} refused the far-future batch");
        assert_eq!(reps[r].app().state().last_time, 0);
        assert_eq!(reps[r].stats.bad_times, 1);
    }
    // The view-change timers fire: view 1, whose primary orders the transfer now.
    now += params.view_change_timeout_ms;
    for r in 1..n {
        assert!(timers[r].contains_key(&TimerId::ViewChange));
        for a in reps[r].handle(now, Event::Timer(TimerId::ViewChange)) {
            if let Action::Broadcast(msg) = a {
                (0..n as u32).filter(|t| *t != r as u32).for_each(|t| queue.push_back((t, msg.clone())));
            }
        }
    }
    run(&mut reps, &mut queue, &mut timers, now);
    for r in 1..n {
        let state = reps[r].app().state();
        assert_eq!(reps[r].view(), 1, "replica {r} replaced the primary");
        assert_eq!(reps[r].last_executed(), 1);
        assert!(state.last_time >= NOW && state.last_time <= now + skew, "ledger clock {}", state.last_time);
        assert_eq!(state.accounts[&account_from_seed("bob")].balance, 7, "the transfer ran in view 1");
    }
}
