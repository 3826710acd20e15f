//! The files `zkpot export-verifier --backend groth16` writes.
//!
//! * `Groth16Verifier.sol`: the contract source.
//! * `Groth16Verifier.bin`: its creation bytecode (hex, as solc writes it).
//! * `Groth16Verifier.json`: compiler, settings, source SHA-256, ABI and selectors.
//! * `deploy.hex` (with a key): `0x` ++ creation bytecode ++ constructor arguments, the data
//!   of the deployment transaction for that key.
//! * `calldata.hex` (with a proof and its statement): `0x` ++ `verifyProof` calldata. With a
//!   key too, the proof is first checked off-chain (the pairing check of [`crate::groth16`]), so no calldata is written for a
//!   proof the contract would reject.

use super::calldata::{deployment_data, verify_proof_calldata};
use super::contract::{BUILD_INFO_JSON, CREATION_BYTECODE_HEX, SOLIDITY_SOURCE};
use super::PUBLIC_INPUTS;
use crate::VerifyError;
use crate::groth16::{pairing_check, Groth16Proof, Groth16Vk};
use ark_bn254::Fr;
use std::path::{Path, PathBuf};

/// One file written by [`write_verifier`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedFile {
    /// Where it was written.
    pub path: PathBuf,
    /// What it holds, in a few words.
    pub what: &'static str,
}

/// Writes the contract files into `dir` (created if missing); with `vk`, also the deployment
/// data for that key; with `proof`, also the calldata verifying that proof of that statement.
///
/// With both, a proof that does not verify for the key is refused ([`VerifyError::Rejected`])
/// before anything is written.
pub fn write_verifier(
    dir: &Path,
    vk: Option<&Groth16Vk>,
    proof: Option<(&Groth16Proof, &[Fr; PUBLIC_INPUTS])>,
) -> Result<Vec<ExportedFile>, VerifyError> {
    if let (Some(vk), Some((proof, inputs))) = (vk, proof) {
        let accepted = pairing_check(vk, proof, inputs)?;
        if !accepted {
            return Err(VerifyError::Rejected(
                "the Groth16 proof does not verify for this key and statement, so no calldata was written".into(),
            ));
        }
    }
    std::fs::create_dir_all(dir).map_err(|source| VerifyError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let mut files = Vec::new();
    let mut write = |name: &str, what: &'static str, contents: String| {
        let path = dir.join(name);
        std::fs::write(&path, contents).map_err(|source| VerifyError::Io {
            path: path.display().to_string(),
            source,
        })?;
        files.push(ExportedFile { path, what });
        Ok::<(), VerifyError>(())
    };
    write(
        "Groth16Verifier.sol",
        "Solidity source",
        SOLIDITY_SOURCE.to_string(),
    )?;
    write(
        "Groth16Verifier.bin",
        "creation bytecode (hex)",
        format!("{}\n", CREATION_BYTECODE_HEX.trim()),
    )?;
    write(
        "Groth16Verifier.json",
        "build record and ABI",
        BUILD_INFO_JSON.to_string(),
    )?;
    if let Some(vk) = vk {
        let data = deployment_data(vk)?;
        write(
            "deploy.hex",
            "deployment data for this key (hex)",
            format!("0x{}\n", hex::encode(data)),
        )?;
    }
    if let Some((proof, inputs)) = proof {
        let data = verify_proof_calldata(proof, inputs);
        write(
            "calldata.hex",
            "verifyProof calldata (hex)",
            format!("0x{}\n", hex::encode(data)),
        )?;
    }
    Ok(files)
}
