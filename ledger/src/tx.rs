//! Transactions (postcard-encoded, so enums are externally tagged): the signed operations that change PoT state, the read-only queries,
//! and `Op`, the bytes a PBFT client submits (postcard with a version byte). Every
//! transaction is signed by its account's ed25519 key over
//! `TX_DOMAIN || postcard(network, signer, nonce, body)`, where `network` is the genesis
//! digest of the network it is meant for; the state machine verifies the signature and
//! refuses a transaction signed for another network.

use crate::account::Role;
use crate::bytes32::Bytes32;
use crate::order::OrderSpec;
use crate::reject::Reject;
use crate::statement::Statement;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// Domain separator for transaction signatures.
pub const TX_DOMAIN: &[u8] = b"zkpot-ledger/tx/v2";
/// Version byte in front of every encoded `Op` (3: network id in transactions,
/// commit-then-reveal validations).
pub const OP_VERSION: u8 = 3;

/// What a transaction does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxBody {
    /// Move balance to another account (creating it if new).
    Transfer { to: Bytes32, amount: u64 },
    /// Become a node with a role, escrowing a stake.
    Register { role: Role, stake: u64 },
    /// Stop being a node; the stake comes back.
    Unregister,
    /// Put an order, escrowing its reward.
    PutOrder(OrderSpec),
    /// Commit to a claim: `H(model_commitment || salt || provider_pubkey)`.
    ClaimCommit { order: u64, commitment: Bytes32 },
    /// Reveal a claim.
    ClaimReveal {
        order: u64,
        model_commitment: Bytes32,
        salt: Bytes32,
    },
    /// Commit to a validation of a revealed claim, escrowing a stake, before the
    /// validation deadline: `commitment` is
    /// [`crate::validation::validation_commitment`].
    ValidateCommit {
        order: u64,
        claim: u64,
        commitment: Bytes32,
        stake: u64,
    },
    /// Reveal a committed validation (statement, proof, salt) between the validation
    /// and reveal deadlines; only the committing account can.
    ValidateReveal {
        validation: u64,
        statement: Statement,
        proof: Vec<u8>,
        salt: Bytes32,
    },
    /// Challenge a validation, escrowing a stake; resolved at once.
    Challenge { validation: u64, stake: u64 },
    /// Finalize an order after its challenge deadline.
    Finalize { order: u64 },
}

impl TxBody {
    /// Short name for logs and replies.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Transfer { .. } => "transfer",
            Self::Register { .. } => "register",
            Self::Unregister => "unregister",
            Self::PutOrder(_) => "put_order",
            Self::ClaimCommit { .. } => "claim_commit",
            Self::ClaimReveal { .. } => "claim_reveal",
            Self::ValidateCommit { .. } => "validate_commit",
            Self::ValidateReveal { .. } => "validate_reveal",
            Self::Challenge { .. } => "challenge",
            Self::Finalize { .. } => "finalize",
        }
    }
}

/// A signed transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedTx {
    /// The network it is signed for (genesis digest).
    pub network: Bytes32,
    /// The account's ed25519 public key.
    pub signer: Bytes32,
    /// Must equal the account's current nonce.
    pub nonce: u64,
    /// What to do.
    pub body: TxBody,
    /// 64-byte ed25519 signature over [`SignedTx::signing_bytes`].
    pub signature: Vec<u8>,
}

#[derive(Serialize)]
struct SigningPayload<'a> {
    network: &'a Bytes32,
    signer: &'a Bytes32,
    nonce: u64,
    body: &'a TxBody,
}

impl SignedTx {
    /// The bytes that are signed.
    pub fn signing_bytes(network: &Bytes32, signer: &Bytes32, nonce: u64, body: &TxBody) -> Vec<u8> {
        let mut out = TX_DOMAIN.to_vec();
        // Serializing plain data into a Vec cannot fail; fall back to empty on the
        // impossible error rather than panic (verification would then fail).
        if let Ok(p) = postcard::to_allocvec(&SigningPayload {
            network,
            signer,
            nonce,
            body,
        }) {
            out.extend(p);
        }
        out
    }

    /// Signs `body` with `key` at `nonce` for the network `network` (its genesis digest).
    pub fn sign(key: &SigningKey, network: Bytes32, nonce: u64, body: TxBody) -> Self {
        let signer = Bytes32(key.verifying_key().to_bytes());
        let sig = key.sign(&Self::signing_bytes(&network, &signer, nonce, &body));
        Self {
            network,
            signer,
            nonce,
            body,
            signature: sig.to_bytes().to_vec(),
        }
    }

    /// Verifies the signature (strict ed25519, deterministic).
    pub fn verify(&self) -> Result<(), Reject> {
        let (key, msg, sig) = self.parts()?;
        key.verify_strict(&msg, &sig).map_err(|_| Reject::BadSignature)
    }

    /// The key, signed bytes and signature, or why they cannot be checked.
    fn parts(&self) -> Result<SigParts, Reject> {
        let key = VerifyingKey::from_bytes(&self.signer.0).map_err(|_| Reject::BadPublicKey)?;
        let sig_bytes: [u8; 64] = self
            .signature
            .as_slice()
            .try_into()
            .map_err(|_| Reject::BadSignature)?;
        Ok((key, Self::signing_bytes(&self.network, &self.signer, self.nonce, &self.body), Signature::from_bytes(&sig_bytes)))
    }
}

/// What one signature check needs: the key, the signed bytes and the signature.
type SigParts = (VerifyingKey, Vec<u8>, Signature);

/// The signature checks of a batch of transactions, in order: one batch equation over
/// all well-formed ones and, only if that fails, each on its own, under the single
/// acceptance rule of [`zkpot_pbft::sigcheck`] (cofactored Ed25519, canonical `s`,
/// small-order keys refused). A transaction's answer never depends on the other
/// transactions of its batch, so replicas cannot be split by a signature crafted with
/// a torsion component. It equals strict verification's answer for every signature
/// except those whose own signer added torsion to `R` (accepted here, refused by
/// `verify_strict`).
pub fn verify_all(txs: &[SignedTx]) -> Vec<Result<(), Reject>> {
    let parts: Vec<Result<SigParts, Reject>> = txs.iter().map(SignedTx::parts).collect();
    // One acceptance rule for every signature, alone or batched (zkpot_pbft::sigcheck:
    // cofactored, small-order keys refused): a transaction's answer never depends on
    // the others in its batch.
    let items: Vec<(&VerifyingKey, &[u8], &Signature)> =
        parts.iter().filter_map(|p| p.as_ref().ok()).map(|(k, m, s)| (k, m.as_slice(), s)).collect();
    let mut answers = zkpot_pbft::sigcheck::verify_each(&items).into_iter();
    parts
        .into_iter()
        .map(|p| {
            p.and_then(|_| if answers.next() == Some(true) { Ok(()) } else { Err(Reject::BadSignature) })
        })
        .collect()
}

/// Read-only questions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Query {
    /// One order with its claims and winner.
    GetOrder { order: u64 },
    /// All orders (summaries).
    ListOrders,
    /// One account.
    GetAccount { account: Bytes32 },
    /// The validations of an order.
    GetValidations { order: u64 },
    /// Ledger totals (conservation check).
    Totals,
}

/// What a client submits through consensus (transient, so variant sizes don't matter).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// One transaction.
    Tx(SignedTx),
    /// Several transactions applied in order (a block-like payload).
    Batch(Vec<SignedTx>),
    /// A read-only query, ordered like any operation.
    Query(Query),
}

impl Op {
    /// `OP_VERSION || postcard(self)`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![OP_VERSION];
        if let Ok(p) = postcard::to_allocvec(self) {
            out.extend(p);
        }
        out
    }

    /// Inverse of [`Op::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Self, Reject> {
        match bytes.split_first() {
            Some((&OP_VERSION, rest)) => {
                postcard::from_bytes(rest).map_err(|e| Reject::Malformed {
                    detail: format!("op: {e}"),
                })
            }
            Some((v, _)) => Err(Reject::Malformed {
                detail: format!("unknown op version {v}"),
            }),
            None => Err(Reject::Malformed {
                detail: "empty op".to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::signing_key_from_seed;

    #[test]
    fn sign_verify_and_tamper() {
        let k = signing_key_from_seed("alice");
        let tx = SignedTx::sign(&k, Bytes32([7; 32]), 3, TxBody::Finalize { order: 1 });
        tx.verify().unwrap();
        let mut bad = tx.clone();
        bad.network = Bytes32([8; 32]);
        assert_eq!(bad.verify(), Err(Reject::BadSignature), "the network id is signed");
        let mut bad = tx.clone();
        bad.nonce = 4;
        assert_eq!(bad.verify(), Err(Reject::BadSignature));
        let mut bad = tx.clone();
        bad.signature.pop();
        assert_eq!(bad.verify(), Err(Reject::BadSignature));
        let mut bad = tx.clone();
        bad.signer = Bytes32(signing_key_from_seed("bob").verifying_key().to_bytes());
        assert_eq!(bad.verify(), Err(Reject::BadSignature));
        let op = Op::Tx(tx);
        assert_eq!(Op::decode(&op.encode()).unwrap(), op);
        assert!(Op::decode(&[]).is_err());
        assert!(Op::decode(&[9, 1, 2]).is_err());
        assert!(Op::decode(&[OP_VERSION, 200, 200, 200]).is_err());
    }

    #[test]
    fn batch_checks_equal_one_by_one_checks() {
        let txs: Vec<SignedTx> = (0..6)
            .map(|i| SignedTx::sign(&signing_key_from_seed(&format!("v{i}")), Bytes32::default(), i, TxBody::Finalize { order: i }))
            .collect();
        assert_eq!(verify_all(&txs), vec![Ok(()); 6]);
        assert_eq!(verify_all(&txs[..1]), vec![Ok(())]);
        assert!(verify_all(&[]).is_empty());
        let mut bad = txs.clone();
        bad[2].nonce += 1; // signature no longer matches
        bad[4].signature.pop(); // wrong length
        bad[5].signer = Bytes32([0; 32]); // the identity's encoding is not a usable key here
        let expect: Vec<_> = bad.iter().map(SignedTx::verify).collect();
        assert_eq!(verify_all(&bad), expect);
        assert_eq!(expect[2], Err(Reject::BadSignature));
        assert_eq!(expect[4], Err(Reject::BadSignature));
        assert!(expect[5].is_err() && expect[0].is_ok() && expect[3].is_ok());
        // a weak (small-order) key is never batched, so it gets strict verification's answer
        let mut weak = txs.clone();
        let mut identity = [0u8; 32];
        identity[0] = 1; // the neutral element, a small-order point
        weak[1].signer = Bytes32(identity);
        let expect: Vec<_> = weak.iter().map(SignedTx::verify).collect();
        assert_eq!(verify_all(&weak), expect);
        assert!(expect[1].is_err());
    }
}
