//! A task received twice, and a task in flight while its webhook is deleted: at-least-once
//! queues redeliver, so the worker must neither start a second retry chain nor send after a
//! delete has answered. Both backends; tasks are run through `worker::process` directly, on
//! a queue of their own that no worker drains.

use hookline::delivery::worker::{Outcome, process};
use hookline::domain::{
    Delivery, Event, EventData, EventId, EventType, ListedEvent, TenantId, TimeRange, Timestamp,
    WebhookId,
};
use hookline::queue::memory::MemoryQueue;
use hookline::queue::{Carried, DeliverTask, Task, TaskQueue};
use hookline::store::{Claim, EventStore, KeyHold, StoreError};
use hookline_tests::receiver::{Answer, Receiver};
use hookline_tests::{Backend, KEY_A, TestServer, on_both_backends};
use reqwest::StatusCode;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn server(backend: Backend) -> TestServer {
    let mut server = TestServer::start(backend).await;
    server.skip_verification = false;
    server
}

fn tenant() -> TenantId {
    TenantId::parse("tenant-a").unwrap()
}

/// Registers a webhook on the receiver's `path` for type `a`; its id.
async fn hook(server: &TestServer, receiver: &Receiver, path: &str) -> WebhookId {
    let created = server
        .post(
            KEY_A,
            "/v1/webhooks",
            json!({"url": receiver.url(path), "event_types": ["a"]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    WebhookId::parse(created.body["id"].as_str().unwrap()).unwrap()
}

/// Every task the queue holds, waiting out delays up to `patience` for the next one.
async fn drain(queue: &MemoryQueue, patience: Duration) -> Vec<Task> {
    let mut tasks = Vec::new();
    loop {
        let got = queue.receive(10, patience).await.unwrap();
        if got.is_empty() {
            return tasks;
        }
        tasks.extend(got.into_iter().map(|r| r.task));
    }
}

on_both_backends!(
    a_task_received_again_after_its_retry_was_queued_does_nothing,
    |backend| async move {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let webhook_id = hook(&server, &receiver, "/down").await;
        receiver.always("/down", Answer::status(500));
        let mut ctx = server.running.ctx.clone();
        let queue = Arc::new(MemoryQueue::new(Duration::from_secs(30)));
        ctx.queue = queue.clone();
        let carried = Carried {
            event_type: EventType::parse("a").unwrap(),
            payload: "{}".into(),
        };
        let first = Task::Deliver(DeliverTask::first(
            tenant(),
            EventId::new(),
            webhook_id,
            Some(carried),
        ));
        assert!(matches!(
            process(&ctx, &first).await.unwrap(),
            Outcome::Retrying { .. }
        ));
        // The same task again (its message came back after it was processed): nothing.
        assert_eq!(process(&ctx, &first).await.unwrap(), Outcome::Duplicate);
        assert_eq!(receiver.events_on("/down").len(), 1, "one attempt 1");
        // Longer than the retry delay (1 s, 20 % jitter): a second retry would show.
        let retries = drain(&queue, Duration::from_millis(2500)).await;
        assert_eq!(retries.len(), 1, "one retry chain: {retries:?}");
        // The retry runs, queues the last attempt; the first task coming back once more
        // still does nothing, and neither does the retry.
        let retry = &retries[0];
        assert!(matches!(
            process(&ctx, retry).await.unwrap(),
            Outcome::Retrying { .. }
        ));
        assert_eq!(process(&ctx, &first).await.unwrap(), Outcome::Duplicate);
        assert_eq!(process(&ctx, retry).await.unwrap(), Outcome::Duplicate);
        assert_eq!(
            receiver.events_on("/down").len(),
            2,
            "attempts 1 and 2 once each"
        );
        let last = drain(&queue, Duration::from_millis(2500)).await;
        assert_eq!(last.len(), 1, "one attempt 3: {last:?}");
    }
);

on_both_backends!(
    no_attempt_starts_after_a_delete_answered,
    |backend| async move {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let webhook_id = hook(&server, &receiver, "/late").await;
        receiver.always("/late", Answer::status(200));
        // The event is stored, not carried: the attempt reads it after it read the webhook,
        // slowly, so the delete falls between the two.
        let mut ctx = server.running.ctx.clone();
        let event = Event {
            id: EventId::new(),
            tenant: tenant(),
            event_type: EventType::parse("a").unwrap(),
            data: EventData::from_object(&json!({})).unwrap(),
            created_at: Timestamp::now(),
            matched: vec![webhook_id],
        };
        let expires = ctx.records_expire_at(event.created_at);
        ctx.events.put_event(&event, expires).await.unwrap();
        ctx.events = Arc::new(SlowEvents {
            inner: ctx.events.clone(),
            delay: Duration::from_millis(1500),
        });
        ctx.queue = Arc::new(MemoryQueue::new(Duration::from_secs(30)));
        let task = Task::Deliver(DeliverTask::first(tenant(), event.id, webhook_id, None));
        let attempt = tokio::spawn(async move { process(&ctx, &task).await.unwrap() });
        tokio::time::sleep(Duration::from_millis(300)).await;
        let deleted = server
            .delete(KEY_A, &format!("/v1/webhooks/{webhook_id}"))
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        let answered = Instant::now();
        assert_eq!(attempt.await.unwrap(), Outcome::Dropped);
        let late: Vec<_> = receiver
            .on("/late")
            .into_iter()
            .filter(|r| r.at >= answered)
            .collect();
        assert!(late.is_empty(), "{} requests after the 204", late.len());
        assert!(receiver.events_on("/late").is_empty());
    }
);

/// An event store whose event reads take `delay`.
struct SlowEvents {
    inner: Arc<dyn EventStore>,
    delay: Duration,
}

#[async_trait::async_trait]
impl EventStore for SlowEvents {
    async fn put_event(&self, event: &Event, expires_at: Timestamp) -> Result<bool, StoreError> {
        self.inner.put_event(event, expires_at).await
    }
    async fn get_event(
        &self,
        tenant: &TenantId,
        id: &EventId,
        now: Timestamp,
    ) -> Result<Option<Event>, StoreError> {
        tokio::time::sleep(self.delay).await;
        self.inner.get_event(tenant, id, now).await
    }
    async fn list_events(
        &self,
        tenant: &TenantId,
        range: TimeRange,
        before: Option<&EventId>,
        limit: usize,
        with_data: bool,
        now: Timestamp,
    ) -> Result<Vec<ListedEvent>, StoreError> {
        self.inner
            .list_events(tenant, range, before, limit, with_data, now)
            .await
    }
    async fn put_deliveries(
        &self,
        tenant: &TenantId,
        deliveries: &[Delivery],
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.inner
            .put_deliveries(tenant, deliveries, expires_at)
            .await
    }
    async fn list_deliveries(
        &self,
        tenant: &TenantId,
        event_id: &EventId,
        now: Timestamp,
    ) -> Result<Vec<Delivery>, StoreError> {
        self.inner.list_deliveries(tenant, event_id, now).await
    }
    async fn claim_idempotency_key(
        &self,
        tenant: &TenantId,
        key: &str,
        hold: KeyHold,
        now: Timestamp,
    ) -> Result<Claim, StoreError> {
        self.inner
            .claim_idempotency_key(tenant, key, hold, now)
            .await
    }
    async fn complete_idempotency_key(
        &self,
        tenant: &TenantId,
        key: &str,
        response: &str,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.inner
            .complete_idempotency_key(tenant, key, response, expires_at)
            .await
    }
    async fn hand_back_idempotency_key(
        &self,
        tenant: &TenantId,
        key: &str,
        unsent: &[WebhookId],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.inner
            .hand_back_idempotency_key(tenant, key, unsent, now)
            .await
    }

    async fn lease_rate(
        &self,
        tenant: &hookline::domain::TenantId,
        window: hookline::store::RateWindow,
        want: u32,
    ) -> Result<u32, hookline::store::StoreError> {
        self.inner.lease_rate(tenant, window, want).await
    }
}
