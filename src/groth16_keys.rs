//! Groth16 keys at the command line: a given proving key file (`--pk`), or development keys from
//! a seed, cached per circuit shape and seed as `<cache>/<groth16 shape id>-dev<seed>.pk`.
//! Development keys always print the insecurity warning.

use crate::cli::ParamsArgs;
use crate::report::step;
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::time::Duration;
use zkpot_circuits::groth16::circuit::shape_id;
use zkpot_circuits::groth16::ConstraintCount;
use zkpot_circuits::halo2::CircuitShape;
use zkpot_params::cache;
use zkpot_prover::groth16::{DevSeed, Groth16ProvingKey, DEFAULT_DEV_SEED, DEV_KEYS_WARNING};
use zkpot_prover::{Backend, Groth16Backend};

/// Where the development proving key of `shape` from `seed` is cached.
pub fn dev_pk_path(args: &ParamsArgs, shape: &CircuitShape, seed: DevSeed) -> PathBuf {
    let dir = args.cache.clone().unwrap_or_else(cache::default_dir);
    dir.join(format!("{}-dev{:016x}.pk", shape_id(shape), seed.0))
}

/// The proving key for `shape`, and how long making or loading it took.
pub fn groth16_keys(args: &ParamsArgs, shape: &CircuitShape) -> Result<(Groth16ProvingKey, Duration)> {
    // refuse what the Groth16 circuit does not prove (e.g. mse on a classifier, or over N > 2^b)
    zkpot_circuits::groth16::support::check(shape)?;
    if let Some(path) = &args.pk {
        let (res, took) = step(&format!("loading the Groth16 proving key {}", path.display()), || read_pk(path));
        let pk = res.with_context(|| format!("in {}", path.display()))?;
        if &pk.shape != shape {
            bail!("the proving key {} is for circuit {}, the model and data need {}", path.display(), shape_id(&pk.shape), shape_id(shape));
        }
        return Ok((pk, took));
    }
    if let Some(path) = &args.zkey {
        let (res, took) = step(&format!("importing the phase-2 ceremony key {}", path.display()), || -> Result<Groth16ProvingKey> {
            Ok(Groth16ProvingKey::from_zkey(&cache::read(path)?, &path.display().to_string(), shape)?)
        });
        let pk = res?;
        eprintln!("  ceremony key fingerprint (SHA-256 of the .zkey): {}", pk.provenance.fingerprint);
        return Ok((pk, took));
    }
    eprintln!("{DEV_KEYS_WARNING}");
    let seed = DevSeed(args.dev_seed.unwrap_or(DEFAULT_DEV_SEED));
    let path = dev_pk_path(args, shape, seed);
    if path.exists() {
        // a shipped cache must not hand out keys from another setup: the file must record this seed and shape
        let (res, took) = step(&format!("cached Groth16 development keys {}", path.display()), || read_pk(&path));
        let pk = res.with_context(|| format!("the cached proving key {} (delete it to regenerate)", path.display()))?;
        if pk.provenance != seed.provenance() || &pk.shape != shape {
            return Err(zkpot_params::ParamsError::CacheMismatch {
                path: path.display().to_string(),
                detail: format!("it records {:?} for circuit {}, expected development seed {:#x} for circuit {}", pk.provenance, shape_id(&pk.shape), seed.0, shape_id(shape)),
            }
            .into());
        }
        return Ok((pk, took));
    }
    let count = ConstraintCount::of(shape);
    let (res, took) = step(
        &format!("Groth16 development setup for circuit {} ({} constraints, seed {:#x})", shape_id(shape), count.total, seed.0),
        || Groth16Backend::setup(&seed, shape),
    );
    let (pk, _) = res?;
    cache::write_atomic(&path, &pk.to_bytes()).context("caching the Groth16 proving key")?;
    Ok((pk, took))
}

/// Reads and decodes a Groth16 proving key file.
fn read_pk(path: &std::path::Path) -> Result<Groth16ProvingKey> {
    Ok(Groth16ProvingKey::from_bytes(&cache::read(path)?)?)
}
