//! zkpot-params (skeleton)
