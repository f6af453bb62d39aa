//! API keys: the text a client sends, and the record stored for it (only its SHA-256).

use super::{ApiKeyId, Scope, Scopes, TenantId, Timestamp};
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

/// Whom a key belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyOwner {
    /// The deployment's operator: acts for any tenant it names, and on the operator routes.
    Operator,
    Tenant(TenantId),
}

impl KeyOwner {
    pub fn tenant(&self) -> Option<&TenantId> {
        match self {
            KeyOwner::Operator => None,
            KeyOwner::Tenant(tenant) => Some(tenant),
        }
    }
}

/// What is stored for one key. An operator key holds the `operator` scope alone; a
/// tenant's key never holds it (the constructors see to both).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: ApiKeyId,
    pub owner: KeyOwner,
    pub scopes: Scopes,
    pub hash: KeyHash,
    pub prefix: String,
    pub name: Option<String>,
    pub created_at: Timestamp,
    /// Refused from this instant on.
    pub expires_at: Option<Timestamp>,
}

impl ApiKeyRecord {
    /// A tenant's key with `scopes` (less `operator`, which only operator keys hold).
    pub fn new(key: &ApiKey, tenant: TenantId, scopes: Scopes, name: Option<String>) -> Self {
        let scopes = scopes.iter().filter(|s| *s != Scope::Operator).collect();
        Self::with_owner(key, KeyOwner::Tenant(tenant), scopes, name)
    }

    pub fn operator(key: &ApiKey, name: Option<String>) -> Self {
        Self::with_owner(key, KeyOwner::Operator, Scopes::operator(), name)
    }

    fn with_owner(key: &ApiKey, owner: KeyOwner, scopes: Scopes, name: Option<String>) -> Self {
        Self {
            id: ApiKeyId::new(),
            owner,
            scopes,
            hash: key.hash(),
            prefix: key.prefix(),
            name,
            created_at: Timestamp::now(),
            expires_at: None,
        }
    }

    pub fn expiring_at(mut self, at: Option<Timestamp>) -> Self {
        self.expires_at = at;
        self
    }

    /// Whether the key is still accepted at `now`.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }

    /// Whether the record keeps the rule the constructors keep: a tenant's key without the
    /// `operator` scope. A stored item can break it (written by hand, or by an older
    /// version); such a key is refused, never trusted as an operator's.
    pub fn is_sound(&self) -> bool {
        match self.owner {
            KeyOwner::Operator => true,
            KeyOwner::Tenant(_) => !self.scopes.is_operator(),
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
    fn only_operator_keys_hold_the_operator_scope() {
        let key = ApiKey::generate();
        let tenant = TenantId::parse("acme").unwrap();
        let record = ApiKeyRecord::new(
            &key,
            tenant,
            Scopes::parse_list("operator,webhooks:view").unwrap(),
            None,
        );
        assert_eq!(record.scopes, Scopes::parse_list("webhooks:view").unwrap());
        let operator = ApiKeyRecord::operator(&key, None);
        assert_eq!(operator.owner, KeyOwner::Operator);
        assert!(operator.scopes.is_operator());
        assert!(record.is_sound() && operator.is_sound());
        let mut forged = record;
        forged.scopes = Scopes::operator();
        assert!(!forged.is_sound());
    }

    #[test]
    fn an_expired_key_is_not_live() {
        let record = ApiKeyRecord::operator(&ApiKey::generate(), None)
            .expiring_at(Timestamp::parse("2026-01-01T00:00:00Z"));
        assert!(record.is_live(Timestamp::parse("2025-12-31T23:59:59Z").unwrap()));
        assert!(!record.is_live(Timestamp::parse("2026-01-01T00:00:00Z").unwrap()));
        assert!(ApiKeyRecord::operator(&ApiKey::generate(), None).is_live(Timestamp::now()));
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
