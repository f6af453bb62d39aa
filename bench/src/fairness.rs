//! `--fairness`: how much a slow tenant delays a quiet one (issue 21, item 6), on the memory
//! backend. The slow tenant's four endpoints answer after a second and it has a backlog of
//! ten times the delivery concurrency; the quiet tenant publishes steadily to an endpoint that
//! answers at once. Printed: the quiet tenant's publish -> delivered p50 and p99 with the slow
//! tenant present, the same with it absent, and their ratio. Each run has a server of its own.

use crate::{RECEIVER_THREADS, SERVER_THREADS, percentile, runtime};
use anyhow::bail;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use clap::Parser;
use hookline_local::{Running, Settings};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const QUIET_KEY: &str = "bench_quiet_0123456789abcdef";
const SLOW_KEY: &str = "bench_slow_0123456789abcdef";
/// How long the slow tenant's endpoints take to answer.
const SLOW_ANSWER: Duration = Duration::from_secs(1);
const SLOW_WEBHOOKS: usize = 4;

/// What the run is given.
pub struct Options {
    /// The server's `--delivery-concurrency`.
    pub concurrency: usize,
    /// The quiet tenant's events per second.
    pub rate: u64,
    /// How long the quiet tenant publishes.
    pub seconds: u64,
}

/// When each of the quiet tenant's messages arrived, by message id.
type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

/// The receiver: `/slow/*` answers after `SLOW_ANSWER`; anything else at once, noting when.
async fn receive(State(arrivals): State<Arrivals>, uri: Uri, headers: HeaderMap) -> &'static str {
    let now = Instant::now();
    if uri.path().starts_with("/slow") {
        tokio::time::sleep(SLOW_ANSWER).await;
        return "ok";
    }
    if let Some(id) = headers.get("webhook-id").and_then(|v| v.to_str().ok()) {
        arrivals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_owned(), now);
    }
    "ok"
}

async fn start_receiver(arrivals: Arrivals) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = Router::new().fallback(receive).with_state(arrivals);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(base)
}

async fn server(concurrency: usize) -> anyhow::Result<Running> {
    let scopes = "webhooks:add,webhooks:view,events:publish";
    let settings = Settings::try_parse_from([
        "hookline-local",
        "--listen",
        "127.0.0.1:0",
        "--api-key",
        &format!("{QUIET_KEY}=quiet:{scopes}"),
        "--api-key",
        &format!("{SLOW_KEY}=slow:{scopes}"),
        "--log-level",
        "error",
        "--delivery-concurrency",
        &concurrency.to_string(),
        // As by default (128 of 256): a tenant may hold half the workers.
        "--tenant-max-in-flight",
        &(concurrency / 2).max(1).to_string(),
    ])?;
    hookline_local::spawn(&settings).await
}

/// Runs the quiet tenant alone, then beside the slow one, and prints both.
pub async fn run(options: &Options) -> anyhow::Result<()> {
    let receiver_runtime = runtime(RECEIVER_THREADS)?;
    let server_runtime = runtime(SERVER_THREADS)?;
    let measured = async {
        let alone = measure(options, false, &receiver_runtime, &server_runtime).await?;
        let beside = measure(options, true, &receiver_runtime, &server_runtime).await?;
        anyhow::Ok((alone, beside))
    }
    .await;
    server_runtime.shutdown_background();
    receiver_runtime.shutdown_background();
    let (alone, beside) = measured?;
    let (p50, p99) = (percentile(&alone, 0.5), percentile(&alone, 0.99));
    let (slow_p50, slow_p99) = (percentile(&beside, 0.5), percentile(&beside, 0.99));
    println!(
        "hookline-bench --fairness (memory backend, delivery concurrency {}; the quiet tenant publishes {}/s for {} s to an endpoint that answers at once)",
        options.concurrency, options.rate, options.seconds
    );
    println!(
        "  slow tenant absent:  p50 {p50:.1} ms, p99 {p99:.1} ms ({} deliveries)",
        alone.len()
    );
    println!(
        "  slow tenant present: p50 {slow_p50:.1} ms, p99 {slow_p99:.1} ms ({} deliveries; {SLOW_WEBHOOKS} endpoints answering after {} s, a backlog of {} deliveries)",
        beside.len(),
        SLOW_ANSWER.as_secs(),
        backlog(options.concurrency)
    );
    println!(
        "  ratio (present / absent): p50 {:.1}, p99 {:.1} (target <= 2)",
        slow_p50 / p50,
        slow_p99 / p99
    );
    Ok(())
}

/// Ten times the delivery concurrency, in whole events to every slow endpoint.
fn backlog(concurrency: usize) -> usize {
    (concurrency * 10).div_ceil(SLOW_WEBHOOKS) * SLOW_WEBHOOKS
}

/// The quiet tenant's publish -> delivered latencies in ms, sorted, with the slow tenant's
/// backlog under way if `slow`.
async fn measure(
    options: &Options,
    slow: bool,
    receiver_runtime: &tokio::runtime::Runtime,
    server_runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<Vec<f64>> {
    let arrivals = Arrivals::default();
    let hooks = receiver_runtime
        .spawn(start_receiver(arrivals.clone()))
        .await??;
    let running = server_runtime.spawn(server(options.concurrency)).await??;
    let base = format!("http://{}", running.addr);
    let http = reqwest::Client::new();
    let call = |key: &'static str, path: &str, body: Value| {
        http.post(format!("{base}{path}"))
            .bearer_auth(key)
            .json(&body)
            .send()
    };
    let webhook =
        |url: String, types: &str| json!({"url": url, "event_types": [types], "verify": false});
    call(
        QUIET_KEY,
        "/v1/webhooks",
        webhook(format!("{hooks}/quiet"), "quiet.*"),
    )
    .await?
    .error_for_status()?;
    if slow {
        for i in 0..SLOW_WEBHOOKS {
            call(
                SLOW_KEY,
                "/v1/webhooks",
                webhook(format!("{hooks}/slow/{i}"), "slow.*"),
            )
            .await?
            .error_for_status()?;
        }
        for n in 0..backlog(options.concurrency) / SLOW_WEBHOOKS {
            call(
                SLOW_KEY,
                "/v1/events",
                json!({"event_type": "slow.made", "data": {"n": n}}),
            )
            .await?
            .error_for_status()?;
        }
    }

    // The quiet tenant, at a steady rate.
    let published = Arc::new(Mutex::new(Vec::new()));
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / options.rate as f64));
    let mut handles = Vec::new();
    for n in 0..options.rate * options.seconds {
        ticker.tick().await;
        let (request, published) = (
            call(
                QUIET_KEY,
                "/v1/events",
                json!({"event_type": "quiet.made", "data": {"n": n}}),
            ),
            published.clone(),
        );
        handles.push(tokio::spawn(async move {
            let at = Instant::now();
            if let Ok(answer) = request.await
                && let Ok(answer) = answer.json::<Value>().await
                && let Some(id) = answer.get("id").and_then(Value::as_str)
            {
                published
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((id.to_owned(), at));
            }
        }));
    }
    futures::future::join_all(handles).await;
    let published = published.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let latencies = delivered(&published, &arrivals, Duration::from_secs(60)).await?;
    running.shutdown().await?;
    Ok(latencies)
}

/// Waits until every published message has arrived; their latencies in ms, sorted.
async fn delivered(
    published: &[(String, Instant)],
    arrivals: &Arrivals,
    within: Duration,
) -> anyhow::Result<Vec<f64>> {
    let deadline = Instant::now() + within;
    loop {
        let arrived = arrivals.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if published.iter().all(|(id, _)| arrived.contains_key(id)) {
            let mut latencies: Vec<f64> = published
                .iter()
                .filter_map(|(id, at)| arrived.get(id).map(|r| r.duration_since(*at)))
                .map(|d| d.as_secs_f64() * 1000.0)
                .collect();
            latencies.sort_by(f64::total_cmp);
            return Ok(latencies);
        }
        if Instant::now() > deadline {
            bail!(
                "{} of the quiet tenant's {} deliveries arrived",
                arrived.len(),
                published.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
