//! The store conformance suite. Every adapter runs it: the in-memory stores directly, the
//! DynamoDB store against the emulator over the wire. If they disagree, a test fails.

use hookline::domain::{
    ApiKey, ApiKeyRecord, Credentials, CustomHeaders, EventData, EventTypePattern, EventTypes,
    Filter, HealthChange, KeyOwner, Scope, Scopes, TenantId, TimeRange, Timestamp, Webhook,
    WebhookId, WebhookSecret, WebhookSpec, WebhookUid,
};
use hookline::seal::Keyring;
use hookline::store::{KeyStore, StoreError, WebhookQuota, WebhookStore};
use hookline::url_guard::{UrlPolicy, WebhookUrl};
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;

fn tenant(name: &str) -> TenantId {
    TenantId::parse(name).unwrap()
}

fn spec(url: &str, types: &[&str]) -> WebhookSpec {
    let types = types.iter().map(|t| EventTypePattern::parse(t).unwrap());
    WebhookSpec::new(
        WebhookUrl::parse(url, &UrlPolicy::STRICT).unwrap(),
        EventTypes::new(types.collect()).unwrap(),
    )
}

/// An active webhook of tenant `t`, as a registry would store it.
pub fn webhook(t: &str, url: &str, types: &[&str]) -> Webhook {
    Webhook::new(tenant(t), spec(url, types), WebhookSecret::generate())
}

/// Whether the backend under test isolates concurrent transactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isolation {
    /// Real DynamoDB (transactions are serializable) and the memory store (one mutex).
    Serializable,
    /// The moto emulator runs requests on threads without a lock around TransactWriteItems
    /// or UpdateItem, so two racing transactions can both pass their conditions, and two
    /// racing `ADD`s can lose one (there, and only there: DynamoDB applies each atomically).
    /// Races cannot be checked against it; everything else is.
    EmulatorWithoutLocks,
}

/// A webhook store whose reads come back with their credentials opened (the DynamoDB store
/// seals them), so that what was written compares equal to what is read.
pub struct Opened {
    store: Arc<dyn WebhookStore>,
    keyring: Arc<Keyring>,
}

impl Opened {
    async fn opened(&self, w: Webhook) -> Webhook {
        let secrets = self.keyring.open(&w).await.unwrap();
        Webhook {
            credentials: Credentials::Open(secrets),
            ..w
        }
    }

    async fn get(&self, t: &TenantId, id: &WebhookId) -> Result<Option<Webhook>, StoreError> {
        match self.store.get(t, id).await? {
            Some(w) => Ok(Some(self.opened(w).await)),
            None => Ok(None),
        }
    }

    async fn list(
        &self,
        t: &TenantId,
        after: Option<&WebhookId>,
        limit: usize,
    ) -> Result<Vec<Webhook>, StoreError> {
        let mut opened = Vec::new();
        for w in self.store.list(t, after, limit).await? {
            opened.push(self.opened(w).await);
        }
        Ok(opened)
    }
}

impl std::ops::Deref for Opened {
    type Target = dyn WebhookStore;
    fn deref(&self) -> &Self::Target {
        &*self.store
    }
}

/// The writable fields of a webhook whose credentials are open.
fn spec_of(w: &Webhook) -> WebhookSpec {
    w.spec(w.credentials.as_open().unwrap())
}

/// `w` (its credentials open) with its writable fields replaced, as the next version.
fn respec(w: &Webhook, spec: WebhookSpec) -> Webhook {
    w.with_spec(w.credentials.as_open().unwrap(), spec)
}

/// Every webhook store check, in order.
pub async fn webhook_store(
    store: Arc<dyn WebhookStore>,
    keyring: Arc<Keyring>,
    isolation: Isolation,
) {
    let opened = Opened {
        store: store.clone(),
        keyring,
    };
    let store_ = store;
    let store = &opened;
    round_trips_every_field(store).await;
    conflicts_are_per_tenant_url_and_event_type_set(store).await;
    uids_are_unique_per_tenant_and_follow_their_webhook(store).await;
    caps_webhooks_per_tenant(store).await;
    caps_unverified_webhooks_per_tenant(store).await;
    pages_in_creation_order_within_a_tenant(store).await;
    updates_only_the_version_it_read(store).await;
    deletes_only_the_version_it_read_and_frees_its_key(store).await;
    records_health_beside_edits(store).await;
    moves_the_routing_version_on_every_routing_change(store).await;
    if isolation == Isolation::Serializable {
        health_writes_race_without_losing_a_count(store_.clone()).await;
        concurrent_duplicates_admit_exactly_one(store_.clone()).await;
    }
    concurrent_unverified_inserts_stop_at_the_quota(store_).await;
}

async fn round_trips_every_field(store: &Opened) {
    let mut spec = spec(
        "https://round.example/hook?q=1",
        &["task.*", "node.changed", "*"],
    );
    spec.filters = vec![
        Filter::parse(
            "resource.type".into(),
            vec![json!("task"), json!(3), json!(2.5), json!(true)],
        )
        .unwrap(),
    ];
    spec.description = Some("日本語も OK".into());
    spec.headers = CustomHeaders::parse([("X-Custom".to_owned(), "v".to_owned())].into()).unwrap();
    spec.metadata = [("k".to_owned(), "v".to_owned())].into();
    spec.uid = Some(WebhookUid::parse("round-trip").unwrap());
    spec.verification = hookline::domain::Verification::Handshake;
    let mut w = Webhook::new(tenant("rt"), spec, WebhookSecret::generate());
    w.last_failure_content = Some("500: oops".into());
    w.consecutive_failures = 2;
    store
        .insert(&w, WebhookQuota::webhooks(1000))
        .await
        .unwrap();
    assert_eq!(
        store.get(&tenant("rt"), &w.id).await.unwrap(),
        Some(w.clone())
    );
    assert_eq!(
        store.get(&tenant("rt-other"), &w.id).await.unwrap(),
        None,
        "another tenant sees nothing"
    );
}

async fn conflicts_are_per_tenant_url_and_event_type_set(store: &Opened) {
    store
        .insert(
            &webhook("cf", "https://c.example/h", &["a", "b"]),
            WebhookQuota::webhooks(1000),
        )
        .await
        .unwrap();
    let dup = store
        .insert(
            &webhook("cf", "https://c.example/h", &["b", "a"]),
            WebhookQuota::webhooks(1000),
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict)), "{dup:?}");
    store
        .insert(
            &webhook("cf", "https://c.example/h", &["a"]),
            WebhookQuota::webhooks(1000),
        )
        .await
        .unwrap();
    store
        .insert(
            &webhook("cf-other", "https://c.example/h", &["a", "b"]),
            WebhookQuota::webhooks(1000),
        )
        .await
        .unwrap();
}

async fn uids_are_unique_per_tenant_and_follow_their_webhook(store: &Opened) {
    let uid = WebhookUid::parse("the-uid").unwrap();
    let with_uid = |t: &str, url: &str| {
        let mut spec = spec(url, &["a"]);
        spec.uid = Some(uid.clone());
        Webhook::new(tenant(t), spec, WebhookSecret::generate())
    };
    let first = with_uid("uid", "https://u.example/1");
    store
        .insert(&first, WebhookQuota::webhooks(1000))
        .await
        .unwrap();
    assert_eq!(
        store.find_uid(&tenant("uid"), &uid).await.unwrap(),
        Some(first.id)
    );
    assert_eq!(
        store.find_uid(&tenant("uid-other"), &uid).await.unwrap(),
        None
    );
    let taken = store
        .insert(
            &with_uid("uid", "https://u.example/2"),
            WebhookQuota::webhooks(1000),
        )
        .await;
    assert!(matches!(taken, Err(StoreError::Conflict)), "{taken:?}");
    store
        .insert(
            &with_uid("uid-other", "https://u.example/2"),
            WebhookQuota::webhooks(1000),
        )
        .await
        .unwrap();

    // Renamed: the old uid is free, the new one taken; deleted: free again.
    let renamed_uid = WebhookUid::parse("renamed").unwrap();
    let mut spec = spec_of(&first);
    spec.uid = Some(renamed_uid.clone());
    let renamed = respec(&first, spec);
    store.update(&first, &renamed, None).await.unwrap();
    assert_eq!(store.find_uid(&tenant("uid"), &uid).await.unwrap(), None);
    assert_eq!(
        store.find_uid(&tenant("uid"), &renamed_uid).await.unwrap(),
        Some(first.id)
    );
    let second = with_uid("uid", "https://u.example/3");
    store
        .insert(&second, WebhookQuota::webhooks(1000))
        .await
        .unwrap();
    let mut spec = spec_of(&second);
    spec.uid = Some(renamed_uid.clone());
    let clash = store.update(&second, &respec(&second, spec), None).await;
    assert!(matches!(clash, Err(StoreError::Conflict)), "{clash:?}");
    store.delete(&renamed).await.unwrap();
    assert_eq!(
        store.find_uid(&tenant("uid"), &renamed_uid).await.unwrap(),
        None
    );
}

async fn caps_webhooks_per_tenant(store: &Opened) {
    let mut made = Vec::new();
    for i in 0..3 {
        let w = webhook("cap", &format!("https://cap.example/{i}"), &["a"]);
        store.insert(&w, WebhookQuota::webhooks(3)).await.unwrap();
        made.push(w);
    }
    let over = store
        .insert(
            &webhook("cap", "https://cap.example/3", &["a"]),
            WebhookQuota::webhooks(3),
        )
        .await;
    assert!(matches!(over, Err(StoreError::LimitReached)), "{over:?}");
    // A refused conflict must not count either.
    store.delete(&made[0]).await.unwrap();
    store
        .insert(
            &webhook("cap", "https://cap.example/3", &["a"]),
            WebhookQuota::webhooks(3),
        )
        .await
        .unwrap();
}

/// An unverified webhook of tenant `t`.
fn unverified(t: &str, url: &str) -> Webhook {
    Webhook {
        unverified: true,
        ..webhook(t, url, &["a"])
    }
}

async fn caps_unverified_webhooks_per_tenant(store: &Opened) {
    const QUOTA: WebhookQuota = WebhookQuota {
        webhooks: 1000,
        unverified: Some(2),
    };
    let refused = |r: Result<(), StoreError>| {
        assert!(
            matches!(r, Err(StoreError::UnverifiedLimitReached)),
            "{r:?}"
        );
    };
    let a = unverified("unv", "https://unv.example/a");
    let b = unverified("unv", "https://unv.example/b");
    store.insert(&a, QUOTA).await.unwrap();
    store.insert(&b, QUOTA).await.unwrap();
    refused(
        store
            .insert(&unverified("unv", "https://unv.example/c"), QUOTA)
            .await,
    );
    // Verified webhooks are not counted, nor another tenant's.
    let verified = webhook("unv", "https://unv.example/v", &["a"]);
    store.insert(&verified, QUOTA).await.unwrap();
    store
        .insert(&unverified("unv-other", "https://unv.example/c"), QUOTA)
        .await
        .unwrap();
    // Moving a verified webhook onto trust counts; an edit of an unverified one does not.
    let moved = Webhook {
        unverified: true,
        ..respec(&verified, spec("https://unv.example/w", &["a"]))
    };
    refused(store.update(&verified, &moved, QUOTA.unverified).await);
    let a = store.get(&a.tenant, &a.id).await.unwrap().unwrap();
    let edited = respec(&a, spec("https://unv.example/a2", &["a"]));
    store.update(&a, &edited, QUOTA.unverified).await.unwrap();
    // Verifying one frees its place, and so does deleting one.
    let verified_now = Webhook {
        unverified: false,
        ..respec(&edited, spec_of(&edited))
    };
    store
        .update(&edited, &verified_now, QUOTA.unverified)
        .await
        .unwrap();
    store
        .update(&verified, &moved, QUOTA.unverified)
        .await
        .unwrap();
    refused(
        store
            .insert(&unverified("unv", "https://unv.example/d"), QUOTA)
            .await,
    );
    store.delete(&b).await.unwrap();
    store
        .insert(&unverified("unv", "https://unv.example/d"), QUOTA)
        .await
        .unwrap();
    refused(
        store
            .insert(&unverified("unv", "https://unv.example/e"), QUOTA)
            .await,
    );
}

/// Thirty unverified webhooks inserted at once against a quota of three: three are stored.
async fn concurrent_unverified_inserts_stop_at_the_quota(store: Arc<dyn WebhookStore>) {
    const QUOTA: WebhookQuota = WebhookQuota {
        webhooks: 1000,
        unverified: Some(3),
    };
    let tasks: Vec<_> = (0..30)
        .map(|i| {
            let store = store.clone();
            let w = unverified("unv-race", &format!("https://unv-race.example/{i}"));
            tokio::spawn(async move { store.insert(&w, QUOTA).await })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => won += 1,
            Err(StoreError::UnverifiedLimitReached) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    let stored = store.list(&tenant("unv-race"), None, 100).await.unwrap();
    assert_eq!((won, stored.len()), (3, 3), "inserted, stored");
}

async fn pages_in_creation_order_within_a_tenant(store: &Opened) {
    let mut ids = Vec::new();
    for i in 0..25 {
        let w = webhook("pg", &format!("https://pg.example/{i}"), &["a"]);
        store
            .insert(&w, WebhookQuota::webhooks(1000))
            .await
            .unwrap();
        ids.push(w.id);
    }
    store
        .insert(
            &webhook("pg-other", "https://pg.example/x", &["a"]),
            WebhookQuota::webhooks(1000),
        )
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut after = None;
    let mut sizes = Vec::new();
    loop {
        let page = store.list(&tenant("pg"), after.as_ref(), 10).await.unwrap();
        sizes.push(page.len());
        if page.is_empty() {
            break;
        }
        after = page.last().map(|w| w.id);
        seen.extend(page.into_iter().map(|w| w.id));
    }
    assert_eq!(sizes, vec![10, 10, 5, 0]);
    assert_eq!(seen, ids, "every webhook once, in creation order");
    assert!(
        store
            .list(&tenant("pg-none"), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn updates_only_the_version_it_read(store: &Opened) {
    let w = webhook("up", "https://up.example/1", &["a"]);
    store
        .insert(&w, WebhookQuota::webhooks(1000))
        .await
        .unwrap();
    let mut changed = spec("https://up.example/2", &["a"]);
    changed.description = Some("moved".into());
    let next = respec(&w, changed);
    store.update(&w, &next, None).await.unwrap();
    assert_eq!(
        store.get(&w.tenant, &w.id).await.unwrap(),
        Some(next.clone())
    );
    let stale = store
        .update(&w, &respec(&w, spec("https://up.example/3", &["a"])), None)
        .await;
    assert!(matches!(stale, Err(StoreError::Stale)), "{stale:?}");
    // The old url is free again, the new one taken.
    store
        .insert(
            &webhook("up", "https://up.example/1", &["a"]),
            WebhookQuota::webhooks(1000),
        )
        .await
        .unwrap();
    let other = webhook("up", "https://up.example/9", &["a"]);
    store
        .insert(&other, WebhookQuota::webhooks(1000))
        .await
        .unwrap();
    let clash = store
        .update(
            &other,
            &respec(&other, spec("https://up.example/2", &["a"])),
            None,
        )
        .await;
    assert!(matches!(clash, Err(StoreError::Conflict)), "{clash:?}");
    assert_eq!(
        store.get(&other.tenant, &other.id).await.unwrap(),
        Some(other)
    );
}

async fn deletes_only_the_version_it_read_and_frees_its_key(store: &Opened) {
    let w = webhook("del", "https://del.example/1", &["a"]);
    store
        .insert(&w, WebhookQuota::webhooks(1000))
        .await
        .unwrap();
    let next = respec(&w, spec_of(&w));
    store.update(&w, &next, None).await.unwrap();
    assert!(matches!(store.delete(&w).await, Err(StoreError::Stale)));
    store.delete(&next).await.unwrap();
    assert_eq!(store.get(&w.tenant, &w.id).await.unwrap(), None);
    assert!(matches!(store.delete(&next).await, Err(StoreError::Stale)));
    store
        .insert(
            &webhook("del", "https://del.example/1", &["a"]),
            WebhookQuota::webhooks(1000),
        )
        .await
        .unwrap();
}

fn failure(at: i64, disable: Option<(&str, u64)>) -> HealthChange {
    HealthChange::Failed {
        at: Timestamp::from_millis(at).unwrap(),
        content: "HTTP 500".into(),
        disable: disable.map(|(reason, version)| hookline::domain::Disable {
            reason: reason.to_owned(),
            version,
        }),
    }
}

async fn records_health_beside_edits(store: &Opened) {
    let w = webhook("health", "https://health.example/1", &["a"]);
    store
        .insert(&w, WebhookQuota::webhooks(1000))
        .await
        .unwrap();
    let t0 = 1_800_000_000_000;
    assert!(
        store
            .record_health(&w.tenant, &w.id, &failure(t0, None))
            .await
            .unwrap()
    );
    assert!(
        store
            .record_health(&w.tenant, &w.id, &failure(t0 + 5, None))
            .await
            .unwrap()
    );
    let read = store.get(&w.tenant, &w.id).await.unwrap().unwrap();
    assert_eq!(
        read,
        w.with_health(&failure(t0, None))
            .with_health(&failure(t0 + 5, None))
    );
    assert_eq!(
        read.version, w.version,
        "health writes leave the version alone"
    );
    assert_eq!(
        read.failing_since,
        Some(Timestamp::from_millis(t0).unwrap())
    );

    // An edit from the version read before the failures keeps them.
    let edited = respec(&w, spec("https://health.example/2", &["a"]));
    store.update(&w, &edited, None).await.unwrap();
    let read = store.get(&w.tenant, &w.id).await.unwrap().unwrap();
    assert_eq!(read.url, edited.url);
    assert_eq!(
        read.consecutive_failures, 2,
        "the edit did not undo the failures"
    );

    // A success clears the run.
    let ok = HealthChange::Succeeded {
        at: Timestamp::from_millis(t0 + 10).unwrap(),
    };
    assert!(store.record_health(&w.tenant, &w.id, &ok).await.unwrap());
    let read = store.get(&w.tenant, &w.id).await.unwrap().unwrap();
    assert_eq!((read.consecutive_failures, read.failing_since), (0, None));
    assert_eq!(
        read.last_success_at,
        Some(Timestamp::from_millis(t0 + 10).unwrap())
    );

    // Disabling moves the version: an edit from before it is stale, not an undo.
    let before = read;
    // Decided on a version no longer stored: not disabled (a late attempt cannot undo an
    // edit), though the failure counts.
    let stale = failure(t0 + 15, Some(("late", before.version - 1)));
    assert!(store.record_health(&w.tenant, &w.id, &stale).await.unwrap());
    let still_on = store.get(&w.tenant, &w.id).await.unwrap().unwrap();
    assert!(still_on.active, "disabled on a stale version");
    assert_eq!(still_on.consecutive_failures, 1);
    let current = failure(t0 + 20, Some(("gone", before.version)));
    assert!(
        store
            .record_health(&w.tenant, &w.id, &current)
            .await
            .unwrap()
    );
    let off = store.get(&w.tenant, &w.id).await.unwrap().unwrap();
    assert!(!off.active && off.failed);
    assert_eq!(off.disabled_reason.as_deref(), Some("gone"));
    assert_eq!(off.version, before.version + 1);
    let undo = store
        .update(&before, &respec(&before, spec_of(&before)), None)
        .await;
    assert!(matches!(undo, Err(StoreError::Stale)), "{undo:?}");
    // A disabled webhook is not disabled again, but its failures still count.
    let again = failure(t0 + 30, Some(("again", off.version)));
    assert!(store.record_health(&w.tenant, &w.id, &again).await.unwrap());
    let still = store.get(&w.tenant, &w.id).await.unwrap().unwrap();
    assert_eq!(
        (still.version, still.consecutive_failures),
        (off.version, 3)
    );
    assert_eq!(still.disabled_reason.as_deref(), Some("gone"));
    // Re-activating clears the failure state.
    let mut on = spec_of(&still);
    on.active = true;
    store
        .update(&still, &respec(&still, on), None)
        .await
        .unwrap();
    let on = store.get(&w.tenant, &w.id).await.unwrap().unwrap();
    assert!(on.active && !on.failed);
    assert_eq!((on.consecutive_failures, on.failing_since), (0, None));

    // A webhook that is gone records nothing.
    store.delete(&on).await.unwrap();
    assert!(
        !store
            .record_health(&w.tenant, &w.id, &failure(t0, None))
            .await
            .unwrap()
    );
    assert_eq!(store.get(&w.tenant, &w.id).await.unwrap(), None);
}

async fn moves_the_routing_version_on_every_routing_change(store: &Opened) {
    let t = tenant("routing");
    let version = || async { store.routing_version(&t).await.unwrap() };
    let v0 = version().await;
    let w = webhook("routing", "https://routing.example/1", &["a"]);
    store
        .insert(&w, WebhookQuota::webhooks(1000))
        .await
        .unwrap();
    let v1 = version().await;
    assert_ne!(v1, v0, "a create moves it");
    let edited = respec(&w, spec("https://routing.example/1", &["b"]));
    store.update(&w, &edited, None).await.unwrap();
    let v2 = version().await;
    assert_ne!(v2, v1, "an edit moves it");
    let t0 = 1_800_000_000_000;
    store
        .record_health(&t, &w.id, &failure(t0, None))
        .await
        .unwrap();
    let ok = HealthChange::Succeeded {
        at: Timestamp::from_millis(t0 + 1).unwrap(),
    };
    store.record_health(&t, &w.id, &ok).await.unwrap();
    assert_eq!(version().await, v2, "health alone does not");
    let current = store.get(&t, &w.id).await.unwrap().unwrap().version;
    store
        .record_health(&t, &w.id, &failure(t0 + 2, Some(("gone", current))))
        .await
        .unwrap();
    let v3 = version().await;
    assert_ne!(v3, v2, "a disable moves it");
    let disabled = store.get(&t, &w.id).await.unwrap().unwrap();
    store.delete(&disabled).await.unwrap();
    assert_ne!(version().await, v3, "a delete moves it");
    assert_eq!(
        store
            .routing_version(&tenant("routing-none"))
            .await
            .unwrap(),
        0
    );
}

/// Concurrent failures of one webhook each count: counters are added to in place, not read,
/// changed and written back.
async fn health_writes_race_without_losing_a_count(store: Arc<dyn WebhookStore>) {
    let w = webhook("health-race", "https://health.example/race", &["a"]);
    store
        .insert(&w, WebhookQuota::webhooks(1000))
        .await
        .unwrap();
    let writes: Vec<_> = (0..16)
        .map(|i| {
            let (store, w) = (store.clone(), w.clone());
            tokio::spawn(async move {
                store
                    .record_health(&w.tenant, &w.id, &failure(1_800_000_000_000 + i, None))
                    .await
            })
        })
        .collect();
    for write in writes {
        assert!(write.await.unwrap().unwrap());
    }
    let read = store.get(&w.tenant, &w.id).await.unwrap().unwrap();
    assert_eq!(read.consecutive_failures, 16);
    assert_eq!(read.version, w.version);
}

/// Deliveries recording health on one webhook while events are published: every event is
/// still readable afterwards and every failure counted. (On the emulator a transaction per
/// delivery erased writes made meanwhile; health writes must not be transactions.)
pub async fn deliveries_race_publishes(
    webhooks: Arc<dyn WebhookStore>,
    events: Arc<dyn hookline::store::EventStore>,
) {
    use hookline::domain::{Event, EventId, EventType};
    let w = webhook("race-pub", "https://race.example/pub", &["a"]);
    webhooks
        .insert(&w, WebhookQuota::webhooks(1000))
        .await
        .unwrap();
    let now = Timestamp::now();
    let later = Timestamp::from_millis(now.millis() + 3_600_000).unwrap();
    let mut tasks = Vec::new();
    let mut published = Vec::new();
    for i in 0..24 {
        let event = Event {
            id: EventId::new(),
            tenant: w.tenant.clone(),
            event_type: EventType::parse("a").unwrap(),
            data: EventData::from_object(&json!({ "n": i })).unwrap(),
            created_at: now,
            matched: Vec::new(),
        };
        published.push(event.id);
        let events = events.clone();
        tasks.push(tokio::spawn(async move {
            events.put_event(&event, later).await
        }));
        let (webhooks, w) = (webhooks.clone(), w.clone());
        tasks.push(tokio::spawn(async move {
            webhooks
                .record_health(&w.tenant, &w.id, &failure(now.millis() + i, None))
                .await
        }));
    }
    for task in tasks {
        assert!(task.await.unwrap().unwrap());
    }
    for id in &published {
        assert!(
            events
                .get_event(&w.tenant, id, now)
                .await
                .unwrap()
                .is_some(),
            "event {id} was lost"
        );
    }
    let read = webhooks.get(&w.tenant, &w.id).await.unwrap().unwrap();
    assert_eq!(read.consecutive_failures, 24);
}

async fn concurrent_duplicates_admit_exactly_one(store: Arc<dyn WebhookStore>) {
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .insert(
                        &webhook("race", "https://race.example/h", &["a"]),
                        WebhookQuota::webhooks(1000),
                    )
                    .await
            })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => won += 1,
            Err(StoreError::Conflict) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(
        store.list(&tenant("race"), None, 100).await.unwrap().len(),
        1
    );
}

/// The recover lock: one holder per webhook, renewed by it, released only by it, and free
/// again once its time has passed.
async fn holds_one_recover_per_webhook(store: &dyn hookline::store::ExecutionStore) {
    let (t, webhook) = (tenant("rl"), WebhookId::new());
    let now = Timestamp::now();
    let until = at(now.millis() + 300_000);
    let hold = |holder: i64, now: Timestamp| store.hold_recover(&t, &webhook, holder, until, now);
    assert!(hold(1, now).await.unwrap(), "a free lock is taken");
    assert!(!hold(2, now).await.unwrap(), "held by another");
    assert!(hold(1, now).await.unwrap(), "renewed by its holder");
    // Another webhook's lock is its own.
    let other = WebhookId::new();
    assert!(store.hold_recover(&t, &other, 2, until, now).await.unwrap());
    store.release_recover(&t, &webhook, 2).await.unwrap();
    assert!(!hold(2, now).await.unwrap(), "released only by its holder");
    store.release_recover(&t, &webhook, 1).await.unwrap();
    assert!(hold(2, now).await.unwrap(), "free once released");
    let (after, later) = (at(until.millis() + 1), at(until.millis() + 300_000));
    let lapsed = store.hold_recover(&t, &webhook, 3, later, after).await;
    assert!(lapsed.unwrap(), "free once its time has passed");
    let held = store.hold_recover(&t, &webhook, 2, later, after).await;
    assert!(!held.unwrap(), "held by the new holder");
}

/// Every key store check, in order.
pub async fn key_store(store: Arc<dyn KeyStore>) {
    let key = ApiKey::generate();
    let scopes: Scopes = [Scope::WebhooksView, Scope::EventsPublish]
        .into_iter()
        .collect();
    let record = ApiKeyRecord::new(&key, tenant("k1"), scopes, Some("ci".into()));
    store.put(&record).await.unwrap();
    assert_eq!(
        store.find_by_hash(&key.hash()).await.unwrap(),
        Some(record.clone())
    );
    assert_eq!(
        store
            .find_by_hash(&ApiKey::generate().hash())
            .await
            .unwrap(),
        None
    );

    let other = ApiKeyRecord::new(
        &ApiKey::generate(),
        tenant("k2"),
        Scopes::all_tenant(),
        None,
    );
    store.put(&other).await.unwrap();
    let all: HashSet<_> = store
        .list(None)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert!(all.contains(&record.id) && all.contains(&other.id));
    let k1_owner = KeyOwner::Tenant(tenant("k1"));
    let k1: Vec<_> = store.list(Some(&k1_owner)).await.unwrap();
    assert_eq!(k1, vec![record.clone()]);

    // The same key text again replaces the first record.
    let again = ApiKeyRecord::new(&key, tenant("k1"), Scopes::all_tenant(), None);
    store.put(&again).await.unwrap();
    assert_eq!(
        store.find_by_hash(&key.hash()).await.unwrap(),
        Some(again.clone())
    );
    assert_eq!(
        store.list(Some(&k1_owner)).await.unwrap(),
        vec![again.clone()]
    );

    // Revoking as another owner changes nothing; as the owner, or by id alone, it removes.
    let k2_owner = KeyOwner::Tenant(tenant("k2"));
    assert!(!store.revoke(&again.id, Some(&k2_owner)).await.unwrap());
    assert!(store.find_by_hash(&key.hash()).await.unwrap().is_some());
    assert!(store.revoke(&again.id, Some(&k1_owner)).await.unwrap());
    assert_eq!(store.find_by_hash(&key.hash()).await.unwrap(), None);
    assert!(!store.revoke(&again.id, None).await.unwrap());
    assert!(store.list(Some(&k1_owner)).await.unwrap().is_empty());
    assert!(store.revoke(&other.id, None).await.unwrap());
    assert!(store.list(Some(&k2_owner)).await.unwrap().is_empty());

    // Operator keys, and expiry, are kept as given.
    let operator_key = ApiKey::generate();
    let expires = Timestamp::parse("2099-01-02T03:04:05.678Z");
    let operator = ApiKeyRecord::operator(&operator_key, Some("ops".into())).expiring_at(expires);
    store.put(&operator).await.unwrap();
    assert_eq!(
        store.find_by_hash(&operator_key.hash()).await.unwrap(),
        Some(operator.clone())
    );
    assert_eq!(
        store.list(Some(&KeyOwner::Operator)).await.unwrap(),
        vec![operator.clone()]
    );
    assert!(store.list(Some(&k1_owner)).await.unwrap().is_empty());

    // One tenant's keys page in creation order, and no other tenant's (`k1` and `k10` share
    // a prefix) is in them.
    let mut made = Vec::new();
    for i in 0..5 {
        let owner = if i == 2 { "k10" } else { "k1" };
        let record = ApiKeyRecord::new(
            &ApiKey::generate(),
            tenant(owner),
            Scopes::all_tenant(),
            None,
        );
        store.put(&record).await.unwrap();
        if owner == "k1" {
            made.push(record.id);
        }
    }
    let first = store.list_page(&tenant("k1"), None, 3).await.unwrap();
    let first: Vec<_> = first.into_iter().map(|r| r.id).collect();
    assert_eq!(first, made[..3]);
    let rest = store
        .list_page(&tenant("k1"), Some(&first[2]), 3)
        .await
        .unwrap();
    let rest: Vec<_> = rest.into_iter().map(|r| r.id).collect();
    assert_eq!(rest, made[3..]);
}

/// Every catalog store check.
pub async fn catalog_store(store: Arc<dyn hookline::store::CatalogStore>) {
    use hookline::domain::{CatalogEntry, EventType};
    let entry = |name: &str| {
        let now = Timestamp::now();
        CatalogEntry {
            name: EventType::parse(name).unwrap(),
            description: format!("{name}, described"),
            schema: Some(
                json!({"type": "object", "properties": {"deep": {"$defs": {"x": {"items": [[[[[{}]]]]]}}}}}),
            ),
            example: Some(json!({"n": 1})),
            archived: false,
            created_at: now,
            updated_at: now,
        }
    };
    // Names out of order come back in order, and round-trip whole.
    for name in [
        "task.failed",
        "node.changed",
        "task.completed",
        "a",
        "z.last",
    ] {
        store.insert(&entry(name)).await.unwrap();
    }
    let again = store.insert(&entry("task.failed")).await;
    assert!(matches!(again, Err(StoreError::Conflict)), "{again:?}");
    let name = EventType::parse("task.completed").unwrap();
    let stored = store.get(&name).await.unwrap().unwrap();
    assert_eq!(stored.description, "task.completed, described");
    assert_eq!(stored.schema, entry("x").schema);
    let first = store.list(None, 2).await.unwrap();
    let names = |page: &[CatalogEntry]| {
        page.iter()
            .map(|e| e.name.as_str().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&first), ["a", "node.changed"]);
    let rest = store.list(Some(&first[1].name), 10).await.unwrap();
    assert_eq!(names(&rest), ["task.completed", "task.failed", "z.last"]);

    // A replace of what was read lands once; one of a stale read does not.
    let mut next = stored.clone();
    next.archived = true;
    next.updated_at = stored.updated_at.plus(std::time::Duration::from_millis(5));
    store.replace(&stored, &next).await.unwrap();
    let stale = store.replace(&stored, &next).await;
    assert!(matches!(stale, Err(StoreError::Stale)), "{stale:?}");
    assert!(store.get(&name).await.unwrap().unwrap().archived);

    assert!(store.delete(&name).await.unwrap());
    assert!(!store.delete(&name).await.unwrap());
    assert_eq!(store.get(&name).await.unwrap(), None);
    let gone = store.replace(&next, &next).await;
    assert!(matches!(gone, Err(StoreError::Stale)), "{gone:?}");
}

/// Every task queue check. `visibility` is the queue's visibility timeout; SQS counts delays
/// in whole seconds, so the checks use seconds too.
pub async fn task_queue(
    queue: Arc<dyn hookline::queue::TaskQueue>,
    visibility: std::time::Duration,
) {
    use hookline::domain::Trigger;
    use hookline::queue::{DeliverTask, Task};
    use std::time::{Duration, Instant};
    let task = |attempt: u32| {
        Task::Deliver(DeliverTask::new(
            tenant("q"),
            hookline::domain::EventId::new(),
            hookline::domain::WebhookId::new(),
            attempt,
            Trigger::Event,
        ))
    };
    let wait = Duration::from_secs(5);

    // Sent now, received once, acknowledged: gone.
    let first = task(1);
    queue
        .send(&[(first.clone(), Duration::ZERO)])
        .await
        .unwrap();
    let got = queue.receive(10, wait).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].task, first);
    assert_eq!(got[0].receive_count, 1);
    queue.ack(&got[0].receipt).await.unwrap();

    // Received and not acknowledged: back after the visibility timeout, counted twice.
    let second = task(2);
    queue
        .send(&[(second.clone(), Duration::ZERO)])
        .await
        .unwrap();
    let got = queue.receive(10, wait).await.unwrap();
    assert_eq!(got.len(), 1);
    let started = Instant::now();
    let again = queue.receive(10, visibility + wait).await.unwrap();
    assert!(
        started.elapsed() >= visibility.saturating_sub(Duration::from_millis(200)),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].task, second);
    assert_eq!(again[0].receive_count, 2);
    queue.ack(&again[0].receipt).await.unwrap();

    // Delayed: hidden until due.
    let third = task(3);
    let started = Instant::now();
    queue
        .send(&[(third.clone(), Duration::from_secs(2))])
        .await
        .unwrap();
    assert!(
        queue
            .receive(10, Duration::from_millis(500))
            .await
            .unwrap()
            .is_empty()
    );
    let got = queue.receive(10, wait).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(1800),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(got[0].task, third);

    // Released: visible again after the release delay, not before.
    queue
        .release(&got[0].receipt, Duration::from_secs(1))
        .await
        .unwrap();
    let got = queue.receive(10, wait).await.unwrap();
    assert_eq!(got[0].task, third);
    queue.ack(&got[0].receipt).await.unwrap();

    // Extended while worked on (a heartbeat): hidden past the visibility timeout, and the
    // receipt still acknowledges it.
    let fourth = task(4);
    queue
        .send(&[(fourth.clone(), Duration::ZERO)])
        .await
        .unwrap();
    let got = queue.receive(10, wait).await.unwrap();
    assert_eq!(got[0].task, fourth);
    let hidden_until = Instant::now() + visibility + Duration::from_secs(2);
    queue
        .extend(&got[0].receipt, visibility + Duration::from_secs(2))
        .await
        .unwrap();
    let early = queue
        .receive(10, visibility + Duration::from_secs(1))
        .await
        .unwrap();
    assert!(early.is_empty(), "handed out while still extended");
    assert!(Instant::now() < hidden_until + Duration::from_secs(1));
    queue.ack(&got[0].receipt).await.unwrap();
    assert!(
        queue
            .receive(10, Duration::from_secs(3))
            .await
            .unwrap()
            .is_empty(),
        "the extended receipt acknowledged it"
    );

    // A batch arrives whole; nothing is left afterwards.
    let batch: Vec<_> = (10..15).map(|i| (task(i), Duration::ZERO)).collect();
    queue.send(&batch).await.unwrap();
    let mut seen = Vec::new();
    while seen.len() < batch.len() {
        let got = queue.receive(10, wait).await.unwrap();
        assert!(
            !got.is_empty(),
            "lost tasks: {} of {}",
            seen.len(),
            batch.len()
        );
        for r in got {
            queue.ack(&r.receipt).await.unwrap();
            seen.push(r.task);
        }
    }
    assert_eq!(seen.len(), 5);
    assert!(
        queue
            .receive(10, Duration::from_millis(300))
            .await
            .unwrap()
            .is_empty()
    );
}

/// The tenants with due tasks are served in turn: a task of tenant A sent after a backlog of
/// 100 of tenant B's, and an operator notice (no tenant: a group of its own), both come in
/// the first two receives of two tasks each, not after B's backlog. (SQS fair queues only
/// reorder once a tenant has many messages in flight, and moto does not emulate them: the
/// memory queue runs this; the SQS adapter's part, the group on every message, is checked
/// on its own.)
pub async fn task_queue_serves_tenants_in_turn(queue: Arc<dyn hookline::queue::TaskQueue>) {
    use hookline::domain::{EventId, EventType, Trigger};
    use hookline::queue::{DeliverTask, NotifyTask, Task};
    use std::time::Duration;
    let deliver = |t: &str| {
        Task::Deliver(DeliverTask::new(
            tenant(t),
            EventId::new(),
            WebhookId::new(),
            1,
            Trigger::Event,
        ))
    };
    let backlog: Vec<_> = (0..100).map(|_| (deliver("b"), Duration::ZERO)).collect();
    queue.send(&backlog).await.unwrap();
    let quiet = deliver("a");
    queue
        .send(&[(quiet.clone(), Duration::ZERO)])
        .await
        .unwrap();
    let notice = Task::Notify(NotifyTask::first(
        EventId::new(),
        EventType::parse("hookline.webhook.disabled").unwrap(),
        "{}".into(),
    ));
    queue
        .send(&[(notice.clone(), Duration::ZERO)])
        .await
        .unwrap();

    let mut first = Vec::new();
    for _ in 0..2 {
        first.extend(queue.receive(2, Duration::from_secs(5)).await.unwrap());
    }
    let tasks: Vec<&Task> = first.iter().map(|r| &r.task).collect();
    assert!(tasks.contains(&&quiet), "A waited behind B's backlog");
    assert!(
        tasks.contains(&&notice),
        "the notice waited behind B's backlog"
    );

    // B's backlog follows, nothing lost.
    let mut rest = 0;
    loop {
        let got = queue.receive(10, Duration::from_millis(300)).await.unwrap();
        if got.is_empty() {
            break;
        }
        rest += got.len();
        for r in got {
            queue.ack(&r.receipt).await.unwrap();
        }
    }
    assert_eq!(first.len() + rest, 102);
}

fn at(millis: i64) -> hookline::domain::Timestamp {
    hookline::domain::Timestamp::from_millis(millis).unwrap()
}

/// Every event store check: events, deliveries, idempotency keys, expiry.
pub async fn event_store(store: Arc<dyn hookline::store::EventStore>) {
    leases_publishes_up_to_the_windows_limit(&*store).await;
    use hookline::domain::{Delivery, DeliveryStatus, Event, EventId, EventType, WebhookId};
    let now = hookline::domain::Timestamp::now();
    let later = at(now.millis() + 3_600_000);
    let event = Event {
        id: EventId::new(),
        tenant: tenant("ev"),
        event_type: EventType::parse("task.completed").unwrap(),
        data: EventData::from_object(
            &json!({"deep": {"er": {"list": [1, 2.5, "three", null, {"x": true}]}}, "empty": ""}),
        )
        .unwrap(),
        created_at: now,
        matched: (0..1000).map(|_| WebhookId::new()).collect(),
    };
    assert!(store.put_event(&event, later).await.unwrap(), "stored");
    let again = Event {
        matched: Vec::new(),
        ..event.clone()
    };
    assert!(
        !store.put_event(&again, later).await.unwrap(),
        "an id stored already is not written again"
    );
    assert_eq!(
        store
            .get_event(&tenant("ev"), &event.id, now)
            .await
            .unwrap(),
        Some(event.clone())
    );
    assert_eq!(
        store
            .get_event(&tenant("ev-other"), &event.id, now)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .get_event(&tenant("ev"), &event.id, at(later.millis() + 1000))
            .await
            .unwrap(),
        None,
        "expired"
    );

    // Deliveries: more than one batch, overwritten in place.
    let mut deliveries: Vec<Delivery> = (0..30)
        .map(|_| Delivery::pending(event.id, WebhookId::new()))
        .collect();
    store
        .put_deliveries(&tenant("ev"), &deliveries, later)
        .await
        .unwrap();
    deliveries[3].status = DeliveryStatus::Succeeded;
    deliveries[3].attempts = 2;
    store
        .put_deliveries(&tenant("ev"), &deliveries[3..4], later)
        .await
        .unwrap();
    let mut listed = store
        .list_deliveries(&tenant("ev"), &event.id, now)
        .await
        .unwrap();
    listed.sort_by_key(|d| d.webhook_id);
    deliveries.sort_by_key(|d| d.webhook_id);
    assert_eq!(listed, deliveries);
    assert!(
        store
            .list_deliveries(&tenant("ev-other"), &event.id, now)
            .await
            .unwrap()
            .is_empty()
    );
    // One delivery's record: that webhook's, that tenant's, live.
    let one = &deliveries[3];
    let get = |t: &'static str, webhook_id: WebhookId, now| {
        let store = store.clone();
        async move {
            store
                .get_delivery(&tenant(t), &event.id, &webhook_id, now)
                .await
                .unwrap()
        }
    };
    assert_eq!(get("ev", one.webhook_id, now).await.as_ref(), Some(one));
    assert_eq!(get("ev", WebhookId::new(), now).await, None);
    assert_eq!(get("ev-other", one.webhook_id, now).await, None);
    assert_eq!(
        get("ev", one.webhook_id, at(later.millis() + 1000)).await,
        None,
        "expired"
    );

    // Idempotency keys: a claim names its event and holds the key (in flight) until it is
    // completed or its hold lapses; then the next claim resumes that event; a key handed
    // back resumes at once with what was not queued; a completed one answers until it
    // expires.
    use hookline::store::{Claim, KeyHold};
    let t = tenant("idem");
    let first = EventId::new();
    let hold = |event: EventId, now: Timestamp| KeyHold {
        event,
        until: at(now.millis() + 10_000),
        expires_at: at(now.millis() + 86_400_000),
    };
    let claim = |t: TenantId, key: &'static str, hold: KeyHold, now| {
        let store = store.clone();
        async move {
            store
                .claim_idempotency_key(&t, key, hold, now)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        claim(t.clone(), "k1", hold(first, now), now).await,
        Claim::Claimed
    );
    assert_eq!(
        claim(t.clone(), "k1", hold(EventId::new(), now), now).await,
        Claim::InFlight
    );
    assert_eq!(
        claim(tenant("idem-other"), "k1", hold(EventId::new(), now), now).await,
        Claim::Claimed,
        "keys are per tenant"
    );
    // A publish that died before completing: its hold lapses, and the key resumes its event.
    let lapsed = at(now.millis() + 11_000);
    let resumed = Claim::Resumed {
        event: first,
        unsent: None,
    };
    assert_eq!(
        claim(t.clone(), "k1", hold(EventId::new(), lapsed), lapsed).await,
        resumed
    );
    assert_eq!(
        claim(t.clone(), "k1", hold(EventId::new(), lapsed), lapsed).await,
        Claim::InFlight,
        "one resumer at a time"
    );
    // One that failed part way hands the key back with what it did not queue.
    let unsent = vec![WebhookId::new(), WebhookId::new()];
    store
        .hand_back_idempotency_key(&t, "k1", &unsent, lapsed)
        .await
        .unwrap();
    assert_eq!(
        claim(t.clone(), "k1", hold(EventId::new(), lapsed), lapsed).await,
        Claim::Resumed {
            event: first,
            unsent: Some(unsent)
        }
    );
    store
        .complete_idempotency_key(&t, "k1", "first", later)
        .await
        .unwrap();
    assert_eq!(
        claim(t.clone(), "k1", hold(EventId::new(), now), now).await,
        Claim::Answered("first".into())
    );
    store
        .hand_back_idempotency_key(&t, "k1", &[], lapsed)
        .await
        .unwrap();
    assert_eq!(
        claim(t.clone(), "k1", hold(EventId::new(), now), now).await,
        Claim::Answered("first".into()),
        "an answered key is not handed back"
    );
    let after = at(later.millis() + 1000);
    assert_eq!(
        claim(t.clone(), "k1", hold(EventId::new(), after), after).await,
        Claim::Claimed,
        "an expired answer is forgotten"
    );

    events_list(store).await;
}

/// The events list: one tenant's events newest first, paged, within a time window, with
/// their data only when asked, expired ones left out.
async fn events_list(store: Arc<dyn hookline::store::EventStore>) {
    use hookline::domain::{Event, EventId, EventType};
    let now = hookline::domain::Timestamp::now();
    let later = at(now.millis() + 3_600_000);
    let t = tenant("evlist");
    let base = now.millis() - 60_000;
    let mut made = Vec::new();
    for i in 0..23 {
        // The two oldest days back: the list walks days.
        let created_at = match i {
            0 => at(now.millis() - 3 * 86_400_000),
            1 => at(now.millis() - 86_400_000),
            _ => at(base + i * 10),
        };
        let event = Event {
            id: EventId::at(created_at),
            tenant: t.clone(),
            event_type: EventType::parse(if i % 3 == 0 { "a.x" } else { "b.y" }).unwrap(),
            data: EventData::from_object(&json!({ "i": i })).unwrap(),
            created_at,
            matched: Vec::new(),
        };
        store.put_event(&event, later).await.unwrap();
        made.push(event);
    }
    let mut other = made[0].clone();
    other.id = EventId::at(made[5].created_at);
    other.tenant = tenant("evlist-other");
    store.put_event(&other, later).await.unwrap();
    made.reverse();

    // The index behind the list may lag the write a moment (DynamoDB's indexes are
    // eventually consistent): wait until everything shows.
    let list = |range: TimeRange, before: Option<EventId>, limit: usize, with_data: bool| {
        let (store, t) = (store.clone(), t.clone());
        async move {
            store
                .list_events(&t, range, before.as_ref(), limit, with_data, now)
                .await
                .unwrap()
        }
    };
    for _ in 0..50 {
        if list(TimeRange::default(), None, 100, false).await.len() == made.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = list(TimeRange::default(), before, 7, false).await;
        if page.is_empty() {
            break;
        }
        assert!(
            page.iter().all(|e| e.data.is_none()),
            "no data unless asked"
        );
        before = page.last().map(|e| e.id);
        seen.extend(page);
    }
    let ids = |events: &[Event]| events.iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(
        seen.iter().map(|e| e.id).collect::<Vec<_>>(),
        ids(&made),
        "newest first, each once, no other tenant's"
    );
    assert_eq!(seen[0].event_type, made[0].event_type);
    assert_eq!(seen[0].created_at, made[0].created_at);

    // A window, both ends included, paged within it.
    let range = TimeRange {
        since: Some(made[15].created_at),
        until: Some(made[4].created_at),
    };
    let first = list(range, None, 5, true).await;
    let rest = list(range, first.last().map(|e| e.id), 100, true).await;
    let windowed: Vec<_> = first.iter().chain(&rest).map(|e| e.id).collect();
    assert_eq!(windowed, ids(&made[4..=15]));
    assert_eq!(
        first[0].data.as_ref().map(|d| d.as_str().to_owned()),
        Some(made[4].data.as_str().to_owned()),
        "data when asked"
    );
    let reversed = TimeRange {
        since: range.until,
        until: range.since,
    };
    assert!(list(reversed, None, 10, false).await.is_empty());
    assert!(list(range, Some(made[20].id), 10, false).await.is_empty());
    let expired = store
        .list_events(
            &t,
            TimeRange::default(),
            None,
            10,
            false,
            at(later.millis() + 1000),
        )
        .await
        .unwrap();
    assert!(expired.is_empty(), "expired events are not listed");
}

/// Every execution store check: newest first, paging, per webhook and tenant, expiry.
pub async fn execution_store(store: Arc<dyn hookline::store::ExecutionStore>) {
    counts_attempts_started_per_window(&*store).await;
    holds_one_recover_per_webhook(&*store).await;
    notes_queued_retries(&*store).await;
    use hookline::domain::Trigger;
    use hookline::domain::{EventId, EventType, Execution, ExecutionId, RequestStatus, WebhookId};
    let now = hookline::domain::Timestamp::now();
    let later = at(now.millis() + 3_600_000);
    let webhook = WebhookId::new();
    let record = |webhook_id: WebhookId, attempt: u32| Execution {
        id: ExecutionId::new(),
        tenant: tenant("ex"),
        webhook_id,
        event_id: EventId::new(),
        event_type: EventType::parse("task.completed").unwrap(),
        attempt,
        trigger: Trigger::Event,
        created_at: now,
        duration_ms: 12,
        request_status: if attempt.is_multiple_of(2) {
            RequestStatus::Success
        } else {
            RequestStatus::Error
        },
        response_status: Some(500),
        error_message: None,
        response_body: Some("oops".into()),
        url: "https://x.example/h".into(),
        next_attempt_at: None,
    };
    let mut made = Vec::new();
    for i in 0..12 {
        let e = record(webhook, i);
        store.insert(&e, later).await.unwrap();
        made.push(e);
        std::thread::sleep(std::time::Duration::from_millis(2)); // distinct UUIDv7 milliseconds
    }
    store
        .insert(&record(WebhookId::new(), 1), later)
        .await
        .unwrap();
    made.reverse();

    // An id is recorded once: a second record with it is refused and changes nothing.
    let mut twice = made[0].clone();
    twice.attempt = 99;
    let again = store.insert(&twice, later).await;
    assert!(matches!(again, Err(StoreError::Conflict)), "{again:?}");
    // Many at once, by (webhook, id); unknown ones are simply absent.
    let wanted: Vec<(WebhookId, ExecutionId)> = made
        .iter()
        .map(|e| (e.webhook_id, e.id))
        .chain([
            (webhook, ExecutionId::new()),
            (WebhookId::new(), made[0].id),
        ])
        .collect();
    let mut many = store.get_many(&tenant("ex"), &wanted, now).await.unwrap();
    many.sort_by_key(|e| std::cmp::Reverse(e.id));
    assert_eq!(many, made);
    assert!(
        store
            .get_many(&tenant("ex-other"), &wanted, now)
            .await
            .unwrap()
            .is_empty()
    );

    let mut seen = Vec::new();
    let mut before: Option<ExecutionId> = None;
    loop {
        let page = store
            .list(
                &tenant("ex"),
                &webhook,
                TimeRange::default(),
                before.as_ref(),
                5,
                now,
            )
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        before = page.last().map(|e| e.id);
        seen.extend(page);
    }
    assert_eq!(seen, made, "newest first, each once");
    let one = &made[4];
    assert_eq!(
        store
            .get(&tenant("ex"), &webhook, &one.id, now)
            .await
            .unwrap()
            .as_ref(),
        Some(one)
    );
    assert_eq!(
        store
            .get(&tenant("ex-other"), &webhook, &one.id, now)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .get(&tenant("ex"), &webhook, &one.id, at(later.millis() + 1000))
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .list(
                &tenant("ex"),
                &webhook,
                TimeRange::default(),
                None,
                5,
                at(later.millis() + 1000)
            )
            .await
            .unwrap()
            .is_empty()
    );

    // A window over the records' times, both ends included, paged within it.
    let range = TimeRange {
        since: Some(at(i64::try_from(made[9].id.unix_millis()).unwrap())),
        until: Some(at(i64::try_from(made[2].id.unix_millis()).unwrap())),
    };
    let first = store
        .list(&tenant("ex"), &webhook, range, None, 3, now)
        .await
        .unwrap();
    let rest = store
        .list(
            &tenant("ex"),
            &webhook,
            range,
            first.last().map(|e| e.id).as_ref(),
            100,
            now,
        )
        .await
        .unwrap();
    let windowed: Vec<ExecutionId> = first.iter().chain(&rest).map(|e| e.id).collect();
    assert_eq!(
        windowed,
        made[2..=9].iter().map(|e| e.id).collect::<Vec<_>>()
    );
    // Reversed ends, or a cursor before the window: nothing, not an error.
    let reversed = TimeRange {
        since: range.until,
        until: range.since,
    };
    assert!(
        store
            .list(&tenant("ex"), &webhook, reversed, None, 5, now)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .list(&tenant("ex"), &webhook, range, Some(&made[11].id), 5, now)
            .await
            .unwrap()
            .is_empty()
    );

    ended_notes(store).await;
}

/// Notes of deliveries that ended failed or dropped: by webhook, kind and event time,
/// counted and paged oldest first, cleared, expiring.
async fn ended_notes(store: Arc<dyn hookline::store::ExecutionStore>) {
    use hookline::domain::{Ended, EndedDelivery, EventId, WebhookId};
    let now = hookline::domain::Timestamp::now();
    let later = at(now.millis() + 3_600_000);
    let t = tenant("ended");
    let webhook = WebhookId::new();
    let base = now.millis() - 60_000;
    let events: Vec<EventId> = (0..30).map(|i| EventId::at(at(base + i * 10))).collect();
    for (i, event_id) in events.iter().enumerate() {
        let how = if i % 5 == 4 {
            Ended::Dropped
        } else {
            Ended::Failed
        };
        let noted = EndedDelivery {
            event_id: *event_id,
            attempts: u32::try_from(i).unwrap(),
        };
        store
            .note_ended(&t, &webhook, how, noted, later)
            .await
            .unwrap();
    }
    // Noted again: still one note.
    let again = EndedDelivery {
        event_id: events[0],
        attempts: 8,
    };
    store
        .note_ended(&t, &webhook, Ended::Failed, again, later)
        .await
        .unwrap();
    store
        .note_ended(
            &tenant("ended-other"),
            &webhook,
            Ended::Failed,
            again,
            later,
        )
        .await
        .unwrap();
    let all = TimeRange::default();
    let count = |how, range| {
        let (store, t) = (store.clone(), t.clone());
        async move {
            store
                .count_ended(&t, &webhook, how, range, now)
                .await
                .unwrap()
        }
    };
    assert_eq!(count(Ended::Failed, all).await, 24);
    assert_eq!(count(Ended::Dropped, all).await, 6);
    let range = TimeRange {
        since: Some(at(base + 50)),
        until: Some(at(base + 140)),
    };
    assert_eq!(
        count(Ended::Failed, range).await,
        8,
        "events 5 to 14, 9 and 14 dropped"
    );

    let mut walked = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .failed(&t, &webhook, all, after.as_ref(), 7, now)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|n| n.event_id);
        walked.extend(page);
    }
    let failed: Vec<EventId> = events
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 5 != 4)
        .map(|(_, e)| *e)
        .collect();
    assert_eq!(
        walked.iter().map(|n| n.event_id).collect::<Vec<_>>(),
        failed,
        "oldest first, each once"
    );
    assert_eq!(walked[0].attempts, 8, "the latest note counts");
    assert_eq!(walked[1].attempts, 1);
    let windowed = store
        .failed(&t, &webhook, range, None, 100, now)
        .await
        .unwrap();
    assert_eq!(windowed.len(), 8);
    assert_eq!(windowed[0].event_id, events[5]);

    let reversed = TimeRange {
        since: range.until,
        until: range.since,
    };
    assert_eq!(count(Ended::Failed, reversed).await, 0);
    assert!(
        store
            .failed(&t, &webhook, reversed, None, 10, now)
            .await
            .unwrap()
            .is_empty()
    );
    store.clear_failed(&t, &webhook, &events[1]).await.unwrap();
    assert_eq!(count(Ended::Failed, all).await, 23);
    assert_eq!(
        store
            .count_ended(&t, &webhook, Ended::Failed, all, at(later.millis() + 1000))
            .await
            .unwrap(),
        0,
        "expired notes are not counted"
    );
    assert!(
        store
            .failed(&t, &WebhookId::new(), all, None, 10, now)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A rate window's counter hands out what is asked while it fits, then what is left one at
/// a time, then nothing; windows, rates and tenants count apart.
async fn leases_publishes_up_to_the_windows_limit(store: &dyn hookline::store::EventStore) {
    use hookline::store::{Rate, RateWindow};
    let fresh = || {
        tenant(&format!(
            "rate-{}",
            hookline::domain::EventId::new()
                .to_string()
                .get(24..)
                .unwrap()
        ))
    };
    let t = fresh();
    let expires_at = at(hookline::domain::Timestamp::now().millis() + 60_000);
    let counter = |rate, window| RateWindow {
        rate,
        window,
        limit: 25,
        expires_at,
    };
    let publishes = |window| counter(Rate::Publishes, window);
    let window = 180_000_000;
    let mut got = Vec::new();
    for want in [10, 10, 10, 10, 10, 10, 10, 10, 1] {
        got.push(store.lease_rate(&t, publishes(window), want).await.unwrap());
    }
    assert_eq!(got, [10, 10, 1, 1, 1, 1, 1, 0, 0], "then spent");
    let lease = |t, c, want| async move { store.lease_rate(&t, c, want).await.unwrap() };
    assert_eq!(
        lease(t.clone(), publishes(window + 1), 10).await,
        10,
        "a new window"
    );
    assert_eq!(
        lease(t.clone(), counter(Rate::Deliveries, window), 10).await,
        10,
        "another rate"
    );
    assert_eq!(
        lease(fresh(), publishes(window + 1), 10).await,
        10,
        "another tenant"
    );
}

/// The in-flight cap's counter: up to the limit per webhook and window, each webhook and
/// window on its own.
async fn counts_attempts_started_per_window(store: &dyn hookline::store::ExecutionStore) {
    let (t, w, other) = (tenant("slots"), WebhookId::new(), WebhookId::new());
    let lapses = Timestamp::from_millis(Timestamp::now().millis() + 60_000).unwrap();
    let window = Timestamp::now().millis() / 15_000;
    for _ in 0..2 {
        assert!(
            store
                .start_attempt(&t, &w, window, 2, lapses)
                .await
                .unwrap()
        );
    }
    assert!(
        !store
            .start_attempt(&t, &w, window, 2, lapses)
            .await
            .unwrap(),
        "a third"
    );
    assert!(
        !store
            .start_attempt(&t, &w, window, 2, lapses)
            .await
            .unwrap(),
        "refusals do not count"
    );
    assert!(
        store
            .start_attempt(&t, &other, window, 2, lapses)
            .await
            .unwrap(),
        "another webhook"
    );
    assert!(
        store
            .start_attempt(&tenant("slots-other"), &w, window, 2, lapses)
            .await
            .unwrap(),
        "another tenant"
    );
    assert!(
        store
            .start_attempt(&t, &w, window + 1, 2, lapses)
            .await
            .unwrap(),
        "the next window"
    );
}

/// The note that a delivery's retry is queued: per tenant, webhook and event, only ever
/// raised, expiring.
async fn notes_queued_retries(store: &dyn hookline::store::ExecutionStore) {
    use hookline::domain::EventId;
    let (t, w, event) = (tenant("queued"), WebhookId::new(), EventId::new());
    let now = Timestamp::now();
    let later = at(now.millis() + 60_000);
    assert_eq!(store.queued_after(&t, &w, &event, now).await.unwrap(), None);
    store.note_queued(&t, &w, &event, 2, later).await.unwrap();
    store.note_queued(&t, &w, &event, 1, later).await.unwrap();
    assert_eq!(
        store.queued_after(&t, &w, &event, now).await.unwrap(),
        Some(2),
        "a late note of an earlier attempt lowers nothing"
    );
    store.note_queued(&t, &w, &event, 3, later).await.unwrap();
    assert_eq!(
        store.queued_after(&t, &w, &event, now).await.unwrap(),
        Some(3)
    );
    let elsewhere = [
        (tenant("queued-other"), w, event),
        (t.clone(), WebhookId::new(), event),
        (t.clone(), w, EventId::new()),
    ];
    for (t, w, event) in &elsewhere {
        assert_eq!(store.queued_after(t, w, event, now).await.unwrap(), None);
    }
    let after_expiry = at(later.millis() + 1_000);
    assert_eq!(
        store
            .queued_after(&t, &w, &event, after_expiry)
            .await
            .unwrap(),
        None,
        "expired"
    );
}

/// Each tenant's settings: unset until patched, a merge patch sets, resets and leaves fields,
/// concurrent patches of different fields all hold, and tenants are apart.
pub async fn tenant_settings_store(store: Arc<dyn hookline::store::TenantSettingsStore>) {
    use hookline::tenant_settings::{SettingsPatch, TenantSettings};
    let (a, b) = (
        TenantId::parse("settings-a").unwrap(),
        TenantId::parse("settings-b").unwrap(),
    );
    assert_eq!(
        store.get_settings(&a).await.unwrap(),
        TenantSettings::default()
    );
    let set = SettingsPatch {
        deliveries_per_second: Some(Some(70)),
        events_per_second: Some(Some(3)),
        retention_days: Some(Some(7)),
        ..SettingsPatch::default()
    };
    let expected = TenantSettings {
        deliveries_per_second: Some(70),
        max_in_flight: None,
        events_per_second: Some(3),
        retention_days: Some(7),
    };
    assert_eq!(store.update_settings(&a, &set).await.unwrap(), expected);
    assert_eq!(store.get_settings(&a).await.unwrap(), expected);
    assert_eq!(
        store
            .update_settings(&a, &SettingsPatch::default())
            .await
            .unwrap(),
        expected,
        "an empty patch changes nothing"
    );
    let reset = SettingsPatch {
        deliveries_per_second: Some(None),
        max_in_flight: Some(Some(9)),
        ..SettingsPatch::default()
    };
    let expected = TenantSettings {
        deliveries_per_second: None,
        max_in_flight: Some(9),
        ..expected
    };
    assert_eq!(store.update_settings(&a, &reset).await.unwrap(), expected);
    assert_eq!(store.get_settings(&a).await.unwrap(), expected);
    assert_eq!(
        store.get_settings(&b).await.unwrap(),
        TenantSettings::default(),
        "another tenant's settings are its own"
    );

    // Four patches at once, each of its own field: none is lost. (The item exists first:
    // moto does not lock around `UpdateItem`, and two creating it at once may lose one.)
    let first = SettingsPatch {
        retention_days: Some(Some(60)),
        ..SettingsPatch::default()
    };
    store.update_settings(&b, &first).await.unwrap();
    let patches = [
        SettingsPatch {
            deliveries_per_second: Some(Some(1)),
            ..SettingsPatch::default()
        },
        SettingsPatch {
            max_in_flight: Some(Some(2)),
            ..SettingsPatch::default()
        },
        SettingsPatch {
            events_per_second: Some(Some(3)),
            ..SettingsPatch::default()
        },
        SettingsPatch {
            retention_days: Some(Some(4)),
            ..SettingsPatch::default()
        },
    ];
    let tasks: Vec<_> = patches
        .into_iter()
        .map(|patch| {
            let (store, b) = (store.clone(), b.clone());
            tokio::spawn(async move { store.update_settings(&b, &patch).await.unwrap() })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(
        store.get_settings(&b).await.unwrap(),
        TenantSettings {
            deliveries_per_second: Some(1),
            max_in_flight: Some(2),
            events_per_second: Some(3),
            retention_days: Some(4),
        }
    );
    // Every field back to the default.
    let all_reset = SettingsPatch {
        deliveries_per_second: Some(None),
        max_in_flight: Some(None),
        events_per_second: Some(None),
        retention_days: Some(None),
    };
    assert_eq!(
        store.update_settings(&b, &all_reset).await.unwrap(),
        TenantSettings::default()
    );
    assert_eq!(
        store.get_settings(&b).await.unwrap(),
        TenantSettings::default()
    );
}

/// What the sweep reads: the tenants active in a minute, in order, paged, expiring; a
/// tenant's events of a minute in id order, paged, each with the webhooks whose delivery
/// has a record; the sweep's progress.
pub async fn sweep_store<S>(store: Arc<S>)
where
    S: hookline::store::SweepStore + hookline::store::EventStore + 'static,
{
    use hookline::domain::{Delivery, Event, EventId, EventType};
    use hookline::store::SweepProgress;
    let now = Timestamp::now();
    let later = at(now.millis() + 3_600_000);
    // Minutes no other test uses, a day ago: the table may be shared.
    let minute = now.millis() / 60_000 - 1_440;
    for name in ["sw-b", "sw-a", "sw-c", "sw-a"] {
        store
            .mark_active(minute, &tenant(name), later)
            .await
            .unwrap();
    }
    store
        .mark_active(minute + 1, &tenant("sw-d"), later)
        .await
        .unwrap();
    store
        .mark_active(minute + 2, &tenant("sw-e"), at(now.millis() - 1_000))
        .await
        .unwrap();
    let names = |tenants: Vec<TenantId>| -> Vec<String> {
        tenants.iter().map(|t| t.as_str().to_owned()).collect()
    };
    let active = store.active_tenants(minute, None, 10).await.unwrap();
    assert_eq!(names(active), ["sw-a", "sw-b", "sw-c"]);
    let first_two = store.active_tenants(minute, None, 2).await.unwrap();
    assert_eq!(names(first_two), ["sw-a", "sw-b"]);
    let after_b = store
        .active_tenants(minute, Some(&tenant("sw-b")), 10)
        .await
        .unwrap();
    assert_eq!(names(after_b), ["sw-c"]);
    let next = store.active_tenants(minute + 1, None, 10).await.unwrap();
    assert_eq!(names(next), ["sw-d"]);
    let expired = store.active_tenants(minute + 2, None, 10).await.unwrap();
    assert!(expired.is_empty(), "an expired mark is not listed");

    // Five events of sw-a in the minute, one in the next, one of sw-b.
    let event = |name: &str, millis: i64| Event {
        id: EventId::at(at(millis)),
        tenant: tenant(name),
        event_type: EventType::parse("a").unwrap(),
        data: EventData::from_object(&json!({"at": millis})).unwrap(),
        created_at: at(millis),
        matched: vec![WebhookId::new(), WebhookId::new()],
    };
    let start = minute * 60_000;
    let mut mine: Vec<Event> = (0..5).map(|i| event("sw-a", start + i * 11_000)).collect();
    mine.sort_by_key(|e| e.id);
    let others = [event("sw-a", start + 60_000), event("sw-b", start + 1)];
    for e in mine.iter().chain(&others) {
        store.put_event(e, later).await.unwrap();
    }
    let recorded = mine[1].matched[0];
    let delivery = Delivery::pending(mine[1].id, recorded);
    store
        .put_deliveries(&tenant("sw-a"), &[delivery], later)
        .await
        .unwrap();
    let read = |after: Option<EventId>, limit: usize| {
        let store = store.clone();
        async move {
            store
                .minute_events(&tenant("sw-a"), minute, after.as_ref(), limit, now)
                .await
                .unwrap()
        }
    };
    let all = read(None, 10).await;
    let ids = |page: &[hookline::store::RecordedEvent]| -> Vec<EventId> {
        page.iter().map(|r| r.event.id).collect()
    };
    let want: Vec<EventId> = mine.iter().map(|e| e.id).collect();
    assert_eq!(
        ids(&all),
        want,
        "the minute's events in id order, no other's"
    );
    assert_eq!(all[1].event, mine[1], "with data and matches");
    assert_eq!(all[1].recorded, [recorded]);
    assert!(
        all.iter()
            .filter(|r| r.event.id != mine[1].id)
            .all(|r| r.recorded.is_empty())
    );
    assert_eq!(ids(&read(None, 2).await), want[..2]);
    assert_eq!(ids(&read(Some(want[1]), 2).await), want[2..4]);
    assert!(read(Some(want[4]), 2).await.is_empty());
    let gone = store
        .minute_events(
            &tenant("sw-a"),
            minute,
            None,
            10,
            at(later.millis() + 1_000),
        )
        .await
        .unwrap();
    assert!(gone.is_empty(), "expired events are not read");

    // Progress: as written, last write wins.
    let progress = SweepProgress {
        minute,
        tenant: Some(tenant("sw-a")),
        event: Some(want[1]),
    };
    store.set_sweep_progress(&progress).await.unwrap();
    assert_eq!(store.sweep_progress().await.unwrap(), Some(progress));
    let progress = SweepProgress {
        minute: minute + 1,
        tenant: None,
        event: None,
    };
    store.set_sweep_progress(&progress).await.unwrap();
    assert_eq!(store.sweep_progress().await.unwrap(), Some(progress));
}
