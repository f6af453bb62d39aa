//! Processing a queued task. The same code runs in the delivery Lambda (per SQS record) and in
//! the local server's in-process workers. A delivery runs through its stages (`stages`); the
//! other tasks expand into new work (`enqueue`) or notify the operator (`notify`).
//!
//! At-least-once: `process` returns `Ok` only once the attempt is recorded and any next
//! attempt is queued, and only then is the message acknowledged. An infrastructure fault is
//! an `Err`: the message comes back after its visibility timeout and the work is redone.
//! Records are written before the next attempt is queued, so a failed write leaves nothing
//! queued and the redone work cannot start a second retry chain.

use super::enqueue::RecoverWindow;
use super::{enqueue, notify, stages};
use crate::AppContext;
use crate::domain::Timestamp;
use crate::queue::{MAX_DELAY, QueueError, Task};
use std::time::Duration;

pub use super::outcome::{Outcome, WorkerError};

/// A task received this much before its due time is attempted anyway.
const EARLY_MARGIN_MS: i64 = 500;

pub use crate::queue::Seen;

/// Processes a task that may have been processed before (`Seen::Again`).
pub async fn process(ctx: &AppContext, task: &Task) -> Result<Outcome, WorkerError> {
    process_as(ctx, task, Seen::Again).await
}

/// Processes a task received `seen`.
pub async fn process_as(ctx: &AppContext, task: &Task, seen: Seen) -> Result<Outcome, WorkerError> {
    if hopped(ctx, task).await? {
        return Ok(Outcome::Hopped);
    }
    match task {
        Task::Fanout {
            tenant,
            event_id,
            webhook_ids,
            event,
            requeued,
        } => {
            let of = enqueue::Firsts {
                tenant,
                event_id: *event_id,
                carried: event.as_ref(),
                requeued: *requeued,
            };
            enqueue::expand_fanout(ctx, of, webhook_ids).await?;
            Ok(Outcome::FannedOut(webhook_ids.len()))
        }
        Task::Deliver(task) => stages::deliver(ctx, task.clone(), seen).await,
        Task::Recover {
            tenant,
            webhook_id,
            since,
            until,
            after,
            holder,
        } => {
            let window = RecoverWindow {
                since: *since,
                until: *until,
                holder: *holder,
            };
            let page = enqueue::recover_page(ctx, tenant, *webhook_id, window, *after);
            Ok(page.await?.map_or(Outcome::Dropped, Outcome::Recovered))
        }
        Task::Notify(task) => Ok(Outcome::Notified(notify::attempt(ctx, task).await?)),
    }
}

/// Sends a task received before its due time on towards it; `true` when it did.
async fn hopped(ctx: &AppContext, task: &Task) -> Result<bool, QueueError> {
    let now = Timestamp::now();
    match task.not_before().and_then(Timestamp::from_millis) {
        Some(due) if due.millis() > now.millis() + EARLY_MARGIN_MS => {
            let wait = u64::try_from(due.millis() - now.millis()).unwrap_or(0);
            let wait = Duration::from_millis(wait).min(MAX_DELAY);
            ctx.queue.send(&[(task.clone(), wait)]).await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}
