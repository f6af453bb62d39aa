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
use super::send::send;
use super::verdict::{Next, Rules, decide};
use crate::AppContext;
use crate::domain::{
    Delivery, DeliveryAttempt, DeliveryStatus, EventId, Execution, ExecutionId, TenantId,
    Timestamp, Trigger, WebhookId,
};
use crate::queue::{Carried, QueueError, Task};
use crate::store::StoreError;
use rand::Rng;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Store(#[from] StoreError),
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
    /// A fan-out was expanded into this many deliveries.
    FannedOut(usize),
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
            let now = Timestamp::now();
            if let Some(due) = not_before.and_then(Timestamp::from_millis)
                && due.millis() > now.millis() + EARLY_MARGIN_MS
            {
                let wait = u64::try_from(due.millis() - now.millis()).unwrap_or(0);
                enqueue::hop(ctx, task, Duration::from_millis(wait)).await?;
                return Ok(Outcome::Hopped);
            }
            let delivery = Target {
                tenant,
                event_id: *event_id,
                webhook_id: *webhook_id,
            };
            deliver(ctx, task, delivery, *attempt, *trigger, event.as_ref()).await
        }
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
        _ => {
            let attempts = attempt.saturating_sub(1);
            target
                .record(ctx, DeliveryStatus::Dropped, attempts, None, now)
                .await?;
            tracing::info!(%event_id, %webhook_id, "webhook deleted or inactive; delivery dropped");
            return Ok(Outcome::Dropped);
        }
    };
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

    let outcome = send(&ctx.http, &webhook, &event_id.to_string(), payload).await;
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
    if let Some(change) = &verdict.health {
        ctx.webhooks
            .record_health(tenant, &webhook_id, change)
            .await?;
        if let crate::domain::HealthChange::Failed {
            disable: Some(disable),
            ..
        } = change
        {
            tracing::warn!(%webhook_id, reason = disable.reason, "webhook disabled");
        }
    }
    let status = match verdict.next {
        Next::Delivered => DeliveryStatus::Succeeded,
        Next::RetryIn(_) => DeliveryStatus::Pending,
        Next::GiveUp => DeliveryStatus::Failed,
    };
    // A first attempt that succeeded says so by its execution alone (`Delivery::standing`):
    // the common case costs one write.
    if redone || !(of.is_first() && status == DeliveryStatus::Succeeded) {
        target
            .record(ctx, status, attempt, next_attempt_at, now)
            .await?;
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
