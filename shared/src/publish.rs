//! Publishing events: the application service behind `POST /v1/events` and the ingest queue.
//!
//! A batch of events goes through named phases, in order: `check` against the catalog (and
//! find the webhooks each event matches) → `admit` by the tenant's publish quota → `claim`
//! idempotency keys → `store_and_queue` → `settle` (answer each key, count the event). An
//! event a phase refuses leaves the batch with its answer; the others go on together, and the
//! answers come back in the order of the events.

use crate::AppContext;
use crate::body::Body;
use crate::catalog::Loaded;
use crate::delivery::enqueue;
use crate::domain::{
    Event, EventData, EventId, EventType, FieldError, TenantId, Timestamp, WebhookId,
};
use crate::quota::Admission;
use crate::routing::Routes;
use crate::store::{Claim, KeyHold, StoreError};
use serde_json::Value;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// The most `data` an event may carry, as JSON.
pub const MAX_DATA_BYTES: usize = 256 * 1024;
/// Idempotency keys are remembered this long.
const IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 3600);
/// A claimed key is held this long for a publish that has not finished: a publish that died
/// blocks its key no longer. Storing and queueing take far less; one that runs longer may be
/// resumed beside it, which queues under the same event id and webhook-ids.
const IDEMPOTENCY_HOLD: Duration = Duration::from_secs(10);
const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;
/// An event's schema check and matching run off the runtime's threads from this much `data`
/// (an array of thousands of values checked against a schema or matched against filters)...
const HEAVY_DATA_BYTES: usize = 16 * 1024;
/// ...and its matching from this many active webhooks of its tenant.
const HEAVY_ROUTES: usize = 1_000;

/// An event to publish, its fields checked: what `POST /v1/events` and an ingest message carry.
pub struct NewEvent {
    pub tenant: TenantId,
    pub event_type: EventType,
    pub data: Value,
    pub encoded: EventData,
    pub idempotency_key: Option<String>,
}

/// `event_type` and `data` of an event to publish, checked; what is wrong is noted in `body`.
pub fn event_fields(body: &mut Body) -> Option<(EventType, Value, EventData)> {
    let event_type = body.take_parsed("event_type", EventType::parse);
    let event_type = body.require("event_type", event_type);
    let data = body.take::<Value>("data");
    let encoded = data.as_ref().map(EventData::from_object);
    if let Some(Err(why)) = &encoded {
        body.error("data", why.to_string());
    }
    let data = body.require("data", data.filter(Value::is_object));
    Some((event_type?, data?, encoded?.ok()?))
}

/// An idempotency key as given: 1 to 255 visible ASCII characters.
pub fn checked_key(given: Option<&str>) -> Result<String, FieldError> {
    given
        .map(str::trim)
        .filter(|k| {
            !k.is_empty()
                && k.len() <= MAX_IDEMPOTENCY_KEY_LEN
                && k.chars().all(|c| c.is_ascii_graphic())
        })
        .map(str::to_owned)
        .ok_or_else(|| {
            FieldError::new(
                "Idempotency-Key",
                format!("must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} visible ASCII characters"),
            )
        })
}

/// What the publish of a new event answers, and what its idempotency key remembers.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Receipt {
    pub id: EventId,
    pub event_type: EventType,
    pub created_at: Timestamp,
    pub matched: usize,
}

impl Receipt {
    fn of(event: &Event) -> Self {
        Self {
            id: event.id,
            event_type: event.event_type.clone(),
            created_at: event.created_at,
            matched: event.matched.len(),
        }
    }
}

/// What a publish answers: the new event, or the answer first given for its idempotency key.
pub enum Published {
    New(Receipt),
    Repeated(Value),
}

/// Every way a publish fails. A refusal's text is the reason an ingest message's event is
/// dead-lettered with: its problem's type and English detail, as the API would answer it (a
/// test in `api::problem` holds them equal). The others are transient, and only logged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// The event, the catalog or the event type's schema refuses it.
    #[error("validation_error: Some fields are invalid; see `errors`.{}", listed(.0))]
    Invalid(Vec<FieldError>),
    /// `data` over `MAX_DATA_BYTES`.
    #[error("payload_too_large: The request body exceeds {MAX_DATA_BYTES} bytes.")]
    DataTooLarge,
    /// The tenant is over its publish rate: try again after this many seconds.
    #[error("rate limited")]
    RateLimited { retry_after: u64 },
    /// A publish with the same idempotency key is still running.
    #[error("idempotency key in use")]
    KeyInFlight,
    /// A store, the catalog or the queue failed; the cause is logged where it happened.
    #[error("internal error")]
    Internal,
}

/// Field errors as ` (field: message; ...)`, or nothing.
fn listed(errors: &[FieldError]) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let fields: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect();
    format!(" ({})", fields.join("; "))
}

impl PublishError {
    /// Whether the same publish may succeed later: an outage, the rate, a key held.
    pub fn is_transient(&self) -> bool {
        match self {
            PublishError::Internal
            | PublishError::KeyInFlight
            | PublishError::RateLimited { .. } => true,
            PublishError::Invalid(_) | PublishError::DataTooLarge => false,
        }
    }
}

impl From<StoreError> for PublishError {
    fn from(error: StoreError) -> Self {
        tracing::error!(error.cause_chain = ?crate::telemetry::error_chain(&error), "store failed");
        PublishError::Internal
    }
}

/// Publishes one event, as `publish` does a batch of one.
pub async fn publish_one(ctx: &AppContext, event: NewEvent) -> Result<Published, PublishError> {
    publish(ctx, vec![event])
        .await
        .pop()
        .unwrap_or(Err(PublishError::Internal))
}

/// Publishes events, answering for each in order. The events of a batch share their reads of
/// a tenant's routes and their SQS requests (ten first tasks to one request), which is what
/// makes the ingest queue cheap.
pub async fn publish(ctx: &AppContext, events: Vec<NewEvent>) -> Vec<Answer> {
    let now = Timestamp::now();
    let checked = check(ctx, now, events).await;
    let admitted = checked.each(|event| admit(ctx, now, event)).await;
    let claimed = admitted.each(|event| claim(ctx, now, event)).await;
    let stored = store_and_queue(ctx, now, claimed).await;
    stored.finish(|event| settle(ctx, now, event)).await
}

/// What one event of a batch is answered.
pub type Answer = Result<Published, PublishError>;

/// One event of a batch: still going through the phases, or answered.
enum Step<T> {
    Going(T),
    Answered(Answer),
}

impl<T> From<Result<T, PublishError>> for Step<T> {
    fn from(result: Result<T, PublishError>) -> Self {
        match result {
            Ok(going) => Step::Going(going),
            Err(e) => Step::Answered(Err(e)),
        }
    }
}

/// The events of a publish, in their order.
struct Batch<T>(Vec<Step<T>>);

impl<T> Batch<T> {
    /// Each going event through `phase`, one after the other; answered ones stay answered.
    async fn each<U, Fut>(self, mut phase: impl FnMut(T) -> Fut) -> Batch<U>
    where
        Fut: Future<Output = Step<U>>,
    {
        let mut steps = Vec::with_capacity(self.0.len());
        for step in self.0 {
            steps.push(match step {
                Step::Going(going) => phase(going).await,
                Step::Answered(answer) => Step::Answered(answer),
            });
        }
        Batch(steps)
    }

    /// The last phase: every event answered, in order.
    async fn finish<Fut>(self, mut phase: impl FnMut(T) -> Fut) -> Vec<Answer>
    where
        Fut: Future<Output = Answer>,
    {
        let answered: Batch<Infallible> = self
            .each(|going| {
                let answer = phase(going);
                async move { Step::Answered(answer.await) }
            })
            .await;
        answered
            .0
            .into_iter()
            .map(|step| match step {
                Step::Going(never) => match never {},
                Step::Answered(answer) => answer,
            })
            .collect()
    }

    fn going(&self) -> impl Iterator<Item = &T> {
        self.0.iter().filter_map(|step| match step {
            Step::Going(going) => Some(going),
            Step::Answered(_) => None,
        })
    }

    fn map<U>(self, mut f: impl FnMut(T) -> U) -> Batch<U> {
        let steps = self.0.into_iter().map(|step| match step {
            Step::Going(going) => Step::Going(f(going)),
            Step::Answered(answer) => Step::Answered(answer),
        });
        Batch(steps.collect())
    }
}

/// An event that the catalog accepts, with the webhooks it matches.
struct Checked {
    event: Event,
    key: Option<String>,
    queueing: Queueing,
}

/// What storing and queueing an event has to send.
enum Queueing {
    /// A new event: the first task of every delivery.
    First,
    /// An event a publish with the same key stopped in: the deliveries it said it did not
    /// queue, or (`None`) every delivery, each checked by its worker for an attempt made.
    Resumed(Option<Vec<WebhookId>>),
}

impl Checked {
    /// This event as the one an earlier publish with the same key began: its id (and so
    /// its time), and what is left to queue.
    fn resuming(mut self, id: EventId, unsent: Option<Vec<WebhookId>>, now: Timestamp) -> Self {
        self.event.id = id;
        self.event.created_at = created_at(&id, now);
        self.queueing = Queueing::Resumed(unsent);
        self
    }
}

/// An event after `store_and_queue`: `unsent` holds the deliveries not queued (all of them
/// when the event was not stored); `None` when it is stored and queued.
struct Stored {
    checked: Checked,
    unsent: Option<Vec<WebhookId>>,
}

/// Each tenant's routes, read once per batch.
type TenantRoutes = HashMap<TenantId, Arc<Routes>>;

/// Checks each event against the catalog (read once) and finds the webhooks it matches.
async fn check(ctx: &AppContext, now: Timestamp, events: Vec<NewEvent>) -> Batch<Checked> {
    let catalog = ctx.catalog_cache.current(ctx.catalog.as_ref()).await;
    let mut routes = TenantRoutes::new();
    let mut steps = Vec::with_capacity(events.len());
    for new in events {
        let checked = check_one(ctx, catalog.as_ref().ok(), &mut routes, now, new).await;
        steps.push(Step::from(checked));
    }
    if let Err(e) = &catalog {
        tracing::error!(error.cause_chain = ?crate::telemetry::error_chain(e), "reading the event-type catalog failed");
    }
    Batch(steps)
}

async fn check_one(
    ctx: &AppContext,
    catalog: Option<&Arc<Loaded>>,
    routes: &mut TenantRoutes,
    now: Timestamp,
    new: NewEvent,
) -> Result<Checked, PublishError> {
    if new.encoded.encoded_len() > MAX_DATA_BYTES {
        return Err(PublishError::DataTooLarge);
    }
    let catalog = catalog.ok_or(PublishError::Internal)?.clone();
    let heavy_data = new.encoded.encoded_len() >= HEAVY_DATA_BYTES;
    let NewEvent {
        tenant,
        event_type,
        data,
        encoded,
        idempotency_key,
    } = new;
    let mode = ctx.config.catalog;
    let (data, event_type, failures) = off_the_runtime(heavy_data, move || {
        let failures = catalog.check_publish(mode, &event_type, &data);
        (data, event_type, failures)
    })
    .await?;
    if !failures.is_empty() {
        return Err(PublishError::Invalid(failures));
    }
    let tenant_routes = match routes.get(&tenant) {
        Some(r) => r.clone(),
        None => {
            let r = ctx.routes.current(ctx.webhooks.as_ref(), &tenant).await?;
            routes.insert(tenant.clone(), r.clone());
            r
        }
    };
    let heavy = heavy_data || tenant_routes.len() >= HEAVY_ROUTES;
    let (event_type, matched) = off_the_runtime(heavy, move || {
        let matched = tenant_routes.matching(&event_type, &data);
        (event_type, matched)
    })
    .await?;
    // The event's time is its id's, to the millisecond: the events list's window is a range
    // of ids. Ids made in one process keep their order within a millisecond.
    let id = idempotency_key
        .as_deref()
        .and_then(|key| own_id(&tenant, key, now))
        .unwrap_or_else(EventId::new);
    let event = Event {
        id,
        tenant,
        event_type,
        data: encoded,
        created_at: created_at(&id, now),
        matched,
    };
    Ok(Checked {
        event,
        key: idempotency_key,
        queueing: Queueing::First,
    })
}

/// Keys of this form name their event by themselves (`own_id`): what ingest gives an event
/// that came without a key, `ingest:<the message's sent time, unix ms>:<message id>:<index>`.
pub const SELF_NAMING_PREFIX: &str = "ingest:";
/// How far a self-naming key's time may lie from now: within the day a key is remembered.
const SELF_NAMING_SPAN: Duration = Duration::from_secs(24 * 3600);

/// The id a self-naming key gives its event: its time from the key, the rest from tenant and
/// key. The event's own conditional write is then its claim: no key record is written, so
/// ingest's events cost nothing more for being published once. `None` for any other key,
/// or one whose time is not within a day of now.
fn own_id(tenant: &TenantId, key: &str, now: Timestamp) -> Option<EventId> {
    let rest = key.strip_prefix(SELF_NAMING_PREFIX)?;
    let (millis, _) = rest.split_once(':')?;
    let millis: i64 = millis.parse().ok()?;
    let span = i64::try_from(SELF_NAMING_SPAN.as_millis()).unwrap_or(i64::MAX);
    if !(now.millis() - span..=now.millis() + 60_000).contains(&millis) {
        return None;
    }
    let millis = u64::try_from(millis).ok()?;
    Some(EventId::derived(
        millis,
        &[tenant.as_str().as_bytes(), b"\n", key.as_bytes()],
    ))
}

/// An event's time: its id's.
fn created_at(id: &EventId, now: Timestamp) -> Timestamp {
    Timestamp::from_millis(i64::try_from(id.unix_millis()).unwrap_or(0)).unwrap_or(now)
}

/// Runs `work` on tokio's blocking pool when it is `heavy`, so that the requests and
/// deliveries sharing the runtime's threads do not wait for it; in place otherwise, where the
/// hop to another thread would cost more than the work.
async fn off_the_runtime<T: Send + 'static>(
    heavy: bool,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PublishError> {
    if !heavy {
        return Ok(work());
    }
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        tracing::error!(error = %e, "a publish's matching or schema check failed");
        PublishError::Internal
    })
}

/// The tenant's rate: an event over it is refused before anything is stored.
async fn admit(ctx: &AppContext, now: Timestamp, checked: Checked) -> Step<Checked> {
    let tenant = &checked.event.tenant;
    let per_second = match ctx.effective_settings(tenant).await {
        Ok(effective) => effective.events_per_second,
        Err(e) => return Step::Answered(Err(e.into())),
    };
    match ctx
        .publish_quota
        .admit(ctx.events.as_ref(), tenant, per_second, now)
        .await
    {
        Ok(Admission::Admitted) => Step::Going(checked),
        Ok(Admission::Limited { retry_after, .. }) => {
            Step::Answered(Err(PublishError::RateLimited { retry_after }))
        }
        Err(e) => Step::Answered(Err(e.into())),
    }
}

/// Each key is claimed as in flight first and answered from only once its event is stored
/// and queued (`settle`). The key names its event from the first claim on: a publish sent
/// again after one that died (its hold lapsed) or failed (it handed the key back) resumes
/// that event, under the same id.
async fn claim(ctx: &AppContext, now: Timestamp, mut checked: Checked) -> Step<Checked> {
    let Some(key) = &checked.key else {
        return Step::Going(checked);
    };
    if own_id(&checked.event.tenant, key, now).is_some() {
        // Its event's id follows from the key: storing the event claims it.
        checked.key = None;
        return Step::Going(checked);
    }
    let hold = KeyHold {
        event: checked.event.id,
        until: now.plus(IDEMPOTENCY_HOLD),
        expires_at: now.plus(IDEMPOTENCY_TTL),
    };
    let claim = ctx
        .events
        .claim_idempotency_key(&checked.event.tenant, key, hold, now)
        .await;
    match claim {
        Ok(Claim::Claimed) => Step::Going(checked),
        Ok(Claim::Resumed { event, unsent }) => {
            tracing::info!(tenant = %checked.event.tenant, event_id = %event, "resuming a publish that stopped before answering");
            Step::Going(checked.resuming(event, unsent, now))
        }
        Ok(Claim::InFlight) => Step::Answered(Err(PublishError::KeyInFlight)),
        Ok(Claim::Answered(first)) => Step::Answered(Ok(Published::Repeated(
            serde_json::from_str(&first).unwrap_or(Value::Null),
        ))),
        Err(e) => Step::Answered(Err(e.into())),
    }
}

/// Stores each event, then queues the first tasks of every new event together, and what a
/// resumed event has left.
async fn store_and_queue(ctx: &AppContext, now: Timestamp, batch: Batch<Checked>) -> Batch<Stored> {
    let expires_at = ctx.records_expire_at(now);
    let events: Vec<&Event> = batch.going().map(|c| &c.event).collect();
    let stored = crate::sweep::store_marked(ctx, &events, expires_at).await;
    let mut tasks = Vec::new();
    let mut unsent: HashMap<EventId, Vec<WebhookId>> = HashMap::new();
    let mut resumed = Vec::new();
    for (checked, result) in batch.going().zip(stored) {
        let event = &checked.event;
        match (result, &checked.queueing) {
            (Ok(true), Queueing::First) => {
                tasks.extend(enqueue::first_tasks(event, &event.payload()))
            }
            // Stored before under an id its key names: queued again, each delivery checked.
            (Ok(false), Queueing::First) => resumed.push((event, &None)),
            (Ok(_), Queueing::Resumed(left)) => resumed.push((event, left)),
            (Err(e), _) => {
                tracing::error!(error.cause_chain = ?crate::telemetry::error_chain(&e), "storing an event failed");
                unsent.insert(event.id, event.matched.clone());
            }
        }
    }
    if let Err(failed) = enqueue::publish(ctx, tasks).await {
        tracing::error!(error.cause_chain = ?crate::telemetry::error_chain(&failed.error), events = failed.events.len(), "queueing deliveries failed");
        unsent.extend(failed.events);
    }
    for (event, left) in resumed {
        let webhooks = match left {
            Some(left) => left
                .iter()
                .filter(|w| event.matched.contains(w))
                .copied()
                .collect(),
            None => event.matched.clone(),
        };
        if let Err(failed) = enqueue::requeue(ctx, event, &webhooks).await {
            tracing::error!(error.cause_chain = ?crate::telemetry::error_chain(&failed.error), event_id = %event.id, "queueing a resumed event's deliveries failed");
            unsent.extend(failed.events);
        }
    }
    batch.map(|checked| Stored {
        unsent: unsent.remove(&checked.event.id),
        checked,
    })
}

/// Answers the event's key (remembered when queued; handed back with what was not queued
/// when not, so that the same key sent again resumes it at once) and counts it published.
async fn settle(ctx: &AppContext, now: Timestamp, stored: Stored) -> Answer {
    let Stored {
        checked: Checked { event, key, .. },
        unsent,
    } = stored;
    let tenant = &event.tenant;
    if let Some(unsent) = unsent {
        if let Some(key) = &key
            && let Err(e) = ctx
                .events
                .hand_back_idempotency_key(tenant, key, &unsent, now)
                .await
        {
            tracing::error!(error.cause_chain = ?crate::telemetry::error_chain(&e), "handing back an idempotency key failed");
        }
        return Err(PublishError::Internal);
    }
    let receipt = Receipt::of(&event);
    if let Some(key) = &key {
        let remembered = serde_json::to_string(&receipt).unwrap_or_default();
        let until = now.plus(IDEMPOTENCY_TTL);
        // The event is queued: a failure here only leaves the claim to lapse, and the key
        // sent again resumes the same event.
        if let Err(e) = ctx
            .events
            .complete_idempotency_key(tenant, key, &remembered, until)
            .await
        {
            tracing::error!(error.cause_chain = ?crate::telemetry::error_chain(&e), "recording an idempotent answer failed");
        }
    }
    tracing::info!(tenant = %tenant, event_id = %event.id, matched = event.matched.len(), "event published");
    crate::metrics::published(&ctx.config.metrics, tenant, event.matched.len());
    Ok(Published::New(receipt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_naming_key_gives_its_event_one_id_of_its_time() {
        let (acme, other) = (
            TenantId::parse("acme").unwrap(),
            TenantId::parse("other").unwrap(),
        );
        let now = Timestamp::from_millis(1_800_000_100_000).unwrap();
        let key = "ingest:1800000000000:m-1:3";
        let id = own_id(&acme, key, now).unwrap();
        assert_eq!(id.unix_millis(), 1_800_000_000_000, "the message's time");
        assert_eq!(own_id(&acme, key, now), Some(id), "the same every time");
        assert_ne!(own_id(&other, key, now), Some(id), "each tenant its own");
        assert_ne!(own_id(&acme, "ingest:1800000000000:m-1:4", now), Some(id));
        assert_eq!(own_id(&acme, "ingest:m-1:3", now), None, "no time");
        assert_eq!(own_id(&acme, "order-42", now), None, "any other key");
        let days_later = Timestamp::from_millis(1_800_200_000_000).unwrap();
        assert_eq!(own_id(&acme, key, days_later), None, "a day past its time");
    }
}
