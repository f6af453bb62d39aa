//! `AppContext`: what every handler needs, built once per process.

use crate::catalog::CatalogCache;
use crate::config::Config;
use crate::queue::TaskQueue;
use crate::queue::memory::MemoryQueue;
use crate::queue::sqs::SqsQueue;
use crate::quota::{InFlightCap, PublishQuota};
use crate::routing::RoutingCache;
use crate::seal::Keyring;
use crate::store::dynamodb::DynamoStore;
use crate::store::memory::{MemoryCatalogStore, MemoryKeyStore, MemoryWebhookStore};
use crate::store::{
    CatalogStore, EventStore, ExecutionStore, KeyStore, MemoryDeliveryStore, WebhookStore,
};
use crate::url_guard::UrlPolicy;
use crate::url_guard::client::DeliveryClient;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct AppContext {
    pub config: Arc<Config>,
    pub webhooks: Arc<dyn WebhookStore>,
    pub keys: Arc<dyn KeyStore>,
    pub events: Arc<dyn EventStore>,
    pub executions: Arc<dyn ExecutionStore>,
    /// The event-type catalog, and this process's compiled copy of it.
    pub catalog: Arc<dyn CatalogStore>,
    pub catalog_cache: Arc<CatalogCache>,
    /// Delivery tasks.
    pub queue: Arc<dyn TaskQueue>,
    /// Where a delivery goes when its last attempt failed, with its record.
    pub dead_letters: Arc<dyn TaskQueue>,
    /// Sends deliveries under the URL policy: no redirects, vetted addresses only.
    pub http: DeliveryClient,
    /// The routes of each tenant's active webhooks, kept between publishes.
    pub routes: Arc<RoutingCache>,
    /// Each tenant's publish rate, leased from the event store.
    pub publish_quota: Arc<PublishQuota>,
    /// Opens webhooks' sealed secrets (the DynamoDB store seals with the same keyring).
    pub keyring: Arc<Keyring>,
    /// Failing webhooks' attempts in flight.
    pub in_flight: Arc<InFlightCap>,
}

/// The client webhook requests go out on, under the configured URL rules and time limit.
pub fn delivery_client(config: &Config) -> Result<DeliveryClient, reqwest::Error> {
    DeliveryClient::new(
        config.urls.clone(),
        config.dns_overrides.clone(),
        config.delivery.timeout,
    )
}

/// How long a received task stays hidden: one attempt, plus a margin for recording it.
pub fn visibility_timeout(config: &Config) -> Duration {
    config.delivery.timeout + Duration::from_secs(15)
}

/// Why a process could not start: it fails its cold start rather than run half-configured.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("building the delivery HTTP client failed")]
    DeliveryClient(#[from] reqwest::Error),
    #[error("the sealing key: {0}")]
    Sealing(String),
}

impl AppContext {
    /// The Lambda context: DynamoDB and SQS through the SDK's environment (region,
    /// credentials, `AWS_ENDPOINT_URL`), settings from `Config::from_env`.
    pub async fn from_env() -> Result<Self, StartError> {
        let config = Config::from_env()?;
        let sdk = crate::aws::sdk_config(None).await;
        let keyring =
            Keyring::for_setting(&config.sealing, Some(&sdk)).map_err(StartError::Sealing)?;
        let store = DynamoStore::new(
            crate::aws::dynamodb_client(&sdk),
            config.table_name.clone(),
            Arc::new(keyring),
        );
        let sqs = crate::aws::sqs_client(&sdk);
        // A function that never queues anything (the CRUD routes) runs without queue URLs;
        // a send would then fail loudly rather than vanish.
        let queue = SqsQueue::new(sqs.clone(), config.queue_url.clone().unwrap_or_default());
        let dead_letters = SqsQueue::new(
            sqs,
            config.dead_letter_queue_url.clone().unwrap_or_default(),
        );
        Self::with_backends(config, store, Arc::new(queue), Arc::new(dead_letters))
    }

    /// Every store in one DynamoDB table, with these queues.
    pub fn with_backends(
        config: Config,
        store: DynamoStore,
        queue: Arc<dyn TaskQueue>,
        dead_letters: Arc<dyn TaskQueue>,
    ) -> Result<Self, StartError> {
        let keyring = store.keyring().clone();
        let store = Arc::new(store);
        let http = delivery_client(&config)?;
        let config_rate = config.tenant_events_per_second;
        Ok(Self {
            keyring,
            config: Arc::new(config),
            webhooks: store.clone(),
            keys: store.clone(),
            events: store.clone(),
            catalog: store.clone(),
            catalog_cache: Arc::default(),
            executions: store,
            queue,
            dead_letters,
            http,
            routes: Arc::default(),
            publish_quota: Arc::new(PublishQuota::new(config_rate)),
            in_flight: Arc::default(),
        })
    }

    /// Every store in DynamoDB, queues in memory.
    pub fn with_store(config: Config, store: DynamoStore) -> Result<Self, StartError> {
        let (queue, dead_letters) = memory_queues(&config);
        Self::with_backends(config, store, queue, dead_letters)
    }

    /// Everything in memory: the local server's default and the handler tests'.
    pub fn in_memory(config: Config) -> Result<Self, StartError> {
        let (queue, dead_letters) = memory_queues(&config);
        let deliveries = Arc::new(MemoryDeliveryStore::default());
        let http = delivery_client(&config)?;
        let config_rate = config.tenant_events_per_second;
        // The in-memory store keeps secrets open: nothing it holds is at rest.
        let keyring = Keyring::for_setting(&crate::config::SealingKey::Generated, None)
            .map_err(StartError::Sealing)?;
        Ok(Self {
            keyring: Arc::new(keyring),
            config: Arc::new(config),
            webhooks: Arc::new(MemoryWebhookStore::default()),
            keys: Arc::new(MemoryKeyStore::default()),
            events: deliveries.clone(),
            executions: deliveries,
            catalog: Arc::new(MemoryCatalogStore::default()),
            catalog_cache: Arc::default(),
            queue,
            dead_letters,
            http,
            routes: Arc::default(),
            publish_quota: Arc::new(PublishQuota::new(config_rate)),
            in_flight: Arc::default(),
        })
    }

    /// When records made `now` (events, deliveries, executions) expire.
    pub fn records_expire_at(&self, now: crate::domain::Timestamp) -> crate::domain::Timestamp {
        now.plus(self.config.delivery.execution_ttl)
    }

    pub fn url_policy(&self) -> &UrlPolicy {
        &self.config.urls
    }
}

fn memory_queues(config: &Config) -> (Arc<dyn TaskQueue>, Arc<dyn TaskQueue>) {
    let visibility = visibility_timeout(config);
    (
        Arc::new(MemoryQueue::new(visibility)),
        Arc::new(MemoryQueue::new(visibility)),
    )
}
