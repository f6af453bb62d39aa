//! Idempotent publishing without a crash window: the key names its event from the first
//! claim on, so a publish sent again after the first one died (at any point) or failed part
//! way answers 202 with the same id and queues what the first did not, once. Both backends.

use hookline::domain::{Event, EventData, EventId, EventType, TenantId, Timestamp, WebhookId};
use hookline::publish::{NewEvent, PublishError, publish_one};
use hookline::queue::{NotSent, QueueError, Received, Task, TaskQueue};
use hookline::store::{Claim, KeyHold};
use hookline_tests::receiver::Receiver;
use hookline_tests::{Backend, KEY_A, TestServer, eventually, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);
/// How long a test watches for a second delivery that must not come.
const SETTLE: Duration = Duration::from_millis(1500);

async fn server(backend: Backend) -> TestServer {
    let mut server = TestServer::start(backend).await;
    server.skip_verification = false;
    server
}

fn tenant() -> TenantId {
    TenantId::parse("tenant-a").unwrap()
}

/// A verified webhook on the receiver's `path` for event type `a`; its id.
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

/// `POST /v1/events` with `key`: status and body.
async fn publish(server: &TestServer, key: &str) -> (StatusCode, Value) {
    let reply = server
        .http
        .post(format!("{}/v1/events", server.base))
        .bearer_auth(KEY_A)
        .header("idempotency-key", key)
        .json(&json!({"event_type": "a", "data": {"n": 1}}))
        .send()
        .await
        .unwrap();
    let status = reply.status();
    (status, reply.json().await.unwrap())
}

/// A publish of `key` that died after claiming it for a new event: its hold lapses at
/// `until`.
async fn died_holding(server: &TestServer, key: &str, until: Timestamp) -> EventId {
    let event = EventId::new();
    let now = Timestamp::now();
    let hold = KeyHold {
        event,
        until,
        expires_at: now.plus(Duration::from_secs(3600)),
    };
    let ctx = &server.running.ctx;
    let claim = ctx
        .events
        .claim_idempotency_key(&tenant(), key, hold, now)
        .await;
    assert_eq!(claim.unwrap(), Claim::Claimed);
    event
}

/// The event that publish stored before it died.
async fn stored(server: &TestServer, id: EventId, matched: Vec<WebhookId>) -> Event {
    let data = json!({"n": 1});
    let created_at = Timestamp::from_millis(id.unix_millis() as i64).unwrap();
    let event = Event {
        id,
        tenant: tenant(),
        event_type: EventType::parse("a").unwrap(),
        data: EventData::from_object(&data).unwrap(),
        created_at,
        matched,
    };
    let ctx = &server.running.ctx;
    let expires = Timestamp::now().plus(Duration::from_secs(3600));
    ctx.events.put_event(&event, expires).await.unwrap();
    event
}

/// The `webhook-id`s of the deliveries `path` received.
fn delivered_ids(receiver: &Receiver, path: &str) -> Vec<String> {
    receiver
        .events_on(path)
        .iter()
        .map(|r| r.headers["webhook-id"].to_str().unwrap().to_owned())
        .collect()
}

/// Waits for one delivery on `path`, then watches a while that no second one comes.
async fn delivered_once(receiver: &Receiver, path: &str) -> String {
    eventually(WAIT, "the delivery", || async {
        (!receiver.events_on(path).is_empty()).then_some(())
    })
    .await;
    tokio::time::sleep(SETTLE).await;
    let ids = delivered_ids(receiver, path);
    assert_eq!(ids.len(), 1, "delivered once, not {ids:?}");
    ids[0].clone()
}

on_both_backends!(
    a_key_whose_publish_died_is_free_after_its_hold_and_names_the_same_event,
    |backend| async move {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        hook(&server, &receiver, "/died").await;
        let held = Timestamp::now().plus(Duration::from_millis(1500));
        let first = died_holding(&server, "died", held).await;
        let (status, problem) = publish(&server, "died").await;
        assert_eq!(status, StatusCode::CONFLICT, "{problem}");
        assert_eq!(problem["type"], "idempotency_key_in_use");
        // The hold lapses: the key resumes the event it names, under its id.
        let (status, body) = eventually(WAIT, "the hold to lapse", || async {
            let (status, body) = publish(&server, "died").await;
            (status != StatusCode::CONFLICT).then_some((status, body))
        })
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        assert_eq!(body["id"], first.to_string(), "the same event id");
        assert_eq!(delivered_once(&receiver, "/died").await, first.to_string());
        let (status, again) = publish(&server, "died").await;
        assert_eq!((status, &again["id"]), (StatusCode::ACCEPTED, &body["id"]));
    }
);

on_both_backends!(
    a_publish_that_died_after_storing_is_queued_by_the_next_one,
    |backend| async move {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let webhook = hook(&server, &receiver, "/stored").await;
        let first = died_holding(&server, "stored", Timestamp::now()).await;
        stored(&server, first, vec![webhook]).await;
        let (status, body) = publish(&server, "stored").await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        assert_eq!(body["id"], first.to_string());
        assert_eq!(
            delivered_once(&receiver, "/stored").await,
            first.to_string()
        );
    }
);

on_both_backends!(
    a_publish_that_died_after_queueing_is_not_delivered_twice,
    |backend| async move {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let webhook = hook(&server, &receiver, "/queued").await;
        let first = died_holding(&server, "queued", Timestamp::now()).await;
        let event = stored(&server, first, vec![webhook]).await;
        let ctx = &server.running.ctx;
        let tasks = hookline::delivery::enqueue::first_tasks(&event, &event.payload());
        assert!(
            hookline::delivery::enqueue::publish(ctx, tasks)
                .await
                .is_ok()
        );
        eventually(WAIT, "the first publish's delivery", || async {
            (!receiver.events_on("/queued").is_empty()).then_some(())
        })
        .await;
        // It died before answering: the key sent again answers the event, sends nothing new.
        let (status, body) = publish(&server, "queued").await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        assert_eq!(body["id"], first.to_string());
        assert_eq!(
            delivered_once(&receiver, "/queued").await,
            first.to_string()
        );
    }
);

/// A queue that refuses every task for one webhook, and passes the others on.
struct RefusesOne {
    inner: Arc<dyn TaskQueue>,
    refused: WebhookId,
}

impl RefusesOne {
    fn refuses(&self, task: &Task) -> bool {
        matches!(task, Task::Deliver(d) if d.webhook_id == self.refused)
    }
}

#[async_trait::async_trait]
impl TaskQueue for RefusesOne {
    async fn send_batch(&self, tasks: &[(Task, Duration)]) -> Result<(), NotSent> {
        let (refused, passed): (Vec<_>, Vec<_>) =
            tasks.iter().cloned().partition(|(t, _)| self.refuses(t));
        self.inner.send_batch(&passed).await?;
        if refused.is_empty() {
            return Ok(());
        }
        Err(NotSent {
            error: QueueError::Backend("injected fault".into()),
            tasks: refused.into_iter().map(|(t, _)| t).collect(),
        })
    }
    async fn receive(&self, max: usize, wait: Duration) -> Result<Vec<Received>, QueueError> {
        self.inner.receive(max, wait).await
    }
    async fn ack(&self, receipt: &str) -> Result<(), QueueError> {
        self.inner.ack(receipt).await
    }
    async fn extend(&self, receipt: &str, visibility: Duration) -> Result<(), QueueError> {
        self.inner.extend(receipt, visibility).await
    }
    async fn release(&self, receipt: &str, delay: Duration) -> Result<(), QueueError> {
        self.inner.release(receipt, delay).await
    }
}

on_both_backends!(
    a_partial_queue_failure_keeps_the_key_and_queues_only_what_was_not_sent,
    |backend| async move {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        hook(&server, &receiver, "/sent").await;
        let refused = hook(&server, &receiver, "/unsent").await;
        let mut ctx = server.running.ctx.clone();
        ctx.queue = Arc::new(RefusesOne {
            inner: ctx.queue.clone(),
            refused,
        });
        let data = json!({"n": 1});
        let event = NewEvent {
            tenant: tenant(),
            event_type: EventType::parse("a").unwrap(),
            encoded: EventData::from_object(&data).unwrap(),
            data,
            idempotency_key: Some("partial".into()),
        };
        let failed = publish_one(&ctx, event).await;
        assert!(matches!(failed, Err(PublishError::Internal)));
        let first = delivered_once(&receiver, "/sent").await;
        // The client's retry, at once: the same event, and only the delivery not queued.
        let (status, body) = publish(&server, "partial").await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        assert_eq!(body["id"], first);
        assert_eq!(delivered_once(&receiver, "/unsent").await, first);
        assert_eq!(delivered_ids(&receiver, "/sent"), vec![first.clone()]);
    }
);
