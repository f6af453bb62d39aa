//! The configuration, read once at start from the settings (`settings`): in AWS the
//! functions' environment variables (set by `template.yaml`), locally the server's flags.

mod settings;

pub use settings::{DEFAULT_RETENTION_DAYS, FunctionSettings, RETENTION_DAYS, Settings};

use crate::domain::{CatalogMode, RetrySchedule, WebhookSecret};
use crate::portal::{FrameAncestors, PublicBaseUrl};
use crate::url_guard::resolve::DnsOverrides;
use crate::url_guard::{UrlPolicy, WebhookUrl};
use std::env;
use std::time::Duration;

pub const DEFAULT_MAX_WEBHOOKS_PER_TENANT: u32 = 1000;

/// The sweep's grace period (`crate::sweep`): far beyond a publish's own time, and within
/// the contract's 15 minutes with a run every five.
pub const DEFAULT_SWEEP_GRACE: Duration = Duration::from_secs(5 * 60);

/// How a request's caller is found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMode {
    /// API Gateway's Lambda authorizer already resolved the key; read its context.
    Authorizer,
    /// Hash the bearer key and look it up in the key store (local server, `cargo lambda watch`).
    KeyStore,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub table_name: String,
    /// The URL rules: production (https, public addresses) unless the development switch is
    /// on, plus the allow-list.
    pub urls: UrlPolicy,
    /// Fixed DNS answers (local server only), vetted like any other.
    pub dns_overrides: DnsOverrides,
    pub max_webhooks_per_tenant: u32,
    pub auth: AuthMode,
    pub delivery: DeliverySettings,
    /// The delivery queue and its dead-letter queue (SQS URLs), in AWS.
    pub queue_url: Option<String>,
    pub dead_letter_queue_url: Option<String>,
    /// Where the `ingest-events` function sends the events it refuses (an SQS URL).
    pub ingest_dead_letter_queue_url: Option<String>,
    /// The ingest queue, where `ingest-events` sends again the events over their tenant's
    /// publish rate (an SQS URL).
    pub ingest_queue_url: Option<String>,
    /// Whether only catalogued event types may be published and subscribed to.
    pub catalog: CatalogMode,
    /// Where operational events go (`hookline.webhook.disabled`, ...); none when unset.
    pub operator_webhook: Option<OperatorWebhook>,
    /// Which sites may frame the customer portal; none by default.
    pub portal_frame_ancestors: FrameAncestors,
    /// Where the API and the portal are reached from outside; unset, a portal session's URL
    /// is built on the domain API Gateway was reached at.
    pub public_base_url: Option<PublicBaseUrl>,
    /// CloudWatch metric lines (EMF), and the tenants with a dimension of their own.
    pub metrics: crate::metrics::MetricsSettings,
    /// Events a tenant may publish per second (see `quota`); 0: no limit.
    pub tenant_events_per_second: u32,
    /// Webhooks whose endpoint was not verified a tenant may hold; 0: no limit.
    pub max_unverified_webhooks: u32,
    /// Attempts a failing webhook may start per delivery timeout (see `delivery::stages::load`);
    /// 0: no limit.
    pub max_in_flight_per_webhook: u32,
    /// Deliveries a tenant's webhooks may get per second, unless the tenant's settings say
    /// otherwise (see `tenant_settings`); 0: no limit.
    pub tenant_deliveries_per_second: u32,
    /// Attempts in flight at once across a tenant's webhooks, unless the tenant's settings
    /// say otherwise; 0: no limit.
    pub tenant_max_in_flight: u32,
    /// Days a tenant's records are kept, unless the tenant's settings say otherwise (1 to 90).
    pub retention_days: u16,
    /// What seals webhooks' secrets in the DynamoDB store.
    pub sealing: SealingKey,
    /// How old a published event's deliveries with no attempt are before the sweep queues
    /// them again (`crate::sweep`).
    pub sweep_grace: Duration,
}

/// Where the key that seals webhooks' secrets and custom header values comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SealingKey {
    /// A KMS key (id, ARN or alias): `HOOKLINE_KMS_KEY_ID`, what the template sets.
    Kms(String),
    /// A local master key in this file, written there when missing: `HOOKLINE_KEY_FILE`,
    /// or the local server's `master.key` in its data directory.
    File(std::path::PathBuf),
    /// No key: nothing can be sealed or opened. Only the in-memory store goes without, as it
    /// keeps secrets open; a key that lives as long as the process is never made.
    #[default]
    Absent,
}

/// The operator's own endpoint for operational events, and the secret they are signed with.
#[derive(Clone, Debug)]
pub struct OperatorWebhook {
    pub url: WebhookUrl,
    pub secret: WebhookSecret,
}

impl OperatorWebhook {
    /// From the URL and secret settings (`HOOKLINE_OPERATOR_WEBHOOK_URL` and `_SECRET`, or
    /// the local server's flags): both or neither; the URL under the deployment's URL rules.
    pub fn from_settings(
        url: Option<&str>,
        secret: Option<&str>,
        policy: &UrlPolicy,
    ) -> Result<Option<Self>, ConfigError> {
        let (url, secret) = match (url, secret) {
            (None, None) => return Ok(None),
            (Some(url), Some(secret)) => (url, secret),
            (Some(_), None) => {
                return Err(ConfigError {
                    name: "HOOKLINE_OPERATOR_WEBHOOK_SECRET".into(),
                    message: "is required with HOOKLINE_OPERATOR_WEBHOOK_URL".into(),
                });
            }
            (None, Some(_)) => {
                return Err(ConfigError {
                    name: "HOOKLINE_OPERATOR_WEBHOOK_URL".into(),
                    message: "is required with HOOKLINE_OPERATOR_WEBHOOK_SECRET".into(),
                });
            }
        };
        Ok(Some(Self {
            url: WebhookUrl::parse(url.trim(), policy).map_err(|e| ConfigError {
                name: "HOOKLINE_OPERATOR_WEBHOOK_URL".into(),
                message: match e {
                    crate::url_guard::UrlError::Invalid(why)
                    | crate::url_guard::UrlError::NotAllowed(why) => why,
                },
            })?,
            secret: WebhookSecret::parse(secret.trim()).map_err(|message| ConfigError {
                name: "HOOKLINE_OPERATOR_WEBHOOK_SECRET".into(),
                message,
            })?,
        }))
    }
}

/// How deliveries are attempted.
#[derive(Clone, Debug)]
pub struct DeliverySettings {
    pub retry_schedule: RetrySchedule,
    /// Per attempt, connection included.
    pub timeout: Duration,
    /// A webhook failing for this long with no success is disabled.
    pub disable_after: Duration,
    /// How long execution records (and events) are kept.
    pub execution_ttl: Duration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            retry_schedule: RetrySchedule::production(),
            timeout: Duration::from_secs(15),
            disable_after: Duration::from_secs(5 * 86_400),
            execution_ttl: Duration::from_secs(30 * 86_400),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            table_name: "hookline".into(),
            urls: UrlPolicy::STRICT,
            dns_overrides: DnsOverrides::default(),
            max_webhooks_per_tenant: DEFAULT_MAX_WEBHOOKS_PER_TENANT,
            auth: AuthMode::Authorizer,
            delivery: DeliverySettings::default(),
            queue_url: None,
            dead_letter_queue_url: None,
            ingest_dead_letter_queue_url: None,
            ingest_queue_url: None,
            catalog: CatalogMode::Open,
            operator_webhook: None,
            portal_frame_ancestors: FrameAncestors::default(),
            public_base_url: None,
            metrics: crate::metrics::MetricsSettings::default(),
            tenant_events_per_second: 0,
            max_unverified_webhooks: 0,
            max_in_flight_per_webhook: 0,
            tenant_deliveries_per_second: 0,
            tenant_max_in_flight: 0,
            retention_days: settings::DEFAULT_RETENTION_DAYS,
            sealing: SealingKey::Absent,
            sweep_grace: DEFAULT_SWEEP_GRACE,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("environment variable {name}: {message}")]
pub struct ConfigError {
    /// The variable at fault.
    pub name: String,
    pub message: String,
}

impl Config {
    /// The functions' configuration, from their environment variables (see
    /// `FunctionSettings`; `template.yaml` sets them). A bad value fails the cold start,
    /// naming its variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(|name| env::var(name).ok())
    }

    /// `from_env`, with the variables read from `source` (the tests' own maps).
    pub fn from_source(source: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        FunctionSettings::from_source(source)?.into_config()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut map: HashMap<String, String> = HashMap::from([
            ("HOOKLINE_TABLE_NAME".into(), "t".into()),
            ("HOOKLINE_KMS_KEY_ID".into(), "alias/k".into()),
        ]);
        for (name, value) in vars {
            map.insert((*name).to_owned(), (*value).to_owned());
        }
        Config::from_source(|name| map.get(name).cloned())
    }

    #[test]
    fn the_template_settings_are_read() {
        let config = read(&[
            ("HOOKLINE_METRICS", "emf"),
            ("HOOKLINE_METRICS_TENANTS", "acme, beta"),
            ("HOOKLINE_TENANT_EVENTS_PER_SECOND", "100"),
            ("HOOKLINE_MAX_UNVERIFIED_WEBHOOKS", "10"),
            ("HOOKLINE_MAX_IN_FLIGHT_PER_WEBHOOK", "10"),
            ("HOOKLINE_TENANT_DELIVERIES_PER_SECOND", "500"),
            ("HOOKLINE_TENANT_MAX_IN_FLIGHT", "250"),
            ("HOOKLINE_RETENTION_DAYS", "7"),
        ])
        .unwrap();
        assert!(config.metrics.emf);
        assert_eq!(config.metrics.tenant_dimension.len(), 2);
        assert_eq!(config.tenant_events_per_second, 100);
        assert_eq!(config.max_unverified_webhooks, 10);
        assert_eq!(config.max_in_flight_per_webhook, 10);
        assert_eq!(config.tenant_deliveries_per_second, 500);
        assert_eq!(config.tenant_max_in_flight, 250);
        assert_eq!(config.retention_days, 7);
        assert_eq!(config.sealing, SealingKey::Kms("alias/k".into()));
    }

    #[test]
    fn a_bad_value_fails_the_start_naming_its_variable() {
        for (name, value) in [
            ("HOOKLINE_METRICS", "statsd"),
            ("HOOKLINE_METRICS_TENANTS", "not a tenant!"),
            ("HOOKLINE_TENANT_EVENTS_PER_SECOND", "-1"),
            ("HOOKLINE_MAX_UNVERIFIED_WEBHOOKS", "ten"),
            ("HOOKLINE_MAX_IN_FLIGHT_PER_WEBHOOK", "1.5"),
            ("HOOKLINE_TENANT_DELIVERIES_PER_SECOND", "-5"),
            ("HOOKLINE_TENANT_MAX_IN_FLIGHT", "many"),
            ("HOOKLINE_RETENTION_DAYS", "0"),
            ("HOOKLINE_RETENTION_DAYS", "91"),
            ("HOOKLINE_KEY_FILE", "/tmp/both.key"),
            ("HOOKLINE_DELIVERY_TIMEOUT", "soon"),
        ] {
            let error = read(&[(name, value)]).unwrap_err();
            assert_eq!(error.name, name, "{value}");
        }
    }

    #[test]
    fn the_declared_defaults_are_the_config_defaults() {
        let read = read(&[]).unwrap();
        let default = Config::default();
        assert_eq!(read.urls.development, default.urls.development);
        assert_eq!(
            read.max_webhooks_per_tenant,
            default.max_webhooks_per_tenant
        );
        assert_eq!(
            read.delivery.retry_schedule,
            default.delivery.retry_schedule
        );
        assert_eq!(read.delivery.timeout, default.delivery.timeout);
        assert_eq!(read.delivery.disable_after, default.delivery.disable_after);
        assert_eq!(read.delivery.execution_ttl, default.delivery.execution_ttl);
        assert_eq!(read.catalog, default.catalog);
        assert_eq!(read.auth, default.auth);
        assert_eq!(read.metrics, default.metrics);
        assert_eq!(read.tenant_events_per_second, 0);
        assert_eq!(read.max_unverified_webhooks, 0);
        assert_eq!(read.max_in_flight_per_webhook, 0);
        assert_eq!(read.tenant_deliveries_per_second, 0);
        assert_eq!(read.tenant_max_in_flight, 0);
        assert_eq!(read.retention_days, default.retention_days);
        assert_eq!(read.retention_days, 30);
        assert!(read.queue_url.is_none() && read.ingest_dead_letter_queue_url.is_none());
    }

    #[test]
    fn the_functions_read_every_shared_and_own_setting() {
        let config = read(&[
            ("HOOKLINE_STRICT_URLS", "off"),
            ("HOOKLINE_AUTH_MODE", "keys"),
            ("HOOKLINE_QUEUE_URL", "https://sqs/q"),
            ("HOOKLINE_INGEST_DEAD_LETTER_QUEUE_URL", "https://sqs/i"),
            ("HOOKLINE_INGEST_QUEUE_URL", "https://sqs/in"),
            ("HOOKLINE_DELIVERY_TIMEOUT", " 20s "),
            ("HOOKLINE_EVENT_CATALOG", "enforced"),
            ("HOOKLINE_MAX_WEBHOOKS_PER_TENANT", "5"),
            ("HOOKLINE_URL_ALLOW_LIST", ""),
        ])
        .unwrap();
        assert!(config.urls.development);
        assert_eq!(config.auth, AuthMode::KeyStore);
        assert_eq!(config.queue_url.as_deref(), Some("https://sqs/q"));
        assert_eq!(
            config.ingest_dead_letter_queue_url.as_deref(),
            Some("https://sqs/i")
        );
        assert_eq!(config.ingest_queue_url.as_deref(), Some("https://sqs/in"));
        assert_eq!(config.delivery.timeout, Duration::from_secs(20));
        assert_eq!(config.catalog, CatalogMode::Enforced);
        assert_eq!(config.max_webhooks_per_tenant, 5);
    }

    #[test]
    fn a_missing_or_lone_value_is_named() {
        let error = Config::from_source(|name| {
            (name == "HOOKLINE_KMS_KEY_ID").then(|| "alias/k".to_owned())
        })
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "environment variable HOOKLINE_TABLE_NAME: is required"
        );
        assert_eq!(
            read(&[("HOOKLINE_DELIVERY_TIMEOUT", "soon")])
                .unwrap_err()
                .to_string(),
            "environment variable HOOKLINE_DELIVERY_TIMEOUT: expected a duration such as 15s, 5m \
             or 5d, got \"soon\""
        );
        for (name, value) in [
            ("HOOKLINE_STRICT_URLS", "maybe"),
            ("HOOKLINE_AUTH_MODE", "iam"),
            ("HOOKLINE_MAX_WEBHOOKS_PER_TENANT", "0"),
            ("HOOKLINE_EVENT_CATALOG", "closed"),
            ("HOOKLINE_OPERATOR_WEBHOOK_URL", "https://ops.example/hook"),
        ] {
            let error = read(&[(name, value)]).unwrap_err();
            let expected = match name {
                "HOOKLINE_OPERATOR_WEBHOOK_URL" => "HOOKLINE_OPERATOR_WEBHOOK_SECRET",
                other => other,
            };
            assert_eq!(error.name, expected, "{value}: {error}");
        }
    }

    #[test]
    fn a_sealing_key_is_required() {
        let error =
            Config::from_source(|name| (name == "HOOKLINE_TABLE_NAME").then(|| "t".to_owned()))
                .unwrap_err();
        assert_eq!(error.name, "HOOKLINE_KMS_KEY_ID");
        let file = Config::from_source(|name| match name {
            "HOOKLINE_TABLE_NAME" => Some("t".into()),
            "HOOKLINE_KEY_FILE" => Some("target/k.key".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(file.sealing, SealingKey::File("target/k.key".into()));
    }
}
