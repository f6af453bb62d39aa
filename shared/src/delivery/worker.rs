//! Processing a queued task. The same code runs in the delivery Lambda (per SQS record) and in
//! the local server's in-process workers.
//!
//! At-least-once: `process` returns `Ok` only once the attempt is recorded and any next
//! attempt is queued, and only then is the message acknowledged. An infrastructure fault is
//! an `Err`: the message comes back after its visibility timeout and the work is redone.

use super::retry::RetrySchedule;
use super::send::{Attempt, send};
use crate::AppContext;
use crate::domain::{
    Delivery, DeliveryStatus, Event, EventId, Execution, ExecutionId, RequestStatus, TenantId,
    Timestamp, Webhook, WebhookId,
};
use crate::queue::{MAX_DELAY, QueueError, Task, Trigger};
use crate::store::StoreError;
use rand::Rng;
use std::time::Duration;

/// How many deliveries one fan-out task carries.
pub const FANOUT_CHUNK: usize = 500;
/// Up to this many matches, publishing queues the deliveries itself.
pub const FANOUT_INLINE: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// What became of a task: for logs and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Too early: sent on towards its due time.
    Hopped,
    Delivered,
    /// Failed; another attempt is queued.
    Retrying {
        delay: Duration,
    },
    /// Failed for good (schedule exhausted, 410, or disabled meanwhile).
    Failed,
    /// Not attempted: the webhook was deleted or deactivated, or the event expired.
    Dropped,
    /// A fan-out was expanded into this many deliveries.
    FannedOut(usize),
}

/// The first attempt of each delivery, queued now.
pub fn first_attempts(
    tenant: &TenantId,
    event_id: EventId,
    webhooks: &[WebhookId],
) -> Vec<(Task, Duration)> {
    webhooks
        .iter()
        .map(|webhook_id| {
            let task = Task::Deliver {
                tenant: tenant.clone(),
                event_id,
                webhook_id: *webhook_id,
                attempt: 1,
                trigger: Trigger::Event,
                not_before: None,
            };
            (task, Duration::ZERO)
        })
        .collect()
}

/// Records the deliveries as pending and queues their first attempts (directly, or as
/// fan-out tasks when there are many).
pub async fn enqueue_deliveries(
    ctx: &AppContext,
    event: &Event,
    webhooks: &[WebhookId],
) -> Result<(), WorkerError> {
    if webhooks.len() <= FANOUT_INLINE {
        expand(ctx, &event.tenant, event.id, webhooks).await
    } else {
        let tasks: Vec<(Task, Duration)> = webhooks
            .chunks(FANOUT_CHUNK)
            .map(|chunk| {
                let task = Task::Fanout {
                    tenant: event.tenant.clone(),
                    event_id: event.id,
                    webhook_ids: chunk.to_vec(),
                };
                (task, Duration::ZERO)
            })
            .collect();
        ctx.queue.send(&tasks).await?;
        Ok(())
    }
}

async fn expand(
    ctx: &AppContext,
    tenant: &TenantId,
    event_id: EventId,
    webhooks: &[WebhookId],
) -> Result<(), WorkerError> {
    let now = Timestamp::now();
    let pending: Vec<Delivery> = webhooks
        .iter()
        .map(|w| Delivery::pending(event_id, *w))
        .collect();
    ctx.events
        .put_deliveries(tenant, &pending, ctx.records_expire_at(now))
        .await?;
    let tasks = first_attempts(tenant, event_id, webhooks);
    // Batches of 10 go out a few at a time: SQS answers each in milliseconds.
    let sends = tasks.chunks(100).map(|chunk| ctx.queue.send(chunk));
    for result in futures::future::join_all(sends).await {
        result?;
    }
    Ok(())
}

pub async fn process(ctx: &AppContext, task: &Task) -> Result<Outcome, WorkerError> {
    match task {
        Task::Fanout {
            tenant,
            event_id,
            webhook_ids,
        } => {
            expand(ctx, tenant, *event_id, webhook_ids).await?;
            Ok(Outcome::FannedOut(webhook_ids.len()))
        }
        Task::Deliver {
            tenant,
            event_id,
            webhook_id,
            attempt,
            trigger,
            not_before,
        } => {
            let now = Timestamp::now();
            if let Some(due) = not_before.and_then(Timestamp::from_millis)
                && due.millis() > now.millis() + 500
            {
                let wait =
                    Duration::from_millis(u64::try_from(due.millis() - now.millis()).unwrap_or(0));
                ctx.queue
                    .send(&[(task.clone(), wait.min(MAX_DELAY))])
                    .await?;
                return Ok(Outcome::Hopped);
            }
            deliver(ctx, tenant, *event_id, *webhook_id, *attempt, *trigger).await
        }
    }
}

async fn deliver(
    ctx: &AppContext,
    tenant: &TenantId,
    event_id: EventId,
    webhook_id: WebhookId,
    attempt: u32,
    trigger: Trigger,
) -> Result<Outcome, WorkerError> {
    let now = Timestamp::now();
    let expires_at = ctx.records_expire_at(now);
    let Some(event) = ctx.events.get_event(tenant, &event_id, now).await? else {
        tracing::warn!(%event_id, %webhook_id, "event expired before its delivery; dropped");
        return Ok(Outcome::Dropped);
    };
    let webhook = match ctx.webhooks.get(tenant, &webhook_id).await? {
        Some(w) if w.active => w,
        _ => {
            let dropped = Delivery {
                event_id,
                webhook_id,
                status: DeliveryStatus::Dropped,
                attempts: attempt.saturating_sub(1),
                next_attempt_at: None,
            };
            ctx.events
                .put_deliveries(tenant, &[dropped], expires_at)
                .await?;
            tracing::info!(%event_id, %webhook_id, "webhook deleted or inactive; delivery dropped");
            return Ok(Outcome::Dropped);
        }
    };

    let result = send(&ctx.http, &webhook, &event_id.to_string(), &event.payload()).await;
    let succeeded = result.succeeded();
    let gone = result.status == Some(410);
    let updated = record_on_webhook(ctx, &webhook, &result, gone).await?;

    let schedule: &RetrySchedule = &ctx.config.delivery.retry_schedule;
    let next_delay =
        (!succeeded && trigger == Trigger::Event && updated.as_ref().is_none_or(|w| w.active))
            .then(|| {
                schedule.next_delay(
                    attempt,
                    result.retry_after,
                    rand::rng().random_range(-1.0..=1.0),
                )
            })
            .flatten();
    let next_attempt_at = next_delay.map(|d| now.plus(d));

    let execution = execution(
        tenant,
        &event,
        &webhook,
        attempt,
        trigger,
        now,
        &result,
        next_attempt_at,
    );
    ctx.executions.insert(&execution, expires_at).await?;
    tracing::info!(
        %event_id, %webhook_id, attempt, status = ?result.status, ms = result.duration_ms,
        error = result.error.as_deref().unwrap_or(""), "delivery attempt"
    );

    let (status, outcome) = match (succeeded, next_delay) {
        (true, _) => (DeliveryStatus::Succeeded, Outcome::Delivered),
        (false, Some(delay)) => {
            let retry = Task::Deliver {
                tenant: tenant.clone(),
                event_id,
                webhook_id,
                attempt: attempt + 1,
                trigger,
                not_before: next_attempt_at.map(|t| t.millis()),
            };
            ctx.queue.send(&[(retry, delay.min(MAX_DELAY))]).await?;
            (DeliveryStatus::Pending, Outcome::Retrying { delay })
        }
        (false, None) => {
            if trigger == Trigger::Event {
                // The last word on this delivery, with its record, for operators to inspect.
                let task = Task::Deliver {
                    tenant: tenant.clone(),
                    event_id,
                    webhook_id,
                    attempt,
                    trigger,
                    not_before: None,
                };
                ctx.dead_letters.send(&[(task, Duration::ZERO)]).await?;
            }
            (DeliveryStatus::Failed, Outcome::Failed)
        }
    };
    let delivery = Delivery {
        event_id,
        webhook_id,
        status,
        attempts: attempt,
        next_attempt_at,
    };
    ctx.events
        .put_deliveries(tenant, &[delivery], expires_at)
        .await?;
    Ok(outcome)
}

/// Keeps `last_success_at`, `last_failure_*`, `consecutive_failures` current and disables the
/// webhook when it must be. Returns the webhook as written (`None` if it vanished meanwhile).
async fn record_on_webhook(
    ctx: &AppContext,
    seen: &Webhook,
    result: &Attempt,
    gone: bool,
) -> Result<Option<Webhook>, WorkerError> {
    let mut current = seen.clone();
    for _ in 0..5 {
        let now = Timestamp::now();
        let next = if result.succeeded() {
            current.after_success(now)
        } else {
            current.after_failure(
                now,
                result.failure_summary(),
                gone,
                ctx.config.delivery.disable_after,
            )
        };
        match ctx.webhooks.update(&current, &next).await {
            Ok(()) => {
                if current.active && !next.active {
                    tracing::warn!(webhook_id = %next.id, reason = next.disabled_reason.as_deref().unwrap_or(""), "webhook disabled");
                }
                return Ok(Some(next));
            }
            Err(StoreError::Stale) => match ctx.webhooks.get(&seen.tenant, &seen.id).await? {
                Some(fresh) => current = fresh,
                None => return Ok(None),
            },
            Err(StoreError::Conflict) => return Ok(Some(current)),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Some(current))
}

#[allow(
    clippy::too_many_arguments,
    reason = "one record, assembled in one place"
)]
pub fn execution(
    tenant: &TenantId,
    event: &Event,
    webhook: &Webhook,
    attempt: u32,
    trigger: Trigger,
    at: Timestamp,
    result: &Attempt,
    next_attempt_at: Option<Timestamp>,
) -> Execution {
    Execution {
        id: ExecutionId::new(),
        tenant: tenant.clone(),
        webhook_id: webhook.id,
        event_id: event.id,
        event_type: event.event_type.clone(),
        attempt,
        trigger,
        created_at: at,
        duration_ms: result.duration_ms,
        request_status: if result.succeeded() {
            RequestStatus::Success
        } else {
            RequestStatus::Error
        },
        response_status: result.status,
        error_message: if result.succeeded() {
            None
        } else {
            Some(result.failure_summary())
        },
        response_body: result.body.clone(),
        url: webhook.url.as_str().to_owned(),
        next_attempt_at,
    }
}
