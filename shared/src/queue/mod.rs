//! The queue between publishing and delivering: a versioned, tagged task and a port with an
//! SQS adapter (in AWS) and an in-memory adapter with the same semantics (the local server).
//!
//! Semantics both adapters keep: at-least-once; a task sent with a delay stays hidden until
//! due; a received task stays hidden for the visibility timeout and comes back unless it is
//! acknowledged; `release` makes it visible again after a delay. Tenants share the queue
//! fairly: the memory adapter serves the tenants with due tasks in turn, and the SQS adapter
//! marks each task with its tenant as the message group of an SQS fair queue.

pub mod memory;
pub mod sqs;
mod task;
mod turns;

pub use task::{Carried, DeliverTask, NotifyTask, Task};

use async_trait::async_trait;
use std::time::Duration;

/// SQS cannot delay a message longer than this; longer waits are hops
/// (see `DeliverTask::not_before`).
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);

/// A task as received, with what is needed to acknowledge or release it.
#[derive(Clone, Debug)]
pub struct Received {
    pub task: Task,
    pub receipt: String,
    /// How many times this message has been received, this time included.
    pub receive_count: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("queue backend failed")]
    Backend(#[source] crate::store::BoxError),
    #[error("a queued message is not a task this version understands")]
    Malformed(#[source] serde_json::Error),
}

/// Tasks a send could not queue (the others were queued), and why.
#[derive(Debug, thiserror::Error)]
#[error("{} of the tasks were not queued", .tasks.len())]
pub struct NotSent {
    #[source]
    pub error: QueueError,
    pub tasks: Vec<Task>,
}

#[async_trait]
pub trait TaskQueue: Send + Sync {
    /// Sends any number of tasks, each hidden for its delay (at most `MAX_DELAY`; longer is
    /// clamped). The adapter splits them as its backend needs (SQS: ten to a request, the
    /// requests at once); the `Err` names the tasks that were not queued.
    async fn send_batch(&self, tasks: &[(Task, Duration)]) -> Result<(), NotSent>;

    /// `send_batch`, for a caller that only needs to know whether every task was queued.
    async fn send(&self, tasks: &[(Task, Duration)]) -> Result<(), QueueError> {
        self.send_batch(tasks).await.map_err(|unsent| unsent.error)
    }

    /// Up to `max` visible tasks, waiting up to `wait` for the first one.
    async fn receive(&self, max: usize, wait: Duration) -> Result<Vec<Received>, QueueError>;

    /// Done with a task: it will not come back.
    async fn ack(&self, receipt: &str) -> Result<(), QueueError>;

    /// Still working on it: keep the task hidden for `visibility` from now (a heartbeat, so
    /// that a slow attempt is not handed out twice). Its receipt stays valid.
    async fn extend(&self, receipt: &str, visibility: Duration) -> Result<(), QueueError>;

    /// Not done: make the task visible again after `delay`.
    async fn release(&self, receipt: &str, delay: Duration) -> Result<(), QueueError>;
}

/// Whether a task may have been processed before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Received for the first time: it cannot have queued a retry yet, so the check for one
    /// (a consistent read) is skipped.
    First,
    /// Received again, or not known: a retry it queued before is looked for.
    Again,
}

impl Seen {
    /// From the queue's count of receives (this one included).
    pub fn from_receive_count(count: u32) -> Self {
        if count <= 1 { Seen::First } else { Seen::Again }
    }
}
