//! `hookline-bench --matching`: the route cache of one tenant with 1,000 webhooks at their
//! limits, and the time to match and publish the heavy event against them (ten arrays of
//! 4,000 numbers). Memory backend, in this process; resident memory read from /proc.

use anyhow::Context;
use hookline::domain::{
    EventData, EventType, EventTypePattern, EventTypes, Filter, MAX_ANY_OF, MAX_FILTERS, TenantId,
    Webhook, WebhookSecret, WebhookSpec,
};
use hookline::publish::{NewEvent, publish_one};
use hookline::url_guard::{UrlPolicy, WebhookUrl};
use hookline::{AppContext, Config};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const WEBHOOKS: usize = 1_000;
const EVENT_TYPE: &str = "bench.heavy";
/// Event types per webhook (the limit), each of the longest name (128 characters).
const EVENT_TYPES: usize = 50;
const NAME_LEN: usize = 128;
/// The arrays of the heavy event, and their length.
const ARRAYS: usize = 10;
const ARRAY_LEN: usize = 4_000;
/// The length of each string of `any_of`: 10 filters of 49 such strings and 50 event types of
/// 128 characters fill a webhook's 64 KB of stored fields.
const VALUE_LEN: usize = 110;

pub async fn run() -> anyhow::Result<()> {
    let tenant = TenantId::parse("bench").map_err(anyhow::Error::msg)?;
    let ctx = AppContext::in_memory(Config::default())?;
    let baseline = settled_resident_mb().await;
    for n in 0..WEBHOOKS {
        let webhook = Webhook::new(tenant.clone(), spec(n)?, WebhookSecret::generate());
        ctx.webhooks
            .insert(
                &webhook,
                hookline::store::WebhookQuota::webhooks(WEBHOOKS as u32),
            )
            .await?;
    }
    let with_store = settled_resident_mb().await;
    reset_peak();
    let loaded = ctx.routes.current(ctx.webhooks.as_ref(), &tenant).await?;
    let peak = peak_mb();
    let with_routes = settled_resident_mb().await;

    let data = heavy_data();
    let event_type = EventType::parse(EVENT_TYPE).map_err(anyhow::Error::msg)?;
    let started = Instant::now();
    let matched = loaded.matching(&event_type, &data).len();
    let match_ms = started.elapsed().as_secs_f64() * 1000.0;
    let started = Instant::now();
    let event = NewEvent {
        tenant: tenant.clone(),
        event_type,
        encoded: EventData::from_object(&data).context("data")?,
        data,
        idempotency_key: None,
    };
    let published = publish_one(&ctx, event).await;
    let publish_ms = started.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(published.is_ok(), "the heavy publish failed");
    anyhow::ensure!(matched == WEBHOOKS, "the heavy event matched {matched}");

    println!(
        "hookline-bench --matching (one tenant, {WEBHOOKS} webhooks of {EVENT_TYPES} event types and {MAX_FILTERS} filters of {MAX_ANY_OF} values each)"
    );
    println!(
        "  resident memory: {baseline:.1} MB at start, {with_store:.1} MB with the webhooks in the memory store"
    );
    println!(
        "  route cache: {:.1} MB resident once loaded; loading peaked {:.1} MB above the store",
        with_routes - with_store,
        peak - with_store
    );
    println!(
        "  a publish function's memory there (start + loading's peak + cache): about {:.0} MB (Lambda: 128 MB)",
        baseline + (peak - with_store).max(with_routes - with_store)
    );
    println!(
        "  heavy event ({ARRAYS} arrays of {ARRAY_LEN} numbers): matched {matched} webhooks in {match_ms:.1} ms; the whole publish took {publish_ms:.1} ms"
    );
    drop(loaded);
    Ok(())
}

/// Webhook `n`: 50 event types (the bench's and 49 others), 10 filters on the arrays `a0` to
/// `a9`, each of 49 strings of its own and the array's last number, so that every filter
/// matches only at the end of its array.
fn spec(n: usize) -> anyhow::Result<WebhookSpec> {
    let url = WebhookUrl::parse(
        &format!("https://example.com/hooks/{n}"),
        &UrlPolicy::STRICT,
    )
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut names = vec![EVENT_TYPE.to_owned()];
    names.extend((1..EVENT_TYPES).map(|i| padded(format!("w{n}.t{i}."), NAME_LEN)));
    let patterns = names
        .iter()
        .map(|name| EventTypePattern::parse(name).map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut spec = WebhookSpec::new(url, EventTypes::new(patterns).map_err(anyhow::Error::msg)?);
    for f in 0..MAX_FILTERS {
        let mut any_of: Vec<Value> = (1..MAX_ANY_OF)
            .map(|v| json!(padded(format!("w{n}-f{f}-v{v}-"), VALUE_LEN)))
            .collect();
        any_of.push(json!(ARRAY_LEN - 1));
        spec.filters
            .push(Filter::parse(format!("a{f}"), any_of).map_err(anyhow::Error::msg)?);
    }
    Ok(spec)
}

fn padded(mut text: String, len: usize) -> String {
    while text.len() < len {
        text.push('x');
    }
    text
}

/// Ten arrays `a0` to `a9` of the numbers 0 to 3,999.
fn heavy_data() -> Value {
    let array: Vec<usize> = (0..ARRAY_LEN).collect();
    let fields = (0..ARRAYS).map(|i| (format!("a{i}"), json!(array)));
    Value::Object(fields.collect())
}

/// Resident memory once mimalloc has given freed pages back (it does so a second after).
async fn settled_resident_mb() -> f64 {
    tokio::time::sleep(Duration::from_millis(1500)).await;
    drop(vec![0u8; 4096]);
    status_mb("VmRSS:")
}

/// The peak resident memory since `reset_peak`.
fn peak_mb() -> f64 {
    status_mb("VmHWM:")
}

/// Starts the peak (`VmHWM`) afresh from the current resident memory.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn status_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}
