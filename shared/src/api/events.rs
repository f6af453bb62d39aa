//! Publishing events and reading where their deliveries stand.

use super::ApiError;
use super::request::{ApiResponse, Body, json_response};
use super::views::{EventView, PublishedView};
use super::webhooks::Call;
use crate::delivery::enqueue;
use crate::domain::{
    Delivery, Event, EventData, EventId, EventType, Execution, ExecutionId, Timestamp, WebhookId,
};
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

fn idempotency_key(call: &Call<'_>) -> Result<Option<String>, ApiError> {
    let Some(value) = call.request.headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().ok().map(str::trim).filter(|k| {
        !k.is_empty()
            && k.len() <= MAX_IDEMPOTENCY_KEY_LEN
            && k.chars().all(|c| c.is_ascii_graphic())
    });
    key.map(|k| Some(k.to_owned())).ok_or_else(|| {
        ApiError::validation(
            "Idempotency-Key",
            format!("must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} visible ASCII characters"),
        )
    })
}

/// Every active webhook of the tenant that wants this event (`routing`: one version read
/// while the tenant's webhooks are unchanged).
async fn matching(
    call: &Call<'_>,
    event_type: &EventType,
    data: &Value,
) -> Result<Vec<WebhookId>, ApiError> {
    Ok(call
        .ctx
        .routes
        .matching(
            call.ctx.webhooks.as_ref(),
            &call.caller.tenant,
            event_type,
            data,
        )
        .await?)
}

pub async fn publish(call: Call<'_>) -> Result<ApiResponse, ApiError> {
    let key = idempotency_key(&call);
    let mut body = Body::parse(&call.request.body, &["event_type", "data"], &[])?;
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
    let encoded = encoded.and_then(Result::ok);
    let mut errors = body.into_errors();
    let key = key
        .map_err(|e| super::webhooks::push(&mut errors, e))
        .ok()
        .flatten();
    let (Some(event_type), Some(data), Some(encoded), true) =
        (event_type, data, encoded, errors.is_empty())
    else {
        return Err(ApiError::Validation(errors));
    };
    if encoded.encoded_len() > MAX_DATA_BYTES {
        return Err(ApiError::PayloadTooLarge(MAX_DATA_BYTES));
    }

    let ctx = call.ctx;
    let catalog = ctx.catalog_cache.current(ctx.catalog.as_ref()).await?;
    let failures = catalog.check_publish(ctx.config.catalog, &event_type, &data);
    if !failures.is_empty() {
        return Err(ApiError::Validation(failures));
    }
    let now = Timestamp::now();
    let matched = matching(&call, &event_type, &data).await?;
    // The event's time is its id's, to the millisecond: the events list's window is a
    // range of ids. Ids made in one process keep their order within a millisecond too.
    let id = EventId::new();
    let created_at =
        Timestamp::from_millis(i64::try_from(id.unix_millis()).unwrap_or(0)).unwrap_or(now);
    let event = Event {
        id,
        tenant: call.caller.tenant.clone(),
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
    let tenant = &call.caller.tenant;
    let events = &call.ctx.events;
    // The key is claimed as in flight first and answered from only once the event is stored
    // and queued: a publish that dies in between leaves a claim that lapses, not an answer
    // for an event that was never delivered.
    if let Some(key) = &key {
        let held_until = now.plus(IDEMPOTENCY_HOLD);
        match events
            .claim_idempotency_key(tenant, key, held_until, now)
            .await?
        {
            Claim::Claimed => {}
            Claim::InFlight => return Err(ApiError::IdempotencyKeyInUse),
            Claim::Answered(first) => {
                let first: Value = serde_json::from_str(&first).unwrap_or(Value::Null);
                return Ok(json_response(StatusCode::ACCEPTED, &first));
            }
        }
    }
    let stored = async {
        events
            .put_event(&event, call.ctx.records_expire_at(now))
            .await?;
        let payload = event.payload();
        enqueue::publish(call.ctx, &event, &payload)
            .await
            .map_err(|e| {
                tracing::error!(error.cause_chain = ?crate::telemetry::error_chain(&e), "queueing deliveries failed");
                ApiError::Internal
            })
    };
    if let Err(e) = stored.await {
        // Nothing (or not everything) was queued: let the same key be tried again.
        if let Some(key) = &key
            && let Err(release) = events.release_idempotency_key(tenant, key).await
        {
            tracing::error!(error.cause_chain = ?crate::telemetry::error_chain(&release), "releasing an idempotency key failed");
        }
        return Err(e);
    }
    if let Some(key) = &key {
        let remembered = serde_json::to_string(&answer).unwrap_or_default();
        let until = now.plus(IDEMPOTENCY_TTL);
        // The event is queued: a failure here only leaves the claim to lapse.
        if let Err(e) = events
            .complete_idempotency_key(tenant, key, &remembered, until)
            .await
        {
            tracing::error!(error.cause_chain = ?crate::telemetry::error_chain(&e), "recording an idempotent answer failed");
        }
    }
    tracing::info!(tenant = %tenant, event_id = %event.id, matched = event.matched.len(), "event published");
    Ok(json_response(StatusCode::ACCEPTED, &answer))
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
