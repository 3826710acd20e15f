//! `PotState`: the whole replicated PoT state (accounts and the network record table,
//! orders, claims, validations, treasury) and `apply`, the pure deterministic
//! transition `(state, signed tx, agreed time) -> (state, receipt | reject)` that every
//! replica runs on commit. The per-phase rules live in `rules/`.
//!
//! Time is only `TxContext::now`, the primary-assigned timestamp agreed through
//! consensus; the state keeps it monotonic (`max(now, last_time)`).
//!
//! Conservation: `sum(balances) + node stakes + order escrows + validation stakes +
//! treasury` equals the genesis total after every transaction ([`PotState::totals`]).

use crate::account::{Account, NodeInfo, Role};
use crate::bytes32::Bytes32;
use crate::checker::ProofChecker;
use crate::claim::Claim;
use crate::error::LedgerError;
use crate::order::Order;
use crate::reject::Reject;
use crate::tx::{SignedTx, TxBody};
use crate::validation::Validation;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Protocol parameters fixed at genesis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// Minimum registration stake of a provider.
    pub min_provider_stake: u64,
    /// Minimum registration stake of a validator.
    pub min_validator_stake: u64,
    /// Minimum registration stake of a verifier.
    pub min_verifier_stake: u64,
    /// Minimum stake of a challenge.
    pub min_challenge_stake: u64,
    /// Largest proof accepted, bytes.
    pub max_proof_bytes: u64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            min_provider_stake: 100,
            min_validator_stake: 100,
            min_verifier_stake: 100,
            min_challenge_stake: 10,
            max_proof_bytes: 1 << 20,
        }
    }
}

impl Params {
    /// Minimum registration stake for `role`.
    pub fn min_stake(&self, role: Role) -> u64 {
        match role {
            Role::Provider => self.min_provider_stake,
            Role::Validator => self.min_validator_stake,
            Role::Verifier => self.min_verifier_stake,
        }
    }
}

/// Genesis: parameters and initial balances.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Genesis {
    /// Protocol parameters.
    pub params: Params,
    /// Initial balances by account (ed25519 public key).
    pub allocations: BTreeMap<Bytes32, u64>,
}

/// The consensus-agreed context of one transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TxContext {
    /// PBFT sequence number of the request.
    pub seq: u64,
    /// Primary-assigned timestamp (milliseconds), agreed through consensus.
    pub now: u64,
}

/// What an accepted transaction did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "receipt", rename_all = "snake_case")]
pub enum Receipt {
    /// Transfer done.
    Transferred { to: Bytes32, amount: u64 },
    /// Node registered.
    Registered { role: Role, stake: u64 },
    /// Node unregistered; stake returned.
    Unregistered { returned: u64 },
    /// Order created.
    OrderPut { order: u64 },
    /// Claim committed.
    ClaimCommitted { order: u64, claim: u64 },
    /// Claim revealed.
    ClaimRevealed {
        order: u64,
        claim: u64,
        model_commitment: Bytes32,
    },
    /// Validation accepted.
    Validated {
        order: u64,
        claim: u64,
        validation: u64,
        verified: bool,
    },
    /// Challenge resolved.
    Challenged {
        validation: u64,
        /// True: the proof was invalid, the validator was slashed.
        succeeded: bool,
        /// Paid to the challenger on top of their stake (success) or 0.
        challenger_reward: u64,
        /// Forfeited to the validator (failure) or 0.
        forfeited: u64,
        /// Sent to the treasury (success) or 0.
        to_treasury: u64,
        /// The checker's reason when invalid.
        detail: Option<String>,
    },
    /// Order finalized.
    Finalized {
        order: u64,
        outcome: crate::order::Outcome,
    },
}

/// Sums of every place value can be.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Spendable balances.
    pub balances: u128,
    /// Node registration stakes.
    pub node_stakes: u128,
    /// Escrowed order rewards.
    pub order_escrows: u128,
    /// Escrowed validation stakes.
    pub validation_stakes: u128,
    /// Treasury.
    pub treasury: u128,
}

impl Totals {
    /// Everything added up.
    pub fn total(&self) -> u128 {
        self.balances
            + self.node_stakes
            + self.order_escrows
            + self.validation_stakes
            + self.treasury
    }
}

/// The replicated PoT state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PotState {
    /// Genesis parameters.
    pub params: Params,
    /// Accounts and node records.
    pub accounts: BTreeMap<Bytes32, Account>,
    /// Orders by id.
    pub orders: BTreeMap<u64, Order>,
    /// Claims by id.
    pub claims: BTreeMap<u64, Claim>,
    /// Validations by id.
    pub validations: BTreeMap<u64, Validation>,
    /// Protocol treasury (half of slashed stakes).
    pub treasury: u64,
    /// Next order id.
    pub next_order: u64,
    /// Next claim id.
    pub next_claim: u64,
    /// Next validation id.
    pub next_validation: u64,
    /// Latest ledger time seen.
    pub last_time: u64,
    /// Transactions applied (accepted or rejected).
    pub applied: u64,
    /// Last PBFT sequence executed.
    pub last_seq: u64,
}

impl PotState {
    /// The state at genesis. Fails if the allocations overflow u64.
    pub fn new(genesis: &Genesis) -> Result<Self, LedgerError> {
        let mut total: u64 = 0;
        let mut accounts = BTreeMap::new();
        for (id, bal) in &genesis.allocations {
            total = total
                .checked_add(*bal)
                .ok_or_else(|| LedgerError::Config("genesis allocations overflow u64".into()))?;
            accounts.insert(
                *id,
                Account {
                    balance: *bal,
                    ..Account::default()
                },
            );
        }
        Ok(Self {
            params: genesis.params.clone(),
            accounts,
            next_order: 1,
            next_claim: 1,
            next_validation: 1,
            ..Self::default()
        })
    }

    /// Applies one signed transaction at `ctx`. On `Err`, nothing changed except the
    /// signer's nonce (when signature and nonce were good).
    pub fn apply(
        &mut self,
        tx: &SignedTx,
        ctx: TxContext,
        checker: &dyn ProofChecker,
    ) -> Result<Receipt, Reject> {
        self.apply_checked(tx, tx.verify(), ctx, checker)
    }

    /// [`PotState::apply`] with the signature check `signature` already done
    /// (batches check all their signatures at once: [`crate::tx::verify_all`]).
    pub fn apply_checked(
        &mut self,
        tx: &SignedTx,
        signature: Result<(), Reject>,
        ctx: TxContext,
        checker: &dyn ProofChecker,
    ) -> Result<Receipt, Reject> {
        self.applied = self.applied.saturating_add(1);
        self.last_time = self.last_time.max(ctx.now);
        self.last_seq = self.last_seq.max(ctx.seq);
        let now = self.last_time;
        signature?;
        let signer = tx.signer;
        let acct = self
            .accounts
            .get_mut(&signer)
            .ok_or(Reject::UnknownAccount {
                account: signer.to_hex(),
            })?;
        if tx.nonce != acct.nonce {
            return Err(Reject::BadNonce {
                expected: acct.nonce,
                got: tx.nonce,
            });
        }
        acct.nonce = acct.nonce.saturating_add(1);
        match &tx.body {
            TxBody::Transfer { to, amount } => self.transfer(signer, *to, *amount),
            TxBody::Register { role, stake } => self.register(signer, *role, *stake, now),
            TxBody::Unregister => self.unregister(signer),
            TxBody::PutOrder(spec) => self.put_order(signer, spec, now),
            TxBody::ClaimCommit { order, commitment } => {
                self.claim_commit(signer, *order, *commitment, now)
            }
            TxBody::ClaimReveal {
                order,
                model_commitment,
                salt,
            } => self.claim_reveal(signer, *order, *model_commitment, *salt, now),
            TxBody::Validate {
                order,
                claim,
                statement,
                proof,
                stake,
            } => self.validate(
                signer, *order, *claim, statement, proof, *stake, now, checker,
            ),
            TxBody::Challenge { validation, stake } => {
                self.challenge(signer, *validation, *stake, now, checker)
            }
            TxBody::Finalize { order } => self.finalize(*order, now),
        }
    }

    /// Where all value is.
    pub fn totals(&self) -> Totals {
        let mut t = Totals {
            treasury: self.treasury as u128,
            ..Totals::default()
        };
        for a in self.accounts.values() {
            t.balances += a.balance as u128;
            if let Some(n) = &a.node {
                t.node_stakes += n.stake as u128;
            }
        }
        t.order_escrows = self.orders.values().map(|o| o.escrow as u128).sum();
        t.validation_stakes = self.validations.values().map(|v| v.stake as u128).sum();
        t
    }

    // ---- helpers shared by the rules ----

    /// The signer's account (exists: `apply` checked).
    pub(crate) fn account(&self, who: &Bytes32) -> Result<&Account, Reject> {
        self.accounts.get(who).ok_or(Reject::UnknownAccount {
            account: who.to_hex(),
        })
    }

    /// The signer's node, which must have `role`.
    pub(crate) fn node_with_role(&self, who: &Bytes32, role: Role) -> Result<&NodeInfo, Reject> {
        let node = self
            .account(who)?
            .node
            .as_ref()
            .ok_or(Reject::NotRegistered)?;
        if node.role != role {
            return Err(Reject::WrongRole {
                required: role,
                actual: node.role,
            });
        }
        Ok(node)
    }

    /// Fails unless `who` can pay `amount`.
    pub(crate) fn can_pay(&self, who: &Bytes32, amount: u64) -> Result<(), Reject> {
        let available = self.account(who)?.balance;
        if available < amount {
            return Err(Reject::InsufficientBalance {
                needed: amount,
                available,
            });
        }
        Ok(())
    }

    /// Moves `amount` out of `who`'s balance; call only after `can_pay`.
    pub(crate) fn debit(&mut self, who: &Bytes32, amount: u64) {
        if let Some(a) = self.accounts.get_mut(who) {
            a.balance = a.balance.saturating_sub(amount);
        }
    }

    /// Adds `amount` to `who`'s balance, creating the account. Cannot overflow: every
    /// balance is at most the genesis total, which fits in u64.
    pub(crate) fn credit(&mut self, who: &Bytes32, amount: u64) {
        let a = self.accounts.entry(*who).or_default();
        a.balance = a.balance.saturating_add(amount);
    }

    /// Mutable node of `who`, if registered.
    pub(crate) fn node_mut(&mut self, who: &Bytes32) -> Option<&mut NodeInfo> {
        self.accounts.get_mut(who).and_then(|a| a.node.as_mut())
    }

    /// The order, not finalized.
    pub(crate) fn open_order(&self, id: u64) -> Result<&Order, Reject> {
        let o = self
            .orders
            .get(&id)
            .ok_or(Reject::UnknownOrder { order: id })?;
        if o.is_finalized() {
            return Err(Reject::OrderFinalized { order: id });
        }
        Ok(o)
    }
}
