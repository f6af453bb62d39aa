//! Settings, read once at start. In AWS they are the functions' environment variables (set by
//! `template.yaml`); the local server fills the same struct from its flags.

use std::env;

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
    /// Production URL rules (https only, public hosts only). Off only for development.
    pub strict_urls: bool,
    pub max_webhooks_per_tenant: u32,
    pub auth: AuthMode,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            table_name: "hookline".into(),
            strict_urls: true,
            max_webhooks_per_tenant: DEFAULT_MAX_WEBHOOKS_PER_TENANT,
            auth: AuthMode::Authorizer,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("environment variable {name}: {message}")]
pub struct ConfigError {
    pub name: &'static str,
    pub message: String,
}

fn var(name: &'static str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.trim().is_empty())
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
    /// `HOOKLINE_MAX_WEBHOOKS_PER_TENANT` (default 1000) and `HOOKLINE_AUTH_MODE`
    /// (`authorizer`, the default, or `keys`). A bad value fails the cold start, naming it.
    pub fn from_env() -> Result<Self, ConfigError> {
        let table_name = var("HOOKLINE_TABLE_NAME").ok_or(ConfigError {
            name: "HOOKLINE_TABLE_NAME",
            message: "is required".into(),
        })?;
        let strict_urls = match var("HOOKLINE_STRICT_URLS") {
            Some(v) => parse_bool("HOOKLINE_STRICT_URLS", &v)?,
            None => true,
        };
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
        Ok(Self {
            table_name,
            strict_urls,
            max_webhooks_per_tenant,
            auth,
        })
    }
}
