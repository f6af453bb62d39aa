//! The ingest queue on SQS: its dead-letter queue for refused events and the queue itself
//! for postponed ones (in AWS and locally), and, for the local server, receiving from it (in
//! AWS the event source mapping receives).

use super::{DeadLetters, Refused, Requeue};
use crate::queue::QueueError;
use crate::queue::sqs::SqsQueue;
use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{MessageAttributeValue, MessageSystemAttributeName};
use std::time::Duration;

fn backend(error: impl Into<crate::store::BoxError>) -> QueueError {
    QueueError::Backend(error.into())
}

/// SQS caps a message attribute's value with the body at 256 KiB; a reason is kept short.
const MAX_REASON: usize = 1024;

/// The ingest dead-letter queue. A refused event is sent with its reason and the id of the
/// message it came in as message attributes, so it can be read, fixed and sent again.
#[derive(Clone)]
pub struct SqsDeadLetters {
    client: Client,
    url: String,
}

impl SqsDeadLetters {
    pub fn new(client: Client, url: impl Into<String>) -> Self {
        Self {
            client,
            url: url.into(),
        }
    }
}

fn text(value: &str) -> Result<MessageAttributeValue, QueueError> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .map_err(backend)
}

#[async_trait]
impl DeadLetters for SqsDeadLetters {
    async fn refuse(&self, message_id: &str, refused: &Refused) -> Result<(), QueueError> {
        let mut reason = refused.reason.clone();
        if reason.len() > MAX_REASON {
            let mut end = MAX_REASON;
            while !reason.is_char_boundary(end) {
                end -= 1;
            }
            reason.truncate(end);
        }
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(&refused.body)
            .message_attributes("reason", text(&reason)?)
            .message_attributes("message_id", text(message_id)?)
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }
}

/// The ingest queue, for events sent again to wait out their tenant's publish rate.
#[derive(Clone)]
pub struct SqsRequeue {
    client: Client,
    url: String,
}

impl SqsRequeue {
    pub fn new(client: Client, url: impl Into<String>) -> Self {
        Self {
            client,
            url: url.into(),
        }
    }
}

#[async_trait]
impl Requeue for SqsRequeue {
    async fn send_later(&self, body: &str, delay: Duration) -> Result<(), QueueError> {
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .delay_seconds(i32::try_from(delay.as_secs()).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }
}

/// A message as received from the ingest queue.
#[derive(Clone, Debug)]
pub struct IngestMessage {
    pub id: String,
    pub receipt: String,
    pub body: String,
    /// `SentTimestamp`, unix ms.
    pub sent_at: Option<i64>,
}

/// The ingest queue as the local server consumes it (`--ingest-queue-name`).
#[derive(Clone)]
pub struct IngestQueue {
    client: Client,
    url: String,
    pub dead_letters: SqsDeadLetters,
    pub requeue: SqsRequeue,
}

/// How long a received message stays hidden: longer than publishing ten events takes.
pub const VISIBILITY: Duration = Duration::from_secs(60);
/// A message that failed for an outage comes back after this (given time to pass).
pub const RETRY_DELAY: Duration = Duration::from_secs(5);
/// Receives before SQS moves a message that keeps failing for an outage to the dead-letter
/// queue (throttled events are sent again as new messages, never counted here).
pub const MAX_RECEIVES: u32 = 5;

impl IngestQueue {
    /// The queue `name` and its dead-letter queue `name-dlq`, created when missing.
    pub async fn create_if_missing(client: Client, name: &str) -> Result<Self, QueueError> {
        let url = SqsQueue::create_if_missing(&client, name, VISIBILITY, MAX_RECEIVES).await?;
        let dead_letters = SqsDeadLetters::new(client.clone(), format!("{url}-dlq"));
        let requeue = SqsRequeue::new(client.clone(), url.clone());
        Ok(Self {
            client,
            url,
            dead_letters,
            requeue,
        })
    }

    /// Up to ten messages, waiting up to `wait` for the first.
    pub async fn receive(&self, wait: Duration) -> Result<Vec<IngestMessage>, QueueError> {
        let wait = i32::try_from(wait.as_secs().min(20)).unwrap_or(20);
        let received = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(10)
            .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
            .wait_time_seconds(wait)
            .send()
            .await
            .map_err(backend)?;
        Ok(received
            .messages()
            .iter()
            .filter_map(|m| {
                Some(IngestMessage {
                    id: m.message_id()?.to_owned(),
                    receipt: m.receipt_handle()?.to_owned(),
                    body: m.body().unwrap_or_default().to_owned(),
                    sent_at: m
                        .attributes()
                        .and_then(|a| a.get(&MessageSystemAttributeName::SentTimestamp))
                        .and_then(|t| t.parse().ok()),
                })
            })
            .collect())
    }

    /// Done with it: published, or refused and dead-lettered.
    pub async fn delete(&self, receipt: &str) -> Result<(), QueueError> {
        self.client
            .delete_message()
            .queue_url(&self.url)
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }

    /// Not done (an outage): visible again after `RETRY_DELAY`.
    pub async fn retry_later(&self, receipt: &str) -> Result<(), QueueError> {
        self.client
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(receipt)
            .visibility_timeout(i32::try_from(RETRY_DELAY.as_secs()).unwrap_or(5))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }
}
