//! The demo's ledger part: the bundled proof goes through a 4-node PBFT cluster.

use anyhow::Result;
use zkpot_verifier::{ProofFile, Statement};

/// Runs the ledger scenario on the demo's statement and proof.
pub fn run(_statement: &Statement, _proof: &ProofFile, _vk: &[u8]) -> Result<()> {
    eprintln!("(ledger part not wired in yet)");
    Ok(())
}
