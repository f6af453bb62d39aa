//! `AppContext`: what every handler needs, built once per process.

use crate::config::{AuthMode, Config};
use crate::store::dynamodb::DynamoStore;
use crate::store::memory::{MemoryKeyStore, MemoryWebhookStore};
use crate::store::{KeyStore, WebhookStore};
use crate::url_guard::UrlPolicy;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppContext {
    pub config: Arc<Config>,
    pub webhooks: Arc<dyn WebhookStore>,
    pub keys: Arc<dyn KeyStore>,
}

impl AppContext {
    /// The Lambda context: DynamoDB through the SDK's environment (region, credentials,
    /// `AWS_ENDPOINT_URL`), settings from `Config::from_env`.
    pub async fn from_env() -> Result<Self, crate::config::ConfigError> {
        let config = Config::from_env()?;
        let store = DynamoStore::new(DynamoStore::client(None).await, config.table_name.clone());
        Ok(Self::with_store(config, store))
    }

    /// Both stores backed by one DynamoDB table.
    pub fn with_store(config: Config, store: DynamoStore) -> Self {
        let store = Arc::new(store);
        Self {
            config: Arc::new(config),
            webhooks: store.clone(),
            keys: store,
        }
    }

    /// Everything in memory: the local server's default and the handler tests'.
    pub fn in_memory(config: Config) -> Self {
        Self {
            config: Arc::new(config),
            webhooks: Arc::new(MemoryWebhookStore::default()),
            keys: Arc::new(MemoryKeyStore::default()),
        }
    }

    /// A development context: in memory, keys checked by the handlers, URL rules relaxed.
    pub fn development() -> Self {
        Self::in_memory(Config {
            strict_urls: false,
            auth: AuthMode::KeyStore,
            ..Config::default()
        })
    }

    pub fn url_policy(&self) -> UrlPolicy {
        if self.config.strict_urls {
            UrlPolicy::STRICT
        } else {
            UrlPolicy::DEVELOPMENT
        }
    }
}
