//! The task queue adapters pass the same suite.

use hookline::queue::memory::MemoryQueue;
use hookline::queue::sqs::SqsQueue;
use hookline_tests::conformance;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_queue_conforms() {
    let visibility = Duration::from_secs(2);
    conformance::task_queue(Arc::new(MemoryQueue::new(visibility)), visibility).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_queue_serves_tenants_in_turn() {
    let queue = Arc::new(MemoryQueue::new(Duration::from_secs(30)));
    conformance::task_queue_serves_tenants_in_turn(queue).await;
}

/// A fresh queue (and its dead-letter queue) on moto.
async fn sqs_queue(visibility: Duration) -> (aws_sdk_sqs::Client, String) {
    let client = SqsQueue::client(Some(&hookline_tests::emulator_endpoint())).await;
    let name = hookline_tests::unique_table();
    let url = SqsQueue::create_if_missing(&client, &name, visibility, 5)
        .await
        .unwrap();
    (client, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqs_queue_conforms() {
    let visibility = Duration::from_secs(2);
    let (client, url) = sqs_queue(visibility).await;
    conformance::task_queue(Arc::new(SqsQueue::new(client, url)), visibility).await;
}

/// Every task reaches SQS with its tenant as its message group, which is what makes the
/// standard queue a fair queue; an operator notice has none (a group of its own there).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqs_tasks_carry_their_tenant_as_message_group() {
    use aws_sdk_sqs::types::MessageSystemAttributeName;
    use hookline::domain::{EventId, EventType, TenantId, Trigger, WebhookId};
    use hookline::queue::{DeliverTask, NotifyTask, Task, TaskQueue};
    let (client, url) = sqs_queue(Duration::from_secs(30)).await;
    let queue = SqsQueue::new(client.clone(), url.clone());
    let tenant = TenantId::parse("tenant-b").unwrap();
    let deliver = Task::Deliver(DeliverTask::new(
        tenant.clone(),
        EventId::new(),
        WebhookId::new(),
        1,
        Trigger::Event,
    ));
    let recover = Task::Recover {
        tenant: tenant.clone(),
        webhook_id: WebhookId::new(),
        since: None,
        until: 0,
        after: None,
        holder: 0,
    };
    let notice = Task::Notify(NotifyTask::first(
        EventId::new(),
        EventType::parse("hookline.webhook.disabled").unwrap(),
        "{}".into(),
    ));
    let tasks = [deliver, recover, notice];
    let sent: Vec<_> = tasks.iter().map(|t| (t.clone(), Duration::ZERO)).collect();
    queue.send(&sent).await.unwrap();

    let mut groups = Vec::new();
    while groups.len() < tasks.len() {
        let received = client
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .wait_time_seconds(2)
            .message_system_attribute_names(MessageSystemAttributeName::MessageGroupId)
            .send()
            .await
            .unwrap();
        assert!(!received.messages().is_empty(), "lost: {groups:?}");
        for message in received.messages() {
            let task: Task = serde_json::from_str(message.body().unwrap()).unwrap();
            let group = message
                .attributes()
                .and_then(|a| a.get(&MessageSystemAttributeName::MessageGroupId))
                .cloned();
            groups.push((task.tenant().map(|t| t.as_str().to_owned()), group));
        }
    }
    for (tenant, group) in groups {
        assert_eq!(tenant, group);
    }
}
