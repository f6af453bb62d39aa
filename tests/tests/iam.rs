//! Least privilege, checked: every function's IAM policy in `template.yaml` against the AWS
//! calls its code makes. Each function's handler runs against DynamoDB, SQS and KMS in moto,
//! through its real entry point (`lambda::handle_http`, `deliver`, `ingest`, `authorize`,
//! `sweep`),
//! over the paths a deployment takes (success and failure), while a recorder on both SDK
//! clients notes every action by the IAM name it needs. A call the policy does not allow
//! would fail in AWS; an action the policy allows and the code never calls is a right the
//! function does not need. The few actions only a rarer branch takes are listed below, each
//! with the branch.

use aws_lambda_events::apigw::{ApiGatewayV2CustomAuthorizerV2Request, ApiGatewayV2httpRequest};
use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use hookline::AppContext;
use hookline::api::{Function, ROUTES};
use hookline::config::{AuthMode, Config};
use hookline::queue::sqs::SqsQueue;
use hookline::seal::Keyring;
use hookline::seal::kms::KmsKeys;
use hookline::store::dynamodb::DynamoStore;
use hookline::url_guard::UrlPolicy;
use hookline_tests::receiver::{Answer, Receiver};
use hookline_tests::{emulator_endpoint, unique_table};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// IAM actions by function.
type Actions = BTreeMap<String, BTreeSet<String>>;

/// The IAM actions seen, by the function running when they were made.
#[derive(Clone, Debug, Default)]
struct Recorder(Arc<Mutex<(Option<String>, Actions)>>);

impl Recorder {
    fn running(&self, function: Option<&str>) {
        self.0.lock().unwrap().0 = function.map(str::to_owned);
    }

    fn seen(&self) -> Actions {
        self.0.lock().unwrap().1.clone()
    }

    fn note(&self, actions: Vec<String>) {
        let mut state = self.0.lock().unwrap();
        if let Some(function) = state.0.clone() {
            state.1.entry(function).or_default().extend(actions);
        }
    }
}

/// KMS is called over plain HTTP (no SDK client to intercept): a proxy in front of the
/// emulator notes each call's action for the function running, and forwards it.
async fn kms_recording_proxy(recorder: Recorder, emulator: String) -> String {
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    async fn forward(
        State((recorder, emulator)): State<(Recorder, String)>,
        headers: HeaderMap,
        body: axum::body::Bytes,
    ) -> (StatusCode, Vec<u8>) {
        let target = headers["x-amz-target"].to_str().unwrap().to_owned();
        let operation = target.trim_start_matches("TrentService.");
        recorder.note(vec![format!("kms:{operation}")]);
        let mut request = reqwest::Client::new().post(format!("{emulator}/"));
        for (name, value) in &headers {
            if name != "host" && name != "content-length" {
                request = request.header(name.as_str(), value.as_bytes());
            }
        }
        let answer = request.body(body).send().await.unwrap();
        let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
        (status, answer.bytes().await.unwrap().to_vec())
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route("/", axum::routing::post(forward))
        .with_state((recorder, emulator));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

/// The IAM actions one request needs: its target, and for a transaction its parts.
fn actions(target: &str, body: &[u8]) -> Vec<String> {
    let (service, operation) = target.split_once('.').unwrap_or(("", target));
    if service.starts_with("AmazonSQS") {
        // A batch call needs its single call's permission.
        return vec![format!("sqs:{}", operation.trim_end_matches("Batch"))];
    }
    match operation {
        "TransactWriteItems" => {
            let parsed: Value = serde_json::from_slice(body).unwrap_or_default();
            let mut parts = Vec::new();
            for item in parsed["TransactItems"].as_array().into_iter().flatten() {
                for (kind, action) in [
                    ("Put", "PutItem"),
                    ("Update", "UpdateItem"),
                    ("Delete", "DeleteItem"),
                    ("ConditionCheck", "ConditionCheckItem"),
                ] {
                    if item.get(kind).is_some() {
                        parts.push(format!("dynamodb:{action}"));
                    }
                }
            }
            parts
        }
        "TransactGetItems" => vec!["dynamodb:GetItem".into()],
        other => vec![format!("dynamodb:{other}")],
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "hookline-iam-recorder"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        let target = request.headers().get("x-amz-target").unwrap_or_default();
        let body = request.body().bytes().unwrap_or_default();
        let mut state = self.0.lock().unwrap();
        if let Some(function) = state.0.clone() {
            let seen = state.1.entry(function).or_default();
            seen.extend(actions(target, body));
        }
        Ok(())
    }
}

/// Each function's DynamoDB, SQS and KMS actions as the template grants them.
fn granted() -> Actions {
    let text = std::fs::read_to_string(format!("{}/../template.yaml", env!("CARGO_MANIFEST_DIR")))
        .unwrap();
    let template: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let mut granted = BTreeMap::new();
    for (_, resource) in template["Resources"].as_mapping().unwrap() {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let binary = resource["Properties"]["Handler"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut actions = BTreeSet::new();
        for policy in resource["Properties"]["Policies"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            for statement in policy["Statement"].as_sequence().into_iter().flatten() {
                assert_eq!(statement["Effect"], "Allow", "{binary}");
                let listed = match &statement["Action"] {
                    serde_yaml::Value::String(one) => vec![one.clone()],
                    many => many
                        .as_sequence()
                        .unwrap()
                        .iter()
                        .map(|a| a.as_str().unwrap().to_owned())
                        .collect(),
                };
                actions.extend(listed);
            }
        }
        granted.insert(binary, actions);
    }
    granted
}

/// Actions a policy keeps for a branch this test does not take, and why.
const BRANCH_ONLY: &[(&str, &str, &str)] = &[];

const TENANT: &str = "acme";

/// An API Gateway request as the operator (acting for `TENANT`), the authorizer's verdict in
/// its context.
fn request(method: &str, path: &str, body: Option<Value>) -> ApiGatewayV2httpRequest {
    serde_json::from_value(json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "hookline-tenant": TENANT,
                    "idempotency-key": format!("iam-{path}")},
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "stage": "$default",
            "domainName": "api.execute-api.us-east-1.amazonaws.com",
            "requestId": "iam", "timeEpoch": 0,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.9", "userAgent": "iam"},
            "authorizer": {"lambda": {"scopes": "operator"}}
        },
        "isBase64Encoded": false,
        "body": body.map(|b| b.to_string()),
    }))
    .unwrap()
}

fn sqs_event(bodies: &[String]) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            let mut m = SqsMessage::default();
            m.message_id = Some(format!("m{i}"));
            m.body = Some(body.clone());
            m
        })
        .collect();
    event
}

/// Every message now on a queue, received and deleted (unrecorded: the event source's).
async fn drain(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<String> {
    let mut bodies = Vec::new();
    loop {
        let got = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(0)
            .send()
            .await
            .unwrap();
        if got.messages().is_empty() {
            return bodies;
        }
        for m in got.messages() {
            bodies.push(m.body().unwrap().to_owned());
            sqs.delete_message()
                .queue_url(url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
}

/// The test's world: the context over recorded clients, and what it needs to drive it.
struct World {
    ctx: AppContext,
    recorder: Recorder,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    ingest_dead_letters: hookline::ingest::sqs::SqsDeadLetters,
    ingest_requeue: hookline::ingest::sqs::SqsRequeue,
}

impl World {
    /// Each function is a process of its own: nothing cached by another (the catalog, a
    /// tenant's routes, leased publish tokens).
    async fn fresh_process(&mut self) {
        self.ctx.keyring.forget().await;
        self.ctx.catalog_cache = Arc::default();
        self.ctx.routes = Arc::default();
        self.ctx.publish_quota = Arc::new(hookline::quota::RateQuota::new(
            hookline::store::Rate::Publishes,
        ));
        self.ctx.settings_cache = Arc::default();
        self.ctx.activity = Arc::default();
    }

    /// One call of `function`'s route, recorded as that function's; the answer's body.
    async fn call(
        &mut self,
        function: Function,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        self.fresh_process().await;
        assert!(
            ROUTES
                .iter()
                .any(|r| r.function == function && r.method.as_str() == method),
            "{} has no {method} route",
            function.name()
        );
        self.recorder.running(Some(function.name()));
        let response =
            hookline::lambda::invoke_http(&self.ctx, function, request(method, path, body)).await;
        self.recorder.running(None);
        let status = response.status_code;
        let text = match &response.body {
            Some(aws_lambda_events::encodings::Body::Text(t)) => t.clone(),
            _ => String::new(),
        };
        assert!(
            (200..300).contains(&status),
            "{} {method} {path}: {status} {text}",
            function.name()
        );
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// The delivery function over everything queued now, as its event source hands it.
    async fn deliver_queued(&mut self) -> usize {
        self.fresh_process().await;
        let mut handled = 0;
        for _ in 0..5 {
            self.recorder.running(None);
            let bodies = drain(&self.sqs, &self.queue_url).await;
            if bodies.is_empty() {
                break;
            }
            handled += bodies.len();
            self.recorder.running(Some("deliver-webhook"));
            let response = hookline::lambda::deliver(&self.ctx, sqs_event(&bodies)).await;
            self.recorder.running(None);
            assert!(response.batch_item_failures.is_empty());
        }
        handled
    }
}

#[tokio::test]
async fn every_functions_policy_allows_exactly_what_its_code_calls() {
    let recorder = Recorder::default();
    let sdk = hookline::aws::sdk_config(Some(&emulator_endpoint())).await;
    let dynamodb = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk)
            .interceptor(recorder.clone())
            .build(),
    );
    let sqs = aws_sdk_sqs::Client::from_conf(
        aws_sdk_sqs::config::Builder::from(&sdk)
            .interceptor(recorder.clone())
            .build(),
    );
    let table = unique_table();
    // KMS behind the recording proxy, with the tests' key made first (unrecorded).
    hookline_tests::moto_keyring().await;
    let proxy = kms_recording_proxy(recorder.clone(), emulator_endpoint()).await;
    let kms_sdk = hookline::aws::sdk_config(Some(&proxy)).await;
    let keys = KmsKeys::new(&kms_sdk, hookline_tests::TEST_KEY_ALIAS).unwrap();
    let keyring = Arc::new(Keyring::new(Arc::new(keys)));
    let store = DynamoStore::new(dynamodb, &table, keyring);
    store.create_table_if_missing().await.unwrap();
    let visibility = std::time::Duration::from_secs(60);
    let queue_url = SqsQueue::create_if_missing(&sqs, &table, visibility, 5)
        .await
        .unwrap();
    let dlq_url = format!("{queue_url}-dlq");
    let ingest_url = SqsQueue::create_if_missing(&sqs, &format!("{table}-in"), visibility, 5)
        .await
        .unwrap();
    let config = Config {
        table_name: table.clone(),
        urls: UrlPolicy::DEVELOPMENT,
        auth: AuthMode::Authorizer,
        tenant_events_per_second: 100,
        max_in_flight_per_webhook: 10,
        queue_url: Some(queue_url.clone()),
        dead_letter_queue_url: Some(dlq_url.clone()),
        ..Config::default()
    };
    let ctx = AppContext::with_backends(
        config,
        store,
        Arc::new(SqsQueue::new(sqs.clone(), queue_url.clone())),
        Arc::new(SqsQueue::new(sqs.clone(), dlq_url)),
    )
    .unwrap();
    let mut world = World {
        ctx,
        recorder: recorder.clone(),
        sqs: sqs.clone(),
        queue_url,
        ingest_dead_letters: hookline::ingest::sqs::SqsDeadLetters::new(
            sqs.clone(),
            format!("{ingest_url}-dlq"),
        ),
        ingest_requeue: hookline::ingest::sqs::SqsRequeue::new(sqs.clone(), ingest_url),
    };
    let receiver = Receiver::start().await;
    receiver.always("/down", Answer::status(500));
    use Function as F;

    // The catalog.
    let schema = json!({"type": "object", "properties": {"amount": {"type": "integer"}}});
    world
        .call(
            F::CreateEventType,
            "POST",
            "/v1/event-types",
            Some(json!({"name": "order.paid", "description": "paid", "schema": schema})),
        )
        .await;
    world
        .call(F::ListEventTypes, "GET", "/v1/event-types", None)
        .await;
    world
        .call(F::GetEventType, "GET", "/v1/event-types/order.paid", None)
        .await;
    world
        .call(
            F::UpdateEventType,
            "PATCH",
            "/v1/event-types/order.paid",
            Some(json!({"description": "an order was paid"})),
        )
        .await;

    // Webhooks: one verified against the receiver, one failing (not verified).
    let ok = world.call(F::CreateWebhook, "POST", "/v1/webhooks",
        Some(json!({"url": receiver.url("/ok"), "event_types": ["order.paid"], "uid": "ok-hook"}))).await;
    let down = world
        .call(
            F::CreateWebhook,
            "POST",
            "/v1/webhooks",
            Some(
                json!({"url": receiver.url("/down"), "event_types": ["order.*"], "verify": false}),
            ),
        )
        .await;
    let (ok, down) = (
        ok["id"].as_str().unwrap().to_owned(),
        down["id"].as_str().unwrap().to_owned(),
    );
    world
        .call(F::ListWebhooks, "GET", "/v1/webhooks", None)
        .await;
    world
        .call(F::GetWebhook, "GET", &format!("/v1/webhooks/{ok}"), None)
        .await;
    world
        .call(
            F::UpdateWebhook,
            "PATCH",
            &format!("/v1/webhooks/{ok}"),
            Some(
                json!({"description": "patched", "url": receiver.url("/ok?v=2"),
                "headers": {"X-Token": "t0k3n"}}),
            ),
        )
        .await;
    world.call(F::UpdateWebhook, "PUT", &format!("/v1/webhooks/{ok}"),
        Some(json!({"url": receiver.url("/ok"), "event_types": ["order.paid"], "uid": "ok-hook"}))).await;
    world
        .call(
            F::GetWebhookSecret,
            "GET",
            &format!("/v1/webhooks/{ok}/secret"),
            None,
        )
        .await;
    world
        .call(
            F::RotateWebhookSecret,
            "POST",
            &format!("/v1/webhooks/{ok}/secret/rotate"),
            None,
        )
        .await;
    world
        .call(
            F::PingWebhook,
            "POST",
            &format!("/v1/webhooks/{ok}/ping"),
            None,
        )
        .await;

    // Publish, deliver (a success and a failure with its retry), read the history.
    let event = world
        .call(
            F::PublishEvent,
            "POST",
            "/v1/events",
            Some(json!({"event_type": "order.paid", "data": {"amount": 1}})),
        )
        .await;
    let event = event["id"].as_str().unwrap().to_owned();
    assert!(world.deliver_queued().await >= 2);
    world
        .call(F::GetEvent, "GET", &format!("/v1/events/{event}"), None)
        .await;
    world.call(F::ListEvents, "GET", "/v1/events", None).await;
    let executions = world
        .call(
            F::ListExecutions,
            "GET",
            &format!("/v1/webhooks/{down}/executions"),
            None,
        )
        .await;
    let execution = executions["data"][0]["id"].as_str().unwrap().to_owned();
    world
        .call(
            F::GetExecution,
            "GET",
            &format!("/v1/webhooks/{down}/executions/{execution}"),
            None,
        )
        .await;
    world
        .call(
            F::RetryExecution,
            "POST",
            &format!("/v1/webhooks/{down}/executions/{execution}/retry"),
            None,
        )
        .await;
    world.deliver_queued().await;
    world
        .call(
            F::RecoverWebhook,
            "POST",
            &format!("/v1/webhooks/{down}/recover"),
            Some(json!({"since": hookline::domain::Timestamp::from_millis(hookline::domain::Timestamp::now().millis() - 3_600_000).unwrap().to_string()})),
        )
        .await;
    world.deliver_queued().await;
    // A recover that finds nothing failed releases its lock at once (the others' last page
    // releases it, in the delivery function).
    world
        .call(
            F::RecoverWebhook,
            "POST",
            &format!("/v1/webhooks/{down}/recover"),
            Some(json!({"since": hookline::domain::Timestamp::now().to_string()})),
        )
        .await;
    world
        .call(
            F::GetWebhookStats,
            "GET",
            &format!("/v1/webhooks/{down}/stats"),
            None,
        )
        .await;
    // The receiver is back: a manual retry succeeds and clears the failed note.
    receiver.always("/down", Answer::status(200));
    world
        .call(
            F::RetryExecution,
            "POST",
            &format!("/v1/webhooks/{down}/executions/{execution}/retry"),
            None,
        )
        .await;
    world.deliver_queued().await;

    // Tenants' keys and portal sessions, and the authorizer resolving a key.
    let key = world
        .call(
            F::CreateTenantKey,
            "POST",
            &format!("/v1/tenants/{TENANT}/keys"),
            Some(json!({"name": "ci", "scopes": ["webhooks:view"]})),
        )
        .await;
    world
        .call(
            F::ListTenantKeys,
            "GET",
            &format!("/v1/tenants/{TENANT}/keys"),
            None,
        )
        .await;
    world
        .call(
            F::TenantSettings,
            "PATCH",
            &format!("/v1/tenants/{TENANT}/settings"),
            Some(json!({"events_per_second": 1000, "retention_days": null})),
        )
        .await;
    world
        .call(
            F::TenantSettings,
            "GET",
            &format!("/v1/tenants/{TENANT}/settings"),
            None,
        )
        .await;
    world
        .call(
            F::CreatePortalSession,
            "POST",
            "/v1/portal/sessions",
            Some(json!({})),
        )
        .await;
    let mut authorizer_request: ApiGatewayV2CustomAuthorizerV2Request = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/fixtures/authorizer-request.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    authorizer_request.headers.insert(
        "authorization",
        format!("Bearer {}", key["key"].as_str().unwrap())
            .parse()
            .unwrap(),
    );
    world.fresh_process().await;
    recorder.running(Some("authorizer"));
    let verdict = hookline::lambda::authorize(&world.ctx, &authorizer_request)
        .await
        .unwrap();
    recorder.running(None);
    assert!(!verdict.context.is_empty(), "the key was found");
    let key_id = key["id"].as_str().unwrap();
    world
        .call(
            F::RevokeTenantKey,
            "DELETE",
            &format!("/v1/tenants/{TENANT}/keys/{key_id}"),
            None,
        )
        .await;

    // The ingest queue: one event published, one refused to its dead-letter queue.
    world.fresh_process().await;
    recorder.running(Some("ingest-events"));
    let good =
        json!({"tenant": TENANT, "event_type": "order.paid", "data": {"amount": 2}}).to_string();
    let response = hookline::lambda::ingest(
        &world.ctx,
        &world.ingest_dead_letters,
        &world.ingest_requeue,
        sqs_event(&[good, "not json".into()]),
    )
    .await;
    recorder.running(None);
    assert!(response.batch_item_failures.is_empty());
    world.deliver_queued().await;

    // A publish that died between storing its event and queueing it: the sweep queues it.
    let stranded = hookline::domain::Event {
        id: hookline::domain::EventId::new(),
        tenant: hookline::domain::TenantId::parse(TENANT).unwrap(),
        event_type: hookline::domain::EventType::parse("order.paid").unwrap(),
        data: hookline::domain::EventData::from_object(&json!({"amount": 3})).unwrap(),
        created_at: hookline::domain::Timestamp::now(),
        matched: vec![hookline::domain::WebhookId::parse(&ok).unwrap()],
    };
    let expires = world.ctx.records_expire_at(stranded.created_at);
    let stored = hookline::sweep::store_marked(&world.ctx, &[&stranded], expires).await;
    assert!(stored.iter().all(Result::is_ok), "{stored:?}");
    world.fresh_process().await;
    recorder.running(Some("sweep-deliveries"));
    let later = hookline::domain::Timestamp::now()
        .plus(world.ctx.config.sweep_grace + std::time::Duration::from_secs(120));
    let swept = hookline::lambda::sweep(&world.ctx, later).await.unwrap();
    recorder.running(None);
    assert_eq!(swept.deliveries, 1, "{swept:?}");
    assert_eq!(world.deliver_queued().await, 1);

    // Deleting.
    world
        .call(
            F::DeleteWebhook,
            "DELETE",
            &format!("/v1/webhooks/{down}"),
            None,
        )
        .await;
    world
        .call(
            F::DeleteEventType,
            "DELETE",
            "/v1/event-types/order.paid",
            None,
        )
        .await;

    let seen = recorder.seen();
    let granted = granted();
    let mut problems = Vec::new();
    for (function, allowed) in &granted {
        let used = seen.get(function).cloned().unwrap_or_default();
        for action in used.difference(allowed) {
            problems.push(format!(
                "{function} calls {action}, which its policy does not allow"
            ));
        }
        for action in allowed.difference(&used) {
            let excused = BRANCH_ONLY
                .iter()
                .any(|(f, a, _)| f == function && a == action);
            if !excused {
                problems.push(format!(
                    "{function} is allowed {action}, which its code never called here"
                ));
            }
        }
    }
    for function in seen.keys() {
        if !granted.contains_key(function) {
            problems.push(format!(
                "{function} made AWS calls but is not in the template"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "least privilege:\n  {}",
        problems.join("\n  ")
    );
}
