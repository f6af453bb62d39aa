//! A published event, and where each of its deliveries stands.

use super::{
    EventData, EventId, EventType, Execution, RequestStatus, TenantId, Timestamp, WebhookId,
};

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Event {
    pub id: EventId,
    pub tenant: TenantId,
    pub event_type: EventType,
    pub data: EventData,
    pub created_at: Timestamp,
    /// The webhooks it was fanned out to, in the order they matched: the event's view lists
    /// a delivery for each. Stores keep it beside the document (DynamoDB: 16 bytes per id).
    #[serde(skip)]
    pub matched: Vec<WebhookId>,
}

impl Event {
    /// The body every delivery of this event carries, byte for byte the same on every attempt:
    /// `{"type", "timestamp", "data"}`, written out around the data's stored text.
    pub fn payload(&self) -> Vec<u8> {
        let event_type = serde_json::to_string(self.event_type.as_str()).unwrap_or_default();
        format!(
            r#"{{"type":{event_type},"timestamp":"{}","data":{}}}"#,
            self.created_at,
            self.data.as_str()
        )
        .into_bytes()
    }
}

/// An event as the events list shows it: its data only when asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct ListedEvent {
    pub id: EventId,
    pub event_type: EventType,
    pub created_at: Timestamp,
    pub data: Option<EventData>,
}

impl ListedEvent {
    pub fn of(event: &Event, with_data: bool) -> Self {
        Self {
            id: event.id,
            event_type: event.event_type.clone(),
            created_at: event.created_at,
            data: with_data.then(|| event.data.clone()),
        }
    }
}

/// How a delivery ended without success, as noted beside the webhook's executions: recover
/// finds the failed ones there, and stats count both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ended {
    /// Its last attempt failed (retries exhausted, a manual attempt failed, 410), or the
    /// webhook was disabled for failing before it was attempted.
    Failed,
    /// Not sent: the webhook was deleted or deactivated by a person first.
    Dropped,
}

/// A delivery noted as ended: its event, and how many attempts it had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndedDelivery {
    pub event_id: EventId,
    pub attempts: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Queued or waiting for its next attempt.
    Pending,
    Succeeded,
    /// Every attempt failed, or the endpoint answered 410.
    Failed,
    /// Not sent: the webhook was deleted or deactivated before the attempt.
    Dropped,
}

/// One event's delivery to one webhook.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Delivery {
    pub event_id: EventId,
    pub webhook_id: WebhookId,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: Option<Timestamp>,
}

impl Delivery {
    /// Where a delivery stands, from what was written. Every attempt writes a delivery
    /// record except a first automatic one that succeeded, which writes only its execution
    /// (found by `ExecutionId::first_attempt`). So: the record when there is one; else a
    /// first execution means it succeeded; else the first attempt is still to come.
    pub fn standing(
        event_id: EventId,
        webhook_id: WebhookId,
        record: Option<&Delivery>,
        first: Option<&Execution>,
    ) -> Self {
        match (record, first) {
            (Some(record), _) => record.clone(),
            (None, Some(first)) => Self {
                status: if first.request_status == RequestStatus::Success {
                    DeliveryStatus::Succeeded
                } else {
                    // Its record was not written yet: the attempt is being redone.
                    DeliveryStatus::Pending
                },
                attempts: 1,
                next_attempt_at: first.next_attempt_at,
                ..Self::pending(event_id, webhook_id)
            },
            (None, None) => Self::pending(event_id, webhook_id),
        }
    }

    pub fn pending(event_id: EventId, webhook_id: WebhookId) -> Self {
        Self {
            event_id,
            webhook_id,
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AttemptOutcome, DeliveryAttempt, Trigger};

    #[test]
    fn a_delivery_stands_by_its_record_else_its_first_attempt_else_pending() {
        let (event_id, webhook_id) = (EventId::new(), WebhookId::new());
        let of = DeliveryAttempt {
            tenant: TenantId::parse("t").unwrap(),
            event_id,
            event_type: EventType::parse("a").unwrap(),
            webhook_id,
            attempt: 1,
            trigger: Trigger::Event,
        };
        let ok = AttemptOutcome {
            status: Some(200),
            body: None,
            error: None,
            duration_ms: 1,
            retry_after: None,
            unsendable: false,
        };
        let first = Execution::from_attempt(&of, "https://a.example/", &ok, Timestamp::now(), None);
        assert_eq!(
            first.id,
            crate::domain::ExecutionId::first_attempt(event_id, webhook_id)
        );
        let waiting = Delivery::standing(event_id, webhook_id, None, None);
        assert_eq!(
            (waiting.status, waiting.attempts),
            (DeliveryStatus::Pending, 0)
        );
        let done = Delivery::standing(event_id, webhook_id, None, Some(&first));
        assert_eq!((done.status, done.attempts), (DeliveryStatus::Succeeded, 1));
        let mut record = Delivery::pending(event_id, webhook_id);
        record.status = DeliveryStatus::Failed;
        record.attempts = 8;
        let failed = Delivery::standing(event_id, webhook_id, Some(&record), Some(&first));
        assert_eq!(failed, record, "the record has the last word");
    }
}
