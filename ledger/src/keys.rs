//! Account and replica keys.
//!
//! * Real keys: [`generate_key`] (the OS random generator), stored in a key file
//!   ([`write_key_file`], JSON `{"format":"zkpot-ledger-key","version":1,"account":..,
//!   "secret_key":..}`, mode 0600) and read back with [`read_key_file`], which refuses a
//!   file others can read.
//! * Development keys: [`signing_key_from_seed`], `SHA-256("zkpot-ledger/key/v1" ||
//!   seed)` from a PUBLIC seed (`dev/<name>`, `replica-<i>`, `demo/...`): anyone can
//!   sign with them. Only development clusters, demos and tests use them, and every
//!   node that starts with one says so (see [`is_development_key`]).

use crate::bytes32::Bytes32;
use crate::error::LedgerError;
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The signing key derived from the public `seed` (development only).
pub fn signing_key_from_seed(seed: &str) -> SigningKey {
    let mut h = Sha256::new();
    h.update(b"zkpot-ledger/key/v1");
    h.update(seed.as_bytes());
    SigningKey::from_bytes(&h.finalize().into())
}

/// The account id (public key) of `key`.
pub fn account_of(key: &SigningKey) -> Bytes32 {
    Bytes32(key.verifying_key().to_bytes())
}

/// The account id derived from `seed`.
pub fn account_from_seed(seed: &str) -> Bytes32 {
    account_of(&signing_key_from_seed(seed))
}

/// A fresh random signing key from the operating system's generator.
pub fn generate_key() -> SigningKey {
    use rand::RngCore;
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    SigningKey::from_bytes(&secret)
}

/// True if `key` is replica `id`'s public-seed development key (`replica-<id>`).
pub fn is_development_key(key: &SigningKey, id: usize) -> bool {
    key.to_bytes() == signing_key_from_seed(&format!("replica-{id}")).to_bytes()
}

/// Format tag of key files.
pub const KEY_FILE_FORMAT: &str = "zkpot-ledger-key";
/// Version of the key file format.
pub const KEY_FILE_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct KeyFile {
    format: String,
    version: u32,
    account: Bytes32,
    secret_key: String,
}

/// Writes `bytes` to `path` readable by its owner only (mode 0600 on unix, also when
/// the file existed with a wider mode).
pub fn write_secret_file(path: &Path, bytes: &[u8]) -> Result<(), LedgerError> {
    use std::io::Write;
    let io = |e| LedgerError::io(path.display().to_string(), e);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o600);
        let mut f = opts.open(path).map_err(io)?;
        f.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        f.write_all(bytes).map_err(io)
    }
    #[cfg(not(unix))]
    {
        let mut f = opts.open(path).map_err(io)?;
        f.write_all(bytes).map_err(io)
    }
}

/// Writes `key` as a key file (mode 0600).
pub fn write_key_file(path: &Path, key: &SigningKey) -> Result<(), LedgerError> {
    let file = KeyFile {
        format: KEY_FILE_FORMAT.into(),
        version: KEY_FILE_VERSION,
        account: account_of(key),
        secret_key: hex::encode(key.to_bytes()),
    };
    write_secret_file(path, serde_json::to_string_pretty(&file)?.as_bytes())
}

/// Fails if `path` can be read by anyone but its owner (unix).
pub fn check_private(path: &Path) -> Result<(), LedgerError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|e| LedgerError::io(path.display().to_string(), e))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(LedgerError::Config(format!(
                "{} holds a secret key but its mode is {mode:o}: make it readable by its owner only (chmod 600)",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Reads a key file written by [`write_key_file`] (refused if others can read it).
pub fn read_key_file(path: &Path) -> Result<SigningKey, LedgerError> {
    check_private(path)?;
    let file: KeyFile = crate::config::read_json(path)?;
    let bad = |what: &str| LedgerError::Config(format!("{}: {what}", path.display()));
    if file.format != KEY_FILE_FORMAT || file.version != KEY_FILE_VERSION {
        return Err(bad(&format!(
            "not a {KEY_FILE_FORMAT} version {KEY_FILE_VERSION} file (format {:?}, version {})",
            file.format, file.version
        )));
    }
    let secret: [u8; 32] = hex::decode(&file.secret_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| bad("secret_key must be 64 hex digits"))?;
    let key = SigningKey::from_bytes(&secret);
    if account_of(&key) != file.account {
        return Err(bad("the account does not match the secret key"));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_differ_and_key_files_are_private_and_round_trip() {
        let (a, b) = (generate_key(), generate_key());
        assert_ne!(a.to_bytes(), b.to_bytes());
        let dir = std::env::temp_dir().join(format!("zkpot-ledger-keyfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.key");
        // a pre-existing world-readable file is narrowed to 0600 when the key is written
        std::fs::write(&path, b"old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        write_key_file(&path, &a).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert_eq!(read_key_file(&path).unwrap().to_bytes(), a.to_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
            let e = read_key_file(&path).unwrap_err().to_string();
            assert!(e.contains("chmod 600"), "{e}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(is_development_key(&signing_key_from_seed("replica-2"), 2));
        assert!(!is_development_key(&a, 2));
    }
}
