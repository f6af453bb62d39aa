//! One attempt to deliver an event (or a ping) to a webhook, as recorded.

use super::{AttemptOutcome, EventId, EventType, ExecutionId, TenantId, Timestamp, WebhookId};

/// Why an attempt is made: every automatic attempt is `event`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    Event,
    Retry,
    Ping,
    /// Asked for by `POST /v1/webhooks/{id}/recover`, for a delivery that had failed.
    Recover,
}

impl Trigger {
    /// An attempt a person asked for: it gets no automatic retries after it.
    pub fn is_manual(self) -> bool {
        matches!(self, Trigger::Retry | Trigger::Recover)
    }
}

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

/// Which delivery an attempt belongs to, its number, and why it is made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryAttempt {
    pub tenant: TenantId,
    pub event_id: EventId,
    pub event_type: EventType,
    pub webhook_id: WebhookId,
    /// 1-based.
    pub attempt: u32,
    pub trigger: Trigger,
}

impl DeliveryAttempt {
    /// The first automatic attempt: the one whose success writes no delivery record.
    pub fn is_first(&self) -> bool {
        self.attempt == 1 && self.trigger == Trigger::Event
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
    /// The record of one attempt made `at` to `url`, with the next attempt's time if one is
    /// scheduled. The first automatic attempt's id is derived from its event and webhook
    /// (`ExecutionId::first_attempt`), every other one is new.
    pub fn from_attempt(
        of: &DeliveryAttempt,
        url: &str,
        outcome: &AttemptOutcome,
        at: Timestamp,
        next_attempt_at: Option<Timestamp>,
    ) -> Self {
        let succeeded = outcome.succeeded();
        Self {
            id: if of.is_first() {
                ExecutionId::first_attempt(of.event_id, of.webhook_id)
            } else {
                ExecutionId::new()
            },
            tenant: of.tenant.clone(),
            webhook_id: of.webhook_id,
            event_id: of.event_id,
            event_type: of.event_type.clone(),
            attempt: of.attempt,
            trigger: of.trigger,
            created_at: at,
            duration_ms: outcome.duration_ms,
            request_status: if succeeded {
                RequestStatus::Success
            } else {
                RequestStatus::Error
            },
            response_status: outcome.status,
            error_message: (!succeeded).then(|| outcome.failure_summary()),
            response_body: outcome.body.clone(),
            url: url.to_owned(),
            next_attempt_at,
        }
    }
}
