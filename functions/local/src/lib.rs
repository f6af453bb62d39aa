//! `hookline-local`: every route of the API on one port, on the same handlers as the Lambdas,
//! with an in-memory store by default or DynamoDB at `--dynamodb-endpoint`.

use anyhow::{Context, bail};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use clap::Parser;
use hookline::AppContext;
use hookline::api::{self, ApiError, ApiRequest, Identity, Lang, Served};
use hookline::config::{AuthMode, Config, SealingKey};
use hookline::context::{Queues, Stores};
use hookline::delivery::worker::Outcome;
use hookline::domain::{ApiKey, ApiKeyRecord, KeyOwner, Scopes, TenantId};
use hookline::ingest::sqs::IngestQueue;
use hookline::portal::PublicBaseUrl;
use hookline::queue::Received;
use hookline::queue::sqs::SqsQueue;
use hookline::seal::Keyring;
use hookline::seal::kms::{KmsKeys, create_alias_if_missing};
use hookline::store::dynamodb::DynamoStore;
use hookline::url_guard::resolve::DnsOverrides;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

pub mod banner;
pub mod data_dir;

/// Serves the Hookline API on one port, with no AWS needed.
#[derive(Clone, Debug, Parser)]
#[command(name = "hookline-local", version, about)]
// The settings shared with the functions are `hookline::config::Settings`, flattened below.
// Where a laptop's defaults differ from AWS's, they are overridden here, and only here: no
// table to name, the development URL rules, one process's quotas and budgets (a tenant may
// hold half of the default `--delivery-concurrency`), a KMS alias to create.
#[command(mut_arg("table_name", |a| a.required(false).default_value("hookline")))]
#[command(mut_arg("strict_urls", |a| a.default_value("false")))]
#[command(mut_arg("tenant_events_per_second", |a| a.default_value("500")))]
#[command(mut_arg("max_in_flight_per_webhook", |a| a.default_value("10")))]
#[command(mut_arg("tenant_deliveries_per_second", |a| a.default_value("1000")))]
#[command(mut_arg("tenant_max_in_flight", |a| a.default_value("128")))]
#[command(mut_arg("kms_key_id", |a| a.default_value("alias/hookline")))]
pub struct Settings {
    /// Where the API listens.
    #[arg(long, env = "HOOKLINE_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// An API key as KEY=TENANT:SCOPE,SCOPE,... (repeatable). With none, one dev key with
    /// every scope is made for tenant `dev` and printed.
    #[arg(long = "api-key", env = "HOOKLINE_API_KEY", value_delimiter = ';')]
    pub api_keys: Vec<String>,

    /// An operator key (repeatable): every scope, for the tenant named in `Hookline-Tenant`,
    /// and the operator routes. With none, one dev operator key is made and printed.
    #[arg(
        long = "operator-key",
        env = "HOOKLINE_OPERATOR_KEY",
        value_delimiter = ';'
    )]
    pub operator_keys: Vec<String>,

    /// Answer a host name with this address, like curl's --resolve, as HOST=ADDRESS
    /// (repeatable). The answer is vetted like any DNS answer.
    #[arg(long, env = "HOOKLINE_RESOLVE", value_delimiter = ',')]
    pub resolve: Vec<String>,

    /// Log level (`RUST_LOG` filters are honoured too).
    #[arg(long, env = "HOOKLINE_LOG_LEVEL", default_value = "info")]
    pub log_level: String,

    /// `text` (human-readable lines) or `json` (one object per line, as the functions log).
    #[arg(long, env = "HOOKLINE_LOG_FORMAT", default_value = "text")]
    pub log_format: hookline::telemetry::LogFormat,

    /// Use the DynamoDB adapter against this endpoint (the table is created when missing)
    /// instead of the in-memory store.
    #[arg(long, env = "HOOKLINE_DYNAMODB_ENDPOINT")]
    pub dynamodb_endpoint: Option<String>,

    /// With `--dynamodb-endpoint`: seal webhooks' secrets and custom header values with KMS
    /// at this endpoint (moto's in tests). Without it (or `--key-file`), with the master key
    /// in `--data-dir`.
    #[arg(long, env = "HOOKLINE_KMS_ENDPOINT", conflicts_with = "key_file")]
    pub kms_endpoint: Option<String>,

    /// Where the server keeps what outlives it: with `--dynamodb-endpoint` and neither
    /// `--kms-endpoint` nor `--key-file`, the master key that seals secrets (`master.key`,
    /// made mode 0600 on the first start). Default `$XDG_DATA_HOME/hookline`, else
    /// `~/.local/share/hookline`.
    #[arg(long, env = "HOOKLINE_DATA_DIR")]
    pub data_dir: Option<std::path::PathBuf>,

    /// Use SQS at this endpoint for the delivery queue (created when missing) instead of the
    /// in-memory one.
    #[arg(long, env = "HOOKLINE_SQS_ENDPOINT")]
    pub sqs_endpoint: Option<String>,

    /// The delivery queue's name, with `--sqs-endpoint` (its dead-letter queue is NAME-dlq).
    #[arg(
        long,
        env = "HOOKLINE_QUEUE_NAME",
        default_value = "hookline-deliveries"
    )]
    pub queue_name: String,

    /// Also publish the events sent to this SQS queue on `--sqs-endpoint`, as the
    /// `ingest-events` Lambda does in AWS (the queue and NAME-dlq are created when missing).
    #[arg(long, env = "HOOKLINE_INGEST_QUEUE_NAME")]
    pub ingest_queue_name: Option<String>,

    /// How long a client may take to send a request's body: a slow one cannot hold a
    /// connection and a worker forever.
    #[arg(long, env = "HOOKLINE_REQUEST_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    pub request_timeout: Duration,

    /// How many deliveries run at once.
    #[arg(long, env = "HOOKLINE_DELIVERY_CONCURRENCY", default_value_t = 256)]
    pub delivery_concurrency: usize,

    /// The settings the functions read from their environment.
    #[command(flatten)]
    pub shared: hookline::config::Settings,
}

/// The local settings are the shared ones and more: `settings.table_name` reads through.
impl std::ops::Deref for Settings {
    type Target = hookline::config::Settings;

    fn deref(&self) -> &Self::Target {
        &self.shared
    }
}

impl std::ops::DerefMut for Settings {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.shared
    }
}

/// A key the server accepts, as given on the command line or generated.
#[derive(Clone, Debug)]
pub struct LocalKey {
    pub key: ApiKey,
    pub owner: KeyOwner,
    pub scopes: Scopes,
    pub generated: bool,
}

impl LocalKey {
    fn record(&self) -> ApiKeyRecord {
        let name = Some("hookline-local".to_owned());
        match &self.owner {
            KeyOwner::Operator => ApiKeyRecord::operator(&self.key, name),
            KeyOwner::Tenant(tenant) => {
                ApiKeyRecord::new(&self.key, tenant.clone(), self.scopes, name)
            }
        }
    }
}

/// Parses an operator key's text.
pub fn parse_operator_key(text: &str) -> anyhow::Result<LocalKey> {
    let Some(key) = ApiKey::parse(text) else {
        bail!("an operator key must be 16 to 128 characters of [A-Za-z0-9_-]");
    };
    Ok(LocalKey {
        key,
        owner: KeyOwner::Operator,
        scopes: Scopes::operator(),
        generated: false,
    })
}

/// Parses `KEY=TENANT:SCOPE,SCOPE,...`.
pub fn parse_key(text: &str) -> anyhow::Result<LocalKey> {
    let (key, rest) = text
        .split_once('=')
        .context("expected KEY=TENANT:SCOPE,...")?;
    let (tenant, scopes) = rest
        .split_once(':')
        .context("expected KEY=TENANT:SCOPE,...")?;
    let Some(key) = ApiKey::parse(key) else {
        bail!("the key must be 16 to 128 characters of [A-Za-z0-9_-]");
    };
    let tenant = TenantId::parse(tenant).map_err(anyhow::Error::msg)?;
    let scopes = Scopes::parse_list(scopes).map_err(anyhow::Error::msg)?;
    if scopes.is_operator() {
        bail!(
            "a tenant's key cannot hold the operator scope: give operator keys with --operator-key"
        );
    }
    Ok(LocalKey {
        key,
        owner: KeyOwner::Tenant(tenant),
        scopes,
        generated: false,
    })
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub keys: Vec<LocalKey>,
    pub ctx: AppContext,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Running {
    /// Stops accepting, finishes what is in flight, and returns.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await??;
        Ok(())
    }
}

/// Builds the context the settings describe, for a server listening on `addr`, and seeds the
/// keys into its key store.
pub async fn context(
    settings: &Settings,
    addr: SocketAddr,
) -> anyhow::Result<(AppContext, Vec<LocalKey>)> {
    let keys = local_keys(settings)?;
    let config = config(settings, addr)?;
    let queues = queues(settings, &config).await?;
    let stores = stores(settings, &config).await?;
    let ctx = AppContext::new(config, stores, queues)?;
    for k in &keys {
        ctx.keys
            .put(&k.record())
            .await
            .context("storing an API key")?;
    }
    Ok((ctx, keys))
}

/// The keys given, or a dev key and a dev operator key made now for those not given.
fn local_keys(settings: &Settings) -> anyhow::Result<Vec<LocalKey>> {
    let mut keys = settings
        .api_keys
        .iter()
        .map(|k| parse_key(k))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if keys.is_empty() {
        keys.push(LocalKey {
            key: ApiKey::generate(),
            owner: KeyOwner::Tenant(TenantId::parse("dev").map_err(anyhow::Error::msg)?),
            scopes: Scopes::all_tenant(),
            generated: true,
        });
    }
    let operator_keys = settings
        .operator_keys
        .iter()
        .map(|k| parse_operator_key(k))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if operator_keys.is_empty() {
        keys.push(LocalKey {
            key: ApiKey::generate(),
            owner: KeyOwner::Operator,
            scopes: Scopes::operator(),
            generated: true,
        });
    }
    keys.extend(operator_keys);
    Ok(keys)
}

/// The shared settings' configuration, and what only the local server has: bearer keys
/// checked in its own store, fixed DNS answers, metric lines with JSON logs, and sealing by
/// the endpoint or file given, else (for DynamoDB) by the data directory's master key; and
/// the public base URL, else the address it listens on.
fn config(settings: &Settings, addr: SocketAddr) -> anyhow::Result<Config> {
    let mut dns_overrides = DnsOverrides::default();
    for entry in &settings.resolve {
        dns_overrides
            .add(entry)
            .map_err(|e| anyhow::anyhow!("--resolve {e}"))?;
    }
    let sealing = match (
        &settings.kms_endpoint,
        &settings.kms_key_id,
        &settings.key_file,
    ) {
        (Some(_), Some(key_id), _) => SealingKey::Kms(key_id.clone()),
        (Some(_), None, _) => bail!("--kms-endpoint needs --kms-key-id"),
        (None, _, Some(path)) => SealingKey::File(path.clone()),
        (None, _, None) if settings.dynamodb_endpoint.is_some() => {
            SealingKey::File(data_dir::master_key(settings.data_dir.as_deref())?)
        }
        // The in-memory store keeps secrets open: it needs no key.
        (None, _, None) => SealingKey::Absent,
    };
    Ok(Config {
        dns_overrides,
        auth: AuthMode::KeyStore,
        // With JSON logs, the metric lines too: the same lines the functions write in AWS.
        metrics: hookline::metrics::MetricsSettings {
            emf: settings.log_format == hookline::telemetry::LogFormat::Json,
            tenant_dimension: Default::default(),
        },
        sealing,
        public_base_url: Some(
            settings
                .public_base_url
                .clone()
                .unwrap_or_else(|| PublicBaseUrl::listening_on(addr)),
        ),
        ..settings.shared.clone().into_config()?
    })
}

/// The delivery queues: in memory, or SQS at `--sqs-endpoint` (created when missing).
async fn queues(settings: &Settings, config: &Config) -> anyhow::Result<Queues> {
    let Some(endpoint) = &settings.sqs_endpoint else {
        return Ok(Queues::in_memory(config));
    };
    let visibility = hookline::context::visibility_timeout(config);
    let client = SqsQueue::client(Some(endpoint)).await;
    // Five receives without an acknowledgement: the dead-letter queue takes it.
    let url = SqsQueue::create_if_missing(&client, &settings.queue_name, visibility, 5)
        .await
        .context("creating the SQS queue")?;
    let dlq_url = format!("{url}-dlq");
    Ok(Queues {
        tasks: Arc::new(SqsQueue::new(client.clone(), url)),
        dead_letters: Arc::new(SqsQueue::new(client, dlq_url)),
    })
}

/// The stores: in memory, or DynamoDB at `--dynamodb-endpoint` (the table made when missing).
async fn stores(settings: &Settings, config: &Config) -> anyhow::Result<Stores> {
    let Some(endpoint) = &settings.dynamodb_endpoint else {
        return Ok(Stores::Memory);
    };
    let store = DynamoStore::new(
        DynamoStore::client(Some(endpoint)).await,
        &config.table_name,
        Arc::new(keyring(settings, &config.sealing).await?),
    );
    store
        .create_table_if_missing()
        .await
        .context("creating the DynamoDB table")?;
    Ok(Stores::Dynamo(store))
}

/// What seals webhooks' secrets in DynamoDB: KMS at `--kms-endpoint` (the key's alias made
/// when missing), or the master key file (`--key-file`, or the data directory's), made when
/// missing; a file that can be neither read nor made stops the start, named.
async fn keyring(settings: &Settings, sealing: &SealingKey) -> anyhow::Result<Keyring> {
    let sdk = match &settings.kms_endpoint {
        Some(endpoint) => Some(hookline::aws::sdk_config(Some(endpoint)).await),
        None => None,
    };
    if let (Some(sdk), SealingKey::Kms(key_id)) = (&sdk, sealing)
        && key_id.starts_with("alias/")
    {
        let keys = KmsKeys::new(sdk, key_id).map_err(anyhow::Error::msg)?;
        create_alias_if_missing(&keys, key_id)
            .await
            .context("creating the KMS key")?;
    }
    let keyring = Keyring::for_setting(sealing, sdk.as_ref()).map_err(anyhow::Error::msg)?;
    if let SealingKey::File(path) = sealing {
        tracing::info!(path = %path.display(), "secrets are sealed with the master key in this file");
    }
    Ok(keyring)
}

/// What the router's handlers share.
#[derive(Clone)]
struct App {
    ctx: AppContext,
    request_timeout: Duration,
}

/// The router: `/health`, and every API route through the shared handlers.
pub fn router(ctx: AppContext, request_timeout: Duration) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/portal", get(portal))
        .route("/portal/{asset}", get(portal))
        .fallback(serve_api)
        .with_state(App {
            ctx,
            request_timeout,
        })
}

async fn health() -> impl IntoResponse {
    (
        [(http::header::CONTENT_TYPE, "application/json")],
        r#"{"status":"ok"}"#,
    )
}

/// The customer portal's page and assets, with no key, as the `portal` Lambda serves them.
async fn portal(State(app): State<App>, uri: http::Uri) -> Response {
    match hookline::portal::serve(uri.path(), &app.ctx.config.portal_frame_ancestors) {
        Some(page) => page.map(axum::body::Body::from),
        None => {
            let problem = ApiError::NotFound.into_response(Lang::En);
            problem.map(axum::body::Body::from)
        }
    }
}

/// The largest body any route accepts (a webhook's create or update); each route's own
/// limit is checked by the handler.
const MAX_READ: usize = hookline::api::routes::MAX_WEBHOOK_BODY;

async fn serve_api(State(app): State<App>, request: Request) -> Response {
    let ctx = &app.ctx;
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let method = parts.method.clone();
    let path = parts.uri.path().to_owned();
    let lang = Lang::from_accept_language(
        parts
            .headers
            .get(http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let read =
        tokio::time::timeout(app.request_timeout, axum::body::to_bytes(body, MAX_READ)).await;
    let response = match read {
        Ok(Ok(body)) => {
            let request = ApiRequest::from(http::Request::from_parts(parts, body));
            api::handle(ctx, Served::All, Identity::BearerKey, request).await
        }
        // The rest of the body is left unread, so this connection cannot carry another
        // request: tell the client not to reuse it.
        Ok(Err(_)) => closing(ApiError::PayloadTooLarge(MAX_READ).into_response(lang)),
        Err(_) => closing(ApiError::RequestTimeout.into_response(lang)),
    };
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response.map(|bytes: Bytes| Body::from(bytes))
}

fn closing(mut response: http::Response<Bytes>) -> http::Response<Bytes> {
    response.headers_mut().insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    );
    response
}

/// Binds `settings.listen` (port 0 picks a free one) and serves until `shutdown`.
pub async fn spawn(settings: &Settings) -> anyhow::Result<Running> {
    let listener = TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("listening on {}", settings.listen))?;
    let addr = listener.local_addr()?;
    let (ctx, keys) = context(settings, addr).await?;
    let ingest = match (&settings.ingest_queue_name, &settings.sqs_endpoint) {
        (None, _) => None,
        (Some(_), None) => bail!("--ingest-queue-name needs --sqs-endpoint"),
        (Some(name), Some(endpoint)) => Some(
            IngestQueue::create_if_missing(SqsQueue::client(Some(endpoint)).await, name)
                .await
                .context("creating the ingest queue")?,
        ),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (stop_workers, workers_stopped) = tokio::sync::watch::channel(false);
    let ingesting =
        ingest.map(|queue| tokio::spawn(run_ingest(ctx.clone(), queue, workers_stopped.clone())));
    let sweeping = tokio::spawn(run_sweep(ctx.clone(), workers_stopped.clone()));
    let workers = tokio::spawn(run_workers(
        ctx.clone(),
        settings.delivery_concurrency,
        workers_stopped,
    ));
    let app = router(ctx.clone(), settings.request_timeout);
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        let _ = stop_workers.send(true);
        if let Some(ingesting) = ingesting {
            let _ = ingesting.await;
        }
        let _ = workers.await;
        let _ = sweeping.await;
        served
    });
    Ok(Running {
        addr,
        keys,
        ctx,
        task,
        stop: Some(stop),
    })
}

/// Processes a task, keeping its message hidden while the work runs long (a slow store, a
/// receiver near its timeout), so that the receive count measures failures, not slowness.
async fn with_heartbeat(
    ctx: &AppContext,
    message: &Received,
) -> Result<Outcome, hookline::delivery::worker::WorkerError> {
    let visibility = hookline::context::visibility_timeout(&ctx.config);
    let seen = hookline::delivery::worker::Seen::from_receive_count(message.receive_count);
    let work = hookline::delivery::worker::process_as(ctx, &message.task, seen);
    tokio::pin!(work);
    loop {
        tokio::select! {
            done = &mut work => return done,
            _ = tokio::time::sleep(visibility / 2) => {
                if let Err(e) = ctx.queue.extend(&message.receipt, visibility).await {
                    tracing::warn!(error.cause_chain = ?hookline::telemetry::error_chain(&e), "extending a task's visibility failed");
                }
            }
        }
    }
}

/// The ingest queue's consumer, as the `ingest-events` Lambda with its event source: ten
/// messages at a time, published together; one that must come back (an outage) is made
/// visible again after a short delay, the others deleted (throttled events were sent again).
async fn run_ingest(
    ctx: AppContext,
    queue: IngestQueue,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let received = tokio::select! {
            _ = stop.changed() => break,
            received = queue.receive(Duration::from_secs(1)) => received,
        };
        let messages = match received {
            Ok(messages) => messages,
            Err(e) => {
                tracing::error!(error.cause_chain = ?hookline::telemetry::error_chain(&e), "receiving from the ingest queue failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let batch: Vec<hookline::ingest::Message<'_>> = messages
            .iter()
            .map(|m| hookline::ingest::Message {
                id: &m.id,
                body: &m.body,
                sent_at: m.sent_at,
            })
            .collect();
        let done =
            hookline::ingest::consume(&ctx, &queue.dead_letters, &queue.requeue, &batch).await;
        let queue = &queue;
        futures::future::join_all(messages.iter().zip(done).map(|(m, done)| async move {
            let settled = if done {
                queue.delete(&m.receipt).await
            } else {
                queue.retry_later(&m.receipt).await
            };
            if let Err(e) = settled {
                tracing::error!(error.cause_chain = ?hookline::telemetry::error_chain(&e), "settling an ingest message failed; it comes back");
            }
        }))
        .await;
    }
}

/// How often the local server sweeps (`hookline::sweep`); in AWS, every five minutes.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// The sweep's timer: deliveries a publish stored but never queued are queued again, past
/// the grace period (`--sweep-grace`).
async fn run_sweep(ctx: AppContext, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            () = tokio::time::sleep(SWEEP_EVERY) => {}
        }
        if let Err(e) = hookline::sweep::sweep(&ctx, hookline::domain::Timestamp::now()).await {
            tracing::error!(error.cause_chain = ?hookline::telemetry::error_chain(&e), "the sweep failed; the next run takes up where it stopped");
        }
    }
}

/// The in-process delivery workers: receive tasks, process each (at most `concurrency` at
/// once), and acknowledge a task only once `process` has recorded it. A task whose processing
/// failed is left to come back after its visibility timeout, as from SQS.
async fn run_workers(
    ctx: AppContext,
    concurrency: usize,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let permits = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut running = tokio::task::JoinSet::new();
    loop {
        // Tasks are taken only when they can start: one held while waiting for room would
        // wait out of turn, ahead of the other tenants' tasks still in the queue.
        let room = tokio::select! {
            _ = stop.changed() => break,
            room = permits.clone().acquire_owned() => room,
        };
        let Ok(room) = room else { break };
        let free = 1 + permits.available_permits();
        let received = tokio::select! {
            _ = stop.changed() => break,
            received = ctx.queue.receive(free.min(10), Duration::from_secs(1)) => received,
        };
        let messages = match received {
            Ok(messages) => messages,
            Err(e) => {
                tracing::error!(error.cause_chain = ?hookline::telemetry::error_chain(&e), "receiving tasks failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let mut room = Some(room);
        for message in messages {
            let permit = match room.take() {
                Some(permit) => permit,
                None => match permits.clone().acquire_owned().await {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
            };
            let ctx = ctx.clone();
            running.spawn(async move {
                match with_heartbeat(&ctx, &message).await {
                    Ok(_) => {
                        if let Err(e) = ctx.queue.ack(&message.receipt).await {
                            tracing::error!(error.cause_chain = ?hookline::telemetry::error_chain(&e), "acknowledging a task failed");
                        }
                    }
                    Err(e) => {
                        tracing::error!(error.cause_chain = ?hookline::telemetry::error_chain(&e), "task failed; it will come back");
                    }
                }
                drop(permit);
            });
        }
        while running.try_join_next().is_some() {}
    }
    // Finish what is in flight before stopping.
    while running.join_next().await.is_some() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_defaults_override_the_functions_ones() {
        let settings = Settings::try_parse_from(["hookline-local"]).unwrap();
        assert_eq!(settings.table_name, "hookline");
        assert!(!settings.strict_urls);
        assert_eq!(settings.tenant_events_per_second, 500);
        assert_eq!(settings.max_in_flight_per_webhook, 10);
        assert_eq!(settings.tenant_deliveries_per_second, 1000);
        assert_eq!(settings.tenant_max_in_flight, 128);
        assert!(settings.tenant_max_in_flight as usize * 2 <= settings.delivery_concurrency);
        assert_eq!(settings.kms_key_id.as_deref(), Some("alias/hookline"));
        // The rest are the functions' defaults.
        assert_eq!(settings.max_unverified_webhooks, 0);
        assert_eq!(settings.max_webhooks_per_tenant, 1000);
        assert_eq!(settings.retention_days, 30);
        assert_eq!(settings.delivery_timeout, Duration::from_secs(15));
    }

    #[test]
    fn strict_urls_is_still_a_flag() {
        let on = Settings::try_parse_from(["hookline-local", "--strict-urls"]).unwrap();
        assert!(on.strict_urls);
        let off = Settings::try_parse_from(["hookline-local", "--strict-urls=false"]).unwrap();
        assert!(!off.strict_urls);
    }
}
