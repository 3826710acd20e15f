//! zkpot-circuits (skeleton)
