//! The PoT rules, one file per protocol phase, each an `impl PotState` block whose
//! methods check everything first and mutate only once nothing can fail:
//!
//! * `accounts`: transfer, register, unregister (network record table)
//! * `orders`: put order (requester escrows the reward)
//! * `claims`: claim commit / reveal (paper: Claim phase)
//! * `validations`: validate (paper: Validate phase)
//! * `challenges`: challenge (paper: Verify phase)
//! * `finalize`: pick the winner and pay (paper: Finalize phase)

mod accounts;
mod challenges;
mod claims;
mod finalize;
mod orders;
mod validations;
