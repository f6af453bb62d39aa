//! The `load` stage: what an attempt needs, read before it is made.

use super::{Loaded, Target, Unattempted};
use crate::AppContext;
use crate::budget::{Lease, Limits, MAX_WAIT};
use crate::delivery::DELETE_SETTLES_MS;
use crate::delivery::destination::Destination;
use crate::delivery::outcome::WorkerError;
use crate::delivery::send::shared_body;
use crate::domain::{Ended, EventType, ExecutionId, TenantId, Timestamp, Trigger, Webhook};
use crate::queue::DeliverTask;
use crate::queue::Seen;
use crate::quota::Admission;
use bytes::Bytes;
use rand::Rng;
use std::time::{Duration, Instant};

/// An attempt starts only while the read that found its webhook active is this recent;
/// older, the webhook is read again. Half of `DELETE_SETTLES`: the other half is margin for
/// the few steps from here to the request (signing it, building it), so no attempt starts
/// once a delete has answered.
const FRESH_FOR: Duration = Duration::from_millis(DELETE_SETTLES_MS / 2);

pub(super) async fn load(
    ctx: &AppContext,
    task: DeliverTask,
    seen: Seen,
) -> Result<Loaded, WorkerError> {
    let now = Timestamp::now();
    if seen == Seen::Again && processed(ctx, &task, now).await? {
        return Ok(Loaded::Unattempted(task, Unattempted::Processed));
    }
    if attempted_before(ctx, &task, now).await? {
        return Ok(Loaded::Unattempted(task, Unattempted::Processed));
    }
    let read_at = Instant::now();
    let webhook = match active(ctx, &task, now).await? {
        Ok(webhook) => webhook,
        Err(why) => return Ok(Loaded::Unattempted(task, why)),
    };
    let lease = match budgeted(ctx, &task).await {
        Ok(lease) => lease,
        Err(wait) => return Ok(Loaded::Unattempted(task, held_back_for(wait, now))),
    };
    if let Some(due) = held_back(ctx, &webhook, now).await {
        let wait = Duration::from_millis(u64::try_from(due.millis() - now.millis()).unwrap_or(0));
        let why = Unattempted::HeldBack { due, wait };
        return Ok(Loaded::Unattempted(task, why));
    }
    let Some((event_type, payload)) = body(ctx, &task, now).await? else {
        let (event_id, webhook_id) = (task.event_id, task.webhook_id);
        tracing::warn!(%event_id, %webhook_id, "event expired before its delivery; dropped");
        return Ok(Loaded::Unattempted(task, Unattempted::Expired));
    };
    let destination = Destination::open(ctx, &webhook).await?;
    if let Err(why) = fresh(ctx, &task, read_at).await? {
        return Ok(Loaded::Unattempted(task, why));
    }
    Ok(Loaded::Ready(Box::new(Target {
        task,
        webhook,
        destination,
        event_type,
        payload,
        lease,
    })))
}

/// Whether the task was processed before and its automatic retry queued (it came back, as
/// at-least-once allows): then it does nothing, so it starts no second retry chain.
async fn processed(
    ctx: &AppContext,
    task: &DeliverTask,
    now: Timestamp,
) -> Result<bool, WorkerError> {
    if task.trigger != Trigger::Event {
        return Ok(false);
    }
    let (tenant, webhook_id, event_id) = (&task.tenant, &task.webhook_id, &task.event_id);
    let queued_after = ctx
        .executions
        .queued_after(tenant, webhook_id, event_id, now)
        .await?;
    let processed = queued_after.is_some_and(|after| after >= task.attempt);
    if processed {
        let attempt = task.attempt;
        tracing::info!(%event_id, %webhook_id, attempt, "task received again after its retry was queued; nothing to do");
    }
    Ok(processed)
}

/// Whether a requeued first attempt (`DeliverTask::requeued`) finds its delivery attempted
/// already, by the first task it was queued beside: a delivery record, or the first
/// attempt's execution (a first success writes only that), both read consistently. Then
/// it does nothing. Other tasks read nothing here.
async fn attempted_before(
    ctx: &AppContext,
    task: &DeliverTask,
    now: Timestamp,
) -> Result<bool, WorkerError> {
    if !task.requeued || task.attempt != 1 {
        return Ok(false);
    }
    let (tenant, webhook_id, event_id) = (&task.tenant, &task.webhook_id, &task.event_id);
    let first = ExecutionId::first_attempt(*event_id, *webhook_id);
    let (record, execution) = futures::future::try_join(
        ctx.events.get_delivery(tenant, event_id, webhook_id, now),
        ctx.executions.get(tenant, webhook_id, &first, now),
    )
    .await?;
    let attempted = record.is_some() || execution.is_some();
    if attempted {
        tracing::info!(%event_id, %webhook_id, "requeued first attempt found its delivery attempted; nothing to do");
    }
    Ok(attempted)
}

/// The webhook, when it is active; else why no attempt is made.
async fn active(
    ctx: &AppContext,
    task: &DeliverTask,
    now: Timestamp,
) -> Result<Result<Webhook, Unattempted>, WorkerError> {
    Ok(
        match ctx.webhooks.get(&task.tenant, &task.webhook_id).await? {
            Some(w) if w.active => Ok(w),
            found => {
                // Disabled for failing, the delivery failed with it (recover sends it again once
                // the webhook is back); deactivated by a person, or deleted, it is dropped.
                let ended = match &found {
                    Some(w) if w.failed => Some(Ended::Failed),
                    Some(_) => Some(Ended::Dropped),
                    None => None,
                };
                Err(Unattempted::Inactive { ended, at: now })
            }
        },
    )
}

/// Reads the webhook again when the read made at `read_at` is no longer fresh (`FRESH_FOR`):
/// a delete answered since then stops the attempt. Once, whatever the second read takes: a
/// store slower than `FRESH_FOR` a read would otherwise hold every attempt back, so there
/// the promise is only as good as the store is quick (docs/behaviour.md).
async fn fresh(
    ctx: &AppContext,
    task: &DeliverTask,
    read_at: Instant,
) -> Result<Result<(), Unattempted>, WorkerError> {
    if read_at.elapsed() <= FRESH_FOR {
        return Ok(Ok(()));
    }
    Ok(active(ctx, task, Timestamp::now()).await?.map(drop))
}

/// A slot in this process's budgets for the attempt, or how long to wait in the queue for
/// one (`Ledger::acquire`: a fast tenant's attempt waits for room in the process); then a
/// token of the tenant's deliveries per second across every process.
async fn budgeted(ctx: &AppContext, task: &DeliverTask) -> Result<Lease, Duration> {
    let limits = Limits::of(ctx, &task.tenant).await;
    let lease = ctx
        .budgets
        .acquire(&task.tenant, &task.webhook_id, limits, task.deferrals)
        .await?;
    match shared_rate(ctx, &task.tenant, limits.per_second).await {
        Ok(()) => Ok(lease),
        Err(wait) => {
            lease.abandon();
            Err(wait)
        }
    }
}

/// The tenant's deliveries per second across every process (`quota::RateQuota`: tokens are
/// leased in chunks, no write per attempt). Past it, the wait for this attempt's turn. A
/// counter that cannot be reached lets the attempt go: the per-process budgets still hold.
async fn shared_rate(ctx: &AppContext, tenant: &TenantId, per_second: u32) -> Result<(), Duration> {
    let now = Timestamp::now();
    match ctx
        .delivery_quota
        .admit(ctx.events.as_ref(), tenant, per_second, now)
        .await
    {
        Ok(Admission::Admitted) => Ok(()),
        Ok(Admission::Limited { paced, .. }) => Err(paced.min(MAX_WAIT)),
        Err(error) => {
            tracing::warn!(%tenant, error.cause_chain = ?crate::telemetry::error_chain(&error), "the shared delivery rate could not be read; the attempt goes");
            Ok(())
        }
    }
}

fn held_back_for(wait: Duration, now: Timestamp) -> Unattempted {
    let due = now.plus(wait);
    Unattempted::HeldBack { due, wait }
}

/// The event's type and body: carried by the task, or read from the stored event (`None`
/// once it expired).
async fn body(
    ctx: &AppContext,
    task: &DeliverTask,
    now: Timestamp,
) -> Result<Option<(EventType, Bytes)>, WorkerError> {
    if let Some(carried) = &task.event {
        return Ok(Some((
            carried.event_type.clone(),
            shared_body(&carried.payload),
        )));
    }
    let event = ctx
        .events
        .get_event(&task.tenant, &task.event_id, now)
        .await?;
    Ok(event.map(|event| {
        let payload = event.payload().into();
        (event.event_type, payload)
    }))
}

/// The farthest a held-back attempt is sent: an hour of 15-second windows.
const MOST_WINDOWS_AHEAD: u32 = 240;

/// The in-flight cap: a failing webhook may start `max_in_flight_per_webhook` attempts in each
/// window of one delivery timeout (so no more than twice that are in flight at once, across
/// every process). Past it, the time to try again: somewhere in the window where its room is
/// expected (the next, or later when this process held back more than a window's worth). A
/// webhook that is not failing is not counted here, so a healthy endpoint costs no write.
async fn held_back(ctx: &AppContext, webhook: &Webhook, now: Timestamp) -> Option<Timestamp> {
    let limit = ctx.config.max_in_flight_per_webhook;
    if limit == 0 || webhook.consecutive_failures == 0 {
        return None;
    }
    let span = i64::try_from(ctx.config.delivery.timeout.as_millis())
        .unwrap_or(i64::MAX)
        .max(1000);
    let window = now.millis() / span;
    let next = (window + 1) * span;
    let lapses = Timestamp::from_millis(next + span).unwrap_or(now);
    let admitted = ctx
        .in_flight
        .admit(
            ctx.executions.as_ref(),
            &webhook.tenant,
            &webhook.id,
            window,
            limit,
            lapses,
        )
        .await;
    let ahead = admitted.err()?;
    let spread = rand::rng().random_range(0..span);
    Timestamp::from_millis(next + i64::from(ahead.min(MOST_WINDOWS_AHEAD) - 1) * span + spread)
}
