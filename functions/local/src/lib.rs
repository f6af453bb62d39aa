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
use hookline::config::{AuthMode, Config, DEFAULT_MAX_WEBHOOKS_PER_TENANT};
use hookline::domain::{ApiKey, ApiKeyRecord, Scopes, TenantId};
use hookline::store::dynamodb::DynamoStore;
use std::net::SocketAddr;
use std::time::Instant;
use tokio::net::TcpListener;

/// Serves the Hookline API on one port, with no AWS needed.
#[derive(Clone, Debug, Parser)]
#[command(name = "hookline-local", version, about)]
pub struct Settings {
    /// Where the API listens.
    #[arg(long, env = "HOOKLINE_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// An API key as KEY=TENANT:SCOPE,SCOPE,... (repeatable). With none, one dev key with
    /// every scope is made for tenant `dev` and printed.
    #[arg(long = "api-key", env = "HOOKLINE_API_KEY", value_delimiter = ';')]
    pub api_keys: Vec<String>,

    /// Apply the production URL rules (https only, no private or loopback hosts).
    #[arg(long, env = "HOOKLINE_STRICT_URLS")]
    pub strict_urls: bool,

    /// The most webhooks one tenant may hold.
    #[arg(long, env = "HOOKLINE_MAX_WEBHOOKS_PER_TENANT", default_value_t = DEFAULT_MAX_WEBHOOKS_PER_TENANT)]
    pub max_webhooks_per_tenant: u32,

    /// Log level (`RUST_LOG` filters are honoured too).
    #[arg(long, env = "HOOKLINE_LOG_LEVEL", default_value = "info")]
    pub log_level: String,

    /// Use the DynamoDB adapter against this endpoint (the table is created when missing)
    /// instead of the in-memory store.
    #[arg(long, env = "HOOKLINE_DYNAMODB_ENDPOINT")]
    pub dynamodb_endpoint: Option<String>,

    /// The DynamoDB table, with `--dynamodb-endpoint`.
    #[arg(long, env = "HOOKLINE_TABLE_NAME", default_value = "hookline")]
    pub table_name: String,
}

/// A key the server accepts, as given on the command line or generated.
#[derive(Clone, Debug)]
pub struct LocalKey {
    pub key: ApiKey,
    pub tenant: TenantId,
    pub scopes: Scopes,
    pub generated: bool,
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
    Ok(LocalKey {
        key,
        tenant,
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

/// Builds the context the settings describe and seeds the keys into its key store.
pub async fn context(settings: &Settings) -> anyhow::Result<(AppContext, Vec<LocalKey>)> {
    let mut keys = settings
        .api_keys
        .iter()
        .map(|k| parse_key(k))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if keys.is_empty() {
        keys.push(LocalKey {
            key: ApiKey::generate(),
            tenant: TenantId::parse("dev").map_err(anyhow::Error::msg)?,
            scopes: Scopes::all(),
            generated: true,
        });
    }
    let config = Config {
        table_name: settings.table_name.clone(),
        strict_urls: settings.strict_urls,
        max_webhooks_per_tenant: settings.max_webhooks_per_tenant,
        auth: AuthMode::KeyStore,
    };
    let ctx = match &settings.dynamodb_endpoint {
        None => AppContext::in_memory(config),
        Some(endpoint) => {
            let store = DynamoStore::new(
                DynamoStore::client(Some(endpoint)).await,
                &settings.table_name,
            );
            store
                .create_table_if_missing()
                .await
                .context("creating the DynamoDB table")?;
            AppContext::with_store(config, store)
        }
    };
    for k in &keys {
        let record = ApiKeyRecord::new(
            &k.key,
            k.tenant.clone(),
            k.scopes,
            Some("hookline-local".into()),
        );
        ctx.keys.put(&record).await.context("storing an API key")?;
    }
    Ok((ctx, keys))
}

/// The router: `/health`, and every API route through the shared handlers.
pub fn router(ctx: AppContext) -> Router {
    Router::new()
        .route("/health", get(health))
        .fallback(serve_api)
        .with_state(ctx)
}

async fn health() -> impl IntoResponse {
    (
        [(http::header::CONTENT_TYPE, "application/json")],
        r#"{"status":"ok"}"#,
    )
}

/// The largest body any route accepts; the route's own limit is checked by the handler.
const MAX_READ: usize = 256 * 1024;

async fn serve_api(State(ctx): State<AppContext>, request: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let method = parts.method.clone();
    let path = parts.uri.path().to_owned();
    let response = match axum::body::to_bytes(body, MAX_READ).await {
        Ok(body) => {
            let request = ApiRequest {
                method: parts.method,
                path: path.clone(),
                query: parts.uri.query().map(str::to_owned),
                headers: parts.headers,
                body,
            };
            api::handle(&ctx, Served::All, Identity::BearerKey, request).await
        }
        Err(_) => {
            let lang = Lang::from_accept_language(
                parts
                    .headers
                    .get(http::header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            );
            // The rest of the body is left unread, so this connection cannot carry another
            // request: tell the client not to reuse it.
            let mut response = ApiError::PayloadTooLarge(MAX_READ).into_response(lang);
            response.headers_mut().insert(
                http::header::CONNECTION,
                http::HeaderValue::from_static("close"),
            );
            response
        }
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

/// Binds `settings.listen` (port 0 picks a free one) and serves until `shutdown`.
pub async fn spawn(settings: &Settings) -> anyhow::Result<Running> {
    let (ctx, keys) = context(settings).await?;
    let listener = TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("listening on {}", settings.listen))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = router(ctx.clone());
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    Ok(Running {
        addr,
        keys,
        ctx,
        task,
        stop: Some(stop),
    })
}
