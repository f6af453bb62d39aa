//! Test support for Hookline's black-box tests: a local server per test (in memory or on a
//! fresh DynamoDB table in the moto emulator), a typed HTTP client, and the conformance suite
//! that every store adapter must pass.

pub mod conformance;
pub mod receiver;

use hookline::seal::Keyring;
use hookline::seal::kms::{KmsKeys, create_alias_if_missing};
use hookline::store::dynamodb::DynamoStore;
use hookline_local::{Running, Settings};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::sync::Arc;

/// The moto server the tests talk to. `scripts/test` starts it and sets this variable.
pub fn emulator_endpoint() -> String {
    std::env::var("HOOKLINE_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "HOOKLINE_TEST_AWS_ENDPOINT is not set: run the tests with ./scripts/test, which \
             installs and starts the moto emulator, or start `moto_server -p 5055` and set \
             HOOKLINE_TEST_AWS_ENDPOINT=http://127.0.0.1:5055"
        )
    })
}

/// A table name no other test uses (tests run in parallel against one emulator).
pub fn unique_table() -> String {
    format!("hookline-test-{}", uuid::Uuid::now_v7().simple())
}

/// The KMS key alias the tests seal with, in the emulator.
pub const TEST_KEY_ALIAS: &str = "alias/hookline-tests";

/// A keyring over KMS in the emulator, as the functions have in AWS.
pub async fn moto_keyring() -> Arc<Keyring> {
    let sdk = hookline::aws::sdk_config(Some(&emulator_endpoint())).await;
    let keys = KmsKeys::new(&sdk, TEST_KEY_ALIAS).unwrap();
    create_alias_if_missing(&keys, TEST_KEY_ALIAS)
        .await
        .expect("create the KMS key in the emulator");
    Arc::new(Keyring::new(Arc::new(keys)))
}

/// A DynamoDB store on a new, empty table in the emulator, sealing with its KMS.
pub async fn dynamo_store() -> DynamoStore {
    let endpoint = emulator_endpoint();
    let store = DynamoStore::new(
        DynamoStore::client(Some(&endpoint)).await,
        unique_table(),
        moto_keyring().await,
    );
    store
        .create_table_if_missing()
        .await
        .expect("create table in the emulator");
    store
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Memory,
    DynamoDb,
}

/// Keys every test server accepts.
pub const KEY_A: &str = "test_key_tenant_a_all_scopes";
pub const KEY_A_VIEW: &str = "test_key_tenant_a_view_only";
pub const KEY_A_NONE: &str = "test_key_tenant_a_publish_only";
pub const KEY_B: &str = "test_key_tenant_b_all_scopes";
/// The operator's key: every scope, for the tenant named in `Hookline-Tenant`.
pub const KEY_OPERATOR: &str = "test_key_operator_of_the_deployment";
const ALL: &str = "webhooks:view,webhooks:add,webhooks:edit,webhooks:remove,events:publish";

/// The test server's settings for `backend`: every test key, a fresh table and queue,
/// retries a second apart.
pub fn settings(backend: Backend) -> Settings {
    let mut settings = Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        api_keys: vec![
            format!("{KEY_A}=tenant-a:{ALL}"),
            format!("{KEY_A_VIEW}=tenant-a:webhooks:view"),
            format!("{KEY_A_NONE}=tenant-a:events:publish"),
            format!("{KEY_B}=tenant-b:{ALL}"),
        ],
        operator_keys: vec![KEY_OPERATOR.to_owned()],
        resolve: Vec::new(),
        log_level: "warn".into(),
        log_format: Default::default(),
        dynamodb_endpoint: None,
        kms_endpoint: None,
        data_dir: None,
        sqs_endpoint: None,
        queue_name: unique_table(),
        ingest_queue_name: None,
        request_timeout: std::time::Duration::from_secs(30),
        delivery_concurrency: 64,
        shared: hookline::config::Settings {
            strict_urls: false,
            url_allow_list: Default::default(),
            max_webhooks_per_tenant: 1000,
            tenant_events_per_second: 0,
            max_unverified_webhooks: 0,
            max_in_flight_per_webhook: 0,
            tenant_deliveries_per_second: 0,
            tenant_max_in_flight: 0,
            retention_days: 30,
            sweep_grace: hookline::config::DEFAULT_SWEEP_GRACE,
            kms_key_id: Some(TEST_KEY_ALIAS.into()),
            key_file: None,
            table_name: unique_table(),
            retry_schedule: hookline::domain::RetrySchedule::parse("1s,1s").unwrap(),
            delivery_timeout: std::time::Duration::from_secs(2),
            disable_after: std::time::Duration::from_secs(5 * 86_400),
            execution_ttl: std::time::Duration::from_secs(86_400),
            event_catalog: hookline::domain::CatalogMode::Open,
            operator_webhook_url: None,
            operator_webhook_secret: None,
            portal_frame_ancestors: Default::default(),
            public_base_url: None,
        },
    };
    if backend == Backend::DynamoDb {
        settings.dynamodb_endpoint = Some(emulator_endpoint());
        settings.sqs_endpoint = Some(emulator_endpoint());
        settings.kms_endpoint = Some(emulator_endpoint());
    }
    settings
}

/// A running local server and a client for it.
pub struct TestServer {
    pub base: String,
    pub http: reqwest::Client,
    pub running: Running,
    /// Add `"verify": false` to webhook bodies that do not say: the registry tests stand up
    /// no receiver. Delivery tests turn it off.
    pub skip_verification: bool,
}

impl TestServer {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    /// Starts a server with the default test settings changed by `tweak`.
    pub async fn start_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = settings(backend);
        tweak(&mut settings);
        let running = hookline_local::spawn(&settings)
            .await
            .expect("start the local server");
        Self {
            base: format!("http://{}", running.addr),
            http: reqwest::Client::new(),
            running,
            skip_verification: true,
        }
    }

    /// Sends a request with `key` (if any) and JSON `body` (if any); returns status and body.
    pub async fn call(
        &self,
        key: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        self.call_for(key, None, method, path, body).await
    }

    /// `call`, naming a tenant in `Hookline-Tenant` (as an operator key does).
    pub async fn call_for(
        &self,
        key: Option<&str>,
        tenant: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(tenant) = tenant {
            request = request.header("hookline-tenant", tenant);
        }
        if let Some(mut body) = body {
            let webhook_write = path.starts_with("/v1/webhooks")
                && path.matches('/').count() <= 3
                && matches!(method, Method::POST | Method::PUT | Method::PATCH);
            if let (true, true, Some(fields)) =
                (self.skip_verification, webhook_write, body.as_object_mut())
            {
                fields.entry("verify").or_insert(Value::Bool(false));
            }
            request = request.json(&body);
        }
        Reply::from(request.send().await.expect("send request")).await
    }

    pub async fn get(&self, key: &str, path: &str) -> Reply {
        self.call(Some(key), Method::GET, path, None).await
    }

    pub async fn post(&self, key: &str, path: &str, body: Value) -> Reply {
        self.call(Some(key), Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, key: &str, path: &str, body: Value) -> Reply {
        self.call(Some(key), Method::PATCH, path, Some(body)).await
    }

    pub async fn put(&self, key: &str, path: &str, body: Value) -> Reply {
        self.call(Some(key), Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, key: &str, path: &str) -> Reply {
        self.call(Some(key), Method::DELETE, path, None).await
    }

    /// The first page of a webhook's execution history (`query` as `?status=error`, or "").
    pub async fn executions(&self, key: &str, id: &str, query: &str) -> Vec<Value> {
        let reply = self
            .get(key, &format!("/v1/webhooks/{id}/executions{query}"))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body["data"].as_array().expect("a page").clone()
    }

    /// Creates a webhook for `key`'s tenant and returns it (with its secret).
    pub async fn create_webhook(&self, key: &str, url: &str, event_types: &[&str]) -> Value {
        let reply = self
            .post(
                key,
                "/v1/webhooks",
                serde_json::json!({"url": url, "event_types": event_types}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body
    }
}

/// A response: status, headers and the body parsed as JSON (`Null` when empty).
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    async fn from(response: reqwest::Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("read body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("body is not JSON: {bytes:?}"))
        };
        Self {
            status,
            headers,
            body,
        }
    }

    /// Asserts a problem response with this status and `type`.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(self.body["type"], code, "{}", self.body);
        assert_eq!(self.headers["content-type"], "application/problem+json");
        assert!(self.body["detail"].is_string(), "{}", self.body);
        assert!(self.body["title"].is_string(), "{}", self.body);
        assert_eq!(self.body["status"], status);
        if code == "validation_error" {
            assert!(
                !self.body["errors"].as_array().unwrap().is_empty(),
                "{}",
                self.body
            );
        }
    }

    /// The `field`s named by a validation problem.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["field"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Runs a test body once per backend, as two tests named `<name>_memory` and `<name>_dynamodb`.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn memory() {
                ($body)($crate::Backend::Memory).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn dynamodb() {
                ($body)($crate::Backend::DynamoDb).await
            }
        }
    };
}

/// Polls `check` until it returns `Some`, or fails the test after `within`. No fixed sleeps:
/// a passing check returns at once.
pub async fn eventually<T, F, Fut>(within: std::time::Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("timed out waiting for {what}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
