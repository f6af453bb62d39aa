//! The ingest queue: a product in the same AWS account publishes by sending SQS messages,
//! each `{"tenant", "event_type", "data", "idempotency_key"?}` or a JSON array of up to 10
//! of them. Each event is published exactly as `POST /v1/events` publishes it (catalog,
//! schema, idempotency, fan-out). What can never be published (not JSON, no tenant, a bad
//! tenant, the catalog refusing it) goes to the ingest dead-letter queue at once with its
//! reason, and is logged; what failed for an outage comes back, as SQS messages do.

pub mod sqs;

use crate::AppContext;
use crate::api::{ApiError, Lang, Published, ingest_event, publish_event};
use async_trait::async_trait;
use serde_json::Value;

/// The most events one message may carry (an array), as SQS's batch of ten.
pub const MAX_EVENTS_PER_MESSAGE: usize = 10;

/// An event, or a whole message, that can never be published, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// The event's JSON (or the whole message, when it is not one or more events).
    pub body: String,
    pub reason: String,
}

/// What became of one message.
#[derive(Debug)]
pub enum Ingested {
    /// Every event was published or refused (`refused`, to dead-letter).
    Done {
        published: usize,
        refused: Vec<Refused>,
    },
    /// A store or queue failed, or an event's idempotency key is held by a publish still
    /// running: the message must come back. Events before it in the message are published
    /// again then, unless they carry an `idempotency_key` (at least once, as SQS itself).
    Retry(ApiError),
}

/// Where refused messages go: the ingest dead-letter queue.
#[async_trait]
pub trait DeadLetters: Send + Sync {
    async fn refuse(
        &self,
        message_id: &str,
        refused: &Refused,
    ) -> Result<(), crate::queue::QueueError>;
}

/// Publishes the events of one message, in order, and stops at the first outage.
pub async fn ingest(ctx: &AppContext, body: &str) -> Ingested {
    let whole = |reason: String| Ingested::Done {
        published: 0,
        refused: vec![Refused {
            body: body.to_owned(),
            reason,
        }],
    };
    let items = match serde_json::from_str::<Value>(body) {
        Ok(Value::Array(items)) if (1..=MAX_EVENTS_PER_MESSAGE).contains(&items.len()) => items,
        Ok(Value::Array(_)) => {
            return whole(format!(
                "an array must hold 1 to {MAX_EVENTS_PER_MESSAGE} events"
            ));
        }
        Ok(item @ Value::Object(_)) => vec![item],
        Ok(_) => {
            return whole(
                "must be an event object or an array of them: {\"tenant\", \"event_type\", \"data\"}"
                    .into(),
            );
        }
        Err(e) => return whole(format!("is not JSON: {e}")),
    };
    let (mut published, mut refused) = (0, Vec::new());
    for item in items {
        let text = item.to_string();
        let outcome = match ingest_event(text.as_bytes()) {
            Ok(new) => publish_event(ctx, new).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(Published::New(_) | Published::Repeated(_)) => published += 1,
            Err(e @ (ApiError::Internal | ApiError::IdempotencyKeyInUse)) => {
                return Ingested::Retry(e);
            }
            Err(e) => refused.push(Refused {
                body: text,
                reason: reason(&e),
            }),
        }
    }
    Ingested::Done { published, refused }
}

/// A refusal in the words a problem response would use, with its field errors.
fn reason(error: &ApiError) -> String {
    let detail = format!("{}: {}", error.code(), error.detail(Lang::En));
    match error {
        ApiError::Validation(errors) if !errors.is_empty() => {
            let fields: Vec<String> = errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            format!("{detail} ({})", fields.join("; "))
        }
        _ => detail,
    }
}

/// Handles one message: `true` when it is done with (its events published, and those
/// refused in the dead-letter queue), `false` when it must come back.
pub async fn consume(
    ctx: &AppContext,
    dead_letters: &dyn DeadLetters,
    message_id: &str,
    body: &str,
) -> bool {
    match ingest(ctx, body).await {
        Ingested::Done { published, refused } => {
            tracing::debug!(
                message_id,
                published,
                refused = refused.len(),
                "ingest message done"
            );
            for r in &refused {
                tracing::warn!(message_id, reason = %r.reason, "ingest: an event was refused; it goes to the dead-letter queue");
                if let Err(e) = dead_letters.refuse(message_id, r).await {
                    tracing::error!(message_id, error.cause_chain = ?crate::telemetry::error_chain(&e), "dead-lettering a refused event failed; the message comes back");
                    return false;
                }
            }
            true
        }
        Ingested::Retry(e) => {
            tracing::error!(message_id, error = %e, "ingest: publishing failed; the message comes back");
            false
        }
    }
}
