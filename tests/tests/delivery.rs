//! Delivery end to end: the local server publishes, its workers deliver to real receivers on
//! loopback, and every attempt shows in the history. Both backends: memory, and DynamoDB +
//! SQS in the emulator. Seconds-scale schedules (`1s,1s`); polls with deadlines, no sleeps.

use hookline_tests::receiver::{Answer, Receiver};
use hookline_tests::{Backend, KEY_A, KEY_OPERATOR, TestServer, eventually, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

async fn server(backend: Backend) -> TestServer {
    let mut server = TestServer::start(backend).await;
    server.skip_verification = false;
    server
}

/// Registers a webhook on the receiver's `path` (verified: the receiver answers the ping).
async fn hook(
    server: &TestServer,
    receiver: &Receiver,
    path: &str,
    types: &[&str],
) -> (String, String) {
    let created = server
        .post(
            KEY_A,
            "/v1/webhooks",
            json!({"url": receiver.url(path), "event_types": types}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    (
        created.body["id"].as_str().unwrap().to_owned(),
        created.body["secret"].as_str().unwrap().to_owned(),
    )
}

async fn publish(server: &TestServer, event_type: &str, data: Value) -> Value {
    let reply = server
        .post(
            KEY_A,
            "/v1/events",
            json!({"event_type": event_type, "data": data}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    reply.body
}

async fn executions(server: &TestServer, id: &str, query: &str) -> Vec<Value> {
    server.executions(KEY_A, id, query).await
}

on_both_backends!(
    a_published_event_arrives_signed_and_is_recorded,
    |backend| async move {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let (id, secret) = hook(&server, &receiver, "/ok", &["task.*"]).await;
        let ping = &receiver.on("/ok")[0];
        assert_eq!(
            ping.json()["type"],
            "webhook.ping",
            "creating verified the endpoint"
        );
        assert!(ping.verify(&secret));

        let published = publish(&server, "task.completed", json!({"task": 7})).await;
        assert_eq!(published["matched"], 1);
        let delivered = eventually(WAIT, "the delivery", || async {
            receiver.events_on("/ok").into_iter().next()
        })
        .await;
        assert!(
            delivered.verify(&secret),
            "the Standard Webhooks library verifies it"
        );
        assert_eq!(
            delivered.headers["webhook-id"],
            published["id"].as_str().unwrap()
        );
        assert_eq!(delivered.headers["content-type"], "application/json");
        assert!(
            delivered.headers["user-agent"]
                .to_str()
                .unwrap()
                .starts_with("Hookline/")
        );
        assert_eq!(
            delivered.json(),
            json!({"type": "task.completed", "timestamp": published["created_at"], "data": {"task": 7}})
        );

        let event_path = format!("/v1/events/{}", published["id"].as_str().unwrap());
        let event = eventually(WAIT, "a succeeded delivery", || async {
            let event = server.get(KEY_A, &event_path).await.body;
            (event["deliveries"][0]["status"] == "succeeded").then_some(event)
        })
        .await;
        assert_eq!(event["deliveries"][0]["attempts"], 1);
        assert_eq!(event["data"], json!({"task": 7}));
        let records = executions(&server, &id, "").await;
        assert_eq!(records.len(), 1);
        assert_eq!(records[0]["request_status"], "success");
        assert_eq!(records[0]["response_status"], 200);
        assert_eq!(records[0]["trigger"], "event");
        let webhook = server.get(KEY_A, &format!("/v1/webhooks/{id}")).await.body;
        assert!(webhook["last_success_at"].is_string());
        server
            .get(KEY_A, "/v1/events/0197a6c0-0000-7000-8000-000000000000")
            .await
            .assert_problem(404, "event_not_found");
    }
);

on_both_backends!(a_5xx_is_retried_until_it_succeeds, |backend| async move {
    let server = server(backend).await;
    let receiver = Receiver::start().await;
    let (id, _) = hook(&server, &receiver, "/flaky", &["a"]).await;
    receiver.script("/flaky", vec![Answer::status(500).body("try later")]);
    let published = publish(&server, "a", json!({})).await;
    let records = eventually(WAIT, "two attempts", || async {
        let records = executions(&server, &id, "").await;
        (records.len() == 2).then_some(records)
    })
    .await;
    assert_eq!(records[0]["attempt"], 2, "newest first");
    assert_eq!(records[0]["request_status"], "success");
    assert_eq!(records[1]["request_status"], "error");
    assert_eq!(records[1]["response_status"], 500);
    assert_eq!(records[1]["response_body"], "try later");
    assert!(records[1]["next_attempt_at"].is_string());
    let deliveries = receiver.events_on("/flaky");
    assert_eq!(
        deliveries[0].headers["webhook-id"], deliveries[1].headers["webhook-id"],
        "same id on every retry"
    );
    let errors = executions(&server, &id, "?status=error").await;
    assert_eq!(errors.len(), 1);
    let event = server
        .get(
            KEY_A,
            &format!("/v1/events/{}", published["id"].as_str().unwrap()),
        )
        .await
        .body;
    assert_eq!(event["deliveries"][0]["status"], "succeeded");
    assert_eq!(event["deliveries"][0]["attempts"], 2);
});

on_both_backends!(
    timeouts_and_refused_connections_fail_every_attempt_then_stop,
    |backend| async move {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let (slow, _) = hook(&server, &receiver, "/slow", &["a"]).await;
        receiver.always("/slow", Answer::status(200).delay(Duration::from_secs(4)));
        // A port nobody listens on: take one, then close it.
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let refused = server
            .post(
                KEY_A,
                "/v1/webhooks",
                json!({"url": format!("http://{closed}/x"), "event_types": ["a"], "verify": false}),
            )
            .await;
        let refused = refused.body["id"].as_str().unwrap().to_owned();
        let published = publish(&server, "a", json!({})).await;
        for (id, error) in [(&slow, "timed out"), (&refused, "connection failed")] {
            let records = eventually(WAIT, "three failed attempts", || async {
                let records = executions(&server, id, "").await;
                (records.len() == 3).then_some(records)
            })
            .await;
            for record in &records {
                assert_eq!(record["request_status"], "error");
                assert!(
                    record["error_message"].as_str().unwrap().contains(error),
                    "{record}"
                );
            }
            assert!(
                records[0]["next_attempt_at"].is_null(),
                "the last attempt schedules nothing"
            );
            let webhook = server.get(KEY_A, &format!("/v1/webhooks/{id}")).await.body;
            assert_eq!(webhook["consecutive_failures"], 3);
            assert!(webhook["last_failure_at"].is_string());
            assert!(
                webhook["last_failure_content"]
                    .as_str()
                    .unwrap()
                    .contains(error)
            );
        }
        let event_path = format!("/v1/events/{}", published["id"].as_str().unwrap());
        eventually(WAIT, "both deliveries failed", || async {
            let event = server.get(KEY_A, &event_path).await.body;
            let statuses: Vec<_> = event["deliveries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["status"].clone())
                .collect();
            (statuses == vec![json!("failed"), json!("failed")]).then_some(())
        })
        .await;
    }
);

on_both_backends!(a_410_disables_the_webhook_at_once, |backend| async move {
    let server = server(backend).await;
    let receiver = Receiver::start().await;
    let (id, _) = hook(&server, &receiver, "/gone", &["a"]).await;
    receiver.always("/gone", Answer::status(410));
    publish(&server, "a", json!({})).await;
    let webhook = eventually(WAIT, "the webhook disabled", || async {
        let webhook = server.get(KEY_A, &format!("/v1/webhooks/{id}")).await.body;
        (webhook["active"] == false).then_some(webhook)
    })
    .await;
    assert_eq!(webhook["failed"], true);
    assert!(webhook["disabled_reason"].as_str().unwrap().contains("410"));
    assert_eq!(
        executions(&server, &id, "").await.len(),
        1,
        "no retry after a 410"
    );
    // Re-activating (verified again) clears the failure state.
    receiver.always("/gone", Answer::status(200));
    let back = server
        .patch(
            KEY_A,
            &format!("/v1/webhooks/{id}"),
            json!({"active": true}),
        )
        .await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
    assert_eq!(back.body["failed"], false);
    assert_eq!(back.body["consecutive_failures"], 0);
    assert!(back.body["disabled_reason"].is_null());
});

on_both_backends!(
    retry_after_on_429_delays_the_next_attempt,
    |backend| async move {
        let schedule = hookline::domain::RetrySchedule::parse("1s,10s").unwrap();
        let mut server = TestServer::start_with(backend, |s| s.retry_schedule = schedule).await;
        server.skip_verification = false;
        let receiver = Receiver::start().await;
        let (id, _) = hook(&server, &receiver, "/busy", &["a"]).await;
        receiver.script(
            "/busy",
            vec![Answer::status(429).header("retry-after", "3")],
        );
        publish(&server, "a", json!({})).await;
        let records = eventually(WAIT, "the second attempt", || async {
            let records = executions(&server, &id, "").await;
            (records.len() == 2).then_some(records)
        })
        .await;
        let at = |v: &Value| {
            hookline::domain::Timestamp::parse(v.as_str().unwrap())
                .unwrap()
                .millis()
        };
        let (first, planned, second) = (
            at(&records[1]["created_at"]),
            at(&records[1]["next_attempt_at"]),
            at(&records[0]["created_at"]),
        );
        // The schedule says 1s (±20 %); the receiver asked for 3s, within the cap of 10s.
        assert!((2_950..=3_300).contains(&(planned - first)), "{records:?}");
        assert!(second >= planned - 100, "not attempted early: {records:?}");
        // A Retry-After above the longest delay is capped at it.
        assert_eq!(
            hookline::domain::RetrySchedule::parse("1s,10s")
                .unwrap()
                .next_delay(1, Some(Duration::from_secs(3600)), 0.0),
            Some(Duration::from_secs(10))
        );
    }
);

on_both_backends!(
    deleting_a_webhook_stops_its_queued_deliveries,
    |backend| async move {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let (id, _) = hook(&server, &receiver, "/doomed", &["a"]).await;
        receiver.always("/doomed", Answer::status(500));
        let published = publish(&server, "a", json!({})).await;
        eventually(WAIT, "the first attempt", || async {
            (!receiver.events_on("/doomed").is_empty()).then_some(())
        })
        .await;
        assert_eq!(
            server
                .delete(KEY_A, &format!("/v1/webhooks/{id}"))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        let count = receiver.events_on("/doomed").len();
        let event_path = format!("/v1/events/{}", published["id"].as_str().unwrap());
        eventually(WAIT, "the delivery dropped", || async {
            let event = server.get(KEY_A, &event_path).await.body;
            (event["deliveries"][0]["status"] == "dropped").then_some(())
        })
        .await;
        assert_eq!(
            receiver.events_on("/doomed").len(),
            count,
            "nothing sent after the 204"
        );
    }
);

on_both_backends!(
    after_a_rotation_both_secrets_verify_for_a_day,
    |backend| async move {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let (id, old) = hook(&server, &receiver, "/rot", &["a"]).await;
        let rotated = server
            .post(
                KEY_A,
                &format!("/v1/webhooks/{id}/secret/rotate"),
                json!({}),
            )
            .await;
        assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
        let new = rotated.body["secret"].as_str().unwrap().to_owned();
        assert_ne!(new, old);
        assert_eq!(
            server
                .get(KEY_A, &format!("/v1/webhooks/{id}/secret"))
                .await
                .body["secret"],
            new
        );
        publish(&server, "a", json!({"n": 1})).await;
        let delivered = eventually(WAIT, "the delivery", || async {
            receiver.events_on("/rot").into_iter().next()
        })
        .await;
        assert_eq!(
            delivered.headers["webhook-signature"]
                .to_str()
                .unwrap()
                .split(' ')
                .count(),
            2
        );
        assert!(delivered.verify(&new) && delivered.verify(&old));
    }
);

on_both_backends!(
    a_rotation_without_grace_revokes_the_old_secret_and_may_set_the_new_one,
    |backend| async move {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let (id, old) = hook(&server, &receiver, "/now", &["a"]).await;
        let rotate = |body: Value| {
            let (server, id) = (&server, &id);
            async move {
                server
                    .post(KEY_A, &format!("/v1/webhooks/{id}/secret/rotate"), body)
                    .await
            }
        };
        // Bad grace and secrets: a clear 400, and the secret is unchanged.
        for (body, field) in [
            (json!({"grace": "8d"}), "grace"),
            (json!({"grace": "soon"}), "grace"),
            (json!({"grace": "-1s"}), "grace"),
            (json!({"secret": "whsec_tooshort"}), "secret"),
            (json!({"secret": old}), "secret"),
            (json!({"graze": "1h"}), "graze"),
        ] {
            let reply = rotate(body.clone()).await;
            reply.assert_problem(400, "validation_error");
            assert_eq!(reply.error_fields(), vec![field.to_owned()], "{body}");
        }
        let secret_now = || async {
            server
                .get(KEY_A, &format!("/v1/webhooks/{id}/secret"))
                .await
                .body["secret"]
                .clone()
        };
        assert_eq!(secret_now().await, json!(old));

        let given = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let rotated = rotate(json!({"grace": "0s", "secret": given})).await;
        assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
        assert_eq!(rotated.body["secret"], given);
        assert_eq!(secret_now().await, json!(given));
        publish(&server, "a", json!({"n": 1})).await;
        let delivered = eventually(WAIT, "the delivery", || async {
            receiver.events_on("/now").into_iter().next()
        })
        .await;
        let signature = delivered.headers["webhook-signature"].to_str().unwrap();
        assert_eq!(signature.split(' ').count(), 1, "{signature}");
        assert!(delivered.verify(given));
        assert!(
            !delivered.verify(&old),
            "the old secret was revoked at once"
        );
    }
);

on_both_backends!(
    a_handshake_webhook_is_made_only_when_its_endpoint_echoes_the_secret,
    |backend| async move {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let create = |path: &str| json!({"url": receiver.url(path), "event_types": ["a"], "verification": "handshake", "secret": secret});
        let count = || async {
            server.get(KEY_A, "/v1/webhooks").await.body["data"]
                .as_array()
                .unwrap()
                .len()
        };

        // No echo, or the wrong one: refused, and nothing is made.
        receiver.always("/mute", Answer::status(204));
        receiver.always(
            "/wrong",
            Answer::status(200).header("x-hook-secret", "whsec_other"),
        );
        for path in ["/mute", "/wrong"] {
            let reply = server.post(KEY_A, "/v1/webhooks", create(path)).await;
            reply.assert_problem(400, "endpoint_verification_failed");
            assert!(
                reply.body["detail"]
                    .as_str()
                    .unwrap()
                    .contains("X-Hook-Secret"),
                "{}",
                reply.body
            );
            let sent = receiver.on(path);
            assert_eq!(sent.len(), 1);
            assert_eq!(sent[0].headers["x-hook-secret"], secret);
        }
        assert_eq!(count().await, 0);

        // The echo: made, and shown as a handshake webhook.
        receiver.always("/echo", Answer::status(200).header("x-hook-secret", secret));
        let made = server.post(KEY_A, "/v1/webhooks", create("/echo")).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        assert_eq!(made.body["verification"], "handshake");

        // A ping webhook is verified without the header; turning it into a handshake webhook
        // verifies again, and an endpoint that does not echo keeps it as it was.
        let (id, _) = hook(&server, &receiver, "/plain", &["b"]).await;
        assert!(
            receiver.on("/plain")[0]
                .headers
                .get("x-hook-secret")
                .is_none()
        );
        let reply = server
            .patch(
                KEY_A,
                &format!("/v1/webhooks/{id}"),
                json!({"verification": "handshake"}),
            )
            .await;
        reply.assert_problem(400, "endpoint_verification_failed");
        let unchanged = server.get(KEY_A, &format!("/v1/webhooks/{id}")).await;
        assert_eq!(unchanged.body["verification"], "ping");
        let reply = server
            .patch(
                KEY_A,
                &format!("/v1/webhooks/{id}"),
                json!({"verification": "maybe"}),
            )
            .await;
        reply.assert_problem(400, "validation_error");
        assert_eq!(reply.error_fields(), vec!["verification".to_owned()]);
    }
);

on_both_backends!(
    one_operator_key_publishes_for_several_tenants,
    |backend| async move {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        for tenant in ["tenant-a", "tenant-b"] {
            let made = server
                .call_for(
                    Some(KEY_OPERATOR),
                    Some(tenant),
                    reqwest::Method::POST,
                    "/v1/webhooks",
                    Some(json!({"url": receiver.url(&format!("/{tenant}")), "event_types": ["order.*"]})),
                )
                .await;
            assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
            let published = server
                .call_for(
                    Some(KEY_OPERATOR),
                    Some(tenant),
                    reqwest::Method::POST,
                    "/v1/events",
                    Some(json!({"event_type": "order.paid", "data": {"for": tenant}})),
                )
                .await;
            assert_eq!(published.status, StatusCode::ACCEPTED, "{}", published.body);
        }
        for tenant in ["tenant-a", "tenant-b"] {
            let got = eventually(WAIT, "each tenant's delivery", || async {
                let events = receiver.events_on(&format!("/{tenant}"));
                (!events.is_empty()).then_some(events)
            })
            .await;
            assert_eq!(got.len(), 1);
            assert_eq!(got[0].json()["data"]["for"], tenant, "only its own event");
        }
        // Each tenant's own key sees its webhook only.
        let mine = server.get(KEY_A, "/v1/webhooks").await;
        assert_eq!(mine.body["data"].as_array().unwrap().len(), 1);
        assert_eq!(mine.body["data"][0]["url"], receiver.url("/tenant-a"));
    }
);

on_both_backends!(
    an_idempotent_publish_answers_the_same_and_delivers_once,
    |backend| async move {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        hook(&server, &receiver, "/idem", &["a"]).await;
        let send = || async {
            let reply = server
                .http
                .post(format!("{}/v1/events", server.base))
                .bearer_auth(KEY_A)
                .header("idempotency-key", "order-42")
                .json(&json!({"event_type": "a", "data": {}}))
                .send()
                .await
                .unwrap();
            assert_eq!(reply.status(), 202);
            reply.json::<Value>().await.unwrap()
        };
        let first = send().await;
        let second = send().await;
        assert_eq!(first, second);
        eventually(WAIT, "the delivery", || async {
            (!receiver.events_on("/idem").is_empty()).then_some(())
        })
        .await;
        let third = publish(&server, "a", json!({})).await;
        assert_ne!(third["id"], first["id"], "no key, a new event");
        eventually(WAIT, "the second event", || async {
            (receiver.events_on("/idem").len() == 2).then_some(())
        })
        .await;
        let ids: std::collections::HashSet<_> = receiver
            .events_on("/idem")
            .iter()
            .map(|r| r.headers["webhook-id"].clone())
            .collect();
        assert_eq!(ids.len(), 2, "the keyed event was delivered once");
    }
);

on_both_backends!(
    fan_out_reaches_every_matching_webhook_and_filters_select,
    |backend| async move {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        // More than publish queues itself: this goes through fan-out tasks.
        for i in 0..150 {
            let reply = server.post(KEY_A, "/v1/webhooks", json!({"url": receiver.url(&format!("/many/{i}")), "event_types": ["bulk.*"], "verify": false})).await;
            assert_eq!(reply.status, StatusCode::CREATED);
        }
        server
            .post(
                KEY_A,
                "/v1/webhooks",
                json!({"url": receiver.url("/other"), "event_types": ["other"], "verify": false}),
            )
            .await;
        server.post(KEY_A, "/v1/webhooks", json!({
        "url": receiver.url("/filtered"), "event_types": ["*"], "verify": false,
        "filters": [{"path": "resource.type", "any_of": ["task"]}, {"path": "tags", "any_of": ["urgent"]}]
    })).await;
        let published = publish(
            &server,
            "bulk.created",
            json!({"resource": {"type": "node"}, "tags": ["urgent"]}),
        )
        .await;
        assert_eq!(published["matched"], 150);
        eventually(Duration::from_secs(60), "150 deliveries", || async {
            let paths: std::collections::HashSet<String> = receiver
                .all()
                .into_iter()
                .map(|r| r.path)
                .filter(|p| p.starts_with("/many/"))
                .collect();
            (paths.len() == 150).then_some(())
        })
        .await;
        let matched = publish(
            &server,
            "x",
            json!({"resource": {"type": "task"}, "tags": ["low", "urgent"]}),
        )
        .await;
        assert_eq!(matched["matched"], 1);
        eventually(WAIT, "the filtered delivery", || async {
            (!receiver.events_on("/filtered").is_empty()).then_some(())
        })
        .await;
        assert!(receiver.on("/other").is_empty());
        assert_eq!(
            receiver.events_on("/filtered").len(),
            1,
            "the node event did not pass the filter"
        );
    }
);

on_both_backends!(ping_verification_and_manual_retry, |backend| async move {
    let server = server(backend).await;
    let receiver = Receiver::start().await;
    // Verification: a failing endpoint is refused and nothing is created.
    receiver.always("/refuses", Answer::status(403));
    let refused = server
        .post(
            KEY_A,
            "/v1/webhooks",
            json!({"url": receiver.url("/refuses"), "event_types": ["a"]}),
        )
        .await;
    refused.assert_problem(400, "endpoint_verification_failed");
    assert!(refused.body["detail"].as_str().unwrap().contains("403"));
    assert_eq!(
        server.get(KEY_A, "/v1/webhooks").await.body["data"],
        json!([])
    );

    let (id, secret) = hook(&server, &receiver, "/p", &["a"]).await;
    // Moving it to a failing URL is refused too, and changes nothing.
    let moved = server
        .patch(
            KEY_A,
            &format!("/v1/webhooks/{id}"),
            json!({"url": receiver.url("/refuses")}),
        )
        .await;
    moved.assert_problem(400, "endpoint_verification_failed");
    assert_eq!(
        server.get(KEY_A, &format!("/v1/webhooks/{id}")).await.body["url"],
        receiver.url("/p")
    );

    let ping = server
        .post(KEY_A, &format!("/v1/webhooks/{id}/ping"), json!({}))
        .await;
    assert_eq!(ping.status, StatusCode::OK, "{}", ping.body);
    assert_eq!(ping.body["trigger"], "ping");
    assert_eq!(ping.body["event_type"], "webhook.ping");
    assert!(receiver.on("/p").last().unwrap().verify(&secret));
    receiver.always("/p", Answer::status(502));
    let failed = server
        .post(KEY_A, &format!("/v1/webhooks/{id}/ping"), json!({}))
        .await;
    failed.assert_problem(400, "ping_failed");
    assert_eq!(failed.body["execution"]["response_status"], 502);

    // A failed delivery sent again on request: one more attempt, trigger "retry".
    publish(&server, "a", json!({"k": 1})).await;
    let failed_attempt = eventually(WAIT, "a failed attempt", || async {
        executions(&server, &id, "?status=error")
            .await
            .into_iter()
            .find(|e| e["trigger"] == "event")
    })
    .await;
    receiver.always("/p", Answer::status(200));
    let path = format!(
        "/v1/webhooks/{id}/executions/{}",
        failed_attempt["id"].as_str().unwrap()
    );
    assert_eq!(server.get(KEY_A, &path).await.body, failed_attempt);
    let retried = server
        .post(KEY_A, &format!("{path}/retry"), json!({}))
        .await;
    assert_eq!(retried.status, StatusCode::ACCEPTED, "{}", retried.body);
    eventually(WAIT, "the retried attempt", || async {
        executions(&server, &id, "?status=success")
            .await
            .into_iter()
            .find(|e| e["trigger"] == "retry")
    })
    .await;
    server
        .get(KEY_A, &format!("/v1/webhooks/{id}/executions/nope"))
        .await
        .assert_problem(404, "execution_not_found");
    server
        .get(KEY_A, &format!("/v1/webhooks/{id}/executions?status=maybe"))
        .await
        .assert_problem(400, "validation_error");
});

on_both_backends!(publishing_checks_its_input, |backend| async move {
    let server = server(backend).await;
    for body in [
        json!({"event_type": "a.*", "data": {}}),
        json!({"event_type": "a", "data": [1]}),
        json!({"data": {}}),
        json!({"event_type": "a", "data": {}, "x": 1}),
    ] {
        server
            .post(KEY_A, "/v1/events", body)
            .await
            .assert_problem(400, "validation_error");
    }
    let big = json!({"event_type": "a", "data": {"blob": "x".repeat(257 * 1024)}});
    let reply = server
        .http
        .post(format!("{}/v1/events", server.base))
        .bearer_auth(KEY_A)
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 413);
    let long_key = server
        .http
        .post(format!("{}/v1/events", server.base))
        .bearer_auth(KEY_A)
        .header("idempotency-key", "k".repeat(256))
        .json(&json!({"event_type": "a", "data": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(long_key.status(), 400);
    let fits = json!({"event_type": "a", "data": {"blob": "x".repeat(250 * 1024)}});
    assert_eq!(
        server.post(KEY_A, "/v1/events", fits).await.status,
        StatusCode::ACCEPTED
    );
});

on_both_backends!(
    custom_headers_are_sent_and_redirects_are_not_followed,
    |backend| async move {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let created = server
            .post(
                KEY_A,
                "/v1/webhooks",
                json!({
                    "url": receiver.url("/moved"), "event_types": ["a"], "verify": false,
                    "headers": {"X-Tenant-Token": "abc123", "Authorization": "Bearer downstream"}
                }),
            )
            .await;
        let id = created.body["id"].as_str().unwrap().to_owned();
        receiver.always(
            "/moved",
            Answer::status(307).header("location", receiver.url("/elsewhere")),
        );
        publish(&server, "a", json!({})).await;
        let first = eventually(WAIT, "the attempt", || async {
            receiver.events_on("/moved").into_iter().next()
        })
        .await;
        assert_eq!(first.headers["x-tenant-token"], "abc123");
        assert_eq!(first.headers["authorization"], "Bearer downstream");
        let records = eventually(WAIT, "the attempt recorded", || async {
            let records = executions(&server, &id, "").await;
            (!records.is_empty()).then_some(records)
        })
        .await;
        assert_eq!(records[0]["response_status"], 307);
        assert_eq!(
            records[0]["request_status"], "error",
            "a redirect is not a success"
        );
        assert!(
            receiver.on("/elsewhere").is_empty(),
            "the redirect was not followed"
        );
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_that_fails_for_good_goes_to_the_dead_letter_queue() {
    let server = server(Backend::Memory).await;
    let receiver = Receiver::start().await;
    let (id, _) = hook(&server, &receiver, "/down", &["a"]).await;
    receiver.always("/down", Answer::status(500));
    let published = publish(&server, "a", json!({})).await;
    let dead = eventually(WAIT, "the dead letter", || async {
        server
            .running
            .ctx
            .dead_letters
            .receive(10, Duration::from_millis(100))
            .await
            .unwrap()
            .into_iter()
            .next()
    })
    .await;
    match dead.task {
        hookline::queue::Task::Deliver(hookline::queue::DeliverTask {
            event_id,
            webhook_id,
            attempt,
            ..
        }) => {
            assert_eq!(event_id.to_string(), published["id"].as_str().unwrap());
            assert_eq!(webhook_id.to_string(), id);
            assert_eq!(attempt, 3, "after the last of 1 + 2 attempts");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_received_before_its_time_is_sent_on_not_attempted() {
    use hookline::delivery::worker::{Outcome, process};
    use hookline::domain::Trigger;
    use hookline::queue::{DeliverTask, Task};
    let server = server(Backend::Memory).await;
    let ctx = &server.running.ctx;
    let due = hookline::domain::Timestamp::now().millis() + 3 * 3_600_000;
    let task = DeliverTask::new(
        hookline::domain::TenantId::parse("tenant-a").unwrap(),
        hookline::domain::EventId::new(),
        hookline::domain::WebhookId::new(),
        5,
        Trigger::Event,
    );
    let task = Task::Deliver(task.due_at(hookline::domain::Timestamp::from_millis(due).unwrap()));
    assert_eq!(process(ctx, &task).await.unwrap(), Outcome::Hopped);
    // The hop is the same task, hidden for the longest delay SQS allows, not visible now.
    assert!(
        ctx.queue
            .receive(10, Duration::from_millis(200))
            .await
            .unwrap()
            .is_empty()
    );
}

on_both_backends!(
    only_the_first_4_kib_of_a_receivers_answer_is_kept,
    |backend| async move {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let (id, _) = hook(&server, &receiver, "/big", &["a"]).await;
        receiver.always(
            "/big",
            Answer::status(500).body("y".repeat(2 * 1024 * 1024)),
        );
        publish(&server, "a", json!({})).await;
        let records = eventually(WAIT, "a failed attempt", || async {
            let records = executions(&server, &id, "?status=error").await;
            (!records.is_empty()).then_some(records)
        })
        .await;
        let body = records[0]["response_body"].as_str().unwrap();
        assert_eq!(body.len(), 4096);
        assert!(body.chars().all(|c| c == 'y'));
        assert_eq!(records[0]["response_status"], 500);
    }
);

/// An event store whose delivery-record writes fail while `failing` is set.
struct FailingDeliveries {
    inner: std::sync::Arc<dyn hookline::store::EventStore>,
    failing: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl hookline::store::EventStore for FailingDeliveries {
    async fn put_event(
        &self,
        event: &hookline::domain::Event,
        expires_at: hookline::domain::Timestamp,
    ) -> Result<bool, hookline::store::StoreError> {
        self.inner.put_event(event, expires_at).await
    }
    async fn get_event(
        &self,
        tenant: &hookline::domain::TenantId,
        id: &hookline::domain::EventId,
        now: hookline::domain::Timestamp,
    ) -> Result<Option<hookline::domain::Event>, hookline::store::StoreError> {
        self.inner.get_event(tenant, id, now).await
    }
    async fn list_events(
        &self,
        tenant: &hookline::domain::TenantId,
        range: hookline::domain::TimeRange,
        before: Option<&hookline::domain::EventId>,
        limit: usize,
        with_data: bool,
        now: hookline::domain::Timestamp,
    ) -> Result<Vec<hookline::domain::ListedEvent>, hookline::store::StoreError> {
        self.inner
            .list_events(tenant, range, before, limit, with_data, now)
            .await
    }
    async fn put_deliveries(
        &self,
        tenant: &hookline::domain::TenantId,
        deliveries: &[hookline::domain::Delivery],
        expires_at: hookline::domain::Timestamp,
    ) -> Result<(), hookline::store::StoreError> {
        if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(hookline::store::StoreError::backend("injected fault"));
        }
        self.inner
            .put_deliveries(tenant, deliveries, expires_at)
            .await
    }
    async fn list_deliveries(
        &self,
        tenant: &hookline::domain::TenantId,
        event_id: &hookline::domain::EventId,
        now: hookline::domain::Timestamp,
    ) -> Result<Vec<hookline::domain::Delivery>, hookline::store::StoreError> {
        self.inner.list_deliveries(tenant, event_id, now).await
    }
    async fn claim_idempotency_key(
        &self,
        tenant: &hookline::domain::TenantId,
        key: &str,
        hold: hookline::store::KeyHold,
        now: hookline::domain::Timestamp,
    ) -> Result<hookline::store::Claim, hookline::store::StoreError> {
        self.inner
            .claim_idempotency_key(tenant, key, hold, now)
            .await
    }
    async fn complete_idempotency_key(
        &self,
        tenant: &hookline::domain::TenantId,
        key: &str,
        response: &str,
        expires_at: hookline::domain::Timestamp,
    ) -> Result<(), hookline::store::StoreError> {
        self.inner
            .complete_idempotency_key(tenant, key, response, expires_at)
            .await
    }
    async fn hand_back_idempotency_key(
        &self,
        tenant: &hookline::domain::TenantId,
        key: &str,
        unsent: &[hookline::domain::WebhookId],
        now: hookline::domain::Timestamp,
    ) -> Result<(), hookline::store::StoreError> {
        self.inner
            .hand_back_idempotency_key(tenant, key, unsent, now)
            .await
    }

    async fn lease_rate(
        &self,
        tenant: &hookline::domain::TenantId,
        window: hookline::store::RateWindow,
        want: u32,
    ) -> Result<u32, hookline::store::StoreError> {
        self.inner.lease_rate(tenant, window, want).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_record_write_never_starts_a_second_retry_chain() {
    use hookline::delivery::worker::{Outcome, process};
    use hookline::queue::memory::MemoryQueue;
    use hookline::queue::{Carried, DeliverTask, Task, TaskQueue};
    use std::sync::Arc;
    use std::sync::atomic::Ordering;
    let server = server(Backend::Memory).await;
    let receiver = Receiver::start().await;
    let (id, _) = hook(&server, &receiver, "/flaky", &["a"]).await;
    receiver.always("/flaky", Answer::status(500));
    // The server's own context, with delivery records that fail to write and a queue of its
    // own that no worker drains.
    let mut ctx = server.running.ctx.clone();
    let failing = Arc::new(FailingDeliveries {
        inner: ctx.events.clone(),
        failing: true.into(),
    });
    ctx.events = failing.clone();
    let queue = Arc::new(MemoryQueue::new(Duration::from_secs(30)));
    ctx.queue = queue.clone();
    let task = Task::Deliver(DeliverTask::first(
        hookline::domain::TenantId::parse("tenant-a").unwrap(),
        hookline::domain::EventId::new(),
        hookline::domain::WebhookId::parse(&id).unwrap(),
        Some(Carried {
            event_type: hookline::domain::EventType::parse("a").unwrap(),
            payload: "{}".into(),
        }),
    ));
    // The attempt fails and its record cannot be written: the task fails, nothing is queued.
    assert!(process(&ctx, &task).await.is_err());
    let queued = |queue: Arc<MemoryQueue>| async move {
        let mut n = 0;
        loop {
            // Longer than the retry delay (1 s, 20 % jitter): a queued retry would show.
            let got = queue
                .receive(10, Duration::from_millis(2500))
                .await
                .unwrap();
            if got.is_empty() {
                return n;
            }
            n += got.len();
        }
    };
    assert_eq!(
        queued(queue.clone()).await,
        0,
        "a retry was queued before the record"
    );
    // Redone once the store is back: exactly one next attempt.
    failing.failing.store(false, Ordering::SeqCst);
    assert!(matches!(
        process(&ctx, &task).await.unwrap(),
        Outcome::Retrying { .. }
    ));
    assert_eq!(queued(queue).await, 1);
}

on_both_backends!(
    a_first_attempt_made_twice_keeps_both_records_and_one_delivery,
    |backend| async move {
        use hookline::delivery::worker::{Outcome, process};
        use hookline::queue::{DeliverTask, Task};
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let (id, _) = hook(&server, &receiver, "/twice", &["a"]).await;
        // Published with no webhook matching yet is not the point: store the event as a
        // publish would, with this webhook matched, and run its first attempt twice (the
        // task came back after the attempt was made, as at-least-once allows).
        let ctx = &server.running.ctx;
        let webhook_id = hookline::domain::WebhookId::parse(&id).unwrap();
        let tenant = hookline::domain::TenantId::parse("tenant-a").unwrap();
        let event = hookline::domain::Event {
            id: hookline::domain::EventId::new(),
            tenant: tenant.clone(),
            event_type: hookline::domain::EventType::parse("a").unwrap(),
            data: hookline::domain::EventData::from_object(&json!({})).unwrap(),
            created_at: hookline::domain::Timestamp::now(),
            matched: vec![webhook_id],
        };
        let expires = ctx.records_expire_at(event.created_at);
        ctx.events.put_event(&event, expires).await.unwrap();
        let task = Task::Deliver(DeliverTask::first(tenant, event.id, webhook_id, None));
        assert_eq!(process(ctx, &task).await.unwrap(), Outcome::Delivered);
        assert_eq!(process(ctx, &task).await.unwrap(), Outcome::Delivered);
        let records = executions(&server, &id, "").await;
        let attempts: Vec<_> = records
            .iter()
            .filter(|e| e["event_id"] == event.id.to_string())
            .collect();
        assert_eq!(attempts.len(), 2, "both attempts are in the history");
        let view = server
            .get(KEY_A, &format!("/v1/events/{}", event.id))
            .await
            .body;
        assert_eq!(view["deliveries"].as_array().unwrap().len(), 1);
        assert_eq!(view["deliveries"][0]["status"], "succeeded");
        assert_eq!(view["deliveries"][0]["attempts"], 1);
    }
);
