//! Publishing events and reading where their deliveries stand.

use super::ApiError;
use super::call::Call;
use super::request::{ApiResponse, Body, json_response};
use super::views::{EventView, PublishedView};
use crate::AppContext;
use crate::delivery::enqueue;
use crate::domain::{
    Delivery, Event, EventData, EventId, EventType, Execution, ExecutionId, TenantId, Timestamp,
    WebhookId,
};
use crate::quota::Admission;
use crate::store::Claim;
use http::StatusCode;
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

/// The most `data` an event may carry, as JSON.
pub const MAX_DATA_BYTES: usize = 256 * 1024;
/// Idempotency keys are remembered this long.
const IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 3600);
/// A claimed key is held this long for a publish that has not finished: longer than any
/// publish takes (the function's timeout is 30 s), short enough that one that died does not
/// block its key for long.
const IDEMPOTENCY_HOLD: Duration = Duration::from_secs(60);
const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// An `Idempotency-Key` as given: 1 to 255 visible ASCII characters.
fn checked_key(given: Option<&str>) -> Result<String, ApiError> {
    given
        .map(str::trim)
        .filter(|k| {
            !k.is_empty()
                && k.len() <= MAX_IDEMPOTENCY_KEY_LEN
                && k.chars().all(|c| c.is_ascii_graphic())
        })
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::validation(
                "Idempotency-Key",
                format!("must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} visible ASCII characters"),
            )
        })
}

/// An event to publish, checked: what `POST /v1/events` and an ingest message carry.
pub struct NewEvent {
    pub tenant: TenantId,
    pub event_type: EventType,
    pub data: Value,
    pub encoded: EventData,
    pub idempotency_key: Option<String>,
}

/// What a publish answers: the new event, or the answer first given for its idempotency key.
pub enum Published {
    New(PublishedView),
    Repeated(Value),
}

/// `event_type` and `data` of a publish body, checked; what is wrong is noted in `body`.
fn event_fields(body: &mut Body) -> Option<(EventType, Value, EventData)> {
    let event_type = body
        .take::<String>("event_type")
        .and_then(|t| match EventType::parse(&t) {
            Ok(t) => Some(t),
            Err(why) => {
                body.error("event_type", why);
                None
            }
        });
    let event_type = body.require("event_type", event_type);
    let data = body.take::<Value>("data");
    let encoded = data.as_ref().map(EventData::from_object);
    if let Some(Err(why)) = &encoded {
        body.error("data", why.to_string());
    }
    let data = body.require("data", data.filter(Value::is_object));
    Some((event_type?, data?, encoded?.ok()?))
}

pub async fn publish(call: Call<'_>) -> Result<ApiResponse, ApiError> {
    let key = call
        .request
        .headers
        .get("idempotency-key")
        .map(|v| checked_key(v.to_str().ok()));
    let mut body = Body::parse(&call.request.body, &["event_type", "data"], &[])?;
    let fields = event_fields(&mut body);
    let mut errors = body.into_errors();
    let key = key
        .transpose()
        .map_err(|e| super::webhooks::push(&mut errors, e));
    let (Some((event_type, data, encoded)), Ok(idempotency_key), true) =
        (fields, key, errors.is_empty())
    else {
        return Err(ApiError::Validation(errors));
    };
    let new = NewEvent {
        tenant: call.caller.tenant.clone(),
        event_type,
        data,
        encoded,
        idempotency_key,
    };
    Ok(match publish_event(call.ctx, new).await? {
        Published::New(answer) => json_response(StatusCode::ACCEPTED, &answer),
        Published::Repeated(first) => json_response(StatusCode::ACCEPTED, &first),
    })
}

/// The fields an ingest message's event may have.
const INGEST_FIELDS: [&str; 4] = ["tenant", "event_type", "data", "idempotency_key"];

/// One event of an ingest message (`{"tenant", "event_type", "data", "idempotency_key"?}`),
/// checked as `POST /v1/events` checks its body and key.
pub fn ingest_event(item: &[u8]) -> Result<NewEvent, ApiError> {
    let mut body = Body::parse(item, &INGEST_FIELDS, &[])?;
    let tenant = body
        .take::<String>("tenant")
        .and_then(|t| match TenantId::parse(&t) {
            Ok(t) => Some(t),
            Err(why) => {
                body.error("tenant", why);
                None
            }
        });
    let tenant = body.require("tenant", tenant);
    let key = body.take::<String>("idempotency_key");
    let fields = event_fields(&mut body);
    let mut errors = body.into_errors();
    let key = key
        .map(|k| checked_key(Some(&k)))
        .transpose()
        .map_err(|e| super::webhooks::push(&mut errors, e));
    match (tenant, fields, key, errors.is_empty()) {
        (Some(tenant), Some((event_type, data, encoded)), Ok(idempotency_key), true) => {
            Ok(NewEvent {
                tenant,
                event_type,
                data,
                encoded,
                idempotency_key,
            })
        }
        _ => Err(ApiError::Validation(errors)),
    }
}

/// Publishes a checked event: the catalog and its schema, the idempotency key, the event
/// stored and its deliveries queued. The HTTP route comes here; the ingest queue publishes
/// its batches with `publish_events`.
pub async fn publish_event(ctx: &AppContext, new: NewEvent) -> Result<Published, ApiError> {
    publish_events(ctx, vec![new])
        .await
        .pop()
        .unwrap_or(Err(ApiError::Internal))
}

/// An event on its way through `publish_events`.
struct Pending {
    event: Event,
    answer: PublishedView,
    key: Option<String>,
}

/// Publishes checked events, each as `publish_event` would, answering for each in order.
/// The events of a batch share their reads of a tenant's routes and their SQS requests
/// (ten first tasks to one request), which is what makes the ingest queue cheap.
pub async fn publish_events(
    ctx: &AppContext,
    batch: Vec<NewEvent>,
) -> Vec<Result<Published, ApiError>> {
    let now = Timestamp::now();
    let mut answers: Vec<Option<Result<Published, ApiError>>> = Vec::new();
    let mut pending: Vec<(usize, Pending)> = Vec::new();
    let catalog = ctx.catalog_cache.current(ctx.catalog.as_ref()).await;
    let mut routes: HashMap<TenantId, std::sync::Arc<crate::routing::Routes>> = HashMap::new();
    for (index, new) in batch.into_iter().enumerate() {
        let checked = async {
            let NewEvent {
                tenant,
                event_type,
                data,
                encoded,
                idempotency_key: key,
            } = new;
            if encoded.encoded_len() > MAX_DATA_BYTES {
                return Err(ApiError::PayloadTooLarge(MAX_DATA_BYTES));
            }
            let catalog = catalog.as_ref().map_err(|_| ApiError::Internal)?;
            let failures = catalog.check_publish(ctx.config.catalog, &event_type, &data);
            if !failures.is_empty() {
                return Err(ApiError::Validation(failures));
            }
            // Every active webhook of the tenant that wants this event (one read of the
            // tenant's routing version per batch).
            let tenant_routes = match routes.get(&tenant) {
                Some(r) => r.clone(),
                None => {
                    let r = ctx.routes.current(ctx.webhooks.as_ref(), &tenant).await?;
                    routes.insert(tenant.clone(), r.clone());
                    r
                }
            };
            let matched = tenant_routes.matching(&event_type, &data);
            // The event's time is its id's, to the millisecond: the events list's window is
            // a range of ids. Ids made in one process keep their order within a millisecond.
            let id = EventId::new();
            let created_at =
                Timestamp::from_millis(i64::try_from(id.unix_millis()).unwrap_or(0)).unwrap_or(now);
            let event = Event {
                id,
                tenant,
                event_type,
                data: encoded,
                created_at,
                matched,
            };
            let answer = PublishedView {
                id: event.id,
                event_type: event.event_type.clone(),
                created_at: event.created_at,
                matched: event.matched.len(),
            };
            Ok(Pending { event, answer, key })
        };
        match checked.await {
            Ok(p) => {
                answers.push(None);
                pending.push((index, p));
            }
            Err(e) => answers.push(Some(Err(e))),
        }
    }
    if let Err(e) = &catalog {
        tracing::error!(error.cause_chain = ?crate::telemetry::error_chain(e), "reading the event-type catalog failed");
    }

    // The tenant's rate: an event over it is refused before anything is stored.
    let mut admitted = Vec::new();
    for (index, p) in pending {
        let answer = match ctx
            .publish_quota
            .admit(ctx.events.as_ref(), &p.event.tenant, now)
            .await
        {
            Ok(Admission::Admitted) => {
                admitted.push((index, p));
                continue;
            }
            Ok(Admission::Limited { retry_after }) => Err(ApiError::RateLimited(retry_after)),
            Err(e) => Err(ApiError::from(e)),
        };
        if let Some(slot) = answers.get_mut(index) {
            *slot = Some(answer);
        }
    }

    // Each key is claimed as in flight first and answered from only once its event is
    // stored and queued: a publish that dies in between leaves a claim that lapses, not an
    // answer for an event that was never delivered.
    let mut claimed = Vec::new();
    for (index, p) in admitted {
        let Some(key) = &p.key else {
            claimed.push((index, p));
            continue;
        };
        let held_until = now.plus(IDEMPOTENCY_HOLD);
        let claim = ctx
            .events
            .claim_idempotency_key(&p.event.tenant, key, held_until, now)
            .await;
        let answer = match claim {
            Ok(Claim::Claimed) => {
                claimed.push((index, p));
                continue;
            }
            Ok(Claim::InFlight) => Err(ApiError::IdempotencyKeyInUse),
            Ok(Claim::Answered(first)) => Ok(Published::Repeated(
                serde_json::from_str(&first).unwrap_or(Value::Null),
            )),
            Err(e) => Err(ApiError::from(e)),
        };
        if let Some(slot) = answers.get_mut(index) {
            *slot = Some(answer);
        }
    }

    // Store each event, then queue the first tasks of every stored event together.
    let expires_at = ctx.records_expire_at(now);
    let stored = futures::future::join_all(
        claimed
            .iter()
            .map(|(_, p)| ctx.events.put_event(&p.event, expires_at)),
    )
    .await;
    let mut tasks = Vec::new();
    let mut failed = std::collections::HashSet::new();
    for ((_, p), result) in claimed.iter().zip(stored) {
        match result {
            Ok(()) => tasks.extend(enqueue::first_tasks(&p.event, &p.event.payload())),
            Err(e) => {
                tracing::error!(error.cause_chain = ?crate::telemetry::error_chain(&e), "storing an event failed");
                failed.insert(p.event.id);
            }
        }
    }
    if let Err(unsent) = enqueue::publish(ctx, tasks).await {
        tracing::error!(error.cause_chain = ?crate::telemetry::error_chain(&unsent.error), events = unsent.events.len(), "queueing deliveries failed");
        failed.extend(unsent.events);
    }

    for (index, p) in claimed {
        let tenant = &p.event.tenant;
        let answer = if failed.contains(&p.event.id) {
            // Nothing (or not everything) was queued: let the same key be tried again.
            if let Some(key) = &p.key
                && let Err(release) = ctx.events.release_idempotency_key(tenant, key).await
            {
                tracing::error!(error.cause_chain = ?crate::telemetry::error_chain(&release), "releasing an idempotency key failed");
            }
            Err(ApiError::Internal)
        } else {
            if let Some(key) = &p.key {
                let remembered = serde_json::to_string(&p.answer).unwrap_or_default();
                // The event is queued: a failure here only leaves the claim to lapse.
                if let Err(e) = ctx
                    .events
                    .complete_idempotency_key(tenant, key, &remembered, now.plus(IDEMPOTENCY_TTL))
                    .await
                {
                    tracing::error!(error.cause_chain = ?crate::telemetry::error_chain(&e), "recording an idempotent answer failed");
                }
            }
            tracing::info!(tenant = %tenant, event_id = %p.event.id, matched = p.event.matched.len(), "event published");
            crate::metrics::published(&ctx.config.metrics, tenant, p.event.matched.len());
            Ok(Published::New(p.answer))
        };
        if let Some(slot) = answers.get_mut(index) {
            *slot = Some(answer);
        }
    }
    answers
        .into_iter()
        .map(|a| a.unwrap_or(Err(ApiError::Internal)))
        .collect()
}

pub async fn get(call: Call<'_>, id: &str) -> Result<ApiResponse, ApiError> {
    let id = EventId::parse(id).ok_or(ApiError::EventNotFound)?;
    let now = Timestamp::now();
    let tenant = &call.caller.tenant;
    let event = call
        .ctx
        .events
        .get_event(tenant, &id, now)
        .await?
        .ok_or(ApiError::EventNotFound)?;
    let deliveries = deliveries(&call, &event, now).await?;
    Ok(json_response(
        StatusCode::OK,
        &EventView::new(&event, &deliveries),
    ))
}

/// Where each of the event's deliveries stands (`Delivery::standing`): the delivery records,
/// and for the webhooks without one, their first attempts' executions, read in one batch.
async fn deliveries(
    call: &Call<'_>,
    event: &Event,
    now: Timestamp,
) -> Result<Vec<Delivery>, ApiError> {
    let tenant = &call.caller.tenant;
    let records: HashMap<WebhookId, Delivery> = call
        .ctx
        .events
        .list_deliveries(tenant, &event.id, now)
        .await?
        .into_iter()
        .map(|d| (d.webhook_id, d))
        .collect();
    let unrecorded: Vec<(WebhookId, ExecutionId)> = event
        .matched
        .iter()
        .filter(|w| !records.contains_key(w))
        .map(|w| (*w, ExecutionId::first_attempt(event.id, *w)))
        .collect();
    let firsts: HashMap<WebhookId, Execution> = call
        .ctx
        .executions
        .get_many(tenant, &unrecorded, now)
        .await?
        .into_iter()
        .map(|e| (e.webhook_id, e))
        .collect();
    let mut listed: Vec<Delivery> = event
        .matched
        .iter()
        .map(|w| Delivery::standing(event.id, *w, records.get(w), firsts.get(w)))
        .collect();
    // A record for a webhook the event did not match at publish (none is expected): shown.
    let matched: std::collections::HashSet<&WebhookId> = event.matched.iter().collect();
    listed.extend(
        records
            .values()
            .filter(|d| !matched.contains(&d.webhook_id))
            .cloned(),
    );
    Ok(listed)
}
