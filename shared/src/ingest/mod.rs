//! The ingest queue: a product in the same AWS account publishes by sending SQS messages,
//! each `{"tenant", "event_type", "data", "idempotency_key"?}` or a JSON array of up to 10
//! of them. Each event is published exactly as `POST /v1/events` publishes it (catalog,
//! schema, idempotency, fan-out). What can never be published (not JSON, no tenant, a bad
//! tenant, the catalog refusing it) goes to the ingest dead-letter queue at once with its
//! reason, and is logged; what failed for an outage comes back, as SQS messages do.

pub mod sqs;

use crate::AppContext;
use crate::api::{ApiError, Lang, Published, ingest_event, publish_events};
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
    /// A store or queue failed, the tenant is over its publish rate, or an event's
    /// idempotency key is held by a publish still running: the message must come back
    /// whole. Its other events are published again then, unless they carry an
    /// `idempotency_key` (at least once, as SQS itself).
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

/// One message of the ingest queue.
#[derive(Clone, Copy, Debug)]
pub struct Message<'a> {
    pub id: &'a str,
    pub body: &'a str,
}

/// The events of one message, or why the message as a whole is refused.
fn events_of(body: &str) -> Result<Vec<String>, String> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Array(items)) if (1..=MAX_EVENTS_PER_MESSAGE).contains(&items.len()) => {
            Ok(items.iter().map(Value::to_string).collect())
        }
        Ok(Value::Array(_)) => Err(format!(
            "an array must hold 1 to {MAX_EVENTS_PER_MESSAGE} events"
        )),
        Ok(Value::Object(_)) => Ok(vec![body.to_owned()]),
        Ok(_) => Err(
            "must be an event object or an array of them: {\"tenant\", \"event_type\", \"data\"}"
                .into(),
        ),
        Err(e) => Err(format!("is not JSON: {e}")),
    }
}

/// Publishes the events of a batch of messages together (they share their SQS requests
/// and their reads of a tenant's routes), and says what became of each message.
pub async fn ingest(ctx: &AppContext, messages: &[Message<'_>]) -> Vec<Ingested> {
    // Every event of every message, checked; the checked ones published in one batch.
    let mut refused: Vec<Vec<Refused>> = vec![Vec::new(); messages.len()];
    let mut owners = Vec::new();
    let mut batch = Vec::new();
    for (m, message) in messages.iter().enumerate() {
        let events = match events_of(message.body) {
            Ok(events) => events,
            Err(reason) => {
                if let Some(r) = refused.get_mut(m) {
                    r.push(Refused {
                        body: message.body.to_owned(),
                        reason,
                    });
                }
                continue;
            }
        };
        for text in events {
            match ingest_event(text.as_bytes()) {
                Ok(new) => {
                    owners.push((m, text));
                    batch.push(new);
                }
                Err(e) => {
                    if let Some(r) = refused.get_mut(m) {
                        r.push(Refused {
                            body: text,
                            reason: reason(&e),
                        });
                    }
                }
            }
        }
    }
    let answers = publish_events(ctx, batch).await;
    let mut published = vec![0; messages.len()];
    let mut retry: Vec<Option<ApiError>> = messages.iter().map(|_| None).collect();
    for ((m, text), answer) in owners.into_iter().zip(answers) {
        match answer {
            Ok(Published::New(_) | Published::Repeated(_)) => {
                if let Some(n) = published.get_mut(m) {
                    *n += 1;
                }
            }
            Err(
                e @ (ApiError::Internal | ApiError::IdempotencyKeyInUse | ApiError::RateLimited(_)),
            ) => {
                if let Some(r) = retry.get_mut(m) {
                    *r = Some(e);
                }
            }
            Err(e) => {
                if let Some(r) = refused.get_mut(m) {
                    r.push(Refused {
                        body: text,
                        reason: reason(&e),
                    });
                }
            }
        }
    }
    retry
        .into_iter()
        .zip(published)
        .zip(refused)
        .map(|((retry, published), refused)| match retry {
            Some(e) => Ingested::Retry(e),
            None => Ingested::Done { published, refused },
        })
        .collect()
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

/// Handles a batch of messages: for each, `true` when it is done with (its events
/// published, and those refused in the dead-letter queue), `false` when it must come back.
pub async fn consume(
    ctx: &AppContext,
    dead_letters: &dyn DeadLetters,
    messages: &[Message<'_>],
) -> Vec<bool> {
    let outcomes = ingest(ctx, messages).await;
    let mut done = Vec::with_capacity(messages.len());
    for (message, outcome) in messages.iter().zip(outcomes) {
        let message_id = message.id;
        done.push(match outcome {
            Ingested::Done { published, refused } => {
                tracing::debug!(message_id, published, refused = refused.len(), "ingest message done");
                let mut sent = true;
                for r in &refused {
                    tracing::warn!(message_id, reason = %r.reason, "ingest: an event was refused; it goes to the dead-letter queue");
                    if let Err(e) = dead_letters.refuse(message_id, r).await {
                        tracing::error!(message_id, error.cause_chain = ?crate::telemetry::error_chain(&e), "dead-lettering a refused event failed; the message comes back");
                        sent = false;
                        break;
                    }
                }
                sent
            }
            Ingested::Retry(e) => {
                tracing::error!(message_id, error = %e, "ingest: publishing failed; the message comes back");
                false
            }
        });
    }
    done
}
