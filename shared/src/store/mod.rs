//! Storage ports, one trait per aggregate, with the tenant in every call; adapters for
//! DynamoDB (`dynamodb`) and memory (`memory`) pass the same conformance suite
//! (`hookline-tests`), so they cannot drift apart.

pub mod dynamodb;
pub mod memory;
mod memory_delivery;

pub use memory_delivery::MemoryDeliveryStore;

use crate::domain::{
    ApiKeyId, ApiKeyRecord, CatalogEntry, Delivery, Ended, EndedDelivery, Event, EventId,
    EventType, Execution, ExecutionId, HealthChange, KeyHash, KeyOwner, ListedEvent, TenantId,
    TimeRange, Timestamp, Webhook, WebhookId, WebhookUid,
};
use crate::tenant_settings::{SettingsPatch, TenantSettings};
use async_trait::async_trait;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The tenant already has a webhook for the same url and set of event types.
    #[error("a webhook with the same url and event types exists")]
    Conflict,
    /// The tenant already holds its maximum number of webhooks.
    #[error("the tenant holds its maximum number of webhooks")]
    LimitReached,
    /// The tenant already holds its maximum number of unverified webhooks.
    #[error("the tenant holds its maximum number of unverified webhooks")]
    UnverifiedLimitReached,
    /// The record changed (or vanished) since it was read; read again and retry.
    #[error("the record changed since it was read")]
    Stale,
    /// The database failed or could not be reached.
    #[error("storage backend failed")]
    Backend(#[source] BoxError),
}

impl StoreError {
    pub fn backend(error: impl Into<BoxError>) -> Self {
        StoreError::Backend(error.into())
    }
}

/// Where an idempotency key stands when a publish claims it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The key was free: the caller holds it now, for the event id it gave. Publish, then
    /// complete it or hand it back.
    Claimed,
    /// A publish with this key stopped before answering (it died, or handed the key back
    /// after a failure): the caller holds the key now, for that publish's event, which may
    /// be stored and partly queued. `unsent`: the deliveries it knows it did not queue
    /// (`None` when it died without saying).
    Resumed {
        event: EventId,
        unsent: Option<Vec<WebhookId>>,
    },
    /// Another publish holds it and has not finished.
    InFlight,
    /// A publish with this key finished: its answer, to give again.
    Answered(String),
}

/// A publish's hold on an idempotency key: the event the key names from now on, how long
/// the hold keeps others out while the publish runs, and when the key is forgotten.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyHold {
    pub event: EventId,
    pub until: Timestamp,
    pub expires_at: Timestamp,
}

/// The rates counted across every process, each tenant's in counters of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rate {
    /// Events published (`events_per_second`).
    Publishes,
    /// Delivery attempts started (`deliveries_per_second`).
    Deliveries,
}

/// One window of a rate: its number (every process agrees on it), the most it allows, and
/// when its counter lapses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateWindow {
    pub rate: Rate,
    pub window: i64,
    pub limit: u32,
    pub expires_at: Timestamp,
}

/// How many webhooks a tenant may hold, and how many of them unverified: checked in the
/// same write as the webhook, so that concurrent requests cannot pass them together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WebhookQuota {
    pub webhooks: u32,
    /// `None`: no limit.
    pub unverified: Option<u32>,
}

impl WebhookQuota {
    /// At most `max` webhooks, unverified or not.
    pub const fn webhooks(max: u32) -> Self {
        Self {
            webhooks: max,
            unverified: None,
        }
    }
}

#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Stores a new webhook. `Conflict` when its `conflict_key` is taken in the tenant,
    /// `LimitReached` when the tenant already holds `quota.webhooks` webhooks,
    /// `UnverifiedLimitReached` when the webhook is unverified and the tenant already holds
    /// `quota.unverified` such.
    async fn insert(&self, webhook: &Webhook, quota: WebhookQuota) -> Result<(), StoreError>;

    async fn get(&self, tenant: &TenantId, id: &WebhookId) -> Result<Option<Webhook>, StoreError>;

    /// Up to `limit` webhooks of the tenant with ids after `after`, in id (creation) order.
    async fn list(
        &self,
        tenant: &TenantId,
        after: Option<&WebhookId>,
        limit: usize,
    ) -> Result<Vec<Webhook>, StoreError>;

    /// Writes what changed from `previous` (as it was read) to `next` (`next.version` is
    /// `previous.version + 1`), and nothing else: a delivery's health write made meanwhile
    /// is kept. `Stale` when the stored version is no longer `previous`'s, `Conflict` when
    /// the new url and event types are taken by another webhook, `UnverifiedLimitReached`
    /// when `next` becomes unverified and the tenant already holds `unverified` such
    /// (`None`: no limit).
    async fn update(
        &self,
        previous: &Webhook,
        next: &Webhook,
        unverified: Option<u32>,
    ) -> Result<(), StoreError>;

    /// A number that changes whenever which webhooks of the tenant an event would go to may
    /// have changed (a webhook created, edited, deleted or disabled): a cached view of them is
    /// current while it is the same. One small strongly consistent read.
    /// The id of the tenant's webhook with this uid.
    async fn find_uid(
        &self,
        tenant: &TenantId,
        uid: &WebhookUid,
    ) -> Result<Option<WebhookId>, StoreError>;

    async fn routing_version(&self, tenant: &TenantId) -> Result<u64, StoreError>;

    /// Applies an attempt's effect (`Webhook::with_health`) to the stored webhook in one
    /// write that no edit can make fail: counters are added to, not replaced. `false` when
    /// the webhook is gone.
    async fn record_health(
        &self,
        tenant: &TenantId,
        id: &WebhookId,
        change: &HealthChange,
    ) -> Result<bool, StoreError>;

    /// Deletes the webhook as it was read (and frees its place in the unverified quota);
    /// `Stale` when it changed or vanished meanwhile.
    async fn delete(&self, webhook: &Webhook) -> Result<(), StoreError>;
}

#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Stores a key's record; a record with the same hash is replaced.
    async fn put(&self, record: &ApiKeyRecord) -> Result<(), StoreError>;

    async fn find_by_hash(&self, hash: &KeyHash) -> Result<Option<ApiKeyRecord>, StoreError>;

    /// Every key, or one owner's, oldest first. For the operator tool, not request paths.
    async fn list(&self, owner: Option<&KeyOwner>) -> Result<Vec<ApiKeyRecord>, StoreError>;

    /// One tenant's keys, oldest first, from after `after`: a page of the API's list.
    async fn list_page(
        &self,
        tenant: &TenantId,
        after: Option<&ApiKeyId>,
        limit: usize,
    ) -> Result<Vec<ApiKeyRecord>, StoreError>;

    /// Removes a key (only if it is `owner`'s, when given); `false` when there was none.
    async fn revoke(&self, id: &ApiKeyId, owner: Option<&KeyOwner>) -> Result<bool, StoreError>;
}

/// Events, where each of their deliveries stands, and idempotency keys. Every record carries
/// an expiry; reads skip what has expired (DynamoDB's TTL deletes lazily, days late).
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Stores a new event; `false`, writing nothing, when a live event with its id exists
    /// already (an id that follows from an idempotency key: the event was stored before).
    async fn put_event(&self, event: &Event, expires_at: Timestamp) -> Result<bool, StoreError>;

    async fn get_event(
        &self,
        tenant: &TenantId,
        id: &EventId,
        now: Timestamp,
    ) -> Result<Option<Event>, StoreError>;

    /// Up to `limit` of the tenant's events made in `range` and before `before`, newest
    /// first, with their data when `with_data`. One Query of the tenant's events, never a scan.
    async fn list_events(
        &self,
        tenant: &TenantId,
        range: TimeRange,
        before: Option<&EventId>,
        limit: usize,
        with_data: bool,
        now: Timestamp,
    ) -> Result<Vec<ListedEvent>, StoreError>;

    /// Writes (or overwrites) these deliveries of one event.
    async fn put_deliveries(
        &self,
        tenant: &TenantId,
        deliveries: &[Delivery],
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;

    /// The record of the event's delivery to the webhook, read strongly consistently. The
    /// adapters read the one record; this default reads the event's every record.
    async fn get_delivery(
        &self,
        tenant: &TenantId,
        event_id: &EventId,
        webhook_id: &WebhookId,
        now: Timestamp,
    ) -> Result<Option<Delivery>, StoreError> {
        let all = self.list_deliveries(tenant, event_id, now).await?;
        Ok(all.into_iter().find(|d| d.webhook_id == *webhook_id))
    }

    /// Every delivery of an event, by webhook id.
    async fn list_deliveries(
        &self,
        tenant: &TenantId,
        event_id: &EventId,
        now: Timestamp,
    ) -> Result<Vec<Delivery>, StoreError>;

    /// Claims the idempotency `key` for a publish: free, it names `hold.event` from now on;
    /// held by a publish whose hold lapsed without an answer, the caller takes it over for
    /// that publish's event. Either way it is held until `hold.until` unless completed, so a
    /// publish that dies blocks its key only that long.
    async fn claim_idempotency_key(
        &self,
        tenant: &TenantId,
        key: &str,
        hold: KeyHold,
        now: Timestamp,
    ) -> Result<Claim, StoreError>;

    /// Stores the finished publish's answer under its claimed key, until `expires_at`.
    async fn complete_idempotency_key(
        &self,
        tenant: &TenantId,
        key: &str,
        response: &str,
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Ends a claim whose publish failed part way: the key keeps its event, and the next
    /// claim resumes it at once, queueing the deliveries in `unsent` (those this publish
    /// did not queue).
    async fn hand_back_idempotency_key(
        &self,
        tenant: &TenantId,
        key: &str,
        unsent: &[WebhookId],
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Takes up to `want` of what `tenant` may do in one window of a rate (`RateWindow`),
    /// from one counter all processes share; answers how many it got: `want`, what was
    /// left, or 0 when the window is spent. The counter lapses with the window.
    async fn lease_rate(
        &self,
        tenant: &TenantId,
        window: RateWindow,
        want: u32,
    ) -> Result<u32, StoreError>;
}

/// A stored event as the sweep (`crate::sweep`) reads it: with the webhooks whose delivery
/// to it has a record.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedEvent {
    pub event: Event,
    pub recorded: Vec<WebhookId>,
}

/// How far the sweep got: every minute before `minute` is swept; in it, the tenants before
/// `tenant` (the published ones, in order), and of `tenant` its events up to `event` (all of
/// them when `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SweepProgress {
    /// Unix minutes (milliseconds / 60,000).
    pub minute: i64,
    pub tenant: Option<TenantId>,
    pub event: Option<EventId>,
}

/// What the sweep reads: which tenants published in each minute (an activity mark, written
/// at most once a minute per tenant by each process), each tenant's events of a minute with
/// their delivery records, and how far it got. Bounded reads only, never a scan.
#[async_trait]
pub trait SweepStore: Send + Sync {
    /// Notes that `tenant` publishes events made in `minute` (unix minutes), until
    /// `expires_at`.
    async fn mark_active(
        &self,
        minute: i64,
        tenant: &TenantId,
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Up to `limit` of the tenants marked active in `minute`, after `after`, in order.
    async fn active_tenants(
        &self,
        minute: i64,
        after: Option<&TenantId>,
        limit: usize,
    ) -> Result<Vec<TenantId>, StoreError>;

    /// Up to `limit` of the tenant's live events made in `minute` after `after`, in id
    /// order, each with the webhooks whose delivery has a record.
    async fn minute_events(
        &self,
        tenant: &TenantId,
        minute: i64,
        after: Option<&EventId>,
        limit: usize,
        now: Timestamp,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// How far the sweep got; `None` before its first run.
    async fn sweep_progress(&self) -> Result<Option<SweepProgress>, StoreError>;

    async fn set_sweep_progress(&self, progress: &SweepProgress) -> Result<(), StoreError>;
}

/// Each tenant's own settings (`tenant_settings`): one small record per tenant.
#[async_trait]
pub trait TenantSettingsStore: Send + Sync {
    /// The tenant's settings; every field unset when it never had any.
    async fn get_settings(&self, tenant: &TenantId) -> Result<TenantSettings, StoreError>;

    /// Applies a merge patch in one write that changes only the fields it names (two patches
    /// of different fields at once both hold); the settings as they now are.
    async fn update_settings(
        &self,
        tenant: &TenantId,
        patch: &SettingsPatch,
    ) -> Result<TenantSettings, StoreError>;
}

/// The event-type catalog, one for the deployment, by name.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Adds an entry; `Conflict` when its name is taken.
    async fn insert(&self, entry: &CatalogEntry) -> Result<(), StoreError>;

    async fn get(&self, name: &EventType) -> Result<Option<CatalogEntry>, StoreError>;

    /// Up to `limit` entries after `after`, by name.
    async fn list(
        &self,
        after: Option<&EventType>,
        limit: usize,
    ) -> Result<Vec<CatalogEntry>, StoreError>;

    /// Replaces the entry `previous` as read; `Stale` when it changed or went meanwhile.
    async fn replace(&self, previous: &CatalogEntry, next: &CatalogEntry)
    -> Result<(), StoreError>;

    /// Removes an entry; `false` when there was none.
    async fn delete(&self, name: &EventType) -> Result<bool, StoreError>;
}

/// The execution history: one record per attempt.
#[async_trait]
pub trait ExecutionStore: Send + Sync {
    /// Stores a new record; `Conflict` when one with its id exists (a first attempt made
    /// twice, see `ExecutionId::first_attempt`), which is then left as it was.
    async fn insert(&self, execution: &Execution, expires_at: Timestamp) -> Result<(), StoreError>;

    /// The live records among these (webhook, execution) ids, in no particular order.
    async fn get_many(
        &self,
        tenant: &TenantId,
        keys: &[(WebhookId, ExecutionId)],
        now: Timestamp,
    ) -> Result<Vec<Execution>, StoreError>;

    async fn get(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        id: &ExecutionId,
        now: Timestamp,
    ) -> Result<Option<Execution>, StoreError>;

    /// Up to `limit` of a webhook's executions made in `range` and older than `before`,
    /// newest first.
    async fn list(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        range: TimeRange,
        before: Option<&ExecutionId>,
        limit: usize,
        now: Timestamp,
    ) -> Result<Vec<Execution>, StoreError>;

    /// Notes (or notes again) that the delivery of an event to the webhook ended `how`,
    /// beside the webhook's executions, ordered by the event's time.
    async fn note_ended(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        how: Ended,
        delivery: EndedDelivery,
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Forgets that a delivery failed: a later attempt succeeded.
    async fn clear_failed(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        event_id: &EventId,
    ) -> Result<(), StoreError>;

    /// Up to `limit` deliveries noted as failed, of events made in `range` after `after`,
    /// oldest first: what a recover queues again.
    async fn failed(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        range: TimeRange,
        after: Option<&EventId>,
        limit: usize,
        now: Timestamp,
    ) -> Result<Vec<EndedDelivery>, StoreError>;

    /// Counts one attempt starting on the webhook in the window `window` (a number every
    /// process agrees on), unless `limit` started in it already: then `false`, and nothing
    /// is counted. The counter lapses with the window (`expires_at`).
    async fn start_attempt(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        window: i64,
        limit: u32,
        expires_at: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Notes that the automatic retry after attempt `attempt` of the event's delivery to the
    /// webhook is queued (kept at the highest attempt noted): a task of that attempt or an
    /// earlier one that comes back is done already (`queued_after`).
    async fn note_queued(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        event_id: &EventId,
        attempt: u32,
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;

    /// The highest attempt of the delivery whose automatic retry is noted as queued; one
    /// strongly consistent read.
    async fn queued_after(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        event_id: &EventId,
        now: Timestamp,
    ) -> Result<Option<u32>, StoreError>;

    /// How many deliveries are noted as ended `how`, of events made in `range`.
    async fn count_ended(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        how: Ended,
        range: TimeRange,
        now: Timestamp,
    ) -> Result<u64, StoreError>;

    /// Holds the webhook's recover lock for the recover `holder` (a number each recover draws
    /// for itself) until `until`: taken when no recover holds it or the holder's
    /// `until` is before `now`, renewed when `holder` holds it. `false` while another recover
    /// holds it.
    async fn hold_recover(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        holder: i64,
        until: Timestamp,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Releases the webhook's recover lock, when the recover `holder` holds it still.
    async fn release_recover(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        holder: i64,
    ) -> Result<(), StoreError>;
}
