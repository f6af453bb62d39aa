//! History and recovery end to end, as a support team lives through an outage: a receiver
//! down, deliveries exhausted, the operator's endpoint told, the receiver back, one recover
//! call, every failed event delivered once more and visible with its trigger; the events list
//! paged by type and time; stats that add up to the executions listed. Both backends.

use hookline::domain::{Timestamp, WebhookSecret};
use hookline_tests::receiver::{Answer, Receiver};
use hookline_tests::{Backend, KEY_A, KEY_B, TestServer, eventually, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

fn ago(millis: i64) -> String {
    Timestamp::from_millis(Timestamp::now().millis() - millis)
        .unwrap()
        .to_string()
}

/// A server whose operational events go to the receiver's `/ops`, signed with the secret
/// returned.
async fn server_with_operator_endpoint(
    backend: Backend,
    receiver: &Receiver,
) -> (TestServer, String) {
    let secret = WebhookSecret::generate().expose();
    let (url, key) = (receiver.url("/ops"), secret.clone());
    let server = TestServer::start_with(backend, move |s| {
        s.operator_webhook_url = Some(url);
        s.operator_webhook_secret = Some(key);
    })
    .await;
    (server, secret)
}

async fn publish(server: &TestServer, event_type: &str, data: Value) -> String {
    let reply = server
        .post(
            KEY_A,
            "/v1/events",
            json!({"event_type": event_type, "data": data}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    reply.body["id"].as_str().unwrap().to_owned()
}

/// Every execution of the webhook for the query, every page followed.
async fn all_executions(server: &TestServer, webhook: &str, query: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if query.is_empty() { "?" } else { "&" };
        let page_query = match &cursor {
            Some(c) => format!("{query}{sep}limit=100&cursor={c}"),
            None => format!("{query}{sep}limit=100"),
        };
        let page_query = if page_query.starts_with('?') {
            page_query
        } else {
            format!("?{page_query}")
        };
        let reply = server
            .get(
                KEY_A,
                &format!("/v1/webhooks/{webhook}/executions{page_query}"),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        seen.extend(reply.body["data"].as_array().unwrap().iter().cloned());
        match reply.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return seen,
        }
    }
}

on_both_backends!(an_outage_is_recovered_in_one_call, |backend| async move {
    let receiver = Receiver::start().await;
    let (server, operator_secret) = server_with_operator_endpoint(backend, &receiver).await;
    receiver.always("/down", Answer::status(503).body("maintenance"));
    let webhook = server
        .create_webhook(KEY_A, &receiver.url("/down"), &["order.*"])
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let since = ago(60_000);
    let mut events = Vec::new();
    for n in 0..5 {
        events.push(publish(&server, "order.paid", json!({"n": n})).await);
    }
    // Three attempts each (`1s,1s`), all failing: the deliveries end failed.
    for event in &events {
        eventually(WAIT, "the delivery to fail for good", || async {
            let reply = server.get(KEY_A, &format!("/v1/events/{event}")).await;
            (reply.body["deliveries"][0]["status"] == "failed").then_some(())
        })
        .await;
    }
    assert_eq!(receiver.events_on("/down").len(), 15);

    // The operator heard of each, signed with its own secret.
    let told = eventually(
        WAIT,
        "the operator to hear of every exhausted delivery",
        || async {
            let told = receiver.on("/ops");
            (told.len() >= 5).then_some(told)
        },
    )
    .await;
    let mut exhausted = HashSet::new();
    for notice in &told {
        assert!(
            notice.verify(&operator_secret),
            "signed with the operator secret"
        );
        let body = notice.json();
        assert_eq!(body["type"], "hookline.delivery.exhausted", "{body}");
        assert_eq!(body["data"]["tenant"], "tenant-a");
        assert_eq!(body["data"]["webhook_id"], webhook.as_str());
        assert_eq!(body["data"]["attempts"], 3);
        assert!(
            body["data"]["last_error"].as_str().unwrap().contains("503"),
            "{body}"
        );
        exhausted.insert(body["data"]["event_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(exhausted, events.iter().cloned().collect::<HashSet<_>>());

    // Stats add up to the executions listed for the same window.
    let stats = server
        .get(
            KEY_A,
            &format!("/v1/webhooks/{webhook}/stats?since={since}"),
        )
        .await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.body);
    let listed = all_executions(&server, &webhook, &format!("since={since}")).await;
    assert_eq!(listed.len(), 15);
    assert_eq!(
        stats.body["attempts"],
        json!({"success": 0, "error": 15}),
        "{}",
        stats.body
    );
    assert_eq!(
        stats.body["deliveries"],
        json!({"succeeded": 0, "failed": 5, "pending": 0, "dropped": 0})
    );

    // The receiver is back: one call queues every failed delivery of the window once more.
    receiver.always("/down", Answer::status(200));
    let recovered = server
        .post(
            KEY_A,
            &format!("/v1/webhooks/{webhook}/recover"),
            json!({"since": since}),
        )
        .await;
    assert_eq!(recovered.status, StatusCode::ACCEPTED, "{}", recovered.body);
    assert_eq!(recovered.body, json!({"queued": 5}));
    let resent = eventually(WAIT, "every failed event sent once more", || async {
        let got: Vec<_> = receiver.events_on("/down").into_iter().skip(15).collect();
        (got.len() >= 5).then_some(got)
    })
    .await;
    let ids: HashSet<String> = resent
        .iter()
        .map(|r| r.headers["webhook-id"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, events.iter().cloned().collect::<HashSet<_>>());
    for event in &events {
        eventually(WAIT, "the delivery to stand succeeded", || async {
            let reply = server.get(KEY_A, &format!("/v1/events/{event}")).await;
            let d = &reply.body["deliveries"][0];
            (d["status"] == "succeeded" && d["attempts"] == 4).then_some(())
        })
        .await;
        let history = all_executions(&server, &webhook, &format!("event_id={event}")).await;
        let triggers: Vec<&str> = history
            .iter()
            .map(|e| e["trigger"].as_str().unwrap())
            .collect();
        assert_eq!(
            triggers,
            ["recover", "event", "event", "event"],
            "newest first"
        );
        assert_eq!(history[0]["attempt"], 4);
        assert_eq!(history[0]["request_status"], "success");
    }
    // Nothing is sent twice, and a second recover finds nothing failed.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.events_on("/down").len(), 20);
    let again = server
        .post(
            KEY_A,
            &format!("/v1/webhooks/{webhook}/recover"),
            json!({"since": since}),
        )
        .await;
    assert_eq!(again.body, json!({"queued": 0}), "{}", again.body);
    let stats = server
        .get(
            KEY_A,
            &format!("/v1/webhooks/{webhook}/stats?since={since}"),
        )
        .await;
    assert_eq!(
        stats.body["attempts"],
        json!({"success": 5, "error": 15}),
        "{}",
        stats.body
    );
    assert_eq!(
        stats.body["deliveries"],
        json!({"succeeded": 5, "failed": 0, "pending": 0, "dropped": 0})
    );
    assert_eq!(
        all_executions(&server, &webhook, &format!("since={since}"))
            .await
            .len(),
        20
    );
});

on_both_backends!(
    a_disabled_webhook_tells_the_operator,
    |backend| async move {
        let receiver = Receiver::start().await;
        let (server, operator_secret) = server_with_operator_endpoint(backend, &receiver).await;
        receiver.always("/gone", Answer::status(410));
        let created = server
            .post(
                KEY_A,
                "/v1/webhooks",
                json!({"url": receiver.url("/gone"), "event_types": ["order.*"], "uid": "shop-17"}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let webhook = created.body["id"].as_str().unwrap().to_owned();
        publish(&server, "order.paid", json!({})).await;
        let told = eventually(
            WAIT,
            "the operator to hear of the disabled webhook",
            || async {
                receiver
                    .on("/ops")
                    .into_iter()
                    .find(|r| r.json()["type"] == "hookline.webhook.disabled")
            },
        )
        .await;
        assert!(told.verify(&operator_secret));
        let data = &told.json()["data"];
        assert_eq!(data["tenant"], "tenant-a");
        assert_eq!(data["webhook_id"], webhook.as_str());
        assert_eq!(data["uid"], "shop-17");
        assert!(data["reason"].as_str().unwrap().contains("410"), "{data}");
        // The 410 ended the delivery after one attempt: exhausted too, once.
        let exhausted = eventually(WAIT, "the exhausted notice", || async {
            receiver
                .on("/ops")
                .into_iter()
                .find(|r| r.json()["type"] == "hookline.delivery.exhausted")
        })
        .await;
        assert_eq!(exhausted.json()["data"]["attempts"], 1);

        // Recovering needs the webhook active again.
        let refused = server
            .post(
                KEY_A,
                &format!("/v1/webhooks/{webhook}/recover"),
                json!({"since": ago(60_000)}),
            )
            .await;
        refused.assert_problem(400, "validation_error");
    }
);

/// Without an operator URL a notice queues nothing; with one, it queues one task.
#[tokio::test]
async fn nothing_is_queued_without_an_operator_url() {
    use hookline::config::{Config, OperatorWebhook};
    use hookline::delivery::notify::{Notice, notify};
    use hookline::domain::{TenantId, WebhookId};
    use hookline::url_guard::UrlPolicy;
    let tenant = TenantId::parse("tenant-a").unwrap();
    let notice = || Notice::WebhookDisabled {
        tenant: &tenant,
        webhook_id: WebhookId::new(),
        uid: None,
        reason: "the endpoint answered 410 Gone",
        version: 3,
    };
    let queued = |ctx: hookline::AppContext| async move {
        ctx.queue
            .receive(10, Duration::from_millis(100))
            .await
            .unwrap()
            .len()
    };
    let unset = hookline::AppContext::in_memory(Config::default()).unwrap();
    notify(&unset, notice()).await.unwrap();
    assert_eq!(queued(unset).await, 0);

    let operator = OperatorWebhook::from_settings(
        Some("https://ops.example/hooks"),
        Some(&WebhookSecret::generate().expose()),
        &UrlPolicy::STRICT,
    )
    .unwrap();
    let set = hookline::AppContext::in_memory(Config {
        operator_webhook: operator,
        ..Config::default()
    })
    .unwrap();
    notify(&set, notice()).await.unwrap();
    assert_eq!(queued(set).await, 1);
}

/// Pages through `GET /v1/events` with `query`, returning every event seen.
async fn list_all(server: &TestServer, query: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/events?limit=100&{query}&cursor={c}"),
            None => format!("/v1/events?limit=100&{query}"),
        };
        let reply = server.get(KEY_A, &path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        seen.extend(reply.body["data"].as_array().unwrap().iter().cloned());
        match reply.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return seen,
        }
    }
}

on_both_backends!(
    the_events_list_pages_by_type_and_time,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let count = match backend {
            Backend::Memory => 2_000,
            Backend::DynamoDb => 400,
        };
        let types = ["list.a", "list.b", "other.c"];
        let mut published: Vec<(String, String, String)> = Vec::new();
        for n in 0..count {
            let event_type = types[n % 3];
            let reply = server
                .post(
                    KEY_A,
                    "/v1/events",
                    json!({"event_type": event_type, "data": {"n": n}}),
                )
                .await;
            assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
            published.push((
                reply.body["id"].as_str().unwrap().to_owned(),
                event_type.to_owned(),
                reply.body["created_at"].as_str().unwrap().to_owned(),
            ));
        }
        publish_for_b(&server).await;
        published.reverse();
        let ids = |events: &[Value]| -> Vec<String> {
            events
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_owned())
                .collect()
        };
        // The list is read from an index that may lag a moment behind the publishes.
        let everything = eventually(WAIT, "every event listed", || async {
            let all = list_all(&server, "").await;
            (all.len() == count).then_some(all)
        })
        .await;
        assert_eq!(
            ids(&everything),
            published.iter().map(|p| p.0.clone()).collect::<Vec<_>>(),
            "newest first, each once, only tenant A's"
        );
        assert!(everything.iter().all(|e| e.get("data").is_none()));
        assert!(everything.iter().all(|e| e.get("deliveries").is_none()));

        let only_a = list_all(&server, "event_type=list.a").await;
        let want_a: Vec<String> = published
            .iter()
            .filter(|p| p.1 == "list.a")
            .map(|p| p.0.clone())
            .collect();
        assert_eq!(ids(&only_a), want_a);
        let prefixed = list_all(&server, "event_type=list.*").await;
        assert_eq!(
            prefixed.len(),
            published.iter().filter(|p| p.1 != "other.c").count()
        );

        // A window by time, both ends included, with the data.
        let (until, since) = (&published[count / 4].2, &published[count / 2].2);
        let windowed = list_all(
            &server,
            &format!("since={since}&until={until}&with_data=true"),
        )
        .await;
        let want: Vec<String> = published
            .iter()
            .filter(|p| p.2.as_str() >= since.as_str() && p.2.as_str() <= until.as_str())
            .map(|p| p.0.clone())
            .collect();
        assert_eq!(ids(&windowed), want);
        assert!(windowed.iter().all(|e| e["data"]["n"].is_number()));
    }
);

async fn publish_for_b(server: &TestServer) {
    let reply = server
        .post(
            KEY_B,
            "/v1/events",
            json!({"event_type": "list.a", "data": {"b": true}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
}

on_both_backends!(history_queries_refuse_bad_input, |backend| async move {
    let receiver = Receiver::start().await;
    let server = TestServer::start(backend).await;
    let webhook = server
        .create_webhook(KEY_A, &receiver.url("/ok"), &["*"])
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (recent, old, later) = (ago(60_000), ago(3 * 86_400_000), ago(-60_000));
    for (query, field) in [
        ("since=yesterday", "since"),
        ("until=2026-13-01T00:00:00Z", "until"),
        (&*format!("since={old}"), "since"),
        (&*format!("since={later}&until={recent}"), "since"),
        ("event_type=Not%20A%20Type", "event_type"),
        ("with_data=maybe", "with_data"),
        ("typo=1", "typo"),
    ] {
        let reply = server.get(KEY_A, &format!("/v1/events?{query}")).await;
        reply.assert_problem(400, "validation_error");
        assert!(
            reply.error_fields().contains(&field.to_owned()),
            "{query}: {}",
            reply.body
        );
    }
    for (query, field) in [
        ("event_id=nope", "event_id"),
        (&*format!("since={old}"), "since"),
        ("until=soon", "until"),
    ] {
        let reply = server
            .get(KEY_A, &format!("/v1/webhooks/{webhook}/executions?{query}"))
            .await;
        reply.assert_problem(400, "validation_error");
        assert!(
            reply.error_fields().contains(&field.to_owned()),
            "{query}: {}",
            reply.body
        );
    }
    for since in [&old, &later, &"yesterday".to_owned()] {
        let reply = server
            .get(
                KEY_A,
                &format!("/v1/webhooks/{webhook}/stats?since={since}"),
            )
            .await;
        reply.assert_problem(400, "validation_error");
        assert_eq!(reply.error_fields(), ["since"], "{since}: {}", reply.body);
    }

    let recover = format!("/v1/webhooks/{webhook}/recover");
    for (body, field) in [
        (json!({}), "since"),
        (json!({"since": "last tuesday"}), "since"),
        (json!({"since": old}), "since"),
        (json!({"since": later, "until": recent}), "since"),
        (json!({"since": recent, "extra": 1}), "extra"),
    ] {
        let reply = server.post(KEY_A, &recover, body.clone()).await;
        reply.assert_problem(400, "validation_error");
        assert!(
            reply.error_fields().contains(&field.to_owned()),
            "{body}: {}",
            reply.body
        );
    }
    // Another tenant's webhook, or none: not found, nothing queued.
    let reply = server.post(KEY_B, &recover, json!({"since": recent})).await;
    reply.assert_problem(404, "webhook_not_found");
    let unknown = format!("/v1/webhooks/{}/recover", uuid::Uuid::now_v7());
    let reply = server.post(KEY_A, &unknown, json!({"since": recent})).await;
    reply.assert_problem(404, "webhook_not_found");
    // By uid too, and an empty window queues nothing.
    let reply = server.post(KEY_A, &recover, json!({"since": recent})).await;
    assert_eq!(reply.body, json!({"queued": 0}));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver.events_on("/ok").is_empty());
});

on_both_backends!(executions_filter_by_event_and_time, |backend| async move {
    let receiver = Receiver::start().await;
    let server = TestServer::start(backend).await;
    let webhook = server
        .create_webhook(KEY_A, &receiver.url("/ok"), &["*"])
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut events = Vec::new();
    for n in 0..6 {
        let reply = server
            .post(
                KEY_A,
                "/v1/events",
                json!({"event_type": "order.paid", "data": {"n": n}}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
        events.push((
            reply.body["id"].as_str().unwrap().to_owned(),
            reply.body["created_at"].as_str().unwrap().to_owned(),
        ));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let all = eventually(WAIT, "six deliveries", || async {
        let all = all_executions(&server, &webhook, "").await;
        (all.len() == 6).then_some(all)
    })
    .await;
    let by_event: HashMap<String, String> = all
        .iter()
        .map(|e| {
            (
                e["event_id"].as_str().unwrap().to_owned(),
                e["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (event, _) in &events {
        let one = all_executions(&server, &webhook, &format!("event_id={event}")).await;
        assert_eq!(one.len(), 1);
        assert_eq!(one[0]["id"].as_str().unwrap(), by_event[event]);
    }
    // A first attempt's record carries its event's time: the window of events 1 to 4.
    let windowed = all_executions(
        &server,
        &webhook,
        &format!("since={}&until={}", events[1].1, events[4].1),
    )
    .await;
    let got: Vec<&str> = windowed
        .iter()
        .map(|e| e["event_id"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = events[1..=4].iter().rev().map(|e| e.0.as_str()).collect();
    assert_eq!(got, want, "newest first, both ends included");
});

/// More failed deliveries than one recover task queues: the pages follow one another on
/// the queue, each failed delivery is queued once, and the call answered at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_window_is_recovered_page_by_page() {
    let receiver = Receiver::start().await;
    let server = TestServer::start_with(Backend::Memory, |s| {
        // One attempt each: no retries to wait for.
        s.retry_schedule = hookline::domain::RetrySchedule::parse("").unwrap();
    })
    .await;
    receiver.always("/down", Answer::status(500));
    let webhook = server
        .create_webhook(KEY_A, &receiver.url("/down"), &["bulk.*"])
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let since = ago(60_000);
    // Two pages, and within the 1,000 executions per webhook the memory store keeps.
    let count = hookline::delivery::enqueue::RECOVER_PAGE + 137;
    for n in 0..count {
        publish(&server, "bulk.made", json!({"n": n})).await;
    }
    eventually(WAIT, "every delivery to fail", || async {
        (receiver.events_on("/down").len() == count).then_some(())
    })
    .await;
    let stats = eventually(WAIT, "every failure recorded", || async {
        let stats = server
            .get(
                KEY_A,
                &format!("/v1/webhooks/{webhook}/stats?since={since}"),
            )
            .await;
        (stats.body["deliveries"]["failed"] == count).then_some(stats)
    })
    .await;
    assert_eq!(stats.body["attempts"]["error"], count);

    receiver.always("/down", Answer::status(200));
    let started = std::time::Instant::now();
    let recovered = server
        .post(
            KEY_A,
            &format!("/v1/webhooks/{webhook}/recover"),
            json!({"since": since}),
        )
        .await;
    assert_eq!(
        recovered.body,
        json!({"queued": count}),
        "{}",
        recovered.body
    );
    println!("recover of {count} answered in {:?}", started.elapsed());
    eventually(WAIT, "every failed delivery sent once more", || async {
        (receiver.events_on("/down").len() == 2 * count).then_some(())
    })
    .await;
    let resent: HashMap<String, usize> =
        receiver.events_on("/down")[count..]
            .iter()
            .fold(HashMap::new(), |mut seen, r| {
                *seen
                    .entry(r.headers["webhook-id"].to_str().unwrap().to_owned())
                    .or_default() += 1;
                seen
            });
    assert_eq!(resent.len(), count, "each failed event once");
    let stats = eventually(WAIT, "every success recorded", || async {
        let stats = server
            .get(
                KEY_A,
                &format!("/v1/webhooks/{webhook}/stats?since={since}"),
            )
            .await;
        (stats.body["deliveries"]["succeeded"] == count).then_some(stats)
    })
    .await;
    assert_eq!(stats.body["deliveries"]["failed"], 0);
    let listed = all_executions(&server, &webhook, &format!("since={since}")).await;
    assert_eq!(listed.len(), 2 * count);
    let recovers = listed.iter().filter(|e| e["trigger"] == "recover").count();
    assert_eq!(recovers, count);
}

/// A webhook deactivated while a recover is under way: its next page queues nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_webhook_stops_its_recover() {
    use hookline::delivery::worker::{Outcome, process};
    use hookline::queue::Task;
    let receiver = Receiver::start().await;
    let server = TestServer::start_with(Backend::Memory, |s| {
        s.retry_schedule = hookline::domain::RetrySchedule::parse("").unwrap();
    })
    .await;
    receiver.always("/down", Answer::status(500));
    let created = server
        .create_webhook(KEY_A, &receiver.url("/down"), &["bulk.*"])
        .await;
    let webhook = created["id"].as_str().unwrap().to_owned();
    for n in 0..3 {
        publish(&server, "bulk.made", json!({"n": n})).await;
    }
    eventually(WAIT, "every delivery to fail", || async {
        (receiver.events_on("/down").len() == 3).then_some(())
    })
    .await;
    let paused = server
        .patch(
            KEY_A,
            &format!("/v1/webhooks/{webhook}"),
            json!({"active": false}),
        )
        .await;
    assert_eq!(paused.status, StatusCode::OK, "{}", paused.body);
    let page = Task::Recover {
        tenant: hookline::domain::TenantId::parse("tenant-a").unwrap(),
        webhook_id: hookline::domain::WebhookId::parse(&webhook).unwrap(),
        since: None,
        until: Timestamp::now().millis(),
        after: None,
        holder: 1,
    };
    let outcome = process(&server.running.ctx, &page).await.unwrap();
    assert_eq!(outcome, Outcome::Dropped);
    receiver.always("/down", Answer::status(200));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.events_on("/down").len(), 3, "nothing queued");
}

on_both_backends!(one_recover_per_webhook_at_a_time, |backend| async move {
    let receiver = Receiver::start().await;
    // One delivery worker, kept busy by a slow delivery: the first recover's page waits
    // for it, so the first recover is still running when the second is asked.
    let server = TestServer::start_with(backend, |s| {
        s.retry_schedule = hookline::domain::RetrySchedule::parse("").unwrap();
        s.delivery_concurrency = 1;
    })
    .await;
    receiver.always("/down", Answer::status(500));
    let webhook = server
        .create_webhook(KEY_A, &receiver.url("/down"), &["order.*"])
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    server
        .create_webhook(KEY_A, &receiver.url("/slow"), &["slow.*"])
        .await;
    let since = ago(60_000);
    let mut events = HashSet::new();
    for n in 0..3 {
        events.insert(publish(&server, "order.paid", json!({"n": n})).await);
    }
    let stats = format!("/v1/webhooks/{webhook}/stats?since={since}");
    eventually(WAIT, "every delivery to fail", || async {
        let stats = server.get(KEY_A, &stats).await;
        (stats.body["deliveries"]["failed"] == 3).then_some(())
    })
    .await;
    receiver.always("/down", Answer::status(200));
    receiver.always(
        "/slow",
        Answer::status(200).delay(Duration::from_millis(1500)),
    );
    publish(&server, "slow.made", json!({})).await;
    eventually(WAIT, "the slow delivery to start", || async {
        (!receiver.events_on("/slow").is_empty()).then_some(())
    })
    .await;

    let recover = format!("/v1/webhooks/{webhook}/recover");
    let first = server.post(KEY_A, &recover, json!({"since": since})).await;
    let second = server.post(KEY_A, &recover, json!({"since": since})).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.body);
    assert_eq!(first.body, json!({"queued": 3}));
    second.assert_problem(409, "recover_in_progress");

    // Each failed delivery is sent once more, not twice.
    eventually(WAIT, "every failed delivery sent again", || async {
        (receiver.events_on("/down").len() >= 6).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let resent: Vec<String> = receiver.events_on("/down")[3..]
        .iter()
        .map(|r| r.headers["webhook-id"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(resent.len(), 3, "{resent:?}");
    assert_eq!(resent.into_iter().collect::<HashSet<_>>(), events);

    // Once the first is done, a recover is accepted again.
    eventually(WAIT, "a new recover to be accepted", || async {
        let again = server.post(KEY_A, &recover, json!({"since": since})).await;
        (again.status == StatusCode::ACCEPTED).then_some(())
    })
    .await;
});
