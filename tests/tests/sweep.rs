//! The sweep: a publish that stored its event but never queued its deliveries (it died in
//! between, or the queue was down) leaves them pending with no task; the sweep, past the
//! grace period, queues them under the event's id, once, and leaves alone the deliveries
//! that were attempted. Both backends.

use hookline::domain::{Event, EventData, EventId, EventType, TenantId, Timestamp, WebhookId};
use hookline::publish::{NewEvent, publish_one};
use hookline::queue::{NotSent, QueueError, Received, Task, TaskQueue};
use hookline::sweep::{store_marked, sweep};
use hookline_tests::receiver::{Answer, Receiver};
use hookline_tests::{KEY_A, TestServer, eventually, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

/// A delivery queue that is down: nothing can be sent.
struct DownQueue;

#[async_trait::async_trait]
impl TaskQueue for DownQueue {
    async fn send_batch(&self, tasks: &[(Task, Duration)]) -> Result<(), NotSent> {
        Err(NotSent {
            error: QueueError::Backend("the queue is down".into()),
            tasks: tasks.iter().map(|(task, _)| task.clone()).collect(),
        })
    }
    async fn receive(&self, _max: usize, _wait: Duration) -> Result<Vec<Received>, QueueError> {
        Ok(Vec::new())
    }
    async fn ack(&self, _receipt: &str) -> Result<(), QueueError> {
        Ok(())
    }
    async fn extend(&self, _receipt: &str, _visibility: Duration) -> Result<(), QueueError> {
        Ok(())
    }
    async fn release(&self, _receipt: &str, _delay: Duration) -> Result<(), QueueError> {
        Ok(())
    }
}

fn tenant() -> TenantId {
    TenantId::parse("tenant-a").unwrap()
}

/// Registers a webhook on the receiver's `path` for `event_type`; its id.
async fn hook(server: &TestServer, receiver: &Receiver, path: &str, event_type: &str) -> WebhookId {
    let created = server
        .post(
            KEY_A,
            "/v1/webhooks",
            json!({"url": receiver.url(path), "event_types": [event_type]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    WebhookId::parse(created.body["id"].as_str().unwrap()).unwrap()
}

async fn publish(server: &TestServer, event_type: &str, data: Value) -> String {
    let body = json!({"event_type": event_type, "data": data});
    let published = server.post(KEY_A, "/v1/events", body).await;
    assert_eq!(published.status, StatusCode::ACCEPTED, "{}", published.body);
    published.body["id"].as_str().unwrap().to_owned()
}

on_both_backends!(
    deliveries_left_with_no_task_are_swept_once_under_their_events_id,
    |backend| async move {
        let mut server = TestServer::start(backend).await;
        server.skip_verification = true;
        let receiver = Receiver::start().await;
        let swept_hook = hook(&server, &receiver, "/swept", "a").await;
        hook(&server, &receiver, "/down", "b").await;
        receiver.always("/down", Answer::status(500));
        let ctx = server.running.ctx.clone();

        // Published as usual: one delivered (its first execution says so), one failed and
        // retrying (its record says so). The sweep leaves both alone.
        let through = publish(&server, "a", json!({"n": 0})).await;
        publish(&server, "b", json!({})).await;
        eventually(WAIT, "both first attempts", || async {
            let both =
                receiver.events_on("/swept").len() == 1 && !receiver.events_on("/down").is_empty();
            both.then_some(())
        })
        .await;

        // A publish that died between storing its event and queueing it.
        let crashed = Event {
            id: EventId::new(),
            tenant: tenant(),
            event_type: EventType::parse("a").unwrap(),
            data: EventData::from_object(&json!({"n": 1})).unwrap(),
            created_at: Timestamp::now(),
            matched: vec![swept_hook],
        };
        let expires = ctx.records_expire_at(crashed.created_at);
        let stored = store_marked(&ctx, &[&crashed], expires).await;
        assert!(stored.iter().all(Result::is_ok), "{stored:?}");
        // A publish whose queue was down (it answered 500): stored, not queued.
        let mut down = ctx.clone();
        down.queue = Arc::new(DownQueue);
        let data = json!({"n": 2});
        let unqueued = NewEvent {
            tenant: tenant(),
            event_type: EventType::parse("a").unwrap(),
            encoded: EventData::from_object(&data).unwrap(),
            data,
            idempotency_key: None,
        };
        assert!(publish_one(&down, unqueued).await.is_err());

        // Within the grace period the sweep leaves them (their publish may be queueing).
        let swept = sweep(&ctx, Timestamp::now()).await.unwrap();
        assert_eq!(swept.deliveries, 0, "{swept:?}");
        // Past it, it queues them, and only them.
        let later = Timestamp::now().plus(ctx.config.sweep_grace + Duration::from_secs(120));
        let swept = sweep(&ctx, later).await.unwrap();
        assert_eq!((swept.events, swept.deliveries), (2, 2), "{swept:?}");
        let arrived = eventually(WAIT, "the swept deliveries", || async {
            let got = receiver.events_on("/swept");
            (got.len() == 3).then_some(got)
        })
        .await;
        let ids: Vec<&str> = arrived
            .iter()
            .map(|r| r.headers["webhook-id"].to_str().unwrap())
            .collect();
        assert_eq!(ids[0], through);
        assert!(ids.contains(&crashed.id.to_string().as_str()), "{ids:?}");
        let bodies: Vec<Value> = arrived.iter().map(|r| r.json()["data"].clone()).collect();
        assert!(bodies.contains(&json!({"n": 1})) && bodies.contains(&json!({"n": 2})));

        // Swept again, and later: nothing more.
        assert_eq!(sweep(&ctx, later).await.unwrap().deliveries, 0);
        let even_later = later.plus(Duration::from_secs(300));
        assert_eq!(sweep(&ctx, even_later).await.unwrap().deliveries, 0);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(receiver.events_on("/swept").len(), 3);
        let view = server
            .get(KEY_A, &format!("/v1/events/{}", crashed.id))
            .await
            .body;
        assert_eq!(view["deliveries"][0]["status"], "succeeded", "{view}");
    }
);
