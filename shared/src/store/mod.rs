//! Storage ports, one trait per aggregate, with the tenant in every call; adapters for
//! DynamoDB (`dynamodb`) and memory (`memory`) pass the same conformance suite
//! (`hookline-tests`), so they cannot drift apart.

pub mod dynamodb;
pub mod memory;

use crate::domain::{ApiKeyId, ApiKeyRecord, KeyHash, TenantId, Webhook, WebhookId};
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

#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Stores a new webhook. `Conflict` when its `conflict_key` is taken in the tenant,
    /// `LimitReached` when the tenant already holds `max_per_tenant` webhooks.
    async fn insert(&self, webhook: &Webhook, max_per_tenant: u32) -> Result<(), StoreError>;

    async fn get(&self, tenant: &TenantId, id: &WebhookId) -> Result<Option<Webhook>, StoreError>;

    /// Up to `limit` webhooks of the tenant with ids after `after`, in id (creation) order.
    async fn list(
        &self,
        tenant: &TenantId,
        after: Option<&WebhookId>,
        limit: usize,
    ) -> Result<Vec<Webhook>, StoreError>;

    /// Replaces `previous` (as it was read) with `next` (`next.version` is
    /// `previous.version + 1`). `Stale` when the stored version is no longer `previous`'s,
    /// `Conflict` when the new url and event types are taken by another webhook.
    async fn update(&self, previous: &Webhook, next: &Webhook) -> Result<(), StoreError>;

    /// Deletes the webhook as it was read; `Stale` when it changed or vanished meanwhile.
    async fn delete(&self, webhook: &Webhook) -> Result<(), StoreError>;
}

#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Stores a key's record; a record with the same hash is replaced.
    async fn put(&self, record: &ApiKeyRecord) -> Result<(), StoreError>;

    async fn find_by_hash(&self, hash: &KeyHash) -> Result<Option<ApiKeyRecord>, StoreError>;

    /// Every key, or one tenant's, oldest first. For the operator tool, not request paths.
    async fn list(&self, tenant: Option<&TenantId>) -> Result<Vec<ApiKeyRecord>, StoreError>;

    /// Removes a key; `false` when there was none with that id.
    async fn revoke(&self, id: &ApiKeyId) -> Result<bool, StoreError>;
}
