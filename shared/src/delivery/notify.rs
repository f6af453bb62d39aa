//! Operational events to the operator's own endpoint: `hookline.webhook.disabled` when a
//! webhook is disabled, `hookline.delivery.exhausted` when a delivery's automatic attempts
//! are spent. Signed like any delivery (Standard Webhooks, with the operator's secret),
//! retried on the delivery schedule, every attempt logged; nothing is sent, and nothing
//! queued, when no operator URL is set.

use super::send::{send, shared_body};
use crate::AppContext;
use crate::config::OperatorWebhook;
use crate::domain::{
    EventId, EventType, EventTypePattern, EventTypes, Secrets, TenantId, Timestamp, Webhook,
    WebhookId, WebhookSpec, WebhookUid,
};
use crate::queue::{MAX_DELAY, NotifyTask, QueueError};
use rand::Rng;
use serde_json::json;
use std::time::Duration;

pub const WEBHOOK_DISABLED: &str = "hookline.webhook.disabled";
pub const DELIVERY_EXHAUSTED: &str = "hookline.delivery.exhausted";

/// What happened, for the operator.
pub enum Notice<'a> {
    WebhookDisabled {
        tenant: &'a TenantId,
        webhook_id: WebhookId,
        uid: Option<&'a WebhookUid>,
        reason: &'a str,
        /// The webhook's version the disable applies to.
        version: u64,
    },
    DeliveryExhausted {
        tenant: &'a TenantId,
        webhook_id: WebhookId,
        event_id: EventId,
        attempts: u32,
        last_error: &'a str,
    },
}

impl Notice<'_> {
    /// The message id, the same whenever the same thing is told again (a redone task, two
    /// deliveries disabling one version of a webhook): the operator's receiver dedupes on it.
    fn id(&self) -> EventId {
        match self {
            Notice::WebhookDisabled {
                webhook_id,
                version,
                ..
            } => EventId::derived(
                webhook_id.unix_millis(),
                &[b"disabled", &webhook_id.to_bytes(), &version.to_be_bytes()],
            ),
            Notice::DeliveryExhausted {
                webhook_id,
                event_id,
                ..
            } => EventId::derived(
                event_id.unix_millis(),
                &[b"exhausted", &event_id.to_bytes(), &webhook_id.to_bytes()],
            ),
        }
    }

    fn event_type(&self) -> &'static str {
        match self {
            Notice::WebhookDisabled { .. } => WEBHOOK_DISABLED,
            Notice::DeliveryExhausted { .. } => DELIVERY_EXHAUSTED,
        }
    }

    fn data(&self) -> serde_json::Value {
        match self {
            Notice::WebhookDisabled {
                tenant,
                webhook_id,
                uid,
                reason,
                ..
            } => json!({
                "tenant": tenant, "webhook_id": webhook_id, "uid": uid, "reason": reason,
            }),
            Notice::DeliveryExhausted {
                tenant,
                webhook_id,
                event_id,
                attempts,
                last_error,
            } => json!({
                "tenant": tenant, "webhook_id": webhook_id, "event_id": event_id,
                "attempts": attempts, "last_error": last_error,
            }),
        }
    }
}

/// Queues the notice for the operator's endpoint, if one is set.
pub async fn notify(ctx: &AppContext, notice: Notice<'_>) -> Result<(), QueueError> {
    if ctx.config.operator_webhook.is_none() {
        return Ok(());
    }
    let now = Timestamp::now();
    let event_type =
        EventType::parse(notice.event_type()).map_err(|e| QueueError::Backend(e.into()))?;
    let payload = json!({
        "type": event_type.as_str(),
        "timestamp": now,
        "data": notice.data(),
    })
    .to_string();
    let task = NotifyTask::first(notice.id(), event_type, payload.into()).into();
    ctx.queue.send(&[(task, Duration::ZERO)]).await
}

/// The operator's endpoint as a webhook to send to, with its secrets: it is never stored.
fn as_webhook(operator: &OperatorWebhook) -> Option<(Webhook, Secrets)> {
    let spec = WebhookSpec {
        uid: None,
        url: operator.url.clone(),
        event_types: EventTypes::new(vec![EventTypePattern::parse("hookline.*").ok()?]).ok()?,
        filters: Vec::new(),
        description: None,
        active: true,
        headers: Default::default(),
        metadata: Default::default(),
        verification: Default::default(),
    };
    let tenant = TenantId::parse("hookline").ok()?;
    let secrets = Secrets {
        secret: operator.secret.clone(),
        previous_secret: None,
        headers: Default::default(),
    };
    Some((Webhook::new(tenant, spec, secrets.secret.clone()), secrets))
}

/// What came of a notification task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    Delivered,
    Retrying,
    GaveUp,
    /// No operator endpoint is set (any more).
    Unset,
}

/// Attempts a notification; a failure is attempted again on the delivery schedule.
pub async fn attempt(ctx: &AppContext, task: &NotifyTask) -> Result<Sent, QueueError> {
    let (event_id, event_type, attempt) = (task.event_id, &task.event_type, task.attempt);
    let Some((webhook, secrets)) = ctx.config.operator_webhook.as_ref().and_then(as_webhook) else {
        tracing::warn!(%event_id, event_type = event_type.as_str(), "no operator webhook set; operational event dropped");
        return Ok(Sent::Unset);
    };
    let outcome = send(
        &ctx.http,
        &webhook,
        &secrets,
        &event_id.to_string(),
        shared_body(&task.payload),
    )
    .await;
    tracing::info!(
        %event_id, event_type = event_type.as_str(), attempt, status = ?outcome.status, ms = outcome.duration_ms,
        error = outcome.error.as_deref().unwrap_or(""), "operator webhook attempt"
    );
    if outcome.succeeded() {
        return Ok(Sent::Delivered);
    }
    let jitter = rand::rng().random_range(-1.0..=1.0);
    match ctx
        .config
        .delivery
        .retry_schedule
        .next_delay(attempt, outcome.retry_after, jitter)
    {
        Some(delay) => {
            let due = Timestamp::now().plus(delay);
            let next = task.next(due).into();
            ctx.queue.send(&[(next, delay.min(MAX_DELAY))]).await?;
            Ok(Sent::Retrying)
        }
        None => {
            tracing::error!(%event_id, event_type = event_type.as_str(), attempts = attempt, last_error = %outcome.failure_summary(), "operator webhook failed for good");
            Ok(Sent::GaveUp)
        }
    }
}
