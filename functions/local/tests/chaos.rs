//! Chaos: the real binary on DynamoDB + SQS (moto, `HOOKLINE_TEST_AWS_ENDPOINT`, which
//! `scripts/test` starts) with the product's defaults (its master key in `--data-dir`, no
//! seal option), five receivers that fail 40 % of their requests, and SIGKILL twice while
//! events are being published, each publish sent again with its key until answered.
//! Then: every publish answered 202, no key under two event ids, no delivery lost, and every
//! delivery a receiver accepted in the history.
//!
//! `HOOKLINE_CHAOS_EVENTS` sets the events (CI: 60; the figure: 300, with
//! `scripts/chaos`); the figures are printed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation must fail the test"
)]

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::BuildHasher;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const KEY: &str = "chaos_test_key_000000000001";
const RECEIVERS: usize = 5;
/// How often a receiver fails a request.
const FAILING: f64 = 0.4;
/// Publishes in flight at once.
const PUBLISHERS: usize = 6;
/// Retries one second apart: a delivery fails them all with odds 0.4^13, about 1 in 150,000.
const RETRY_SCHEDULE: &str = "1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s";

/// What the receivers saw: every request, as (path, webhook-id, status answered).
#[derive(Default)]
struct Seen {
    requests: Mutex<Vec<(String, String, u16)>>,
    hasher: std::collections::hash_map::RandomState,
    count: AtomicUsize,
}

async fn receive(State(seen): State<Arc<Seen>>, request: Request) -> StatusCode {
    let path = request.uri().path().to_owned();
    let id = request
        .headers()
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let nth = seen.count.fetch_add(1, Ordering::Relaxed);
    let fail = (seen.hasher.hash_one((nth, &id, &path)) % 1000) < (FAILING * 1000.0) as u64;
    let status = if fail {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    };
    seen.requests
        .lock()
        .unwrap()
        .push((path, id, status.as_u16()));
    status
}

/// One `hookline-local` process on DynamoDB + SQS; started again on the same port, table,
/// queue and data directory after each kill.
struct Server {
    args: Vec<String>,
    base: String,
    child: Child,
}

impl Server {
    fn start(args: Vec<String>, base: String) -> Self {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(std::env::temp_dir().join("hookline-chaos.log"))
            .expect("the server's log");
        let child = Command::new(env!("CARGO_BIN_EXE_hookline-local"))
            .args(&args)
            .stdout(log.try_clone().expect("the log twice"))
            .stderr(log)
            .spawn()
            .expect("start hookline-local");
        Self { args, base, child }
    }

    async fn ready(&self, http: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while http
            .get(format!("{}/health", self.base))
            .send()
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "hookline-local did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL, then the same command again.
    fn kill_and_restart(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
        *self = Self::start(self.args.clone(), self.base.clone());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Publishes `key` until it is answered 202; the ids of every 202 and how many tries.
async fn publish_until_answered(http: &reqwest::Client, base: &str, key: &str) -> (String, u32) {
    let mut tries = 0;
    loop {
        tries += 1;
        let reply = http
            .post(format!("{base}/v1/events"))
            .bearer_auth(KEY)
            .header("idempotency-key", key)
            .json(&json!({"event_type": "chaos.happened", "data": {"key": key}}))
            .timeout(Duration::from_secs(10))
            .send()
            .await;
        if let Ok(reply) = reply {
            let status = reply.status();
            let body: Value = reply.json().await.unwrap_or(Value::Null);
            if status == StatusCode::ACCEPTED {
                return (body["id"].as_str().unwrap().to_owned(), tries);
            }
            // 409 while the key is held, 5xx while the server or its stores fail; a 4xx
            // would be a bug.
            assert!(
                status == StatusCode::CONFLICT || status.is_server_error(),
                "{status}: {body}"
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every execution of a webhook, all pages.
async fn history(http: &reqwest::Client, base: &str, webhook: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor = String::new();
    loop {
        let page: Value = http
            .get(format!(
                "{base}/v1/webhooks/{webhook}/executions?limit=100{cursor}"
            ))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        all.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return all,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_lost_nothing_doubled_through_two_sigkills() {
    let Ok(endpoint) = std::env::var("HOOKLINE_TEST_AWS_ENDPOINT") else {
        panic!("HOOKLINE_TEST_AWS_ENDPOINT is not set: run this through scripts/test");
    };
    let events: usize = std::env::var("HOOKLINE_CHAOS_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(60);
    let seen = Arc::new(Seen::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receivers = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().fallback(receive).with_state(seen.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let unique = format!("chaos-{}-{port}", std::process::id());
    let data_dir = std::env::temp_dir().join(&unique);
    let _ = std::fs::remove_file(std::env::temp_dir().join("hookline-chaos.log"));
    let args: Vec<String> = [
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--api-key",
        &format!("{KEY}=chaos:webhooks:add,webhooks:view,webhooks:edit,events:publish"),
        "--dynamodb-endpoint",
        &endpoint,
        "--sqs-endpoint",
        &endpoint,
        "--table-name",
        &unique,
        "--queue-name",
        &unique,
        "--data-dir",
        data_dir.to_str().unwrap(),
        "--retry-schedule",
        RETRY_SCHEDULE,
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    let http = reqwest::Client::new();
    let mut server = Server::start(args, base.clone());
    server.ready(&http).await;

    let mut webhooks = Vec::new();
    for n in 0..RECEIVERS {
        let created: Value = http
            .post(format!("{base}/v1/webhooks"))
            .bearer_auth(KEY)
            .json(&json!({"url": format!("{receivers}/r{n}"), "event_types": ["chaos.*"], "verify": false}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        webhooks.push((created["id"].as_str().unwrap().to_owned(), format!("/r{n}")));
    }

    // Publishers take keys in turn; the server is killed when a third and two thirds of the
    // events are answered.
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(AtomicUsize::new(0));
    let mut publishers = Vec::new();
    for _ in 0..PUBLISHERS {
        let (http, base, next, answered) =
            (http.clone(), base.clone(), next.clone(), answered.clone());
        publishers.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= events {
                    return ids;
                }
                let key = format!("chaos-{n}");
                let (id, tries) = publish_until_answered(&http, &base, &key).await;
                // Once more: the answer for the key must not change.
                let (again, _) = publish_until_answered(&http, &base, &key).await;
                assert_eq!(id, again, "{key} answered two event ids");
                answered.fetch_add(1, Ordering::SeqCst);
                ids.push((key, id, tries));
            }
        }));
    }
    for third in [1, 2] {
        while answered.load(Ordering::SeqCst) < events * third / 3 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        server.kill_and_restart();
        server.ready(&http).await;
    }
    let mut published = Vec::new();
    for publisher in publishers {
        published.extend(publisher.await.unwrap());
    }
    let publish_seconds = started.elapsed().as_secs_f64();
    let ids: HashSet<&str> = published.iter().map(|(_, id, _)| id.as_str()).collect();
    assert_eq!(published.len(), events, "every publish answered 202");
    assert_eq!(
        ids.len(),
        events,
        "one event id per key, and no two keys share one"
    );
    let retried = published.iter().filter(|(_, _, tries)| *tries > 1).count();

    // Every delivery arrives: each event accepted by each receiver at least once.
    let wanted: BTreeSet<(String, String)> = ids
        .iter()
        .flat_map(|id| {
            webhooks
                .iter()
                .map(move |(_, path)| (path.clone(), id.to_string()))
        })
        .collect();
    let accepted = || -> BTreeSet<(String, String)> {
        seen.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, _, status)| *status == 200)
            .map(|(path, id, _)| (path.clone(), id.clone()))
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(180);
    while !wanted.is_subset(&accepted()) {
        let missing = wanted.difference(&accepted()).count();
        assert!(
            Instant::now() < deadline,
            "{missing} of {} deliveries lost",
            wanted.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let requests = seen.requests.lock().unwrap().clone();
    let strangers: Vec<_> = requests
        .iter()
        .filter(|(_, id, _)| !ids.contains(id.as_str()))
        .collect();
    assert!(
        strangers.is_empty(),
        "deliveries of events never answered: {strangers:?}"
    );
    let accepted_twice = requests
        .iter()
        .filter(|(_, _, status)| *status == 200)
        .fold(HashMap::<_, u32>::new(), |mut counts, (path, id, _)| {
            *counts.entry((path, id)).or_default() += 1;
            counts
        })
        .values()
        .filter(|n| **n > 1)
        .count();

    // Every accepted delivery is in the history as a success of its event.
    let mut recorded = 0;
    for (webhook, path) in &webhooks {
        let executions = history(&http, &base, webhook).await;
        recorded += executions.len();
        let succeeded: HashSet<String> = executions
            .iter()
            .filter(|e| e["request_status"] == "success")
            .map(|e| e["event_id"].as_str().unwrap().to_owned())
            .collect();
        for id in &ids {
            assert!(
                succeeded.contains(*id),
                "{path}: the accepted delivery of {id} is not in the history"
            );
        }
    }
    println!(
        "chaos: {events} events x {RECEIVERS} receivers failing {:.0} %, SIGKILL twice while publishing: \
         {} publishes answered 202 ({retried} needed more than one try) in {publish_seconds:.1} s, \
         {} event ids, {} of {} deliveries arrived (0 lost), {} requests received, {} attempts in the history, \
         {accepted_twice} deliveries accepted twice (same webhook-id)",
        FAILING * 100.0,
        published.len(),
        ids.len(),
        wanted.len(),
        wanted.len(),
        requests.len(),
        recorded,
    );
    let _ = std::fs::remove_dir_all(&data_dir);
}
