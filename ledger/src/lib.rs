//! zkpot-ledger (skeleton)
