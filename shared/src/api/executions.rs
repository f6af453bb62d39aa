//! The execution history of a webhook, and asking for an execution's event to be sent again.

use super::ApiError;
use super::call::{Call, find};
use super::history::asked_window;
use super::pagination::{Cursor, bounded_page, fill_page, page_params};
use super::request::{ApiResponse, Query, json_response};
use super::views::{ExecutionView, HeaderValues, ResponseBodies, RetryQueuedView};
use crate::delivery::enqueue;
use crate::domain::{
    EventId, Execution, ExecutionId, FieldError, RequestStatus, Timestamp, Webhook,
};
use http::StatusCode;

/// How the caller sees the receivers' answers of `webhook`'s attempts: with its header values
/// masked unless the caller sees them. The secrets are opened only for a caller that sees
/// them masked; when they do not open, its answers are hidden (and the failure logged).
async fn response_bodies(call: &Call<'_>, webhook: &Webhook) -> ResponseBodies {
    let values = HeaderValues::for_scopes(call.caller.scopes);
    if values == HeaderValues::Shown {
        return ResponseBodies::Shown;
    }
    match call.ctx.keyring.open(webhook).await {
        Ok(secrets) => ResponseBodies::new(values, Some(&secrets.headers)),
        Err(e) => {
            tracing::error!(webhook_id = %webhook.id, error = %e, "a webhook's credentials do not open: its answers are hidden");
            ResponseBodies::new(values, None)
        }
    }
}

pub async fn list(call: Call<'_>, id: &str) -> Result<ApiResponse, ApiError> {
    let webhook = find(&call, id).await?;
    let bodies = response_bodies(&call, &webhook).await;
    let query = Query::parse(
        call.request.query.as_deref(),
        &["limit", "cursor", "status", "event_id", "since", "until"],
    )?;
    let mut errors = Vec::new();
    let (limit, cursor) = page_params(&query, ExecutionId::parse, &mut errors);
    let status = match query.get("status") {
        None => None,
        Some(s) => match RequestStatus::parse(s) {
            Some(s) => Some(s),
            None => {
                errors.push(FieldError::new("status", "must be success or error"));
                None
            }
        },
    };
    let event_id = match query.get("event_id") {
        None => None,
        Some(text) => match EventId::parse(text) {
            Some(id) => Some(id),
            None => {
                errors.push(FieldError::new("event_id", "is not an event id"));
                None
            }
        },
    };
    let now = Timestamp::now();
    let mut range = asked_window(&call, &query, now, &mut errors);
    let Some(limit) = limit.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    // An event's attempts all come after it was published: no older record is read.
    if let Some(event) = event_id
        && let Some(published) = Timestamp::from_millis(event.unix_millis() as i64)
    {
        range.since = Some(range.since.map_or(published, |s| s.max(published)));
    }
    let (ctx, tenant, webhook_id) = (call.ctx, &call.caller.tenant, webhook.id);
    let keep = |e: &Execution| {
        status.is_none_or(|s| e.request_status == s) && event_id.is_none_or(|id| e.event_id == id)
    };
    let (page, next) = fill_page(
        cursor,
        limit,
        status.is_some() || event_id.is_some(),
        |e: &Execution| e.id,
        keep,
        |before, n| async move {
            ctx.executions
                .list(tenant, &webhook_id, range, before.as_ref(), n, now)
                .await
        },
    )
    .await?;
    let page = bounded_page(
        &page,
        next.map(Cursor::after),
        |e| Cursor::after(e.id),
        |e| ExecutionView::showing(e, &bodies),
    );
    Ok(json_response(StatusCode::OK, &page))
}

/// The execution a path names, and its webhook.
async fn find_execution(
    call: &Call<'_>,
    id: &str,
    execution_id: &str,
) -> Result<(Webhook, Execution), ApiError> {
    let webhook = find(call, id).await?;
    let execution_id = ExecutionId::parse(execution_id).ok_or(ApiError::ExecutionNotFound)?;
    let execution = call
        .ctx
        .executions
        .get(
            &call.caller.tenant,
            &webhook.id,
            &execution_id,
            Timestamp::now(),
        )
        .await?
        .ok_or(ApiError::ExecutionNotFound)?;
    Ok((webhook, execution))
}

pub async fn get(call: Call<'_>, id: &str, execution_id: &str) -> Result<ApiResponse, ApiError> {
    let (webhook, execution) = find_execution(&call, id, execution_id).await?;
    let bodies = response_bodies(&call, &webhook).await;
    Ok(json_response(
        StatusCode::OK,
        &ExecutionView::showing(&execution, &bodies),
    ))
}

/// Queues the execution's event again for this webhook: one more attempt, `trigger: retry`.
pub async fn retry(call: Call<'_>, id: &str, execution_id: &str) -> Result<ApiResponse, ApiError> {
    let (_, execution) = find_execution(&call, id, execution_id).await?;
    let tenant = &call.caller.tenant;
    // Pings are not stored as events: there is nothing to send again.
    let event = call
        .ctx
        .events
        .get_event(tenant, &execution.event_id, Timestamp::now())
        .await?
        .ok_or(ApiError::EventNotFound)?;
    let attempt = execution.attempt.saturating_add(1);
    enqueue::manual_retry(call.ctx, &event, execution.webhook_id, attempt)
        .await
        .map_err(|e| {
            tracing::error!(error.cause_chain = ?crate::telemetry::error_chain(&e), "queueing a retry failed");
            ApiError::Internal
        })?;
    Ok(json_response(
        StatusCode::ACCEPTED,
        &RetryQueuedView {
            event_id: execution.event_id,
            webhook_id: execution.webhook_id,
            attempt,
        },
    ))
}
