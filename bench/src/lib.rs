//! zkpot-bench (skeleton)
