//! Property test: random transaction sequences (valid and invalid, random signers,
//! random clock jumps) never create or destroy value and never leave a negative
//! balance (u64 makes that structural; the sum check catches saturation).

mod common;

use common::*;
use proptest::prelude::*;
use zkpot_ledger::*;

fn name(i: u8) -> &'static str {
    NAMES[(i as usize) % NAMES.len()]
}

#[derive(Debug, Clone)]
enum Action {
    Tick(u64),
    Transfer(u8, u8, u64),
    Register(u8, u8, u64),
    Unregister(u8),
    Order(u8, bool, u64),
    Commit(u8, u8, u8),
    Reveal(u8, u8, u8),
    Validate(u8, u8, u8, u64, bool, u64),
    Challenge(u8, u8, u64),
    Finalize(u8, u8),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (0u64..1500).prop_map(Action::Tick),
        (any::<u8>(), any::<u8>(), 0u64..2000).prop_map(|(a, b, c)| Action::Transfer(a, b, c)),
        (any::<u8>(), 0u8..3, 0u64..300).prop_map(|(a, b, c)| Action::Register(a, b, c)),
        any::<u8>().prop_map(Action::Unregister),
        (any::<u8>(), any::<bool>(), 0u64..5000).prop_map(|(a, b, c)| Action::Order(a, b, c)),
        (any::<u8>(), 0u8..6, 0u8..3).prop_map(|(a, b, c)| Action::Commit(a, b, c)),
        (any::<u8>(), 0u8..6, 0u8..3).prop_map(|(a, b, c)| Action::Reveal(a, b, c)),
        (any::<u8>(), 0u8..6, 0u8..8, 0u64..520, any::<bool>(), 0u64..200)
            .prop_map(|(a, b, c, d, e, f)| Action::Validate(a, b, c, d, e, f)),
        (any::<u8>(), 0u8..12, 0u64..100).prop_map(|(a, b, c)| Action::Challenge(a, b, c)),
        (any::<u8>(), 0u8..6).prop_map(|(a, b)| Action::Finalize(a, b)),
    ]
}

fn run(w: &mut World, a: &Action) {
    let role = |r: u8| [Role::Provider, Role::Validator, Role::Verifier][r as usize % 3];
    let r = match a {
        Action::Tick(d) => {
            w.now += d;
            return;
        }
        Action::Transfer(f, t, amt) => w.send(name(*f), TxBody::Transfer { to: id(name(*t)), amount: *amt }),
        Action::Register(n, r, s) => w.send(name(*n), TxBody::Register { role: role(*r), stake: *s }),
        Action::Unregister(n) => w.send(name(*n), TxBody::Unregister),
        Action::Order(n, eager, reward) => {
            let mut s = spec(if *eager { Mode::Eager } else { Mode::Optimistic }, *reward);
            s.training_deadline = w.now + 500;
            s.validation_deadline = w.now + 1000;
            s.challenge_deadline = w.now + 1500;
            w.send(name(*n), TxBody::PutOrder(s))
        }
        Action::Commit(n, o, m) => {
            let c = claim::claim_commitment(&model(*m), &salt(*m), &id(name(*n)));
            w.send(name(*n), TxBody::ClaimCommit { order: *o as u64, commitment: c })
        }
        Action::Reveal(n, o, m) => {
            w.send(name(*n), TxBody::ClaimReveal { order: *o as u64, model_commitment: model(*m), salt: salt(*m) })
        }
        Action::Validate(n, o, c, score, good, stake) => {
            let claim = *c as u64;
            let m = w.state.claims.get(&claim).and_then(|c| c.model_commitment).unwrap_or(model(1));
            let proof = if *good { good_proof() } else { bad_proof() };
            w.send(name(*n), TxBody::Validate { order: *o as u64, claim, statement: statement(m, *score), proof, stake: *stake })
        }
        Action::Challenge(n, v, s) => w.send(name(*n), TxBody::Challenge { validation: *v as u64, stake: *s }),
        Action::Finalize(n, o) => w.send(name(*n), TxBody::Finalize { order: *o as u64 }),
    };
    if let Err(e) = r {
        assert!(!e.to_string().is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn value_is_conserved(actions in proptest::collection::vec(action(), 1..120)) {
        let mut w = World::new();
        let genesis = w.total();
        for a in &actions {
            run(&mut w, a); // World::send asserts conservation per transaction
        }
        prop_assert_eq!(w.total(), genesis);
        // Node `open` counters match what is really open.
        for (acct, a) in &w.state.accounts {
            if let Some(n) = &a.node {
                let claims = w.state.claims.values().filter(|c| c.provider == *acct && !w.state.orders[&c.order].is_finalized()).count() as u64;
                let vals = w.state.validations.values().filter(|v| v.validator == *acct && v.stake > 0).count() as u64;
                prop_assert_eq!(n.open, claims + vals);
            }
        }
    }

    #[test]
    fn replicas_agree(actions in proptest::collection::vec(action(), 1..60)) {
        // Two replicas applying the same sequence end in the same state.
        let mut a = World::new();
        let mut b = World::new();
        for x in &actions {
            run(&mut a, x);
            run(&mut b, x);
        }
        prop_assert_eq!(&a.state, &b.state);
        prop_assert_eq!(postcard::to_allocvec(&a.state).unwrap(), postcard::to_allocvec(&b.state).unwrap());
    }
}
