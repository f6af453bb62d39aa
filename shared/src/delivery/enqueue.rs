//! Queueing new work: the first attempts of published events (or fan-out tasks that expand
//! into them), a manual retry, and the pages of a recover. The tasks are built by their own
//! constructors (`queue::DeliverTask`); what follows an attempt (the next one, a deferral,
//! a dead letter) is queued by the delivery's `schedule` stage.

use crate::AppContext;
use crate::domain::{Delivery, Event, EventId, TenantId, TimeRange, Timestamp, WebhookId};
use crate::queue::{Carried, DeliverTask, NotSent, QueueError, Task};
use crate::store::StoreError;
use std::collections::HashMap;
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
    #[error("{} first attempts were not queued", .0.tasks.len())]
    Partial(NotSent),
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

/// Whose first attempts are queued, and how.
#[derive(Clone, Copy, Debug)]
pub struct Firsts<'a> {
    pub tenant: &'a TenantId,
    pub event_id: EventId,
    pub carried: Option<&'a Carried>,
    /// Queued again: each attempt is made only if none was (`DeliverTask::requeued`).
    pub requeued: bool,
}

/// The first tasks of a published event: the first attempt of each delivery, or fan-out
/// tasks when there are many, so that publishing stays short whatever the fan-out.
pub fn first_tasks(event: &Event, payload: &[u8]) -> Vec<Task> {
    let carried = carried(event, payload);
    let of = Firsts {
        tenant: &event.tenant,
        event_id: event.id,
        carried: carried.as_ref(),
        requeued: false,
    };
    tasks_of(of, &event.matched)
}

/// The first attempts to `webhooks`, or fan-out tasks that expand into them.
fn tasks_of(of: Firsts<'_>, webhooks: &[WebhookId]) -> Vec<Task> {
    if webhooks.len() <= FANOUT_INLINE {
        return first_attempts(of, webhooks);
    }
    webhooks
        .chunks(FANOUT_CHUNK)
        .map(|chunk| fanout(of, chunk.to_vec()))
        .collect()
}

fn first_attempts(of: Firsts<'_>, webhooks: &[WebhookId]) -> Vec<Task> {
    let first = |webhook_id: &WebhookId| {
        let task = DeliverTask::first(
            of.tenant.clone(),
            of.event_id,
            *webhook_id,
            of.carried.cloned(),
        );
        if of.requeued { task.requeued() } else { task }.into()
    };
    webhooks.iter().map(first).collect()
}

/// A task that expands into the first attempts to these webhooks.
fn fanout(of: Firsts<'_>, webhook_ids: Vec<WebhookId>) -> Task {
    Task::Fanout {
        tenant: of.tenant.clone(),
        event_id: of.event_id,
        webhook_ids,
        event: of.carried.cloned(),
        requeued: of.requeued,
    }
}

/// Due now.
fn due_now(tasks: Vec<Task>) -> Vec<(Task, Duration)> {
    tasks.into_iter().map(|t| (t, Duration::ZERO)).collect()
}

/// First tasks that were not sent: the deliveries they were for, by event, and why.
#[derive(Debug)]
pub struct UnsentEvents {
    pub events: HashMap<EventId, Vec<WebhookId>>,
    pub error: QueueError,
}

/// The event and deliveries a first task is for.
fn first_deliveries(task: &Task) -> Option<(EventId, &[WebhookId])> {
    match task {
        Task::Deliver(deliver) => {
            Some((deliver.event_id, std::slice::from_ref(&deliver.webhook_id)))
        }
        Task::Fanout {
            event_id,
            webhook_ids,
            ..
        } => Some((*event_id, webhook_ids)),
        Task::Recover { .. } | Task::Notify(_) => None,
    }
}

/// Queues the first tasks of one or more published events together (a batch of events from
/// the ingest queue shares its requests).
pub async fn publish(ctx: &AppContext, tasks: Vec<Task>) -> Result<(), UnsentEvents> {
    ctx.queue
        .send_batch(&due_now(tasks))
        .await
        .map_err(|unsent| {
            let mut events: HashMap<EventId, Vec<WebhookId>> = HashMap::new();
            for (event, webhooks) in unsent.tasks.iter().filter_map(first_deliveries) {
                events.entry(event).or_default().extend_from_slice(webhooks);
            }
            UnsentEvents {
                events,
                error: unsent.error,
            }
        })
}

/// Queues the first attempts of the event's deliveries to `webhooks` again, each made only
/// if none was (`DeliverTask::requeued`), under the event's id: for deliveries that may
/// have been left with no task (the sweep, a publish repeated after the first died).
pub async fn requeue(
    ctx: &AppContext,
    event: &Event,
    webhooks: &[WebhookId],
) -> Result<(), UnsentEvents> {
    let carried = carried(event, &event.payload());
    let of = Firsts {
        tenant: &event.tenant,
        event_id: event.id,
        carried: carried.as_ref(),
        requeued: true,
    };
    publish(ctx, tasks_of(of, webhooks)).await
}

/// Queues the first attempts. No record is written: until its first attempt, a delivery
/// of a stored event is pending by `Delivery::standing`.
pub async fn expand(
    ctx: &AppContext,
    of: Firsts<'_>,
    webhooks: &[WebhookId],
) -> Result<(), EnqueueError> {
    let tasks = first_attempts(of, webhooks);
    ctx.queue
        .send_batch(&due_now(tasks))
        .await
        .map_err(EnqueueError::Partial)
}

/// Expands a fan-out task. When only some of its batches could be sent, the rest goes back
/// on the queue as a smaller fan-out task and the task is done: redoing it whole would queue
/// the sent deliveries twice.
pub async fn expand_fanout(
    ctx: &AppContext,
    of: Firsts<'_>,
    webhooks: &[WebhookId],
) -> Result<(), EnqueueError> {
    match expand(ctx, of, webhooks).await {
        Err(EnqueueError::Partial(unsent)) if unsent.tasks.len() < webhooks.len() => {
            let event_id = of.event_id;
            tracing::warn!(%event_id, unsent = unsent.tasks.len(), error.cause_chain = ?crate::telemetry::error_chain(&unsent.error), "part of a fan-out was not queued; queued again as a smaller fan-out");
            let rest = unsent.tasks.iter().filter_map(|task| match task {
                Task::Deliver(task) => Some(task.webhook_id),
                _ => None,
            });
            let rest = fanout(of, rest.collect());
            ctx.queue.send(&[(rest, Duration::ZERO)]).await?;
            Ok(())
        }
        other => other,
    }
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
    let task = DeliverTask::manual_retry(event, webhook_id, attempt);
    let task = task.carrying(carried(event, &payload)).into();
    ctx.queue.send(&[(task, Duration::ZERO)]).await?;
    Ok(())
}

/// How many failed deliveries one recover task queues.
pub const RECOVER_PAGE: usize = 250;

/// How long a recover holds its webhook's recover lock past the start of its latest page
/// (each page renews it, the last releases it): a recover whose worker died stops blocking
/// the next after this. Far above a page's time and a failed page's return to the queue
/// (the visibility timeout).
pub const RECOVER_LOCK: Duration = Duration::from_secs(300);

/// What a recover's pages carry along: the window of its events (unix milliseconds, both
/// ends included) and the number it holds the recover lock by.
#[derive(Clone, Copy, Debug)]
pub struct RecoverWindow {
    pub since: Option<i64>,
    pub until: i64,
    pub holder: i64,
}

/// Takes (or renews) the webhook's recover lock for the recover `holder`, for `RECOVER_LOCK`
/// from now; `false` while another recover of the webhook holds it.
pub async fn lock_recover(
    ctx: &AppContext,
    tenant: &TenantId,
    webhook_id: WebhookId,
    holder: i64,
) -> Result<bool, StoreError> {
    let now = Timestamp::now();
    ctx.executions
        .hold_recover(tenant, &webhook_id, holder, now.plus(RECOVER_LOCK), now)
        .await
}

/// Ends a recover: releases its hold on the webhook's recover lock.
pub async fn unlock_recover(
    ctx: &AppContext,
    tenant: &TenantId,
    webhook_id: WebhookId,
    holder: i64,
) -> Result<(), StoreError> {
    ctx.executions
        .release_recover(tenant, &webhook_id, holder)
        .await
}

/// Starts recovering the failed deliveries of the events in `range` (its `until` set), for
/// the recover that took the lock as `holder`: the first page's task. Each page queues the
/// next (`recover_page`).
pub async fn recover(
    ctx: &AppContext,
    tenant: &TenantId,
    webhook_id: WebhookId,
    range: TimeRange,
    holder: i64,
) -> Result<(), QueueError> {
    let task = Task::Recover {
        tenant: tenant.clone(),
        webhook_id,
        since: range.since.map(|t| t.millis()),
        until: range.until.map_or(i64::MAX, |t| t.millis()),
        after: None,
        holder,
    };
    ctx.queue.send(&[(task, Duration::ZERO)]).await
}

/// One page of a recover (a `Task::Recover`): a new attempt (`trigger: recover`, no
/// automatic retries after it) for each of the next failed deliveries of the window, which
/// show as pending until it is made, then the next page. How many it queued; `None` when
/// the webhook was deleted or deactivated meanwhile, which ends the recover. Each page
/// renews the recover's lock; the last (which finds nothing) releases it.
pub async fn recover_page(
    ctx: &AppContext,
    tenant: &TenantId,
    webhook_id: WebhookId,
    window: RecoverWindow,
    after: Option<EventId>,
) -> Result<Option<usize>, EnqueueError> {
    let now = Timestamp::now();
    let RecoverWindow {
        since,
        until,
        holder,
    } = window;
    match ctx.webhooks.get(tenant, &webhook_id).await? {
        Some(w) if w.active => {}
        _ => {
            tracing::info!(%webhook_id, "webhook deleted or inactive; recover stopped");
            unlock_recover(ctx, tenant, webhook_id, holder).await?;
            return Ok(None);
        }
    }
    if !lock_recover(ctx, tenant, webhook_id, holder).await? {
        // Its hold had lapsed and another recover took the lock: this one still finishes.
        tracing::warn!(%webhook_id, "recover lock held by a later recover");
    }
    let range = TimeRange {
        since: since.and_then(Timestamp::from_millis),
        until: Timestamp::from_millis(until),
    };
    let failed = ctx
        .executions
        .failed(
            tenant,
            &webhook_id,
            range,
            after.as_ref(),
            RECOVER_PAGE,
            now,
        )
        .await?;
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
    let tasks = failed
        .iter()
        .map(|f| DeliverTask::recover(tenant.clone(), webhook_id, f).into());
    ctx.queue
        .send_batch(&due_now(tasks.collect()))
        .await
        .map_err(|unsent| unsent.error)?;
    // The next page while this one found anything: a page shortened by notes that expired
    // meanwhile does not end the walk early; the last one finds nothing, and ends it.
    match failed.last() {
        Some(last) => {
            let next = Task::Recover {
                tenant: tenant.clone(),
                webhook_id,
                since,
                until,
                after: Some(last.event_id),
                holder,
            };
            ctx.queue.send(&[(next, Duration::ZERO)]).await?;
        }
        None => unlock_recover(ctx, tenant, webhook_id, holder).await?,
    }
    tracing::info!(%webhook_id, queued = failed.len(), "recover page queued");
    Ok(Some(failed.len()))
}
