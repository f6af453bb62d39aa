//! Every setting, declared once: its environment variable, its flag, its default and its
//! parser. The functions read [`FunctionSettings`] from their environment; the local server
//! flattens [`Settings`] into its flags and overrides the few defaults a laptop needs
//! (`hookline-local`'s `Settings`). `docs/configuration.md` is held against these types by
//! `tests/tests/configuration.rs`.

use super::{AuthMode, Config, ConfigError, DEFAULT_MAX_WEBHOOKS_PER_TENANT, DeliverySettings};
use super::{OperatorWebhook, SealingKey};
use crate::domain::{CatalogMode, DEFAULT_SCHEDULE, RetrySchedule, TenantId};
use crate::portal::{FrameAncestors, PublicBaseUrl};
use std::ops::RangeInclusive;

/// Days a tenant's records are kept when neither the tenant nor the deployment says.
pub const DEFAULT_RETENTION_DAYS: u16 = 30;
/// What `retention_days` may be, for a tenant and for the deployment.
pub const RETENTION_DAYS: RangeInclusive<u16> = 1..=90;
use crate::url_guard::{AllowList, UrlPolicy};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, Command, CommandFactory, FromArgMatches, Parser};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// The settings the functions and the local server share. The defaults are the functions'.
#[derive(Clone, Debug, Args)]
#[group(skip)]
pub struct Settings {
    /// The DynamoDB table (locally, with `--dynamodb-endpoint`).
    #[arg(long, env = "HOOKLINE_TABLE_NAME")]
    pub table_name: String,

    /// Apply the production URL rules (https only, no private or loopback hosts). Off, the
    /// development switch is on: http and any address, for receivers on this machine.
    #[arg(long, env = "HOOKLINE_STRICT_URLS", default_value = "true", value_parser = parse_bool,
        action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true,
        default_missing_value = "true")]
    pub strict_urls: bool,

    /// Non-public networks and hosts deliveries may reach under the strict rules: CIDRs, IP
    /// addresses and host names, comma-separated (https is still required).
    #[arg(long, env = "HOOKLINE_URL_ALLOW_LIST", default_value = "", value_parser = AllowList::parse)]
    pub url_allow_list: AllowList,

    /// Events one tenant may publish per second, as a ten-second allowance (0: no limit);
    /// past it, 429 `rate_limited` with `Retry-After`.
    #[arg(long, env = "HOOKLINE_TENANT_EVENTS_PER_SECOND", default_value_t = 0, value_parser = whole_number)]
    pub tenant_events_per_second: u32,

    /// Webhooks whose endpoint was not verified (`"verify": false`) one tenant may hold (0:
    /// no limit); past it, 429 `rate_limited`.
    #[arg(long, env = "HOOKLINE_MAX_UNVERIFIED_WEBHOOKS", default_value_t = 0, value_parser = whole_number)]
    pub max_unverified_webhooks: u32,

    /// Attempts in flight per webhook, healthy, slow or failing alike (counted in each
    /// process; a failing webhook's also per delivery timeout across every instance); the
    /// rest wait. 0: no limit.
    #[arg(long, env = "HOOKLINE_MAX_IN_FLIGHT_PER_WEBHOOK", default_value_t = 0, value_parser = whole_number)]
    pub max_in_flight_per_webhook: u32,

    /// Deliveries one tenant's webhooks may get per second, retries, pings and recovers
    /// included (0: no limit); a tenant's own setting replaces it.
    #[arg(long, env = "HOOKLINE_TENANT_DELIVERIES_PER_SECOND", default_value_t = 0, value_parser = whole_number)]
    pub tenant_deliveries_per_second: u32,

    /// Attempts in flight at once across one tenant's webhooks (0: no limit); a tenant's own
    /// setting replaces it.
    #[arg(long, env = "HOOKLINE_TENANT_MAX_IN_FLIGHT", default_value_t = 0, value_parser = whole_number)]
    pub tenant_max_in_flight: u32,

    /// Days a tenant's records are kept, 1 to 90; a tenant's own setting replaces it.
    #[arg(long, env = "HOOKLINE_RETENTION_DAYS", default_value_t = DEFAULT_RETENTION_DAYS, value_parser = retention_days)]
    pub retention_days: u16,

    /// The most webhooks one tenant may hold.
    #[arg(long, env = "HOOKLINE_MAX_WEBHOOKS_PER_TENANT",
        default_value_t = DEFAULT_MAX_WEBHOOKS_PER_TENANT, value_parser = positive_number)]
    pub max_webhooks_per_tenant: u32,

    /// The KMS key that seals webhooks' secrets and custom header values: an id, ARN or alias
    /// (locally, with `--kms-endpoint`, where an alias missing is created with a new key).
    #[arg(long, env = "HOOKLINE_KMS_KEY_ID", value_parser = trimmed)]
    pub kms_key_id: Option<String>,

    /// Seal with the local master key in this file instead of KMS (locally, with
    /// `--dynamodb-endpoint`): written there when missing, readable by its owner only, so a
    /// restart opens what was sealed before.
    #[arg(long, env = "HOOKLINE_KEY_FILE", value_parser = path)]
    pub key_file: Option<PathBuf>,

    /// Delays between delivery attempts: N delays, N + 1 attempts.
    #[arg(long, env = "HOOKLINE_RETRY_SCHEDULE", default_value = DEFAULT_SCHEDULE, value_parser = RetrySchedule::parse)]
    pub retry_schedule: RetrySchedule,

    /// The time limit of one delivery attempt.
    #[arg(long, env = "HOOKLINE_DELIVERY_TIMEOUT", default_value = "15s", value_parser = duration)]
    pub delivery_timeout: Duration,

    /// A webhook failing this long with no success is disabled.
    #[arg(long, env = "HOOKLINE_DISABLE_AFTER", default_value = "5d", value_parser = duration)]
    pub disable_after: Duration,

    /// How long execution records (and events) are kept.
    #[arg(long, env = "HOOKLINE_EXECUTION_TTL", default_value = "30d", value_parser = duration)]
    pub execution_ttl: Duration,

    /// `open`: uncatalogued event types may be published and subscribed to; `enforced`: only
    /// catalogued, unarchived ones (catalogued schemas validate published data either way).
    #[arg(long, env = "HOOKLINE_EVENT_CATALOG", default_value = "open", value_parser = catalog_mode)]
    pub event_catalog: CatalogMode,

    /// The operator's own endpoint for operational events (`hookline.webhook.disabled`,
    /// `hookline.delivery.exhausted`); none are sent without it.
    #[arg(long, env = "HOOKLINE_OPERATOR_WEBHOOK_URL")]
    pub operator_webhook_url: Option<String>,

    /// The secret (`whsec_...`) operational events are signed with.
    #[arg(long, env = "HOOKLINE_OPERATOR_WEBHOOK_SECRET")]
    pub operator_webhook_secret: Option<String>,

    /// How old a published event's deliveries that were never attempted (its publish died
    /// between storing and queueing) are before the sweep queues them again.
    #[arg(long, env = "HOOKLINE_SWEEP_GRACE", default_value = "5m", value_parser = duration)]
    pub sweep_grace: Duration,

    /// Which sites may frame the customer portal (`frame-ancestors`): `'self'` or origins
    /// such as https://app.example, space-separated; none by default.
    #[arg(long, env = "HOOKLINE_PORTAL_FRAME_ANCESTORS", default_value = "'none'", value_parser = FrameAncestors::parse)]
    pub portal_frame_ancestors: FrameAncestors,

    /// Where the API and the portal are reached from outside (https://hooks.example.com):
    /// portal sessions' URLs are built on it. Unset: in AWS, the domain API Gateway was
    /// reached at; locally, the listen address.
    #[arg(long, env = "HOOKLINE_PUBLIC_BASE_URL", value_parser = PublicBaseUrl::parse)]
    pub public_base_url: Option<PublicBaseUrl>,
}

impl Settings {
    /// The configuration these settings describe. What only one side knows (how callers are
    /// found, the queues, metrics, the sealing key, fixed DNS answers) keeps `Config`'s
    /// default, for that side to set.
    pub fn into_config(self) -> Result<Config, ConfigError> {
        let urls = UrlPolicy {
            development: !self.strict_urls,
            allow: self.url_allow_list,
        };
        let operator_webhook = OperatorWebhook::from_settings(
            self.operator_webhook_url.as_deref(),
            self.operator_webhook_secret.as_deref(),
            &urls,
        )?;
        Ok(Config {
            table_name: self.table_name,
            urls,
            max_webhooks_per_tenant: self.max_webhooks_per_tenant,
            delivery: DeliverySettings {
                retry_schedule: self.retry_schedule,
                timeout: self.delivery_timeout,
                disable_after: self.disable_after,
                execution_ttl: self.execution_ttl,
            },
            catalog: self.event_catalog,
            operator_webhook,
            portal_frame_ancestors: self.portal_frame_ancestors,
            public_base_url: self.public_base_url,
            tenant_events_per_second: self.tenant_events_per_second,
            max_unverified_webhooks: self.max_unverified_webhooks,
            max_in_flight_per_webhook: self.max_in_flight_per_webhook,
            tenant_deliveries_per_second: self.tenant_deliveries_per_second,
            tenant_max_in_flight: self.tenant_max_in_flight,
            retention_days: self.retention_days,
            sweep_grace: self.sweep_grace,
            ..Config::default()
        })
    }
}

/// The functions' settings: the shared ones, and those only AWS has.
#[derive(Clone, Debug, Parser)]
#[command(name = "hookline", about = "The settings of Hookline's functions")]
pub struct FunctionSettings {
    #[command(flatten)]
    pub shared: Settings,

    /// `authorizer`: read API Gateway's authorizer context; `keys`: check the bearer key in
    /// the table (for `cargo lambda watch`, which has no authorizer).
    #[arg(long, env = "HOOKLINE_AUTH_MODE", default_value = "authorizer", value_parser = auth_mode)]
    pub auth_mode: AuthMode,

    /// The delivery queue (an SQS URL).
    #[arg(long, env = "HOOKLINE_QUEUE_URL")]
    pub queue_url: Option<String>,

    /// The delivery queue's dead-letter queue (an SQS URL).
    #[arg(long, env = "HOOKLINE_DEAD_LETTER_QUEUE_URL")]
    pub dead_letter_queue_url: Option<String>,

    /// Where the `ingest-events` function sends the events it refuses (an SQS URL).
    #[arg(long, env = "HOOKLINE_INGEST_DEAD_LETTER_QUEUE_URL")]
    pub ingest_dead_letter_queue_url: Option<String>,

    /// The ingest queue, where `ingest-events` sends again the events over their tenant's
    /// publish rate (an SQS URL).
    #[arg(long, env = "HOOKLINE_INGEST_QUEUE_URL")]
    pub ingest_queue_url: Option<String>,

    /// `emf`: write CloudWatch embedded-metric-format lines; `off`: none.
    #[arg(long, env = "HOOKLINE_METRICS", default_value = "off", value_parser = metrics_mode,
        action = clap::ArgAction::Set)]
    pub metrics: bool,

    /// Tenants whose metrics also get a `Tenant` dimension, comma-separated.
    #[arg(long, env = "HOOKLINE_METRICS_TENANTS", default_value = "", value_parser = tenant_list)]
    pub metrics_tenants: BTreeSet<TenantId>,
}

impl FunctionSettings {
    /// Reads the settings from `source` (the environment, or a test's map). A variable set to
    /// anything but blanks is handed to its flag, so the one parser reads both sides; a bad
    /// value is named by its variable.
    pub fn from_source(source: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let command = Self::command();
        let mut args = vec![OsString::from("hookline")];
        for arg in command.get_arguments() {
            let (Some(name), Some(long)) = (arg.get_env(), arg.get_long()) else {
                continue;
            };
            let value = name.to_str().and_then(&source);
            if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
                args.push(format!("--{long}={value}").into());
            }
        }
        // The variables were read above, from `source` only.
        let parser = Self::command().mut_args(|arg| arg.env(None::<&str>));
        parser
            .try_get_matches_from(args)
            .and_then(|matches| Self::from_arg_matches(&matches))
            .map_err(|error| named(&error, &command))
    }

    /// The configuration: the shared settings, and the functions' own.
    pub fn into_config(self) -> Result<Config, ConfigError> {
        let sealing = sealing_key(self.shared.kms_key_id.clone(), self.shared.key_file.clone())?;
        Ok(Config {
            auth: self.auth_mode,
            queue_url: self.queue_url,
            dead_letter_queue_url: self.dead_letter_queue_url,
            ingest_dead_letter_queue_url: self.ingest_dead_letter_queue_url,
            ingest_queue_url: self.ingest_queue_url,
            metrics: crate::metrics::MetricsSettings {
                emf: self.metrics,
                tenant_dimension: self.metrics_tenants,
            },
            sealing,
            ..self.shared.into_config()?
        })
    }
}

/// Functions in separate processes must open what the others seal: one key source is required.
fn sealing_key(kms: Option<String>, file: Option<PathBuf>) -> Result<SealingKey, ConfigError> {
    match (kms, file) {
        (Some(key), None) => Ok(SealingKey::Kms(key)),
        (None, Some(path)) => Ok(SealingKey::File(path)),
        (Some(_), Some(_)) => Err(ConfigError {
            name: "HOOKLINE_KEY_FILE".into(),
            message: "is not used with HOOKLINE_KMS_KEY_ID: set one".into(),
        }),
        (None, None) => Err(ConfigError {
            name: "HOOKLINE_KMS_KEY_ID".into(),
            message: "is required (or HOOKLINE_KEY_FILE, a local key file)".into(),
        }),
    }
}

/// The `ConfigError` for a refusal of the parser: the variable of the first flag it names,
/// and the value parser's own message.
fn named(error: &clap::Error, command: &Command) -> ConfigError {
    let rendered = match error.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(arg)) => arg.clone(),
        Some(ContextValue::Strings(args)) => args.first().cloned().unwrap_or_default(),
        _ => String::new(),
    };
    let flag = rendered
        .trim_start_matches('-')
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .next()
        .unwrap_or_default();
    let name = command
        .get_arguments()
        .find(|arg| arg.get_long() == Some(flag))
        .and_then(|arg| arg.get_env())
        .map_or(rendered.clone(), |env| env.to_string_lossy().into_owned());
    let message = match (error.kind(), std::error::Error::source(error)) {
        (ErrorKind::MissingRequiredArgument, _) => "is required".to_owned(),
        (_, Some(why)) => why.to_string(),
        (kind, None) => kind.to_string(),
    };
    ConfigError { name, message }
}

/// `true` or `false`, and their usual spellings (`1`, `yes`, `on`, ...).
fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("expected true or false, got {text:?}")),
    }
}

/// Parses `15s`, `5m`, `5d` and the like; zero is refused.
fn duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("expected a duration such as 15s, 5m or 5d, got {text:?}"))
}

fn whole_number(text: &str) -> Result<u32, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("expected a whole number (0: no limit), got {text:?}"))
}

fn positive_number(text: &str) -> Result<u32, String> {
    text.trim()
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("expected a positive whole number, got {text:?}"))
}

fn retention_days(text: &str) -> Result<u16, String> {
    text.trim()
        .parse()
        .ok()
        .filter(|n| RETENTION_DAYS.contains(n))
        .ok_or_else(|| {
            format!(
                "expected a whole number of days from {} to {}, got {text:?}",
                RETENTION_DAYS.start(),
                RETENTION_DAYS.end()
            )
        })
}

fn trimmed(text: &str) -> Result<String, String> {
    Ok(text.trim().to_owned())
}

fn path(text: &str) -> Result<PathBuf, String> {
    Ok(text.trim().into())
}

fn catalog_mode(text: &str) -> Result<CatalogMode, String> {
    CatalogMode::parse(text.trim())
        .ok_or_else(|| format!("expected open or enforced, got {text:?}"))
}

fn auth_mode(text: &str) -> Result<AuthMode, String> {
    match text {
        "authorizer" => Ok(AuthMode::Authorizer),
        "keys" => Ok(AuthMode::KeyStore),
        other => Err(format!("expected authorizer or keys, got {other:?}")),
    }
}

fn metrics_mode(text: &str) -> Result<bool, String> {
    match text.trim() {
        "" | "off" => Ok(false),
        "emf" => Ok(true),
        other => Err(format!("expected emf or off, got {other:?}")),
    }
}

fn tenant_list(text: &str) -> Result<BTreeSet<TenantId>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| TenantId::parse(t).map_err(|why| format!("{t:?}: {why}")))
        .collect()
}
