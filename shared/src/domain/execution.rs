//! One attempt to deliver an event (or a ping) to a webhook, as recorded.

use super::{EventId, EventType, ExecutionId, TenantId, Timestamp, WebhookId};
use crate::queue::Trigger;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Success,
    Error,
}

impl RequestStatus {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "success" => Some(Self::Success),
            "error" => Some(Self::Error),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Execution {
    pub id: ExecutionId,
    pub tenant: TenantId,
    pub webhook_id: WebhookId,
    pub event_id: EventId,
    pub event_type: EventType,
    pub attempt: u32,
    pub trigger: Trigger,
    pub created_at: Timestamp,
    pub duration_ms: u64,
    pub request_status: RequestStatus,
    pub response_status: Option<u16>,
    pub error_message: Option<String>,
    /// The first 4 KiB of the response body, as text.
    pub response_body: Option<String>,
    pub url: String,
    pub next_attempt_at: Option<Timestamp>,
}

impl Execution {
    /// The record as the API shows it (no tenant).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "webhook_id": self.webhook_id,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "attempt": self.attempt,
            "trigger": self.trigger,
            "created_at": self.created_at,
            "duration_ms": self.duration_ms,
            "request_status": self.request_status,
            "response_status": self.response_status,
            "error_message": self.error_message,
            "response_body": self.response_body,
            "url": self.url,
            "next_attempt_at": self.next_attempt_at,
        })
    }
}
