//! zkpot-pbft (skeleton)
