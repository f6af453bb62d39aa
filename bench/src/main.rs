//! `hookline-bench`: measures the local server (memory backend, the same handlers and worker
//! the Lambdas run) against a receiver on loopback, and prints the figures.
//!
//! - publish rate: events/s accepted by `POST /v1/events`;
//! - delivery rate: deliveries/s received, per CPU-second of this process, and per CPU-second
//!   of the server's own threads (it runs on a runtime of its own, as does the receiver);
//! - the same receiver driven by a bare keep-alive reqwest loop that signs and POSTs the same
//!   payloads, and the ratio of the two;
//! - publish -> received latency (p50, p99) at a steady 500 events/s;
//! - time to enqueue a fan-out to 10,000 webhooks.
//!
//! Run: `cargo run --release -p hookline-bench` (options: docs/benchmarks.md). `--cost` prints
//! the AWS bill instead (`cost`), `--fairness` a quiet tenant's latency beside a slow one
//! (`fairness`).

mod cost;
mod fairness;
mod matching;

/// The local server's allocator, as `hookline-local` has it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::{Context, bail};
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use clap::Parser;
use hookline::delivery::sign::signature_header;
use hookline::domain::{Timestamp, WebhookSecret};
use hookline_local::{Running, Settings};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// Events for the throughput runs.
    #[arg(long, default_value_t = 20_000)]
    events: usize,
    /// Requests in flight while publishing (and in the baseline loop).
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Seconds of the steady-rate latency run.
    #[arg(long, default_value_t = 10)]
    latency_seconds: u64,
    /// Events per second of the latency run.
    #[arg(long, default_value_t = 500)]
    rate: u64,
    /// Webhooks in the fan-out run.
    #[arg(long, default_value_t = 10_000)]
    fanout: usize,
    /// Print the AWS bill per delivery instead, counted from the real handlers against
    /// DynamoDB and SQS at `--aws-endpoint` (moto; `scripts/cost` starts one).
    #[arg(long)]
    cost: bool,
    /// Print the route cache's size for a tenant of 1,000 webhooks at their limits and the
    /// time to match a heavy event against them instead.
    #[arg(long)]
    matching: bool,
    /// Print instead how much a slow tenant's backlog delays a quiet tenant's deliveries
    /// (memory backend; about 30 s).
    #[arg(long)]
    fairness: bool,
    /// The delivery concurrency of the `--fairness` run's server (the slow tenant's backlog
    /// is ten times this).
    #[arg(long, default_value_t = 16)]
    fairness_concurrency: usize,
    /// The quiet tenant's events per second in `--fairness`.
    #[arg(long, default_value_t = 20)]
    quiet_rate: u64,
    /// Seconds the quiet tenant publishes in `--fairness` (shorter than the slow backlog
    /// takes to drain, so that it is under way throughout).
    #[arg(long, default_value_t = 8)]
    quiet_seconds: u64,
    /// The DynamoDB and SQS endpoint for `--cost`.
    #[arg(long, env = "HOOKLINE_TEST_AWS_ENDPOINT")]
    aws_endpoint: Option<String>,
    /// Deliveries in all by the end of the memory soak (resident memory is read at 45,000
    /// and here; it should stay flat).
    #[arg(long, default_value_t = 200_000)]
    soak: usize,
}

/// The receiver: counts requests and, while `timing`, notes when each message id arrived
/// (only then, so that the bench's own memory stays flat in the soak).
#[derive(Default)]
struct Seen {
    count: AtomicU64,
    timing: std::sync::atomic::AtomicBool,
    arrivals: Mutex<HashMap<String, Instant>>,
}

async fn receive(State(seen): State<Arc<Seen>>, headers: HeaderMap) -> &'static str {
    let now = Instant::now();
    seen.count.fetch_add(1, Ordering::Relaxed);
    if !seen.timing.load(Ordering::Relaxed) {
        return "ok";
    }
    if let Some(id) = headers.get("webhook-id").and_then(|v| v.to_str().ok()) {
        seen.arrivals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_owned(), now);
    }
    "ok"
}

async fn start_receiver(seen: Arc<Seen>) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let app = Router::new().fallback(receive).with_state(seen);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

/// CPU time (user + system) from a /proc `stat` file.
fn stat_cpu_seconds(path: &std::path::Path) -> f64 {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields 14 and 15 of stat (utime, stime) are 12 and 13 after the ")".
    (ticks(11) + ticks(12)) / 100.0
}

/// This process's CPU time.
fn cpu_seconds() -> f64 {
    stat_cpu_seconds(std::path::Path::new("/proc/self/stat"))
}

/// CPU time of this process's threads named `name` (a runtime's `thread_name`): the server's
/// own share, apart from the bench's client and receiver.
fn thread_cpu_seconds(name: &str) -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    tasks
        .flatten()
        .map(|task| task.path())
        .filter(|path| {
            std::fs::read_to_string(path.join("comm")).is_ok_and(|comm| comm.trim() == name)
        })
        .map(|path| stat_cpu_seconds(&path.join("stat")))
        .sum()
}

/// A runtime of its own, so its threads' CPU can be told apart.
fn runtime(name: &str) -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(name)
        .enable_all()
        .build()?)
}

const SERVER_THREADS: &str = "hl-server";
const RECEIVER_THREADS: &str = "hl-receiver";

/// Resident memory of the server at `base` once its allocator has settled: mimalloc returns
/// freed pages to the system a second after they are freed (its `purge_delay`), at the next
/// allocation in the thread, so a figure read at once counts memory already given back.
async fn settled_resident_mb(http: &reqwest::Client, base: &str, status: &std::path::Path) -> f64 {
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let pokes = (0..8).map(|_| http.get(format!("{base}/health")).send());
    futures::future::join_all(pokes).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    resident_mb_of(status)
}

/// `VmRSS` of the process whose `/proc/<pid>/status` is at `path`, in MB.
fn resident_mb_of(path: &std::path::Path) -> f64 {
    let status = std::fs::read_to_string(path).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

const KEY: &str = "bench_key_0123456789abcdef";

async fn server() -> anyhow::Result<Running> {
    let settings = Settings::try_parse_from([
        "hookline-local",
        "--listen",
        "127.0.0.1:0",
        "--api-key",
        &format!("{KEY}=bench:webhooks:add,webhooks:view,webhooks:edit,events:publish"),
        "--log-level",
        "error",
        "--max-webhooks-per-tenant",
        "100000",
        // The bench measures the server, not the quota and budgets (one tenant, one hot
        // webhook: docs/benchmarks.md says what the budgets cost when they bind).
        "--tenant-events-per-second",
        "0",
        "--max-in-flight-per-webhook",
        "0",
        "--tenant-max-in-flight",
        "0",
        "--tenant-deliveries-per-second",
        "0",
    ])?;
    hookline_local::spawn(&settings).await
}

/// Publishes `total` events of `event_type` to `base`, `concurrency` at a time.
async fn publish_many(
    http: &reqwest::Client,
    base: &str,
    event_type: &'static str,
    data: &Value,
    total: u64,
    concurrency: usize,
) {
    let published = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (http, base, data, published) = (
            http.clone(),
            base.to_owned(),
            data.clone(),
            published.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while published.fetch_add(1, Ordering::Relaxed) < total {
                let _ = http
                    .post(format!("{base}/v1/events"))
                    .bearer_auth(KEY)
                    .json(&json!({"event_type": event_type, "data": data}))
                    .send()
                    .await;
            }
        }));
    }
    futures::future::join_all(tasks).await;
}

/// The real `hookline-local` binary beside this one, logging at info to a pipe that a thread
/// drains (as a terminal or a log collector would): its own CPU per event, publish and
/// delivery, for `events` events to one webhook on the receiver at `hook_url`.
async fn real_binary(
    http: &reqwest::Client,
    seen: &Seen,
    hook_url: &str,
    data: &Value,
    args: &Args,
) -> anyhow::Result<Option<RealBinary>> {
    let (events, concurrency) = (args.events as u64, args.concurrency);
    let (webhooks, soak) = (args.fanout, args.soak as u64);
    let binary = std::env::current_exe()?.with_file_name("hookline-local");
    if !binary.exists() {
        println!(
            "  real binary:        skipped ({} not built: cargo build --release -p hookline-local)",
            binary.display()
        );
        return Ok(None);
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut child = std::process::Command::new(&binary)
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--api-key",
            &format!("{KEY}=bench:webhooks:add,webhooks:view,webhooks:edit,events:publish"),
            "--log-level",
            "info",
            // The bench measures the server, not the quota and budgets.
            "--tenant-events-per-second",
            "0",
            "--max-in-flight-per-webhook",
            "0",
            "--tenant-max-in-flight",
            "0",
            "--tenant-deliveries-per-second",
            "0",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let mut stdout = child.stdout.take().context("no stdout")?;
    let lines = std::thread::spawn(move || {
        let mut sink = std::io::sink();
        std::io::copy(&mut stdout, &mut sink).unwrap_or(0)
    });
    let base = format!("http://127.0.0.1:{port}");
    let ready = Instant::now();
    while http.get(format!("{base}/health")).send().await.is_err() {
        if ready.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            bail!("hookline-local did not start");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    http.post(format!("{base}/v1/webhooks"))
        .bearer_auth(KEY)
        .json(
            &json!({"url": format!("{hook_url}/real"), "event_types": ["real.*"], "verify": false}),
        )
        .send()
        .await?
        .error_for_status()?;
    let stat = std::path::PathBuf::from(format!("/proc/{}/stat", child.id()));
    let before = seen.count.load(Ordering::Relaxed);
    let cpu0 = stat_cpu_seconds(&stat);
    publish_many(http, &base, "real.done", data, events, concurrency).await;
    wait_for(seen, before + events, Duration::from_secs(300)).await?;
    let cpu = stat_cpu_seconds(&stat) - cpu0;

    // Its resident memory with `webhooks` more webhooks (of another event type), then as
    // fan-out-1 deliveries grow to 45,000 and to `soak`.
    create_webhooks(http, &base, hook_url, "idle.event", webhooks).await;
    let status = std::path::PathBuf::from(format!("/proc/{}/status", child.id()));
    let rss_with_webhooks = settled_resident_mb(http, &base, &status).await;
    let mut soak_points = Vec::new();
    let soak_start = seen.count.load(Ordering::Relaxed);
    for target in [45_000, soak] {
        let done = seen.count.load(Ordering::Relaxed) - soak_start + events;
        if target > done {
            let before = seen.count.load(Ordering::Relaxed);
            publish_many(http, &base, "real.done", data, target - done, concurrency).await;
            wait_for(seen, before + target - done, Duration::from_secs(300)).await?;
        }
        soak_points.push((target, settled_resident_mb(http, &base, &status).await));
    }
    let _ = child.kill();
    let _ = child.wait();
    let logged = lines.join().unwrap_or(0);
    println!(
        "  real binary:        {:.3} ms of its CPU per event at fan-out 1, logging at info ({} KiB of log lines)",
        cpu * 1000.0 / events as f64,
        logged / 1024
    );
    Ok(Some(RealBinary {
        ms_per_event: cpu * 1000.0 / events as f64,
        rss_with_webhooks,
        soak_points,
    }))
}

/// What the real binary measured: CPU per event, and its own resident memory.
struct RealBinary {
    ms_per_event: f64,
    rss_with_webhooks: f64,
    soak_points: Vec<(u64, f64)>,
}

/// Creates `count` webhooks for `event_type` on `base`, 200 requests at a time.
async fn create_webhooks(
    http: &reqwest::Client,
    base: &str,
    hook_url: &str,
    event_type: &str,
    count: usize,
) {
    let mut creates = Vec::new();
    for i in 0..count {
        let (http, url) = (http.clone(), format!("{hook_url}/{i}"));
        creates.push(async move {
            http.post(format!("{base}/v1/webhooks"))
                .bearer_auth(KEY)
                .json(&json!({"url": url, "event_types": [event_type], "verify": false}))
                .send()
                .await
        });
        if creates.len() == 200 {
            futures::future::join_all(std::mem::take(&mut creates)).await;
        }
    }
    futures::future::join_all(creates).await;
}

async fn wait_for(seen: &Seen, count: u64, within: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + within;
    while seen.count.load(Ordering::Relaxed) < count {
        if Instant::now() > deadline {
            bail!(
                "only {} of {count} arrived",
                seen.count.load(Ordering::Relaxed)
            );
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or(f64::NAN)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.cost {
        let endpoint = args
            .aws_endpoint
            .context("--cost needs --aws-endpoint (or run scripts/cost)")?;
        return cost::run(&endpoint).await;
    }
    if args.matching {
        return matching::run().await;
    }
    if args.fairness {
        return fairness::run(&fairness::Options {
            concurrency: args.fairness_concurrency,
            rate: args.quiet_rate,
            seconds: args.quiet_seconds,
        })
        .await;
    }
    let receiver_runtime = runtime(RECEIVER_THREADS)?;
    let server_runtime = runtime(SERVER_THREADS)?;
    let measured = measure(&args, &receiver_runtime, &server_runtime).await;
    // A runtime dropped inside this one panics ("Cannot drop a runtime..."), hiding the
    // error: shut both down in the background first, whatever came of the run.
    server_runtime.shutdown_background();
    receiver_runtime.shutdown_background();
    measured
}

/// Every measurement but the cost table, on the receiver's and the server's runtimes.
async fn measure(
    args: &Args,
    receiver_runtime: &tokio::runtime::Runtime,
    server_runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<()> {
    let seen = Arc::new(Seen::default());
    let hook_url = receiver_runtime
        .spawn(start_receiver(seen.clone()))
        .await??;
    let running = server_runtime.spawn(server()).await??;
    let base = format!("http://{}", running.addr);
    let http = reqwest::Client::new();
    let created: Value = http
        .post(format!("{base}/v1/webhooks"))
        .bearer_auth(KEY)
        .json(&json!({"url": hook_url, "event_types": ["bench.*"], "verify": false}))
        .send()
        .await?
        .json()
        .await?;
    let secret = WebhookSecret::parse(
        created
            .get("secret")
            .and_then(Value::as_str)
            .context("no secret")?,
    )
    .map_err(anyhow::Error::msg)?;
    let data = json!({"task_id": 12345, "status": "completed", "tags": ["a", "b"], "note": "x".repeat(200)});

    // 1. Publish and deliver as fast as possible.
    let cpu0 = cpu_seconds();
    let server_cpu0 = thread_cpu_seconds(SERVER_THREADS);
    let started = Instant::now();
    let published = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let (http, base, data, published, total) = (
            http.clone(),
            base.clone(),
            data.clone(),
            published.clone(),
            args.events as u64,
        );
        tasks.push(tokio::spawn(async move {
            while published.fetch_add(1, Ordering::Relaxed) < total {
                let _ = http
                    .post(format!("{base}/v1/events"))
                    .bearer_auth(KEY)
                    .json(&json!({"event_type": "bench.done", "data": data}))
                    .send()
                    .await;
            }
        }));
    }
    futures::future::join_all(tasks).await;
    let publish_secs = started.elapsed().as_secs_f64();
    wait_for(&seen, args.events as u64, Duration::from_secs(300)).await?;
    let deliver_secs = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    let server_cpu = thread_cpu_seconds(SERVER_THREADS) - server_cpu0;

    // 2. The baseline: a bare keep-alive reqwest loop signing the same payloads.
    let body = serde_json::to_vec(
        &json!({"type": "bench.done", "timestamp": Timestamp::now(), "data": data}),
    )?;
    let before = seen.count.load(Ordering::Relaxed);
    let cpu0 = cpu_seconds();
    let others0 = thread_cpu_seconds(SERVER_THREADS) + thread_cpu_seconds(RECEIVER_THREADS);
    let started = Instant::now();
    let sent = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let (http, url, body, secret, sent, total) = (
            http.clone(),
            hook_url.clone(),
            body.clone(),
            secret.clone(),
            sent.clone(),
            args.events as u64,
        );
        tasks.push(tokio::spawn(async move {
            while sent.fetch_add(1, Ordering::Relaxed) < total {
                let id = hookline::domain::EventId::new().to_string();
                let ts = Timestamp::now().unix_seconds();
                let signature = signature_header(&[&secret], &id, ts, &body).unwrap_or_default();
                let _ = http
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("webhook-id", id)
                    .header("webhook-timestamp", ts.to_string())
                    .header("webhook-signature", signature)
                    .body(body.clone())
                    .send()
                    .await;
            }
        }));
    }
    futures::future::join_all(tasks).await;
    wait_for(&seen, before + args.events as u64, Duration::from_secs(120)).await?;
    let baseline_secs = started.elapsed().as_secs_f64();
    let baseline_cpu = cpu_seconds() - cpu0;
    // The loop's own CPU: the process less the receiver's (and the idle server's) threads.
    let loop_cpu = baseline_cpu
        - (thread_cpu_seconds(SERVER_THREADS) + thread_cpu_seconds(RECEIVER_THREADS) - others0);

    // 2b. Fan-out 10: ten webhooks for one type, a tenth of the events, the server's own CPU
    //     per delivery.
    for i in 0..10 {
        http.post(format!("{base}/v1/webhooks"))
            .bearer_auth(KEY)
            .json(&json!({"url": format!("{hook_url}/ten/{i}"), "event_types": ["ten.*"], "verify": false}))
            .send()
            .await?
            .error_for_status()?;
    }
    let ten_events = (args.events / 10).max(1);
    let before = seen.count.load(Ordering::Relaxed);
    let server_cpu0 = thread_cpu_seconds(SERVER_THREADS);
    let published = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let (http, base, data, published, total) = (
            http.clone(),
            base.clone(),
            data.clone(),
            published.clone(),
            ten_events as u64,
        );
        tasks.push(tokio::spawn(async move {
            while published.fetch_add(1, Ordering::Relaxed) < total {
                let _ = http
                    .post(format!("{base}/v1/events"))
                    .bearer_auth(KEY)
                    .json(&json!({"event_type": "ten.done", "data": data}))
                    .send()
                    .await;
            }
        }));
    }
    futures::future::join_all(tasks).await;
    wait_for(
        &seen,
        before + 10 * ten_events as u64,
        Duration::from_secs(300),
    )
    .await?;
    let ten_server_cpu = thread_cpu_seconds(SERVER_THREADS) - server_cpu0;

    // 3. Latency at a steady rate.
    seen.timing.store(true, Ordering::Relaxed);
    let interval = Duration::from_secs_f64(1.0 / args.rate as f64);
    let total = args.rate * args.latency_seconds;
    let publish_times = Arc::new(Mutex::new(Vec::new()));
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut handles = Vec::new();
    for _ in 0..total {
        ticker.tick().await;
        let (http, base, data, times) = (
            http.clone(),
            base.clone(),
            data.clone(),
            publish_times.clone(),
        );
        handles.push(tokio::spawn(async move {
            let at = Instant::now();
            if let Ok(r) = http
                .post(format!("{base}/v1/events"))
                .bearer_auth(KEY)
                .json(&json!({"event_type": "bench.latency", "data": data}))
                .send()
                .await
                && let Ok(answer) = r.json::<Value>().await
                && let Some(id) = answer.get("id").and_then(Value::as_str)
            {
                times
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((id.to_owned(), at));
            }
        }));
    }
    futures::future::join_all(handles).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut latencies: Vec<f64>;
    loop {
        let arrivals = seen
            .arrivals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let times = publish_times
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if times.iter().all(|(id, _)| arrivals.contains_key(id)) || Instant::now() > deadline {
            latencies = times
                .iter()
                .filter_map(|(id, at)| {
                    arrivals
                        .get(id)
                        .map(|r| r.duration_since(*at).as_secs_f64() * 1000.0)
                })
                .collect();
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    latencies.sort_by(f64::total_cmp);
    seen.timing.store(false, Ordering::Relaxed);
    seen.arrivals
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clear();

    // 4. Fan-out to many webhooks: time from publish until every delivery is queued (the
    //    publish call plus the fan-out tasks' expansion), measured by the deliveries recorded.
    let fan_type = "fan.out";
    create_webhooks(&http, &base, &hook_url, fan_type, args.fanout).await;
    let rss_with_webhooks =
        settled_resident_mb(&http, &base, std::path::Path::new("/proc/self/status")).await;
    let before = seen.count.load(Ordering::Relaxed);
    let started = Instant::now();
    let answer: Value = http
        .post(format!("{base}/v1/events"))
        .bearer_auth(KEY)
        .json(&json!({"event_type": fan_type, "data": {}}))
        .send()
        .await?
        .json()
        .await?;
    let publish_ms = started.elapsed().as_secs_f64() * 1000.0;
    if answer.get("matched").and_then(Value::as_u64) != Some(args.fanout as u64) {
        bail!("the fan-out event matched {answer}");
    }
    wait_for(&seen, before + args.fanout as u64, Duration::from_secs(120)).await?;
    let fanout_delivered_ms = started.elapsed().as_secs_f64() * 1000.0;

    // 5. Memory as deliveries grow: fan-out-1 events until `soak` deliveries in all.
    let baseline_posts = args.events as u64;
    let delivered = |seen: &Seen| seen.count.load(Ordering::Relaxed) - baseline_posts;
    let mut soak_points = Vec::new();
    for target in [45_000u64, args.soak as u64] {
        while delivered(&seen) < target {
            let missing = target - delivered(&seen);
            let before = seen.count.load(Ordering::Relaxed);
            let published = Arc::new(AtomicU64::new(0));
            let mut tasks = Vec::new();
            for _ in 0..args.concurrency {
                let (http, base, data, published) =
                    (http.clone(), base.clone(), data.clone(), published.clone());
                tasks.push(tokio::spawn(async move {
                    while published.fetch_add(1, Ordering::Relaxed) < missing {
                        let _ = http
                            .post(format!("{base}/v1/events"))
                            .bearer_auth(KEY)
                            .json(&json!({"event_type": "bench.done", "data": data}))
                            .send()
                            .await;
                    }
                }));
            }
            futures::future::join_all(tasks).await;
            wait_for(&seen, before + missing, Duration::from_secs(300)).await?;
        }
        let mb = settled_resident_mb(&http, &base, std::path::Path::new("/proc/self/status")).await;
        soak_points.push((delivered(&seen), mb));
    }

    // 6. The real binary, logging at info.
    let real = real_binary(&http, &seen, &hook_url, &data, args).await?;

    let events = args.events as f64;
    let hookline_rate = events / deliver_secs;
    let baseline_rate = events / baseline_secs;
    println!(
        "hookline-bench ({} events, {} in flight; receiver, publisher and server share this process, each on its own threads)",
        args.events, args.concurrency
    );
    println!(
        "  publish:            {:>9.0} events/s",
        events / publish_secs
    );
    println!(
        "  deliver:            {:>9.0} deliveries/s end to end ({:.0} per CPU-second of the whole process)",
        hookline_rate,
        events / cpu
    );
    println!(
        "  bare reqwest loop:  {:>9.0} deliveries/s ({:.0} per CPU-second)",
        baseline_rate,
        events / baseline_cpu
    );
    println!(
        "  ratio:              {:>9.2} (hookline / bare loop, per CPU-second of the whole process)",
        (events / cpu) / (events / baseline_cpu)
    );
    println!(
        "  own CPU:            {:>9.0} deliveries per CPU-second of the server's threads (publish API included), {:.3} ms each; the bare loop's own threads: {:.0} per CPU-second; ratio {:.2}",
        events / server_cpu,
        server_cpu * 1000.0 / events,
        events / loop_cpu,
        (events / server_cpu) / (events / loop_cpu)
    );
    let loop_ms = loop_cpu * 1000.0 / events;
    println!(
        "  against the bare loop's own CPU per POST ({:.3} ms): fan-out 1, publish + delivery {:.3} ms = {:.2} x (target <= 1.6); fan-out 10, per delivery {:.3} ms = {:.2} x (target <= 1.1)",
        loop_ms,
        server_cpu * 1000.0 / events,
        server_cpu * 1000.0 / events / loop_ms,
        ten_server_cpu * 1000.0 / (10 * ten_events) as f64,
        ten_server_cpu * 1000.0 / (10 * ten_events) as f64 / loop_ms
    );
    println!(
        "  publish rate while delivering {:.0}/s against the bare loop's {:.0} POSTs/s: {:.2} x (target >= 0.75)",
        events / publish_secs,
        baseline_rate,
        (events / publish_secs) / baseline_rate
    );
    println!(
        "  latency at {}/s:   p50 {:.2} ms, p99 {:.2} ms ({} of {} received)",
        args.rate,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.len(),
        total
    );
    println!(
        "  fan-out to {}: publish answered in {:.0} ms, all delivered in {:.0} ms",
        args.fanout, publish_ms, fanout_delivered_ms
    );
    println!(
        "  resident memory of this whole process (server, publisher and receiver) with {} webhooks: {:.0} MB",
        args.fanout + 1,
        rss_with_webhooks
    );
    for (deliveries, mb) in &soak_points {
        println!(
            "  resident memory of this whole process after {deliveries} deliveries: {mb:.0} MB"
        );
    }
    if let Some(real) = real {
        println!(
            "  real binary against the bench: {:.3} ms per event, {:.2} x the in-process server's {:.3} ms (target <= 1.15)",
            real.ms_per_event,
            real.ms_per_event / (server_cpu * 1000.0 / events),
            server_cpu * 1000.0 / events
        );
        println!(
            "  real binary's resident memory with {} webhooks: {:.0} MB (target <= 80)",
            args.fanout + 1,
            real.rss_with_webhooks
        );
        for (deliveries, mb) in &real.soak_points {
            println!("  real binary's resident memory after {deliveries} deliveries: {mb:.0} MB");
        }
    }
    running.shutdown().await?;
    Ok(())
}
