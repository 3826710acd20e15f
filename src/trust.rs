//! Pinning at the command line: `--vk-digest`, `--trusted-keys`, `--srs` and
//! `--trust-key-as-is` become the trust settings of `zkpot_jobs::trust` (shared with the Python
//! package), which every verifying key `verify` uses must pass (docs/trust.md).

use crate::cli::TrustArgs;
use anyhow::Result;
pub use zkpot_jobs::trust::Trust;
use zkpot_jobs::trust::TrustOptions;

/// The trust settings of the `verify` flags, validated.
pub fn from_args(args: &TrustArgs) -> Result<Trust> {
    Ok(Trust::new(&TrustOptions {
        vk_digest: args.vk_digest.clone(),
        trusted_keys: args.trusted_keys.clone(),
        srs: args.srs.clone(),
        trust_key_as_is: args.trust_key_as_is,
        allow_insecure_dev: args.allow_insecure_dev,
    })?)
}
