//! # On-chain verification of Groth16 (BN254) proofs
//!
//! A Solidity contract that verifies a Groth16 proof of the zkpot statement
//! `[model commitment, data set commitment, N, S]` with the BN254 precompiles (0x06 ecAdd,
//! 0x07 ecMul, 0x08 pairing), and the byte encodings a Rust program needs to deploy and call it.
//!
//! The contract does not depend on the verifying key: the key's points are constructor
//! arguments kept in `immutable`s. So one committed, solc-compiled creation bytecode serves
//! every key of this statement, and deploying for a key is *creation bytecode ++ ABI-encoded
//! key* ([`deployment_data`]). docs/evm.md has the ABI, the encodings and how to regenerate
//! the bytecode.
//!
//! # Layout
//! * [`contract`]: the committed source, creation bytecode and build record, embedded.
//! * [`encoding`]: field elements and curve points as 32-byte EVM words, in precompile order.
//! * [`calldata`]: constructor arguments, deployment data and `verifyProof` calldata.
//! * [`input`]: reading an arkworks key and proof, and a statement's inputs as arkworks scalars.
//! * [`export`]: the files `zkpot export-verifier --backend groth16` writes.

pub mod calldata;
pub mod contract;
pub mod encoding;
pub mod export;
pub mod input;

pub use calldata::{constructor_args, deployment_data, verify_proof_calldata};
pub use contract::{creation_bytecode, BUILD_INFO_JSON, CREATION_BYTECODE_HEX, SOLIDITY_SOURCE};
pub use export::{write_verifier, ExportedFile};
pub use input::{read_proof, read_verifying_key, statement_inputs};

/// The number of public inputs the contract verifies: model commitment, data set commitment,
/// N, S.
pub const PUBLIC_INPUTS: usize = 4;

/// Selector of `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[4])`.
pub const VERIFY_PROOF_SELECTOR: [u8; 4] = [0x5f, 0xe8, 0xc1, 0x3b];

/// The Solidity signature [`VERIFY_PROOF_SELECTOR`] is the Keccak-256 prefix of.
pub const VERIFY_PROOF_SIGNATURE: &str =
    "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[4])";

/// Selector of `verifyingKey()`, which returns the 24 words the instance was deployed with.
pub const VERIFYING_KEY_SELECTOR: [u8; 4] = [0x79, 0x50, 0xc5, 0xf8];
