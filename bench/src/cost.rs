//! `hookline-bench --cost`: the AWS bill per delivery, counted from the real handlers.
//!
//! The publish handler (`publish-event`, through `lambda::invoke_http` as API Gateway calls
//! it; or `ingest-events`, through `lambda::ingest` with the ingest queue's batches, for the
//! events a product sends to the ingest queue) and the delivery handler (`deliver-webhook`, through `lambda::deliver` with batches of
//! up to 10 records, as the event source mapping hands them) run against DynamoDB and SQS in
//! moto. An SDK interceptor on both clients sees every request: DynamoDB item sizes become
//! write and read units by DynamoDB's rules, SQS requests are counted as billed (64 KiB
//! chunks). The event source mapping's own receives and deletes are made here, counted too.
//! Lambda duration is measured around each handler call and billed per started millisecond
//! at 128 MB, arm64. Prices: us-east-1 list prices.

use anyhow::{Context, bail};
use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use aws_lambda_events::encodings::Body;
use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use hookline::AppContext;
use hookline::api::Function;
use hookline::config::{AuthMode, Config};
use hookline::domain::{
    EventTypePattern, EventTypes, TenantId, Webhook, WebhookSecret, WebhookSpec,
};
use hookline::queue::sqs::SqsQueue;
use hookline::store::dynamodb::DynamoStore;
use hookline::url_guard::{UrlPolicy, WebhookUrl};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const API_GATEWAY_PER_REQUEST: f64 = 1.00 / 1e6;
const LAMBDA_PER_REQUEST: f64 = 0.20 / 1e6;
const LAMBDA_PER_GB_SECOND: f64 = 0.000_013_333_4;
const LAMBDA_GB: f64 = 128.0 / 1024.0;
const SQS_PER_REQUEST: f64 = 0.40 / 1e6;
const DYNAMODB_PER_WRITE_UNIT: f64 = 0.625 / 1e6;
const DYNAMODB_PER_READ_UNIT: f64 = 0.125 / 1e6;

type Item = HashMap<String, AttributeValue>;

/// Who is making AWS requests now: the bench runs one phase at a time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Phase {
    #[default]
    Setup,
    Publish,
    /// The event source mapping: receives and deletes.
    EventSource,
    Delivery,
    /// `GET /v1/webhooks/{id}/stats`, after the run.
    Stats,
}

/// What the interceptor saw, per phase and operation.
#[derive(Debug, Default)]
struct Ledger {
    phase: Mutex<Phase>,
    /// (phase, operation) -> (billed requests, write units, read units).
    counts: Mutex<BTreeMap<(Phase, &'static str), [f64; 3]>>,
    /// Keys of updated items, measured after the run (an update costs its item's size).
    updated: Mutex<Vec<(Phase, &'static str, Item)>>,
}

impl Ledger {
    fn phase(&self) -> Phase {
        *self.phase.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_phase(&self, phase: Phase) {
        *self.phase.lock().unwrap_or_else(|e| e.into_inner()) = phase;
    }

    fn add(&self, operation: &'static str, requests: f64, writes: f64, reads: f64) {
        let phase = self.phase();
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let entry = counts.entry((phase, operation)).or_default();
        entry[0] += requests;
        entry[1] += writes;
        entry[2] += reads;
    }

    fn reset(&self) {
        self.counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.updated
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// Whether an operation's reads are strongly consistent, from its input to its output.
#[derive(Clone, Copy, Debug)]
struct Consistent(bool);

impl Storable for Consistent {
    type Storer = StoreReplace<Self>;
}

/// The SDK interceptor on both clients.
#[derive(Clone, Debug)]
struct Counter(Arc<Ledger>);

/// DynamoDB's item size: attribute names plus values (numbers about one byte per two
/// digits, lists and maps 3 bytes plus a byte per element).
fn value_size(value: &AttributeValue) -> usize {
    fn number(n: &str) -> usize {
        let digits = n
            .trim_start_matches('-')
            .replace('.', "")
            .trim_matches('0')
            .len()
            .max(1);
        digits.div_ceil(2) + 1
    }
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number(n),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::L(list) => 3 + list.iter().map(|v| value_size(v) + 1).sum::<usize>(),
        AttributeValue::M(map) => {
            3 + map
                .iter()
                .map(|(k, v)| k.len() + value_size(v) + 1)
                .sum::<usize>()
        }
        AttributeValue::Ss(set) => set.iter().map(String::len).sum(),
        AttributeValue::Ns(set) => set.iter().map(|n| number(n)).sum(),
        AttributeValue::Bs(set) => set.iter().map(|b| b.as_ref().len()).sum(),
        _ => 0,
    }
}

fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

/// Write units of one item write: one per started KB.
fn write_units(size: usize) -> f64 {
    size.div_ceil(1024).max(1) as f64
}

/// Read units of `size` bytes read at once: one per started 4 KB, half if eventually
/// consistent.
fn read_units(size: usize, consistent: bool) -> f64 {
    let units = size.div_ceil(4096).max(1) as f64;
    if consistent { units } else { units / 2.0 }
}

impl Intercept for Counter {
    fn name(&self) -> &'static str {
        "hookline-cost-counter"
    }

    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        use aws_sdk_dynamodb::operation as ddb;
        use aws_sdk_sqs::operation as sqs;
        let input = context.input();
        let ledger = &self.0;
        let consistent = |c: Option<bool>| Consistent(c.unwrap_or(false));
        if let Some(put) = input.downcast_ref::<ddb::put_item::PutItemInput>() {
            let size = put.item().map_or(0, item_size);
            ledger.add("DynamoDB PutItem", 1.0, write_units(size), 0.0);
        } else if let Some(update) = input.downcast_ref::<ddb::update_item::UpdateItemInput>() {
            ledger.add("DynamoDB UpdateItem", 1.0, 0.0, 0.0);
            if let Some(key) = update.key() {
                let mut updated = ledger.updated.lock().unwrap_or_else(|e| e.into_inner());
                updated.push((ledger.phase(), "DynamoDB UpdateItem", key.clone()));
            }
        } else if let Some(delete) = input.downcast_ref::<ddb::delete_item::DeleteItemInput>() {
            let _ = delete;
            ledger.add("DynamoDB DeleteItem", 1.0, 1.0, 0.0);
        } else if let Some(batch) =
            input.downcast_ref::<ddb::batch_write_item::BatchWriteItemInput>()
        {
            let units: f64 = batch
                .request_items()
                .into_iter()
                .flat_map(|items| items.values().flatten())
                .map(|w| {
                    w.put_request()
                        .map_or(1.0, |p| write_units(item_size(p.item())))
                })
                .sum();
            ledger.add("DynamoDB BatchWriteItem", 1.0, units, 0.0);
        } else if let Some(tx) =
            input.downcast_ref::<ddb::transact_write_items::TransactWriteItemsInput>()
        {
            // Transactions cost twice; an updated item is counted as one unit here.
            let units: f64 = tx
                .transact_items()
                .iter()
                .map(|t| 2.0 * t.put().map_or(1.0, |p| write_units(item_size(p.item()))))
                .sum();
            ledger.add("DynamoDB TransactWriteItems", 1.0, units, 0.0);
        } else if let Some(get) = input.downcast_ref::<ddb::get_item::GetItemInput>() {
            cfg.interceptor_state()
                .store_put(consistent(get.consistent_read()));
        } else if let Some(query) = input.downcast_ref::<ddb::query::QueryInput>() {
            cfg.interceptor_state()
                .store_put(consistent(query.consistent_read()));
        } else if let Some(batch) = input.downcast_ref::<ddb::batch_get_item::BatchGetItemInput>() {
            let strong = batch
                .request_items()
                .into_iter()
                .flat_map(|r| r.values())
                .any(|k| k.consistent_read() == Some(true));
            cfg.interceptor_state().store_put(Consistent(strong));
        } else if let Some(send) =
            input.downcast_ref::<sqs::send_message_batch::SendMessageBatchInput>()
        {
            let bytes: usize = send.entries().iter().map(|e| e.message_body().len()).sum();
            // A batch is billed per started 64 KiB of its messages.
            ledger.add(
                "SQS SendMessageBatch",
                bytes.div_ceil(64 * 1024).max(1) as f64,
                0.0,
                0.0,
            );
        } else if let Some(send) = input.downcast_ref::<sqs::send_message::SendMessageInput>() {
            let bytes = send.message_body().map_or(0, str::len);
            ledger.add(
                "SQS SendMessage",
                bytes.div_ceil(64 * 1024).max(1) as f64,
                0.0,
                0.0,
            );
        } else if input
            .downcast_ref::<sqs::receive_message::ReceiveMessageInput>()
            .is_some()
        {
            ledger.add("SQS ReceiveMessage", 1.0, 0.0, 0.0);
        } else if input
            .downcast_ref::<sqs::delete_message_batch::DeleteMessageBatchInput>()
            .is_some()
        {
            ledger.add("SQS DeleteMessageBatch", 1.0, 0.0, 0.0);
        } else if input
            .downcast_ref::<sqs::delete_message::DeleteMessageInput>()
            .is_some()
        {
            ledger.add("SQS DeleteMessage", 1.0, 0.0, 0.0);
        } else if input
            .downcast_ref::<sqs::change_message_visibility::ChangeMessageVisibilityInput>()
            .is_some()
        {
            ledger.add("SQS ChangeMessageVisibility", 1.0, 0.0, 0.0);
        } else {
            ledger.add("other", 1.0, 0.0, 0.0);
        }
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        use aws_sdk_dynamodb::operation as ddb;
        let Ok(output) = context.output_or_error() else {
            return Ok(());
        };
        let consistent = cfg.load::<Consistent>().is_some_and(|c| c.0);
        let ledger = &self.0;
        if let Some(get) = output.downcast_ref::<ddb::get_item::GetItemOutput>() {
            let size = get.item().map_or(0, item_size);
            ledger.add("DynamoDB GetItem", 1.0, 0.0, read_units(size, consistent));
        } else if let Some(query) = output.downcast_ref::<ddb::query::QueryOutput>() {
            let size: usize = query.items().iter().map(item_size).sum();
            ledger.add("DynamoDB Query", 1.0, 0.0, read_units(size, consistent));
        } else if let Some(batch) = output.downcast_ref::<ddb::batch_get_item::BatchGetItemOutput>()
        {
            let units: f64 = batch
                .responses()
                .into_iter()
                .flat_map(|r| r.values().flatten())
                .map(|item| read_units(item_size(item), consistent))
                .sum();
            ledger.add("DynamoDB BatchGetItem", 1.0, 0.0, units);
        }
        Ok(())
    }
}

/// One scenario's measurements.
struct Measured {
    label: String,
    events: usize,
    deliveries: usize,
    body_bytes: usize,
    /// (phase, operation) -> (billed requests, write units, read units).
    counts: BTreeMap<(Phase, &'static str), [f64; 3]>,
    via: Via,
    /// Lambda invocations and their billed milliseconds, per function (`publish_ms`: the
    /// publish function, or the ingest function).
    publish_ms: Vec<u64>,
    deliver_ms: Vec<u64>,
    /// One stats call over the run's executions of one webhook: how many it counted, its
    /// read units and billed milliseconds.
    stats: (u64, f64, u64),
}

impl Measured {
    fn lambda_dollars(ms: &[u64]) -> f64 {
        ms.iter()
            .map(|ms| LAMBDA_PER_REQUEST + LAMBDA_PER_GB_SECOND * LAMBDA_GB * (*ms as f64 / 1000.0))
            .sum()
    }

    fn phase_total(&self, phase: Phase) -> [f64; 3] {
        self.counts
            .iter()
            .filter(|((p, _), _)| *p == phase)
            .fold([0.0; 3], |a, (_, c)| {
                [a[0] + c[0], a[1] + c[1], a[2] + c[2]]
            })
    }

    fn aws_dollars(&self, phase: Phase) -> (f64, f64) {
        let sqs: f64 = self
            .counts
            .iter()
            .filter(|((p, op), _)| *p == phase && op.starts_with("SQS"))
            .map(|(_, c)| c[0] * SQS_PER_REQUEST)
            .sum();
        let [_, writes, reads] = self.phase_total(phase);
        let dynamodb = writes * DYNAMODB_PER_WRITE_UNIT + reads * DYNAMODB_PER_READ_UNIT;
        (sqs, dynamodb)
    }

    /// Dollars per delivery, by line, in print order.
    fn lines(&self) -> Vec<(String, String, f64)> {
        let per_delivery = 1.0 / self.deliveries.max(1) as f64;
        let per_event = self.events as f64 / self.deliveries.max(1) as f64;
        let mean = |ms: &[u64]| ms.iter().sum::<u64>() as f64 / ms.len().max(1) as f64;
        let (requests, publisher) = match self.via {
            Via::HttpApi => (per_event, "Lambda publish-event"),
            Via::IngestQueue { .. } => (0.0, "Lambda ingest-events"),
        };
        let mut lines = vec![
            (
                "API Gateway HTTP API".to_owned(),
                format!("{requests:.3} requests"),
                API_GATEWAY_PER_REQUEST * requests,
            ),
            (
                publisher.to_owned(),
                format!(
                    "{:.3} invocations, {:.1} ms each",
                    self.publish_ms.len() as f64 * per_delivery,
                    mean(&self.publish_ms)
                ),
                Self::lambda_dollars(&self.publish_ms) * per_delivery,
            ),
            (
                "Lambda deliver-webhook".to_owned(),
                format!(
                    "{:.3} invocations, {:.1} ms each",
                    self.deliver_ms.len() as f64 * per_delivery,
                    mean(&self.deliver_ms)
                ),
                Self::lambda_dollars(&self.deliver_ms) * per_delivery,
            ),
        ];
        for (phase, name) in [
            (Phase::Publish, "publish"),
            (Phase::EventSource, "event source"),
            (Phase::Delivery, "delivery"),
        ] {
            let (sqs, dynamodb) = self.aws_dollars(phase);
            let [_, writes, reads] = self.phase_total(phase);
            let ops: Vec<String> = self
                .counts
                .iter()
                .filter(|((p, _), _)| *p == phase)
                .map(|((_, op), c)| format!("{op} {:.2}", c[0] * per_delivery))
                .collect();
            let sqs_ops: Vec<String> = ops
                .iter()
                .filter(|o| o.starts_with("SQS"))
                .cloned()
                .collect();
            let ddb_ops: Vec<String> = ops
                .iter()
                .filter_map(|o| o.strip_prefix("DynamoDB "))
                .map(str::to_owned)
                .collect();
            if !sqs_ops.is_empty() {
                lines.push((
                    format!("SQS, {name}"),
                    sqs_ops.join(", "),
                    sqs * per_delivery,
                ));
            }
            if !ddb_ops.is_empty() {
                lines.push((
                    format!("DynamoDB, {name}"),
                    format!(
                        "{:.2} WCU, {:.2} RCU ({})",
                        writes * per_delivery,
                        reads * per_delivery,
                        ddb_ops.join(", ")
                    ),
                    dynamodb * per_delivery,
                ));
            }
        }
        lines
    }

    fn per_million(&self) -> f64 {
        self.lines().iter().map(|(_, _, d)| d).sum::<f64>() * 1e6
    }

    fn print(&self) {
        println!(
            "\n{}: {} events, {} deliveries, every first attempt succeeding, body {} bytes",
            self.label, self.events, self.deliveries, self.body_bytes
        );
        println!("  {:<26} {:<78} {:>10}", "", "per delivery", "$ per M");
        for (name, what, dollars) in self.lines() {
            println!("  {name:<26} {what:<78} {:>10.3}", dollars * 1e6);
        }
        println!("  {:<26} {:<78} {:>10.3}", "total", "", self.per_million());
        let (attempts, reads, ms) = self.stats;
        let call = reads * DYNAMODB_PER_READ_UNIT
            + LAMBDA_PER_REQUEST
            + LAMBDA_PER_GB_SECOND * LAMBDA_GB * (ms as f64 / 1000.0)
            + API_GATEWAY_PER_REQUEST;
        println!(
            "  stats counted when asked: one call over {attempts} executions read {reads:.2} RCU \
             in {ms} ms: ${:.2} per million calls; no write per delivery",
            call * 1e6
        );
        println!(
            "  stats kept as counters (one UpdateItem of a webhook-hour item per attempt, 1 WCU): \
             +${:.3} per million deliveries, total ${:.3}",
            DYNAMODB_PER_WRITE_UNIT * 1e6,
            self.per_million() + DYNAMODB_PER_WRITE_UNIT * 1e6
        );
    }
}

/// Counts requests to the receiver.
async fn receiver(count: Arc<AtomicU64>) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = axum::Router::new().fallback(move || {
        let count = count.clone();
        async move {
            count.fetch_add(1, Ordering::Relaxed);
            "ok"
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(base)
}

/// An API Gateway (HTTP API, payload 2.0) request, with the authorizer's verdict (tenant
/// and scopes) in its context, as a function receives it.
fn api_request(
    method: &str,
    path: &str,
    tenant: &str,
    scopes: &str,
    body: &str,
) -> anyhow::Result<ApiGatewayV2httpRequest> {
    let route = format!("{method} {path}");
    let event = json!({
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "host": "api.example.com"},
        "requestContext": {
            "routeKey": route, "accountId": "123456789012", "stage": "$default",
            "requestId": "bench", "apiId": "api", "domainName": "api.example.com",
            "domainPrefix": "api", "time": "02/Dec/2026:01:02:03 +0000", "timeEpoch": 0,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.9", "userAgent": "bench"},
            "authorizer": {"lambda": {"tenant": tenant, "scopes": scopes}}
        },
        "isBase64Encoded": false,
        "body": body,
    });
    serde_json::from_value(event).context("building an API request")
}

fn publish_request(tenant: &str, body: &str) -> anyhow::Result<ApiGatewayV2httpRequest> {
    api_request("POST", "/v1/events", tenant, "events:publish", body)
}

/// A scenario: `webhooks` webhooks of which `matching` want the event type, `events`
/// events published (`via`), then delivered in batches of up to 10.
struct Scenario {
    label: String,
    webhooks: usize,
    matching: usize,
    events: usize,
    via: Via,
}

/// How events are published.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Via {
    /// `POST /v1/events` through API Gateway, one event per request.
    HttpApi,
    /// Messages of `events_per_message` events to the ingest queue, sent ten messages per
    /// `SendMessageBatch` by the product, consumed by `ingest-events` in batches of ten.
    IngestQueue { events_per_message: usize },
}

async fn run_scenario(
    endpoint: &str,
    ledger: &Arc<Ledger>,
    scenario: &Scenario,
) -> anyhow::Result<Measured> {
    let sdk = hookline::aws::sdk_config(Some(endpoint)).await;
    let counter = Counter(ledger.clone());
    let dynamodb = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk)
            .interceptor(counter.clone())
            .build(),
    );
    let sqs = aws_sdk_sqs::Client::from_conf(
        aws_sdk_sqs::config::Builder::from(&sdk)
            .interceptor(counter)
            .build(),
    );
    ledger.set_phase(Phase::Setup);
    let name = format!("cost-{}", uuid_like());
    // Sealing with a local key made for this run (its table is dropped after): KMS is
    // called once per data key per instance (an hour's writes; every read of that
    // instance), which is no cost per delivery.
    let keys = hookline::seal::local::LocalKeys::generate().map_err(anyhow::Error::msg)?;
    let keyring = hookline::seal::Keyring::new(std::sync::Arc::new(keys));
    let store = DynamoStore::new(dynamodb, &name, std::sync::Arc::new(keyring));
    store.create_table_if_missing().await?;
    let queue_url = SqsQueue::create_if_missing(&sqs, &name, Duration::from_secs(360), 5).await?;
    let dlq_url = format!("{queue_url}-dlq");
    let config = Config {
        table_name: name.clone(),
        urls: UrlPolicy::DEVELOPMENT,
        auth: AuthMode::Authorizer,
        max_webhooks_per_tenant: 100_000,
        queue_url: Some(queue_url.clone()),
        dead_letter_queue_url: Some(dlq_url.clone()),
        // The template's default quota: its leases are counted with the publish.
        tenant_events_per_second: 100,
        ..Config::default()
    };
    let ctx = AppContext::with_backends(
        config,
        store,
        Arc::new(SqsQueue::new(sqs.clone(), queue_url.clone())),
        Arc::new(SqsQueue::new(sqs.clone(), dlq_url)),
    )?;

    let arrived = Arc::new(AtomicU64::new(0));
    let base = receiver(arrived.clone()).await?;
    let tenant = TenantId::parse("bench").map_err(anyhow::Error::msg)?;
    let mut first_webhook = None;
    for i in 0..scenario.webhooks {
        let wanted = if i < scenario.matching {
            "task.*"
        } else {
            "other.*"
        };
        let url = WebhookUrl::parse(&format!("{base}/hook/{i}"), &UrlPolicy::DEVELOPMENT)
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let pattern = EventTypePattern::parse(wanted).map_err(anyhow::Error::msg)?;
        let types = EventTypes::new(vec![pattern]).map_err(anyhow::Error::msg)?;
        let spec = WebhookSpec {
            description: Some(format!("bench webhook {i}")),
            ..WebhookSpec::new(url, types)
        };
        let webhook = Webhook::new(tenant.clone(), spec, WebhookSecret::generate());
        ctx.webhooks
            .insert(&webhook, hookline::store::WebhookQuota::webhooks(100_000))
            .await?;
        first_webhook.get_or_insert(webhook.id);
    }
    // Steady state: every webhook has just succeeded (a success within the minute of the
    // last recorded one writes nothing), so one event goes through before counting starts.
    let ingest_url =
        SqsQueue::create_if_missing(&sqs, &format!("{name}-ingest"), Duration::from_secs(180), 5)
            .await?;
    let dead_letters =
        hookline::ingest::sqs::SqsDeadLetters::new(sqs.clone(), format!("{ingest_url}-dlq"));
    let requeue = hookline::ingest::sqs::SqsRequeue::new(sqs.clone(), ingest_url.clone());
    let flow = Flow {
        ctx: &ctx,
        sqs: &sqs,
        queue_url: &queue_url,
        ingest: (&ingest_url, &dead_letters, &requeue),
        via: scenario.via,
        ledger,
        arrived: &arrived,
    };
    let per_event = scenario.matching as u64;
    flow.run(1, per_event).await?;
    ledger.reset();
    let (publish_ms, deliver_ms) = flow.run(scenario.events, per_event).await?;
    let expected = scenario.events as u64 * per_event;

    // Stats are counted when asked, from the execution records: what one call costs.
    ledger.set_phase(Phase::Stats);
    let webhook = first_webhook.context("no webhook")?;
    let request = api_request(
        "GET",
        &format!("/v1/webhooks/{webhook}/stats"),
        "bench",
        "webhooks:view",
        "",
    )?;
    let started = Instant::now();
    let response = hookline::lambda::invoke_http(&ctx, Function::GetWebhookStats, request).await;
    let stats_ms = billed_ms(started);
    if response.status_code != 200 {
        bail!("stats answered {}", response.status_code);
    }
    let counted: serde_json::Value = match &response.body {
        Some(Body::Text(text)) => serde_json::from_str(text)?,
        _ => bail!("stats answered no JSON"),
    };
    let count = |outcome: &str| {
        counted
            .pointer(&format!("/attempts/{outcome}"))
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0)
    };
    let attempts = count("success") + count("error");
    let [_, _, stats_reads] = ledger
        .counts
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|((p, _), _)| *p == Phase::Stats)
        .fold([0.0; 3], |a, (_, c)| {
            [a[0] + c[0], a[1] + c[1], a[2] + c[2]]
        });

    // An update is billed by its item's size: measure the updated items now, uncounted.
    let plain = hookline::aws::dynamodb_client(&sdk);
    let updated = std::mem::take(&mut *ledger.updated.lock().unwrap_or_else(|e| e.into_inner()));
    for (phase, operation, key) in updated {
        let item = plain
            .get_item()
            .table_name(&name)
            .set_key(Some(key))
            .send()
            .await?
            .item;
        let units = write_units(item.as_ref().map_or(0, item_size));
        let mut counts = ledger.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.entry((phase, operation)).or_default()[1] += units;
    }
    let counts = ledger
        .counts
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let payload_bytes = json!({"type": "task.completed", "timestamp": "2026-12-02T01:02:03.456Z",
                               "data": {"task_id": 12345, "status": "completed", "tags": ["a", "b"]}})
    .to_string()
    .len();
    Ok(Measured {
        label: scenario.label.clone(),
        events: scenario.events,
        deliveries: usize::try_from(expected).unwrap_or(usize::MAX),
        body_bytes: payload_bytes,
        counts,
        via: scenario.via,
        publish_ms,
        deliver_ms,
        stats: (attempts, stats_reads, stats_ms),
    })
}

/// Publishing through the publish function, then delivering as the event source mapping
/// hands batches to the delivery function.
struct Flow<'a> {
    ctx: &'a AppContext,
    sqs: &'a aws_sdk_sqs::Client,
    queue_url: &'a str,
    /// The ingest queue, its dead-letter queue, and the queue again for throttled events.
    ingest: (
        &'a str,
        &'a hookline::ingest::sqs::SqsDeadLetters,
        &'a hookline::ingest::sqs::SqsRequeue,
    ),
    via: Via,
    ledger: &'a Arc<Ledger>,
    arrived: &'a AtomicU64,
}

impl Flow<'_> {
    /// Publishes `events` events one by one, then delivers until `per_event` deliveries of
    /// each arrived. Returns the billed milliseconds of each publish and each batch.
    async fn run(&self, events: usize, per_event: u64) -> anyhow::Result<(Vec<u64>, Vec<u64>)> {
        let body = json!({"event_type": "task.completed",
                          "data": {"task_id": 12345, "status": "completed", "tags": ["a", "b"]}})
        .to_string();
        let expected = self.arrived.load(Ordering::Relaxed) + events as u64 * per_event;
        let publish_ms = match self.via {
            Via::HttpApi => self.publish_over_http(events, &body).await?,
            Via::IngestQueue { events_per_message } => {
                self.publish_over_ingest(events, events_per_message).await?
            }
        };
        let mut deliver_ms = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(300);
        while self.arrived.load(Ordering::Relaxed) < expected {
            if Instant::now() > deadline {
                bail!(
                    "{} of {expected} deliveries arrived",
                    self.arrived.load(Ordering::Relaxed)
                );
            }
            let Some(event) = self.receive(self.queue_url).await? else {
                continue;
            };
            self.ledger.set_phase(Phase::Delivery);
            let started = Instant::now();
            let response = hookline::lambda::deliver(self.ctx, event.clone()).await;
            deliver_ms.push(billed_ms(started));
            if !response.batch_item_failures.is_empty() {
                bail!("{} records failed", response.batch_item_failures.len());
            }
            self.delete(self.queue_url, &event).await?;
        }
        Ok((publish_ms, deliver_ms))
    }

    /// One request per event to the publish function.
    async fn publish_over_http(&self, events: usize, body: &str) -> anyhow::Result<Vec<u64>> {
        let mut publish_ms = Vec::new();
        self.ledger.set_phase(Phase::Publish);
        for _ in 0..events {
            let request = publish_request("bench", body)?;
            let started = Instant::now();
            let response =
                hookline::lambda::invoke_http(self.ctx, Function::PublishEvent, request).await;
            publish_ms.push(billed_ms(started));
            if response.status_code != 202 {
                bail!("publish answered {}", response.status_code);
            }
        }
        Ok(publish_ms)
    }

    /// The product sends the events as messages of `per_message`, ten messages per batch
    /// call; the ingest function consumes them as its event source hands them over.
    async fn publish_over_ingest(
        &self,
        events: usize,
        per_message: usize,
    ) -> anyhow::Result<Vec<u64>> {
        let (url, dead_letters, requeue) = self.ingest;
        let event = json!({"tenant": "bench", "event_type": "task.completed",
                           "data": {"task_id": 12345, "status": "completed", "tags": ["a", "b"]}});
        let messages: Vec<String> = (0..events)
            .collect::<Vec<_>>()
            .chunks(per_message.max(1))
            .map(|chunk| match chunk.len() {
                1 => event.to_string(),
                n => serde_json::Value::Array(vec![event.clone(); n]).to_string(),
            })
            .collect();
        self.ledger.set_phase(Phase::Publish);
        for batch in messages.chunks(10) {
            let mut send = self.sqs.send_message_batch().queue_url(url);
            for (i, body) in batch.iter().enumerate() {
                send = send.entries(
                    aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(body)
                        .build()?,
                );
            }
            send.send().await?;
        }
        let mut ingest_ms = Vec::new();
        let mut consumed = 0;
        let deadline = Instant::now() + Duration::from_secs(120);
        while consumed < messages.len() {
            if Instant::now() > deadline {
                bail!("{consumed} of {} ingest messages consumed", messages.len());
            }
            let Some(batch) = self.receive(url).await? else {
                continue;
            };
            self.ledger.set_phase(Phase::Publish);
            let started = Instant::now();
            let response =
                hookline::lambda::ingest(self.ctx, dead_letters, requeue, batch.clone()).await;
            ingest_ms.push(billed_ms(started));
            if !response.batch_item_failures.is_empty() {
                bail!(
                    "{} ingest messages failed",
                    response.batch_item_failures.len()
                );
            }
            consumed += batch.records.len();
            self.delete(url, &batch).await?;
        }
        Ok(ingest_ms)
    }

    /// Up to ten messages, as the event source mapping receives them (counted as its own).
    async fn receive(&self, url: &str) -> anyhow::Result<Option<aws_lambda_events::sqs::SqsEvent>> {
        self.ledger.set_phase(Phase::EventSource);
        let received = self
            .sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            // The event source hands every system attribute (the receive count, the sent
            // time that names an ingest event's id).
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
            .send()
            .await?;
        let records: Vec<aws_lambda_events::sqs::SqsMessage> = received
            .messages()
            .iter()
            .map(|m| {
                let mut record = aws_lambda_events::sqs::SqsMessage::default();
                record.message_id = m.message_id().map(str::to_owned);
                record.receipt_handle = m.receipt_handle().map(str::to_owned);
                record.body = m.body().map(str::to_owned);
                // As the event source hands it: the delivery skips a redelivery's checks
                // on a first receive.
                for (name, value) in m.attributes().into_iter().flatten() {
                    record
                        .attributes
                        .insert(name.as_str().to_owned(), value.clone());
                }
                record
            })
            .collect();
        if records.is_empty() {
            return Ok(None);
        }
        let mut event = aws_lambda_events::sqs::SqsEvent::default();
        event.records = records;
        Ok(Some(event))
    }

    /// The event source mapping deletes a batch's handled messages in one call.
    async fn delete(
        &self,
        url: &str,
        batch: &aws_lambda_events::sqs::SqsEvent,
    ) -> anyhow::Result<()> {
        self.ledger.set_phase(Phase::EventSource);
        let mut delete = self.sqs.delete_message_batch().queue_url(url);
        for (i, record) in batch.records.iter().enumerate() {
            delete = delete.entries(
                aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(record.receipt_handle.clone().unwrap_or_default())
                    .build()?,
            );
        }
        delete.send().await?;
        Ok(())
    }
}

/// Lambda bills every started millisecond.
fn billed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_micros().div_ceil(1000)).unwrap_or(u64::MAX)
}

fn uuid_like() -> String {
    hookline::domain::EventId::new().to_string()
}

pub async fn run(endpoint: &str) -> anyhow::Result<()> {
    println!("AWS cost per delivery, counted from the real handlers against moto at {endpoint}");
    println!(
        "prices (us-east-1): API Gateway HTTP API $1.00/M; Lambda $0.20/M + $0.0000133334/GB-s \
         (arm64, 128 MB); SQS $0.40/M requests (64 KiB chunks); DynamoDB on demand $0.625/M \
         write units, $0.125/M read units"
    );
    let ledger = Arc::new(Ledger::default());
    let scenarios = [
        Scenario {
            label: "fan-out 1".into(),
            webhooks: 1,
            matching: 1,
            events: 40,
            via: Via::HttpApi,
        },
        Scenario {
            label: "fan-out 10".into(),
            webhooks: 10,
            matching: 10,
            events: 10,
            via: Via::HttpApi,
        },
        Scenario {
            label: "a tenant with 1,000 webhooks, one of which matches".into(),
            webhooks: 1000,
            matching: 1,
            events: 5,
            via: Via::HttpApi,
        },
        Scenario {
            label: "fan-out 1, through the ingest queue, 10 events per message".into(),
            webhooks: 1,
            matching: 1,
            events: 40,
            via: Via::IngestQueue {
                events_per_message: 10,
            },
        },
        Scenario {
            label: "fan-out 1, through the ingest queue, 1 event per message".into(),
            webhooks: 1,
            matching: 1,
            events: 40,
            via: Via::IngestQueue {
                events_per_message: 1,
            },
        },
    ];
    let mut measured = Vec::new();
    for scenario in &scenarios {
        let m = run_scenario(endpoint, &ledger, scenario).await?;
        m.print();
        measured.push(m);
    }
    if let Some(big) = measured.get(2) {
        let [_, _, reads] = big.phase_total(Phase::Publish);
        println!(
            "\nmatching, a tenant with 1,000 webhooks: {:.1} read units per publish",
            reads / big.events.max(1) as f64
        );
    }
    if let (Some(one), Some(ten), Some(ingest), Some(single)) = (
        measured.first(),
        measured.get(1),
        measured.get(3),
        measured.get(4),
    ) {
        println!(
            "cost per million deliveries: fan-out 1 ${:.2}, fan-out 10 ${:.2}; fan-out 1 through \
             the ingest queue ${:.2} (10 events per message), ${:.2} (1 per message)",
            one.per_million(),
            ten.per_million(),
            ingest.per_million(),
            single.per_million()
        );
    }
    Ok(())
}
