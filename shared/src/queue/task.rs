//! The queued unit of work. The tag and field names are the wire format: add variants and
//! optional fields, never rename. Delivery and notification tasks are built by their
//! constructors only (`DeliverTask::first`, `::next`, ...), which say what each one is.

use crate::domain::{
    EndedDelivery, Event, EventId, EventType, TenantId, Timestamp, Trigger, WebhookId,
};
use std::sync::Arc;

/// One unit of work.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Task {
    Deliver(DeliverTask),
    /// Enqueue the first attempt for each of these webhooks. Publishing to many webhooks
    /// sends a few of these instead of thousands of deliveries, so the publish call stays
    /// short whatever the fan-out; consumers expand them in parallel.
    Fanout {
        tenant: TenantId,
        event_id: EventId,
        webhook_ids: Vec<WebhookId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event: Option<Carried>,
        /// Queued again by the sweep or a repeated publish: expands into requeued first
        /// attempts (`DeliverTask::requeued`).
        #[serde(default, skip_serializing_if = "is_false")]
        requeued: bool,
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
        /// The number the recover drew when asked: its hold on the webhook's recover lock,
        /// renewed by each page and released by the last.
        #[serde(default)]
        holder: i64,
    },
    Notify(NotifyTask),
}

impl Task {
    /// Unix milliseconds before which the task must not run, for the tasks that have one.
    pub fn not_before(&self) -> Option<i64> {
        match self {
            Task::Deliver(task) => task.not_before,
            Task::Notify(task) => task.not_before,
            Task::Fanout { .. } | Task::Recover { .. } => None,
        }
    }

    /// The tenant the task works for, whose turn it waits for in a fair queue; none for an
    /// operator notice.
    pub fn tenant(&self) -> Option<&TenantId> {
        match self {
            Task::Deliver(DeliverTask { tenant, .. })
            | Task::Fanout { tenant, .. }
            | Task::Recover { tenant, .. } => Some(tenant),
            Task::Notify(_) => None,
        }
    }

    /// The published event whose first tasks these are (deliveries and fan-outs).
    pub fn event_id(&self) -> Option<EventId> {
        match self {
            Task::Deliver(DeliverTask { event_id, .. }) | Task::Fanout { event_id, .. } => {
                Some(*event_id)
            }
            Task::Recover { .. } | Task::Notify(_) => None,
        }
    }
}

/// Attempt `attempt` of delivering one event to one webhook.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct DeliverTask {
    pub tenant: TenantId,
    pub event_id: EventId,
    pub webhook_id: WebhookId,
    pub attempt: u32,
    pub trigger: Trigger,
    /// Unix milliseconds before which the attempt must not run. A delay longer than SQS
    /// allows is sent as hops of at most 15 minutes; a consumer that receives the task
    /// early sends it on again instead of attempting it. Hops keep no message in flight
    /// while it waits, so the wait holds under any backlog (SQS caps in-flight messages
    /// at about 120,000, not delayed ones).
    pub not_before: Option<i64>,
    /// The event's type and body, when small enough to travel with the task: then no
    /// attempt reads the event back. Absent, the worker reads the stored event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<Carried>,
    /// How many times this attempt was held back past a budget (`crate::budget`): each wait
    /// is longer than the one before.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub deferrals: u32,
    /// A first attempt queued again for a delivery that may have had its task after all
    /// (the sweep, a repeated publish): it reads the delivery's record and first execution
    /// before the attempt, and does nothing when an attempt was made.
    #[serde(default, skip_serializing_if = "is_false")]
    pub requeued: bool,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl DeliverTask {
    /// Attempt `attempt`, due now, reading the stored event.
    pub fn new(
        tenant: TenantId,
        event_id: EventId,
        webhook_id: WebhookId,
        attempt: u32,
        trigger: Trigger,
    ) -> Self {
        Self {
            tenant,
            event_id,
            webhook_id,
            attempt,
            trigger,
            not_before: None,
            event: None,
            deferrals: 0,
            requeued: false,
        }
    }

    /// The first attempt of a published event's delivery.
    pub fn first(
        tenant: TenantId,
        event_id: EventId,
        webhook_id: WebhookId,
        carried: Option<Carried>,
    ) -> Self {
        Self::new(tenant, event_id, webhook_id, 1, Trigger::Event).carrying(carried)
    }

    /// The same first attempt, queued again when its delivery may have had its task after
    /// all: made only if no attempt was.
    pub fn requeued(self) -> Self {
        Self {
            requeued: true,
            ..self
        }
    }

    /// One more attempt asked for by a person: attempt `attempt`, with no automatic
    /// retries after it.
    pub fn manual_retry(event: &Event, webhook_id: WebhookId, attempt: u32) -> Self {
        Self::new(
            event.tenant.clone(),
            event.id,
            webhook_id,
            attempt,
            Trigger::Retry,
        )
    }

    /// A new attempt of a failed delivery, asked for by a recover: no automatic retries
    /// after it.
    pub fn recover(tenant: TenantId, webhook_id: WebhookId, failed: &EndedDelivery) -> Self {
        let attempt = failed.attempts.saturating_add(1);
        Self::new(
            tenant,
            failed.event_id,
            webhook_id,
            attempt,
            Trigger::Recover,
        )
    }

    /// The same task carrying the event's body (`None`: the worker reads it).
    pub fn carrying(self, event: Option<Carried>) -> Self {
        Self { event, ..self }
    }

    /// The same attempt, not to run before `due`.
    pub fn due_at(self, due: Timestamp) -> Self {
        Self {
            not_before: Some(due.millis()),
            ..self
        }
    }

    /// The next attempt, due at `due`.
    pub fn next(&self, due: Timestamp) -> Self {
        Self {
            attempt: self.attempt + 1,
            deferrals: 0,
            requeued: false,
            ..self.clone()
        }
        .due_at(due)
    }

    /// The same attempt, held back past a budget until `due`.
    pub fn deferred(self, due: Timestamp) -> Self {
        Self {
            deferrals: self.deferrals.saturating_add(1),
            ..self
        }
        .due_at(due)
    }

    /// The last word on a delivery whose last attempt failed (a dead letter): this attempt,
    /// with no due time.
    pub fn last(&self) -> Self {
        Self {
            not_before: None,
            ..self.clone()
        }
    }
}

/// Attempt `attempt` of an operational event to the operator's endpoint
/// (`HOOKLINE_OPERATOR_WEBHOOK_URL`), retried on the delivery schedule.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct NotifyTask {
    pub event_id: EventId,
    pub event_type: EventType,
    pub payload: Arc<str>,
    pub attempt: u32,
    pub not_before: Option<i64>,
}

impl NotifyTask {
    /// The first attempt of an operational event.
    pub fn first(event_id: EventId, event_type: EventType, payload: Arc<str>) -> Self {
        Self {
            event_id,
            event_type,
            payload,
            attempt: 1,
            not_before: None,
        }
    }

    /// The next attempt, due at `due`.
    pub fn next(&self, due: Timestamp) -> Self {
        Self {
            attempt: self.attempt + 1,
            not_before: Some(due.millis()),
            ..self.clone()
        }
    }
}

/// What every delivery of an event sends, encoded once when it is published.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Carried {
    pub event_type: EventType,
    /// The body, byte for byte as it is signed and sent; shared, not copied, by every task
    /// and attempt that carries it.
    pub payload: Arc<str>,
}

impl From<DeliverTask> for Task {
    fn from(task: DeliverTask) -> Self {
        Task::Deliver(task)
    }
}

impl From<NotifyTask> for Task {
    fn from(task: NotifyTask) -> Self {
        Task::Notify(task)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wire format is the one the variants had before they were structs of their own.
    #[test]
    fn a_delivery_task_keeps_its_wire_format() {
        let event_id = EventId::new();
        let webhook_id = WebhookId::new();
        let tenant = TenantId::parse("t").unwrap();
        let due = Timestamp::from_millis(1_800_000_000_000).unwrap();
        let task = Task::Deliver(DeliverTask::first(tenant, event_id, webhook_id, None).next(due));
        let json = serde_json::to_value(&task).unwrap();
        let expected = serde_json::json!({
            "type": "deliver", "tenant": "t", "event_id": event_id, "webhook_id": webhook_id,
            "attempt": 2, "trigger": "event", "not_before": 1_800_000_000_000_i64,
        });
        assert_eq!(json, expected);
        assert_eq!(serde_json::from_value::<Task>(expected).unwrap(), task);
    }

    /// A requeued first attempt says so; its retry does not, and a task without the field
    /// (every task before it) is not requeued.
    #[test]
    fn a_requeued_first_attempt_carries_its_flag_and_its_retry_does_not() {
        let tenant = TenantId::parse("t").unwrap();
        let first = DeliverTask::first(tenant, EventId::new(), WebhookId::new(), None);
        let requeued = first.clone().requeued();
        let json = serde_json::to_value(Task::Deliver(requeued.clone())).unwrap();
        assert_eq!(json["requeued"], true);
        assert!(
            serde_json::to_value(Task::Deliver(first))
                .unwrap()
                .get("requeued")
                .is_none()
        );
        let due = Timestamp::from_millis(1_800_000_000_000).unwrap();
        assert!(!requeued.next(due).requeued);
        let mut old = json;
        old.as_object_mut().unwrap().remove("requeued");
        let Task::Deliver(read) = serde_json::from_value::<Task>(old).unwrap() else {
            panic!("a delivery task");
        };
        assert!(!read.requeued);
    }
}
