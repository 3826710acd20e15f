//! `Claim` (paper: the provider's claim to have trained the requested model), made in
//! two phases so nobody can copy a model commitment seen in the mempool:
//! commit `H(model_commitment || salt || provider_pubkey)` (SHA-256) before the
//! training deadline, reveal `(model_commitment, salt)` after it.

use crate::bytes32::Bytes32;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `SHA-256(model_commitment || salt || provider_pubkey)`, 96 bytes in.
pub fn claim_commitment(model: &Bytes32, salt: &Bytes32, provider: &Bytes32) -> Bytes32 {
    let mut h = Sha256::new();
    h.update(model.0);
    h.update(salt.0);
    h.update(provider.0);
    Bytes32(h.finalize().into())
}

/// A provider's claim on an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// Sequential id (global); lower = committed earlier, which breaks score ties.
    pub id: u64,
    /// The order claimed.
    pub order: u64,
    /// The provider's account.
    pub provider: Bytes32,
    /// The commit hash.
    pub commitment: Bytes32,
    /// Ledger time of the commit.
    pub committed_at: u64,
    /// The model commitment, once revealed.
    pub model_commitment: Option<Bytes32>,
    /// Ledger time of the reveal.
    pub revealed_at: Option<u64>,
    /// Validation ids on this claim.
    pub validations: Vec<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known-answer vector: SHA-256 of 32 bytes 0x01, 32 bytes 0x02, 32 bytes 0x03.
    #[test]
    fn commitment_known_answer() {
        let c = claim_commitment(&Bytes32([1; 32]), &Bytes32([2; 32]), &Bytes32([3; 32]));
        let mut input = vec![1u8; 32];
        input.extend([2u8; 32]);
        input.extend([3u8; 32]);
        let expect: [u8; 32] = Sha256::digest(&input).into();
        assert_eq!(c.0, expect);
        assert_ne!(
            c,
            claim_commitment(&Bytes32([1; 32]), &Bytes32([2; 32]), &Bytes32([4; 32]))
        );
    }
}
