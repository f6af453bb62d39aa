//! The history: a tenant's events, a webhook's stats, and recovering its failed deliveries.

use super::ApiError;
use super::call::{Call, find};
use super::pagination::{Cursor, bounded_page, fill_page, page_params};
use super::request::{ApiResponse, Body, Query, json_response};
use super::views::{AttemptCounts, DeliveryCounts, ListedEventView, RecoverQueuedView, StatsView};
use crate::delivery::enqueue;
use crate::domain::{
    Ended, EventId, EventTypePattern, Execution, FieldError, ListedEvent, RequestStatus, TimeRange,
    Timestamp, Trigger, WebhookId,
};
use http::StatusCode;
use std::collections::HashMap;
use std::time::Duration;

/// What `GET /v1/webhooks/{id}/stats` counts when no `since` is given.
pub const STATS_DEFAULT_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// A timestamp field of a history query: `None` when absent; a problem when not RFC 3339 or
/// older than the history kept.
fn instant(
    name: &str,
    text: Option<&str>,
    oldest: Timestamp,
    errors: &mut Vec<FieldError>,
) -> Option<Timestamp> {
    let text = text?;
    match Timestamp::parse(text) {
        None => {
            errors.push(FieldError::new(
                name,
                "must be an RFC 3339 timestamp, such as 2026-12-01T09:00:00Z",
            ));
            None
        }
        Some(t) if t < oldest => {
            errors.push(FieldError::new(
                name,
                format!("is older than the history kept (since {oldest})"),
            ));
            None
        }
        Some(t) => Some(t),
    }
}

/// The window a history query's `since` and `until` ask for, judged at `now` against the
/// deployment's retention. Every problem is added to `errors`.
pub(super) fn asked_window(
    call: &Call<'_>,
    query: &Query,
    now: Timestamp,
    errors: &mut Vec<FieldError>,
) -> TimeRange {
    let retention = call.ctx.config.delivery.execution_ttl;
    window(
        query.get("since"),
        query.get("until"),
        retention,
        now,
        errors,
    )
}

/// `since` and `until` of a history request: RFC 3339, `since` within the retention and
/// not after `until`. Every problem is added to `errors`.
pub fn window(
    since: Option<&str>,
    until: Option<&str>,
    retention: Duration,
    now: Timestamp,
    errors: &mut Vec<FieldError>,
) -> TimeRange {
    let oldest =
        Timestamp::from_millis(now.millis().saturating_sub(millis(retention))).unwrap_or(now);
    let since = instant("since", since, oldest, errors);
    let until = until.and_then(|text| {
        // `until` may be old (an empty window): only its spelling is checked.
        let parsed = Timestamp::parse(text);
        if parsed.is_none() {
            errors.push(FieldError::new(
                "until",
                "must be an RFC 3339 timestamp, such as 2026-12-01T09:00:00Z",
            ));
        }
        parsed
    });
    if let (Some(s), Some(u)) = (since, until)
        && s > u
    {
        errors.push(FieldError::new("since", "must not be after until"));
    }
    TimeRange { since, until }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// `GET /v1/events`: the tenant's events, newest first.
pub async fn list_events(call: Call<'_>) -> Result<ApiResponse, ApiError> {
    let query = Query::parse(
        call.request.query.as_deref(),
        &[
            "limit",
            "cursor",
            "event_type",
            "since",
            "until",
            "with_data",
        ],
    )?;
    let mut errors = Vec::new();
    let (limit, cursor) = page_params(&query, EventId::parse, &mut errors);
    let event_type = query
        .get("event_type")
        .and_then(|t| match EventTypePattern::parse(t) {
            Ok(p) => Some(p),
            Err(why) => {
                errors.push(FieldError::new("event_type", why));
                None
            }
        });
    let with_data = match query.get("with_data") {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            errors.push(FieldError::new("with_data", "must be true or false"));
            false
        }
    };
    let now = Timestamp::now();
    let retention = call.ctx.config.delivery.execution_ttl;
    let range = asked_window(&call, &query, now, &mut errors);
    let Some(limit) = limit.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    // Nothing older than the retention is kept: the store need not look further back.
    let mut range = range;
    if range.since.is_none() {
        range.since = Timestamp::from_millis(now.millis().saturating_sub(millis(retention)));
    }
    let (ctx, tenant) = (call.ctx, &call.caller.tenant);
    let keep = |e: &ListedEvent| event_type.as_ref().is_none_or(|p| p.matches(&e.event_type));
    let (page, next) = fill_page(
        cursor,
        limit,
        event_type.is_some(),
        |e: &ListedEvent| e.id,
        keep,
        |before, n| async move {
            ctx.events
                .list_events(tenant, range, before.as_ref(), n, with_data, now)
                .await
        },
    )
    .await?;
    let page = bounded_page(
        &page,
        next.map(Cursor::after),
        |e| Cursor::after(e.id),
        ListedEventView::new,
    );
    Ok(json_response(StatusCode::OK, &page))
}

/// `POST /v1/webhooks/{id}/recover`: counts the failed deliveries of the window's events
/// and hands the work to the queue, which queues them a page at a time.
pub async fn recover(call: Call<'_>, id: &str) -> Result<ApiResponse, ApiError> {
    let webhook = find(&call, id).await?;
    let mut body = Body::parse(&call.request.body, &["since", "until"], &[])?;
    let since = body.take::<String>("since");
    let since = body.require("since", since);
    let until = body.take::<String>("until");
    let mut errors = body.into_errors();
    let now = Timestamp::now();
    let retention = call.ctx.config.delivery.execution_ttl;
    let mut range = window(
        since.as_deref(),
        until.as_deref(),
        retention,
        now,
        &mut errors,
    );
    if !webhook.active {
        errors.push(FieldError::new(
            "webhook",
            "is inactive: activate it before recovering its deliveries",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    // The window ends now at the latest: a delivery failing later is not this call's.
    range.until = Some(range.until.map_or(now, |u| u.min(now)));
    let (ctx, tenant) = (call.ctx, &call.caller.tenant);
    // One recover per webhook at a time: held from here until its last page is queued.
    let holder = rand::random::<i64>();
    if !enqueue::lock_recover(ctx, tenant, webhook.id, holder).await? {
        return Err(ApiError::RecoverInProgress);
    }
    let queued = count_and_queue(&call, webhook.id, range, holder, now).await;
    if !matches!(queued, Ok(n) if n > 0) {
        // Nothing was queued (or a fault stopped it): no page is left to release the lock.
        enqueue::unlock_recover(ctx, tenant, webhook.id, holder).await?;
    }
    let queued = queued?;
    tracing::info!(tenant = %tenant, webhook_id = %webhook.id, queued, "recover queued");
    Ok(json_response(
        StatusCode::ACCEPTED,
        &RecoverQueuedView { queued },
    ))
}

/// Counts the failed deliveries of the window's events and, when there are some, queues the
/// first page of the recover `holder`.
async fn count_and_queue(
    call: &Call<'_>,
    webhook_id: WebhookId,
    range: TimeRange,
    holder: i64,
    now: Timestamp,
) -> Result<u64, ApiError> {
    let (ctx, tenant) = (call.ctx, &call.caller.tenant);
    let queued = ctx
        .executions
        .count_ended(tenant, &webhook_id, Ended::Failed, range, now)
        .await?;
    if queued > 0 {
        enqueue::recover(ctx, tenant, webhook_id, range, holder)
            .await
            .map_err(|e| {
                tracing::error!(error.cause_chain = ?crate::telemetry::error_chain(&e), "queueing a recover failed");
                ApiError::Internal
            })?;
    }
    Ok(queued)
}

/// Where a delivery stands by the records of the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Standing {
    Succeeded,
    Pending,
    Failed,
}

/// Counts attempts and deliveries as the window's records are read.
#[derive(Debug, Default)]
pub struct StatsCounter {
    success: u64,
    error: u64,
    /// Each delivery (by event) with an attempt or a failed note in the window.
    deliveries: HashMap<EventId, Standing>,
}

impl StatsCounter {
    /// Counts one attempt. Fed newest first, each delivery stands by its latest attempt in
    /// the window. Pings are attempts, not deliveries.
    pub fn add(&mut self, e: &Execution) {
        match e.request_status {
            RequestStatus::Success => self.success += 1,
            RequestStatus::Error => self.error += 1,
        }
        if e.trigger == Trigger::Ping {
            return;
        }
        let standing = match (e.request_status, e.next_attempt_at) {
            (RequestStatus::Success, _) => Standing::Succeeded,
            (RequestStatus::Error, Some(_)) => Standing::Pending,
            (RequestStatus::Error, None) => Standing::Failed,
        };
        self.deliveries.entry(e.event_id).or_insert(standing);
    }

    /// A delivery noted as failed: it failed, whatever its last attempt seemed to say (the
    /// webhook was disabled before its next attempt, which then was never made).
    pub fn failed(&mut self, event_id: EventId) {
        self.deliveries.insert(event_id, Standing::Failed);
    }

    pub fn finish(self, dropped: u64) -> (DeliveryCounts, AttemptCounts) {
        let count = |s| self.deliveries.values().filter(|d| **d == s).count() as u64;
        let deliveries = DeliveryCounts {
            succeeded: count(Standing::Succeeded),
            failed: count(Standing::Failed),
            pending: count(Standing::Pending),
            dropped,
        };
        let attempts = AttemptCounts {
            success: self.success,
            error: self.error,
        };
        (deliveries, attempts)
    }
}

/// A stats call reads at most this many executions: past it, the answer counts the newest
/// ones and its `since` says from when (a window that large is better split).
pub const MAX_STATS_EXECUTIONS: usize = 100_000;

/// `GET /v1/webhooks/{id}/stats`: counted when asked, from the window's executions (one
/// Query of the webhook's partition), so that no delivery pays a write for them.
pub async fn stats(call: Call<'_>, id: &str) -> Result<ApiResponse, ApiError> {
    let webhook = find(&call, id).await?;
    let query = Query::parse(call.request.query.as_deref(), &["since"])?;
    let now = Timestamp::now();
    let retention = call.ctx.config.delivery.execution_ttl;
    let mut errors = Vec::new();
    let asked = window(query.get("since"), None, retention, now, &mut errors);
    if asked.since.is_some_and(|s| s > now) {
        errors.push(FieldError::new("since", "must not be in the future"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut since = asked.since.unwrap_or_else(|| {
        Timestamp::from_millis(now.millis() - millis(STATS_DEFAULT_WINDOW)).unwrap_or(now)
    });
    let range = TimeRange {
        since: Some(since),
        until: Some(now),
    };
    let (ctx, tenant) = (call.ctx, &call.caller.tenant);
    // Read a chunk at a time and counted as read: only the deliveries' ids are held.
    const CHUNK: usize = 500;
    let mut counter = StatsCounter::default();
    let mut read = 0;
    let mut before = None;
    loop {
        let batch = ctx
            .executions
            .list(tenant, &webhook.id, range, before.as_ref(), CHUNK, now)
            .await?;
        for e in &batch {
            counter.add(e);
        }
        read += batch.len();
        before = batch.last().map(|e| e.id);
        if batch.len() < CHUNK {
            break;
        }
        if read >= MAX_STATS_EXECUTIONS
            && let Some(oldest) = before
        {
            since = Timestamp::from_millis(i64::try_from(oldest.unix_millis()).unwrap_or(0))
                .unwrap_or(since);
            break;
        }
    }
    let range = TimeRange {
        since: Some(since),
        until: Some(now),
    };
    let mut after = None;
    loop {
        let noted = ctx
            .executions
            .failed(tenant, &webhook.id, range, after.as_ref(), CHUNK, now)
            .await?;
        for n in &noted {
            counter.failed(n.event_id);
        }
        after = noted.last().map(|n| n.event_id);
        if noted.len() < CHUNK {
            break;
        }
    }
    let dropped = ctx
        .executions
        .count_ended(tenant, &webhook.id, Ended::Dropped, range, now)
        .await?;
    let (deliveries, attempts) = counter.finish(dropped);
    let view = StatsView {
        since,
        until: now,
        deliveries,
        attempts,
    };
    Ok(json_response(StatusCode::OK, &view))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AttemptOutcome, DeliveryAttempt, EventType, TenantId, WebhookId};

    fn attempt(event_id: EventId, trigger: Trigger, ok: bool, retry: bool) -> Execution {
        let of = DeliveryAttempt {
            tenant: TenantId::parse("t").unwrap_or_else(|_| unreachable!()),
            event_id,
            event_type: EventType::webhook_ping(),
            webhook_id: WebhookId::new(),
            attempt: 1,
            trigger,
        };
        let outcome = AttemptOutcome {
            status: Some(if ok { 200 } else { 500 }),
            body: None,
            error: None,
            duration_ms: 1,
            retry_after: None,
            unsendable: false,
        };
        let now = Timestamp::now();
        Execution::from_attempt(
            &of,
            "https://a.example/",
            &outcome,
            now,
            retry.then_some(now),
        )
    }

    #[test]
    fn each_delivery_stands_by_its_latest_attempt_or_its_failed_note() {
        let (a, b, c, d) = (
            EventId::new(),
            EventId::new(),
            EventId::new(),
            EventId::new(),
        );
        let mut counter = StatsCounter::default();
        // Newest first.
        for e in [
            attempt(a, Trigger::Recover, true, false),
            attempt(b, Trigger::Event, false, true),
            attempt(a, Trigger::Event, false, false),
            attempt(c, Trigger::Event, false, true),
            attempt(EventId::new(), Trigger::Ping, true, false),
            attempt(c, Trigger::Event, false, true),
        ] {
            counter.add(&e);
        }
        // c's webhook was disabled before its next attempt; d failed with no attempt here.
        counter.failed(c);
        counter.failed(d);
        let (deliveries, attempts) = counter.finish(2);
        assert_eq!(
            deliveries,
            DeliveryCounts {
                succeeded: 1,
                failed: 2,
                pending: 1,
                dropped: 2,
            }
        );
        assert_eq!(
            attempts,
            AttemptCounts {
                success: 2,
                error: 4
            }
        );
    }
}
