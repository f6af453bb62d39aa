//! `AppContext`: what every handler needs, built once per process.

use crate::budget::Ledger;
use crate::catalog::CatalogCache;
use crate::config::Config;
use crate::domain::TenantId;
use crate::queue::TaskQueue;
use crate::queue::memory::MemoryQueue;
use crate::queue::sqs::SqsQueue;
use crate::quota::{InFlightCap, RateQuota};
use crate::routing::RoutingCache;
use crate::seal::Keyring;
use crate::store::Rate;
use crate::store::dynamodb::DynamoStore;
use crate::store::memory::{
    MemoryCatalogStore, MemoryKeyStore, MemoryTenantSettingsStore, MemoryWebhookStore,
};
use crate::store::{
    CatalogStore, EventStore, ExecutionStore, KeyStore, MemoryDeliveryStore, StoreError,
    SweepStore, TenantSettingsStore, WebhookStore,
};
use crate::tenant_settings::{Effective, SettingsCache, SettingsPatch, TenantSettings};
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
    /// What the sweep reads (`crate::sweep`), and the activity marks this process wrote.
    pub sweep: Arc<dyn SweepStore>,
    pub activity: Arc<crate::sweep::ActivityMarks>,
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
    pub publish_quota: Arc<RateQuota>,
    /// Each tenant's delivery rate across every process, leased from the event store.
    pub delivery_quota: Arc<RateQuota>,
    /// Opens webhooks' sealed secrets (the DynamoDB store seals with the same keyring).
    pub keyring: Arc<Keyring>,
    /// Failing webhooks' attempts in flight, counted across every process.
    pub in_flight: Arc<InFlightCap>,
    /// This process's attempts in flight and per second, per tenant and webhook.
    pub budgets: Arc<Ledger>,
    /// Each tenant's own settings, and this process's copy of those it read lately.
    pub tenant_settings: Arc<dyn TenantSettingsStore>,
    pub settings_cache: Arc<SettingsCache>,
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

/// Where a context keeps its records: every store in one DynamoDB table, or in memory.
pub enum Stores {
    Dynamo(DynamoStore),
    Memory,
}

/// The delivery queue and the dead-letter queue.
pub struct Queues {
    pub tasks: Arc<dyn TaskQueue>,
    pub dead_letters: Arc<dyn TaskQueue>,
}

impl Queues {
    /// Both in memory, hiding a received task as SQS would.
    pub fn in_memory(config: &Config) -> Self {
        let visibility = visibility_timeout(config);
        Self {
            tasks: Arc::new(MemoryQueue::new(visibility)),
            dead_letters: Arc::new(MemoryQueue::new(visibility)),
        }
    }
}

/// The stores of `Stores`, one handle per role, and the keyring that opens their secrets.
struct Opened {
    webhooks: Arc<dyn WebhookStore>,
    keys: Arc<dyn KeyStore>,
    events: Arc<dyn EventStore>,
    executions: Arc<dyn ExecutionStore>,
    sweep: Arc<dyn SweepStore>,
    catalog: Arc<dyn CatalogStore>,
    tenant_settings: Arc<dyn TenantSettingsStore>,
    keyring: Arc<Keyring>,
}

impl Stores {
    fn open(self) -> Result<Opened, StartError> {
        Ok(match self {
            Self::Dynamo(store) => {
                let keyring = store.keyring().clone();
                let store = Arc::new(store);
                Opened {
                    webhooks: store.clone(),
                    keys: store.clone(),
                    events: store.clone(),
                    catalog: store.clone(),
                    tenant_settings: store.clone(),
                    sweep: store.clone(),
                    executions: store,
                    keyring,
                }
            }
            Self::Memory => {
                let deliveries = Arc::new(MemoryDeliveryStore::default());
                // The in-memory store keeps secrets open: nothing it holds is at rest, so it
                // needs no key (and none is made).
                let keyring = Keyring::without_key();
                Opened {
                    webhooks: Arc::new(MemoryWebhookStore::default()),
                    keys: Arc::new(MemoryKeyStore::default()),
                    events: deliveries.clone(),
                    sweep: deliveries.clone(),
                    executions: deliveries,
                    catalog: Arc::new(MemoryCatalogStore::default()),
                    tenant_settings: Arc::new(MemoryTenantSettingsStore::default()),
                    keyring: Arc::new(keyring),
                }
            }
        })
    }
}

impl AppContext {
    /// The one builder: every context, in AWS, locally or in a test, is these settings over
    /// these stores and queues.
    pub fn new(config: Config, stores: Stores, queues: Queues) -> Result<Self, StartError> {
        let stores = stores.open()?;
        let http = delivery_client(&config)?;
        Ok(Self {
            config: Arc::new(config),
            webhooks: stores.webhooks,
            keys: stores.keys,
            events: stores.events,
            executions: stores.executions,
            sweep: stores.sweep,
            activity: Arc::default(),
            catalog: stores.catalog,
            catalog_cache: Arc::default(),
            queue: queues.tasks,
            dead_letters: queues.dead_letters,
            http,
            routes: Arc::default(),
            publish_quota: Arc::new(RateQuota::new(Rate::Publishes)),
            delivery_quota: Arc::new(RateQuota::new(Rate::Deliveries)),
            keyring: stores.keyring,
            in_flight: Arc::default(),
            budgets: Arc::default(),
            tenant_settings: stores.tenant_settings,
            settings_cache: Arc::default(),
        })
    }

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
        let queue_url = |url: &Option<String>| url.clone().unwrap_or_default();
        let queues = Queues {
            tasks: Arc::new(SqsQueue::new(sqs.clone(), queue_url(&config.queue_url))),
            dead_letters: Arc::new(SqsQueue::new(sqs, queue_url(&config.dead_letter_queue_url))),
        };
        Self::new(config, Stores::Dynamo(store), queues)
    }

    /// Every store in one DynamoDB table, with these queues.
    pub fn with_backends(
        config: Config,
        store: DynamoStore,
        queue: Arc<dyn TaskQueue>,
        dead_letters: Arc<dyn TaskQueue>,
    ) -> Result<Self, StartError> {
        let queues = Queues {
            tasks: queue,
            dead_letters,
        };
        Self::new(config, Stores::Dynamo(store), queues)
    }

    /// Every store in DynamoDB, queues in memory.
    pub fn with_store(config: Config, store: DynamoStore) -> Result<Self, StartError> {
        let queues = Queues::in_memory(&config);
        Self::new(config, Stores::Dynamo(store), queues)
    }

    /// Everything in memory: the handler tests'.
    pub fn in_memory(config: Config) -> Result<Self, StartError> {
        let queues = Queues::in_memory(&config);
        Self::new(config, Stores::Memory, queues)
    }

    /// When records made `now` (events, deliveries, executions) expire.
    pub fn records_expire_at(&self, now: crate::domain::Timestamp) -> crate::domain::Timestamp {
        now.plus(self.config.delivery.execution_ttl)
    }

    pub fn url_policy(&self) -> &UrlPolicy {
        &self.config.urls
    }

    /// What holds for the tenant: its own settings over the deployment's defaults. Read from
    /// the store at most once per `tenant_settings::CACHE_TTL` (10 s) per process: in AWS a
    /// change takes effect everywhere within that time, in the process that made it at once.
    pub async fn effective_settings(&self, tenant: &TenantId) -> Result<Effective, StoreError> {
        let settings = match self.settings_cache.fresh(tenant) {
            Some(settings) => settings,
            None => self.read_settings(tenant).await?,
        };
        Ok(settings.effective(&self.config))
    }

    /// The tenant's settings as stored now (and remembered for `effective_settings`).
    pub async fn read_settings(&self, tenant: &TenantId) -> Result<TenantSettings, StoreError> {
        let settings = self.tenant_settings.get_settings(tenant).await?;
        self.settings_cache.remember(tenant, settings);
        Ok(settings)
    }

    /// Applies a merge patch to the tenant's settings; this process uses them at once.
    pub async fn update_settings(
        &self,
        tenant: &TenantId,
        patch: &SettingsPatch,
    ) -> Result<TenantSettings, StoreError> {
        let settings = self.tenant_settings.update_settings(tenant, patch).await?;
        self.settings_cache.remember(tenant, settings);
        Ok(settings)
    }
}
