//! SQS adapter of the task queue. Bodies are the task's JSON; delays longer than SQS allows
//! are clamped here and completed by hops (`DeliverTask::not_before`). Any number of tasks
//! is sent in batches of what SQS takes (`batches`). Every task carries its tenant as its
//! `MessageGroupId`, which makes the standard queue an SQS fair queue (docs/architecture.md).

use super::{MAX_DELAY, NotSent, QueueError, Received, Task, TaskQueue};
use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{
    MessageSystemAttributeName, QueueAttributeName, SendMessageBatchRequestEntry,
};
use std::time::Duration;

/// SQS takes at most 10 messages per batch call.
const BATCH: usize = 10;
/// The longest long poll SQS allows.
const MAX_WAIT: Duration = Duration::from_secs(20);

#[derive(Clone)]
pub struct SqsQueue {
    client: Client,
    url: String,
}

fn backend(error: impl Into<crate::store::BoxError>) -> QueueError {
    QueueError::Backend(error.into())
}

/// SQS takes a batch of at most 256 KiB in all.
const BATCH_BYTES: usize = 256 * 1024;

/// A task as SQS takes it.
struct Encoded {
    body: String,
    /// Whole seconds.
    delay: i32,
    /// The tenant, as the fair queue's message group; none for an operator notice, which
    /// a fair queue then counts as a tenant of its own.
    group: Option<String>,
}

/// Consecutive runs of at most `BATCH` messages and `BATCH_BYTES` bytes.
fn batches(encoded: &[Encoded]) -> Vec<&[Encoded]> {
    let mut batches = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, Encoded { body, .. }) in encoded.iter().enumerate() {
        let full = i - start == BATCH || (i > start && bytes + body.len() > BATCH_BYTES);
        if full {
            batches.extend(encoded.get(start..i));
            (start, bytes) = (i, 0);
        }
        bytes += body.len();
    }
    if start < encoded.len() {
        batches.extend(encoded.get(start..));
    }
    batches
}

/// Whole seconds, rounded up, as SQS counts them.
fn seconds(duration: Duration) -> i32 {
    let whole = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    i32::try_from(whole).unwrap_or(i32::MAX)
}

impl SqsQueue {
    pub fn new(client: Client, url: impl Into<String>) -> Self {
        Self {
            client,
            url: url.into(),
        }
    }

    /// A client from the environment, or against `endpoint` (moto) with dummy credentials
    /// and region when the environment has none, as for DynamoDB.
    pub async fn client(endpoint: Option<&str>) -> Client {
        crate::aws::sqs_client(&crate::aws::sdk_config(endpoint).await)
    }

    /// Creates the queue (and its dead-letter queue, which takes a message after
    /// `max_receives` receives) unless it exists; returns the queue's URL. For the local
    /// server and the tests; in AWS the template creates both.
    pub async fn create_if_missing(
        client: &Client,
        name: &str,
        visibility_timeout: Duration,
        max_receives: u32,
    ) -> Result<String, QueueError> {
        let dlq = client
            .create_queue()
            .queue_name(format!("{name}-dlq"))
            .send()
            .await
            .map_err(backend)?;
        let dlq_url = dlq
            .queue_url()
            .ok_or_else(|| backend("no dead-letter queue url"))?;
        let dlq_arn = client
            .get_queue_attributes()
            .queue_url(dlq_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(backend)?
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
            .ok_or_else(|| backend("no dead-letter queue arn"))?;
        let redrive =
            serde_json::json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receives});
        let queue = client
            .create_queue()
            .queue_name(name)
            .attributes(
                QueueAttributeName::VisibilityTimeout,
                seconds(visibility_timeout).to_string(),
            )
            .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
            .send()
            .await
            .map_err(backend)?;
        queue
            .queue_url()
            .map(str::to_owned)
            .ok_or_else(|| backend("no queue url"))
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// One SendMessageBatch of encoded tasks. Entries SQS failed are sent again (a few
    /// times): the rest of the batch is sent.
    async fn send_entries(&self, batch: &[Encoded]) -> Result<(), QueueError> {
        let mut entries = Vec::with_capacity(batch.len());
        for (i, task) in batch.iter().enumerate() {
            let entry = SendMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .message_body(task.body.as_str())
                .delay_seconds(task.delay)
                .set_message_group_id(task.group.clone())
                .build()
                .map_err(backend)?;
            entries.push(entry);
        }
        for round in 0..3 {
            let sent = self
                .client
                .send_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries.clone()))
                .send()
                .await
                .map_err(backend)?;
            let failed: Vec<&str> = sent.failed().iter().map(|f| f.id()).collect();
            if failed.is_empty() {
                break;
            }
            if round == 2 {
                let first = sent.failed().first();
                return Err(backend(format!(
                    "{} of {} messages were not sent: {}",
                    failed.len(),
                    entries.len(),
                    first.map_or("", |f| f.message().unwrap_or(f.code()))
                )));
            }
            entries.retain(|e| failed.contains(&e.id()));
        }
        Ok(())
    }
}

#[async_trait]
impl TaskQueue for SqsQueue {
    /// Ten to a request (and 256 KiB), the requests at once: SQS answers each in
    /// milliseconds. A request that fails leaves its own tasks unsent, not the others.
    async fn send_batch(&self, tasks: &[(Task, Duration)]) -> Result<(), NotSent> {
        let mut encoded = Vec::with_capacity(tasks.len());
        for (task, delay) in tasks {
            let body = serde_json::to_string(task).map_err(|e| NotSent {
                error: QueueError::Malformed(e),
                tasks: tasks.iter().map(|(task, _)| task.clone()).collect(),
            })?;
            encoded.push(Encoded {
                body,
                delay: seconds((*delay).min(MAX_DELAY)),
                group: task.tenant().map(|tenant| tenant.as_str().to_owned()),
            });
        }
        let batches = batches(&encoded);
        let results =
            futures::future::join_all(batches.iter().map(|batch| self.send_entries(batch))).await;
        let mut unsent: Option<NotSent> = None;
        let mut start = 0;
        for (batch, result) in batches.iter().zip(results) {
            let sent = tasks.get(start..start + batch.len()).unwrap_or_default();
            start += batch.len();
            if let Err(error) = result {
                let failed = unsent.get_or_insert_with(|| NotSent {
                    error,
                    tasks: Vec::new(),
                });
                failed
                    .tasks
                    .extend(sent.iter().map(|(task, _)| task.clone()));
            }
        }
        unsent.map_or(Ok(()), Err)
    }

    async fn receive(&self, max: usize, wait: Duration) -> Result<Vec<Received>, QueueError> {
        let max = i32::try_from(max.clamp(1, BATCH)).unwrap_or(1);
        let received = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max)
            .wait_time_seconds(seconds(wait.min(MAX_WAIT)))
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .customize()
            .config_override(
                aws_sdk_sqs::config::Builder::default()
                    .timeout_config(crate::aws::receive_timeouts(wait.min(MAX_WAIT))),
            )
            .send()
            .await
            .map_err(backend)?;
        let mut tasks = Vec::new();
        for message in received.messages() {
            let (Some(body), Some(receipt)) = (message.body(), message.receipt_handle()) else {
                continue;
            };
            let receive_count = message
                .attributes()
                .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                .and_then(|n| n.parse().ok())
                .unwrap_or(1);
            match serde_json::from_str::<Task>(body) {
                Ok(task) => tasks.push(Received {
                    task,
                    receipt: receipt.to_owned(),
                    receive_count,
                }),
                // Left alone, a message nobody understands reaches the dead-letter queue.
                Err(e) => {
                    tracing::error!(error = %e, message_id = message.message_id().unwrap_or(""), "malformed task")
                }
            }
        }
        Ok(tasks)
    }

    async fn ack(&self, receipt: &str) -> Result<(), QueueError> {
        self.client
            .delete_message()
            .queue_url(&self.url)
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn extend(&self, receipt: &str, visibility: Duration) -> Result<(), QueueError> {
        // ChangeMessageVisibility counts from now and keeps the receipt handle valid.
        self.release(receipt, visibility).await
    }

    async fn release(&self, receipt: &str, delay: Duration) -> Result<(), QueueError> {
        self.client
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(receipt)
            .visibility_timeout(seconds(delay.min(MAX_DELAY)))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_hold_ten_messages_and_256_kib_at_most() {
        let encoded = |size: usize| Encoded {
            body: "x".repeat(size),
            delay: 0,
            group: None,
        };
        let small: Vec<Encoded> = (0..25).map(|_| encoded(10)).collect();
        let sizes: Vec<usize> = batches(&small).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, vec![10, 10, 5]);
        let big: Vec<Encoded> = (0..10).map(|_| encoded(30 * 1024)).collect();
        for batch in batches(&big) {
            let bytes: usize = batch.iter().map(|e| e.body.len()).sum();
            assert!(bytes <= BATCH_BYTES, "{bytes}");
        }
        assert_eq!(batches(&big).iter().map(|b| b.len()).sum::<usize>(), 10);
    }
}
