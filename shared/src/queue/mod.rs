//! The queue between publishing and delivering: a versioned, tagged task and a port with an
//! SQS adapter (in AWS) and an in-memory adapter with the same semantics (the local server).
//!
//! Semantics both adapters keep: at-least-once; a task sent with a delay stays hidden until
//! due; a received task stays hidden for the visibility timeout and comes back unless it is
//! acknowledged; `release` makes it visible again after a delay.

pub mod memory;
pub mod sqs;

use crate::domain::{EventId, EventType, TenantId, Trigger, WebhookId};
use async_trait::async_trait;
use std::time::Duration;

/// SQS cannot delay a message longer than this; longer waits are hops (see `Task::not_before`).
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);

/// One unit of work. The tag and field names are the wire format: add variants and
/// optional fields, never rename.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Task {
    /// Attempt `attempt` of delivering one event to one webhook.
    Deliver {
        tenant: TenantId,
        event_id: EventId,
        webhook_id: WebhookId,
        attempt: u32,
        trigger: Trigger,
        /// Unix milliseconds before which the attempt must not run. A delay longer than SQS
        /// allows is sent as hops of at most 15 minutes; a consumer that receives the task
        /// early sends it on again instead of attempting it. Hops keep no message in flight
        /// while it waits, so the wait holds under any backlog (SQS caps in-flight messages
        /// at about 120,000, not delayed ones).
        not_before: Option<i64>,
        /// The event's type and body, when small enough to travel with the task: then no
        /// attempt reads the event back. Absent, the worker reads the stored event.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event: Option<Carried>,
    },
    /// Enqueue the first attempt for each of these webhooks. Publishing to many webhooks
    /// sends a few of these instead of thousands of deliveries, so the publish call stays
    /// short whatever the fan-out; consumers expand them in parallel.
    Fanout {
        tenant: TenantId,
        event_id: EventId,
        webhook_ids: Vec<WebhookId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event: Option<Carried>,
    },
    /// One page of `POST /v1/webhooks/{id}/recover`: queue a new attempt for each failed
    /// delivery of the window's events after `after`, then the next page as a task of its
    /// own. A large window is worked through here, a page at a time, never in the request.
    Recover {
        tenant: TenantId,
        webhook_id: WebhookId,
        /// The window of the events, unix milliseconds, both ends included.
        since: Option<i64>,
        until: i64,
        /// The last event already queued by the pages before.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<EventId>,
    },
    /// Attempt `attempt` of an operational event to the operator's endpoint
    /// (`HOOKLINE_OPERATOR_WEBHOOK_URL`), retried on the delivery schedule.
    Notify {
        event_id: EventId,
        event_type: EventType,
        payload: std::sync::Arc<str>,
        attempt: u32,
        not_before: Option<i64>,
    },
}

/// What every delivery of an event sends, encoded once when it is published.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Carried {
    pub event_type: EventType,
    /// The body, byte for byte as it is signed and sent; shared, not copied, by every task
    /// and attempt that carries it.
    pub payload: std::sync::Arc<str>,
}

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

#[async_trait]
pub trait TaskQueue: Send + Sync {
    /// Sends tasks, each hidden for its delay (at most `MAX_DELAY`; longer is clamped).
    async fn send(&self, tasks: &[(Task, Duration)]) -> Result<(), QueueError>;

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
