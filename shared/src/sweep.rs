//! The sweep: deliveries left `pending` with no task (a publish that died between storing
//! its event and queueing it, or whose queueing failed) are queued again, under the same
//! `webhook-id`.
//!
//! A publish writes nothing for it but an activity mark: this tenant publishes events made
//! in this minute, written at most once a minute per tenant by each process, before the
//! events are stored (`store_marked`). The sweep walks the minutes wholly older than the
//! grace period (`Config::sweep_grace`) from where it stopped; for each tenant marked in a
//! minute it reads the tenant's events of that minute (their ids are time-ordered) with
//! their delivery records, and queues a requeued first attempt (`enqueue::requeue`) of each
//! matched delivery with neither a record nor a first execution (`Delivery::standing`:
//! pending, never attempted). A requeued attempt that finds its delivery attempted
//! meanwhile does nothing.
//!
//! In AWS a scheduled function runs it every five minutes; the local server, every minute.

use crate::AppContext;
use crate::delivery::enqueue;
use crate::domain::{Event, ExecutionId, TenantId, Timestamp, WebhookId};
use crate::queue::QueueError;
use crate::store::{RecordedEvent, StoreError, SweepProgress};
use std::collections::HashSet;
use std::sync::Mutex;

const MINUTE_MILLIS: i64 = 60_000;
/// Minutes looked back on the first run, with no progress stored: with a run at least
/// every five minutes and a grace period of at most ten, nothing older can be waiting.
const FIRST_LOOKBACK_MINUTES: i64 = 15;
/// Tenants or events read at a time.
const PAGE: usize = 100;
/// The most pages one run reads (a minute with no activity costs one): a sweep that fell
/// behind catches up over several runs.
const PAGES_PER_RUN: usize = 300;

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Swept {
    /// Minutes walked through to their end.
    pub minutes: i64,
    /// Events some of whose deliveries were queued again.
    pub events: usize,
    /// Deliveries queued again.
    pub deliveries: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("queueing swept deliveries failed")]
    Queue(#[source] QueueError),
}

/// The activity marks this process wrote, so that each is written once: (tenant, minute).
#[derive(Debug, Default)]
pub struct ActivityMarks {
    written: Mutex<HashSet<(TenantId, i64)>>,
}

impl ActivityMarks {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<(TenantId, i64)>> {
        self.written.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn is_written(&self, tenant: &TenantId, minute: i64) -> bool {
        self.lock().contains(&(tenant.clone(), minute))
    }

    /// Remembers a written mark; those of minutes long past are forgotten.
    fn remember(&self, tenant: &TenantId, minute: i64) {
        let mut written = self.lock();
        written.retain(|(_, m)| *m >= minute - 2);
        written.insert((tenant.clone(), minute));
    }
}

fn minute_of(event: &Event) -> i64 {
    i64::try_from(event.id.unix_millis())
        .unwrap_or(0)
        .div_euclid(MINUTE_MILLIS)
}

/// Marks the tenants of these events active in their events' minutes, each mark once per
/// process: publishing's only cost of the sweep. Events with no match need no mark.
async fn mark_active(ctx: &AppContext, events: &[&Event]) -> Result<(), StoreError> {
    let marks: HashSet<(&TenantId, i64)> = events
        .iter()
        .filter(|e| !e.matched.is_empty())
        .map(|e| (&e.tenant, minute_of(e)))
        .filter(|(tenant, minute)| !ctx.activity.is_written(tenant, *minute))
        .collect();
    for (tenant, minute) in marks {
        let expires_at = ctx.records_expire_at(Timestamp::now());
        ctx.sweep.mark_active(minute, tenant, expires_at).await?;
        ctx.activity.remember(tenant, minute);
    }
    Ok(())
}

/// Stores published events, their tenants marked active first: a stored event with
/// matches is always in a minute the sweep reads. When the mark fails, none is stored.
/// Each answer says whether the event was stored now (`false`: it was already).
pub async fn store_marked(
    ctx: &AppContext,
    events: &[&Event],
    expires_at: Timestamp,
) -> Vec<Result<bool, StoreError>> {
    if let Err(e) = mark_active(ctx, events).await {
        tracing::error!(error.cause_chain = ?crate::telemetry::error_chain(&e), "marking the tenant active for the sweep failed; events not stored");
        let unmarked = || Err(StoreError::backend("the tenant's activity mark failed"));
        return events.iter().map(|_| unmarked()).collect();
    }
    let puts = events.iter().map(|e| ctx.events.put_event(e, expires_at));
    futures::future::join_all(puts).await
}

/// One run as of `now`: the minutes from where the last run stopped up to the last one
/// wholly older than the grace period, within `PAGES_PER_RUN`. Progress is stored after
/// each minute, after each page that queued anything, and where the run stops.
pub async fn sweep(ctx: &AppContext, now: Timestamp) -> Result<Swept, SweepError> {
    sweep_within(ctx, now, PAGES_PER_RUN).await
}

/// `sweep`, reading at most `pages` pages.
async fn sweep_within(ctx: &AppContext, now: Timestamp, pages: usize) -> Result<Swept, SweepError> {
    let grace = i64::try_from(ctx.config.sweep_grace.as_millis()).unwrap_or(i64::MAX);
    let last = now.millis().saturating_sub(grace).div_euclid(MINUTE_MILLIS) - 1;
    let mut progress = match ctx.sweep.sweep_progress().await? {
        Some(progress) => progress,
        None => at_start(last - FIRST_LOOKBACK_MINUTES + 1),
    };
    let mut run = Run {
        ctx,
        now,
        pages_left: pages,
        swept: Swept::default(),
    };
    while progress.minute <= last && run.pages_left > 0 {
        if run.minute(&mut progress).await? {
            progress = at_start(progress.minute + 1);
            run.swept.minutes += 1;
        }
        ctx.sweep.set_sweep_progress(&progress).await?;
    }
    if run.swept.deliveries > 0 {
        let Swept {
            events, deliveries, ..
        } = run.swept;
        tracing::warn!(
            events,
            deliveries,
            "sweep queued deliveries that had no task"
        );
    }
    Ok(run.swept)
}

fn at_start(minute: i64) -> SweepProgress {
    SweepProgress {
        minute,
        tenant: None,
        event: None,
    }
}

/// One run's state: what it may still read, and what it did.
struct Run<'a> {
    ctx: &'a AppContext,
    now: Timestamp,
    pages_left: usize,
    swept: Swept,
}

impl Run<'_> {
    /// Takes a page from the run's bound; `false` when none is left.
    fn take_page(&mut self) -> bool {
        let left = self.pages_left > 0;
        self.pages_left = self.pages_left.saturating_sub(1);
        left
    }

    /// Sweeps the minute from `progress` on; `true` when it got to its end.
    async fn minute(&mut self, progress: &mut SweepProgress) -> Result<bool, SweepError> {
        let minute = progress.minute;
        // A tenant stopped halfway first.
        if let (Some(tenant), Some(_)) = (progress.tenant.clone(), progress.event)
            && !self.tenant(&tenant, progress).await?
        {
            return Ok(false);
        }
        loop {
            if !self.take_page() {
                return Ok(false);
            }
            let after = progress.tenant.as_ref();
            let tenants = self.ctx.sweep.active_tenants(minute, after, PAGE).await?;
            if tenants.is_empty() {
                return Ok(true);
            }
            for tenant in &tenants {
                if !self.tenant(tenant, progress).await? {
                    return Ok(false);
                }
            }
        }
    }

    /// Sweeps the tenant's events of the minute, after `progress.event` when it is this
    /// tenant's; `true` when it got to their end (`progress` then names the tenant, done).
    async fn tenant(
        &mut self,
        tenant: &TenantId,
        progress: &mut SweepProgress,
    ) -> Result<bool, SweepError> {
        let mut after = progress
            .event
            .filter(|_| progress.tenant.as_ref() == Some(tenant));
        loop {
            if !self.take_page() {
                return Ok(false);
            }
            let page = self
                .ctx
                .sweep
                .minute_events(tenant, progress.minute, after.as_ref(), PAGE, self.now)
                .await?;
            let queued = self.requeue_waiting(tenant, &page).await?;
            after = page
                .last()
                .map(|r| r.event.id)
                .filter(|_| page.len() == PAGE);
            *progress = SweepProgress {
                minute: progress.minute,
                tenant: Some(tenant.clone()),
                event: after,
            };
            if queued > 0 {
                self.ctx.sweep.set_sweep_progress(progress).await?;
            }
            if after.is_none() {
                return Ok(true);
            }
        }
    }

    /// Queues again the deliveries of these events that have neither a record nor a first
    /// execution; how many.
    async fn requeue_waiting(
        &mut self,
        tenant: &TenantId,
        page: &[RecordedEvent],
    ) -> Result<usize, SweepError> {
        let waiting = never_attempted(self.ctx, tenant, page, self.now).await?;
        let mut queued = 0;
        for (recorded, webhooks) in page.iter().zip(waiting) {
            if webhooks.is_empty() {
                continue;
            }
            let event = &recorded.event;
            enqueue::requeue(self.ctx, event, &webhooks)
                .await
                .map_err(|unsent| SweepError::Queue(unsent.error))?;
            let event_id = event.id;
            tracing::warn!(%tenant, %event_id, deliveries = webhooks.len(), "swept: first attempts queued again");
            self.swept.events += 1;
            self.swept.deliveries += webhooks.len();
            queued += webhooks.len();
        }
        Ok(queued)
    }
}

/// For each event, its matched webhooks whose delivery has no record and no first execution
/// (a first success writes only that): never attempted. One batch read of the first
/// executions for the whole page.
async fn never_attempted(
    ctx: &AppContext,
    tenant: &TenantId,
    page: &[RecordedEvent],
    now: Timestamp,
) -> Result<Vec<Vec<WebhookId>>, StoreError> {
    let unrecorded: Vec<Vec<WebhookId>> = page
        .iter()
        .map(|r| {
            let recorded: HashSet<&WebhookId> = r.recorded.iter().collect();
            let matched = r.event.matched.iter();
            matched.filter(|w| !recorded.contains(w)).copied().collect()
        })
        .collect();
    let firsts: Vec<(WebhookId, ExecutionId)> = page
        .iter()
        .zip(&unrecorded)
        .flat_map(|(r, webhooks)| {
            let event_id = r.event.id;
            webhooks
                .iter()
                .map(move |w| (*w, ExecutionId::first_attempt(event_id, *w)))
        })
        .collect();
    let attempted: HashSet<ExecutionId> = ctx
        .executions
        .get_many(tenant, &firsts, now)
        .await?
        .into_iter()
        .map(|e| e.id)
        .collect();
    Ok(page
        .iter()
        .zip(unrecorded)
        .map(|(r, webhooks)| {
            let event_id = r.event.id;
            let first = |w: &WebhookId| ExecutionId::first_attempt(event_id, *w);
            let waiting = webhooks.into_iter();
            waiting.filter(|w| !attempted.contains(&first(w))).collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::domain::{EventData, EventId, EventType};
    use std::time::Duration;

    /// More events than a page, stored with no task: a run bounded to two pages (the
    /// minute's tenants, then 100 events) stops halfway and stores where; the next run
    /// takes up from there, and each delivery is queued once.
    #[tokio::test]
    async fn a_run_stopped_by_its_bound_is_taken_up_where_it_stopped() {
        let ctx = AppContext::in_memory(Config::default()).unwrap();
        let made = Timestamp::now();
        let events: Vec<Event> = (0..150)
            .map(|_| Event {
                id: EventId::at(made),
                tenant: TenantId::parse("t").unwrap(),
                event_type: EventType::parse("a").unwrap(),
                data: EventData::from_object(&serde_json::json!({})).unwrap(),
                created_at: made,
                matched: vec![WebhookId::new()],
            })
            .collect();
        let refs: Vec<&Event> = events.iter().collect();
        let stored = store_marked(&ctx, &refs, ctx.records_expire_at(made)).await;
        assert!(stored.iter().all(Result::is_ok));
        let minute = minute_of(&events[0]);
        ctx.sweep
            .set_sweep_progress(&at_start(minute))
            .await
            .unwrap();
        let later = made.plus(ctx.config.sweep_grace + Duration::from_secs(120));
        let first = sweep_within(&ctx, later, 2).await.unwrap();
        assert_eq!((first.minutes, first.deliveries), (0, PAGE), "{first:?}");
        let progress = ctx.sweep.sweep_progress().await.unwrap().unwrap();
        assert_eq!(progress.minute, minute);
        assert!(progress.event.is_some(), "{progress:?}");
        let rest = sweep(&ctx, later).await.unwrap();
        assert_eq!(rest.deliveries, 150 - PAGE, "{rest:?}");
        assert_eq!(sweep(&ctx, later).await.unwrap().deliveries, 0);
        let mut queued = Vec::new();
        loop {
            let got = ctx.queue.receive(10, Duration::ZERO).await.unwrap();
            if got.is_empty() {
                break;
            }
            queued.extend(got.into_iter().filter_map(|r| r.task.event_id()));
        }
        let distinct: HashSet<_> = queued.iter().collect();
        assert_eq!(
            (queued.len(), distinct.len()),
            (150, 150),
            "each queued once"
        );
    }
}
