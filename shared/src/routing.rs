//! Which webhooks an event goes to. Each process keeps, per tenant, the routes of its active
//! webhooks (id, event type patterns, filters) and checks them with one small read of the
//! tenant's routing version per publish; only when the version moved are the webhooks read
//! again. Matching then costs what a version read costs, whatever the tenant holds.

use crate::domain::{AnyOf, EventType, EventTypes, Filter, Found, TenantId, Webhook, WebhookId};
use crate::store::{StoreError, WebhookStore};
use std::cell::{Cell, OnceCell};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Tenants whose routes a process keeps; past this, the cache starts afresh.
const MAX_TENANTS: usize = 1024;
/// Webhooks read per page when the routes are loaded: whole webhooks are read, so a page at
/// their limits (64 KB of stored fields each) stays near 7 MB in a 128 MB function.
const PAGE: usize = 100;

/// What matching needs of a webhook, and no more: no URL, headers, metadata or secrets.
struct Route {
    id: WebhookId,
    /// `None` when every pattern is exact: then the `exact` index alone finds the route.
    patterns: Option<EventTypes>,
    filters: Box<[RouteFilter]>,
}

/// A filter as matching holds it: its path as an index into `Routes::paths`, its values as a
/// set.
struct RouteFilter {
    path: usize,
    any_of: AnyOf,
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
    /// The distinct paths of the tenant's filters: each is looked up at most once per event.
    paths: Vec<String>,
}

/// Routes as they are read, in creation order.
#[derive(Default)]
struct RoutesBuilder {
    routes: Vec<Route>,
    exact: HashMap<String, Vec<usize>>,
    patterned: Vec<usize>,
    paths: HashMap<String, usize>,
}

impl RoutesBuilder {
    fn add(&mut self, id: WebhookId, event_types: EventTypes, filters: &[Filter]) {
        let index = self.routes.len();
        let patterns = if event_types.iter().all(|p| p.is_exact()) {
            for pattern in event_types.iter() {
                self.exact
                    .entry(pattern.as_str().to_owned())
                    .or_default()
                    .push(index);
            }
            None
        } else {
            self.patterned.push(index);
            Some(event_types)
        };
        let filters = filters
            .iter()
            .map(|f| {
                let known = self.paths.len();
                RouteFilter {
                    path: *self.paths.entry(f.path().to_owned()).or_insert(known),
                    any_of: f.any_of_set(),
                }
            })
            .collect();
        self.routes.push(Route {
            id,
            patterns,
            filters,
        });
    }

    fn finish(self, version: u64) -> Routes {
        let mut paths = vec![String::new(); self.paths.len()];
        for (path, index) in self.paths {
            if let Some(slot) = paths.get_mut(index) {
                *slot = path;
            }
        }
        let mut exact = self.exact;
        exact.shrink_to_fit();
        Routes {
            version,
            routes: self.routes,
            exact,
            patterned: self.patterned,
            paths,
        }
    }
}

/// An event's data at the tenant's filter paths, each looked up on first need and kept.
pub struct EventPaths<'a> {
    data: &'a serde_json::Value,
    paths: &'a [String],
    found: Vec<OnceCell<Found>>,
    looked_up: Cell<usize>,
}

impl<'a> EventPaths<'a> {
    fn new(data: &'a serde_json::Value, paths: &'a [String]) -> Self {
        Self {
            data,
            paths,
            found: paths.iter().map(|_| OnceCell::new()).collect(),
            looked_up: Cell::new(0),
        }
    }

    fn matches(&self, filter: &RouteFilter) -> bool {
        let (Some(cell), Some(path)) = (self.found.get(filter.path), self.paths.get(filter.path))
        else {
            return false;
        };
        cell.get_or_init(|| {
            self.looked_up.set(self.looked_up.get() + 1);
            Found::at(self.data, path)
        })
        .matches(&filter.any_of)
    }

    /// How many paths were looked up in the data.
    pub fn looked_up(&self) -> usize {
        self.looked_up.get()
    }
}

impl Routes {
    /// The active webhooks that want an event of this type and data, in creation order.
    pub fn matching(&self, event_type: &EventType, data: &serde_json::Value) -> Vec<WebhookId> {
        self.matching_in(event_type, &self.event_paths(data))
    }

    /// The event's data at this tenant's filter paths, for `matching_in`.
    pub fn event_paths<'a>(&'a self, data: &'a serde_json::Value) -> EventPaths<'a> {
        EventPaths::new(data, &self.paths)
    }

    /// `matching`, with the event's data looked up in `paths`.
    pub fn matching_in(&self, event_type: &EventType, paths: &EventPaths<'_>) -> Vec<WebhookId> {
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
                r.patterns.as_ref().is_none_or(|p| p.matches(event_type))
                    && r.filters.iter().all(|f| paths.matches(f))
            })
            .map(|r| r.id)
            .collect()
    }

    /// The active webhooks of the tenant.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
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
    let mut routes = RoutesBuilder::default();
    let mut after: Option<WebhookId> = None;
    loop {
        let page = webhooks.list(tenant, after.as_ref(), PAGE).await?;
        let exhausted = page.len() < PAGE;
        after = page.last().map(|w| w.id);
        for webhook in page.into_iter().filter(|w| w.active) {
            let Webhook {
                id,
                event_types,
                filters,
                ..
            } = webhook;
            routes.add(id, event_types, &filters);
        }
        if exhausted {
            return Ok(routes.finish(version));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EventTypePattern;
    use serde_json::json;

    fn event_types(patterns: &[&str]) -> EventTypes {
        EventTypes::new(
            patterns
                .iter()
                .map(|p| EventTypePattern::parse(p).unwrap())
                .collect(),
        )
        .unwrap()
    }

    fn filter(path: &str, any_of: serde_json::Value) -> Filter {
        let serde_json::Value::Array(values) = any_of else {
            unreachable!()
        };
        Filter::parse(path.to_owned(), values).unwrap()
    }

    /// Routes of these (patterns, filters), and their ids in order.
    fn routes(webhooks: Vec<(&[&str], Vec<Filter>)>) -> (Routes, Vec<WebhookId>) {
        let mut builder = RoutesBuilder::default();
        let mut ids = Vec::new();
        for (patterns, filters) in webhooks {
            let id = WebhookId::new();
            builder.add(id, event_types(patterns), &filters);
            ids.push(id);
        }
        (builder.finish(1), ids)
    }

    #[test]
    fn matches_exact_prefix_and_star_routes_in_creation_order() {
        let (routes, ids) = routes(vec![
            (&["task.completed"], vec![]),
            (&["node.*"], vec![]),
            (&["task.failed", "task.completed"], vec![]),
            (&["*"], vec![]),
            (&["task.*", "node.changed"], vec![]),
            (&["task.completed"], vec![filter("region", json!(["eu"]))]),
            (&["task.completedly"], vec![]),
        ]);
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

    #[test]
    fn each_filter_path_is_looked_up_once_per_event_across_webhooks() {
        let long: Vec<u32> = (0..4000).collect();
        let data = json!({"tags": long, "region": "eu", "n": {"m": 2}});
        let filters = || {
            vec![
                filter("tags", json!([3999, "x"])),
                filter("region", json!(["eu", "us"])),
                filter("n.m", json!([1, 2])),
                filter("region", json!(["eu"])),
            ]
        };
        let (routes, ids) = routes(vec![
            (&["a"], filters()),
            (&["a.*"], filters()),
            (&["*"], filters()),
            (&["a"], vec![filter("missing.path", json!([1]))]),
            (&["a"], vec![filter("tags", json!([4000]))]),
        ]);
        let paths = routes.event_paths(&data);
        let matched = routes.matching_in(&EventType::parse("a").unwrap(), &paths);
        assert_eq!(matched, vec![ids[0], ids[2]]);
        assert_eq!(
            paths.looked_up(),
            4,
            "tags, region, n.m and missing.path, once each"
        );
        let paths = routes.event_paths(&data);
        assert_eq!(
            routes.matching_in(&EventType::parse("b").unwrap(), &paths),
            vec![ids[2]]
        );
        assert_eq!(paths.looked_up(), 3, "the star route's paths only");
    }
}
