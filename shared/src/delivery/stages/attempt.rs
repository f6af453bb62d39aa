//! The `attempt` stage: one send through the destination, the verdict on it, its log line
//! and its metrics line. No store or queue is touched here.

use super::{Attempted, Target};
use crate::AppContext;
use crate::delivery::verdict::{Rules, decide};
use crate::domain::{AttemptOutcome, Timestamp, Trigger};
use crate::queue::DeliverTask;
use rand::Rng;

pub(super) async fn attempt(ctx: &AppContext, target: Target) -> Attempted {
    let Target {
        task,
        webhook,
        destination,
        event_type,
        payload,
        lease,
    } = target;
    let (event_id, webhook_id, attempt) = (task.event_id, task.webhook_id, task.attempt);
    let msg_id = event_id.to_string();
    let outcome = destination.send(ctx, &webhook, &msg_id, payload).await;
    drop(lease);
    let at = Timestamp::now();
    let rules = Rules {
        schedule: &ctx.config.delivery.retry_schedule,
        disable_after: ctx.config.delivery.disable_after,
    };
    let jitter = rand::rng().random_range(-1.0..=1.0);
    let verdict = decide(&outcome, &webhook, attempt, task.trigger, rules, at, jitter);
    tracing::info!(
        %event_id, %webhook_id, attempt, status = ?outcome.status, ms = outcome.duration_ms,
        error = outcome.error.as_deref().unwrap_or(""), "delivery attempt"
    );
    crate::metrics::attempt(
        &ctx.config.metrics,
        &task.tenant,
        outcome.succeeded(),
        outcome.duration_ms,
        lag_ms(&task, &outcome, at),
    );
    Attempted {
        task,
        webhook,
        event_type,
        outcome,
        verdict,
        at,
    }
}

/// Queue lag, for automatic attempts: how late this one ran after it was due (the first at
/// the event's publish, a retry at its scheduled time).
fn lag_ms(task: &DeliverTask, outcome: &AttemptOutcome, at: Timestamp) -> Option<u64> {
    (task.trigger == Trigger::Event).then(|| {
        let due = task
            .not_before
            .unwrap_or_else(|| i64::try_from(task.event_id.unix_millis()).unwrap_or(0));
        u64::try_from(at.millis() - i64::try_from(outcome.duration_ms).unwrap_or(0) - due)
            .unwrap_or(0)
    })
}
