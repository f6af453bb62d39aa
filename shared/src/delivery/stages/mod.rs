//! A delivery task in four stages, each doing its own I/O and handing the next its own type:
//!
//! - `load` reads what the attempt needs (the webhook, whether it may take an attempt now,
//!   the event's body, its destination with the secrets opened): a `Target`, or why no
//!   attempt is made now (`Unattempted`);
//! - `attempt` sends through the `Destination` and decides what follows (`verdict::decide`,
//!   pure): `Attempted`;
//! - `record` writes the execution, the operator's notices, the webhook's health and the
//!   delivery's record: `Recorded`;
//! - `schedule` queues what follows, last, once everything is recorded: the next attempt,
//!   a deferral or a dead letter.

mod attempt;
mod load;
mod record;
mod schedule;

use super::destination::Destination;
use super::outcome::{Outcome, WorkerError};
use super::verdict::Verdict;
use crate::AppContext;
use crate::budget::Lease;
use crate::domain::{AttemptOutcome, Ended, EventType, Timestamp, Webhook};
use crate::queue::DeliverTask;
use crate::queue::Seen;
use bytes::Bytes;
use std::time::Duration;

/// Makes one delivery attempt, or finds why not, and queues what follows.
pub async fn deliver(
    ctx: &AppContext,
    task: DeliverTask,
    seen: Seen,
) -> Result<Outcome, WorkerError> {
    let recorded = match load::load(ctx, task, seen).await? {
        Loaded::Ready(target) => record::record(ctx, attempt::attempt(ctx, *target).await).await?,
        Loaded::Unattempted(task, why) => record::unattempted(ctx, task, why).await?,
    };
    schedule::schedule(ctx, recorded).await
}

/// What `load` found.
enum Loaded {
    /// Boxed: a webhook is large beside the other variant.
    Ready(Box<Target>),
    Unattempted(DeliverTask, Unattempted),
}

/// Everything an attempt needs.
struct Target {
    task: DeliverTask,
    /// As read before the attempt.
    webhook: Webhook,
    destination: Destination,
    event_type: EventType,
    payload: Bytes,
    /// The attempt's slot in this process's budgets, given back when it is done.
    lease: Lease,
}

/// Why no attempt is made now.
enum Unattempted {
    /// The webhook is deleted (`ended: None`), deactivated by a person (`Dropped`) or disabled
    /// for failing (`Failed`), as read at `at`.
    Inactive { ended: Option<Ended>, at: Timestamp },
    /// Past a budget (`crate::budget`), or failing and at its shared in-flight cap: the same
    /// attempt, due at `due`.
    HeldBack { due: Timestamp, wait: Duration },
    /// The event expired before its delivery.
    Expired,
    /// The task was processed before and its automatic retry is queued: it came back. Or
    /// it is a requeued first attempt whose delivery was attempted by its first task.
    Processed,
}

/// An attempt made, and the verdict on it.
struct Attempted {
    task: DeliverTask,
    webhook: Webhook,
    event_type: EventType,
    outcome: AttemptOutcome,
    verdict: Verdict,
    /// When the verdict was made.
    at: Timestamp,
}

/// Everything about the task is written; what is left to queue.
struct Recorded {
    task: DeliverTask,
    then: Then,
}

/// What `schedule` queues.
enum Then {
    /// Nothing.
    Done(Outcome),
    /// The next attempt, after `delay`.
    Retry { delay: Duration, due: Timestamp },
    /// The same attempt, after `wait`.
    Defer { due: Timestamp, wait: Duration },
    /// The task as a dead letter, when its attempts were automatic.
    GiveUp,
}
