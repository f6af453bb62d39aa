//! The ingest queue: a product in the same AWS account publishes by sending SQS messages,
//! each `{"tenant", "event_type", "data", "idempotency_key"?}` or a JSON array of up to 10
//! of them. Each event is published exactly as `POST /v1/events` publishes it (catalog,
//! schema, idempotency, fan-out). What can never be published (not JSON, no tenant, a bad
//! tenant, the catalog refusing it) goes to the ingest dead-letter queue at once with its
//! reason, and is logged; what failed for an outage comes back, as SQS messages do.

pub mod sqs;

use crate::AppContext;
use crate::body::Body;
use crate::domain::TenantId;
use crate::publish::{self, NewEvent, PublishError, checked_key, event_fields};
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
    Retry(PublishError),
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

/// The fields an ingest message's event may have.
const EVENT_FIELDS: [&str; 4] = ["tenant", "event_type", "data", "idempotency_key"];

/// One event of a message (`{"tenant", "event_type", "data", "idempotency_key"?}`), checked
/// as `POST /v1/events` checks its body and key.
fn event_of(item: &[u8]) -> Result<NewEvent, PublishError> {
    let mut body =
        Body::parse(item, &EVENT_FIELDS, &[]).map_err(|e| PublishError::Invalid(vec![e]))?;
    let tenant = body.take_parsed("tenant", TenantId::parse);
    let tenant = body.require("tenant", tenant);
    let key = body.take::<String>("idempotency_key");
    let fields = event_fields(&mut body);
    let mut errors = body.into_errors();
    let key = key
        .map(|k| checked_key(Some(&k)))
        .transpose()
        .map_err(|e| errors.push(e));
    match (tenant, fields, key, errors.is_empty()) {
        (Some(tenant), Some((event_type, data, encoded)), Ok(idempotency_key), true) => {
            Ok(NewEvent {
                tenant,
                event_type,
                data,
                encoded,
                idempotency_key,
            })
        }
        _ => Err(PublishError::Invalid(errors)),
    }
}

/// One message taken apart: the events to publish (and their JSON, should one be refused),
/// and what is refused already.
#[derive(Default)]
struct Unpacked {
    texts: Vec<String>,
    events: Vec<NewEvent>,
    refused: Vec<Refused>,
}

fn unpack(body: &str) -> Unpacked {
    let mut unpacked = Unpacked::default();
    let items = match events_of(body) {
        Ok(items) => items,
        Err(reason) => {
            unpacked.refused.push(Refused {
                body: body.to_owned(),
                reason,
            });
            return unpacked;
        }
    };
    for text in items {
        match event_of(text.as_bytes()) {
            Ok(event) => {
                unpacked.texts.push(text);
                unpacked.events.push(event);
            }
            Err(e) => unpacked.refused.push(Refused {
                body: text,
                reason: e.to_string(),
            }),
        }
    }
    unpacked
}

/// What became of a message, from the answers to its events (`texts`) in order.
fn outcome(
    texts: Vec<String>,
    mut refused: Vec<Refused>,
    answers: impl Iterator<Item = publish::Answer>,
) -> Ingested {
    let mut published = 0;
    let mut retry = None;
    for (text, answer) in texts.into_iter().zip(answers) {
        match answer {
            Ok(_) => published += 1,
            Err(e) if e.is_transient() => retry = Some(e),
            Err(e) => refused.push(Refused {
                body: text,
                reason: e.to_string(),
            }),
        }
    }
    match retry {
        Some(e) => Ingested::Retry(e),
        None => Ingested::Done { published, refused },
    }
}

/// Publishes the events of a batch of messages together (they share their SQS requests
/// and their reads of a tenant's routes), and says what became of each message.
pub async fn ingest(ctx: &AppContext, messages: &[Message<'_>]) -> Vec<Ingested> {
    let mut unpacked: Vec<Unpacked> = messages.iter().map(|m| unpack(m.body)).collect();
    let batch = unpacked
        .iter_mut()
        .flat_map(|u| std::mem::take(&mut u.events))
        .collect();
    let mut answers = publish::publish(ctx, batch).await.into_iter();
    unpacked
        .into_iter()
        .map(|u| {
            let count = u.texts.len();
            outcome(u.texts, u.refused, answers.by_ref().take(count))
        })
        .collect()
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
