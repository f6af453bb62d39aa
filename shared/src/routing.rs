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

/// A tenant's active webhooks at one routing version, indexed for matching.
pub struct Routes {
    version: u64,
    /// Active webhooks, in creation order.
    routes: Vec<Route>,
    /// Exact event type → the routes whose every pattern is exact and names it, in order: a
    /// publish looks at the routes that can match, not at every webhook of the tenant.
    exact: HashMap<String, Vec<usize>>,
    /// The routes with a `prefix.*` or `*` pattern, in order: checked on every publish.
    patterned: Vec<usize>,
}

impl Routes {
    fn new(version: u64, routes: Vec<Route>) -> Self {
        let mut exact: HashMap<String, Vec<usize>> = HashMap::new();
        let mut patterned = Vec::new();
        for (index, route) in routes.iter().enumerate() {
            if route.event_types.iter().all(|p| p.is_exact()) {
                for pattern in route.event_types.iter() {
                    exact
                        .entry(pattern.as_str().to_owned())
                        .or_default()
                        .push(index);
                }
            } else {
                patterned.push(index);
            }
        }
        Self {
            version,
            routes,
            exact,
            patterned,
        }
    }

    pub fn matching(&self, event_type: &EventType, data: &serde_json::Value) -> Vec<WebhookId> {
        let mut candidates: Vec<usize> = self
            .exact
            .get(event_type.as_str())
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .chain(&self.patterned)
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates
            .into_iter()
            .filter_map(|i| self.routes.get(i))
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
        Ok(self
            .current(webhooks, tenant)
            .await?
            .matching(event_type, data))
    }

    /// The tenant's routes as they stand: one read of its routing version, and its webhooks
    /// read again only when that moved. A batch of events of one tenant reads it once.
    pub async fn current(
        &self,
        webhooks: &dyn WebhookStore,
        tenant: &TenantId,
    ) -> Result<Arc<Routes>, StoreError> {
        let version = webhooks.routing_version(tenant).await?;
        let cached = self.lock().get(tenant).cloned();
        Ok(match cached {
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
        })
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
            return Ok(Routes::new(version, routes));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EventTypePattern;
    use serde_json::json;

    fn route(patterns: &[&str], filters: Vec<Filter>) -> Route {
        Route {
            id: WebhookId::new(),
            event_types: EventTypes::new(
                patterns
                    .iter()
                    .map(|p| EventTypePattern::parse(p).unwrap())
                    .collect(),
            )
            .unwrap(),
            filters,
        }
    }

    #[test]
    fn matches_exact_prefix_and_star_routes_in_creation_order() {
        let routes = vec![
            route(&["task.completed"], vec![]),
            route(&["node.*"], vec![]),
            route(&["task.failed", "task.completed"], vec![]),
            route(&["*"], vec![]),
            route(&["task.*", "node.changed"], vec![]),
            route(
                &["task.completed"],
                vec![Filter::parse("region".into(), vec![json!("eu")]).unwrap()],
            ),
            route(&["task.completedly"], vec![]),
        ];
        let ids: Vec<WebhookId> = routes.iter().map(|r| r.id).collect();
        let routes = Routes::new(1, routes);
        let of = |name: &str, data: serde_json::Value| {
            routes.matching(&EventType::parse(name).unwrap(), &data)
        };
        assert_eq!(
            of("task.completed", json!({"region": "us"})),
            vec![ids[0], ids[2], ids[3], ids[4]]
        );
        assert_eq!(
            of("task.completed", json!({"region": "eu"})),
            vec![ids[0], ids[2], ids[3], ids[4], ids[5]]
        );
        assert_eq!(of("node.changed", json!({})), vec![ids[1], ids[3], ids[4]]);
        assert_eq!(of("other", json!({})), vec![ids[3]]);
    }
}
