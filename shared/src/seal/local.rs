//! The local server's key service, so that sealing needs no AWS: a master key kept in a file
//! (`--key-file`, or `master.key` in the data directory), so that a restart opens what was
//! sealed before.

use super::{DataKey, KeyService, SealError};
use async_trait::async_trait;
use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use base64::{Engine, engine::general_purpose::STANDARD};
use std::path::Path;

const KEY_LEN: usize = 32;
/// Binds an encrypted data key to its purpose.
const DATA_KEY_AAD: &[u8] = b"hookline data key";

pub struct LocalKeys {
    master: RandomizedNonceKey,
}

impl LocalKeys {
    /// A new master key, held in memory only: for tests and benches that drop what they
    /// sealed. No setting chooses it (what it seals is lost with the process).
    pub fn generate() -> Result<Self, String> {
        Self::from_bytes(&random_key()).map_err(|e| e.to_string())
    }

    /// The master key in `path` (base64 of 32 bytes), written there first when the file is
    /// missing (readable by its owner only, its directory made when missing). Processes
    /// starting together agree on one key: the file appears whole or not at all. Every
    /// error names the path.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let shown = path.display();
        if !path.exists() {
            if let Some(directory) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                make_private_dir(directory)
                    .map_err(|e| format!("writing {shown}: making its directory: {e}"))?;
            }
            let text = format!("{}\n", STANDARD.encode(random_key()));
            let temporary = path.with_extension(format!("tmp{}", std::process::id()));
            write_private(&temporary, &text).map_err(|e| format!("writing {shown}: {e}"))?;
            // A link fails when another process made the file first; its key wins.
            let linked = std::fs::hard_link(&temporary, path);
            let _ = std::fs::remove_file(&temporary);
            if let Err(e) = linked
                && e.kind() != std::io::ErrorKind::AlreadyExists
            {
                return Err(format!("writing {shown}: {e}"));
            }
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("reading {shown}: {e}"))?;
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| format!("{shown} does not hold a base64 key"))?;
        Self::from_bytes(&bytes).map_err(|_| format!("{shown} does not hold a 32-byte key"))
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, SealError> {
        if bytes.len() != KEY_LEN {
            return Err(SealError::Corrupt);
        }
        let master =
            RandomizedNonceKey::new(&AES_256_GCM, bytes).map_err(|_| SealError::Corrupt)?;
        Ok(Self { master })
    }
}

#[async_trait]
impl KeyService for LocalKeys {
    async fn generate_data_key(&self) -> Result<DataKey, SealError> {
        let plaintext = random_key().to_vec();
        let mut in_out = plaintext.clone();
        let nonce = self
            .master
            .seal_in_place_append_tag(Aad::from(DATA_KEY_AAD), &mut in_out)
            .map_err(|_| SealError::KeyService("sealing a data key failed".into()))?;
        let mut encrypted = nonce.as_ref().to_vec();
        encrypted.extend_from_slice(&in_out);
        Ok(DataKey {
            plaintext,
            encrypted,
        })
    }

    async fn decrypt(&self, encrypted: &[u8]) -> Result<Vec<u8>, SealError> {
        let (nonce, sealed) = encrypted
            .split_at_checked(NONCE_LEN)
            .ok_or(SealError::Corrupt)?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Corrupt)?;
        let mut in_out = sealed.to_vec();
        let plaintext = self
            .master
            .open_in_place(nonce, Aad::from(DATA_KEY_AAD), &mut in_out)
            .map_err(|_| SealError::Corrupt)?;
        Ok(plaintext.to_vec())
    }
}

fn random_key() -> [u8; KEY_LEN] {
    let mut key = [0u8; KEY_LEN];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
    key
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(unix)]
fn make_private_dir(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
}

#[cfg(not(unix))]
fn make_private_dir(path: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(path)
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_key_file_is_made_once_and_read_back() {
        let dir = std::env::temp_dir().join(format!("hookline-key-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("local.key");
        let first = LocalKeys::from_file(&path).unwrap();
        let made = first.generate_data_key().await.unwrap();
        let again = LocalKeys::from_file(&path).unwrap();
        assert_eq!(
            again.decrypt(&made.encrypted).await.unwrap(),
            made.plaintext
        );
        std::fs::write(&path, "not a key").unwrap();
        assert!(LocalKeys::from_file(&path).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_key_file_is_made_with_its_directories_mode_0600() {
        let dir = std::env::temp_dir().join(format!("hookline-key-{}", uuid::Uuid::now_v7()));
        let path = dir.join("a/b/master.key");
        LocalKeys::from_file(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_key_file_that_can_be_neither_read_nor_made_is_named() {
        let dir = std::env::temp_dir().join(format!("hookline-key-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        // A file where its directory should be: nothing can be made under it, even by root.
        let blocker = dir.join("not-a-directory");
        std::fs::write(&blocker, "").unwrap();
        let path = blocker.join("master.key");
        let error = LocalKeys::from_file(&path).err().unwrap();
        assert!(error.contains(&path.display().to_string()), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
