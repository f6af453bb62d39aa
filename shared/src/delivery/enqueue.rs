//! Queueing work: every `Task` is built here. Publishing queues the first attempts (or
//! fan-out tasks that expand into them), the worker queues next attempts, hops and dead
//! letters, and the retry route queues a manual attempt.

use crate::AppContext;
use crate::domain::{
    Delivery, EndedDelivery, Event, EventId, TenantId, TimeRange, Timestamp, Trigger, WebhookId,
};
use crate::queue::{Carried, MAX_DELAY, QueueError, Task};
use crate::store::StoreError;
use std::time::Duration;

/// How many deliveries one fan-out task carries.
pub const FANOUT_CHUNK: usize = 500;
/// Up to this many matches, publishing queues the deliveries itself.
pub const FANOUT_INLINE: usize = 100;
/// A body up to this size travels in its tasks, so that no attempt reads the event back.
/// Ten tasks to an SQS batch stay far below its 256 KiB, and a message below 64 KiB is
/// billed as one request.
pub const CARRIED_PAYLOAD: usize = 8 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// Some first attempts were queued, these were not.
    #[error("{} first attempts were not queued", .0.webhooks.len())]
    Partial(Unsent),
}

#[derive(Debug)]
pub struct Unsent {
    pub error: QueueError,
    pub webhooks: Vec<WebhookId>,
}

/// The event's body for its tasks, when it is small enough to carry.
pub fn carried(event: &Event, payload: &[u8]) -> Option<Carried> {
    (payload.len() <= CARRIED_PAYLOAD)
        .then(|| std::str::from_utf8(payload).ok())
        .flatten()
        .map(|payload| Carried {
            event_type: event.event_type.clone(),
            payload: payload.into(),
        })
}

/// The first tasks of a published event: the first attempt of each delivery, or fan-out
/// tasks when there are many, so that publishing stays short whatever the fan-out.
pub fn first_tasks(event: &Event, payload: &[u8]) -> Vec<Task> {
    let webhooks = &event.matched;
    let carried = carried(event, payload);
    if webhooks.len() <= FANOUT_INLINE {
        return webhooks
            .iter()
            .map(|webhook_id| Task::Deliver {
                tenant: event.tenant.clone(),
                event_id: event.id,
                webhook_id: *webhook_id,
                attempt: 1,
                trigger: Trigger::Event,
                not_before: None,
                event: carried.clone(),
            })
            .collect();
    }
    webhooks
        .chunks(FANOUT_CHUNK)
        .map(|chunk| Task::Fanout {
            tenant: event.tenant.clone(),
            event_id: event.id,
            webhook_ids: chunk.to_vec(),
            event: carried.clone(),
        })
        .collect()
}

/// First tasks that were not sent: the events they belong to, and why.
#[derive(Debug)]
pub struct UnsentEvents {
    pub events: std::collections::HashSet<EventId>,
    pub error: QueueError,
}

/// Queues the first tasks of one or more published events together, ten to an SQS request
/// (a batch of events from the ingest queue shares its requests), a few requests at once.
pub async fn publish(ctx: &AppContext, tasks: Vec<Task>) -> Result<(), UnsentEvents> {
    let tasks: Vec<(Task, Duration)> = tasks.into_iter().map(|t| (t, Duration::ZERO)).collect();
    let chunks: Vec<&[(Task, Duration)]> = tasks.chunks(10).collect();
    let results = futures::future::join_all(chunks.iter().map(|c| ctx.queue.send(c))).await;
    let mut unsent: Option<UnsentEvents> = None;
    for (chunk, result) in chunks.iter().zip(results) {
        if let Err(error) = result {
            let failed = unsent.get_or_insert_with(|| UnsentEvents {
                events: Default::default(),
                error,
            });
            failed
                .events
                .extend(chunk.iter().filter_map(|(task, _)| match task {
                    Task::Deliver { event_id, .. } | Task::Fanout { event_id, .. } => {
                        Some(*event_id)
                    }
                    _ => None,
                }));
        }
    }
    unsent.map_or(Ok(()), Err)
}

/// Queues the first attempts. No record is written: until its first attempt, a delivery
/// of a stored event is pending by `Delivery::standing`.
pub async fn expand(
    ctx: &AppContext,
    tenant: &TenantId,
    event_id: EventId,
    webhooks: &[WebhookId],
    carried: Option<&Carried>,
) -> Result<(), EnqueueError> {
    let tasks: Vec<(Task, Duration)> = webhooks
        .iter()
        .map(|webhook_id| {
            let task = Task::Deliver {
                tenant: tenant.clone(),
                event_id,
                webhook_id: *webhook_id,
                attempt: 1,
                trigger: Trigger::Event,
                not_before: None,
                event: carried.cloned(),
            };
            (task, Duration::ZERO)
        })
        .collect();
    // Batches of 10 (one SQS request each) go out a few at a time: SQS answers each in
    // milliseconds.
    let chunks: Vec<&[(Task, Duration)]> = tasks.chunks(10).collect();
    let sends = chunks.iter().map(|chunk| ctx.queue.send(chunk));
    let results = futures::future::join_all(sends).await;
    let mut unsent = Vec::new();
    let mut failure = None;
    for ((chunk, result), ids) in chunks.iter().zip(results).zip(webhooks.chunks(10)) {
        if let Err(e) = result {
            debug_assert_eq!(chunk.len(), ids.len());
            unsent.extend_from_slice(ids);
            failure = Some(e);
        }
    }
    match failure {
        None => Ok(()),
        Some(error) => Err(EnqueueError::Partial(Unsent {
            error,
            webhooks: unsent,
        })),
    }
}

/// Expands a fan-out task. When only some of its batches could be sent, the rest goes back
/// on the queue as a smaller fan-out task and the task is done: redoing it whole would queue
/// the sent deliveries twice.
pub async fn expand_fanout(
    ctx: &AppContext,
    tenant: &TenantId,
    event_id: EventId,
    webhooks: &[WebhookId],
    carried: Option<&Carried>,
) -> Result<(), EnqueueError> {
    match expand(ctx, tenant, event_id, webhooks, carried).await {
        Err(EnqueueError::Partial(unsent)) if unsent.webhooks.len() < webhooks.len() => {
            tracing::warn!(%event_id, unsent = unsent.webhooks.len(), error.cause_chain = ?crate::telemetry::error_chain(&unsent.error), "part of a fan-out was not queued; queued again as a smaller fan-out");
            let rest = Task::Fanout {
                tenant: tenant.clone(),
                event_id,
                webhook_ids: unsent.webhooks,
                event: carried.cloned(),
            };
            ctx.queue.send(&[(rest, Duration::ZERO)]).await?;
            Ok(())
        }
        other => other,
    }
}

/// The same delivery (or notification) task, as attempt `attempt`, not to run before `due`.
fn again(task: &Task, attempt: u32, due: Option<Timestamp>) -> Task {
    let mut task = task.clone();
    if let Task::Deliver {
        attempt: a,
        not_before,
        ..
    }
    | Task::Notify {
        attempt: a,
        not_before,
        ..
    } = &mut task
    {
        *a = attempt;
        *not_before = due.map(|t| t.millis());
    }
    task
}

/// Queues the next attempt of a delivery after `delay`. A delay longer than SQS allows is
/// sent as hops (see `Task::Deliver::not_before`).
pub async fn next_attempt(
    ctx: &AppContext,
    task: &Task,
    attempt: u32,
    delay: Duration,
    due: Timestamp,
) -> Result<(), QueueError> {
    let retry = again(task, attempt, Some(due));
    ctx.queue.send(&[(retry, delay.min(MAX_DELAY))]).await
}

/// Sends a task received before its time on towards it.
pub async fn hop(ctx: &AppContext, task: &Task, wait: Duration) -> Result<(), QueueError> {
    ctx.queue.send(&[(task.clone(), wait.min(MAX_DELAY))]).await
}

/// The last word on a delivery whose last attempt failed, for operators to inspect.
pub async fn dead_letter(ctx: &AppContext, task: &Task) -> Result<(), QueueError> {
    let last = match task {
        Task::Deliver { attempt, .. } | Task::Notify { attempt, .. } => again(task, *attempt, None),
        Task::Fanout { .. } | Task::Recover { .. } => task.clone(),
    };
    ctx.dead_letters.send(&[(last, Duration::ZERO)]).await
}

/// Queues one more attempt of `event` to `webhook_id`, asked for by a person: attempt
/// `attempt`, `trigger: retry`, with no automatic retries after it. The delivery shows as
/// pending until it is made.
pub async fn manual_retry(
    ctx: &AppContext,
    event: &Event,
    webhook_id: WebhookId,
    attempt: u32,
) -> Result<(), EnqueueError> {
    let now = Timestamp::now();
    let mut pending = Delivery::pending(event.id, webhook_id);
    pending.attempts = attempt.saturating_sub(1);
    ctx.events
        .put_deliveries(&event.tenant, &[pending], ctx.records_expire_at(now))
        .await?;
    let payload = event.payload();
    let task = Task::Deliver {
        tenant: event.tenant.clone(),
        event_id: event.id,
        webhook_id,
        attempt,
        trigger: Trigger::Retry,
        not_before: None,
        event: carried(event, &payload),
    };
    ctx.queue.send(&[(task, Duration::ZERO)]).await?;
    Ok(())
}

/// How many failed deliveries one recover task queues.
pub const RECOVER_PAGE: usize = 250;

/// Starts recovering the failed deliveries of the events in `range` (its `until` set): the
/// first page's task. Each page queues the next (`recover_page`).
pub async fn recover(
    ctx: &AppContext,
    tenant: &TenantId,
    webhook_id: WebhookId,
    range: TimeRange,
) -> Result<(), QueueError> {
    let task = Task::Recover {
        tenant: tenant.clone(),
        webhook_id,
        since: range.since.map(|t| t.millis()),
        until: range.until.map_or(i64::MAX, |t| t.millis()),
        after: None,
    };
    ctx.queue.send(&[(task, Duration::ZERO)]).await
}

/// Queues a new attempt (`trigger: recover`, no automatic retries after it) for each of
/// these failed deliveries, which show as pending until it is made.
pub async fn recover_page(
    ctx: &AppContext,
    tenant: &TenantId,
    webhook_id: WebhookId,
    failed: &[EndedDelivery],
) -> Result<(), EnqueueError> {
    let now = Timestamp::now();
    let pending: Vec<Delivery> = failed
        .iter()
        .map(|f| Delivery {
            attempts: f.attempts,
            ..Delivery::pending(f.event_id, webhook_id)
        })
        .collect();
    ctx.events
        .put_deliveries(tenant, &pending, ctx.records_expire_at(now))
        .await?;
    let tasks: Vec<(Task, Duration)> = failed
        .iter()
        .map(|f| {
            let task = Task::Deliver {
                tenant: tenant.clone(),
                event_id: f.event_id,
                webhook_id,
                attempt: f.attempts.saturating_add(1),
                trigger: Trigger::Recover,
                not_before: None,
                event: None,
            };
            (task, Duration::ZERO)
        })
        .collect();
    let sends = tasks.chunks(10).map(|chunk| ctx.queue.send(chunk));
    for result in futures::future::join_all(sends).await {
        result?;
    }
    Ok(())
}
