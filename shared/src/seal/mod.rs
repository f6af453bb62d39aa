//! Sealed secrets: webhooks' signing secrets and custom header values, encrypted at rest by
//! envelope encryption. A key service (KMS in AWS, `local::LocalKeys` on a laptop) makes and
//! opens data keys; the data keys seal and open with AES-256-GCM here, in the process.
//!
//! A process seals with one data key for up to an hour, and keeps every data key it opened,
//! so the key service is called once per data key per process, never per webhook or per
//! delivery.

pub mod kms;
pub mod local;

use crate::domain::{Credentials, Sealed, Secrets, Webhook};
use async_trait::async_trait;
use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use base64::{Engine, engine::general_purpose::STANDARD};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long one data key seals what a process writes.
const SEALING_KEY_LIFETIME: Duration = Duration::from_secs(3600);
/// How many opened data keys a process keeps (each process seals with about one an hour).
const MAX_OPENED_KEYS: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The key service refused or could not be reached.
    #[error("the key service failed: {0}")]
    KeyService(String),
    /// What was stored does not open: altered, moved from another item, or sealed under a key
    /// this keyring does not hold. Trying again cannot mend it.
    #[error(
        "sealed credentials do not open (altered, moved from another webhook, or sealed under another key)"
    )]
    Corrupt,
}

/// A data key: in the clear, and as the key service encrypted it (what is stored).
pub struct DataKey {
    pub plaintext: Vec<u8>,
    pub encrypted: Vec<u8>,
}

/// What makes and opens data keys.
#[async_trait]
pub trait KeyService: Send + Sync {
    /// A new 256-bit data key.
    async fn generate_data_key(&self) -> Result<DataKey, SealError>;
    /// The plaintext of a data key this service encrypted.
    async fn decrypt(&self, encrypted: &[u8]) -> Result<Vec<u8>, SealError>;
}

/// The key service of a keyring without a key: every call is refused, loudly.
struct NoKey;

#[async_trait]
impl KeyService for NoKey {
    async fn generate_data_key(&self) -> Result<DataKey, SealError> {
        Err(SealError::KeyService("no sealing key is configured".into()))
    }

    /// Whatever was sealed, it was sealed under a key this keyring does not hold.
    async fn decrypt(&self, _: &[u8]) -> Result<Vec<u8>, SealError> {
        Err(SealError::Corrupt)
    }
}

/// One data key, opened once: opens that meet it at the same time wait for one key service
/// call rather than each making their own.
type Slot = Arc<tokio::sync::OnceCell<Arc<RandomizedNonceKey>>>;

struct SealingKey {
    encrypted: String,
    key: Arc<RandomizedNonceKey>,
    made: Instant,
}

/// Seals and opens webhooks' credentials, with the data keys cached.
pub struct Keyring {
    service: Arc<dyn KeyService>,
    sealing: tokio::sync::Mutex<Option<SealingKey>>,
    /// Data keys opened, by their encrypted form as stored (base64).
    opened: Mutex<HashMap<String, Slot>>,
}

impl Keyring {
    pub fn new(service: Arc<dyn KeyService>) -> Self {
        Self {
            service,
            sealing: tokio::sync::Mutex::new(None),
            opened: Mutex::default(),
        }
    }

    /// The keyring the setting names; KMS reached as `sdk` says.
    pub fn for_setting(
        key: &crate::config::SealingKey,
        sdk: Option<&aws_config::SdkConfig>,
    ) -> Result<Self, String> {
        use crate::config::SealingKey;
        let service: Arc<dyn KeyService> = match key {
            SealingKey::Kms(key_id) => {
                let sdk = sdk.ok_or("KMS needs the AWS SDK's configuration")?;
                Arc::new(kms::KmsKeys::new(sdk, key_id)?)
            }
            SealingKey::File(path) => Arc::new(local::LocalKeys::from_file(path)?),
            SealingKey::Absent => return Ok(Self::without_key()),
        };
        Ok(Self::new(service))
    }

    /// A keyring with no key: it opens what is stored open (the in-memory store's), and
    /// refuses to seal or to open anything sealed.
    pub fn without_key() -> Self {
        Self::new(Arc::new(NoKey))
    }

    /// Forgets every data key, as a new process starts: the next seal and open call the key
    /// service again.
    pub async fn forget(&self) {
        self.sealing.lock().await.take();
        self.lock_opened().clear();
    }

    /// The webhook's secrets, opened when sealed.
    pub async fn open(&self, webhook: &Webhook) -> Result<Arc<Secrets>, SealError> {
        let sealed = match &webhook.credentials {
            Credentials::Open(secrets) => return Ok(secrets.clone()),
            Credentials::Sealed(sealed) => sealed,
        };
        let key = self.data_key(&sealed.key).await?;
        let bytes = STANDARD
            .decode(&sealed.data)
            .map_err(|_| SealError::Corrupt)?;
        let (nonce, ciphertext) = bytes
            .split_at_checked(NONCE_LEN)
            .ok_or(SealError::Corrupt)?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Corrupt)?;
        let mut in_out = ciphertext.to_vec();
        let plaintext = key
            .open_in_place(nonce, Aad::from(bound_to(webhook)), &mut in_out)
            .map_err(|_| SealError::Corrupt)?;
        let secrets = serde_json::from_slice(plaintext).map_err(|_| SealError::Corrupt)?;
        Ok(Arc::new(secrets))
    }

    /// The webhook's credentials as they are stored: sealed (those read sealed stay as read).
    pub async fn seal(&self, webhook: &Webhook) -> Result<Sealed, SealError> {
        let secrets = match &webhook.credentials {
            Credentials::Sealed(sealed) => return Ok(sealed.clone()),
            Credentials::Open(secrets) => secrets,
        };
        let (encrypted, key) = self.sealing_key().await?;
        let mut in_out = serde_json::to_vec(secrets.as_ref())
            .map_err(|e| SealError::KeyService(e.to_string()))?;
        let nonce = key
            .seal_in_place_append_tag(Aad::from(bound_to(webhook)), &mut in_out)
            .map_err(|_| SealError::KeyService("AES-GCM sealing failed".into()))?;
        let mut data = nonce.as_ref().to_vec();
        data.extend_from_slice(&in_out);
        Ok(Sealed {
            key: encrypted,
            data: STANDARD.encode(data),
            header_names: Some(secrets.headers.names()),
        })
    }

    /// The data key this process seals with: made on first use, replaced after its lifetime.
    async fn sealing_key(&self) -> Result<(String, Arc<RandomizedNonceKey>), SealError> {
        let mut sealing = self.sealing.lock().await;
        if let Some(current) = sealing.as_ref()
            && current.made.elapsed() < SEALING_KEY_LIFETIME
        {
            return Ok((current.encrypted.clone(), current.key.clone()));
        }
        let made = self.service.generate_data_key().await?;
        let key = Arc::new(aes_key(&made.plaintext)?);
        let encrypted = STANDARD.encode(&made.encrypted);
        self.remember(&encrypted, key.clone());
        *sealing = Some(SealingKey {
            encrypted: encrypted.clone(),
            key: key.clone(),
            made: Instant::now(),
        });
        Ok((encrypted, key))
    }

    /// The data key stored as `encrypted`, opened by the key service on first sight.
    async fn data_key(&self, encrypted: &str) -> Result<Arc<RandomizedNonceKey>, SealError> {
        let slot = self.slot(encrypted, None);
        let key = slot
            .get_or_try_init(|| async {
                let blob = STANDARD.decode(encrypted).map_err(|_| SealError::Corrupt)?;
                Ok::<_, SealError>(Arc::new(aes_key(&self.service.decrypt(&blob).await?)?))
            })
            .await?;
        Ok(key.clone())
    }

    fn remember(&self, encrypted: &str, key: Arc<RandomizedNonceKey>) {
        self.slot(encrypted, Some(key));
    }

    /// The slot of the data key stored as `encrypted`: made when missing (filled with `key`
    /// when given).
    fn slot(&self, encrypted: &str, key: Option<Arc<RandomizedNonceKey>>) -> Slot {
        let mut opened = self.lock_opened();
        if let Some(slot) = opened.get(encrypted) {
            return slot.clone();
        }
        if opened.len() >= MAX_OPENED_KEYS {
            opened.clear();
        }
        let slot = Arc::new(tokio::sync::OnceCell::new_with(key));
        opened.insert(encrypted.to_owned(), slot.clone());
        slot
    }

    fn lock_opened(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        // A panic elsewhere cannot leave the map half-written: inserts and clears are whole.
        self.opened
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn aes_key(bytes: &[u8]) -> Result<RandomizedNonceKey, SealError> {
    RandomizedNonceKey::new(&AES_256_GCM, bytes)
        .map_err(|_| SealError::KeyService("the data key is not 256 bits".into()))
}

/// What a sealed blob is bound to: its webhook, so that it cannot be copied to another.
fn bound_to(webhook: &Webhook) -> Vec<u8> {
    format!("hookline webhook {}/{}", webhook.tenant, webhook.id).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CustomHeaders, TenantId, WebhookSecret, WebhookSpec};

    fn webhook(tenant: &str) -> Webhook {
        let spec = WebhookSpec {
            uid: None,
            url: crate::url_guard::WebhookUrl::parse(
                "https://example.com/h",
                &crate::url_guard::UrlPolicy::STRICT,
            )
            .unwrap(),
            event_types: crate::domain::EventTypes::new(vec![
                crate::domain::EventTypePattern::parse("a").unwrap(),
            ])
            .unwrap(),
            filters: vec![],
            description: None,
            active: true,
            headers: CustomHeaders::parse([("x-token".into(), "hunter2".into())].into()).unwrap(),
            metadata: Default::default(),
            verification: Default::default(),
        };
        Webhook::new(
            TenantId::parse(tenant).unwrap(),
            spec,
            WebhookSecret::generate(),
        )
    }

    #[tokio::test]
    async fn sealed_credentials_open_to_what_was_sealed_and_only_for_their_webhook() {
        let keyring = Keyring::new(Arc::new(local::LocalKeys::generate().unwrap()));
        let open = webhook("acme");
        let sealed = keyring.seal(&open).await.unwrap();
        assert!(!sealed.data.contains("hunter2"));
        // The header names are kept in the clear, to be shown without opening anything.
        assert_eq!(sealed.header_names, Some(vec!["x-token".to_owned()]));
        let mut stored = open.clone();
        stored.credentials = Credentials::Sealed(sealed.clone());
        let opened = keyring.open(&stored).await.unwrap();
        assert_eq!(Credentials::Open(opened), open.credentials);
        // A new process opens it through the key service.
        keyring.forget().await;
        assert!(keyring.open(&stored).await.is_ok());
        // Moved to another webhook, it does not open.
        let mut other = webhook("acme");
        other.credentials = Credentials::Sealed(sealed);
        assert!(matches!(
            keyring.open(&other).await,
            Err(SealError::Corrupt)
        ));
        // Another key service cannot open the data key.
        let stranger = Keyring::new(Arc::new(local::LocalKeys::generate().unwrap()));
        assert!(stranger.open(&stored).await.is_err());
    }

    #[tokio::test]
    async fn a_keyring_without_a_key_opens_open_secrets_and_seals_nothing() {
        let keyring = Keyring::for_setting(&crate::config::SealingKey::Absent, None).unwrap();
        let open = webhook("acme");
        assert!(keyring.open(&open).await.is_ok());
        assert!(matches!(
            keyring.seal(&open).await,
            Err(SealError::KeyService(_))
        ));
        let sealed = Keyring::new(Arc::new(local::LocalKeys::generate().unwrap()));
        let mut stored = open.clone();
        stored.credentials = Credentials::Sealed(sealed.seal(&open).await.unwrap());
        assert!(keyring.open(&stored).await.is_err());
    }

    /// Counts the key service's decrypts.
    struct Counting(local::LocalKeys, std::sync::atomic::AtomicUsize);

    #[async_trait]
    impl KeyService for Counting {
        async fn generate_data_key(&self) -> Result<DataKey, SealError> {
            self.0.generate_data_key().await
        }
        async fn decrypt(&self, encrypted: &[u8]) -> Result<Vec<u8>, SealError> {
            self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            self.0.decrypt(encrypted).await
        }
    }

    #[tokio::test]
    async fn opens_at_the_same_time_call_the_key_service_once() {
        let service = Arc::new(Counting(
            local::LocalKeys::generate().unwrap(),
            Default::default(),
        ));
        let keyring = Keyring::new(service.clone());
        let mut stored = webhook("acme");
        stored.credentials = Credentials::Sealed(keyring.seal(&stored).await.unwrap());
        keyring.forget().await;
        let opens = (0..16).map(|_| keyring.open(&stored));
        for opened in futures::future::join_all(opens).await {
            assert!(opened.is_ok());
        }
        assert_eq!(service.1.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
