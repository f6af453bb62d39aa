//! The ingest queue: a product in the same AWS account publishes by sending SQS messages,
//! each `{"tenant", "event_type", "data", "idempotency_key"?}` or a JSON array of up to 10
//! of them. Each event is published exactly as `POST /v1/events` publishes it (catalog,
//! schema, idempotency, fan-out). What can never be published (not JSON, no tenant, a bad
//! tenant, the catalog refusing it) goes to the ingest dead-letter queue at once with its
//! reason, and is logged; what failed for an outage comes back, as SQS messages do.
//!
//! Each event settles on its own and is published once: one without an `idempotency_key`
//! is given `ingest:<message id>:<index>`, so a message received again does not publish its
//! events again. Events over their tenant's publish rate are sent to the ingest queue again
//! as a new message, delayed by their `Retry-After`, and the message is done with: throttling
//! never uses up the receives after which SQS moves a message to the dead-letter queue.

pub mod sqs;

use crate::AppContext;
use crate::body::Body;
use crate::domain::TenantId;
use crate::publish::{self, NewEvent, PublishError, SELF_NAMING_PREFIX, checked_key, event_fields};
use async_trait::async_trait;
use serde_json::Value;
use std::time::Duration;

/// The most events one message may carry (an array), as SQS's batch of ten.
pub const MAX_EVENTS_PER_MESSAGE: usize = 10;

/// An event, or a whole message, that can never be published, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// The event's JSON (or the whole message, when it is not one or more events).
    pub body: String,
    pub reason: String,
}

/// What became of one message. `failed` wins: the message comes back whole, and the events
/// published already are not published again (each carries an idempotency key).
#[derive(Debug, Default)]
pub struct Ingested {
    pub published: usize,
    /// Events that can never be published: to the dead-letter queue.
    pub refused: Vec<Refused>,
    /// Events over their tenant's publish rate: sent again as a new message.
    pub postponed: Option<Postponed>,
    /// An outage (a store or queue failed, or a key is held by a publish still running).
    pub failed: Option<PublishError>,
}

/// The events of a message that are over their tenant's publish rate, each with its
/// idempotency key, and how long they wait: the longest `Retry-After` among them.
#[derive(Debug, PartialEq, Eq)]
pub struct Postponed {
    pub events: Vec<String>,
    pub delay: Duration,
}

impl Postponed {
    /// The message they are sent again as: an array of events.
    pub fn body(&self) -> String {
        format!("[{}]", self.events.join(","))
    }
}

/// The longest an SQS message can be delayed (`DelaySeconds`).
const MAX_DELAY: Duration = Duration::from_secs(900);

/// What prefixes the idempotency key an event without one is given.
const DERIVED_KEY_PREFIX: &str = "ingest:";

/// The key of an event that came without one: from its message's id and its place in it,
/// so that the message received again publishes it once. With the message's sent time, the
/// key names its event by itself (`publish::SELF_NAMING_PREFIX`): publishing it writes no
/// key record. None without a message id.
fn derived_key(message: &Message<'_>, index: usize) -> Option<String> {
    if message.id.is_empty() {
        return None;
    }
    let key = match message.sent_at {
        Some(sent) => format!("{SELF_NAMING_PREFIX}{sent}:{}:{index}", message.id),
        None => format!("{DERIVED_KEY_PREFIX}{}:{index}", message.id),
    };
    checked_key(Some(&key)).ok()
}

/// The event's JSON with its idempotency key, as it is sent again.
fn keyed(text: &str, key: Option<&str>) -> String {
    let object = serde_json::from_str::<serde_json::Map<String, Value>>(text);
    match (object, key) {
        (Ok(mut object), Some(key)) => {
            object.insert("idempotency_key".into(), Value::from(key));
            Value::Object(object).to_string()
        }
        _ => text.to_owned(),
    }
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

/// The ingest queue itself, for events that wait out their tenant's publish rate: sent
/// again as a new message, a throttled event never uses up the receives that lead to the
/// dead-letter queue.
#[async_trait]
pub trait Requeue: Send + Sync {
    /// Sends `body` to the ingest queue, to be received after `delay`.
    async fn send_later(&self, body: &str, delay: Duration)
    -> Result<(), crate::queue::QueueError>;
}

/// One message of the ingest queue.
#[derive(Clone, Copy, Debug)]
pub struct Message<'a> {
    pub id: &'a str,
    pub body: &'a str,
    /// When SQS received it first (`SentTimestamp`, unix ms): the same on every receive.
    pub sent_at: Option<i64>,
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

/// One message taken apart: the events to publish (with their JSON, should one be refused
/// or postponed, and their keys), and what is refused already.
#[derive(Default)]
struct Unpacked {
    texts: Vec<String>,
    keys: Vec<Option<String>>,
    events: Vec<NewEvent>,
    refused: Vec<Refused>,
}

fn unpack(message: &Message<'_>) -> Unpacked {
    let mut unpacked = Unpacked::default();
    let items = match events_of(message.body) {
        Ok(items) => items,
        Err(reason) => {
            unpacked.refused.push(Refused {
                body: message.body.to_owned(),
                reason,
            });
            return unpacked;
        }
    };
    for (index, text) in items.into_iter().enumerate() {
        match event_of(text.as_bytes()) {
            Ok(mut event) => {
                if event.idempotency_key.is_none() {
                    event.idempotency_key = derived_key(message, index);
                }
                unpacked.texts.push(text);
                unpacked.keys.push(event.idempotency_key.clone());
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

/// What became of a message, from the answers to its events in order.
fn outcome(unpacked: Unpacked, answers: impl Iterator<Item = publish::Answer>) -> Ingested {
    let mut ingested = Ingested {
        refused: unpacked.refused,
        ..Ingested::default()
    };
    let mut postponed = Vec::new();
    let mut delay = Duration::ZERO;
    let events = unpacked.texts.into_iter().zip(unpacked.keys);
    for ((text, key), answer) in events.zip(answers) {
        match answer {
            Ok(_) => ingested.published += 1,
            Err(PublishError::RateLimited { retry_after }) => {
                delay = delay.max(Duration::from_secs(retry_after));
                postponed.push(keyed(&text, key.as_deref()));
            }
            Err(e) if e.is_transient() => ingested.failed = Some(e),
            Err(e) => ingested.refused.push(Refused {
                body: text,
                reason: e.to_string(),
            }),
        }
    }
    if !postponed.is_empty() {
        ingested.postponed = Some(Postponed {
            events: postponed,
            delay: delay.clamp(Duration::from_secs(1), MAX_DELAY),
        });
    }
    ingested
}

/// Publishes the events of a batch of messages together (they share their SQS requests
/// and their reads of a tenant's routes), and says what became of each message.
pub async fn ingest(ctx: &AppContext, messages: &[Message<'_>]) -> Vec<Ingested> {
    let mut unpacked: Vec<Unpacked> = messages.iter().map(unpack).collect();
    let batch = unpacked
        .iter_mut()
        .flat_map(|u| std::mem::take(&mut u.events))
        .collect();
    let mut answers = publish::publish(ctx, batch).await.into_iter();
    unpacked
        .into_iter()
        .map(|u| {
            let count = u.texts.len();
            outcome(u, answers.by_ref().take(count))
        })
        .collect()
}

/// Handles a batch of messages: for each, `true` when it is done with (its events
/// published, those refused in the dead-letter queue, those over their tenant's rate sent
/// again for later), `false` when it must come back (an outage).
pub async fn consume(
    ctx: &AppContext,
    dead_letters: &dyn DeadLetters,
    requeue: &dyn Requeue,
    messages: &[Message<'_>],
) -> Vec<bool> {
    let outcomes = ingest(ctx, messages).await;
    let mut done = Vec::with_capacity(messages.len());
    for (message, outcome) in messages.iter().zip(outcomes) {
        done.push(settle(dead_letters, requeue, message.id, outcome).await);
    }
    done
}

/// Sends what a message left over where it goes; whether the message is done with.
async fn settle(
    dead_letters: &dyn DeadLetters,
    requeue: &dyn Requeue,
    message_id: &str,
    outcome: Ingested,
) -> bool {
    if let Some(e) = &outcome.failed {
        tracing::error!(message_id, error = %e, "ingest: publishing failed; the message comes back");
        return false;
    }
    if let Some(postponed) = &outcome.postponed {
        let (events, delay) = (postponed.events.len(), postponed.delay.as_secs());
        tracing::info!(
            message_id,
            events,
            delay,
            "ingest: events over the tenant's publish rate are sent again for later"
        );
        if let Err(e) = requeue.send_later(&postponed.body(), postponed.delay).await {
            tracing::error!(message_id, error.cause_chain = ?crate::telemetry::error_chain(&e), "sending postponed events again failed; the message comes back");
            return false;
        }
    }
    for r in &outcome.refused {
        tracing::warn!(message_id, reason = %r.reason, "ingest: an event was refused; it goes to the dead-letter queue");
        if let Err(e) = dead_letters.refuse(message_id, r).await {
            tracing::error!(message_id, error.cause_chain = ?crate::telemetry::error_chain(&e), "dead-lettering a refused event failed; the message comes back");
            return false;
        }
    }
    tracing::debug!(
        message_id,
        published = outcome.published,
        refused = outcome.refused.len(),
        "ingest message done"
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message<'a>(id: &'a str, body: &'a str) -> Message<'a> {
        Message {
            id,
            body,
            sent_at: None,
        }
    }

    #[test]
    fn an_event_without_a_key_is_keyed_by_its_message_and_place() {
        let body = json!([
            {"tenant": "acme", "event_type": "a.b", "data": {}},
            {"tenant": "acme", "event_type": "a.b", "data": {}, "idempotency_key": "mine"},
            {"tenant": "acme", "event_type": "a.b", "data": {}},
        ])
        .to_string();
        let unpacked = unpack(&message("m-1", &body));
        let keys: Vec<Option<&str>> = unpacked.keys.iter().map(Option::as_deref).collect();
        assert_eq!(
            keys,
            [Some("ingest:m-1:0"), Some("mine"), Some("ingest:m-1:2")]
        );
        let single = json!({"tenant": "acme", "event_type": "a.b", "data": {}}).to_string();
        assert_eq!(
            unpack(&message("m-2", &single)).keys,
            [Some("ingest:m-2:0".into())]
        );
        assert_eq!(unpack(&message("", &single)).keys, [None], "no id, no key");
        let sent = Message {
            sent_at: Some(1_800_000_000_000),
            ..message("m-3", &single)
        };
        assert_eq!(
            unpack(&sent).keys,
            [Some("ingest:1800000000000:m-3:0".into())],
            "with its sent time, a key that names its event"
        );
    }

    #[test]
    fn events_over_the_rate_are_postponed_with_their_keys_and_the_longest_wait() {
        let body = json!([
            {"tenant": "acme", "event_type": "a.b", "data": {"n": 0}},
            {"tenant": "acme", "event_type": "a.b", "data": {"n": 1}},
            {"tenant": "acme", "event_type": "a.b", "data": {"n": 2}},
        ])
        .to_string();
        let answers = vec![
            Err(PublishError::RateLimited { retry_after: 3 }),
            Ok(publish::Published::Repeated(Value::Null)),
            Err(PublishError::RateLimited { retry_after: 7 }),
        ];
        let ingested = outcome(unpack(&message("m", &body)), answers.into_iter());
        assert_eq!(ingested.published, 1);
        assert!(ingested.failed.is_none() && ingested.refused.is_empty());
        let postponed = ingested.postponed.unwrap();
        assert_eq!(postponed.delay, Duration::from_secs(7));
        let sent_again: Value = serde_json::from_str(&postponed.body()).unwrap();
        assert_eq!(
            sent_again,
            json!([
                {"tenant": "acme", "event_type": "a.b", "data": {"n": 0}, "idempotency_key": "ingest:m:0"},
                {"tenant": "acme", "event_type": "a.b", "data": {"n": 2}, "idempotency_key": "ingest:m:2"},
            ])
        );
        let again = unpack(&message("m-later", &postponed.body()));
        assert_eq!(
            again.keys,
            [Some("ingest:m:0".into()), Some("ingest:m:2".into())]
        );
    }

    #[test]
    fn an_outage_brings_the_message_back_and_a_long_wait_is_cut_to_sqs_longest() {
        let body = json!([
            {"tenant": "acme", "event_type": "a.b", "data": {}},
            {"tenant": "acme", "event_type": "a.b", "data": {}},
        ])
        .to_string();
        let answers = vec![
            Err(PublishError::Internal),
            Err(PublishError::RateLimited { retry_after: 5000 }),
        ];
        let ingested = outcome(unpack(&message("m", &body)), answers.into_iter());
        assert_eq!(ingested.failed, Some(PublishError::Internal));
        assert_eq!(ingested.postponed.map(|p| p.delay), Some(MAX_DELAY));
    }
}
