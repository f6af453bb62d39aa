//! Pings: a signed `webhook.ping` event sent at once, for the ping route and for verifying an
//! endpoint before it is registered or changed.

use super::send::send;
use crate::AppContext;
use crate::domain::{AttemptOutcome, Event, EventData, EventId, EventType, Timestamp, Webhook};

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

/// Sends the ping and returns it with what came of it.
pub async fn ping(ctx: &AppContext, webhook: &Webhook) -> (Event, AttemptOutcome) {
    let event = ping_event(webhook);
    let attempt = send(
        &ctx.http,
        webhook,
        &event.id.to_string(),
        event.payload().into(),
    )
    .await;
    (event, attempt)
}
