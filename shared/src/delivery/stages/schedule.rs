//! The `schedule` stage: what follows a task, queued last, once everything about it is
//! recorded. A delay longer than SQS allows is sent as hops (`DeliverTask::not_before`).

use super::{Recorded, Then};
use crate::AppContext;
use crate::delivery::outcome::{Outcome, WorkerError};
use crate::domain::{Timestamp, Trigger};
use crate::queue::{DeliverTask, MAX_DELAY};
use std::time::Duration;

pub(super) async fn schedule(ctx: &AppContext, recorded: Recorded) -> Result<Outcome, WorkerError> {
    let Recorded { task, then } = recorded;
    match then {
        Then::Done(outcome) => Ok(outcome),
        Then::Retry { delay, due } => {
            let next = task.next(due).into();
            ctx.queue.send(&[(next, delay.min(MAX_DELAY))]).await?;
            note_queued(ctx, &task).await;
            Ok(Outcome::Retrying { delay })
        }
        Then::Defer { due, wait } => {
            let (event_id, webhook_id, attempt) = (task.event_id, task.webhook_id, task.attempt);
            let deferrals = task.deferrals;
            let again = task.deferred(due).into();
            ctx.queue.send(&[(again, wait.min(MAX_DELAY))]).await?;
            tracing::info!(%event_id, %webhook_id, attempt, deferrals, wait_ms = wait.as_millis(), "attempt past a budget; deferred");
            Ok(Outcome::Deferred)
        }
        Then::GiveUp => {
            // The last word on a delivery whose last attempt failed, for operators to inspect.
            if task.trigger == Trigger::Event {
                let last = task.last().into();
                ctx.dead_letters.send(&[(last, Duration::ZERO)]).await?;
            }
            Ok(Outcome::Failed)
        }
    }
}

/// Notes that the task's retry is queued, so the task coming back does nothing (`load`).
/// Noted after the send: noted before, a send that failed would leave the chain ended. A
/// note that cannot be written does not fail the task: redone, it would queue a second
/// retry beside the one already queued.
async fn note_queued(ctx: &AppContext, task: &DeliverTask) {
    let expires_at = ctx.records_expire_at(Timestamp::now());
    let (tenant, webhook_id, event_id) = (&task.tenant, &task.webhook_id, &task.event_id);
    let noted = ctx
        .executions
        .note_queued(tenant, webhook_id, event_id, task.attempt, expires_at)
        .await;
    if let Err(error) = noted {
        let attempt = task.attempt;
        tracing::warn!(%event_id, %webhook_id, attempt, %error, "queued retry not noted");
    }
}
