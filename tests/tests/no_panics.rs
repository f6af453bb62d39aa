//! Property test: requests made of random methods, paths, queries, headers and bodies (random
//! JSON, valid bodies with fields swapped for random values, random bytes) go through the
//! handlers the Lambdas and the local server share, as every function and as the local
//! server, and never panic and never answer 5xx. The store is shared across cases, so later
//! cases meet the webhooks, events and executions earlier ones made.

use bytes::Bytes;
use hookline::AppContext;
use hookline::api::{self, ApiRequest, Function, Identity, KeyHolder, ROUTES, Served};
use hookline::config::{AuthMode, Config};
use hookline::domain::{
    EventTypePattern, EventTypes, KeyOwner, Scopes, TenantId, Webhook, WebhookSecret, WebhookSpec,
};
use hookline::url_guard::{UrlPolicy, WebhookUrl};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use serde_json::{Map, Value, json};
use std::sync::OnceLock;
use std::time::Duration;

/// Field names of the contract, so random objects often reach the field parsers.
const FIELDS: &[&str] = &[
    "url",
    "event_types",
    "filters",
    "description",
    "active",
    "headers",
    "metadata",
    "secret",
    "verify",
    "event_type",
    "data",
    "path",
    "any_of",
    "idempotency_key",
    "id",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::from),
        prop::sample::select(vec![
            "https://example.com/hook",
            "http://127.0.0.1:1/",
            "a.b",
            "*",
            "a.*",
            "whsec_AAAA",
            "",
            "x-custom",
            "$.a",
            "2026-11-24T00:00:00Z",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![
            prop::sample::select(FIELDS).prop_map(str::to_owned),
            ".{0,12}"
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Valid bodies of the contract, with one field replaced by a random value.
fn mutated_body() -> impl Strategy<Value = Value> {
    let valid = prop::sample::select(vec![
        json!({"url": "https://hookline.invalid/h", "event_types": ["a.*"], "verify": false,
               "filters": [{"path": "x", "any_of": ["1"]}], "headers": {"x-a": "1"},
               "metadata": {"k": "v"}, "description": "d"}),
        json!({"event_type": "a.b", "data": {"x": "1"}}),
        json!({"description": null, "active": false}),
    ]);
    (valid, prop::sample::select(FIELDS), json_value()).prop_map(|(mut body, field, value)| {
        body[field] = value;
        body
    })
}

fn body() -> impl Strategy<Value = Bytes> {
    prop_oneof![
        Just(Bytes::new()),
        json_value().prop_map(|v| Bytes::from(v.to_string())),
        mutated_body().prop_map(|v| Bytes::from(v.to_string())),
        prop::collection::vec(any::<u8>(), 0..200).prop_map(Bytes::from),
    ]
}

/// A route's path with its ids replaced by random ones, real-looking ones or junk; or a
/// path that is random altogether.
fn path(known: Vec<String>) -> impl Strategy<Value = String> {
    let id = prop_oneof![
        prop::sample::select(known),
        Just(uuid::Uuid::now_v7().to_string()),
        "[a-zA-Z0-9%._~-]{0,40}",
    ];
    prop_oneof![
        4 => (prop::sample::select(ROUTES.iter().map(|r| r.path).collect::<Vec<_>>()), id.clone(), id)
            .prop_map(|(p, a, b)| p.replace("{id}", &a).replace("{execution_id}", &b)),
        1 => "/[a-z0-9/{}%.]{0,60}",
    ]
}

fn method() -> impl Strategy<Value = Method> {
    prop::sample::select(vec![
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
        Method::from_bytes(b"PURGE").unwrap(),
    ])
}

fn headers() -> impl Strategy<Value = HeaderMap> {
    let name = prop::sample::select(vec![
        "accept-language",
        "content-type",
        "authorization",
        "idempotency-key",
        "hookline-tenant",
        "x-random",
    ]);
    let value = prop_oneof![
        "[ -~]{0,60}",
        prop::sample::select(vec![
            "ja",
            "ja;q=0, en;q=0.1",
            "*;q=x",
            "Bearer nope",
            "application/json",
            "fuzz-a",
            "fuzz-b",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec((name, value), 0..4).prop_map(|pairs| {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            if let Ok(value) = HeaderValue::from_str(&value) {
                map.append(HeaderName::from_static(name), value);
            }
        }
        map
    })
}

fn served() -> impl Strategy<Value = Served> {
    prop_oneof![
        Just(Served::All),
        prop::sample::select(Function::ALL.to_vec()).prop_map(Served::Function),
    ]
}

fn identity() -> impl Strategy<Value = Identity> {
    let tenant = prop::sample::select(vec!["fuzz-a", "fuzz-b"]);
    prop_oneof![
        4 => (tenant, 0u8..32).prop_map(|(tenant, bits)| {
            let scopes = hookline::domain::Scope::TENANT
                .into_iter()
                .enumerate()
                .filter(|(i, _)| bits & (1 << i) != 0 || bits == 0)
                .map(|(_, s)| s)
                .collect::<Scopes>();
            Identity::Resolved(Some(KeyHolder {
                owner: KeyOwner::Tenant(TenantId::parse(tenant).unwrap()),
                scopes,
                expires_at: None,
            }))
        }),
        1 => Just(Identity::Resolved(Some(KeyHolder {
            owner: KeyOwner::Operator,
            scopes: Scopes::operator(),
            expires_at: None,
        }))),
        1 => Just(Identity::Resolved(None)),
        1 => Just(Identity::BearerKey),
    ]
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

#[test]
fn random_requests_never_panic_and_never_answer_5xx() {
    let mut config = Config {
        auth: AuthMode::KeyStore,
        urls: UrlPolicy::STRICT,
        ..Config::default()
    };
    // Pings and verifications of the fuzzed webhooks resolve to a forbidden address, so they
    // are refused at once and never leave the machine.
    config
        .dns_overrides
        .add("hookline.invalid=192.0.2.1")
        .unwrap();
    config.delivery.timeout = Duration::from_millis(300);
    let ctx = AppContext::in_memory(config).unwrap();

    // Real ids to aim at: a webhook, an event and a (refused) ping execution of tenant a.
    let caller = || {
        Identity::Resolved(Some(KeyHolder {
            owner: KeyOwner::Tenant(TenantId::parse("fuzz-a").unwrap()),
            scopes: Scopes::all_tenant(),
            expires_at: None,
        }))
    };
    let call = |method: Method, path: &str, body: Value| ApiRequest {
        method,
        path: path.to_owned(),
        query: None,
        headers: HeaderMap::new(),
        body: Bytes::from(body.to_string()),
        gateway_domain: None,
    };
    let known = runtime().block_on(async {
        // Stored directly: registration would refuse the name, since it answers a
        // forbidden address (which is what keeps pings on the machine).
        let spec = WebhookSpec::new(
            WebhookUrl::parse("https://hookline.invalid/x", &UrlPolicy::STRICT).unwrap(),
            EventTypes::new(vec![EventTypePattern::parse("a.*").unwrap()]).unwrap(),
        );
        let tenant = TenantId::parse("fuzz-a").unwrap();
        let webhook = Webhook::new(tenant, spec, WebhookSecret::generate());
        ctx.webhooks
            .insert(&webhook, hookline::store::WebhookQuota::webhooks(1000))
            .await
            .unwrap();
        let webhook = webhook.id.to_string();
        let event = api::handle(
            &ctx,
            Served::All,
            caller(),
            call(
                Method::POST,
                "/v1/events",
                json!({"event_type": "a.b", "data": {}}),
            ),
        )
        .await;
        let event: Value = serde_json::from_slice(event.body()).unwrap();
        let ping = api::handle(
            &ctx,
            Served::All,
            caller(),
            call(
                Method::POST,
                &format!("/v1/webhooks/{webhook}/ping"),
                json!({}),
            ),
        )
        .await;
        let ping: Value = serde_json::from_slice(ping.body()).unwrap();
        vec![
            webhook,
            event["id"].as_str().unwrap().to_owned(),
            ping["execution"]["id"].as_str().unwrap().to_owned(),
        ]
    });

    let request = (
        method(),
        path(known),
        prop::option::of("[a-z_=&%0-9]{0,40}"),
        headers(),
        body(),
        served(),
        identity(),
    );
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 3000,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(
            &request,
            |(method, path, query, headers, body, served, identity)| {
                let request = ApiRequest {
                    method,
                    path,
                    query,
                    headers,
                    body,
                    gateway_domain: None,
                };
                let shown = format!("{} {}?{:?}", request.method, request.path, request.query);
                let response = runtime().block_on(api::handle(&ctx, served, identity, request));
                let status = response.status();
                prop_assert!(
                    status.as_u16() < 500,
                    "{} answered {}: {:?}",
                    shown,
                    status,
                    response.body()
                );
                if !response.body().is_empty() {
                    prop_assert!(
                        serde_json::from_slice::<Value>(response.body()).is_ok(),
                        "{} answered a body that is not JSON",
                        shown
                    );
                }
                Ok(())
            },
        )
        .unwrap();
}
