//! API keys: the text a client sends, and the record stored for it (only its SHA-256).

use super::{ApiKeyId, Scopes, TenantId, Timestamp};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::fmt;

/// The key text: `[A-Za-z0-9_-]{16,128}`. Never stored, never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn parse(text: &str) -> Option<Self> {
        let ok_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        ((16..=128).contains(&text.len()) && text.chars().all(ok_char))
            .then(|| Self(text.to_owned()))
    }

    /// A new key: `hk_` and 32 random bytes in base64url (43 characters).
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(format!("hk_{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// SHA-256 is right here: keys are long random strings, so a slow password hash would only
    /// cost time on every request without adding safety.
    pub fn hash(&self) -> KeyHash {
        KeyHash(hex::encode(Sha256::digest(self.0.as_bytes())))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The first characters, safe to show in listings so that a human can tell keys apart.
    pub fn prefix(&self) -> String {
        self.0.chars().take(7).collect()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// Hex SHA-256 of a key's text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct KeyHash(String);

impl KeyHash {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What is stored for one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: ApiKeyId,
    pub tenant: TenantId,
    pub scopes: Scopes,
    pub hash: KeyHash,
    pub prefix: String,
    pub name: Option<String>,
    pub created_at: Timestamp,
}

impl ApiKeyRecord {
    pub fn new(key: &ApiKey, tenant: TenantId, scopes: Scopes, name: Option<String>) -> Self {
        Self {
            id: ApiKeyId::new(),
            tenant,
            scopes,
            hash: key.hash(),
            prefix: key.prefix(),
            name,
            created_at: Timestamp::now(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_valid_key_text() {
        let key = ApiKey::generate();
        assert_eq!(ApiKey::parse(key.expose()), Some(key));
    }

    #[test]
    fn hashes_are_hex_sha256_of_the_key_text() {
        let key = ApiKey::parse("abcdefghijklmnop").unwrap();
        assert_eq!(
            key.hash().as_str(),
            "f39dac6cbaba535e2c207cd0cd8f154974223c848f727f98b3564cea569b41cf"
        );
    }

    #[test]
    fn short_long_and_punctuated_keys_are_refused() {
        for bad in [
            "short",
            &"a".repeat(129),
            "abcdefghijklmnop!",
            "abcdefgh ijklmnop",
        ] {
            assert!(ApiKey::parse(bad).is_none(), "{bad}");
        }
    }
}
