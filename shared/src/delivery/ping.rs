//! Pings: a signed `webhook.ping` event sent at once, for the ping route and for verifying an
//! endpoint before it is registered or changed.

use super::send::{send, send_handshake};
use crate::AppContext;
use crate::budget::Limits;
use crate::domain::{
    AttemptOutcome, Event, EventData, EventId, EventType, Secrets, Timestamp, Verification, Webhook,
};

/// The ping event for a webhook (never stored: it exists only in its execution record).
pub fn ping_event(webhook: &Webhook) -> Event {
    Event {
        id: EventId::new(),
        tenant: webhook.tenant.clone(),
        event_type: EventType::webhook_ping(),
        data: EventData::from_map(&serde_json::Map::from_iter([(
            "webhook_id".to_owned(),
            webhook.id.to_string().into(),
        )])),
        created_at: Timestamp::now(),
        matched: Vec::new(),
    }
}

/// Verifies the endpoint before a webhook is created or changed, as its `verification` says:
/// `Err` explains the refusal. `secrets`: the webhook's, opened.
pub async fn verify(ctx: &AppContext, webhook: &Webhook, secrets: &Secrets) -> Result<(), String> {
    let event = ping_event(webhook);
    let handshake = webhook.verification == Verification::Handshake;
    let secret = secrets.secret.expose();
    let (outcome, echo) = send_handshake(
        &ctx.http,
        webhook,
        secrets,
        &event.id.to_string(),
        event.payload().into(),
        handshake.then_some(secret.as_str()),
    )
    .await;
    if !outcome.succeeded() {
        return Err(outcome.failure_summary());
    }
    if handshake && echo.as_deref().map(str::trim) != Some(secret.as_str()) {
        return Err(format!(
            "it answered {} without echoing the X-Hook-Secret it was sent (the handshake)",
            outcome.status.unwrap_or_default()
        ));
    }
    Ok(())
}

/// How long a ping waits for room in its webhook's budgets before it goes anyway.
const PING_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Sends the ping and returns it with what came of it.
pub async fn ping(
    ctx: &AppContext,
    webhook: &Webhook,
    secrets: &Secrets,
) -> (Event, AttemptOutcome) {
    let event = ping_event(webhook);
    // A ping counts against the webhook's budgets like any attempt; a person waits for it,
    // so past them it waits a little for room, then goes anyway.
    let limits = Limits::of(ctx, &webhook.tenant).await;
    let _lease = ctx
        .budgets
        .wait_for_slot(&webhook.tenant, &webhook.id, limits, PING_WAIT)
        .await;
    let attempt = send(
        &ctx.http,
        webhook,
        secrets,
        &event.id.to_string(),
        event.payload().into(),
    )
    .await;
    (event, attempt)
}
