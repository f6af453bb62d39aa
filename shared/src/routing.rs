//! Which webhooks an event goes to. Each process keeps, per tenant, the routes of its active
//! webhooks (id, event type patterns, filters) and checks them with one small read of the
//! tenant's routing version per publish; only when the version moved are the webhooks read
//! again. Matching then costs what a version read costs, whatever the tenant holds.

use crate::domain::{EventType, EventTypes, Filter, TenantId, Webhook, WebhookId};
use crate::store::{StoreError, WebhookStore};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Tenants whose routes a process keeps; past this, the cache starts afresh.
const MAX_TENANTS: usize = 1024;
/// Webhooks read per page when the routes are loaded.
const PAGE: usize = 1000;

struct Route {
    id: WebhookId,
    event_types: EventTypes,
    filters: Vec<Filter>,
}

struct Routes {
    version: u64,
    /// Active webhooks, in creation order.
    routes: Vec<Route>,
}

impl Routes {
    fn matching(&self, event_type: &EventType, data: &serde_json::Value) -> Vec<WebhookId> {
        self.routes
            .iter()
            .filter(|r| {
                r.event_types.matches(event_type) && r.filters.iter().all(|f| f.matches(data))
            })
            .map(|r| r.id)
            .collect()
    }
}

#[derive(Default)]
pub struct RoutingCache {
    tenants: Mutex<HashMap<TenantId, Arc<Routes>>>,
}

impl RoutingCache {
    /// The active webhooks of `tenant` that want an event of this type and data, in creation
    /// order.
    pub async fn matching(
        &self,
        webhooks: &dyn WebhookStore,
        tenant: &TenantId,
        event_type: &EventType,
        data: &serde_json::Value,
    ) -> Result<Vec<WebhookId>, StoreError> {
        let version = webhooks.routing_version(tenant).await?;
        let cached = self.lock().get(tenant).cloned();
        let routes = match cached {
            Some(routes) if routes.version == version => routes,
            // Read after the version: a change in between is in what is read, and moves the
            // version again, so the next publish reads afresh.
            _ => {
                let routes = Arc::new(load(webhooks, tenant, version).await?);
                let mut tenants = self.lock();
                if tenants.len() >= MAX_TENANTS {
                    tenants.clear();
                }
                tenants.insert(tenant.clone(), routes.clone());
                routes
            }
        };
        Ok(routes.matching(event_type, data))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TenantId, Arc<Routes>>> {
        self.tenants.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn load(
    webhooks: &dyn WebhookStore,
    tenant: &TenantId,
    version: u64,
) -> Result<Routes, StoreError> {
    let mut routes = Vec::new();
    let mut after: Option<WebhookId> = None;
    loop {
        let page = webhooks.list(tenant, after.as_ref(), PAGE).await?;
        let exhausted = page.len() < PAGE;
        after = page.last().map(|w| w.id);
        routes.extend(
            page.into_iter()
                .filter(|w| w.active)
                .map(|w: Webhook| Route {
                    id: w.id,
                    event_types: w.event_types,
                    filters: w.filters,
                }),
        );
        if exhausted {
            return Ok(Routes { version, routes });
        }
    }
}
