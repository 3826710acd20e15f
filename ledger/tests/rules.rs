//! One test per PoT rule, and every rejection path, on the pure state machine.

mod common;

use common::*;
use zkpot_ledger::keys::signing_key_from_seed;
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

    let stranger = SignedTx::sign(&signing_key_from_seed("stranger"), 0, TxBody::Unregister);
    assert!(matches!(
        w.send_tx(&stranger),
        Err(Reject::UnknownAccount { .. })
    ));

    let tx = SignedTx::sign(&signing_key_from_seed("alice"), 7, TxBody::Unregister);
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
    let t1 = SignedTx::sign(
        &signing_key_from_seed("alice"),
        0,
        TxBody::Transfer {
            to: id("bob"),
            amount: 1,
        },
    );
    let t2 = SignedTx::sign(
        &signing_key_from_seed("alice"),
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
    // challenge == validation deadline is fine (no challenge window, e.g. eager).
    let mut t = s;
    t.challenge_deadline = VALID;
    w.ok("alice", TxBody::PutOrder(t));
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

#[test]
fn eager_validation_runs_the_checker() {
    let (mut w, o, c) = revealed_world(Mode::Eager);
    assert!(matches!(
        w.err("v1", World::validate_body(o, c, 1, 400, bad_proof())),
        Reject::ProofRejected { .. }
    ));
    let before = w.balance("v1");
    match w.ok("v1", World::validate_body(o, c, 1, 400, good_proof())) {
        Receipt::Validated { verified, .. } => assert!(verified),
        r => panic!("{r:?}"),
    }
    assert_eq!(w.balance("v1"), before - 60);
}

#[test]
fn optimistic_validation_skips_the_checker() {
    let (mut w, o, c) = revealed_world(Mode::Optimistic);
    match w.ok("v1", World::validate_body(o, c, 1, 400, bad_proof())) {
        Receipt::Validated { verified, .. } => assert!(!verified),
        r => panic!("{r:?}"),
    }
}

#[test]
fn validation_rejections() {
    let mut w = World::registered();
    let o = w.put_order("alice", Mode::Optimistic, 1000);
    let o2 = w.put_order("bob", Mode::Optimistic, 100);
    let c = w.commit("p1", o, 1);
    w.commit("p2", o2, 2);
    w.now = TRAIN;
    w.reveal("p1", o, 1);
    let c2 = w.state.claim_of(o2, &id("p2")).unwrap().id;
    assert_eq!(
        w.err("v1", World::validate_body(o2, c2, 2, 1, good_proof())),
        Reject::ClaimNotRevealed { claim: c2 }
    );
    assert_eq!(
        w.err("p1", World::validate_body(o, c, 1, 1, good_proof())),
        Reject::WrongRole {
            required: Role::Validator,
            actual: Role::Provider
        }
    );
    assert_eq!(
        w.err("alice", World::validate_body(o, c, 1, 1, good_proof())),
        Reject::NotRegistered
    );
    assert_eq!(
        w.err("v1", World::validate_body(77, c, 1, 1, good_proof())),
        Reject::UnknownOrder { order: 77 }
    );
    assert_eq!(
        w.err("v1", World::validate_body(o, 77, 1, 1, good_proof())),
        Reject::UnknownClaim { claim: 77 }
    );
    assert_eq!(
        w.err("v1", World::validate_body(o2, c, 1, 1, good_proof())),
        Reject::ClaimNotInOrder {
            claim: c,
            order: o2
        }
    );
    // Stake below the order minimum (50).
    let low = TxBody::Validate {
        order: o,
        claim: c,
        statement: statement(model(1), 1),
        proof: good_proof(),
        stake: 49,
    };
    assert_eq!(
        w.err("v1", low),
        Reject::ValidatorStakeBelowMinimum { min: 50, got: 49 }
    );
    // Too rich a stake.
    let rich = TxBody::Validate {
        order: o,
        claim: c,
        statement: statement(model(1), 1),
        proof: good_proof(),
        stake: FUNDS,
    };
    assert!(matches!(
        w.err("v1", rich),
        Reject::InsufficientBalance { .. }
    ));
    // Proof too large.
    let big = vec![0u8; (Params::default().max_proof_bytes + 1) as usize];
    assert!(matches!(
        w.err("v1", World::validate_body(o, c, 1, 1, big)),
        Reject::ProofTooLarge { .. }
    ));
    // Statement mismatches: model, dataset, samples, shape, format, score > N.
    assert!(
        matches!(w.err("v1", World::validate_body(o, c, 9, 1, good_proof())), Reject::StatementMismatch { ref field, .. } if field == "model_commitment")
    );
    let mut st = statement(model(1), 1);
    st.dataset_commitment = Bytes32([8; 32]).to_hex();
    let body = |st: Statement| TxBody::Validate {
        order: o,
        claim: c,
        statement: st,
        proof: good_proof(),
        stake: 60,
    };
    assert!(
        matches!(w.err("v1", body(st)), Reject::StatementMismatch { ref field, .. } if field == "dataset_commitment")
    );
    let mut st = statement(model(1), 1);
    st.samples = 501;
    assert!(
        matches!(w.err("v1", body(st)), Reject::StatementMismatch { ref field, .. } if field == "samples")
    );
    let mut st = statement(model(1), 1);
    st.shape_id = "ffff".into();
    assert!(
        matches!(w.err("v1", body(st)), Reject::StatementMismatch { ref field, .. } if field == "shape_id")
    );
    let mut st = statement(model(1), 1);
    st.format = "nope".into();
    assert_eq!(code(w.err("v1", body(st))), "bad_statement");
    assert_eq!(
        w.err("v1", World::validate_body(o, c, 1, 501, good_proof())),
        Reject::ScoreExceedsSamples {
            score: 501,
            samples: 500
        }
    );
    // Duplicate.
    let vid = w.validate("v1", o, c, 1, 400, good_proof());
    assert_eq!(
        w.err("v1", World::validate_body(o, c, 1, 400, good_proof())),
        Reject::DuplicateValidation { validation: vid }
    );
    // Window.
    w.now = VALID;
    assert_eq!(
        w.err("v2", World::validate_body(o, c, 1, 400, good_proof())),
        Reject::ValidationWindowClosed {
            deadline: VALID,
            now: VALID
        }
    );
    // Finalized order.
    w.now = CHALLENGE;
    w.ok("bob", TxBody::Finalize { order: o });
    assert_eq!(
        w.err("v2", World::validate_body(o, c, 1, 400, good_proof())),
        Reject::OrderFinalized { order: o }
    );
}

// ---------------- challenges ----------------

#[test]
fn failed_challenge_forfeits_to_validator() {
    let (mut w, o, c) = revealed_world(Mode::Optimistic);
    let v = w.validate("v1", o, c, 1, 400, good_proof());
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
    assert_eq!(
        w.err(
            "c1",
            TxBody::Challenge {
                validation: v,
                stake: 30
            }
        ),
        Reject::OrderFinalized { order: o }
    );
}

#[test]
fn eager_validations_cannot_be_challenged() {
    let (mut w, o, c) = revealed_world(Mode::Eager);
    let v = w.validate("v1", o, c, 1, 400, good_proof());
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
    assert_eq!(w.state.orders[&o].escrow, 0);
    let _ = (va, vb);
    assert_eq!(
        w.err("bob", TxBody::Finalize { order: o }),
        Reject::OrderFinalized { order: o }
    );
    assert_eq!(
        w.err("bob", TxBody::Finalize { order: 9 }),
        Reject::UnknownOrder { order: 9 }
    );
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
    let vals = w.state.query(&Query::GetValidations { order: o });
    assert_eq!(vals.as_array().unwrap().len(), 2);
    assert_eq!(vals[1]["status"], "invalid");
    assert_eq!(vals[0]["proof_len"], 1536);
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
fn finalize_drops_proof_bytes_but_keeps_their_hash() {
    let (mut w, o, c) = revealed_world(Mode::Optimistic);
    let v = w.validate("v1", o, c, 1, 400, good_proof());
    assert_eq!(w.state.validations[&v].proof.len(), 1536);
    w.now = CHALLENGE;
    w.ok("bob", TxBody::Finalize { order: o });
    let val = &w.state.validations[&v];
    assert!(val.proof.is_empty());
    assert_eq!(val.proof_len, 1536);
    let view = w.state.query(&Query::GetValidations { order: o });
    assert_eq!(view[0]["proof_retained"], false);
    assert_eq!(view[0]["proof_len"], 1536);
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
    let mse = |m: u8, score: u64| TxBody::Validate {
        order: o,
        claim: if m == 1 { c1 } else { c2 },
        statement: statement(model(m), score).with_score_function(ScoreFunction::Mse),
        proof: good_proof(),
        stake: 60,
    };
    // a top-1 statement does not fit an mse order
    let e = w.err("v1", World::validate_body(o, c1, 1, 400, good_proof()));
    assert!(
        matches!(&e, Reject::StatementMismatch { field, expected, got } if field == "score_function" && expected == "mse" && got == "top-1"),
        "{e:?}"
    );
    // an error above N is fine for mse (it is not a count)
    w.ok("v1", mse(1, 27_689));
    w.ok("v2", mse(1, 30_000));
    w.ok("v3", mse(2, 28_000));
    // claim 1's score is its best (lowest) validation; claim 1 beats claim 2
    assert_eq!(w.state.claim_score(c1), Some(27_689));
    w.now = CHALLENGE;
    let Receipt::Finalized { outcome: Outcome::Won(win), .. } = w.ok("bob", TxBody::Finalize { order: o }) else {
        panic!()
    };
    assert_eq!((win.claim, win.score), (c1, 27_689));
    assert_eq!(win.rewarded_validations.len(), 1, "only the validation reporting the winning score");
}
