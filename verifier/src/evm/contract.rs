//! The committed contract and its build outputs, embedded in the binary.
//!
//! `verifier/evm/Groth16Verifier.sol` is hand-written and key-independent;
//! `scripts/compile_verifier.mjs` compiles it with a pinned solc-js and writes
//! `Groth16Verifier.bin` (creation bytecode, hex) and `Groth16Verifier.json` (compiler,
//! settings, the source's SHA-256, ABI, selectors). `cargo test` checks that the source still
//! has the recorded SHA-256, so an edit without recompiling fails; the script's `--check`
//! recompiles and compares the bytecode itself.

use crate::VerifyError;

/// The Solidity source of the verifier.
pub const SOLIDITY_SOURCE: &str = include_str!("../../evm/Groth16Verifier.sol");

/// The creation bytecode of [`SOLIDITY_SOURCE`], hex without `0x` (may end in a newline).
pub const CREATION_BYTECODE_HEX: &str = include_str!("../../evm/Groth16Verifier.bin");

/// The build record: compiler, settings, source SHA-256, ABI and selectors (JSON).
pub const BUILD_INFO_JSON: &str = include_str!("../../evm/Groth16Verifier.json");

/// The creation bytecode as bytes (no constructor arguments).
pub fn creation_bytecode() -> Result<Vec<u8>, VerifyError> {
    hex::decode(CREATION_BYTECODE_HEX.trim()).map_err(|e| VerifyError::Malformed {
        what: "embedded verifier bytecode",
        detail: e.to_string(),
    })
}
