//! CPU-heavy publishing (an event of large arrays matched against many webhooks with filters
//! at the contract's limits) runs off the local server's runtime threads: the server's other
//! requests answer meanwhile. Memory backend only: the work is the server's, whatever the
//! store (and a thousand webhooks in the emulator would take minutes to create).

use hookline_tests::{Backend, KEY_A, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const WEBHOOKS: usize = 1_000;
const FILTERS: usize = 10;
const ANY_OF: usize = 50;
const ARRAYS: usize = 10;
const ARRAY_LEN: usize = 4_000;
/// More heavy publishes at once than the runtime has threads.
const PUBLISHES: usize = 4;

/// Ten filters on the arrays `a0` to `a9`, each of 49 numbers not there and the last one, so
/// that each filter matches only at the end of its array.
fn filters() -> Value {
    let filters: Vec<Value> = (0..FILTERS)
        .map(|f| {
            let mut any_of: Vec<usize> = (1..ANY_OF).map(|v| 1_000_000 + v).collect();
            any_of.push(ARRAY_LEN - 1);
            json!({"path": format!("a{f}"), "any_of": any_of})
        })
        .collect();
    Value::Array(filters)
}

/// Ten arrays `a0` to `a9` of the numbers 0 to 3,999.
fn heavy_data() -> Value {
    let array: Vec<usize> = (0..ARRAY_LEN).collect();
    Value::Object(
        (0..ARRAYS)
            .map(|i| (format!("a{i}"), json!(array)))
            .collect(),
    )
}

async fn create_webhooks(server: &TestServer) {
    let filters = filters();
    for batch in 0..WEBHOOKS / 50 {
        let creates = (0..50).map(|i| {
            let body = json!({
                // Nothing listens there: a delivery fails at once.
                "url": format!("http://127.0.0.1:9/hooks/{batch}/{i}"),
                "event_types": ["heavy.done"],
                "filters": filters,
            });
            async move {
                let reply = server.post(KEY_A, "/v1/webhooks", body).await;
                assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
            }
        });
        futures::future::join_all(creates).await;
    }
}

/// Publishes the heavy event; returns how long the publish took.
async fn publish(http: reqwest::Client, base: String, data: Value) -> Duration {
    let started = Instant::now();
    let answer: Value = http
        .post(format!("{base}/v1/events"))
        .bearer_auth(KEY_A)
        .json(&json!({"event_type": "heavy.done", "data": data}))
        .send()
        .await
        .expect("publish")
        .json()
        .await
        .expect("a JSON answer");
    assert_eq!(answer["matched"], WEBHOOKS, "{answer}");
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_requests_answer_while_heavy_publishes_run() {
    // One delivery at a time: the deliveries of the heavy events (each signing 200 KB) stay
    // out of the way of what is measured, the publishes.
    let server = TestServer::start_with(Backend::Memory, |s| s.delivery_concurrency = 1).await;
    create_webhooks(&server).await;
    let data = heavy_data();
    // The first publish loads the tenant's routes.
    publish(server.http.clone(), server.base.clone(), data.clone()).await;

    let publishes: Vec<_> = (0..PUBLISHES)
        .map(|_| {
            tokio::spawn(publish(
                server.http.clone(),
                server.base.clone(),
                data.clone(),
            ))
        })
        .collect();
    let running = || publishes.iter().any(|p| !p.is_finished());
    let mut slowest_get = Duration::ZERO;
    let mut gets = 0;
    while running() {
        let started = Instant::now();
        let reply = server.get(KEY_A, "/v1/webhooks?limit=1").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        slowest_get = slowest_get.max(started.elapsed());
        gets += 1;
    }
    let mut shortest_publish = Duration::MAX;
    for publish in publishes {
        shortest_publish = shortest_publish.min(publish.await.expect("a publish"));
    }
    println!(
        "{gets} GETs, the slowest in {slowest_get:?}; the shortest publish {shortest_publish:?}"
    );
    assert!(
        slowest_get * 3 < shortest_publish,
        "a GET waited {slowest_get:?} while publishes of {shortest_publish:?} ran ({gets} GETs)"
    );
}
