//! The webhook registry through real HTTP against the local server, on both backends.

use hookline::domain::{KeyOwner, TenantId};
use hookline_tests::{
    Backend, KEY_A, KEY_A_NONE, KEY_A_VIEW, KEY_B, KEY_OPERATOR, Reply, TestServer,
    on_both_backends,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashSet;

fn id_of(webhook: &Value) -> String {
    webhook["id"].as_str().unwrap().to_owned()
}

on_both_backends!(
    create_get_update_and_delete_a_webhook,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let created = server
            .post(
                KEY_A,
                "/v1/webhooks",
                json!({
                    "url": "https://hooks.example.com/in",
                    "event_types": ["task.completed", "node.*"],
                    "filters": [{"path": "resource_type", "any_of": ["task"]}],
                    "description": "prod",
                    "headers": {"X-Custom": "v"},
                    "metadata": {"team": "infra"},
                    "verify": false
                }),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = id_of(&created.body);
        assert_eq!(created.headers["location"], format!("/v1/webhooks/{id}"));
        let secret = created.body["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("whsec_"));
        assert_eq!(created.body["active"], true);
        assert_eq!(created.body["failed"], false);
        assert_eq!(created.body["consecutive_failures"], 0);
        assert_eq!(created.body["headers"], json!({"x-custom": "v"}));
        assert!(created.body["created_at"].as_str().unwrap().ends_with('Z'));

        let got = server.get(KEY_A, &format!("/v1/webhooks/{id}")).await;
        assert_eq!(got.status, StatusCode::OK);
        assert!(
            got.body.get("secret").is_none(),
            "the secret is never in the webhook object"
        );
        assert_eq!(got.body["url"], "https://hooks.example.com/in");

        let read_secret = server
            .get(KEY_A, &format!("/v1/webhooks/{id}/secret"))
            .await;
        assert_eq!(read_secret.body, json!({"secret": secret}));

        let patched = server
            .patch(
                KEY_A,
                &format!("/v1/webhooks/{id}"),
                json!({"description": null, "active": false}),
            )
            .await;
        assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
        assert_eq!(patched.body["description"], Value::Null);
        assert_eq!(patched.body["active"], false);
        assert_eq!(
            patched.body["metadata"],
            json!({"team": "infra"}),
            "PATCH keeps what it is not given"
        );

        let put = server
            .put(
                KEY_A,
                &format!("/v1/webhooks/{id}"),
                json!({"url": "https://hooks.example.com/v2", "event_types": ["x"]}),
            )
            .await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.body);
        assert_eq!(
            put.body["filters"],
            json!([]),
            "PUT empties what it is not given"
        );
        assert_eq!(put.body["headers"], json!({}));
        assert_eq!(put.body["metadata"], json!({}));
        assert_eq!(put.body["active"], true);
        assert_ne!(put.body["updated_at"], created.body["updated_at"]);
        assert_eq!(put.body["created_at"], created.body["created_at"]);

        let deleted = server.delete(KEY_A, &format!("/v1/webhooks/{id}")).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        server
            .get(KEY_A, &format!("/v1/webhooks/{id}"))
            .await
            .assert_problem(404, "webhook_not_found");
        server
            .delete(KEY_A, &format!("/v1/webhooks/{id}"))
            .await
            .assert_problem(404, "webhook_not_found");
        server.running.shutdown().await.unwrap();
    }
);

on_both_backends!(
    a_missing_malformed_or_unknown_key_is_401,
    |backend| async move {
        let server = TestServer::start(backend).await;
        server
            .call(None, Method::GET, "/v1/webhooks", None)
            .await
            .assert_problem(401, "unauthenticated");
        server
            .get("short", "/v1/webhooks")
            .await
            .assert_problem(401, "unauthenticated");
        server
            .get("unknown_key_0123456789", "/v1/webhooks")
            .await
            .assert_problem(401, "unauthenticated");
        let basic = server
            .http
            .get(format!("{}/v1/webhooks", server.base))
            .header("authorization", format!("Basic {KEY_A}"))
            .send()
            .await
            .unwrap();
        assert_eq!(basic.status(), 401);
    }
);

on_both_backends!(
    every_route_needs_its_scope_and_changes_nothing_without_it,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let id = id_of(
            &server
                .create_webhook(KEY_A, "https://scope.example/h", &["a"])
                .await,
        );
        let path = format!("/v1/webhooks/{id}");
        let body = json!({"url": "https://scope.example/other", "event_types": ["b"]});
        let cases: Vec<(Method, String, Option<Value>, &str)> = vec![
            (
                Method::POST,
                "/v1/webhooks".into(),
                Some(body.clone()),
                "webhooks:add",
            ),
            (
                Method::PATCH,
                path.clone(),
                Some(json!({"active": false})),
                "webhooks:edit",
            ),
            (
                Method::PUT,
                path.clone(),
                Some(body.clone()),
                "webhooks:edit",
            ),
            (Method::DELETE, path.clone(), None, "webhooks:remove"),
            (Method::GET, format!("{path}/secret"), None, "webhooks:edit"),
        ];
        for (method, route, body, scope) in cases {
            let reply = server
                .call(Some(KEY_A_VIEW), method.clone(), &route, body)
                .await;
            reply.assert_problem(403, "forbidden");
            assert!(
                reply.body["detail"].as_str().unwrap().contains(scope),
                "{method} {route}: {}",
                reply.body
            );
        }
        for route in ["/v1/webhooks".to_owned(), path.clone()] {
            server
                .get(KEY_A_NONE, &route)
                .await
                .assert_problem(403, "forbidden");
        }
        // Nothing changed.
        let list = server.get(KEY_A_VIEW, "/v1/webhooks").await;
        assert_eq!(list.body["data"].as_array().unwrap().len(), 1);
        assert_eq!(list.body["data"][0]["url"], "https://scope.example/h");
        assert_eq!(list.body["data"][0]["active"], true);
    }
);

on_both_backends!(
    another_tenants_webhook_does_not_exist_for_the_caller,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let theirs = server
            .create_webhook(KEY_A, "https://tenant.example/h", &["a"])
            .await;
        let path = format!("/v1/webhooks/{}", id_of(&theirs));
        server
            .get(KEY_B, &path)
            .await
            .assert_problem(404, "webhook_not_found");
        server
            .get(KEY_B, &format!("{path}/secret"))
            .await
            .assert_problem(404, "webhook_not_found");
        server
            .patch(KEY_B, &path, json!({"active": false}))
            .await
            .assert_problem(404, "webhook_not_found");
        server
            .put(
                KEY_B,
                &path,
                json!({"url": "https://x.example", "event_types": ["a"]}),
            )
            .await
            .assert_problem(404, "webhook_not_found");
        server
            .patch(KEY_B, &path, json!({"bogus": 1}))
            .await
            .assert_problem(404, "webhook_not_found");
        server
            .delete(KEY_B, &path)
            .await
            .assert_problem(404, "webhook_not_found");
        assert_eq!(
            server.get(KEY_B, "/v1/webhooks").await.body["data"],
            json!([])
        );
        // Tenant B may register the same url: uniqueness is per tenant.
        server
            .create_webhook(KEY_B, "https://tenant.example/h", &["a"])
            .await;
        let mine = server.get(KEY_A, &path).await;
        assert_eq!(mine.status, StatusCode::OK);
        assert_eq!(mine.body, {
            let mut t = theirs.clone();
            t.as_object_mut().unwrap().remove("secret");
            t
        });
    }
);

on_both_backends!(
    malformed_ids_and_unknown_routes_are_404_and_wrong_methods_405,
    |backend| async move {
        let server = TestServer::start(backend).await;
        server
            .get(KEY_A, "/v1/webhooks/not-a-uuid")
            .await
            .assert_problem(404, "webhook_not_found");
        server
            .get(KEY_A, "/v1/webhooks/4b1c7e8e-2f7a-4c6e-9d2a-0b6f1c2d3e4f")
            .await
            .assert_problem(404, "webhook_not_found");
        server
            .get(KEY_A, "/v1/nothing")
            .await
            .assert_problem(404, "not_found");
        server
            .get(KEY_A, "/v2/webhooks")
            .await
            .assert_problem(404, "not_found");
        let reply = server
            .call(Some(KEY_A), Method::DELETE, "/v1/webhooks", None)
            .await;
        reply.assert_problem(405, "method_not_allowed");
        assert_eq!(reply.headers["allow"], "POST, GET");
    }
);

on_both_backends!(
    bad_input_is_a_validation_error_naming_every_field,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let cases = [
            (
                json!({"url": "https://v.example", "event_types": ["a"], "unknown": 1}),
                vec!["unknown"],
            ),
            (json!({"event_types": ["a"]}), vec!["url"]),
            (json!({"url": "https://v.example"}), vec!["event_types"]),
            (
                json!({"url": 5, "event_types": "a"}),
                vec!["url", "event_types"],
            ),
            (
                json!({"url": "not a url", "event_types": ["a b", "ok", "x.**"]}),
                vec!["url", "event_types[0]", "event_types[2]"],
            ),
            (
                json!({"url": "https://v.example", "event_types": []}),
                vec!["event_types"],
            ),
            (
                json!({"url": "https://v.example", "event_types": ["a", "a"]}),
                vec!["event_types"],
            ),
            (
                json!({"url": "https://v.example", "event_types": ["a"], "headers": {"Webhook-Id": "x", "Host": "y"}}),
                vec!["headers.Webhook-Id", "headers.Host"],
            ),
            (
                json!({"url": "https://v.example", "event_types": ["a"], "filters": [{"path": "", "any_of": ["x"]}]}),
                vec!["filters[0]"],
            ),
            (
                json!({"url": "https://v.example", "event_types": ["a"], "filters": [{"path": "a", "any_of": [], "x": 1}]}),
                vec!["filters"],
            ),
            (
                json!({"url": "https://v.example", "event_types": ["a"], "secret": "whsec_short"}),
                vec!["secret"],
            ),
            (
                json!({"url": "https://v.example", "event_types": ["a"], "id": "x", "failed": true}),
                vec!["id", "failed"],
            ),
            (
                json!({"url": "https://v.example", "event_types": ["a"], "active": "yes", "verify": 1}),
                vec!["active", "verify"],
            ),
            (
                json!({"url": "https://v.example", "event_types": ["a"], "description": "x".repeat(1025)}),
                vec!["description"],
            ),
            (
                json!({"url": "https://v.example", "event_types": ["a"], "metadata": {"k": 1}}),
                vec!["metadata"],
            ),
        ];
        for (body, fields) in cases {
            let reply = server.post(KEY_A, "/v1/webhooks", body.clone()).await;
            reply.assert_problem(400, "validation_error");
            let got: HashSet<String> = reply.error_fields().into_iter().collect();
            let want: HashSet<String> = fields.iter().map(|f| f.to_string()).collect();
            assert_eq!(got, want, "{body} -> {}", reply.body);
        }
        for raw in ["{", "[1,2]", "\"text\"", ""] {
            let reply = server
                .http
                .post(format!("{}/v1/webhooks", server.base))
                .bearer_auth(KEY_A)
                .body(raw)
                .send()
                .await
                .unwrap();
            assert_eq!(reply.status(), 400, "{raw:?}");
        }
        // Nothing was created by any of it.
        assert_eq!(
            server.get(KEY_A, "/v1/webhooks").await.body["data"],
            json!([])
        );
    }
);

on_both_backends!(
    updates_refuse_the_secret_and_read_only_fields,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let hook = server
            .create_webhook(KEY_A, "https://u.example/h", &["a"])
            .await;
        let path = format!("/v1/webhooks/{}", id_of(&hook));
        let r = server
            .patch(
                KEY_A,
                &path,
                json!({"secret": "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}),
            )
            .await;
        r.assert_problem(400, "validation_error");
        assert_eq!(r.error_fields(), vec!["secret"]);
        server
            .patch(KEY_A, &path, json!({"consecutive_failures": 0}))
            .await
            .assert_problem(400, "validation_error");
        server
            .patch(KEY_A, &path, json!({"url": null}))
            .await
            .assert_problem(400, "validation_error");
        let put = server
            .put(KEY_A, &path, json!({"event_types": ["a"]}))
            .await;
        put.assert_problem(400, "validation_error");
        assert_eq!(put.error_fields(), vec!["url"]);
        let unchanged = server.get(KEY_A, &path).await;
        assert_eq!(unchanged.body["updated_at"], hook["updated_at"]);
    }
);

on_both_backends!(
    the_same_url_event_type_set_and_filters_twice_is_a_conflict,
    |backend| async move {
        let server = TestServer::start(backend).await;
        server
            .create_webhook(KEY_A, "https://dup.example/h", &["a", "b"])
            .await;
        let again = server
            .post(
                KEY_A,
                "/v1/webhooks",
                json!({"url": "https://dup.example/h", "event_types": ["b", "a"]}),
            )
            .await;
        again.assert_problem(409, "webhook_conflict");
        // Other filters: a second webhook. The same filters in another order: a conflict.
        let filters = json!([
            {"path": "region", "any_of": ["eu", "us"]},
            {"path": "tier", "any_of": [1, true]}
        ]);
        let filtered = server
            .post(
                KEY_A,
                "/v1/webhooks",
                json!({"url": "https://dup.example/h", "event_types": ["a", "b"], "filters": filters}),
            )
            .await;
        assert_eq!(filtered.status, StatusCode::CREATED, "{}", filtered.body);
        let reordered = json!([
            {"path": "tier", "any_of": [true, 1]},
            {"path": "region", "any_of": ["us", "eu"]}
        ]);
        server
            .post(
                KEY_A,
                "/v1/webhooks",
                json!({"url": "https://dup.example/h", "event_types": ["b", "a"], "filters": reordered}),
            )
            .await
            .assert_problem(409, "webhook_conflict");
        let other = server
            .create_webhook(KEY_A, "https://dup.example/h", &["a"])
            .await;
        let clash = server
            .patch(
                KEY_A,
                &format!("/v1/webhooks/{}", id_of(&other)),
                json!({"event_types": ["a", "b"]}),
            )
            .await;
        clash.assert_problem(409, "webhook_conflict");
        let clash = server
            .patch(
                KEY_A,
                &format!("/v1/webhooks/{}", id_of(&other)),
                json!({"event_types": ["a", "b"], "filters": reordered}),
            )
            .await;
        clash.assert_problem(409, "webhook_conflict");
        assert_eq!(
            server.get(KEY_A, "/v1/webhooks").await.body["data"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
    }
);

on_both_backends!(
    paging_through_120_webhooks_yields_each_once,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let mut made = Vec::new();
        for i in 0..120 {
            made.push(id_of(
                &server
                    .create_webhook(KEY_A, &format!("https://page.example/{i}"), &["a"])
                    .await,
            ));
        }
        let mut seen = Vec::new();
        let mut sizes = Vec::new();
        let mut path = "/v1/webhooks".to_owned();
        loop {
            let page = server.get(KEY_A, &path).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            let data = page.body["data"].as_array().unwrap();
            sizes.push(data.len());
            seen.extend(data.iter().map(id_of));
            match page.body["next_cursor"].as_str() {
                Some(cursor) => path = format!("/v1/webhooks?cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(sizes, vec![50, 50, 20]);
        assert_eq!(seen, made, "every webhook once, oldest first");

        let small = server.get(KEY_A, "/v1/webhooks?limit=100").await;
        assert_eq!(small.body["data"].as_array().unwrap().len(), 100);
        for bad in [
            "limit=0",
            "limit=101",
            "limit=x",
            "cursor=nope",
            "active=maybe",
            "event_type=a*",
            "sort=asc",
        ] {
            server
                .get(KEY_A, &format!("/v1/webhooks?{bad}"))
                .await
                .assert_problem(400, "validation_error");
        }
    }
);

on_both_backends!(
    lists_filter_by_event_type_and_active,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let exact = id_of(
            &server
                .create_webhook(KEY_A, "https://f.example/1", &["task.completed"])
                .await,
        );
        let prefix = id_of(
            &server
                .create_webhook(KEY_A, "https://f.example/2", &["task.*"])
                .await,
        );
        let all = id_of(
            &server
                .create_webhook(KEY_A, "https://f.example/3", &["*"])
                .await,
        );
        let other = id_of(
            &server
                .create_webhook(KEY_A, "https://f.example/4", &["node.changed"])
                .await,
        );
        server
            .patch(
                KEY_A,
                &format!("/v1/webhooks/{all}"),
                json!({"active": false}),
            )
            .await;
        let ids = |reply: Reply| {
            reply.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(id_of)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(server
                .get(KEY_A, "/v1/webhooks?event_type=task.completed")
                .await),
            vec![exact.clone(), prefix.clone(), all.clone()]
        );
        assert_eq!(
            ids(server
                .get(KEY_A, "/v1/webhooks?event_type=task.completed&active=true")
                .await),
            vec![exact.clone(), prefix.clone()]
        );
        assert_eq!(
            ids(server.get(KEY_A, "/v1/webhooks?active=false").await),
            vec![all.clone()]
        );
        // A filtered page is still full-sized and its cursor continues the same filter.
        let first = server
            .get(KEY_A, "/v1/webhooks?event_type=task.completed&limit=1")
            .await;
        assert_eq!(ids(Reply { ..first }), vec![exact]);
        let first = server
            .get(KEY_A, "/v1/webhooks?event_type=task.completed&limit=1")
            .await;
        let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
        let second = server
            .get(
                KEY_A,
                &format!("/v1/webhooks?event_type=task.completed&limit=1&cursor={cursor}"),
            )
            .await;
        assert_eq!(ids(second), vec![prefix]);
        let _ = other;
    }
);

on_both_backends!(
    the_url_rules_refuse_private_and_plain_http_targets,
    |backend| async move {
        let server = TestServer::start_with(backend, |s| s.strict_urls = true).await;
        for url in [
            "http://hooks.example.com/",
            "https://127.0.0.1/",
            "https://2130706433/",
            "https://0177.0.0.1/",
            "https://localhost/",
            "https://a.localhost./",
            "https://[::ffff:127.0.0.1]/",
            "https://169.254.169.254/",
            "https://10.1.2.3/",
            "https://[fd00:ec2::254]/",
            "https://user:pw@hooks.example.com/",
        ] {
            let reply = server
                .post(
                    KEY_A,
                    "/v1/webhooks",
                    json!({"url": url, "event_types": ["a"]}),
                )
                .await;
            reply.assert_problem(400, "url_not_allowed");
        }
        server
            .create_webhook(KEY_A, "https://hooks.example.com/", &["a"])
            .await;
        let hook = server.get(KEY_A, "/v1/webhooks").await.body["data"][0].clone();
        let moved = server
            .patch(
                KEY_A,
                &format!("/v1/webhooks/{}", id_of(&hook)),
                json!({"url": "https://192.168.0.1/"}),
            )
            .await;
        moved.assert_problem(400, "url_not_allowed");

        // The development default allows them.
        let dev = TestServer::start(backend).await;
        dev.create_webhook(KEY_A, "http://127.0.0.1:9/hook", &["a"])
            .await;
    }
);

on_both_backends!(the_per_tenant_cap_is_enforced, |backend| async move {
    let server = TestServer::start_with(backend, |s| s.max_webhooks_per_tenant = 3).await;
    for i in 0..3 {
        server
            .create_webhook(KEY_A, &format!("https://cap.example/{i}"), &["a"])
            .await;
    }
    let over = server
        .post(
            KEY_A,
            "/v1/webhooks",
            json!({"url": "https://cap.example/3", "event_types": ["a"]}),
        )
        .await;
    over.assert_problem(400, "validation_error");
    server
        .create_webhook(KEY_B, "https://cap.example/0", &["a"])
        .await;
    let first = server.get(KEY_A, "/v1/webhooks").await.body["data"][0].clone();
    server
        .delete(KEY_A, &format!("/v1/webhooks/{}", id_of(&first)))
        .await;
    server
        .create_webhook(KEY_A, "https://cap.example/3", &["a"])
        .await;
});

on_both_backends!(problems_speak_japanese_when_asked, |backend| async move {
    let server = TestServer::start(backend).await;
    let reply = server
        .http
        .get(format!("{}/v1/webhooks/nope", server.base))
        .bearer_auth(KEY_A)
        .header("accept-language", "fr;q=0.9, ja;q=0.95, en;q=0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.headers()["content-language"], "ja");
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["title"], "Webhook が見つかりません");
    let reply = server
        .http
        .get(format!("{}/v1/webhooks/nope", server.base))
        .bearer_auth(KEY_A)
        .header("accept-language", "en, ja;q=0.8")
        .send()
        .await
        .unwrap();
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["title"], "Webhook not found");
});

on_both_backends!(
    oversized_bodies_are_413_before_parsing,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let big = format!(
            "{{\"url\": \"https://big.example\", \"event_types\": [\"a\"], \"description\": \"{}\"}}",
            "x".repeat(1024 * 1024)
        );
        let reply = server
            .http
            .post(format!("{}/v1/webhooks", server.base))
            .bearer_auth(KEY_A)
            .body(big)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 413);
        let huge = "x".repeat(2 * 1024 * 1024);
        let reply = server
            .http
            .post(format!("{}/v1/webhooks", server.base))
            .bearer_auth(KEY_A)
            .body(huge)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 413);
        assert_eq!(
            server.get(KEY_A, "/v1/webhooks").await.body["data"],
            json!([])
        );
    }
);

on_both_backends!(
    event_data_over_256_kib_is_413_and_anything_else_over_64_kib,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let created = server
            .create_webhook(KEY_A, "https://limits.example/h", &["a"])
            .await;
        let id = created["id"].as_str().unwrap().to_owned();
        // 250 KiB of data is accepted; 257 KiB is not (and the whole body stays under the
        // envelope allowance, so it is the data check that answers).
        let data = |kib: usize| json!({"blob": "x".repeat(kib * 1024)});
        let ok = server
            .post(
                KEY_A,
                "/v1/events",
                json!({"event_type": "a", "data": data(250)}),
            )
            .await;
        assert_eq!(ok.status, StatusCode::ACCEPTED, "{}", ok.body);
        // Exactly the most data allowed: the body with its envelope is larger than the data
        // alone, and is still read whole.
        let most = json!({"blob": "x".repeat(256 * 1024 - r#"{"blob":""}"#.len())});
        assert_eq!(serde_json::to_vec(&most).unwrap().len(), 256 * 1024);
        let full = server
            .post(
                KEY_A,
                "/v1/events",
                json!({"event_type": "a", "data": most}),
            )
            .await;
        assert_eq!(full.status, StatusCode::ACCEPTED, "{}", full.body);
        server
            .post(
                KEY_A,
                "/v1/events",
                json!({"event_type": "a", "data": data(257)}),
            )
            .await
            .assert_problem(413, "payload_too_large");
        // Over the envelope: refused before parsing, even as broken JSON.
        let reply = server
            .http
            .post(format!("{}/v1/events", server.base))
            .bearer_auth(KEY_A)
            .body(format!("{{\"data\": \"{}", "x".repeat(300 * 1024)))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 413);
        // A webhook's create or update: 1 MiB (see the largest webhook below).
        let big = json!({"description": "x".repeat(1024 * 1024)});
        server
            .patch(KEY_A, &format!("/v1/webhooks/{id}"), big.clone())
            .await
            .assert_problem(413, "payload_too_large");
        server
            .put(KEY_A, &format!("/v1/webhooks/{id}"), big.clone())
            .await
            .assert_problem(413, "payload_too_large");
        server
            .post(KEY_A, "/v1/webhooks", big)
            .await
            .assert_problem(413, "payload_too_large");
        // Every other route with a body: 64 KiB.
        server
            .post(
                KEY_A,
                &format!("/v1/webhooks/{id}/secret/rotate"),
                json!({"grace": "x".repeat(65 * 1024)}),
            )
            .await
            .assert_problem(413, "payload_too_large");
        let after = server.get(KEY_A, &format!("/v1/webhooks/{id}")).await.body;
        assert_eq!(after["description"], created["description"]);
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_does_not_arrive_in_time_is_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = TestServer::start_with(Backend::Memory, |s| {
        s.request_timeout = std::time::Duration::from_millis(300);
    })
    .await;
    let mut stream = tokio::net::TcpStream::connect(server.running.addr)
        .await
        .unwrap();
    let head = format!(
        "POST /v1/events HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {KEY_A}\r\n\
         content-type: application/json\r\ncontent-length: 100\r\n\r\n{{\"event"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // The rest never comes: the server answers instead of waiting forever.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await;
    assert!(read.is_ok(), "the server kept waiting for the body");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
}

#[tokio::test]
async fn health_answers_without_a_key() {
    let server = TestServer::start(Backend::Memory).await;
    let reply = server
        .http
        .get(format!("{}/health", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
}

#[tokio::test]
async fn with_no_keys_given_one_dev_key_with_every_scope_is_made() {
    let server = TestServer::start_with(Backend::Memory, |s| s.api_keys.clear()).await;
    let key = server.running.keys[0].clone();
    assert!(key.generated);
    assert_eq!(key.owner, KeyOwner::Tenant(TenantId::parse("dev").unwrap()));
    let created = server
        .post(
            key.key.expose(),
            "/v1/webhooks",
            json!({"url": "http://127.0.0.1:1/", "event_types": ["*"]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
}

on_both_backends!(
    publishing_follows_every_change_to_the_webhooks_at_once,
    |backend| async move {
        // The routes of a tenant's webhooks are kept between publishes: each change must be
        // seen by the very next publish.
        let server = TestServer::start(backend).await;
        let matched = || async {
            let reply = server
                .post(
                    KEY_A,
                    "/v1/events",
                    json!({"event_type": "route.x", "data": {}}),
                )
                .await;
            assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
            reply.body["matched"].as_u64().unwrap()
        };
        assert_eq!(matched().await, 0);
        let created = server
            .create_webhook(KEY_A, "https://route.example/h", &["route.*"])
            .await;
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(matched().await, 1, "a new webhook");
        let path = format!("/v1/webhooks/{id}");
        server
            .patch(KEY_A, &path, json!({"event_types": ["other"]}))
            .await;
        assert_eq!(matched().await, 0, "its event types changed");
        server
            .patch(
                KEY_A,
                &path,
                json!({"event_types": ["route.x"], "active": false}),
            )
            .await;
        assert_eq!(matched().await, 0, "paused");
        server.patch(KEY_A, &path, json!({"active": true})).await;
        assert_eq!(matched().await, 1, "resumed");
        server.delete(KEY_A, &path).await;
        assert_eq!(matched().await, 0, "deleted");
    }
);

on_both_backends!(
    tenant_keys_refuse_bad_input_clearly_and_change_nothing,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let path = "/v1/tenants/tenant-a/keys";
        let before = server.get(KEY_OPERATOR, path).await.body;
        let cases = [
            (json!({"scopes": ["webhooks:everything"]}), "scopes"),
            (json!({"scopes": ["operator"]}), "scopes"),
            (json!({"scopes": []}), "scopes"),
            (
                json!({"scopes": ["webhooks:view", "webhooks:view"]}),
                "scopes",
            ),
            (json!({}), "scopes"),
            (
                json!({"scopes": ["webhooks:view"], "expires_at": "2020-01-01T00:00:00Z"}),
                "expires_at",
            ),
            (
                json!({"scopes": ["webhooks:view"], "expires_at": "tomorrow"}),
                "expires_at",
            ),
            (json!({"scopes": ["webhooks:view"], "name": ""}), "name"),
            (
                json!({"scopes": ["webhooks:view"], "name": "x".repeat(129)}),
                "name",
            ),
            (
                json!({"scopes": ["webhooks:view"], "tenant": "tenant-b"}),
                "tenant",
            ),
        ];
        for (body, field) in cases {
            let reply = server.post(KEY_OPERATOR, path, body.clone()).await;
            reply.assert_problem(400, "validation_error");
            assert!(
                reply.error_fields().contains(&field.to_owned()),
                "{body}: {}",
                reply.body
            );
        }
        // A tenant id that is no tenant id, in the path or in `Hookline-Tenant`.
        server
            .post(
                KEY_OPERATOR,
                "/v1/tenants/Not%20A%20Tenant/keys",
                json!({"scopes": ["webhooks:view"]}),
            )
            .await
            .assert_problem(400, "validation_error");
        let reply = server
            .call_for(
                Some(KEY_OPERATOR),
                Some("UPPER"),
                Method::GET,
                "/v1/webhooks",
                None,
            )
            .await;
        reply.assert_problem(400, "validation_error");
        assert_eq!(reply.error_fields(), vec!["Hookline-Tenant".to_owned()]);
        // In Japanese too.
        let reply = server
            .http
            .get(format!("{}/v1/webhooks", server.base))
            .bearer_auth(KEY_OPERATOR)
            .header("accept-language", "ja")
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 400);
        let body: Value = reply.json().await.unwrap();
        assert_eq!(body["type"], "tenant_required");
        assert_eq!(body["title"], "テナントの指定が必要です");
        assert_eq!(
            server.get(KEY_OPERATOR, path).await.body,
            before,
            "nothing was made"
        );
        // Unknown and malformed key ids are 404.
        server
            .delete(KEY_OPERATOR, &format!("{path}/not-an-id"))
            .await
            .assert_problem(404, "key_not_found");
    }
);

on_both_backends!(
    a_tenants_keys_page_in_creation_order,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let mut made = Vec::new();
        for i in 0..7 {
            let reply = server
                .post(
                    KEY_OPERATOR,
                    "/v1/tenants/pager/keys",
                    json!({"scopes": ["webhooks:view"], "name": format!("k{i}")}),
                )
                .await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
            made.push(reply.body["id"].clone());
        }
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let query = cursor.map_or(String::new(), |c| format!("&cursor={c}"));
            let page = server
                .get(
                    KEY_OPERATOR,
                    &format!("/v1/tenants/pager/keys?limit=3{query}"),
                )
                .await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            seen.extend(
                page.body["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| k["id"].clone()),
            );
            match page.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen, made);
    }
);

on_both_backends!(
    a_uid_names_a_webhook_wherever_its_id_does,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let made = server
            .post(
                KEY_A,
                "/v1/webhooks",
                json!({"url": "https://uid.example/h", "event_types": ["a"], "uid": "worker-17"}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        assert_eq!(made.body["uid"], "worker-17");
        let id = id_of(&made.body);

        // Every path takes the uid; tenant B has no such uid.
        for path in [
            "/v1/webhooks/worker-17",
            "/v1/webhooks/worker-17/secret",
            "/v1/webhooks/worker-17/executions",
        ] {
            let reply = server.get(KEY_A, path).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
            server
                .get(KEY_B, path)
                .await
                .assert_problem(404, "webhook_not_found");
        }
        assert_eq!(
            server.get(KEY_A, "/v1/webhooks/worker-17").await.body["id"],
            json!(id)
        );
        let listed = server.get(KEY_A, "/v1/webhooks?uid=worker-17").await;
        assert_eq!(listed.body["data"][0]["id"], json!(id), "{}", listed.body);
        let none = server.get(KEY_A, "/v1/webhooks?uid=nobody").await;
        assert_eq!(none.body["data"], json!([]));
        assert!(
            server.get(KEY_B, "/v1/webhooks?uid=worker-17").await.body["data"]
                .as_array()
                .unwrap()
                .is_empty()
        );

        // Taken, UUID-shaped or malformed: refused, nothing made.
        let taken = server
        .post(
            KEY_A,
            "/v1/webhooks",
            json!({"url": "https://uid.example/other", "event_types": ["a"], "uid": "worker-17"}),
        )
        .await;
        taken.assert_problem(409, "webhook_conflict");
        for bad in ["01890a5d-ac96-774b-bcce-b302099a8057", "with space", ""] {
            let reply = server
                .post(
                    KEY_A,
                    "/v1/webhooks",
                    json!({"url": "https://uid.example/bad", "event_types": ["a"], "uid": bad}),
                )
                .await;
            reply.assert_problem(400, "validation_error");
            assert_eq!(reply.error_fields(), vec!["uid".to_owned()]);
        }
        server
            .get(KEY_A, "/v1/webhooks?uid=with%20space")
            .await
            .assert_problem(400, "validation_error");
        assert_eq!(
            server.get(KEY_A, "/v1/webhooks").await.body["data"]
                .as_array()
                .unwrap()
                .len(),
            1
        );

        // A second webhook may not take the uid by PATCH either; renamed, the old uid is free.
        let other = server
            .create_webhook(KEY_A, "https://uid.example/2", &["b"])
            .await;
        let other_id = id_of(&other);
        server
            .patch(
                KEY_A,
                &format!("/v1/webhooks/{other_id}"),
                json!({"uid": "worker-17"}),
            )
            .await
            .assert_problem(409, "webhook_conflict");
        let renamed = server
            .patch(KEY_A, "/v1/webhooks/worker-17", json!({"uid": "worker-18"}))
            .await;
        assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
        server
            .get(KEY_A, "/v1/webhooks/worker-17")
            .await
            .assert_problem(404, "webhook_not_found");
        let reply = server
            .patch(
                KEY_A,
                &format!("/v1/webhooks/{other_id}"),
                json!({"uid": "worker-17"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

        // Removed with null; deleting a webhook frees its uid.
        let cleared = server
            .patch(KEY_A, "/v1/webhooks/worker-18", json!({"uid": null}))
            .await;
        assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.body);
        assert_eq!(cleared.body["uid"], Value::Null);
        server
            .get(KEY_A, "/v1/webhooks/worker-18")
            .await
            .assert_problem(404, "webhook_not_found");
        let deleted = server.delete(KEY_A, "/v1/webhooks/worker-17").await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        let again = server
            .post(
                KEY_A,
                "/v1/webhooks",
                json!({"url": "https://uid.example/3", "event_types": ["c"], "uid": "worker-17"}),
            )
            .await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    }
);

on_both_backends!(
    the_catalog_describes_event_types_and_validates_what_is_published,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let schema = json!({
            "type": "object",
            "required": ["task_id"],
            "properties": {"task_id": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}}}
        });
        let made = server
        .post(
            KEY_OPERATOR,
            "/v1/event-types",
            json!({"name": "task.completed", "description": "A task finished", "schema": schema, "example": {"task_id": 7}}),
        )
        .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        assert_eq!(made.body["archived"], false);

        // Tenants read it; only the operator writes it.
        let listed = server.get(KEY_A, "/v1/event-types").await;
        assert_eq!(
            listed.body["data"][0]["name"], "task.completed",
            "{}",
            listed.body
        );
        let one = server.get(KEY_B, "/v1/event-types/task.completed").await;
        assert_eq!(one.body["example"], json!({"task_id": 7}));
        server
            .post(
                KEY_A,
                "/v1/event-types",
                json!({"name": "x", "description": "x"}),
            )
            .await
            .assert_problem(403, "forbidden");
        server
            .get(KEY_A, "/v1/event-types/nope")
            .await
            .assert_problem(404, "event_type_not_found");

        // Bad input: a clear 400 naming the field, or a 409, and nothing changes.
        server
            .post(
                KEY_OPERATOR,
                "/v1/event-types",
                json!({"name": "task.completed", "description": "again"}),
            )
            .await
            .assert_problem(409, "event_type_conflict");
        for (body, field) in [
            (json!({"name": "task.*", "description": "x"}), "name"),
            (json!({"name": "a.b"}), "description"),
            (
                json!({"name": "a.b", "description": "x", "schema": {"type": "nonsense"}}),
                "schema",
            ),
            (
                json!({"name": "a.b", "description": "x", "schema": {"minimum": "five"}}),
                "schema",
            ),
            (
                json!({"name": "a.b", "description": "x", "example": [1]}),
                "example",
            ),
            (
                json!({"name": "a.b", "description": "x", "schema": schema, "example": {"task_id": "seven"}}),
                "/example/task_id",
            ),
        ] {
            let reply = server
                .post(KEY_OPERATOR, "/v1/event-types", body.clone())
                .await;
            reply.assert_problem(400, "validation_error");
            assert!(
                reply.error_fields().contains(&field.to_owned()),
                "{body}: {}",
                reply.body
            );
        }
        assert_eq!(
            server.get(KEY_A, "/v1/event-types").await.body["data"]
                .as_array()
                .unwrap()
                .len(),
            1
        );

        // Publishing validates `data` by the schema, each failure named by its pointer.
        let bad = server
            .post(
                KEY_A,
                "/v1/events",
                json!({"event_type": "task.completed", "data": {"task_id": "x", "tags": ["a", 2]}}),
            )
            .await;
        bad.assert_problem(400, "validation_error");
        let fields = bad.error_fields();
        assert!(
            fields.contains(&"/data/task_id".to_owned())
                && fields.contains(&"/data/tags/1".to_owned()),
            "{}",
            bad.body
        );
        let good = server
            .post(
                KEY_A,
                "/v1/events",
                json!({"event_type": "task.completed", "data": {"task_id": 1}}),
            )
            .await;
        assert_eq!(good.status, StatusCode::ACCEPTED, "{}", good.body);
        let open = server
            .post(
                KEY_A,
                "/v1/events",
                json!({"event_type": "not.catalogued", "data": {}}),
            )
            .await;
        assert_eq!(
            open.status,
            StatusCode::ACCEPTED,
            "the catalog is open: {}",
            open.body
        );

        // Changed: an example must still fit; archived types leave the default list; without a
        // schema anything goes.
        server
            .patch(
                KEY_OPERATOR,
                "/v1/event-types/task.completed",
                json!({"example": {"task_id": []}}),
            )
            .await
            .assert_problem(400, "validation_error");
        let archived = server
            .patch(
                KEY_OPERATOR,
                "/v1/event-types/task.completed",
                json!({"archived": true, "schema": null}),
            )
            .await;
        assert_eq!(archived.status, StatusCode::OK, "{}", archived.body);
        assert_eq!(archived.body["schema"], Value::Null);
        assert_eq!(
            server.get(KEY_A, "/v1/event-types").await.body["data"],
            json!([])
        );
        server
            .get(KEY_A, "/v1/event-types?include_archived=maybe")
            .await
            .assert_problem(400, "validation_error");
        let all = server
            .get(KEY_A, "/v1/event-types?include_archived=true")
            .await;
        assert_eq!(all.body["data"][0]["archived"], true);
        let free = server
            .post(
                KEY_A,
                "/v1/events",
                json!({"event_type": "task.completed", "data": {"task_id": "x"}}),
            )
            .await;
        assert_eq!(free.status, StatusCode::ACCEPTED, "{}", free.body);

        let deleted = server
            .delete(KEY_OPERATOR, "/v1/event-types/task.completed")
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        server
            .get(KEY_A, "/v1/event-types/task.completed")
            .await
            .assert_problem(404, "event_type_not_found");
    }
);

on_both_backends!(
    an_enforced_catalog_binds_publishers_and_subscribers,
    |backend| async move {
        let server = TestServer::start_with(backend, |s| {
            s.event_catalog = hookline::domain::CatalogMode::Enforced;
        })
        .await;
        let publish = |event_type: &'static str| {
            let server = &server;
            async move {
                server
                    .post(
                        KEY_A,
                        "/v1/events",
                        json!({"event_type": event_type, "data": {}}),
                    )
                    .await
            }
        };
        let reply = publish("task.completed").await;
        reply.assert_problem(400, "validation_error");
        assert_eq!(reply.error_fields(), vec!["event_type".to_owned()]);
        let reply = server
            .post(
                KEY_A,
                "/v1/webhooks",
                json!({"url": "https://e.example/h", "event_types": ["task.*"]}),
            )
            .await;
        reply.assert_problem(400, "validation_error");
        assert_eq!(reply.error_fields(), vec!["event_types[0]".to_owned()]);

        let made = server
            .post(
                KEY_OPERATOR,
                "/v1/event-types",
                json!({"name": "task.completed", "description": "done"}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        assert_eq!(publish("task.completed").await.status, StatusCode::ACCEPTED);
        for patterns in [json!(["task.*"]), json!(["*"]), json!(["task.completed"])] {
            let reply = server
            .post(KEY_A, "/v1/webhooks", json!({"url": format!("https://e.example/{}", patterns[0].as_str().unwrap().replace('*', "all")), "event_types": patterns}))
            .await;
            assert_eq!(
                reply.status,
                StatusCode::CREATED,
                "{patterns}: {}",
                reply.body
            );
        }
        let reply = server
            .post(
                KEY_A,
                "/v1/webhooks",
                json!({"url": "https://e.example/2", "event_types": ["task.completed", "node.*"]}),
            )
            .await;
        assert_eq!(reply.error_fields(), vec!["event_types[1]".to_owned()]);

        server
            .patch(
                KEY_OPERATOR,
                "/v1/event-types/task.completed",
                json!({"archived": true}),
            )
            .await;
        publish("task.completed")
            .await
            .assert_problem(400, "validation_error");
    }
);

on_both_backends!(
    a_stored_tenant_key_with_the_operator_scope_authenticates_as_nothing,
    |backend| async move {
        let server = TestServer::start(backend).await;
        // Stored as no route would store it: a tenant's key holding `operator`.
        let key = hookline::domain::ApiKey::generate();
        let mut record = hookline::domain::ApiKeyRecord::new(
            &key,
            TenantId::parse("tenant-a").unwrap(),
            hookline::domain::Scopes::all_tenant(),
            None,
        );
        record.scopes = hookline::domain::Scopes::parse_list(
            "operator,webhooks:view,webhooks:add,webhooks:edit,webhooks:remove",
        )
        .unwrap();
        server.running.ctx.keys.put(&record).await.unwrap();
        for (tenant, path) in [
            (None, "/v1/webhooks"),
            (Some("tenant-b"), "/v1/webhooks"),
            (None, "/v1/tenants/tenant-b/keys"),
        ] {
            server
                .call_for(Some(key.expose()), tenant, Method::GET, path, None)
                .await
                .assert_problem(401, "unauthenticated");
        }
    }
);
