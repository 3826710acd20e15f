//! Test world for the PoT state machine: named deterministic accounts, a settable
//! clock, and helpers to send signed transactions.
#![allow(dead_code)]

use std::collections::BTreeMap;
use zkpot_ledger::keys::{account_from_seed, signing_key_from_seed};
use zkpot_ledger::*;

pub const START: u64 = 1_000;
pub const TRAIN: u64 = 2_000;
pub const VALID: u64 = 3_000;
pub const REVEAL: u64 = 4_000;
pub const CHALLENGE: u64 = 5_000;
pub const SHAPE: &str = "ab12cd";
pub const FUNDS: u64 = 100_000;

pub const NAMES: &[&str] = &[
    "alice", "bob", "p1", "p2", "p3", "v1", "v2", "v3", "c1", "c2",
];

pub fn id(name: &str) -> Bytes32 {
    account_from_seed(name)
}

pub fn dataset() -> Bytes32 {
    Bytes32([7; 32])
}

pub fn model(n: u8) -> Bytes32 {
    Bytes32([n; 32])
}

pub fn salt(n: u8) -> Bytes32 {
    Bytes32([100 + n; 32])
}

pub fn good_proof() -> Vec<u8> {
    let mut p = MarkerChecker::DEFAULT_MARKER.to_vec();
    p.resize(1536, 0xAA);
    p
}

pub fn bad_proof() -> Vec<u8> {
    let mut p = good_proof();
    p[0] ^= 1;
    p
}

pub fn statement(model: Bytes32, score: u64) -> Statement {
    Statement {
        format: "zkpot-statement".into(),
        version: 1,
        backend: "halo2-kzg-bn254".into(),
        shape_id: SHAPE.into(),
        model_commitment: model.to_hex(),
        dataset_commitment: dataset().to_hex(),
        samples: 500,
        score,
        score_function: Default::default(),
    }
}

pub fn spec(mode: Mode, reward: u64) -> OrderSpec {
    OrderSpec {
        reward,
        shape_id: SHAPE.into(),
        dataset_commitment: dataset(),
        samples: 500,
        training_deadline: TRAIN,
        validation_deadline: VALID,
        reveal_deadline: REVEAL,
        challenge_deadline: CHALLENGE,
        mode,
        min_validator_stake: 50,
        score_function: Default::default(),
    }
}

/// The genesis of the test world: every name funded, SHAPE accepted.
pub fn genesis() -> Genesis {
    let allocations: BTreeMap<Bytes32, u64> = NAMES.iter().map(|n| (id(n), FUNDS)).collect();
    Genesis {
        params: Params::default(),
        allocations,
        verifying_keys: zkpot_ledger::demo::stand_in_keys(SHAPE),
        development_network: true,
    }
}

/// The salt a test validator uses for validation `n`-th commit.
pub fn vsalt(validator: &str, claim: u64) -> Bytes32 {
    let mut b = [0u8; 32];
    b[..validator.len().min(24)].copy_from_slice(&validator.as_bytes()[..validator.len().min(24)]);
    b[24..].copy_from_slice(&claim.to_be_bytes());
    Bytes32(b)
}

pub struct World {
    pub state: PotState,
    pub now: u64,
    pub checker: MarkerChecker,
    pub seq: u64,
    /// Committed validations not yet revealed: (validator, validation id, reveal body).
    pub pending: Vec<(String, u64, TxBody)>,
}

impl World {
    /// Every name funded with FUNDS, nobody registered.
    pub fn new() -> Self {
        Self {
            state: PotState::new(&genesis()).unwrap(),
            now: START,
            checker: MarkerChecker::new(),
            seq: 0,
            pending: Vec::new(),
        }
    }

    /// Providers p*, validators v*, verifiers c* registered with stake 100.
    pub fn registered() -> Self {
        Self::registered_at(&genesis())
    }

    /// [`World::registered`] from `genesis`.
    pub fn registered_at(genesis: &Genesis) -> Self {
        let mut w = Self::new();
        w.state = PotState::new(genesis).unwrap();
        for n in NAMES {
            let role = match n.chars().next().unwrap() {
                'p' => Role::Provider,
                'v' => Role::Validator,
                'c' => Role::Verifier,
                _ => continue,
            };
            w.ok(n, TxBody::Register { role, stake: 100 });
        }
        w
    }

    pub fn total(&self) -> u128 {
        self.state.totals().total()
    }

    pub fn balance(&self, name: &str) -> u64 {
        self.state
            .accounts
            .get(&id(name))
            .map(|a| a.balance)
            .unwrap_or(0)
    }

    pub fn node(&self, name: &str) -> NodeInfo {
        self.state.accounts[&id(name)].node.clone().unwrap()
    }

    pub fn nonce(&self, name: &str) -> u64 {
        self.state
            .accounts
            .get(&id(name))
            .map(|a| a.nonce)
            .unwrap_or(0)
    }

    pub fn signed(&self, name: &str, body: TxBody) -> SignedTx {
        SignedTx::sign(&signing_key_from_seed(name), self.state.network, self.nonce(name), body)
    }

    pub fn send_tx(&mut self, tx: &SignedTx) -> Result<Receipt, Reject> {
        self.seq += 1;
        let before = self.total();
        let r = self.state.apply(
            tx,
            TxContext {
                seq: self.seq,
                now: self.now,
            },
            &self.checker,
        );
        assert_eq!(
            before,
            self.total(),
            "value not conserved by {:?}",
            tx.body.kind()
        );
        r
    }

    pub fn send(&mut self, name: &str, body: TxBody) -> Result<Receipt, Reject> {
        let tx = self.signed(name, body);
        self.send_tx(&tx)
    }

    pub fn ok(&mut self, name: &str, body: TxBody) -> Receipt {
        let k = body.kind();
        self.send(name, body)
            .unwrap_or_else(|e| panic!("{name} {k} rejected: {e}"))
    }

    /// Expects a rejection and checks it left the state unchanged except the nonce.
    pub fn err(&mut self, name: &str, body: TxBody) -> Reject {
        let mut before = self.state.clone();
        let r = self.send(name, body);
        let e = r.expect_err("expected a rejection");
        // Only the nonce, counters and clock may move.
        if let Some(a) = before.accounts.get_mut(&id(name)) {
            if a.nonce + 1 == self.nonce(name) {
                a.nonce += 1;
            }
        }
        before.applied = self.state.applied;
        assert_eq!(before.totals(), self.state.totals());
        before.last_time = self.state.last_time;
        before.last_seq = self.state.last_seq;
        assert_eq!(before, self.state, "rejected tx changed state: {e}");
        assert!(!e.to_string().is_empty());
        e
    }

    pub fn put_order(&mut self, name: &str, mode: Mode, reward: u64) -> u64 {
        match self.ok(name, TxBody::PutOrder(spec(mode, reward))) {
            Receipt::OrderPut { order } => order,
            r => panic!("{r:?}"),
        }
    }

    pub fn commit(&mut self, provider: &str, order: u64, m: u8) -> u64 {
        let c = zkpot_ledger::claim::claim_commitment(&model(m), &salt(m), &id(provider));
        match self.ok(
            provider,
            TxBody::ClaimCommit {
                order,
                commitment: c,
            },
        ) {
            Receipt::ClaimCommitted { claim, .. } => claim,
            r => panic!("{r:?}"),
        }
    }

    pub fn reveal(&mut self, provider: &str, order: u64, m: u8) {
        self.ok(
            provider,
            TxBody::ClaimReveal {
                order,
                model_commitment: model(m),
                salt: salt(m),
            },
        );
    }

    /// The commit body of `validator`'s validation of claim `claim` (model `m`, `score`,
    /// `proof`), stake 60.
    #[allow(clippy::too_many_arguments)]
    pub fn commit_body(&self, validator: &str, order: u64, claim: u64, m: u8, score: u64, proof: &[u8]) -> TxBody {
        self.commit_body_staked(validator, order, claim, m, score, proof, 60)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn commit_body_staked(&self, validator: &str, order: u64, claim: u64, m: u8, score: u64, proof: &[u8], stake: u64) -> TxBody {
        TxBody::ValidateCommit {
            order,
            claim,
            commitment: zkpot_ledger::validation::validation_commitment(
                &self.state.network,
                &id(validator),
                order,
                claim,
                &statement(model(m), score),
                proof,
                &vsalt(validator, claim),
            ),
            stake,
        }
    }

    /// The reveal body matching [`World::commit_body`].
    pub fn reveal_body(validator: &str, validation: u64, claim: u64, m: u8, score: u64, proof: Vec<u8>) -> TxBody {
        Self::reveal_statement(validator, validation, claim, statement(model(m), score), proof)
    }

    pub fn reveal_statement(validator: &str, validation: u64, claim: u64, statement: Statement, proof: Vec<u8>) -> TxBody {
        TxBody::ValidateReveal {
            validation,
            statement,
            proof,
            salt: vsalt(validator, claim),
        }
    }

    /// Commits `validator`'s validation now (its reveal waits in `pending` for
    /// [`World::reveal_validations`]); returns the validation id.
    pub fn validate(
        &mut self,
        validator: &str,
        order: u64,
        claim: u64,
        m: u8,
        score: u64,
        proof: Vec<u8>,
    ) -> u64 {
        let body = self.commit_body(validator, order, claim, m, score, &proof);
        match self.ok(validator, body) {
            Receipt::ValidationCommitted { validation, .. } => {
                self.pending.push((
                    validator.to_string(),
                    validation,
                    Self::reveal_body(validator, validation, claim, m, score, proof),
                ));
                validation
            }
            r => panic!("{r:?}"),
        }
    }

    /// Moves the clock to the validation deadline (if before) and reveals every pending
    /// validation, expecting each to be accepted.
    pub fn reveal_validations(&mut self) {
        self.now = self.now.max(VALID);
        for (v, _, body) in std::mem::take(&mut self.pending) {
            self.ok(&v, body);
        }
    }
}
