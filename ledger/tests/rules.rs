//! One test per PoT rule, and every rejection path, on the pure state machine.

mod common;

use common::*;
use zkpot_ledger::keys::signing_key_from_seed;
use zkpot_ledger::statement::StatementChecks;
use zkpot_ledger::*;

fn code(r: Reject) -> String {
    r.code()
}

// ---------------- envelope ----------------

#[test]
fn bad_signature_unknown_account_and_nonce() {
    let mut w = World::new();
    let mut tx = w.signed(
        "alice",
        TxBody::Transfer {
            to: id("bob"),
            amount: 5,
        },
    );
    tx.signature[0] ^= 1;
    assert_eq!(w.send_tx(&tx), Err(Reject::BadSignature));
    assert_eq!(
        w.nonce("alice"),
        0,
        "bad signature must not consume the nonce"
    );

    let mut tx = w.signed(
        "alice",
        TxBody::Transfer {
            to: id("bob"),
            amount: 5,
        },
    );
    tx.signature.truncate(10);
    assert_eq!(w.send_tx(&tx), Err(Reject::BadSignature));

    // A signer that is not a curve point.
    let not_a_point = (2u8..=255)
        .map(|i| {
            let mut b = [0u8; 32];
            b[0] = i;
            b
        })
        .find(|b| ed25519_dalek::VerifyingKey::from_bytes(b).is_err())
        .unwrap();
    let mut tx = w.signed(
        "alice",
        TxBody::Transfer {
            to: id("bob"),
            amount: 5,
        },
    );
    tx.signer = Bytes32(not_a_point);
    assert_eq!(w.send_tx(&tx), Err(Reject::BadPublicKey));

    let stranger = SignedTx::sign(&signing_key_from_seed("stranger"), w.state.network, 0, TxBody::Unregister);
    assert!(matches!(
        w.send_tx(&stranger),
        Err(Reject::UnknownAccount { .. })
    ));

    let tx = SignedTx::sign(&signing_key_from_seed("alice"), w.state.network, 7, TxBody::Unregister);
    assert_eq!(
        w.send_tx(&tx),
        Err(Reject::BadNonce {
            expected: 0,
            got: 7
        })
    );

    // Business rejection consumes the nonce, so the same signed tx cannot be replayed.
    let tx = w.signed("alice", TxBody::Unregister);
    assert_eq!(w.send_tx(&tx), Err(Reject::NotRegistered));
    assert_eq!(w.nonce("alice"), 1);
    assert_eq!(
        w.send_tx(&tx),
        Err(Reject::BadNonce {
            expected: 1,
            got: 0
        })
    );
}

/// A transaction signed for network A is refused on network B (another genesis), and
/// rewriting its network field breaks the signature.
#[test]
fn a_transaction_signed_for_another_network_is_rejected() {
    let mut a = World::new();
    let mut b = World::new();
    let mut g = common::genesis();
    g.params.min_challenge_stake += 1; // any genesis difference is another network
    b.state = PotState::new(&g).unwrap();
    assert_ne!(a.state.network, b.state.network);
    let body = TxBody::Transfer { to: id("bob"), amount: 5 };
    let tx = a.signed("alice", body.clone());
    assert_eq!(
        b.send_tx(&tx),
        Err(Reject::WrongNetwork { expected: b.state.network.to_hex(), got: a.state.network.to_hex() })
    );
    assert_eq!(b.nonce("alice"), 0, "a foreign transaction does not consume the nonce");
    let mut forged = tx.clone();
    forged.network = b.state.network;
    assert_eq!(b.send_tx(&forged), Err(Reject::BadSignature));
    assert_eq!(a.send_tx(&tx), Ok(Receipt::Transferred { to: id("bob"), amount: 5 }));
    // the network id is the genesis digest
    assert_eq!(a.state.network, common::genesis().network_id());
}

#[test]
fn malformed_op_gets_a_reply_not_a_panic() {
    let mut w = World::new();
    for bytes in [vec![], vec![9u8], vec![1, 0xff, 0xff, 0xff, 0xff]] {
        let r = execute(
            &mut w.state,
            &bytes,
            TxContext { seq: 1, now: 5 },
            &w.checker,
        );
        match r {
            Reply::Malformed { outcome } => {
                assert!(!outcome.ok);
                assert_eq!(outcome.code.as_deref(), Some("malformed"));
            }
            other => panic!("{other:?}"),
        }
    }
    // Arbitrary garbage that happens to decode is still refused (bad signatures).
    let before = w.state.totals();
    for seed in 0u8..50 {
        let bytes: Vec<u8> = (0..200u32)
            .map(|i| (i as u8).wrapping_mul(seed).wrapping_add(seed))
            .collect();
        let mut op = vec![1u8];
        op.extend(bytes);
        let r = execute(&mut w.state, &op, TxContext { seq: 2, now: 6 }, &w.checker);
        let json = String::from_utf8(r.to_bytes()).unwrap();
        assert!(!json.contains("\"ok\":true"), "{json}");
    }
    assert_eq!(before, w.state.totals());
}

#[test]
fn execute_batch_and_query_replies_are_json() {
    let mut w = World::new();
    let t1 = SignedTx::sign(&signing_key_from_seed("alice"), w.state.network,
        0,
        TxBody::Transfer {
            to: id("bob"),
            amount: 1,
        },
    );
    let t2 = SignedTx::sign(&signing_key_from_seed("alice"), w.state.network,
        1,
        TxBody::Transfer {
            to: id("bob"),
            amount: 0,
        },
    );
    let r = execute(
        &mut w.state,
        &Op::Batch(vec![t1, t2]).encode(),
        TxContext { seq: 1, now: 5 },
        &w.checker,
    );
    let Reply::Batch { outcomes } = r else {
        panic!()
    };
    assert!(outcomes[0].ok);
    assert!(!outcomes[1].ok);
    assert_eq!(outcomes[1].code.as_deref(), Some("zero_amount"));
    let r = execute(
        &mut w.state,
        &Op::Query(Query::GetAccount { account: id("bob") }).encode(),
        TxContext { seq: 2, now: 6 },
        &w.checker,
    );
    let bytes = r.to_bytes();
    let back = Reply::from_bytes(&bytes).unwrap();
    let Reply::Query { answer } = back else {
        panic!()
    };
    assert_eq!(answer["balance"], FUNDS + 1);
}

// ---------------- accounts ----------------

#[test]
fn transfer_moves_balance_and_rejects_zero_and_overdraft() {
    let mut w = World::new();
    w.ok(
        "alice",
        TxBody::Transfer {
            to: id("newcomer"),
            amount: 10,
        },
    );
    assert_eq!(w.balance("newcomer"), 10);
    assert_eq!(w.balance("alice"), FUNDS - 10);
    assert_eq!(
        code(w.err(
            "alice",
            TxBody::Transfer {
                to: id("bob"),
                amount: 0
            }
        )),
        "zero_amount"
    );
    assert_eq!(
        w.err(
            "alice",
            TxBody::Transfer {
                to: id("bob"),
                amount: FUNDS
            }
        ),
        Reject::InsufficientBalance {
            needed: FUNDS,
            available: FUNDS - 10
        }
    );
}

#[test]
fn register_and_unregister() {
    let mut w = World::new();
    assert_eq!(
        w.err(
            "p1",
            TxBody::Register {
                role: Role::Provider,
                stake: 99
            }
        ),
        Reject::StakeBelowMinimum { min: 100, got: 99 }
    );
    assert!(matches!(
        w.err(
            "p1",
            TxBody::Register {
                role: Role::Provider,
                stake: FUNDS + 1
            }
        ),
        Reject::InsufficientBalance { .. }
    ));
    w.ok(
        "p1",
        TxBody::Register {
            role: Role::Provider,
            stake: 150,
        },
    );
    assert_eq!(w.balance("p1"), FUNDS - 150);
    assert_eq!(w.node("p1").stake, 150);
    assert_eq!(
        w.err(
            "p1",
            TxBody::Register {
                role: Role::Validator,
                stake: 150
            }
        ),
        Reject::AlreadyRegistered {
            role: Role::Provider
        }
    );
    assert_eq!(
        w.ok("p1", TxBody::Unregister),
        Receipt::Unregistered { returned: 150 }
    );
    assert_eq!(w.balance("p1"), FUNDS);
    assert_eq!(w.err("p1", TxBody::Unregister), Reject::NotRegistered);
}

#[test]
fn unregister_blocked_by_open_claims_and_validations() {
    let mut w = World::registered();
    let o = w.put_order("alice", Mode::Eager, 1000);
    w.commit("p1", o, 1);
    assert_eq!(
        w.err("p1", TxBody::Unregister),
        Reject::OpenCommitments { count: 1 }
    );
    w.now = TRAIN;
    w.reveal("p1", o, 1);
    let claim = w.state.claim_of(o, &id("p1")).unwrap().id;
    w.validate("v1", o, claim, 1, 400, good_proof());
    assert_eq!(
        w.err("v1", TxBody::Unregister),
        Reject::OpenCommitments { count: 1 }
    );
    w.now = CHALLENGE;
    w.ok("bob", TxBody::Finalize { order: o });
    w.ok("p1", TxBody::Unregister);
    w.ok("v1", TxBody::Unregister);
}

// ---------------- orders ----------------

#[test]
fn put_order_escrows_reward() {
    let mut w = World::new();
    let o = w.put_order("alice", Mode::Eager, 1000);
    assert_eq!(w.balance("alice"), FUNDS - 1000);
    let order = &w.state.orders[&o];
    assert_eq!(order.escrow, 1000);
    assert_eq!(order.requester, id("alice"));
    assert_eq!(w.state.accounts[&id("alice")].open_orders, 1);
}

#[test]
fn put_order_rejections() {
    let mut w = World::new();
    let mut s = spec(Mode::Eager, 0);
    assert_eq!(
        code(w.err("alice", TxBody::PutOrder(s.clone()))),
        "zero_amount"
    );
    s.reward = FUNDS + 1;
    assert!(matches!(
        w.err("alice", TxBody::PutOrder(s.clone())),
        Reject::InsufficientBalance { .. }
    ));
    s.reward = 10;
    s.samples = 0;
    assert_eq!(
        w.err("alice", TxBody::PutOrder(s.clone())),
        Reject::ZeroSamples
    );
    s.samples = 500;
    for bad in ["", "xyz", &"a".repeat(129)] {
        let mut t = s.clone();
        t.shape_id = bad.to_string();
        assert_eq!(code(w.err("alice", TxBody::PutOrder(t))), "bad_shape_id");
    }
    let mut t = s.clone();
    t.training_deadline = START;
    assert_eq!(code(w.err("alice", TxBody::PutOrder(t))), "bad_deadlines");
    let mut t = s.clone();
    t.validation_deadline = TRAIN;
    assert_eq!(code(w.err("alice", TxBody::PutOrder(t))), "bad_deadlines");
    let mut t = s.clone();
    t.challenge_deadline = VALID - 1;
    assert_eq!(code(w.err("alice", TxBody::PutOrder(t))), "bad_deadlines");
    // shape ids are lowercase hex (the verifier's form)
    let mut t = s.clone();
    t.shape_id = SHAPE.to_uppercase();
    assert_eq!(code(w.err("alice", TxBody::PutOrder(t))), "bad_shape_id");
    // the order may ask for a larger validation stake than genesis's minimum, never less
    let mut t = s.clone();
    t.min_validator_stake = Params::default().min_validation_stake - 1;
    assert_eq!(
        w.err("alice", TxBody::PutOrder(t)),
        Reject::OrderStakeBelowMinimum { min: Params::default().min_validation_stake, got: Params::default().min_validation_stake - 1 }
    );
    let mut t = s.clone();
    t.min_validator_stake = 10 * Params::default().min_validation_stake;
    w.ok("alice", TxBody::PutOrder(t));
    w.ok("alice", TxBody::PutOrder(s));
}

#[test]
fn every_order_leaves_the_genesis_minimum_reveal_and_challenge_windows() {
    let mut w = World::new();
    let s = spec(Mode::Optimistic, 10);
    let (rmin, cmin) = (Params::default().min_reveal_window_ms, Params::default().min_challenge_window_ms);
    // the old rule allowed challenge == validation deadline: a last-moment validation
    // could not be challenged at all
    let mut t = s.clone();
    t.reveal_deadline = VALID;
    t.challenge_deadline = VALID;
    assert_eq!(code(w.err("alice", TxBody::PutOrder(t))), "bad_deadlines");
    let mut t = s.clone();
    t.reveal_deadline = VALID + rmin - 1;
    t.challenge_deadline = t.reveal_deadline + cmin;
    assert_eq!(code(w.err("alice", TxBody::PutOrder(t))), "bad_deadlines");
    let mut t = s.clone();
    t.reveal_deadline = VALID + rmin;
    t.challenge_deadline = t.reveal_deadline + cmin - 1;
    let e = w.err("alice", TxBody::PutOrder(t));
    assert!(e.to_string().contains("minimum challenge window"), "{e}");
    let mut t = s;
    t.reveal_deadline = VALID + rmin;
    t.challenge_deadline = t.reveal_deadline + cmin;
    w.ok("alice", TxBody::PutOrder(t));
}

#[test]
fn an_order_for_a_circuit_without_a_genesis_key_is_rejected() {
    let mut w = World::new();
    let mut t = spec(Mode::Optimistic, 10);
    t.shape_id = "ffff".into();
    assert_eq!(
        w.err("alice", TxBody::PutOrder(t)),
        Reject::UnknownCircuit { shape_id: "ffff".into() }
    );
}

// ---------------- claims ----------------

#[test]
fn claim_commit_rules() {
    let mut w = World::registered();
    let o = w.put_order("alice", Mode::Eager, 1000);
    let c = w.commit("p1", o, 1);
    assert_eq!(
        w.err(
            "p1",
            TxBody::ClaimCommit {
                order: o,
                commitment: Bytes32([0; 32])
            }
        ),
        Reject::DuplicateClaim { claim: c }
    );
    assert_eq!(
        w.err(
            "alice",
            TxBody::ClaimCommit {
                order: o,
                commitment: Bytes32([0; 32])
            }
        ),
        Reject::NotRegistered
    );
    assert_eq!(
        w.err(
            "v1",
            TxBody::ClaimCommit {
                order: o,
                commitment: Bytes32([0; 32])
            }
        ),
        Reject::WrongRole {
            required: Role::Provider,
            actual: Role::Validator
        }
    );
    assert_eq!(
        w.err(
            "p2",
            TxBody::ClaimCommit {
                order: 99,
                commitment: Bytes32([0; 32])
            }
        ),
        Reject::UnknownOrder { order: 99 }
    );
    // A provider that is also the requester.
    let own = w.put_order("p3", Mode::Eager, 10);
    assert_eq!(
        w.err(
            "p3",
            TxBody::ClaimCommit {
                order: own,
                commitment: Bytes32([0; 32])
            }
        ),
        Reject::RequesterCannotClaim
    );
    w.now = TRAIN;
    assert_eq!(
        w.err(
            "p2",
            TxBody::ClaimCommit {
                order: o,
                commitment: Bytes32([0; 32])
            }
        ),
        Reject::CommitWindowClosed {
            deadline: TRAIN,
            now: TRAIN
        }
    );
    assert_eq!(w.node("p1").record.claims, 1);
}

#[test]
fn claim_reveal_rules() {
    let mut w = World::registered();
    let o = w.put_order("alice", Mode::Eager, 1000);
    let c = w.commit("p1", o, 1);
    w.commit("p2", o, 2);
    let reveal = |m: u8, s: u8| TxBody::ClaimReveal {
        order: o,
        model_commitment: model(m),
        salt: salt(s),
    };
    assert_eq!(
        w.err("p1", reveal(1, 1)),
        Reject::RevealTooEarly {
            opens: TRAIN,
            now: START
        }
    );
    w.now = TRAIN;
    assert_eq!(w.err("p3", reveal(1, 1)), Reject::NoClaim { order: o });
    assert_eq!(
        w.err(
            "p1",
            TxBody::ClaimReveal {
                order: 42,
                model_commitment: model(1),
                salt: salt(1)
            }
        ),
        Reject::UnknownOrder { order: 42 }
    );
    assert_eq!(
        w.err("p1", reveal(1, 9)),
        Reject::RevealMismatch { claim: c },
        "wrong salt"
    );
    assert_eq!(
        w.err("p1", reveal(9, 1)),
        Reject::RevealMismatch { claim: c },
        "wrong model"
    );
    // p2 revealing p1's (model, salt) fails: the provider key is in the hash.
    assert!(matches!(
        w.err("p2", reveal(1, 1)),
        Reject::RevealMismatch { .. }
    ));
    w.reveal("p1", o, 1);
    assert_eq!(w.state.claims[&c].model_commitment, Some(model(1)));
    assert_eq!(
        w.err("p1", reveal(1, 1)),
        Reject::AlreadyRevealed { claim: c }
    );
    w.now = VALID;
    assert_eq!(
        w.err("p2", reveal(2, 2)),
        Reject::RevealWindowClosed {
            deadline: VALID,
            now: VALID
        }
    );
}

// ---------------- validations ----------------

fn revealed_world(mode: Mode) -> (World, u64, u64) {
    let mut w = World::registered();
    let o = w.put_order("alice", mode, 1000);
    let c = w.commit("p1", o, 1);
    w.now = TRAIN;
    w.reveal("p1", o, 1);
    (w, o, c)
}

/// Commits `v`'s validation (model m, score, proof) and returns its id.
fn commit(w: &mut World, v: &str, o: u64, c: u64, m: u8, score: u64, proof: &[u8]) -> u64 {
    match w.ok(v, w.commit_body(v, o, c, m, score, proof)) {
        Receipt::ValidationCommitted { validation, .. } => validation,
        r => panic!("{r:?}"),
    }
}

#[test]
fn eager_validation_runs_the_checker_at_the_reveal() {
    let (mut w, o, c) = revealed_world(Mode::Eager);
    let before = w.balance("v1");
    let bad = commit(&mut w, "v1", o, c, 1, 400, &bad_proof());
    let good = commit(&mut w, "v2", o, c, 1, 400, &good_proof());
    assert_eq!(w.balance("v1"), before - 60, "the stake is escrowed at the commit");
    w.now = VALID;
    assert!(matches!(
        w.err("v1", World::reveal_body("v1", bad, c, 1, 400, bad_proof())),
        Reject::ProofRejected { .. }
    ));
    match w.ok("v2", World::reveal_body("v2", good, c, 1, 400, good_proof())) {
        Receipt::Validated { verified, .. } => assert!(verified),
        r => panic!("{r:?}"),
    }
}

#[test]
fn optimistic_validation_skips_the_checker() {
    let (mut w, o, c) = revealed_world(Mode::Optimistic);
    let v = commit(&mut w, "v1", o, c, 1, 400, &bad_proof());
    w.now = VALID;
    match w.ok("v1", World::reveal_body("v1", v, c, 1, 400, bad_proof())) {
        Receipt::Validated { verified, .. } => assert!(!verified),
        r => panic!("{r:?}"),
    }
}

#[test]
fn validation_commit_rejections() {
    let mut w = World::registered();
    let o = w.put_order("alice", Mode::Optimistic, 1000);
    let o2 = w.put_order("bob", Mode::Optimistic, 100);
    let c = w.commit("p1", o, 1);
    w.commit("p2", o2, 2);
    w.now = TRAIN;
    w.reveal("p1", o, 1);
    let c2 = w.state.claim_of(o2, &id("p2")).unwrap().id;
    let body = |w: &World, v: &str, o: u64, c: u64| w.commit_body(v, o, c, 1, 1, &good_proof());
    assert_eq!(w.err("v1", body(&w, "v1", o2, c2)), Reject::ClaimNotRevealed { claim: c2 });
    assert_eq!(
        w.err("p1", body(&w, "p1", o, c)),
        Reject::WrongRole {
            required: Role::Validator,
            actual: Role::Provider
        }
    );
    assert_eq!(w.err("alice", body(&w, "alice", o, c)), Reject::NotRegistered);
    assert_eq!(w.err("v1", body(&w, "v1", 77, c)), Reject::UnknownOrder { order: 77 });
    assert_eq!(w.err("v1", body(&w, "v1", o, 77)), Reject::UnknownClaim { claim: 77 });
    assert_eq!(
        w.err("v1", body(&w, "v1", o2, c)),
        Reject::ClaimNotInOrder { claim: c, order: o2 }
    );
    // Stake below the order minimum (50).
    let low = w.commit_body_staked("v1", o, c, 1, 1, &good_proof(), 49);
    assert_eq!(w.err("v1", low), Reject::ValidatorStakeBelowMinimum { min: 50, got: 49 });
    let rich = w.commit_body_staked("v1", o, c, 1, 1, &good_proof(), FUNDS);
    assert!(matches!(w.err("v1", rich), Reject::InsufficientBalance { .. }));
    // Duplicate.
    let vid = w.validate("v1", o, c, 1, 400, good_proof());
    assert_eq!(w.err("v1", body(&w, "v1", o, c)), Reject::DuplicateValidation { validation: vid });
    // Window: commitments close at the validation deadline.
    w.now = VALID;
    assert_eq!(
        w.err("v2", body(&w, "v2", o, c)),
        Reject::ValidationWindowClosed { deadline: VALID, now: VALID }
    );
    // Finalized order.
    w.reveal_validations();
    w.now = CHALLENGE;
    w.ok("bob", TxBody::Finalize { order: o });
    assert_eq!(w.err("v2", body(&w, "v2", o, c)), Reject::OrderFinalized { order: o });
}

#[test]
fn validation_reveal_rejections() {
    let (mut w, o, c) = revealed_world(Mode::Optimistic);
    let v = commit(&mut w, "v1", o, c, 1, 400, &good_proof());
    let reveal = |m: u8, score: u64, proof: Vec<u8>| World::reveal_body("v1", v, c, m, score, proof);
    // Too early: no proof is public while commitments are open.
    assert_eq!(
        w.err("v1", reveal(1, 400, good_proof())),
        Reject::ValidationRevealTooEarly { opens: VALID, now: TRAIN }
    );
    w.now = VALID;
    assert_eq!(w.err("v1", TxBody::ValidateReveal { validation: 99, statement: statement(model(1), 400), proof: good_proof(), salt: vsalt("v1", c) }), Reject::UnknownValidation { validation: 99 });
    // Anything but the committed statement, proof and salt does not match.
    assert_eq!(w.err("v1", reveal(1, 401, good_proof())), Reject::ValidationRevealMismatch { validation: v });
    assert_eq!(w.err("v1", reveal(1, 400, bad_proof())), Reject::ValidationRevealMismatch { validation: v });
    let other_salt = TxBody::ValidateReveal { validation: v, statement: statement(model(1), 400), proof: good_proof(), salt: Bytes32([9; 32]) };
    assert_eq!(w.err("v1", other_salt), Reject::ValidationRevealMismatch { validation: v });
    // Proof too large is refused before hashing.
    let big = vec![0u8; (Params::default().max_proof_bytes + 1) as usize];
    assert!(matches!(w.err("v1", reveal(1, 400, big)), Reject::ProofTooLarge { .. }));
    w.ok("v1", reveal(1, 400, good_proof()));
    assert_eq!(w.err("v1", reveal(1, 400, good_proof())), Reject::ValidationAlreadyRevealed { validation: v });
    // Window: reveals close at the reveal deadline.
    let v2 = {
        let (mut w2, o2, c2) = revealed_world(Mode::Optimistic);
        let v2 = commit(&mut w2, "v2", o2, c2, 1, 400, &good_proof());
        w2.now = REVEAL;
        assert_eq!(
            w2.err("v2", World::reveal_body("v2", v2, c2, 1, 400, good_proof())),
            Reject::ValidationRevealWindowClosed { deadline: REVEAL, now: REVEAL }
        );
        v2
    };
    assert!(v2 > 0);
}

#[test]
fn revealed_statements_are_checked_against_the_order_and_claim() {
    let (mut w, o, c) = revealed_world(Mode::Optimistic);
    // each validator commits to one bad statement; all reveals are refused
    let cases: Vec<(&str, Statement, &str)> = vec![
        ("v1", statement(model(9), 1), "model_commitment"),
        ("v2", { let mut st = statement(model(1), 1); st.dataset_commitment = Bytes32([8; 32]).to_hex(); st }, "dataset_commitment"),
        ("v3", { let mut st = statement(model(1), 1); st.samples = 501; st }, "samples"),
    ];
    let mut ids = Vec::new();
    for (v, st, _) in &cases {
        let commitment = zkpot_ledger::validation::validation_commitment(&w.state.network, &id(v), o, c, st, &good_proof(), &vsalt(v, c));
        match w.ok(v, TxBody::ValidateCommit { order: o, claim: c, commitment, stake: 60 }) {
            Receipt::ValidationCommitted { validation, .. } => ids.push(validation),
            r => panic!("{r:?}"),
        }
    }
    w.now = VALID;
    for ((v, st, field), vid) in cases.into_iter().zip(ids) {
        let e = w.err(v, World::reveal_statement(v, vid, c, st, good_proof()));
        assert!(matches!(&e, Reject::StatementMismatch { field: f, .. } if f == field), "{e:?}");
    }
}

/// A proof belongs to its validator: v2 copies v1's revealed (statement, proof) and
/// tries every way to get paid for it.
#[test]
fn a_copied_proof_is_rejected() {
    let (mut w, o, c) = revealed_world(Mode::Optimistic);
    let v1 = w.validate("v1", o, c, 1, 457, good_proof());
    // v2 guessed at a commitment before the deadline (it had no proof yet)
    let v2_guess = commit(&mut w, "v2", o, c, 1, 300, &bad_proof());
    w.reveal_validations();
    let copied = (statement(model(1), 457), good_proof());

    // 1. v2 reveals the copy against v1's commitment: not its commitment.
    assert_eq!(
        w.err("v2", TxBody::ValidateReveal { validation: v1, statement: copied.0.clone(), proof: copied.1.clone(), salt: vsalt("v1", c) }),
        Reject::ValidationAlreadyRevealed { validation: v1 }
    );
    // 2. v2 reveals the copy against its own earlier commitment: it does not match
    //    (the commitment binds v2's account, statement, proof and salt).
    assert_eq!(
        w.err("v2", World::reveal_statement("v2", v2_guess, c, copied.0.clone(), copied.1.clone())),
        Reject::ValidationRevealMismatch { validation: v2_guess }
    );
    // 3. v3 commits to the copy after seeing the reveal: too late.
    let late = w.commit_body("v3", o, c, 1, 457, &copied.1);
    assert_eq!(w.err("v3", late), Reject::ValidationWindowClosed { deadline: VALID, now: VALID });

    // Only v1 is paid; v2's unrevealed guess forfeits its stake to the treasury.
    w.now = CHALLENGE;
    let (v1_before, v2_before, treasury) = (w.balance("v1"), w.balance("v2"), w.state.treasury);
    let Receipt::Finalized { outcome: Outcome::Won(win), .. } = w.ok("bob", TxBody::Finalize { order: o }) else {
        panic!()
    };
    assert_eq!(win.rewarded_validations, vec![v1]);
    assert_eq!(w.balance("v1"), v1_before + 60 + win.validator_reward_each);
    assert_eq!(w.balance("v2"), v2_before);
    assert_eq!(w.state.treasury, treasury + 60);
    assert_eq!(w.state.settled[&o].unrevealed_validations, vec![v2_guess]);
}

/// The same, with the reveal in flight: a Byzantine primary that sees v1's reveal
/// can order a copier's commitment before it only if commitments are still open, and
/// then v1's reveal is itself too early and refused, so nothing is public yet.
#[test]
fn a_reveal_sent_before_commitments_close_is_refused_so_no_proof_leaks_through_the_ledger() {
    let (mut w, o, c) = revealed_world(Mode::Optimistic);
    let v1 = commit(&mut w, "v1", o, c, 1, 457, &good_proof());
    w.now = VALID - 1;
    assert!(matches!(
        w.err("v1", World::reveal_body("v1", v1, c, 1, 457, good_proof())),
        Reject::ValidationRevealTooEarly { .. }
    ));
    assert!(w.state.validations.is_empty());
}

#[test]
fn a_reveal_by_another_account_is_not_its_commitment() {
    let (mut w, o, c) = revealed_world(Mode::Optimistic);
    let v1 = commit(&mut w, "v1", o, c, 1, 457, &good_proof());
    w.now = VALID;
    // v2 holds v1's salt, statement and proof (v1 leaked everything): still not v2's
    assert_eq!(
        w.err("v2", World::reveal_body("v1", v1, c, 1, 457, good_proof())),
        Reject::NotYourCommitment { validation: v1 }
    );
    w.ok("v1", World::reveal_body("v1", v1, c, 1, 457, good_proof()));
}

// ---------------- challenges ----------------

#[test]
fn failed_challenge_forfeits_to_validator() {
    let (mut w, o, c) = revealed_world(Mode::Optimistic);
    let v = w.validate("v1", o, c, 1, 400, good_proof());
    w.reveal_validations();
    let (v1, c1) = (w.balance("v1"), w.balance("c1"));
    match w.ok(
        "c1",
        TxBody::Challenge {
            validation: v,
            stake: 30,
        },
    ) {
        Receipt::Challenged {
            succeeded,
            forfeited,
            ..
        } => {
            assert!(!succeeded);
            assert_eq!(forfeited, 30);
        }
        r => panic!("{r:?}"),
    }
    assert_eq!(w.balance("c1"), c1 - 30);
    assert_eq!(w.balance("v1"), v1 + 30);
    assert_eq!(
        w.state.validations[&v].status,
        validation::ValidationStatus::Verified
    );
    assert_eq!(
        w.node("c1").reputation,
        economics::reputation::CHALLENGE_LOST
    );
    assert_eq!(w.node("c1").record.challenges_lost, 1);
    assert_eq!(
        w.err(
            "c2",
            TxBody::Challenge {
                validation: v,
                stake: 30
            }
        ),
        Reject::AlreadyVerified { validation: v }
    );
}

#[test]
fn successful_challenge_slashes_validator() {
    let (mut w, o, c) = revealed_world(Mode::Optimistic);
    let v = w.validate("v1", o, c, 1, 499, bad_proof());
    w.reveal_validations();
    let (c1, t) = (w.balance("c1"), w.state.treasury);
    match w.ok(
        "c1",
        TxBody::Challenge {
            validation: v,
            stake: 30,
        },
    ) {
        Receipt::Challenged {
            succeeded,
            challenger_reward,
            to_treasury,
            ..
        } => {
            assert!(succeeded);
            assert_eq!(challenger_reward, 30);
            assert_eq!(to_treasury, 30);
        }
        r => panic!("{r:?}"),
    }
    assert_eq!(w.balance("c1"), c1 + 30);
    assert_eq!(w.state.treasury, t + 30);
    let val = &w.state.validations[&v];
    assert_eq!(val.status, validation::ValidationStatus::Invalid);
    assert_eq!(val.stake, 0);
    assert_eq!(w.node("v1").reputation, economics::reputation::SLASHED);
    assert_eq!(w.node("v1").open, 0);
    assert_eq!(w.node("c1").record.challenges_won, 1);
    assert_eq!(
        w.err(
            "c2",
            TxBody::Challenge {
                validation: v,
                stake: 30
            }
        ),
        Reject::AlreadyInvalidated { validation: v }
    );
}

#[test]
fn challenge_rejections() {
    let (mut w, o, c) = revealed_world(Mode::Optimistic);
    let v = w.validate("v1", o, c, 1, 400, good_proof());
    assert_eq!(
        w.err("c1", TxBody::Challenge { validation: v, stake: 30 }),
        Reject::ValidationNotRevealed { validation: v }
    );
    w.reveal_validations();
    assert_eq!(
        w.err(
            "c1",
            TxBody::Challenge {
                validation: 99,
                stake: 30
            }
        ),
        Reject::UnknownValidation { validation: 99 }
    );
    assert_eq!(
        w.err(
            "v2",
            TxBody::Challenge {
                validation: v,
                stake: 30
            }
        ),
        Reject::WrongRole {
            required: Role::Verifier,
            actual: Role::Validator
        }
    );
    assert_eq!(
        w.err(
            "alice",
            TxBody::Challenge {
                validation: v,
                stake: 30
            }
        ),
        Reject::NotRegistered
    );
    assert_eq!(
        w.err(
            "c1",
            TxBody::Challenge {
                validation: v,
                stake: 9
            }
        ),
        Reject::ChallengeStakeBelowMinimum { min: 10, got: 9 }
    );
    assert!(matches!(
        w.err(
            "c1",
            TxBody::Challenge {
                validation: v,
                stake: FUNDS
            }
        ),
        Reject::InsufficientBalance { .. }
    ));
    w.now = CHALLENGE;
    assert_eq!(
        w.err(
            "c1",
            TxBody::Challenge {
                validation: v,
                stake: 30
            }
        ),
        Reject::ChallengeWindowClosed {
            deadline: CHALLENGE,
            now: CHALLENGE
        }
    );
    w.ok("bob", TxBody::Finalize { order: o });
    // finalized: the validation was pruned with its order
    assert_eq!(
        w.err(
            "c1",
            TxBody::Challenge {
                validation: v,
                stake: 30
            }
        ),
        Reject::UnknownValidation { validation: v }
    );
}

/// A checker without the key of the statement's circuit: "cannot check" is not "invalid".
struct NoKeys;
impl ProofChecker for NoKeys {
    fn check(&self, _: &Statement, _: &[u8]) -> Result<(), String> {
        Err("would slash if asked".into())
    }
    fn can_check(&self, s: &Statement) -> Result<(), String> {
        Err(format!("no verifying key for circuit shape {}", s.shape_id))
    }
}

#[test]
fn cannot_check_is_a_distinct_outcome_and_nobody_is_slashed() {
    let (mut w, o, c) = revealed_world(Mode::Optimistic);
    let v = w.validate("v1", o, c, 1, 400, bad_proof());
    w.reveal_validations();
    let before = w.state.clone();
    let tx = w.signed("c1", TxBody::Challenge { validation: v, stake: 30 });
    let r = w.state.apply(&tx, TxContext { seq: 99, now: VALID }, &NoKeys);
    let Err(e) = r else { panic!("{r:?}") };
    assert_eq!(e.code(), "cannot_check");
    assert!(e.to_string().contains("nobody is slashed"), "{e}");
    assert_eq!(w.state.validations[&v], before.validations[&v], "not slashed");
    assert_eq!(w.state.totals(), before.totals());
    assert_eq!(w.balance("c1"), before.accounts[&id("c1")].balance);
    // an eager reveal the ledger cannot check is refused the same way
    let (mut w, o, c) = revealed_world(Mode::Eager);
    let v = w.validate("v1", o, c, 1, 400, good_proof());
    w.now = VALID;
    let (_, _, body) = w.pending.pop().unwrap();
    let tx = w.signed("v1", body);
    let r = w.state.apply(&tx, TxContext { seq: 99, now: VALID }, &NoKeys);
    assert!(matches!(r, Err(Reject::CannotCheck { .. })), "{r:?}");
    assert!(w.state.validation_commits.contains_key(&v));
}

#[test]
fn eager_validations_cannot_be_challenged() {
    let (mut w, o, c) = revealed_world(Mode::Eager);
    let v = w.validate("v1", o, c, 1, 400, good_proof());
    w.reveal_validations();
    assert_eq!(
        w.err(
            "c1",
            TxBody::Challenge {
                validation: v,
                stake: 30
            }
        ),
        Reject::AlreadyVerified { validation: v }
    );
}

// ---------------- finalize ----------------

#[test]
fn finalize_pays_winner_and_validators() {
    let mut w = World::registered();
    let o = w.put_order("alice", Mode::Eager, 1000);
    let c1 = w.commit("p1", o, 1);
    let c2 = w.commit("p2", o, 2);
    w.now = TRAIN;
    w.reveal("p1", o, 1);
    w.reveal("p2", o, 2);
    let va = w.validate("v1", o, c1, 1, 400, good_proof());
    let vb = w.validate("v2", o, c1, 1, 400, good_proof());
    w.validate("v3", o, c2, 2, 450, good_proof());
    w.reveal_validations();
    let before: Vec<u64> = ["p1", "p2", "v1", "v2", "v3"]
        .iter()
        .map(|n| w.balance(n))
        .collect();
    w.now = VALID;
    assert_eq!(
        w.err("bob", TxBody::Finalize { order: o }),
        Reject::FinalizeTooEarly {
            opens: CHALLENGE,
            now: VALID
        }
    );
    w.now = CHALLENGE;
    let Receipt::Finalized {
        outcome: Outcome::Won(win),
        ..
    } = w.ok("bob", TxBody::Finalize { order: o })
    else {
        panic!()
    };
    assert_eq!(win.claim, c2);
    assert_eq!(win.score, 450);
    assert_eq!(win.provider, id("p2"));
    assert_eq!(win.provider_reward, 800);
    assert_eq!(win.validator_reward_each, 200);
    assert_eq!(w.balance("p2"), before[1] + 800);
    assert_eq!(w.balance("p1"), before[0]);
    assert_eq!(w.balance("v3"), before[4] + 60 + 200, "stake back + share");
    assert_eq!(w.balance("v1"), before[2] + 60, "stake back only");
    assert_eq!(w.balance("v2"), before[3] + 60);
    assert_eq!(w.node("p2").reputation, economics::reputation::WIN);
    assert_eq!(w.node("p2").record.wins, 1);
    assert_eq!(
        w.node("v1").reputation,
        economics::reputation::VALID_VALIDATION
    );
    assert!(!w.state.orders.contains_key(&o), "the finalized order left the open orders");
    assert_eq!(w.state.settled[&o].validations, 3);
    let _ = (va, vb);
    assert_eq!(
        w.err("bob", TxBody::Finalize { order: o }),
        Reject::OrderFinalized { order: o }
    );
    assert_eq!(
        w.err("bob", TxBody::Finalize { order: 9 }),
        Reject::UnknownOrder { order: 9 }
    );
    assert_eq!(w.err("bob", TxBody::Finalize { order: 0 }), Reject::UnknownOrder { order: 0 });
    // get order returns the winner
    let view = w.state.query(&Query::GetOrder { order: o });
    assert_eq!(view["winner"]["score"], 450);
    assert_eq!(view["winner"]["claim"], c2);
    for n in ["p1", "p2", "v1", "v2", "v3"] {
        assert_eq!(w.node(n).open, 0, "{n} still open");
    }
}

#[test]
fn ties_go_to_the_earliest_commit() {
    let mut w = World::registered();
    let o = w.put_order("alice", Mode::Eager, 1000);
    let c1 = w.commit("p2", o, 2);
    let c2 = w.commit("p1", o, 1);
    w.now = TRAIN;
    w.reveal("p1", o, 1);
    w.reveal("p2", o, 2);
    w.validate("v1", o, c2, 1, 420, good_proof());
    w.validate("v2", o, c1, 2, 420, good_proof());
    w.reveal_validations();
    w.now = CHALLENGE;
    let Receipt::Finalized {
        outcome: Outcome::Won(win),
        ..
    } = w.ok("alice", TxBody::Finalize { order: o })
    else {
        panic!()
    };
    assert_eq!(win.claim, c1);
    assert_eq!(win.provider, id("p2"));
    assert_eq!(win.rewarded_validations.len(), 1);
}

#[test]
fn no_valid_claim_refunds_requester_and_marks_unrevealed() {
    let mut w = World::registered();
    let o = w.put_order("alice", Mode::Optimistic, 1000);
    let c1 = w.commit("p1", o, 1);
    w.commit("p2", o, 2);
    w.now = TRAIN;
    w.reveal("p1", o, 1);
    let v = w.validate("v1", o, c1, 1, 480, bad_proof());
    w.reveal_validations();
    w.ok(
        "c1",
        TxBody::Challenge {
            validation: v,
            stake: 20,
        },
    );
    w.now = CHALLENGE;
    let Receipt::Finalized { outcome, .. } = w.ok("bob", TxBody::Finalize { order: o }) else {
        panic!()
    };
    assert_eq!(outcome, Outcome::Refunded { amount: 1000 });
    assert_eq!(w.balance("alice"), FUNDS);
    assert_eq!(
        w.node("p2").reputation,
        economics::reputation::UNREVEALED_CLAIM
    );
    assert_eq!(w.node("p1").reputation, 0);
    assert_eq!(w.state.accounts[&id("alice")].open_orders, 0);
}

#[test]
fn verified_score_beats_unchallenged_higher_score_on_same_claim() {
    let mut w = World::registered();
    let o = w.put_order("alice", Mode::Optimistic, 1000);
    let c = w.commit("p1", o, 1);
    w.now = TRAIN;
    w.reveal("p1", o, 1);
    let honest = w.validate("v1", o, c, 1, 400, good_proof());
    let _liar = w.validate("v2", o, c, 1, 480, good_proof());
    w.reveal_validations();
    // A failed challenge verifies the honest one.
    w.ok(
        "c1",
        TxBody::Challenge {
            validation: honest,
            stake: 20,
        },
    );
    w.now = CHALLENGE;
    let Receipt::Finalized {
        outcome: Outcome::Won(win),
        ..
    } = w.ok("bob", TxBody::Finalize { order: o })
    else {
        panic!()
    };
    assert_eq!(win.score, 400);
    assert_eq!(win.rewarded_validations, vec![honest]);
    assert_eq!(win.validator_reward_each, 200);
}

#[test]
fn optimistic_end_to_end_with_both_challenge_outcomes() {
    let mut w = World::registered();
    let o = w.put_order("alice", Mode::Optimistic, 1000);
    let c = w.commit("p1", o, 1);
    w.now = TRAIN;
    w.reveal("p1", o, 1);
    let good = w.validate("v1", o, c, 1, 457, good_proof());
    let tampered = w.validate("v2", o, c, 1, 499, bad_proof());
    w.reveal_validations();
    w.now = VALID;
    w.ok(
        "c1",
        TxBody::Challenge {
            validation: good,
            stake: 20,
        },
    );
    w.ok(
        "c2",
        TxBody::Challenge {
            validation: tampered,
            stake: 20,
        },
    );
    let vals = w.state.query(&Query::GetValidations { order: o });
    assert_eq!(vals.as_array().unwrap().len(), 2);
    assert_eq!(vals[1]["status"], "invalid");
    assert_eq!(vals[0]["proof_len"], 1536);
    w.now = CHALLENGE + 5;
    let Receipt::Finalized {
        outcome: Outcome::Won(win),
        ..
    } = w.ok("p3", TxBody::Finalize { order: o })
    else {
        panic!()
    };
    assert_eq!(win.score, 457);
    assert_eq!(win.rewarded_validations, vec![good]);
    assert_eq!(w.state.settled[&o].slashed_validations, vec![tampered]);
    let list = w.state.query(&Query::ListOrders);
    assert_eq!(list[0]["finalized"], true);
}

#[test]
fn clock_is_monotonic() {
    let mut w = World::registered();
    let o = w.put_order("alice", Mode::Eager, 10);
    w.now = TRAIN;
    w.ok(
        "bob",
        TxBody::Transfer {
            to: id("alice"),
            amount: 1,
        },
    );
    // A lower timestamp later does not reopen the commit window.
    w.now = START;
    assert!(matches!(
        w.err(
            "p1",
            TxBody::ClaimCommit {
                order: o,
                commitment: Bytes32([0; 32])
            }
        ),
        Reject::CommitWindowClosed { .. }
    ));
}

#[test]
fn finalize_prunes_claims_validations_and_proofs_but_keeps_the_outcome() {
    let (mut w, o, c) = revealed_world(Mode::Optimistic);
    let v = w.validate("v1", o, c, 1, 400, good_proof());
    w.reveal_validations();
    assert_eq!(w.state.validations[&v].proof.len(), 1536);
    w.now = CHALLENGE;
    w.ok("bob", TxBody::Finalize { order: o });
    assert!(w.state.validations.is_empty() && w.state.claims.is_empty() && w.state.orders.is_empty());
    let s = &w.state.settled[&o];
    assert_eq!((s.claims, s.validations), (1, 1));
    let Outcome::Won(win) = &s.outcome else { panic!() };
    assert_eq!((win.claim, win.score, win.rewarded_validations.clone()), (c, 400, vec![v]));
    let view = w.state.query(&Query::GetOrder { order: o });
    assert_eq!(view["winner"]["score"], 400);
    assert_eq!(view["finalized"], true);
    let view = w.state.query(&Query::GetValidations { order: o });
    assert!(view["error"].as_str().unwrap().contains("pruned"));
    assert_eq!(w.state.query(&Query::ListOrders)[0]["finalized"], true);
}

/// Replicated state stays bounded: after many finalized orders (each with claims,
/// validations and 1.5 KB proofs) the snapshot is as large as after a few.
#[test]
fn state_size_stays_bounded_across_many_finalized_orders() {
    let mut genesis = common::genesis();
    genesis.params.max_settled_orders = 8;
    let mut w = World::registered_at(&genesis);
    let mut sizes = Vec::new();
    for round in 0..60u64 {
        let base = START + round * 10_000;
        w.now = base;
        let mut s = spec(Mode::Optimistic, 100);
        s.training_deadline = base + 1_000;
        s.validation_deadline = base + 2_000;
        s.reveal_deadline = base + 3_000;
        s.challenge_deadline = base + 4_000;
        let o = match w.ok("alice", TxBody::PutOrder(s)) {
            Receipt::OrderPut { order } => order,
            r => panic!("{r:?}"),
        };
        let c1 = w.commit("p1", o, 1);
        let c2 = w.commit("p2", o, 2);
        w.now = base + 1_000;
        w.reveal("p1", o, 1);
        w.reveal("p2", o, 2);
        w.validate("v1", o, c1, 1, 400, good_proof());
        w.validate("v2", o, c2, 2, 300, good_proof());
        commit(&mut w, "v3", o, c1, 1, 1, &good_proof()); // never revealed
        w.now = base + 2_000;
        for (v, _, body) in std::mem::take(&mut w.pending) {
            w.ok(&v, body);
        }
        w.now = base + 4_000;
        w.ok("bob", TxBody::Finalize { order: o });
        sizes.push(zkpot_ledger::app::PotApp::encode_snapshot(&w.state).len());
    }
    assert_eq!(w.state.settled.len(), 8);
    assert!(w.state.orders.is_empty() && w.state.claims.is_empty());
    assert!(w.state.validations.is_empty() && w.state.validation_commits.is_empty());
    // once the settlement history is full, the snapshot no longer grows (but for a
    // few bytes of varint counters: ids, times, nonces)
    assert!(sizes[59] <= sizes[15] + 64, "{sizes:?}");
    assert!(sizes[59] < 16 * 1024, "{} bytes", sizes[59]);
    // an order whose summary was dropped is still known as finalized
    assert_eq!(w.err("bob", TxBody::Finalize { order: 1 }), Reject::OrderFinalized { order: 1 });
    assert!(w.state.query(&Query::GetOrder { order: 1 })["error"].as_str().unwrap().contains("pruned"));
}

#[test]
fn mse_orders_take_mse_statements_and_the_lowest_error_wins() {
    let mut w = World::registered();
    let mut s = spec(Mode::Eager, 1000);
    s.score_function = ScoreFunction::Mse;
    let o = match w.ok("alice", TxBody::PutOrder(s)) {
        Receipt::OrderPut { order } => order,
        r => panic!("{r:?}"),
    };
    assert_eq!(w.state.orders[&o].spec.score_function, ScoreFunction::Mse);
    let c1 = w.commit("p1", o, 1);
    let c2 = w.commit("p2", o, 2);
    w.now = TRAIN;
    w.reveal("p1", o, 1);
    w.reveal("p2", o, 2);
    let mut reveals = Vec::new();
    let mut mse = |w: &mut World, v: &str, m: u8, score: u64, top1: bool| {
        let claim = if m == 1 { c1 } else { c2 };
        let st = if top1 { statement(model(m), score) } else { statement(model(m), score).with_score_function(ScoreFunction::Mse) };
        let commitment = zkpot_ledger::validation::validation_commitment(&w.state.network, &id(v), o, claim, &st, &good_proof(), &vsalt(v, claim));
        let Receipt::ValidationCommitted { validation, .. } = w.ok(v, TxBody::ValidateCommit { order: o, claim, commitment, stake: 60 }) else {
            panic!()
        };
        reveals.push((v.to_string(), World::reveal_statement(v, validation, claim, st, good_proof())));
    };
    // an error above N is fine for mse (it is not a count)
    mse(&mut w, "v1", 1, 27_689, false);
    mse(&mut w, "v2", 1, 30_000, false);
    mse(&mut w, "v3", 2, 28_000, false);
    // a top-1 statement does not fit an mse order
    w.now = VALID;
    for (v, body) in reveals {
        w.ok(&v, body);
    }
    let top1 = statement(model(1), 400);
    let e = top1.check_fields(SHAPE, &dataset(), 500, ScoreFunction::Mse, &model(1)).unwrap_err();
    assert!(
        matches!(&e, Reject::StatementMismatch { field, expected, got } if field == "score_function" && expected == "mse" && got == "top-1"),
        "{e:?}"
    );
    // claim 1's score is its best (lowest) validation; claim 1 beats claim 2
    assert_eq!(w.state.claim_score(c1), Some(27_689));
    w.now = CHALLENGE;
    let Receipt::Finalized { outcome: Outcome::Won(win), .. } = w.ok("bob", TxBody::Finalize { order: o }) else {
        panic!()
    };
    assert_eq!((win.claim, win.score), (c1, 27_689));
    assert_eq!(win.rewarded_validations.len(), 1, "only the validation reporting the winning score");
}
