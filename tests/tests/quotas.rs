//! Quotas against abuse, as a stranger with one tenant key tries them: a flood of publishes
//! is refused with 429 `rate_limited` and `Retry-After` once the tenant's allowance is
//! spent, nothing of a refused publish is stored, and another tenant's events flow all the
//! while. Both backends (the shared counter in DynamoDB, or in memory).

use hookline_tests::{KEY_A, KEY_B, KEY_OPERATOR, TestServer, on_both_backends};
use serde_json::json;

/// Two per second: twenty per ten-second window.
const PER_SECOND: u32 = 2;

on_both_backends!(
    a_flood_is_refused_while_another_tenant_publishes,
    |backend| async move {
        let server =
            TestServer::start_with(backend, |s| s.tenant_events_per_second = PER_SECOND).await;
        let publish = |key: &'static str, n: u32| {
            let server = &server;
            async move {
                server
                    .post(
                        key,
                        "/v1/events",
                        json!({"event_type": "flood.test", "data": {"n": n}}),
                    )
                    .await
            }
        };
        let (mut accepted, mut refused) = (0, Vec::new());
        for n in 0..60 {
            let reply = publish(KEY_A, n).await;
            match reply.status.as_u16() {
                202 => accepted += 1,
                429 => refused.push(reply),
                other => panic!("publish answered {other}: {}", reply.body),
            }
            if n % 10 == 0 {
                // Tenant B is not held back by A's flood.
                assert_eq!(publish(KEY_B, n).await.status, 202);
            }
        }
        // A window boundary may fall inside the loop: at most two windows' allowance.
        assert!((20..=40).contains(&accepted), "accepted {accepted}");
        let first = refused.first().expect("some publishes were refused");
        first.assert_problem(429, "rate_limited");
        let after: u64 = first.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=10).contains(&after), "Retry-After {after}");
        assert!(
            first.body["detail"]
                .as_str()
                .unwrap()
                .contains("Retry-After")
        );

        // Nothing of a refused publish was stored.
        let listed = server.get(KEY_A, "/v1/events?limit=100").await;
        assert_eq!(listed.body["data"].as_array().unwrap().len(), accepted);
        let listed = server.get(KEY_B, "/v1/events?limit=100").await;
        assert_eq!(listed.body["data"].as_array().unwrap().len(), 6);
    }
);

on_both_backends!(
    unverified_webhooks_stop_at_the_quota,
    |backend| async move {
        let server = TestServer::start_with(backend, |s| s.max_unverified_webhooks = 2).await;
        let receiver = hookline_tests::receiver::Receiver::start().await;
        let unverified = |path: &str| json!({"url": receiver.url(path), "event_types": ["a.b"], "verify": false});
        for path in ["/one", "/two"] {
            let reply = server.post(KEY_A, "/v1/webhooks", unverified(path)).await;
            assert_eq!(reply.status, 201, "{}", reply.body);
        }
        let refused = server
            .post(KEY_A, "/v1/webhooks", unverified("/three"))
            .await;
        refused.assert_problem(429, "rate_limited");
        assert_eq!(refused.headers["retry-after"], "60");
        assert!(refused.body["detail"].as_str().unwrap().contains("verify"));
        let listed = server.get(KEY_A, "/v1/webhooks").await;
        assert_eq!(
            listed.body["data"].as_array().unwrap().len(),
            2,
            "nothing stored"
        );

        // A verified endpoint is not counted, and moving it without verifying is.
        let verified = server
            .post(
                KEY_A,
                "/v1/webhooks",
                json!({"url": receiver.url("/ok"), "event_types": ["a.b"], "verify": true}),
            )
            .await;
        assert_eq!(verified.status, 201, "{}", verified.body);
        let id = verified.body["id"].as_str().unwrap();
        let moved = server
            .patch(
                KEY_A,
                &format!("/v1/webhooks/{id}"),
                json!({"url": receiver.url("/elsewhere"), "verify": false}),
            )
            .await;
        moved.assert_problem(429, "rate_limited");
        assert_eq!(
            server.get(KEY_A, &format!("/v1/webhooks/{id}")).await.body["url"],
            receiver.url("/ok")
        );
        // Another tenant's quota is its own.
        let other = server.post(KEY_B, "/v1/webhooks", unverified("/b")).await;
        assert_eq!(other.status, 201, "{}", other.body);
    }
);

on_both_backends!(
    a_failing_webhook_is_held_to_its_in_flight_cap,
    |backend| async move {
        // One attempt per window of one delivery timeout (2 s here), once it is failing.
        let server = TestServer::start_with(backend, |s| {
            s.max_in_flight_per_webhook = 1;
            s.retry_schedule = hookline::domain::RetrySchedule::parse("1h").unwrap();
        })
        .await;
        let receiver = hookline_tests::receiver::Receiver::start().await;
        receiver.always(
            "/slow",
            hookline_tests::receiver::Answer::status(500)
                .delay(std::time::Duration::from_millis(1500)),
        );
        let created = server
            .create_webhook(KEY_A, &receiver.url("/slow"), &["slow.test"])
            .await;
        let id = created["id"].as_str().unwrap().to_owned();
        let publish = |n: u32| {
            let server = &server;
            async move {
                let reply = server
                    .post(
                        KEY_A,
                        "/v1/events",
                        json!({"event_type": "slow.test", "data": {"n": n}}),
                    )
                    .await;
                assert_eq!(reply.status, 202, "{}", reply.body);
            }
        };
        // Healthy, it is not held back; its first failure makes it failing.
        publish(0).await;
        hookline_tests::eventually(
            std::time::Duration::from_secs(10),
            "the first failure",
            || {
                let server = &server;
                let id = &id;
                async move { (!server.executions(KEY_A, id, "").await.is_empty()).then_some(()) }
            },
        )
        .await;
        // A burst: without the cap all six would be in flight at once.
        futures::future::join_all((1..=6).map(publish)).await;
        hookline_tests::eventually(
            std::time::Duration::from_secs(40),
            "every event attempted",
            || {
                let receiver = &receiver;
                async move { (receiver.events_on("/slow").len() >= 7).then_some(()) }
            },
        )
        .await;
        let most = receiver.most_in_flight();
        assert!(most <= 2, "{most} attempts were in flight at once");
        // A deferred attempt is still the first: none was counted for the wait.
        for execution in server.executions(KEY_A, &id, "").await {
            assert_eq!(execution["attempt"], 1, "{execution}");
        }
    }
);

on_both_backends!(
    a_slow_healthy_webhook_is_held_to_its_in_flight_budget,
    |backend| async move {
        // Every attempt counts, not only a failing webhook's: a slow endpoint that answers
        // 200 gets at most its budget of requests at once, and every event still arrives.
        let server = TestServer::start_with(backend, |s| s.max_in_flight_per_webhook = 2).await;
        let receiver = hookline_tests::receiver::Receiver::start().await;
        receiver.always(
            "/slow",
            hookline_tests::receiver::Answer::status(200)
                .delay(std::time::Duration::from_millis(700)),
        );
        let created = server
            .create_webhook(KEY_A, &receiver.url("/slow"), &["slow.test"])
            .await;
        let id = created["id"].as_str().unwrap().to_owned();
        let publishes = (0..8).map(|n| {
            let server = &server;
            async move {
                let body = json!({"event_type": "slow.test", "data": {"n": n}});
                let reply = server.post(KEY_A, "/v1/events", body).await;
                assert_eq!(reply.status, 202, "{}", reply.body);
            }
        });
        futures::future::join_all(publishes).await;
        hookline_tests::eventually(
            std::time::Duration::from_secs(40),
            "every event delivered",
            || {
                let receiver = &receiver;
                async move { (receiver.events_on("/slow").len() >= 8).then_some(()) }
            },
        )
        .await;
        let most = receiver.most_in_flight();
        assert!(most <= 2, "{most} attempts were in flight at once");
        // Waiting for room is not an attempt.
        for execution in server.executions(KEY_A, &id, "").await {
            assert_eq!(execution["attempt"], 1, "{execution}");
        }
    }
);

on_both_backends!(
    a_tenant_is_held_to_its_own_in_flight_budget_across_its_webhooks,
    |backend| async move {
        // Two slow webhooks, each far under its own budget; the tenant's setting of 2 holds
        // across both.
        let server = TestServer::start(backend).await;
        let settings = json!({"max_in_flight": 2});
        let set = server
            .patch(KEY_OPERATOR, "/v1/tenants/tenant-a/settings", settings)
            .await;
        assert_eq!(set.status, 200, "{}", set.body);
        let receiver = hookline_tests::receiver::Receiver::start().await;
        for path in ["/one", "/two"] {
            receiver.always(
                path,
                hookline_tests::receiver::Answer::status(200)
                    .delay(std::time::Duration::from_millis(600)),
            );
            server
                .create_webhook(KEY_A, &receiver.url(path), &["slow.test"])
                .await;
        }
        publish_each(&server, 4).await;
        hookline_tests::eventually(
            std::time::Duration::from_secs(40),
            "every event delivered to both",
            || {
                let receiver = &receiver;
                async move { (receiver.all().len() >= 8).then_some(()) }
            },
        )
        .await;
        let most = receiver.most_in_flight();
        assert!(most <= 2, "{most} attempts were in flight at once");
    }
);

on_both_backends!(
    a_tenant_is_held_to_its_deliveries_per_second,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let settings = json!({"deliveries_per_second": 2});
        let set = server
            .patch(KEY_OPERATOR, "/v1/tenants/tenant-a/settings", settings)
            .await;
        assert_eq!(set.status, 200, "{}", set.body);
        let receiver = hookline_tests::receiver::Receiver::start().await;
        receiver.always("/fast", hookline_tests::receiver::Answer::status(200));
        server
            .create_webhook(KEY_A, &receiver.url("/fast"), &["slow.test"])
            .await;
        publish_each(&server, 8).await;
        let all = hookline_tests::eventually(
            std::time::Duration::from_secs(40),
            "every event delivered",
            || {
                let receiver = &receiver;
                async move {
                    let got = receiver.events_on("/fast");
                    (got.len() >= 8).then_some(got)
                }
            },
        )
        .await;
        // Two a second: eight take at least four seconds' allowances, so the last arrives
        // two seconds or more after the first (all at once without the budget).
        let first = all.iter().map(|r| r.at).min().unwrap();
        let last = all.iter().map(|r| r.at).max().unwrap();
        let span = last.duration_since(first);
        assert!(
            span >= std::time::Duration::from_secs(2),
            "eight deliveries within {span:?}"
        );
    }
);

/// Publishes `n` events of `slow.test` as tenant A, at once.
async fn publish_each(server: &TestServer, n: u32) {
    let publishes = (0..n).map(|n| async move {
        let body = json!({"event_type": "slow.test", "data": {"n": n}});
        let reply = server.post(KEY_A, "/v1/events", body).await;
        assert_eq!(reply.status, 202, "{}", reply.body);
    });
    futures::future::join_all(publishes).await;
}

on_both_backends!(
    parallel_unverified_creates_stop_at_the_quota,
    |backend| async move {
        const QUOTA: usize = 3;
        let server =
            TestServer::start_with(backend, |s| s.max_unverified_webhooks = QUOTA as u32).await;
        let create = |n: usize| {
            let server = &server;
            async move {
                let body = json!({"url": format!("http://127.0.0.1:9/race/{n}"), "event_types": ["a.b"], "verify": false});
                server.post(KEY_A, "/v1/webhooks", body).await
            }
        };
        let replies = futures::future::join_all((0..30).map(create)).await;
        let made = replies.iter().filter(|r| r.status == 201).count();
        println!(
            "{backend:?}: 30 parallel unverified creates against a quota of {QUOTA} made {made}"
        );
        for refused in replies.iter().filter(|r| r.status != 201) {
            refused.assert_problem(429, "rate_limited");
        }
        let listed = server.get(KEY_A, "/v1/webhooks?limit=100").await;
        let stored = listed.body["data"].as_array().unwrap().len();
        assert_eq!((made, stored), (QUOTA, QUOTA), "created, stored");

        // Deleting one lets exactly one more be created.
        let first = replies.iter().find(|r| r.status == 201).unwrap();
        let id = first.body["id"].as_str().unwrap();
        let deleted = server.delete(KEY_A, &format!("/v1/webhooks/{id}")).await;
        assert_eq!(deleted.status, 204, "{}", deleted.body);
        assert_eq!(create(100).await.status, 201);
        create(101).await.assert_problem(429, "rate_limited");
    }
);

on_both_backends!(
    a_tenants_deliveries_per_second_hold_across_processes,
    |backend| async move {
        use hookline::budget::Ledger;
        use hookline::delivery::worker::process;
        use hookline::domain::{EventId, EventType, TenantId, WebhookId};
        use hookline::queue::memory::MemoryQueue;
        use hookline::queue::{Carried, DeliverTask, Task};
        use hookline::quota::RateQuota;
        use hookline::store::Rate;
        use std::sync::Arc;
        use std::time::Duration;
        // One a second: ten in each ten-second window, across every process.
        let server = TestServer::start_with(backend, |s| s.tenant_deliveries_per_second = 1).await;
        let receiver = hookline_tests::receiver::Receiver::start().await;
        let created = server
            .create_webhook(KEY_A, &receiver.url("/many"), &["spread.test"])
            .await;
        let webhook = WebhookId::parse(created["id"].as_str().unwrap()).unwrap();
        // Twenty processes (as twenty delivery function instances), each with its own books
        // and its own queue that nothing drains, one attempt each, in one window: each
        // process's own budget (one a second) lets its one through; the shared one lets ten.
        let window_ms = hookline::quota::WINDOW_SECONDS as u64 * 1000;
        let into_window = hookline::domain::Timestamp::now().millis() as u64 % window_ms;
        if into_window > window_ms - 4000 {
            tokio::time::sleep(Duration::from_millis(window_ms - into_window)).await;
        }
        let attempts = (0..20).map(|_| {
            let mut ctx = server.running.ctx.clone();
            ctx.budgets = Arc::new(Ledger::default());
            ctx.delivery_quota = Arc::new(RateQuota::new(Rate::Deliveries));
            ctx.queue = Arc::new(MemoryQueue::new(Duration::from_secs(30)));
            let task = Task::Deliver(DeliverTask::first(
                TenantId::parse("tenant-a").unwrap(),
                EventId::new(),
                webhook,
                Some(Carried {
                    event_type: EventType::parse("spread.test").unwrap(),
                    payload: "{}".into(),
                }),
            ));
            async move { process(&ctx, &task).await.unwrap() }
        });
        futures::future::join_all(attempts).await;
        let made = receiver.events_on("/many").len();
        assert_eq!(
            made, 10,
            "twenty processes made {made} attempts in one window"
        );
    }
);
