//! Processing a queued task. The same code runs in the delivery Lambda (per SQS record) and in
//! the local server's in-process workers. The decision after an attempt is
//! `verdict::decide`; this module only does the I/O around it.
//!
//! At-least-once: `process` returns `Ok` only once the attempt is recorded and any next
//! attempt is queued, and only then is the message acknowledged. An infrastructure fault is
//! an `Err`: the message comes back after its visibility timeout and the work is redone.
//! Records are written before the next attempt is queued, so a failed write leaves nothing
//! queued and the redone work cannot start a second retry chain.

use super::enqueue::{self, EnqueueError};
use super::notify::{Notice, notify};
use super::send::send;
use super::verdict::{Next, Rules, decide};
use crate::AppContext;
use crate::domain::{
    Delivery, DeliveryAttempt, DeliveryStatus, Ended, EndedDelivery, EventId, Execution,
    ExecutionId, HealthChange, TenantId, TimeRange, Timestamp, Trigger, Webhook, WebhookId,
};
use crate::queue::{Carried, QueueError, Task};
use crate::store::StoreError;
use rand::Rng;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The webhook's secrets could not be opened (the key service failed): tried again later.
    #[error(transparent)]
    Seal(#[from] crate::seal::SealError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

impl From<EnqueueError> for WorkerError {
    fn from(error: EnqueueError) -> Self {
        match error {
            EnqueueError::Store(e) => Self::Store(e),
            EnqueueError::Queue(e)
            | EnqueueError::Partial(super::enqueue::Unsent { error: e, .. }) => Self::Queue(e),
        }
    }
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
    /// Not attempted yet: the webhook is failing and at its in-flight cap; queued again for
    /// the next window, as the same attempt.
    Deferred,
    /// A fan-out was expanded into this many deliveries.
    FannedOut(usize),
    /// A page of a recover queued this many deliveries.
    Recovered(usize),
    /// An operational event was sent, or will be retried, or was given up (`Failed`).
    Notified(super::notify::Sent),
}

/// A task received this much before its due time is attempted anyway.
const EARLY_MARGIN_MS: i64 = 500;

pub async fn process(ctx: &AppContext, task: &Task) -> Result<Outcome, WorkerError> {
    match task {
        Task::Fanout {
            tenant,
            event_id,
            webhook_ids,
            event,
        } => {
            enqueue::expand_fanout(ctx, tenant, *event_id, webhook_ids, event.as_ref()).await?;
            Ok(Outcome::FannedOut(webhook_ids.len()))
        }
        Task::Deliver {
            tenant,
            event_id,
            webhook_id,
            attempt,
            trigger,
            not_before,
            event,
        } => {
            if hopped(ctx, task, *not_before).await? {
                return Ok(Outcome::Hopped);
            }
            let delivery = Target {
                tenant,
                event_id: *event_id,
                webhook_id: *webhook_id,
            };
            deliver(ctx, task, delivery, *attempt, *trigger, event.as_ref()).await
        }
        Task::Recover {
            tenant,
            webhook_id,
            since,
            until,
            after,
        } => recover_page(ctx, tenant, *webhook_id, *since, *until, *after).await,
        Task::Notify {
            event_id,
            event_type,
            payload,
            attempt,
            not_before,
        } => {
            if hopped(ctx, task, *not_before).await? {
                return Ok(Outcome::Hopped);
            }
            let sent =
                super::notify::attempt(ctx, task, *event_id, event_type, payload, *attempt).await?;
            Ok(Outcome::Notified(sent))
        }
    }
}

/// Sends a task received before its due time on towards it; `true` when it did.
async fn hopped(
    ctx: &AppContext,
    task: &Task,
    not_before: Option<i64>,
) -> Result<bool, QueueError> {
    let now = Timestamp::now();
    match not_before.and_then(Timestamp::from_millis) {
        Some(due) if due.millis() > now.millis() + EARLY_MARGIN_MS => {
            let wait = u64::try_from(due.millis() - now.millis()).unwrap_or(0);
            enqueue::hop(ctx, task, Duration::from_millis(wait)).await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// One page of a recover: the next failed deliveries of the window queued again, then the
/// next page. A webhook deleted or deactivated meanwhile ends it.
async fn recover_page(
    ctx: &AppContext,
    tenant: &TenantId,
    webhook_id: WebhookId,
    since: Option<i64>,
    until: i64,
    after: Option<EventId>,
) -> Result<Outcome, WorkerError> {
    let now = Timestamp::now();
    match ctx.webhooks.get(tenant, &webhook_id).await? {
        Some(w) if w.active => {}
        _ => {
            tracing::info!(%webhook_id, "webhook deleted or inactive; recover stopped");
            return Ok(Outcome::Dropped);
        }
    }
    let range = TimeRange {
        since: since.and_then(Timestamp::from_millis),
        until: Timestamp::from_millis(until),
    };
    let page_size = enqueue::RECOVER_PAGE;
    let failed = ctx
        .executions
        .failed(tenant, &webhook_id, range, after.as_ref(), page_size, now)
        .await?;
    enqueue::recover_page(ctx, tenant, webhook_id, &failed).await?;
    // The next page while this one found anything: a page shortened by notes that expired
    // meanwhile does not end the walk early; the last one finds nothing.
    if let Some(last) = failed.last() {
        let next = Task::Recover {
            tenant: tenant.clone(),
            webhook_id,
            since,
            until,
            after: Some(last.event_id),
        };
        ctx.queue.send(&[(next, Duration::ZERO)]).await?;
    }
    tracing::info!(%webhook_id, queued = failed.len(), "recover page queued");
    Ok(Outcome::Recovered(failed.len()))
}

/// When a task was due: its `not_before`, for the tasks that have one.
fn task_due(task: &Task) -> Option<i64> {
    match task {
        Task::Deliver { not_before, .. } | Task::Notify { not_before, .. } => *not_before,
        _ => None,
    }
}

/// Which delivery a task is about.
#[derive(Clone, Copy)]
struct Target<'a> {
    tenant: &'a TenantId,
    event_id: EventId,
    webhook_id: WebhookId,
}

impl Target<'_> {
    async fn record(
        &self,
        ctx: &AppContext,
        status: DeliveryStatus,
        attempts: u32,
        next_attempt_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let delivery = Delivery {
            event_id: self.event_id,
            webhook_id: self.webhook_id,
            status,
            attempts,
            next_attempt_at,
        };
        ctx.events
            .put_deliveries(self.tenant, &[delivery], ctx.records_expire_at(now))
            .await
    }
}

/// The in-flight cap: a failing webhook may start `max_in_flight_per_webhook` attempts in each
/// window of one delivery timeout (so no more than twice that are in flight at once, across
/// every process). Past it, the time to try again: somewhere in the next window. A webhook
/// that is not failing is not counted, so a healthy endpoint costs no write for it.
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
    if admitted {
        return None;
    }
    let spread = rand::rng().random_range(0..span);
    Timestamp::from_millis(next + spread)
}

async fn deliver(
    ctx: &AppContext,
    task: &Task,
    target: Target<'_>,
    attempt: u32,
    trigger: Trigger,
    carried: Option<&Carried>,
) -> Result<Outcome, WorkerError> {
    let Target {
        tenant,
        event_id,
        webhook_id,
    } = target;
    let now = Timestamp::now();
    let webhook = match ctx.webhooks.get(tenant, &webhook_id).await? {
        Some(w) if w.active => w,
        found => {
            let attempts = attempt.saturating_sub(1);
            // Disabled for failing, the delivery failed with it (recover sends it again once
            // the webhook is back); deactivated by a person, or deleted, it is dropped.
            let how = match &found {
                Some(w) if w.failed => Some(Ended::Failed),
                Some(_) => Some(Ended::Dropped),
                None => None,
            };
            let status = match how {
                Some(Ended::Failed) => DeliveryStatus::Failed,
                _ => DeliveryStatus::Dropped,
            };
            target.record(ctx, status, attempts, None, now).await?;
            if let Some(how) = how {
                let ended = EndedDelivery { event_id, attempts };
                ctx.executions
                    .note_ended(tenant, &webhook_id, how, ended, ctx.records_expire_at(now))
                    .await?;
            }
            tracing::info!(%event_id, %webhook_id, ?status, "webhook deleted or inactive; delivery not attempted");
            return Ok(if status == DeliveryStatus::Failed {
                Outcome::Failed
            } else {
                Outcome::Dropped
            });
        }
    };
    if let Some(due) = held_back(ctx, &webhook, now).await {
        let wait = Duration::from_millis(u64::try_from(due.millis() - now.millis()).unwrap_or(0));
        enqueue::next_attempt(ctx, task, attempt, wait, due).await?;
        tracing::info!(%event_id, %webhook_id, attempt, "failing webhook at its in-flight cap; attempt deferred");
        return Ok(Outcome::Deferred);
    }
    let (event_type, payload) = match carried {
        Some(c) => (c.event_type.clone(), super::send::shared_body(&c.payload)),
        None => match ctx.events.get_event(tenant, &event_id, now).await? {
            Some(event) => {
                let payload = event.payload().into();
                (event.event_type, payload)
            }
            None => {
                tracing::warn!(%event_id, %webhook_id, "event expired before its delivery; dropped");
                return Ok(Outcome::Dropped);
            }
        },
    };

    let secrets = ctx.keyring.open(&webhook).await?;
    let outcome = send(
        &ctx.http,
        &webhook,
        &secrets,
        &event_id.to_string(),
        payload,
    )
    .await;
    let now = Timestamp::now();
    let rules = Rules {
        schedule: &ctx.config.delivery.retry_schedule,
        disable_after: ctx.config.delivery.disable_after,
    };
    let jitter = rand::rng().random_range(-1.0..=1.0);
    let verdict = decide(&outcome, &webhook, attempt, trigger, rules, now, jitter);
    let next_attempt_at = verdict.next_attempt_at(now);
    tracing::info!(
        %event_id, %webhook_id, attempt, status = ?outcome.status, ms = outcome.duration_ms,
        error = outcome.error.as_deref().unwrap_or(""), "delivery attempt"
    );
    // Queue lag, for automatic attempts: how late this one runs after it was due (the
    // first at the event's publish, a retry at its scheduled time).
    let lag_ms = (trigger == Trigger::Event).then(|| {
        let due =
            task_due(task).unwrap_or_else(|| i64::try_from(event_id.unix_millis()).unwrap_or(0));
        u64::try_from(now.millis() - i64::try_from(outcome.duration_ms).unwrap_or(0) - due)
            .unwrap_or(0)
    });
    crate::metrics::attempt(
        &ctx.config.metrics,
        tenant,
        outcome.succeeded(),
        outcome.duration_ms,
        lag_ms,
    );

    let of = DeliveryAttempt {
        tenant: tenant.clone(),
        event_id,
        event_type,
        webhook_id,
        attempt,
        trigger,
    };
    let mut execution =
        Execution::from_attempt(&of, webhook.url.as_str(), &outcome, now, next_attempt_at);
    let expires_at = ctx.records_expire_at(now);
    let redone = match ctx.executions.insert(&execution, expires_at).await {
        Ok(()) => false,
        // This first attempt was made before (its task came back): a record of its own, and
        // the delivery's record below, since the first one's outcome is not this one's.
        Err(StoreError::Conflict) => {
            execution.id = ExecutionId::new();
            ctx.executions.insert(&execution, expires_at).await?;
            true
        }
        Err(e) => return Err(e.into()),
    };
    let status = match verdict.next {
        Next::Delivered => DeliveryStatus::Succeeded,
        Next::RetryIn(_) => DeliveryStatus::Pending,
        Next::GiveUp => DeliveryStatus::Failed,
    };
    // The operator hears first: once the webhook is written disabled, a redone task finds
    // it inactive and would never tell. A redo tells again, under the same message id.
    if let Some(HealthChange::Failed {
        disable: Some(disable),
        ..
    }) = &verdict.health
    {
        let notice = Notice::WebhookDisabled {
            tenant,
            webhook_id,
            uid: webhook.uid.as_ref(),
            reason: &disable.reason,
            version: disable.version,
        };
        notify(ctx, notice).await?;
    }
    if status == DeliveryStatus::Failed && trigger == Trigger::Event {
        let notice = Notice::DeliveryExhausted {
            tenant,
            webhook_id,
            event_id,
            attempts: attempt,
            last_error: &outcome.failure_summary(),
        };
        notify(ctx, notice).await?;
    }
    if let Some(change) = &verdict.health {
        ctx.webhooks
            .record_health(tenant, &webhook_id, change)
            .await?;
        if let HealthChange::Failed {
            disable: Some(disable),
            ..
        } = change
        {
            tracing::warn!(%webhook_id, reason = disable.reason, "webhook disabled");
        }
    }
    // A first attempt that succeeded says so by its execution alone (`Delivery::standing`):
    // the common case costs one write.
    if redone || !(of.is_first() && status == DeliveryStatus::Succeeded) {
        target
            .record(ctx, status, attempt, next_attempt_at, now)
            .await?;
    }
    // Failed deliveries are noted for recover. A success clears the note wherever one may
    // be (after a manual attempt, or any but a first attempt: a redone task, a retry chain
    // that went on beside a manual attempt); a first attempt's success costs nothing more.
    match status {
        DeliveryStatus::Failed => {
            let ended = EndedDelivery {
                event_id,
                attempts: attempt,
            };
            ctx.executions
                .note_ended(tenant, &webhook_id, Ended::Failed, ended, expires_at)
                .await?;
        }
        DeliveryStatus::Succeeded if trigger.is_manual() || attempt > 1 || redone => {
            ctx.executions
                .clear_failed(tenant, &webhook_id, &event_id)
                .await?;
        }
        _ => {}
    }

    // Last, once everything above is recorded.
    match (verdict.next, next_attempt_at) {
        (Next::Delivered, _) => Ok(Outcome::Delivered),
        (Next::RetryIn(delay), Some(due)) => {
            enqueue::next_attempt(ctx, task, attempt + 1, delay, due).await?;
            Ok(Outcome::Retrying { delay })
        }
        (Next::RetryIn(_) | Next::GiveUp, _) => {
            if trigger == Trigger::Event {
                enqueue::dead_letter(ctx, task).await?;
            }
            Ok(Outcome::Failed)
        }
    }
}
