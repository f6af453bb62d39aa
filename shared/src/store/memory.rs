//! In-memory adapters: the local server's default and the handler tests' store. Same
//! semantics as DynamoDB (checked by the shared conformance suite), guarded by one mutex each.

use super::{CatalogStore, KeyStore, StoreError, TenantSettingsStore, WebhookQuota, WebhookStore};
use crate::domain::{
    ApiKeyId, ApiKeyRecord, CatalogEntry, EventType, HealthChange, KeyHash, KeyOwner, TenantId,
    Webhook, WebhookId, WebhookUid, uid_key,
};
use crate::tenant_settings::{SettingsPatch, TenantSettings};
use async_trait::async_trait;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

#[derive(Default)]
struct Tenant {
    webhooks: BTreeMap<WebhookId, Webhook>,
    /// Each webhook's unique keys (conflict key, uid), to the webhook holding it.
    unique: HashMap<String, WebhookId>,
    routing_version: u64,
}

impl Tenant {
    /// `UnverifiedLimitReached` when the tenant holds `max` unverified webhooks already.
    /// Counted under the store's one lock, in the same step as the write that follows.
    fn unverified_room(&self, max: Option<u32>) -> Result<(), StoreError> {
        let held = self.webhooks.values().filter(|w| w.unverified).count();
        match max {
            Some(max) if held >= max as usize => Err(StoreError::UnverifiedLimitReached),
            _ => Ok(()),
        }
    }
}

#[derive(Default)]
pub struct MemoryWebhookStore {
    tenants: Mutex<HashMap<TenantId, Tenant>>,
}

impl MemoryWebhookStore {
    fn lock(&self) -> MutexGuard<'_, HashMap<TenantId, Tenant>> {
        // A poisoned lock only means another request panicked mid-way; the map itself is
        // always left consistent because every change below is applied in one step.
        self.tenants.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl WebhookStore for MemoryWebhookStore {
    async fn insert(&self, webhook: &Webhook, quota: WebhookQuota) -> Result<(), StoreError> {
        let mut tenants = self.lock();
        let tenant = tenants.entry(webhook.tenant.clone()).or_default();
        let keys = webhook.unique_keys();
        if keys.iter().any(|k| tenant.unique.contains_key(k)) {
            return Err(StoreError::Conflict);
        }
        if tenant.webhooks.len() >= quota.webhooks as usize {
            return Err(StoreError::LimitReached);
        }
        if webhook.unverified {
            tenant.unverified_room(quota.unverified)?;
        }
        for key in keys {
            tenant.unique.insert(key, webhook.id);
        }
        tenant.webhooks.insert(webhook.id, webhook.clone());
        tenant.routing_version += 1;
        Ok(())
    }

    async fn get(&self, tenant: &TenantId, id: &WebhookId) -> Result<Option<Webhook>, StoreError> {
        Ok(self
            .lock()
            .get(tenant)
            .and_then(|t| t.webhooks.get(id))
            .cloned())
    }

    async fn list(
        &self,
        tenant: &TenantId,
        after: Option<&WebhookId>,
        limit: usize,
    ) -> Result<Vec<Webhook>, StoreError> {
        let tenants = self.lock();
        let Some(t) = tenants.get(tenant) else {
            return Ok(Vec::new());
        };
        let iter: Box<dyn Iterator<Item = &Webhook>> = match after {
            Some(after) => Box::new(
                t.webhooks
                    .range((
                        std::ops::Bound::Excluded(*after),
                        std::ops::Bound::Unbounded,
                    ))
                    .map(|(_, w)| w),
            ),
            None => Box::new(t.webhooks.values()),
        };
        Ok(iter.take(limit).cloned().collect())
    }

    async fn update(
        &self,
        previous: &Webhook,
        next: &Webhook,
        unverified: Option<u32>,
    ) -> Result<(), StoreError> {
        let mut tenants = self.lock();
        let tenant = tenants.get_mut(&previous.tenant).ok_or(StoreError::Stale)?;
        match tenant.webhooks.get(&previous.id) {
            Some(stored) if stored.version == previous.version => {}
            _ => return Err(StoreError::Stale),
        }
        let (old_keys, new_keys) = (previous.unique_keys(), next.unique_keys());
        let taken = |k: &String| {
            tenant
                .unique
                .get(k)
                .is_some_and(|holder| holder != &next.id)
        };
        if new_keys.iter().any(taken) {
            return Err(StoreError::Conflict);
        }
        if next.unverified && !previous.unverified {
            tenant.unverified_room(unverified)?;
        }
        for key in old_keys.iter().filter(|k| !new_keys.contains(k)) {
            tenant.unique.remove(key);
        }
        for key in new_keys {
            tenant.unique.insert(key, next.id);
        }
        // As DynamoDB's update writes only what changed: health written meanwhile is kept.
        let mut merged = next.clone();
        if let Some(stored) = tenant.webhooks.get(&previous.id) {
            keep_unchanged_health(&mut merged, previous, stored);
        }
        tenant.webhooks.insert(next.id, merged);
        tenant.routing_version += 1;
        Ok(())
    }

    async fn find_uid(
        &self,
        tenant: &TenantId,
        uid: &WebhookUid,
    ) -> Result<Option<WebhookId>, StoreError> {
        Ok(self
            .lock()
            .get(tenant)
            .and_then(|t| t.unique.get(&uid_key(uid)))
            .copied())
    }

    async fn routing_version(&self, tenant: &TenantId) -> Result<u64, StoreError> {
        Ok(self.lock().get(tenant).map_or(0, |t| t.routing_version))
    }

    async fn record_health(
        &self,
        tenant: &TenantId,
        id: &WebhookId,
        change: &HealthChange,
    ) -> Result<bool, StoreError> {
        let mut tenants = self.lock();
        let Some(t) = tenants.get_mut(tenant) else {
            return Ok(false);
        };
        let Some(stored) = t.webhooks.get_mut(id) else {
            return Ok(false);
        };
        let next = stored.with_health(change);
        let disabled = stored.active && !next.active;
        *stored = next;
        if disabled {
            t.routing_version += 1;
        }
        Ok(true)
    }

    async fn delete(&self, webhook: &Webhook) -> Result<(), StoreError> {
        let mut tenants = self.lock();
        let tenant = tenants.get_mut(&webhook.tenant).ok_or(StoreError::Stale)?;
        match tenant.webhooks.get(&webhook.id) {
            Some(stored) if stored.version == webhook.version => {}
            _ => return Err(StoreError::Stale),
        }
        tenant.webhooks.remove(&webhook.id);
        for key in webhook.unique_keys() {
            tenant.unique.remove(&key);
        }
        tenant.routing_version += 1;
        Ok(())
    }
}

/// Where an edit left a health field as it read it, the stored value stands.
fn keep_unchanged_health(next: &mut Webhook, previous: &Webhook, stored: &Webhook) {
    if next.last_success_at == previous.last_success_at {
        next.last_success_at = stored.last_success_at;
    }
    if next.last_failure_at == previous.last_failure_at {
        next.last_failure_at = stored.last_failure_at;
    }
    if next.last_failure_content == previous.last_failure_content {
        next.last_failure_content = stored.last_failure_content.clone();
    }
    if next.consecutive_failures == previous.consecutive_failures {
        next.consecutive_failures = stored.consecutive_failures;
    }
    if next.failing_since == previous.failing_since {
        next.failing_since = stored.failing_since;
    }
}

#[derive(Default)]
struct Keys {
    by_id: BTreeMap<ApiKeyId, ApiKeyRecord>,
    by_hash: HashMap<KeyHash, ApiKeyId>,
}

#[derive(Default)]
pub struct MemoryKeyStore {
    keys: Mutex<Keys>,
}

impl MemoryKeyStore {
    fn lock(&self) -> MutexGuard<'_, Keys> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl KeyStore for MemoryKeyStore {
    async fn put(&self, record: &ApiKeyRecord) -> Result<(), StoreError> {
        let mut keys = self.lock();
        if let Some(old) = keys.by_hash.insert(record.hash.clone(), record.id) {
            keys.by_id.remove(&old);
        }
        keys.by_id.insert(record.id, record.clone());
        Ok(())
    }

    async fn find_by_hash(&self, hash: &KeyHash) -> Result<Option<ApiKeyRecord>, StoreError> {
        let keys = self.lock();
        Ok(keys
            .by_hash
            .get(hash)
            .and_then(|id| keys.by_id.get(id))
            .cloned())
    }

    async fn list(&self, owner: Option<&KeyOwner>) -> Result<Vec<ApiKeyRecord>, StoreError> {
        Ok(self
            .lock()
            .by_id
            .values()
            .filter(|r| owner.is_none_or(|o| &r.owner == o))
            .cloned()
            .collect())
    }

    async fn list_page(
        &self,
        tenant: &TenantId,
        after: Option<&ApiKeyId>,
        limit: usize,
    ) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let keys = self.lock();
        let from = after.map_or(std::ops::Bound::Unbounded, |a| {
            std::ops::Bound::Excluded(*a)
        });
        Ok(keys
            .by_id
            .range((from, std::ops::Bound::Unbounded))
            .map(|(_, r)| r)
            .filter(|r| r.owner.tenant() == Some(tenant))
            .take(limit)
            .cloned()
            .collect())
    }

    async fn revoke(&self, id: &ApiKeyId, owner: Option<&KeyOwner>) -> Result<bool, StoreError> {
        let mut keys = self.lock();
        let Some(record) = keys.by_id.get(id) else {
            return Ok(false);
        };
        if owner.is_some_and(|o| &record.owner != o) {
            return Ok(false);
        }
        let hash = record.hash.clone();
        keys.by_id.remove(id);
        keys.by_hash.remove(&hash);
        Ok(true)
    }
}

/// The catalog in memory, by name.
#[derive(Default)]
pub struct MemoryCatalogStore {
    entries: Mutex<BTreeMap<EventType, CatalogEntry>>,
}

impl MemoryCatalogStore {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<EventType, CatalogEntry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl CatalogStore for MemoryCatalogStore {
    async fn insert(&self, entry: &CatalogEntry) -> Result<(), StoreError> {
        let mut entries = self.lock();
        if entries.contains_key(&entry.name) {
            return Err(StoreError::Conflict);
        }
        entries.insert(entry.name.clone(), entry.clone());
        Ok(())
    }

    async fn get(&self, name: &EventType) -> Result<Option<CatalogEntry>, StoreError> {
        Ok(self.lock().get(name).cloned())
    }

    async fn list(
        &self,
        after: Option<&EventType>,
        limit: usize,
    ) -> Result<Vec<CatalogEntry>, StoreError> {
        let entries = self.lock();
        let from = after.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
        Ok(entries
            .range((from, std::ops::Bound::Unbounded))
            .take(limit)
            .map(|(_, e)| e.clone())
            .collect())
    }

    async fn replace(
        &self,
        previous: &CatalogEntry,
        next: &CatalogEntry,
    ) -> Result<(), StoreError> {
        let mut entries = self.lock();
        match entries.get(&previous.name) {
            Some(stored) if stored.updated_at == previous.updated_at => {
                entries.insert(next.name.clone(), next.clone());
                Ok(())
            }
            _ => Err(StoreError::Stale),
        }
    }

    async fn delete(&self, name: &EventType) -> Result<bool, StoreError> {
        Ok(self.lock().remove(name).is_some())
    }
}

/// Each tenant's settings in memory.
#[derive(Default)]
pub struct MemoryTenantSettingsStore {
    settings: Mutex<HashMap<TenantId, TenantSettings>>,
}

impl MemoryTenantSettingsStore {
    fn lock(&self) -> MutexGuard<'_, HashMap<TenantId, TenantSettings>> {
        self.settings.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl TenantSettingsStore for MemoryTenantSettingsStore {
    async fn get_settings(&self, tenant: &TenantId) -> Result<TenantSettings, StoreError> {
        Ok(self.lock().get(tenant).copied().unwrap_or_default())
    }

    async fn update_settings(
        &self,
        tenant: &TenantId,
        patch: &SettingsPatch,
    ) -> Result<TenantSettings, StoreError> {
        let mut settings = self.lock();
        let stored = settings.entry(tenant.clone()).or_default();
        *stored = stored.patched(patch);
        Ok(*stored)
    }
}
