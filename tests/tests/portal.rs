//! Portal sessions: the operator mints a short-lived tenant key for the customer portal,
//! handed over in a URL fragment. Both backends, real HTTP.

use hookline::domain::Timestamp;
use hookline_tests::receiver::Receiver;
use hookline_tests::{KEY_A, KEY_OPERATOR, TestServer, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn mint(
    server: &TestServer,
    tenant: Option<&str>,
    body: Option<Value>,
) -> hookline_tests::Reply {
    server
        .call_for(
            Some(KEY_OPERATOR),
            tenant,
            Method::POST,
            "/v1/portal/sessions",
            body,
        )
        .await
}

on_both_backends!(
    a_session_is_a_short_lived_tenant_key_in_a_fragment,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let receiver = Receiver::start().await;
        let webhook = server
            .create_webhook(KEY_A, &receiver.url("/a"), &["*"])
            .await["id"]
            .clone();

        let before = Timestamp::now();
        let minted = mint(&server, Some("tenant-a"), None).await;
        assert_eq!(minted.status, StatusCode::CREATED, "{}", minted.body);
        let token = minted.body["token"].as_str().unwrap().to_owned();
        assert_eq!(minted.body["tenant"], "tenant-a");
        assert_eq!(
            minted.body["scopes"],
            json!([
                "webhooks:view",
                "webhooks:add",
                "webhooks:edit",
                "webhooks:remove"
            ])
        );
        assert_eq!(
            minted.body["url"],
            format!("{}/portal#token={token}", server.base),
            "the token only in the fragment"
        );
        let expires = Timestamp::parse(minted.body["expires_at"].as_str().unwrap()).unwrap();
        let ttl = expires.millis() - before.millis();
        assert!(
            (3_590_000..=3_610_000).contains(&ttl),
            "an hour by default: {ttl}"
        );

        // It is tenant A's key, with the scopes asked, and nothing more.
        let listed = server.get(&token, "/v1/webhooks").await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
        assert_eq!(listed.body["data"][0]["id"], webhook);
        server
            .post(&token, "/v1/events", json!({"event_type": "a", "data": {}}))
            .await
            .assert_problem(403, "forbidden");
        server
            .call_for(
                Some(&token),
                Some("tenant-b"),
                Method::GET,
                "/v1/webhooks",
                None,
            )
            .await
            .assert_problem(403, "forbidden");
        let viewer = mint(
            &server,
            Some("tenant-a"),
            Some(json!({"scopes": ["webhooks:view"], "ttl": "5m"})),
        )
        .await;
        assert_eq!(viewer.status, StatusCode::CREATED, "{}", viewer.body);
        let viewer_token = viewer.body["token"].as_str().unwrap();
        assert_eq!(
            server.get(viewer_token, "/v1/webhooks").await.status,
            StatusCode::OK
        );
        server
            .post(
                viewer_token,
                "/v1/webhooks",
                json!({"url": receiver.url("/b"), "event_types": ["*"]}),
            )
            .await
            .assert_problem(403, "forbidden");

        // Listed among the tenant's keys, and revoked like one.
        let keys = server.get(KEY_OPERATOR, "/v1/tenants/tenant-a/keys").await;
        let session = keys.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == minted.body["id"])
            .unwrap()
            .clone();
        assert_eq!(session["name"], "portal session");
        assert_eq!(session["expires_at"], minted.body["expires_at"]);
        let id = minted.body["id"].as_str().unwrap();
        let revoked = server
            .delete(KEY_OPERATOR, &format!("/v1/tenants/tenant-a/keys/{id}"))
            .await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.body);
        server
            .get(&token, "/v1/webhooks")
            .await
            .assert_problem(401, "unauthenticated");
    }
);

on_both_backends!(
    minting_refuses_bad_input_and_other_keys,
    |backend| async move {
        let server = TestServer::start(backend).await;
        for (body, field) in [
            (json!({"ttl": "4m"}), "ttl"),
            (json!({"ttl": "25h"}), "ttl"),
            (json!({"ttl": "soon"}), "ttl"),
            (json!({"scopes": ["operator"]}), "scopes"),
            (json!({"scopes": []}), "scopes"),
            (json!({"scopes": ["webhooks:fly"]}), "scopes"),
            (json!({"tenant": "Not A Tenant"}), "tenant"),
            (json!({"tenant": 7}), "tenant"),
        ] {
            let reply = mint(&server, Some("tenant-a"), Some(body.clone())).await;
            reply.assert_problem(400, "validation_error");
            assert!(
                reply.error_fields().contains(&field.to_owned()),
                "{body}: {}",
                reply.body
            );
        }
        mint(&server, None, None)
            .await
            .assert_problem(400, "tenant_required");
        server
            .post(KEY_A, "/v1/portal/sessions", json!({}))
            .await
            .assert_problem(403, "forbidden");
        let keys = server.get(KEY_OPERATOR, "/v1/tenants/tenant-a/keys").await;
        assert!(
            keys.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .all(|k| k["name"] != "portal session"),
            "nothing minted: {}",
            keys.body
        );
    }
);

on_both_backends!(
    the_tenant_is_named_in_the_body_or_the_header_not_both_differently,
    |backend| async move {
        let server = TestServer::start(backend).await;
        for (header, body) in [
            (None, json!({"tenant": "tenant-a"})),
            (Some("tenant-a"), json!({"tenant": "tenant-a", "ttl": "5m"})),
            (Some("tenant-a"), json!({})),
        ] {
            let minted = mint(&server, header, Some(body.clone())).await;
            assert_eq!(
                minted.status,
                StatusCode::CREATED,
                "{body}: {}",
                minted.body
            );
            assert_eq!(minted.body["tenant"], "tenant-a");
            let token = minted.body["token"].as_str().unwrap();
            let listed = server.get(token, "/v1/webhooks").await;
            assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
        }
        let conflict = mint(
            &server,
            Some("tenant-b"),
            Some(json!({"tenant": "tenant-a"})),
        )
        .await;
        conflict.assert_problem(400, "tenant_conflict");
        let japanese = server
            .http
            .post(format!("{}/v1/portal/sessions", server.base))
            .bearer_auth(KEY_OPERATOR)
            .header("hookline-tenant", "tenant-b")
            .header("accept-language", "ja")
            .json(&json!({"tenant": "tenant-a"}))
            .send()
            .await
            .unwrap();
        assert_eq!(japanese.status(), StatusCode::BAD_REQUEST);
        let problem: Value = japanese.json().await.unwrap();
        assert_eq!(problem["type"], "tenant_conflict");
        assert!(
            problem["detail"].as_str().unwrap().contains("テナント"),
            "{problem}"
        );
        let keys = server.get(KEY_OPERATOR, "/v1/tenants/tenant-b/keys").await;
        assert!(
            keys.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .all(|k| k["name"] != "portal session"),
            "nothing minted for tenant B: {}",
            keys.body
        );
    }
);

on_both_backends!(
    the_session_url_is_the_public_base_never_the_requests_host,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let forged = |server: &TestServer| {
            server
                .http
                .post(format!("{}/v1/portal/sessions", server.base))
                .bearer_auth(KEY_OPERATOR)
                .header("host", "evil.example")
                .header("x-forwarded-proto", "https")
                .json(&json!({"tenant": "tenant-a"}))
                .send()
        };
        let minted: Value = forged(&server).await.unwrap().json().await.unwrap();
        let token = minted["token"].as_str().unwrap();
        assert_eq!(
            minted["url"],
            format!("{}/portal#token={token}", server.base),
            "the listen address when no public base URL is set"
        );
        let configured = TestServer::start_with(backend, |s| {
            s.public_base_url =
                Some(hookline::portal::PublicBaseUrl::parse("https://hooks.example.com/").unwrap());
        })
        .await;
        let minted: Value = forged(&configured).await.unwrap().json().await.unwrap();
        let token = minted["token"].as_str().unwrap();
        assert_eq!(
            minted["url"],
            format!("https://hooks.example.com/portal#token={token}")
        );
    }
);

on_both_backends!(
    the_page_is_served_without_a_key_under_a_strict_policy,
    |backend| async move {
        let server = TestServer::start_with(backend, |s| {
            s.portal_frame_ancestors =
                hookline::portal::FrameAncestors::parse("https://app.example").unwrap();
        })
        .await;
        let http = reqwest::Client::new();
        for (path, kind) in [
            ("/portal", "text/html"),
            ("/portal/portal.js", "text/javascript"),
            ("/portal/portal.css", "text/css"),
        ] {
            let response = http
                .get(format!("{}{path}", server.base))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let headers = response.headers();
            assert!(headers["content-type"].to_str().unwrap().starts_with(kind));
            let policy = headers["content-security-policy"].to_str().unwrap();
            assert!(policy.contains("default-src 'none'"), "{policy}");
            assert!(policy.contains("script-src 'self';"), "{policy}");
            assert!(
                policy.ends_with("frame-ancestors https://app.example"),
                "{policy}"
            );
            assert_eq!(headers["x-content-type-options"], "nosniff");
            assert_eq!(headers["referrer-policy"], "no-referrer");
        }
        let page = http
            .get(format!("{}/portal", server.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains(r#"<script type="module" src="/portal/portal.js"></script>"#));
        let missing = http
            .get(format!("{}/portal/secrets.json", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            missing.headers()["content-type"],
            "application/problem+json"
        );
    }
);
