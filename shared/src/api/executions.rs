//! The execution history of a webhook, and asking for an execution's event to be sent again.

use super::ApiError;
use super::pagination::{Cursor, Page, fill_page, page_params};
use super::request::{ApiResponse, Query, json_response};
use super::webhooks::{Call, find};
use crate::domain::{Delivery, Execution, ExecutionId, FieldError, RequestStatus, Timestamp};
use crate::queue::{Task, Trigger};
use http::StatusCode;
use std::time::Duration;

pub async fn list(call: Call<'_>, id: &str) -> Result<ApiResponse, ApiError> {
    let webhook = find(&call, id).await?;
    let query = Query::parse(
        call.request.query.as_deref(),
        &["limit", "cursor", "status"],
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
    let Some(limit) = limit.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let now = Timestamp::now();
    let (ctx, tenant, webhook_id) = (call.ctx, &call.caller.tenant, webhook.id);
    let keep = |e: &Execution| status.is_none_or(|s| e.request_status == s);
    let (page, more) = fill_page(
        cursor,
        limit,
        status.is_some(),
        |e: &Execution| e.id,
        keep,
        |before, n| async move {
            ctx.executions
                .list(tenant, &webhook_id, before.as_ref(), n, now)
                .await
        },
    )
    .await?;
    let next_cursor = match page.last() {
        Some(last) if more => Some(Cursor::after(last.id).encode()),
        _ => None,
    };
    let data = page.iter().map(Execution::to_json).collect();
    Ok(json_response(StatusCode::OK, &Page { data, next_cursor }))
}

async fn find_execution(
    call: &Call<'_>,
    id: &str,
    execution_id: &str,
) -> Result<Execution, ApiError> {
    let webhook = find(call, id).await?;
    let execution_id = ExecutionId::parse(execution_id).ok_or(ApiError::ExecutionNotFound)?;
    call.ctx
        .executions
        .get(
            &call.caller.tenant,
            &webhook.id,
            &execution_id,
            Timestamp::now(),
        )
        .await?
        .ok_or(ApiError::ExecutionNotFound)
}

pub async fn get(call: Call<'_>, id: &str, execution_id: &str) -> Result<ApiResponse, ApiError> {
    let execution = find_execution(&call, id, execution_id).await?;
    Ok(json_response(StatusCode::OK, &execution.to_json()))
}

/// Queues the execution's event again for this webhook: one more attempt, `trigger: retry`.
pub async fn retry(call: Call<'_>, id: &str, execution_id: &str) -> Result<ApiResponse, ApiError> {
    let execution = find_execution(&call, id, execution_id).await?;
    let tenant = &call.caller.tenant;
    let now = Timestamp::now();
    // Pings are not stored as events: there is nothing to send again.
    if call
        .ctx
        .events
        .get_event(tenant, &execution.event_id, now)
        .await?
        .is_none()
    {
        return Err(ApiError::EventNotFound);
    }
    let attempt = execution.attempt.saturating_add(1);
    let task = Task::Deliver {
        tenant: tenant.clone(),
        event_id: execution.event_id,
        webhook_id: execution.webhook_id,
        attempt,
        trigger: Trigger::Retry,
        not_before: None,
    };
    let expires_at = call.ctx.records_expire_at(now);
    let mut pending = Delivery::pending(execution.event_id, execution.webhook_id);
    pending.attempts = execution.attempt;
    call.ctx
        .events
        .put_deliveries(tenant, &[pending], expires_at)
        .await?;
    call.ctx
        .queue
        .send(&[(task, Duration::ZERO)])
        .await
        .map_err(|e| {
            tracing::error!(error.cause_chain = ?super::error_chain(&e), "queueing a retry failed");
            ApiError::Internal
        })?;
    Ok(json_response(
        StatusCode::ACCEPTED,
        &serde_json::json!({ "event_id": execution.event_id, "webhook_id": execution.webhook_id, "attempt": attempt }),
    ))
}
