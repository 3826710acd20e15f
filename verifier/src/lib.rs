//! zkpot-verifier (skeleton)
