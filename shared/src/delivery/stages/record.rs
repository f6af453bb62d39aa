//! The `record` stage: everything written about a task, before anything is queued after it
//! (a failed write leaves nothing queued, so the redone task cannot start a second retry
//! chain).

use super::{Attempted, Recorded, Then, Unattempted};
use crate::AppContext;
use crate::delivery::notify::{Notice, notify};
use crate::delivery::outcome::{Outcome, WorkerError};
use crate::delivery::verdict::{Next, Verdict};
use crate::domain::{
    AttemptOutcome, Delivery, DeliveryAttempt, DeliveryStatus, Ended, EndedDelivery, Execution,
    ExecutionId, HealthChange, Timestamp, Trigger, Webhook,
};
use crate::queue::DeliverTask;
use crate::store::StoreError;

/// Records an attempt: its execution, the operator's notices, the webhook's health, the
/// delivery's record and its note for recover.
pub(super) async fn record(
    ctx: &AppContext,
    attempted: Attempted,
) -> Result<Recorded, WorkerError> {
    let Attempted {
        task,
        webhook,
        event_type,
        outcome,
        verdict,
        at,
    } = attempted;
    let next_attempt_at = verdict.next_attempt_at(at);
    let of = DeliveryAttempt {
        tenant: task.tenant.clone(),
        event_id: task.event_id,
        event_type,
        webhook_id: task.webhook_id,
        attempt: task.attempt,
        trigger: task.trigger,
    };
    let execution =
        Execution::from_attempt(&of, webhook.url.as_str(), &outcome, at, next_attempt_at);
    let redone = insert(ctx, execution, at).await?;
    let status = match verdict.next {
        Next::Delivered => DeliveryStatus::Succeeded,
        Next::RetryIn(_) => DeliveryStatus::Pending,
        Next::GiveUp => DeliveryStatus::Failed,
    };
    tell_operator(ctx, &task, &webhook, &outcome, &verdict, status).await?;
    if let Some(change) = &verdict.health {
        ctx.webhooks
            .record_health(&task.tenant, &task.webhook_id, change)
            .await?;
        if let HealthChange::Failed {
            disable: Some(disable),
            ..
        } = change
        {
            let webhook_id = task.webhook_id;
            tracing::warn!(%webhook_id, reason = disable.reason, "webhook disabled");
        }
    }
    // A first attempt that succeeded says so by its execution alone (`Delivery::standing`):
    // the common case costs one write.
    if redone || !(of.is_first() && status == DeliveryStatus::Succeeded) {
        put_delivery(ctx, &task, status, task.attempt, next_attempt_at, at).await?;
    }
    note(ctx, &task, status, redone, at).await?;
    let then = match (verdict.next, next_attempt_at) {
        (Next::Delivered, _) => Then::Done(Outcome::Delivered),
        (Next::RetryIn(delay), Some(due)) => Then::Retry { delay, due },
        (Next::RetryIn(_) | Next::GiveUp, _) => Then::GiveUp,
    };
    Ok(Recorded { task, then })
}

/// Records why no attempt was made, if that ends the delivery.
pub(super) async fn unattempted(
    ctx: &AppContext,
    task: DeliverTask,
    why: Unattempted,
) -> Result<Recorded, WorkerError> {
    let then = match why {
        Unattempted::Inactive { ended, at } => Then::Done(inactive(ctx, &task, ended, at).await?),
        Unattempted::HeldBack { due, wait } => Then::Defer { due, wait },
        Unattempted::Expired => Then::Done(Outcome::Dropped),
        Unattempted::Processed => Then::Done(Outcome::Duplicate),
    };
    Ok(Recorded { task, then })
}

/// The webhook was deleted or deactivated: the delivery is dropped; it was disabled for
/// failing: the delivery failed with it, noted for recover.
async fn inactive(
    ctx: &AppContext,
    task: &DeliverTask,
    ended: Option<Ended>,
    at: Timestamp,
) -> Result<Outcome, WorkerError> {
    let attempts = task.attempt.saturating_sub(1);
    let status = match ended {
        Some(Ended::Failed) => DeliveryStatus::Failed,
        _ => DeliveryStatus::Dropped,
    };
    put_delivery(ctx, task, status, attempts, None, at).await?;
    if let Some(how) = ended {
        let noted = EndedDelivery {
            event_id: task.event_id,
            attempts,
        };
        ctx.executions
            .note_ended(
                &task.tenant,
                &task.webhook_id,
                how,
                noted,
                ctx.records_expire_at(at),
            )
            .await?;
    }
    let (event_id, webhook_id) = (task.event_id, task.webhook_id);
    tracing::info!(%event_id, %webhook_id, ?status, "webhook deleted or inactive; delivery not attempted");
    Ok(if status == DeliveryStatus::Failed {
        Outcome::Failed
    } else {
        Outcome::Dropped
    })
}

/// Inserts the attempt's execution; `true` when this first attempt was made before (its task
/// came back): it gets a record of its own, and the delivery's record is written too, since
/// the first one's outcome is not this one's.
async fn insert(
    ctx: &AppContext,
    mut execution: Execution,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let expires_at = ctx.records_expire_at(at);
    match ctx.executions.insert(&execution, expires_at).await {
        Ok(()) => Ok(false),
        Err(StoreError::Conflict) => {
            execution.id = ExecutionId::new();
            ctx.executions.insert(&execution, expires_at).await?;
            Ok(true)
        }
        Err(e) => Err(e),
    }
}

/// The operator hears first: once the webhook is written disabled, a redone task finds it
/// inactive and would never tell. A redo tells again, under the same message id.
async fn tell_operator(
    ctx: &AppContext,
    task: &DeliverTask,
    webhook: &Webhook,
    outcome: &AttemptOutcome,
    verdict: &Verdict,
    status: DeliveryStatus,
) -> Result<(), WorkerError> {
    if let Some(HealthChange::Failed {
        disable: Some(disable),
        ..
    }) = &verdict.health
    {
        let notice = Notice::WebhookDisabled {
            tenant: &task.tenant,
            webhook_id: task.webhook_id,
            uid: webhook.uid.as_ref(),
            reason: &disable.reason,
            version: disable.version,
        };
        notify(ctx, notice).await?;
    }
    if status == DeliveryStatus::Failed && task.trigger == Trigger::Event {
        let notice = Notice::DeliveryExhausted {
            tenant: &task.tenant,
            webhook_id: task.webhook_id,
            event_id: task.event_id,
            attempts: task.attempt,
            last_error: &outcome.failure_summary(),
        };
        notify(ctx, notice).await?;
    }
    Ok(())
}

/// Failed deliveries are noted for recover. A success clears the note wherever one may be
/// (after a manual attempt, or any but a first attempt: a redone task, a retry chain that
/// went on beside a manual attempt); a first attempt's success costs nothing more.
async fn note(
    ctx: &AppContext,
    task: &DeliverTask,
    status: DeliveryStatus,
    redone: bool,
    at: Timestamp,
) -> Result<(), StoreError> {
    let (tenant, webhook_id) = (&task.tenant, &task.webhook_id);
    match status {
        DeliveryStatus::Failed => {
            let ended = EndedDelivery {
                event_id: task.event_id,
                attempts: task.attempt,
            };
            let expires_at = ctx.records_expire_at(at);
            ctx.executions
                .note_ended(tenant, webhook_id, Ended::Failed, ended, expires_at)
                .await
        }
        DeliveryStatus::Succeeded if task.trigger.is_manual() || task.attempt > 1 || redone => {
            ctx.executions
                .clear_failed(tenant, webhook_id, &task.event_id)
                .await
        }
        _ => Ok(()),
    }
}

/// Writes the delivery's record.
async fn put_delivery(
    ctx: &AppContext,
    task: &DeliverTask,
    status: DeliveryStatus,
    attempts: u32,
    next_attempt_at: Option<Timestamp>,
    at: Timestamp,
) -> Result<(), StoreError> {
    let delivery = Delivery {
        event_id: task.event_id,
        webhook_id: task.webhook_id,
        status,
        attempts,
        next_attempt_at,
    };
    ctx.events
        .put_deliveries(&task.tenant, &[delivery], ctx.records_expire_at(at))
        .await
}
