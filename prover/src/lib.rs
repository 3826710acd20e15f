//! zkpot-prover (skeleton)
