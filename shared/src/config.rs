//! Settings, read once at start. In AWS they are the functions' environment variables (set by
//! `template.yaml`); the local server fills the same struct from its flags.

use crate::domain::TenantId;
use crate::domain::{CatalogMode, RetrySchedule, WebhookSecret};
use crate::portal::FrameAncestors;
use crate::url_guard::resolve::DnsOverrides;
use crate::url_guard::{UrlPolicy, WebhookUrl};
use std::env;
use std::time::Duration;

pub const DEFAULT_MAX_WEBHOOKS_PER_TENANT: u32 = 1000;

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
    /// Whether only catalogued event types may be published and subscribed to.
    pub catalog: CatalogMode,
    /// Where operational events go (`hookline.webhook.disabled`, ...); none when unset.
    pub operator_webhook: Option<OperatorWebhook>,
    /// Which sites may frame the customer portal; none by default.
    pub portal_frame_ancestors: FrameAncestors,
    /// CloudWatch metric lines (EMF), and the tenants with a dimension of their own.
    pub metrics: crate::metrics::MetricsSettings,
    /// Events a tenant may publish per second (see `quota`); 0: no limit.
    pub tenant_events_per_second: u32,
    /// Webhooks whose endpoint was not verified a tenant may hold; 0: no limit.
    pub max_unverified_webhooks: u32,
    /// Attempts a failing webhook may start per delivery timeout (see `delivery::worker`);
    /// 0: no limit.
    pub max_in_flight_per_webhook: u32,
    /// What seals webhooks' secrets in the DynamoDB store.
    pub sealing: SealingKey,
}

/// Where the key that seals webhooks' secrets and custom header values comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SealingKey {
    /// A KMS key (id, ARN or alias): `HOOKLINE_KMS_KEY_ID`, what the template sets.
    Kms(String),
    /// A local master key in this file, written there when missing: `HOOKLINE_KEY_FILE`.
    File(std::path::PathBuf),
    /// A local master key generated at start: what this process seals, only it can open.
    #[default]
    Generated,
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
                    name: "HOOKLINE_OPERATOR_WEBHOOK_SECRET",
                    message: "is required with HOOKLINE_OPERATOR_WEBHOOK_URL".into(),
                });
            }
            (None, Some(_)) => {
                return Err(ConfigError {
                    name: "HOOKLINE_OPERATOR_WEBHOOK_URL",
                    message: "is required with HOOKLINE_OPERATOR_WEBHOOK_SECRET".into(),
                });
            }
        };
        Ok(Some(Self {
            url: WebhookUrl::parse(url.trim(), policy).map_err(|e| ConfigError {
                name: "HOOKLINE_OPERATOR_WEBHOOK_URL",
                message: match e {
                    crate::url_guard::UrlError::Invalid(why)
                    | crate::url_guard::UrlError::NotAllowed(why) => why,
                },
            })?,
            secret: WebhookSecret::parse(secret.trim()).map_err(|message| ConfigError {
                name: "HOOKLINE_OPERATOR_WEBHOOK_SECRET",
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

/// Parses `15s`, `5m`, `5d` and the like.
pub fn parse_duration(name: &'static str, text: &str) -> Result<Duration, ConfigError> {
    humantime::parse_duration(text.trim())
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or(ConfigError {
            name,
            message: format!("expected a duration such as 15s, 5m or 5d, got {text:?}"),
        })
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
            catalog: CatalogMode::Open,
            operator_webhook: None,
            portal_frame_ancestors: FrameAncestors::default(),
            metrics: crate::metrics::MetricsSettings::default(),
            tenant_events_per_second: 0,
            max_unverified_webhooks: 0,
            max_in_flight_per_webhook: 0,
            sealing: SealingKey::Generated,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("environment variable {name}: {message}")]
pub struct ConfigError {
    pub name: &'static str,
    pub message: String,
}

pub fn parse_bool(name: &'static str, text: &str) -> Result<bool, ConfigError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError {
            name,
            message: format!("expected true or false, got {text:?}"),
        }),
    }
}

impl Config {
    /// Reads `HOOKLINE_TABLE_NAME` (required), `HOOKLINE_STRICT_URLS` (default true),
    /// `HOOKLINE_URL_ALLOW_LIST` (CIDRs and host names, comma-separated),
    /// `HOOKLINE_MAX_WEBHOOKS_PER_TENANT` (default 1000), `HOOKLINE_AUTH_MODE`
    /// (`authorizer`, the default, or `keys`), `HOOKLINE_RETRY_SCHEDULE`,
    /// `HOOKLINE_DELIVERY_TIMEOUT`, `HOOKLINE_DISABLE_AFTER`, `HOOKLINE_EXECUTION_TTL`,
    /// `HOOKLINE_QUEUE_URL`, `HOOKLINE_DEAD_LETTER_QUEUE_URL`, `HOOKLINE_EVENT_CATALOG`
    /// (`open`, the default, or `enforced`), `HOOKLINE_OPERATOR_WEBHOOK_URL` and
    /// `HOOKLINE_OPERATOR_WEBHOOK_SECRET`, `HOOKLINE_PORTAL_FRAME_ANCESTORS`, `HOOKLINE_METRICS`,
    /// `HOOKLINE_METRICS_TENANTS`, `HOOKLINE_TENANT_EVENTS_PER_SECOND`,
    /// `HOOKLINE_MAX_UNVERIFIED_WEBHOOKS`, `HOOKLINE_MAX_IN_FLIGHT_PER_WEBHOOK`, and `HOOKLINE_KMS_KEY_ID` or `HOOKLINE_KEY_FILE`
    /// (one is required: functions in separate processes must open what the others seal).
    /// A bad value fails the cold start, naming it.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(|name| env::var(name).ok())
    }

    /// `from_env`, with the variables read from `source` (the tests' own maps).
    pub fn from_source(source: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str| source(name).filter(|v| !v.trim().is_empty());
        let table_name = var("HOOKLINE_TABLE_NAME").ok_or(ConfigError {
            name: "HOOKLINE_TABLE_NAME",
            message: "is required".into(),
        })?;
        let strict_urls = match var("HOOKLINE_STRICT_URLS") {
            Some(v) => parse_bool("HOOKLINE_STRICT_URLS", &v)?,
            None => true,
        };
        let allow =
            crate::url_guard::AllowList::parse(&var("HOOKLINE_URL_ALLOW_LIST").unwrap_or_default())
                .map_err(|message| ConfigError {
                    name: "HOOKLINE_URL_ALLOW_LIST",
                    message,
                })?;
        let max_webhooks_per_tenant = match var("HOOKLINE_MAX_WEBHOOKS_PER_TENANT") {
            Some(v) => v
                .trim()
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(ConfigError {
                    name: "HOOKLINE_MAX_WEBHOOKS_PER_TENANT",
                    message: format!("expected a positive whole number, got {v:?}"),
                })?,
            None => DEFAULT_MAX_WEBHOOKS_PER_TENANT,
        };
        let auth = match var("HOOKLINE_AUTH_MODE").as_deref() {
            None | Some("authorizer") => AuthMode::Authorizer,
            Some("keys") => AuthMode::KeyStore,
            Some(other) => {
                return Err(ConfigError {
                    name: "HOOKLINE_AUTH_MODE",
                    message: format!("expected authorizer or keys, got {other:?}"),
                });
            }
        };
        let mut delivery = DeliverySettings::default();
        if let Some(v) = var("HOOKLINE_RETRY_SCHEDULE") {
            delivery.retry_schedule = RetrySchedule::parse(&v).map_err(|message| ConfigError {
                name: "HOOKLINE_RETRY_SCHEDULE",
                message,
            })?;
        }
        if let Some(v) = var("HOOKLINE_DELIVERY_TIMEOUT") {
            delivery.timeout = parse_duration("HOOKLINE_DELIVERY_TIMEOUT", &v)?;
        }
        if let Some(v) = var("HOOKLINE_DISABLE_AFTER") {
            delivery.disable_after = parse_duration("HOOKLINE_DISABLE_AFTER", &v)?;
        }
        if let Some(v) = var("HOOKLINE_EXECUTION_TTL") {
            delivery.execution_ttl = parse_duration("HOOKLINE_EXECUTION_TTL", &v)?;
        }
        let catalog = match var("HOOKLINE_EVENT_CATALOG") {
            None => CatalogMode::Open,
            Some(v) => CatalogMode::parse(v.trim()).ok_or(ConfigError {
                name: "HOOKLINE_EVENT_CATALOG",
                message: format!("expected open or enforced, got {v:?}"),
            })?,
        };
        let urls = UrlPolicy {
            development: !strict_urls,
            allow,
        };
        let operator_webhook = OperatorWebhook::from_settings(
            var("HOOKLINE_OPERATOR_WEBHOOK_URL").as_deref(),
            var("HOOKLINE_OPERATOR_WEBHOOK_SECRET").as_deref(),
            &urls,
        )?;
        let metrics = crate::metrics::MetricsSettings {
            emf: match var("HOOKLINE_METRICS").as_deref().map(str::trim) {
                None | Some("" | "off") => false,
                Some("emf") => true,
                Some(other) => {
                    return Err(ConfigError {
                        name: "HOOKLINE_METRICS",
                        message: format!("expected emf or off, got {other:?}"),
                    });
                }
            },
            tenant_dimension: var("HOOKLINE_METRICS_TENANTS")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| {
                    TenantId::parse(t).map_err(|why| ConfigError {
                        name: "HOOKLINE_METRICS_TENANTS",
                        message: format!("{t:?}: {why}"),
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let sealing = match (var("HOOKLINE_KMS_KEY_ID"), var("HOOKLINE_KEY_FILE")) {
            (Some(key), None) => SealingKey::Kms(key.trim().to_owned()),
            (None, Some(path)) => SealingKey::File(path.trim().into()),
            (Some(_), Some(_)) => {
                return Err(ConfigError {
                    name: "HOOKLINE_KEY_FILE",
                    message: "is not used with HOOKLINE_KMS_KEY_ID: set one".into(),
                });
            }
            (None, None) => {
                return Err(ConfigError {
                    name: "HOOKLINE_KMS_KEY_ID",
                    message: "is required (or HOOKLINE_KEY_FILE, a local key file)".into(),
                });
            }
        };
        Ok(Self {
            sealing,
            max_in_flight_per_webhook: match var("HOOKLINE_MAX_IN_FLIGHT_PER_WEBHOOK") {
                None => 0,
                Some(v) => v.trim().parse().map_err(|_| ConfigError {
                    name: "HOOKLINE_MAX_IN_FLIGHT_PER_WEBHOOK",
                    message: format!("expected a whole number (0: no limit), got {v:?}"),
                })?,
            },
            table_name,
            urls,
            dns_overrides: DnsOverrides::default(),
            max_webhooks_per_tenant,
            auth,
            delivery,
            queue_url: var("HOOKLINE_QUEUE_URL"),
            dead_letter_queue_url: var("HOOKLINE_DEAD_LETTER_QUEUE_URL"),
            catalog,
            operator_webhook,
            portal_frame_ancestors: FrameAncestors::parse(
                &var("HOOKLINE_PORTAL_FRAME_ANCESTORS").unwrap_or_default(),
            )
            .map_err(|message| ConfigError {
                name: "HOOKLINE_PORTAL_FRAME_ANCESTORS",
                message,
            })?,
            metrics,
            max_unverified_webhooks: match var("HOOKLINE_MAX_UNVERIFIED_WEBHOOKS") {
                None => 0,
                Some(v) => v.trim().parse().map_err(|_| ConfigError {
                    name: "HOOKLINE_MAX_UNVERIFIED_WEBHOOKS",
                    message: format!("expected a whole number (0: no limit), got {v:?}"),
                })?,
            },
            tenant_events_per_second: match var("HOOKLINE_TENANT_EVENTS_PER_SECOND") {
                None => 0,
                Some(v) => v.trim().parse().map_err(|_| ConfigError {
                    name: "HOOKLINE_TENANT_EVENTS_PER_SECOND",
                    message: format!("expected a whole number (0: no limit), got {v:?}"),
                })?,
            },
        })
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
        ])
        .unwrap();
        assert!(config.metrics.emf);
        assert_eq!(config.metrics.tenant_dimension.len(), 2);
        assert_eq!(config.tenant_events_per_second, 100);
        assert_eq!(config.max_unverified_webhooks, 10);
        assert_eq!(config.max_in_flight_per_webhook, 10);
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
            ("HOOKLINE_KEY_FILE", "/tmp/both.key"),
            ("HOOKLINE_DELIVERY_TIMEOUT", "soon"),
        ] {
            let error = read(&[(name, value)]).unwrap_err();
            assert_eq!(error.name, name, "{value}");
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
