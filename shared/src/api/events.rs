//! Publishing events and reading where their deliveries stand.

use super::ApiError;
use super::call::Call;
use super::request::{ApiResponse, Body, json_response};
use super::views::EventView;
use crate::domain::{Delivery, Event, EventId, Execution, ExecutionId, Timestamp, WebhookId};
use crate::publish::{self, NewEvent, Published, checked_key, event_fields};
use http::StatusCode;
use std::collections::HashMap;

/// `POST /v1/events`: the body and the `Idempotency-Key` checked, then published.
pub async fn publish(call: Call<'_>) -> Result<ApiResponse, ApiError> {
    let key = call
        .request
        .headers
        .get("idempotency-key")
        .map(|v| checked_key(v.to_str().ok()));
    let mut body = Body::parse(&call.request.body, &["event_type", "data"], &[])?;
    let fields = event_fields(&mut body);
    let mut errors = body.into_errors();
    let key = key.transpose().map_err(|e| errors.push(e));
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
    Ok(match publish::publish_one(call.ctx, new).await? {
        Published::New(receipt) => json_response(StatusCode::ACCEPTED, &receipt),
        Published::Repeated(first) => json_response(StatusCode::ACCEPTED, &first),
    })
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
