//! Tenant isolation and scopes, route by route, driven by the route table itself (so a new
//! route is in the matrix the day it is added). For every route: tenant B's key on tenant A's
//! data gets 404 (403 on the operator routes), a tenant-A key without the route's scope gets
//! 403, the operator's key acting for tenant B gets 404 and without a tenant 400, and none
//! of them changes anything of tenant A's. Revoked and expired keys are refused on the next
//! request. Both backends. And one tenant's slow backlog does not hold up another tenant's
//! deliveries (the memory queue's turns).

use hookline::api::{Operation, ROUTES, Tenancy};
use hookline::domain::{ApiKey, ApiKeyRecord, Scope, Scopes, TenantId};
use hookline_tests::receiver::{Answer, Receiver};
use hookline_tests::{KEY_A, KEY_B, KEY_OPERATOR, TestServer, eventually, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

/// A tenant-A key with every scope but `scope`.
fn key_without(scope: Scope) -> String {
    format!(
        "test_key_tenant_a_without_{}",
        scope.as_str().replace(':', "_")
    )
}

/// Tenant A's data that every route is aimed at.
struct Fixture {
    webhook: String,
    event: String,
    execution: String,
    /// One of tenant A's API keys (its id).
    key: String,
}

impl Fixture {
    fn path(&self, template: &str) -> String {
        let id = if template.starts_with("/v1/events/") {
            &self.event
        } else {
            &self.webhook
        };
        template
            .replace("{execution_id}", &self.execution)
            .replace("{id}", id)
            .replace("{tenant}", "tenant-a")
            .replace("{key_id}", &self.key)
            .replace("{name}", "iso.made")
    }
}

/// A valid body for the operation (routes that take none get none).
fn body_for(operation: Operation, receiver: &Receiver) -> Option<Value> {
    match operation {
        Operation::CreateWebhook | Operation::PutWebhook => Some(json!({
            "url": receiver.url("/other"),
            "event_types": ["iso.*"],
        })),
        Operation::PatchWebhook => Some(json!({"description": "changed"})),
        Operation::PublishEvent => Some(json!({"event_type": "iso.made", "data": {"n": 2}})),
        Operation::CreateTenantKey => Some(json!({"scopes": ["webhooks:view"]})),
        Operation::UpdateTenantSettings => Some(json!({"max_in_flight": 5})),
        Operation::CreatePortalSession => Some(json!({"ttl": "10m"})),
        Operation::CreateEventType => Some(json!({"name": "iso.other", "description": "x"})),
        Operation::UpdateEventType => Some(json!({"description": "changed"})),
        Operation::RecoverWebhook => {
            Some(json!({"since": hookline::domain::Timestamp::from_millis(
                hookline::domain::Timestamp::now().millis() - 3_600_000
            )}))
        }
        _ => None,
    }
}

/// Everything of tenant A's that any route could change.
async fn snapshot(server: &TestServer, fx: &Fixture) -> Value {
    let mut seen = Vec::new();
    for path in [
        "/v1/webhooks".to_owned(),
        format!("/v1/webhooks/{}", fx.webhook),
        format!("/v1/webhooks/{}/secret", fx.webhook),
        format!("/v1/webhooks/{}/executions", fx.webhook),
        format!("/v1/events/{}", fx.event),
    ] {
        let reply = server.get(KEY_A, &path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        seen.push(reply.body);
    }
    let keys = server.get(KEY_OPERATOR, "/v1/tenants/tenant-a/keys").await;
    assert_eq!(keys.status, StatusCode::OK, "{}", keys.body);
    seen.push(keys.body);
    let settings = server
        .get(KEY_OPERATOR, "/v1/tenants/tenant-a/settings")
        .await;
    assert_eq!(settings.status, StatusCode::OK, "{}", settings.body);
    seen.push(settings.body);
    let catalog = server
        .get(KEY_A, "/v1/event-types?include_archived=true")
        .await;
    assert_eq!(catalog.status, StatusCode::OK, "{}", catalog.body);
    seen.push(catalog.body);
    Value::Array(seen)
}

async fn setup(server: &TestServer, receiver: &Receiver) -> Fixture {
    let catalogued = server
        .post(
            KEY_OPERATOR,
            "/v1/event-types",
            json!({"name": "iso.made", "description": "What the matrix publishes"}),
        )
        .await;
    assert_eq!(
        catalogued.status,
        StatusCode::CREATED,
        "{}",
        catalogued.body
    );
    let webhook = server
        .create_webhook(KEY_A, &receiver.url("/a"), &["iso.*"])
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let published = server
        .post(
            KEY_A,
            "/v1/events",
            json!({"event_type": "iso.made", "data": {"n": 1}}),
        )
        .await;
    assert_eq!(published.status, StatusCode::ACCEPTED, "{}", published.body);
    let event = published.body["id"].as_str().unwrap().to_owned();
    let execution = eventually(WAIT, "tenant A's delivery", || async {
        let reply = server
            .get(KEY_A, &format!("/v1/webhooks/{webhook}/executions"))
            .await;
        let first = reply.body["data"].as_array()?.first()?.clone();
        (first["request_status"] == "success").then(|| first["id"].as_str().unwrap().to_owned())
    })
    .await;
    let key = server
        .post(
            KEY_OPERATOR,
            "/v1/tenants/tenant-a/keys",
            json!({"scopes": ["webhooks:view"], "name": "tenant A's"}),
        )
        .await;
    assert_eq!(key.status, StatusCode::CREATED, "{}", key.body);
    Fixture {
        webhook,
        event,
        execution,
        key: key.body["id"].as_str().unwrap().to_owned(),
    }
}

on_both_backends!(
    every_route_refuses_other_tenants_and_missing_scopes_and_changes_nothing,
    |backend| async move {
        let server = TestServer::start_with(backend, |s| {
            for scope in Scope::ALL {
                let others: Vec<&str> = Scope::TENANT
                    .into_iter()
                    .filter(|s| *s != scope)
                    .map(Scope::as_str)
                    .collect();
                s.api_keys.push(format!(
                    "{}=tenant-a:{}",
                    key_without(scope),
                    others.join(",")
                ));
            }
        })
        .await;
        let receiver = Receiver::start().await;
        let fx = setup(&server, &receiver).await;
        let before = snapshot(&server, &fx).await;

        for route in ROUTES {
            let path = fx.path(route.path);
            let body = body_for(route.operation, &receiver);
            let what = format!("{} {}", route.method, route.path);

            // A key without the route's scope: 403, whatever the target.
            let reply = server
                .call(
                    Some(&key_without(route.scope)),
                    route.method.clone(),
                    &path,
                    body.clone(),
                )
                .await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{what}: {}",
                reply.body
            );
            reply.assert_problem(403, "forbidden");
            assert_eq!(
                snapshot(&server, &fx).await,
                before,
                "{what} without its scope"
            );

            // Tenant B, every scope: tenant A's ids do not exist for it, and the operator
            // routes are not a tenant's.
            let reply = server
                .call(Some(KEY_B), route.method.clone(), &path, body.clone())
                .await;
            if route.scope == Scope::Operator {
                reply.assert_problem(403, "forbidden");
            } else if route.tenancy == Tenancy::Deployment {
                // The catalog is every tenant's to read.
                assert_eq!(reply.status, StatusCode::OK, "{what}: {}", reply.body);
            } else if route.path.contains('{') {
                assert_eq!(
                    reply.status,
                    StatusCode::NOT_FOUND,
                    "{what}: {}",
                    reply.body
                );
                assert_eq!(reply.body["status"], 404, "{what}");
            } else {
                // The collection routes act on tenant B's own data.
                assert!(reply.status.is_success(), "{what}: {}", reply.body);
            }
            if route.method == Method::GET && route.path == "/v1/webhooks" {
                let ids: Vec<&Value> = reply.body["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|w| &w["id"])
                    .collect();
                assert!(!ids.contains(&&json!(fx.webhook)), "B listed A's webhook");
            }
            assert_eq!(snapshot(&server, &fx).await, before, "{what} as tenant B");

            if route.tenancy != Tenancy::Header {
                continue;
            }
            // The operator's key acting for tenant B: tenant A's ids do not exist either.
            // (Its webhook is its own, not a second one of the url tenant B just made.)
            let mut operator_body = body.clone();
            if let Some(url) = operator_body.as_mut().and_then(|b| b.get_mut("url")) {
                *url = json!(receiver.url("/operator"));
            }
            let reply = server
                .call_for(
                    Some(KEY_OPERATOR),
                    Some("tenant-b"),
                    route.method.clone(),
                    &path,
                    operator_body,
                )
                .await;
            if route.path.contains('{') {
                reply.assert_problem(404, reply.body["type"].as_str().unwrap_or(""));
            } else {
                assert!(reply.status.is_success(), "{what}: {}", reply.body);
            }
            // Without a tenant it acts for none; tenant A's key naming tenant B is refused.
            let reply = server
                .call(
                    Some(KEY_OPERATOR),
                    route.method.clone(),
                    &path,
                    body.clone(),
                )
                .await;
            reply.assert_problem(400, "tenant_required");
            let reply = server
                .call_for(
                    Some(KEY_A),
                    Some("tenant-b"),
                    route.method.clone(),
                    &path,
                    body.clone(),
                )
                .await;
            reply.assert_problem(403, "forbidden");
            assert_eq!(
                snapshot(&server, &fx).await,
                before,
                "{what} as the operator for tenant B"
            );
        }

        // Tenant B's event reached tenant B's webhook (made by the create route above), and
        // still nothing of tenant A's moved.
        let b_hooks = server.get(KEY_B, "/v1/webhooks").await.body["data"].clone();
        let b_hook = b_hooks[0]["id"].as_str().unwrap().to_owned();
        eventually(WAIT, "tenant B's delivery", || async {
            let reply = server
                .get(KEY_B, &format!("/v1/webhooks/{b_hook}/executions"))
                .await;
            (!reply.body["data"].as_array()?.is_empty()).then_some(())
        })
        .await;
        assert_eq!(
            receiver.on("/a").len(),
            1,
            "tenant A's receiver got B's event"
        );
        assert_eq!(snapshot(&server, &fx).await, before);
    }
);

on_both_backends!(
    a_revoked_key_is_refused_on_its_next_request,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let key = ApiKey::generate();
        let record = ApiKeyRecord::new(
            &key,
            TenantId::parse("tenant-a").unwrap(),
            Scopes::all_tenant(),
            Some("to revoke".into()),
        );
        let keys = &server.running.ctx.keys;
        keys.put(&record).await.unwrap();
        let reply = server.get(key.expose(), "/v1/webhooks").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

        assert!(keys.revoke(&record.id, None).await.unwrap());
        for route in ROUTES {
            let path = any_path(route.path);
            let reply = server
                .call(Some(key.expose()), route.method.clone(), &path, None)
                .await;
            reply.assert_problem(401, "unauthenticated");
        }
        let reply = server.get(KEY_A, "/v1/webhooks").await;
        assert_eq!(reply.status, StatusCode::OK, "other keys still work");
    }
);

/// The route's path with fresh ids.
fn any_path(template: &str) -> String {
    template
        .replace("{id}", &uuid::Uuid::now_v7().to_string())
        .replace("{execution_id}", &uuid::Uuid::now_v7().to_string())
        .replace("{key_id}", &uuid::Uuid::now_v7().to_string())
        .replace("{tenant}", "tenant-a")
        .replace("{name}", "any.type")
}

on_both_backends!(
    an_expired_key_is_refused_and_the_operator_manages_tenant_keys,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let keys = &server.running.ctx.keys;

        // Expired before this request: refused everywhere, operator keys too.
        for record in [
            ApiKeyRecord::new(
                &ApiKey::generate(),
                TenantId::parse("tenant-a").unwrap(),
                Scopes::all_tenant(),
                None,
            ),
            ApiKeyRecord::operator(&ApiKey::generate(), None),
        ] {
            let key = ApiKey::generate();
            let expired = ApiKeyRecord {
                hash: key.hash(),
                ..record
            }
            .expiring_at(hookline::domain::Timestamp::parse("2020-01-01T00:00:00Z"));
            keys.put(&expired).await.unwrap();
            for route in ROUTES {
                let reply = server
                    .call_for(
                        Some(key.expose()),
                        Some("tenant-a"),
                        route.method.clone(),
                        &any_path(route.path),
                        None,
                    )
                    .await;
                reply.assert_problem(401, "unauthenticated");
            }
        }

        // The operator makes a key for tenant A that works at once, for tenant A only, with
        // its scopes only; listed without its text; revoked, it is refused.
        let made = server
            .post(
                KEY_OPERATOR,
                "/v1/tenants/tenant-a/keys",
                json!({"scopes": ["webhooks:view", "events:publish"], "name": "ci"}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let text = made.body["key"].as_str().unwrap().to_owned();
        assert_eq!(made.body["tenant"], "tenant-a");
        assert_eq!(
            made.body["scopes"],
            json!(["webhooks:view", "events:publish"])
        );
        let mine = server.get(&text, "/v1/webhooks").await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
        server
            .post(
                &text,
                "/v1/webhooks",
                json!({"url": "http://127.0.0.1:9/x", "event_types": ["*"]}),
            )
            .await
            .assert_problem(403, "forbidden");
        server
            .get(&text, "/v1/tenants/tenant-a/keys")
            .await
            .assert_problem(403, "forbidden");
        let listed = server.get(KEY_OPERATOR, "/v1/tenants/tenant-a/keys").await;
        let listed = listed.body["data"].as_array().unwrap().clone();
        let entry = listed
            .iter()
            .find(|k| k["id"] == made.body["id"])
            .expect("the new key is listed");
        assert!(entry.get("key").is_none(), "{entry}");
        assert_eq!(entry["prefix"], json!(&text[..7]));
        assert!(
            server
                .get(KEY_OPERATOR, "/v1/tenants/tenant-b/keys")
                .await
                .body["data"]
                .as_array()
                .unwrap()
                .iter()
                .all(|k| k["id"] != made.body["id"]),
            "tenant B lists tenant A's key"
        );
        let id = made.body["id"].as_str().unwrap();
        server
            .delete(KEY_OPERATOR, &format!("/v1/tenants/tenant-b/keys/{id}"))
            .await
            .assert_problem(404, "key_not_found");
        let revoked = server
            .delete(KEY_OPERATOR, &format!("/v1/tenants/tenant-a/keys/{id}"))
            .await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.body);
        server
            .get(&text, "/v1/webhooks")
            .await
            .assert_problem(401, "unauthenticated");
        server
            .delete(KEY_OPERATOR, &format!("/v1/tenants/tenant-a/keys/{id}"))
            .await
            .assert_problem(404, "key_not_found");
    }
);

/// Tenant B's endpoints answer after a second and B has ten times the delivery concurrency
/// of deliveries queued; tenant A's delivery to an endpoint that answers at once arrives
/// within about one attempt's time, not behind B's backlog (about ten seconds in arrival
/// order). Memory backend only: moto does not emulate SQS fair queues, and in AWS they
/// only reorder once a tenant has many messages in flight (docs/architecture.md).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_tenants_backlog_does_not_hold_up_another_tenants_delivery() {
    const CONCURRENCY: usize = 8;
    // Measured: about 10 s before the turns (A behind all 80), about 1 s with them (one of
    // B's attempts, for a free worker).
    const BOUND: Duration = Duration::from_secs(5);
    let receiver = Receiver::start().await;
    let server = TestServer::start_with(hookline_tests::Backend::Memory, |settings| {
        settings.delivery_concurrency = CONCURRENCY;
    })
    .await;
    for i in 0..4 {
        let path = format!("/slow/{i}");
        receiver.always(&path, Answer::status(200).delay(Duration::from_secs(1)));
        server
            .create_webhook(KEY_B, &receiver.url(&path), &["slow.*"])
            .await;
    }
    server
        .create_webhook(KEY_A, &receiver.url("/fast"), &["fast.*"])
        .await;
    // 20 events to 4 webhooks: 80 deliveries.
    for n in 0..20 {
        let published = server
            .post(
                KEY_B,
                "/v1/events",
                json!({"event_type": "slow.made", "data": {"n": n}}),
            )
            .await;
        assert_eq!(published.status, StatusCode::ACCEPTED, "{}", published.body);
    }
    eventually(WAIT, "B's backlog under way", || async {
        (!receiver.on("/slow/0").is_empty()).then_some(())
    })
    .await;

    let started = std::time::Instant::now();
    let published = server
        .post(
            KEY_A,
            "/v1/events",
            json!({"event_type": "fast.made", "data": {}}),
        )
        .await;
    assert_eq!(published.status, StatusCode::ACCEPTED, "{}", published.body);
    eventually(WAIT, "A's delivery", || async {
        (!receiver.on("/fast").is_empty()).then_some(())
    })
    .await;
    let waited = started.elapsed();
    let b_done = (0..4)
        .map(|i| receiver.on(&format!("/slow/{i}")).len())
        .sum::<usize>();
    assert!(
        waited < BOUND,
        "A waited {waited:?} behind B's backlog ({b_done} of B's 80 sent by then)"
    );
    eprintln!("A waited {waited:?} ({b_done} of B's 80 deliveries sent by then)");
}
