//! The ingest queue, as a product inside AWS uses it: events sent as SQS messages (on moto)
//! are published as `POST /v1/events` would publish them and delivered; bad messages mixed
//! in go to the ingest dead-letter queue with their reason, and the rest of the batch is
//! delivered. The `ingest-events` Lambda's handler on SQS events: an outage makes a message
//! come back, a refusal does not. With the tenant's publish rate spent, each event of a
//! message is published once, and throttling never moves a message to the dead-letter queue
//! (both backends: the rate's counter in memory or in DynamoDB, the queues on moto).

use async_trait::async_trait;
use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use aws_sdk_sqs::types::MessageSystemAttributeName;
use hookline::AppContext;
use hookline::config::Config;
use hookline::ingest::{DeadLetters, Refused, Requeue};
use hookline::queue::QueueError;
use hookline::queue::sqs::SqsQueue;
use hookline_tests::conformance;
use hookline_tests::receiver::Receiver;
use hookline_tests::{
    Backend, KEY_A, KEY_OPERATOR, TestServer, emulator_endpoint, eventually, on_both_backends,
};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

async fn sqs() -> aws_sdk_sqs::Client {
    SqsQueue::client(Some(&emulator_endpoint())).await
}

async fn queue_url(client: &aws_sdk_sqs::Client, name: &str) -> String {
    client
        .get_queue_url()
        .queue_name(name)
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned()
}

/// Every message now in the dead-letter queue: its body and its `reason` attribute.
async fn drain(client: &aws_sdk_sqs::Client, url: &str) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    loop {
        let received = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        if received.messages().is_empty() {
            return seen;
        }
        for m in received.messages() {
            let reason = m
                .message_attributes()
                .and_then(|a| a.get("reason"))
                .and_then(|v| v.string_value())
                .unwrap_or_default()
                .to_owned();
            seen.push((m.body().unwrap_or_default().to_owned(), reason));
            client
                .delete_message()
                .queue_url(url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
}

fn amounts(receiver: &Receiver) -> BTreeSet<i64> {
    receiver
        .events_on("/ingest")
        .iter()
        .filter_map(|r| r.json()["data"]["amount"].as_i64())
        .collect()
}

#[tokio::test]
async fn messages_on_the_ingest_queue_are_published_and_bad_ones_dead_lettered_with_a_reason() {
    let name = format!("ingest-{}", hookline_tests::unique_table());
    let queue_name = name.clone();
    let server = TestServer::start_with(Backend::DynamoDb, move |s| {
        s.ingest_queue_name = Some(queue_name);
    })
    .await;
    let receiver = Receiver::start().await;
    let created = server
        .call_for(
            Some(KEY_OPERATOR),
            None,
            Method::POST,
            "/v1/event-types",
            Some(json!({
                "name": "order.paid",
                "description": "An order was paid",
                "schema": {"type": "object", "required": ["amount"],
                           "properties": {"amount": {"type": "integer"}}},
            })),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    server
        .create_webhook(KEY_A, &receiver.url("/ingest"), &["order.paid"])
        .await;

    let client = sqs().await;
    let url = queue_url(&client, &name).await;
    let paid = |amount: i64| json!({"tenant": "tenant-a", "event_type": "order.paid", "data": {"amount": amount}});
    let keyed = json!({"tenant": "tenant-a", "event_type": "order.paid", "data": {"amount": 5},
                       "idempotency_key": "order-5"});
    let bodies: Vec<String> = vec![
        paid(1).to_string(),
        json!([paid(2), {"tenant": "tenant-a", "event_type": "order.paid", "data": {"amount": "ten"}}, paid(3)]).to_string(),
        "this is not JSON".into(),
        json!({"event_type": "order.paid", "data": {"amount": 4}}).to_string(),
        json!({"tenant": "Not A Tenant!", "event_type": "order.paid", "data": {"amount": 4}}).to_string(),
        Value::Array((0..11).map(paid).collect()).to_string(),
        keyed.to_string(),
        keyed.to_string(),
    ];
    for body in &bodies {
        client
            .send_message()
            .queue_url(&url)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }

    eventually(WAIT, "the good events delivered", || async {
        (amounts(&receiver) == BTreeSet::from([1, 2, 3, 5])).then_some(())
    })
    .await;
    let dead = eventually(WAIT, "five refusals dead-lettered", || async {
        let mut all = Vec::new();
        for _ in 0..3 {
            all.extend(drain(&client, &format!("{url}-dlq")).await);
            if all.len() >= 5 {
                return Some(all);
            }
        }
        None
    })
    .await;
    let reason_of = |needle: &str| {
        dead.iter()
            .find(|(body, _)| body.contains(needle))
            .map(|(_, reason)| reason.clone())
            .unwrap_or_else(|| panic!("no dead letter holds {needle}: {dead:?}"))
    };
    assert!(reason_of("\"ten\"").contains("/data/amount"), "{dead:?}");
    assert!(reason_of("this is not JSON").contains("is not JSON"));
    assert!(reason_of("\"amount\":4}}").contains("tenant"), "{dead:?}");
    assert!(reason_of("Not A Tenant!").contains("tenant:"), "{dead:?}");
    assert!(reason_of("\"amount\":10").contains("1 to 10 events"));
    assert_eq!(dead.len(), 5, "{dead:?}");

    // Nothing more arrives: the refused events were not published, the repeated key once.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let delivered = receiver.events_on("/ingest");
    assert_eq!(delivered.len(), 4, "one delivery per good event");
    assert_eq!(amounts(&receiver), BTreeSet::from([1, 2, 3, 5]));
    let listed = server.get(KEY_A, "/v1/events?limit=100").await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn the_local_server_needs_an_sqs_endpoint_for_an_ingest_queue() {
    let mut settings = hookline_tests::settings(Backend::Memory);
    settings.ingest_queue_name = Some("ingest".into());
    let error = hookline_local::spawn(&settings).await.err().unwrap();
    assert!(error.to_string().contains("--sqs-endpoint"), "{error}");
}

/// Messages sent again kept in memory, for the Lambda handler's test.
#[derive(Default)]
struct Later(Mutex<Vec<String>>);

#[async_trait]
impl Requeue for Later {
    async fn send_later(&self, body: &str, _delay: Duration) -> Result<(), QueueError> {
        self.0.lock().unwrap().push(body.to_owned());
        Ok(())
    }
}

/// Dead letters kept in memory, for the Lambda handler's test.
#[derive(Default)]
struct Kept(Mutex<Vec<(String, Refused)>>);

#[async_trait]
impl DeadLetters for Kept {
    async fn refuse(&self, message_id: &str, refused: &Refused) -> Result<(), QueueError> {
        self.0
            .lock()
            .unwrap()
            .push((message_id.to_owned(), refused.clone()));
        Ok(())
    }
}

fn record(id: &str, body: &str) -> SqsMessage {
    let mut message = SqsMessage::default();
    message.message_id = Some(id.into());
    message.body = Some(body.into());
    message
}

#[tokio::test]
async fn the_lambda_reports_only_messages_that_must_come_back() {
    // The delivery queue does not exist: publishing a matched event fails as in an outage.
    let client = sqs().await;
    let missing = format!("{}/000000000000/no-such-queue", emulator_endpoint());
    let ctx = AppContext::with_backends(
        Config::default(),
        hookline_tests::dynamo_store().await,
        Arc::new(SqsQueue::new(client.clone(), missing.clone())),
        Arc::new(SqsQueue::new(client, missing)),
    )
    .unwrap();
    let webhook = conformance::webhook("acme", "https://hooks.example.com/a", &["order.paid"]);
    ctx.webhooks
        .insert(&webhook, hookline::store::WebhookQuota::webhooks(1000))
        .await
        .unwrap();

    let mut event = SqsEvent::default();
    event.records = vec![
        record(
            "good-but-down",
            &json!({"tenant": "acme", "event_type": "order.paid", "data": {}}).to_string(),
        ),
        record(
            "unmatched",
            &json!({"tenant": "acme", "event_type": "order.refunded", "data": {}}).to_string(),
        ),
        record("bad", "{"),
    ];
    let kept = Kept::default();
    let later = Later::default();
    let response = hookline::lambda::ingest(&ctx, &kept, &later, event).await;
    let failed: Vec<String> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(failed, ["good-but-down"], "only the outage comes back");
    let kept = kept.0.into_inner().unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].0, "bad");
    assert!(kept[0].1.reason.contains("is not JSON"));
    assert!(
        later.0.into_inner().unwrap().is_empty(),
        "nothing throttled"
    );
}

/// One event a second: ten per ten-second window.
const PER_SECOND: u32 = 1;

/// A server with the ingest queue `name` and a publish rate of `PER_SECOND`; on the memory
/// backend its queues are on moto too (the ingest queue needs SQS), its store in memory.
async fn throttled_server(backend: Backend, name: &str) -> TestServer {
    let name = name.to_owned();
    TestServer::start_with(backend, move |s| {
        s.ingest_queue_name = Some(name);
        s.sqs_endpoint = Some(emulator_endpoint());
        s.shared.tenant_events_per_second = PER_SECOND;
    })
    .await
}

/// Publishes an event no webhook takes; its status.
async fn publish_unmatched(server: &TestServer, n: u64) -> reqwest::StatusCode {
    let body = json!({"event_type": "flood.test", "data": {"n": n}});
    server.post(KEY_A, "/v1/events", body).await.status
}

/// Spends tenant-a's window, waits for the next, and spends all but `left` of that one.
async fn leave_in_a_fresh_window(server: &TestServer, left: u32) {
    let retry_after = loop {
        let body = json!({"event_type": "flood.test", "data": {}});
        let reply = server.post(KEY_A, "/v1/events", body).await;
        if reply.status == 429 {
            break reply.headers["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
        }
        assert_eq!(reply.status, 202, "{}", reply.body);
    };
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    for n in 0..PER_SECOND * 10 - left {
        assert_eq!(publish_unmatched(server, u64::from(n)).await, 202);
    }
}

/// `count` order.paid events of tenant-a, `amount` 0 to count - 1, as one message.
fn paid_events(count: i64) -> String {
    let events: Vec<Value> = (0..count)
        .map(|n| json!({"tenant": "tenant-a", "event_type": "order.paid", "data": {"amount": n}}))
        .collect();
    Value::Array(events).to_string()
}

/// The deliveries on `/ingest`, by amount: the event ids each was delivered under.
fn delivered_ids(receiver: &Receiver) -> BTreeMap<i64, Vec<String>> {
    let mut ids = BTreeMap::<i64, Vec<String>>::new();
    for r in receiver.events_on("/ingest") {
        let id = r.headers["webhook-id"].to_str().unwrap().to_owned();
        ids.entry(r.json()["data"]["amount"].as_i64().unwrap())
            .or_default()
            .push(id);
    }
    ids
}

on_both_backends!(
    a_message_over_the_rate_publishes_each_of_its_events_once,
    |backend| async move {
        let name = format!("ingest-{}", hookline_tests::unique_table());
        let server = throttled_server(backend, &name).await;
        let receiver = Receiver::start().await;
        server
            .create_webhook(KEY_A, &receiver.url("/ingest"), &["order.paid"])
            .await;
        let client = sqs().await;
        let url = queue_url(&client, &name).await;

        // Five publishes left in the window: half the message now, half in the next.
        leave_in_a_fresh_window(&server, 5).await;
        let sent = client
            .send_message()
            .queue_url(&url)
            .message_body(paid_events(10));
        sent.send().await.unwrap();

        eventually(WAIT, "all ten events delivered", || async {
            (delivered_ids(&receiver).len() == 10).then_some(())
        })
        .await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        let ids = delivered_ids(&receiver);
        let deliveries: Vec<&String> = ids.values().flatten().collect();
        assert_eq!(deliveries.len(), 10, "one delivery per event: {ids:?}");
        let distinct: BTreeSet<&String> = deliveries.iter().copied().collect();
        assert_eq!(distinct.len(), 10, "ten event ids: {ids:?}");
        assert!(drain(&client, &format!("{url}-dlq")).await.is_empty());
    }
);

/// Makes the ingest queue `url` move a message to its dead-letter queue at its second
/// receive, so that throttling counted there would show at once.
async fn dead_letter_at_the_second_receive(client: &aws_sdk_sqs::Client, url: &str) {
    let arn = client
        .get_queue_attributes()
        .queue_url(format!("{url}-dlq"))
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes()
        .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
        .clone();
    let redrive = json!({"deadLetterTargetArn": arn, "maxReceiveCount": 1});
    client
        .set_queue_attributes()
        .queue_url(url)
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy,
            redrive.to_string(),
        )
        .send()
        .await
        .unwrap();
}

on_both_backends!(
    throttling_never_moves_a_message_to_the_dead_letter_queue,
    |backend| async move {
        let name = format!("ingest-{}", hookline_tests::unique_table());
        let server = Arc::new(throttled_server(backend, &name).await);
        let receiver = Receiver::start().await;
        server
            .create_webhook(KEY_A, &receiver.url("/ingest"), &["order.paid"])
            .await;
        let client = sqs().await;
        let url = queue_url(&client, &name).await;
        dead_letter_at_the_second_receive(&client, &url).await;

        // A flood spends each window's allowance as it opens, for three windows: the
        // message is throttled at every receive, more often than its maxReceiveCount.
        let flooding = {
            let server = server.clone();
            tokio::spawn(async move {
                let until = tokio::time::Instant::now() + Duration::from_secs(25);
                let mut n = 0;
                while tokio::time::Instant::now() < until {
                    n += 1;
                    publish_unmatched(&server, n).await;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        };
        tokio::time::sleep(Duration::from_secs(1)).await;
        let sent = client
            .send_message()
            .queue_url(&url)
            .message_body(paid_events(3));
        sent.send().await.unwrap();
        flooding.await.unwrap();

        eventually(WAIT, "the three events delivered", || async {
            (delivered_ids(&receiver).len() == 3).then_some(())
        })
        .await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let ids = delivered_ids(&receiver);
        assert!(ids.values().all(|ids| ids.len() == 1), "once each: {ids:?}");
        let dead = drain(&client, &format!("{url}-dlq")).await;
        assert!(dead.is_empty(), "nothing dead-lettered: {dead:?}");
    }
);
