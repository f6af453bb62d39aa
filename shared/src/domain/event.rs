//! A published event, and where each of its deliveries stands.

use super::{EventId, EventType, TenantId, Timestamp, WebhookId};

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Event {
    pub id: EventId,
    pub tenant: TenantId,
    pub event_type: EventType,
    /// Always a JSON object.
    pub data: serde_json::Value,
    pub created_at: Timestamp,
}

impl Event {
    /// The body every delivery of this event carries, byte for byte the same on every attempt.
    pub fn payload(&self) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "type": self.event_type.as_str(),
            "timestamp": self.created_at,
            "data": self.data,
        }))
        .unwrap_or_default()
    }
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
