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

/// Mostly the right role for the action, sometimes a wrong one (rejection paths).
fn pick(list: &[&'static str], i: u8) -> &'static str {
    list[(i as usize) % list.len()]
}

const PROVIDERS: &[&str] = &["p1", "p2", "p3", "p1", "p2", "v1"];
const VALIDATORS: &[&str] = &["v1", "v2", "v3", "v1", "v2", "c1"];
const VERIFIERS: &[&str] = &["c1", "c2", "c1", "c2", "p1"];

#[derive(Debug, Clone)]
enum Action {
    Tick(u64),
    Transfer(u8, u8, u64),
    Register(u8, u8, u64),
    Unregister(u8),
    Order(u8, bool, u64),
    Commit(u8, u8),
    Reveal(u8, u8, u8),
    Validate(u8, u8, u8, u64, bool, u64),
    Challenge(u8, u8, u64),
    Finalize(u8, u8),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        15 => (0u64..200).prop_map(Action::Tick),
        3 => (any::<u8>(), any::<u8>(), 0u64..2000).prop_map(|(a, b, c)| Action::Transfer(a, b, c)),
        1 => (any::<u8>(), 0u8..3, 0u64..300).prop_map(|(a, b, c)| Action::Register(a, b, c)),
        1 => any::<u8>().prop_map(Action::Unregister),
        6 => (any::<u8>(), any::<bool>(), 0u64..5000).prop_map(|(a, b, c)| Action::Order(a, b, c)),
        9 => (any::<u8>(), 1u8..5).prop_map(|(a, b)| Action::Commit(a, b)),
        12 => (any::<u8>(), 1u8..5, 0u8..5).prop_map(|(a, b, c)| Action::Reveal(a, b, c)),
        15 => (any::<u8>(), 0u8..5, 1u8..9, 0u64..520, any::<bool>(), 0u64..200)
            .prop_map(|(a, b, c, d, e, f)| Action::Validate(a, b, c, d, e, f)),
        9 => (any::<u8>(), 1u8..12, 0u64..100).prop_map(|(a, b, c)| Action::Challenge(a, b, c)),
        6 => (any::<u8>(), 1u8..5).prop_map(|(a, b)| Action::Finalize(a, b)),
    ]
}

fn run(w: &mut World, a: &Action) {
    let role = |r: u8| [Role::Provider, Role::Validator, Role::Verifier][r as usize % 3];
    let r = match a {
        Action::Tick(d) => {
            w.now += d;
            return;
        }
        Action::Transfer(f, t, amt) => w.send(
            name(*f),
            TxBody::Transfer {
                to: id(name(*t)),
                amount: *amt,
            },
        ),
        Action::Register(n, r, s) => w.send(
            name(*n),
            TxBody::Register {
                role: role(*r),
                stake: *s,
            },
        ),
        Action::Unregister(n) => w.send(name(*n), TxBody::Unregister),
        Action::Order(n, eager, reward) => {
            let mut s = spec(
                if *eager {
                    Mode::Eager
                } else {
                    Mode::Optimistic
                },
                *reward,
            );
            s.training_deadline = w.now + 150;
            s.validation_deadline = w.now + 500;
            s.reveal_deadline = w.now + 1_500;
            s.challenge_deadline = w.now + 2_500;
            w.send(name(*n), TxBody::PutOrder(s))
        }
        Action::Commit(n, o) => {
            let who = pick(PROVIDERS, *n);
            let m = &(*n % 3);
            let c = claim::claim_commitment(&model(*m), &salt(*m), &id(who));
            w.send(
                who,
                TxBody::ClaimCommit {
                    order: *o as u64,
                    commitment: c,
                },
            )
        }
        Action::Reveal(n, o, wrong) => {
            // The provider's own model unless `wrong == 0` (reveal mismatch path).
            let m = if *wrong == 0 { 7 } else { *n % 3 };
            w.send(
                pick(PROVIDERS, *n),
                TxBody::ClaimReveal {
                    order: *o as u64,
                    model_commitment: model(m),
                    salt: salt(m),
                },
            )
        }
        Action::Validate(n, o, c, score, good, stake) => {
            // Once an order's commitments are closed, this action reveals its oldest
            // pending validation instead.
            let due = w.pending.iter().position(|(_, vid, _)| {
                w.state
                    .validation_commits
                    .get(vid)
                    .and_then(|vc| w.state.orders.get(&vc.order))
                    .is_some_and(|o| w.now >= o.spec.validation_deadline)
            });
            if let Some(pos) = due {
                let (v, _, body) = w.pending.remove(pos);
                let r = w.send(&v, body);
                if let Err(e) = r {
                    assert!(!e.to_string().is_empty());
                }
                return;
            }
            let claim = *c as u64;
            let m = w
                .state
                .claims
                .get(&claim)
                .and_then(|c| c.model_commitment)
                .unwrap_or(model(1));
            let proof = if *good { good_proof() } else { bad_proof() };
            // Mostly the claim's own order; o == 0 sends a wrong one.
            let order = match (*o, w.state.claims.get(&claim)) {
                (0, _) | (_, None) => *o as u64,
                (_, Some(c)) => c.order,
            };
            let v = pick(VALIDATORS, *n);
            let st = statement(m, *score);
            let commitment = validation::validation_commitment(&w.state.network, &id(v), order, claim, &st, &proof, &vsalt(v, claim));
            let r = w.send(v, TxBody::ValidateCommit { order, claim, commitment, stake: *stake });
            if let Ok(Receipt::ValidationCommitted { validation, .. }) = r {
                w.pending.push((v.to_string(), validation, World::reveal_statement(v, validation, claim, st, proof)));
            }
            r
        }
        Action::Challenge(n, v, s) => w.send(
            pick(VERIFIERS, *n),
            TxBody::Challenge {
                validation: *v as u64,
                stake: *s,
            },
        ),
        Action::Finalize(n, o) => w.send(name(*n), TxBody::Finalize { order: *o as u64 }),
    };
    if let Err(e) = r {
        assert!(!e.to_string().is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn value_is_conserved(actions in proptest::collection::vec(action(), 1..160)) {
        let mut w = World::registered();
        let genesis = w.total();
        for a in &actions {
            run(&mut w, a); // World::send asserts conservation per transaction
        }
        prop_assert_eq!(w.total(), genesis);
        // Node `open` counters match what is really open.
        for (acct, a) in &w.state.accounts {
            if let Some(n) = &a.node {
                let claims = w.state.claims.values().filter(|c| c.provider == *acct).count() as u64;
                let vals = w.state.validations.values().filter(|v| v.validator == *acct && v.stake > 0).count() as u64;
                let commits = w.state.validation_commits.values().filter(|v| v.validator == *acct).count() as u64;
                prop_assert_eq!(n.open, claims + vals + commits);
            }
        }
    }

    #[test]
    fn replicas_agree(actions in proptest::collection::vec(action(), 1..60)) {
        // Two replicas applying the same sequence end in the same state.
        let mut a = World::registered();
        let mut b = World::registered();
        for x in &actions {
            run(&mut a, x);
            run(&mut b, x);
        }
        prop_assert_eq!(&a.state, &b.state);
        prop_assert_eq!(postcard::to_allocvec(&a.state).unwrap(), postcard::to_allocvec(&b.state).unwrap());
    }
}

/// One order's full lifecycle with random choices at every step.
#[derive(Debug, Clone)]
struct Lifecycle {
    eager: bool,
    reward: u64,
    /// Per provider p1..p3: commits? reveals (correctly)?
    providers: Vec<(bool, bool)>,
    /// (validator 0..3, claim index 0..3, score, good proof, stake)
    validations: Vec<(u8, u8, u64, bool, u64)>,
    /// (verifier 0..2, validation index, stake)
    challenges: Vec<(u8, u8, u64)>,
}

fn lifecycle() -> impl Strategy<Value = Lifecycle> {
    (
        any::<bool>(),
        1u64..5000,
        proptest::collection::vec((any::<bool>(), any::<bool>()), 3),
        proptest::collection::vec((0u8..3, 0u8..3, 0u64..520, any::<bool>(), 40u64..200), 0..8),
        proptest::collection::vec((0u8..2, 0u8..8, 0u64..80), 0..5),
    )
        .prop_map(
            |(eager, reward, providers, validations, challenges)| Lifecycle {
                eager,
                reward,
                providers,
                validations,
                challenges,
            },
        )
}

fn play(w: &mut World, l: &Lifecycle) {
    let mode = if l.eager {
        Mode::Eager
    } else {
        Mode::Optimistic
    };
    let mut s = spec(mode, l.reward);
    s.training_deadline = w.now + 100;
    s.validation_deadline = w.now + 200;
    s.reveal_deadline = w.now + 1_200;
    s.challenge_deadline = w.now + 2_200;
    let challenge_deadline = s.challenge_deadline;
    let Ok(Receipt::OrderPut { order }) = w.send("alice", TxBody::PutOrder(s)) else {
        return;
    };
    let providers = ["p1", "p2", "p3"];
    let mut claims = Vec::new();
    for (i, (commit, _)) in l.providers.iter().enumerate() {
        if *commit {
            let c = claim::claim_commitment(&model(i as u8), &salt(i as u8), &id(providers[i]));
            if let Ok(Receipt::ClaimCommitted { claim, .. }) = w.send(
                providers[i],
                TxBody::ClaimCommit {
                    order,
                    commitment: c,
                },
            ) {
                claims.push((claim, i as u8));
            }
        }
    }
    w.now += 100;
    for (i, (commit, reveal)) in l.providers.iter().enumerate() {
        if *commit && *reveal {
            let _ = w.send(
                providers[i],
                TxBody::ClaimReveal {
                    order,
                    model_commitment: model(i as u8),
                    salt: salt(i as u8),
                },
            );
        }
    }
    let mut commits = Vec::new();
    for (v, c, score, good, stake) in &l.validations {
        let Some((claim, m)) = claims.get(*c as usize).copied() else {
            continue;
        };
        let proof = if *good { good_proof() } else { bad_proof() };
        let who = ["v1", "v2", "v3"][*v as usize];
        let st = statement(model(m), *score);
        let commitment = validation::validation_commitment(&w.state.network, &id(who), order, claim, &st, &proof, &vsalt(who, claim));
        if let Ok(Receipt::ValidationCommitted { validation, .. }) =
            w.send(who, TxBody::ValidateCommit { order, claim, commitment, stake: *stake })
        {
            commits.push((who, World::reveal_statement(who, validation, claim, st, proof), validation));
        }
    }
    w.now += 100;
    let mut vals = Vec::new();
    for (who, body, validation) in commits.clone() {
        // eager bad proofs are refused at the reveal (their stake is forfeited at finalize)
        if let Ok(Receipt::Validated { .. }) = w.send(who, body) {
            vals.push(validation);
        }
    }
    for (c, v, stake) in &l.challenges {
        let Some(validation) = vals.get(*v as usize).copied() else {
            continue;
        };
        let _ = w.send(
            ["c1", "c2"][*c as usize],
            TxBody::Challenge {
                validation,
                stake: *stake,
            },
        );
    }
    w.now = challenge_deadline;
    let before = w.balance("alice");
    let state_before = w.state.clone();
    match w.send("bob", TxBody::Finalize { order }) {
        Ok(Receipt::Finalized {
            outcome: Outcome::Refunded { amount },
            ..
        }) => {
            assert_eq!(amount, l.reward);
            assert_eq!(w.balance("alice"), before + l.reward);
        }
        Ok(Receipt::Finalized {
            outcome: Outcome::Won(win),
            ..
        }) => {
            assert!(!win.rewarded_validations.is_empty());
            assert_eq!(
                win.provider_reward
                    + win.validator_reward_each * win.rewarded_validations.len() as u64,
                l.reward
            );
            for v in &win.rewarded_validations {
                assert!(state_before.validations[v].status.is_valid());
                assert_eq!(state_before.validations[v].statement.score, win.score);
            }
        }
        other => panic!("finalize failed: {other:?}"),
    }
    // Everything of this order is settled and pruned.
    assert!(!w.state.orders.contains_key(&order));
    for (_, _, v) in &commits {
        assert!(!w.state.validations.contains_key(v) && !w.state.validation_commits.contains_key(v));
    }
    let unrevealed = commits.len() - vals.len();
    assert_eq!(w.state.settled[&order].unrevealed_validations.len(), unrevealed);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Random full lifecycles (every accepting path: commits, reveals, eager and
    /// optimistic validations, both challenge outcomes, wins and refunds) conserve value
    /// and settle every escrow; node `open` counters return to zero.
    #[test]
    fn lifecycles_conserve_and_settle(ls in proptest::collection::vec(lifecycle(), 1..5)) {
        let mut w = World::registered();
        let genesis = w.total();
        for l in &ls {
            play(&mut w, l);
        }
        prop_assert_eq!(w.total(), genesis);
        for a in w.state.accounts.values() {
            if let Some(n) = &a.node {
                prop_assert_eq!(n.open, 0);
            }
        }
    }
}
