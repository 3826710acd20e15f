//! `PotState`: the whole replicated PoT state (accounts and the network record table,
//! orders, claims, validations, treasury) and `apply`, the pure deterministic
//! transition `(state, signed tx, agreed time) -> (state, receipt | reject)` that every
//! replica runs on commit. The per-phase rules live in `rules/`.
//!
//! Time is only `TxContext::now`, the primary-assigned timestamp agreed through
//! consensus; the state keeps it monotonic (`max(now, last_time)`).
//!
//! Conservation: `sum(balances) + node stakes + order escrows + validation stakes
//! (committed and revealed) + treasury` equals the genesis total after every transaction
//! ([`PotState::totals`]).
//!
//! The network id is the genesis digest ([`Genesis::network_id`]): every transaction is
//! signed for it, so a transaction cannot be replayed on another network. Genesis also
//! fixes which verifying keys the network accepts (by digest, keyed by circuit shape id).
//!
//! The state stays bounded: a finalized order's claims, validations and commitments are
//! pruned, and the order itself is reduced to a [`Settlement`]; only the newest
//! `Params::max_settled_orders` settlements are kept.

use crate::account::{Account, NodeInfo, Role};
use crate::bytes32::Bytes32;
use crate::checker::ProofChecker;
use crate::claim::Claim;
use crate::error::LedgerError;
use crate::order::{Order, Settlement};
use crate::reject::Reject;
use crate::tx::{SignedTx, TxBody};
use crate::validation::{Validation, ValidationCommit};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Protocol parameters fixed at genesis (absent fields in JSON take their defaults).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
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
    /// Smallest stake a validation may escrow; an order may ask for more, never less.
    pub min_validation_stake: u64,
    /// Shortest reveal window an order may have (validation deadline to reveal
    /// deadline), ledger ms.
    pub min_reveal_window_ms: u64,
    /// Shortest challenge window an order may have (reveal deadline to challenge
    /// deadline), ledger ms: every revealed validation can be challenged for at least
    /// this long.
    pub min_challenge_window_ms: u64,
    /// Settled orders whose summaries the state keeps (the oldest are dropped first).
    pub max_settled_orders: u64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            min_provider_stake: 100,
            min_validator_stake: 100,
            min_verifier_stake: 100,
            min_challenge_stake: 10,
            max_proof_bytes: 1 << 20,
            min_validation_stake: 50,
            min_reveal_window_ms: 1_000,
            min_challenge_window_ms: 1_000,
            max_settled_orders: 1_024,
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

/// Genesis: parameters, initial balances, and the verifying keys the network accepts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Genesis {
    /// Protocol parameters.
    pub params: Params,
    /// Initial balances by account (ed25519 public key).
    pub allocations: BTreeMap<Bytes32, u64>,
    /// The verifying keys the network accepts: circuit shape id (lowercase hex) -> key
    /// digest ([`zkpot_verifier::AnyKey::digest`]). Orders may only name these shapes,
    /// and every node's proof checker must hold exactly these keys.
    #[serde(default)]
    pub verifying_keys: BTreeMap<String, Bytes32>,
    /// A development network: may accept development keys (see
    /// [`crate::snark::admit_key`]). Never set for a network that holds value.
    #[serde(default)]
    pub development_network: bool,
}

/// Domain tag of the genesis digest (the network id).
pub const GENESIS_DOMAIN: &[u8] = b"zkpot-ledger/genesis/v1";

impl Genesis {
    /// The network id: `SHA-256(GENESIS_DOMAIN || postcard(genesis))` (BTreeMaps, so
    /// canonical). Every transaction is signed for it.
    pub fn network_id(&self) -> Bytes32 {
        let mut h = Sha256::new();
        h.update(GENESIS_DOMAIN);
        h.update(postcard::to_allocvec(self).unwrap_or_default());
        Bytes32(h.finalize().into())
    }

    /// Checks the parts a replica must agree on before it starts: shape ids are
    /// 1..=[`crate::order::MAX_SHAPE_ID_LEN`] lowercase hex digits.
    pub fn validate(&self) -> Result<(), LedgerError> {
        for shape in self.verifying_keys.keys() {
            crate::order::check_shape_id(shape).map_err(|e| LedgerError::Config(format!("genesis verifying_keys: {e}")))?;
        }
        Ok(())
    }
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
    /// Validation committed (stake escrowed; reveal after the validation deadline).
    ValidationCommitted {
        order: u64,
        claim: u64,
        validation: u64,
    },
    /// Validation revealed and accepted.
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
    /// Escrowed validation stakes (committed and revealed).
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
    /// The network id (genesis digest) every transaction must be signed for.
    pub network: Bytes32,
    /// Accepted verifying keys: shape id -> key digest (from genesis).
    pub verifying_keys: BTreeMap<String, Bytes32>,
    /// From genesis: a development network.
    pub development_network: bool,
    /// Accounts and node records.
    pub accounts: BTreeMap<Bytes32, Account>,
    /// Open (not yet finalized) orders by id.
    pub orders: BTreeMap<u64, Order>,
    /// Summaries of the newest finalized orders by id (at most
    /// `params.max_settled_orders`).
    pub settled: BTreeMap<u64, Settlement>,
    /// Claims of open orders by id.
    pub claims: BTreeMap<u64, Claim>,
    /// Validation commitments not revealed yet, by validation id.
    pub validation_commits: BTreeMap<u64, ValidationCommit>,
    /// Revealed validations of open orders by id (same id as their commitment).
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
    /// The state at genesis. Fails if the allocations overflow u64 or genesis is invalid.
    pub fn new(genesis: &Genesis) -> Result<Self, LedgerError> {
        genesis.validate()?;
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
            network: genesis.network_id(),
            verifying_keys: genesis.verifying_keys.clone(),
            development_network: genesis.development_network,
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
        if tx.network != self.network {
            return Err(Reject::WrongNetwork {
                expected: self.network.to_hex(),
                got: tx.network.to_hex(),
            });
        }
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
            TxBody::ValidateCommit {
                order,
                claim,
                commitment,
                stake,
            } => self.validate_commit(signer, *order, *claim, *commitment, *stake, now),
            TxBody::ValidateReveal {
                validation,
                statement,
                proof,
                salt,
            } => self.validate_reveal(signer, *validation, statement, proof, salt, now, checker),
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
        t.validation_stakes = self.validations.values().map(|v| v.stake as u128).sum::<u128>()
            + self.validation_commits.values().map(|v| v.stake as u128).sum::<u128>();
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
        match self.orders.get(&id) {
            Some(o) => Ok(o),
            None if self.is_settled(id) => Err(Reject::OrderFinalized { order: id }),
            None => Err(Reject::UnknownOrder { order: id }),
        }
    }

    /// True if order `id` was finalized (its summary may have been dropped since).
    pub fn is_settled(&self, id: u64) -> bool {
        id > 0 && id < self.next_order && !self.orders.contains_key(&id)
    }
}
