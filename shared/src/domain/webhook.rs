//! The webhook: its writable fields (`WebhookSpec`) and the whole stored object.

use super::{
    Credentials, CustomHeaders, EventType, EventTypes, Filter, Secrets, TenantId, Timestamp,
    WebhookId, WebhookSecret, WebhookUid,
};
use crate::url_guard::WebhookUrl;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub type Metadata = BTreeMap<String, String>;

pub const MAX_DESCRIPTION_LEN: usize = 1024;
pub const MAX_METADATA_ENTRIES: usize = 50;
pub const MAX_METADATA_KEY_LEN: usize = 64;
pub const MAX_METADATA_VALUE_LEN: usize = 1024;
/// A webhook's own stored fields together (filters, metadata, headers, description), as the
/// JSON the API writes them in, are at most this many bytes: each field within its own limit
/// can still make a webhook that costs every publish's route cache and every list too much.
pub const MAX_WEBHOOK_FIELDS_BYTES: usize = 64 * 1024;

/// What an attempt changes on its webhook (decided by `delivery::verdict`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HealthChange {
    Succeeded {
        at: Timestamp,
    },
    Failed {
        at: Timestamp,
        /// `last_failure_content`.
        content: String,
        /// Disable the webhook (410 Gone, or failing too long).
        disable: Option<Disable>,
    },
}

/// Disabling a webhook, decided on the version read before the attempt: applied only while
/// that version is stored, so a late attempt cannot disable a webhook re-enabled meanwhile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disable {
    pub reason: String,
    pub version: u64,
}

/// The fields a user writes, already validated.
#[derive(Clone, Debug, PartialEq)]
pub struct WebhookSpec {
    pub uid: Option<WebhookUid>,
    pub url: WebhookUrl,
    pub event_types: EventTypes,
    pub filters: Vec<Filter>,
    pub description: Option<String>,
    pub active: bool,
    pub headers: CustomHeaders,
    pub metadata: Metadata,
    pub verification: Verification,
}

impl WebhookSpec {
    /// A webhook of this URL for these event types, with every other field as a create that
    /// names only those two leaves it: active, no uid, filters, headers or metadata.
    pub fn new(url: WebhookUrl, event_types: EventTypes) -> Self {
        Self {
            uid: None,
            url,
            event_types,
            filters: Vec::new(),
            description: None,
            active: true,
            headers: CustomHeaders::default(),
            metadata: Metadata::default(),
            verification: Verification::Ping,
        }
    }
}

/// The unique key that claims a uid.
pub fn uid_key(uid: &WebhookUid) -> String {
    format!("uid:{uid}")
}

/// How an endpoint proves it wants this webhook before a create or change takes effect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// The signed `webhook.ping`, answered with any 2xx.
    #[default]
    Ping,
    /// The ping carries `X-Hook-Secret: <secret>`, and the 2xx must echo it in an
    /// `X-Hook-Secret` header (the handshake Asana's receivers implement).
    Handshake,
}

impl Verification {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ping" => Some(Self::Ping),
            "handshake" => Some(Self::Handshake),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Webhook {
    pub id: WebhookId,
    pub tenant: TenantId,
    /// The caller's own id for it, unique within the tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<WebhookUid>,
    pub url: WebhookUrl,
    pub event_types: EventTypes,
    pub filters: Vec<Filter>,
    pub description: Option<String>,
    pub active: bool,
    pub failed: bool,
    pub disabled_reason: Option<String>,
    pub metadata: Metadata,
    #[serde(default)]
    pub verification: Verification,
    /// The signing secrets and the custom headers.
    pub credentials: Credentials,
    /// Until when the previous secret (in `credentials`) still signs.
    pub previous_secret_until: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub last_success_at: Option<Timestamp>,
    pub last_failure_at: Option<Timestamp>,
    pub last_failure_content: Option<String>,
    pub consecutive_failures: u32,
    /// When the current run of failures began (cleared by a success): a webhook failing for
    /// longer than the configured period is disabled.
    #[serde(default)]
    pub failing_since: Option<Timestamp>,
    /// Its endpoint was not verified when its URL was last set (`"verify": false`): these
    /// count against the tenant's quota of unverified webhooks.
    #[serde(default)]
    pub unverified: bool,
    /// Bumped on every write; stores refuse a write based on an older version.
    pub version: u64,
}

impl Webhook {
    pub fn new(tenant: TenantId, spec: WebhookSpec, secret: WebhookSecret) -> Self {
        let now = Timestamp::now();
        let WebhookSpec {
            uid,
            url,
            event_types,
            filters,
            description,
            active,
            headers,
            metadata,
            verification,
        } = spec;
        Self {
            id: WebhookId::new(),
            tenant,
            uid,
            url,
            event_types,
            filters,
            description,
            active,
            failed: false,
            disabled_reason: None,
            metadata,
            verification,
            credentials: Credentials::open(Secrets {
                secret,
                previous_secret: None,
                headers,
            }),
            previous_secret_until: None,
            created_at: now,
            updated_at: now,
            last_success_at: None,
            last_failure_at: None,
            last_failure_content: None,
            consecutive_failures: 0,
            failing_since: None,
            unverified: false,
            version: 1,
        }
    }

    /// Its writable fields; the headers are among `secrets`, this webhook's opened.
    pub fn spec(&self, secrets: &Secrets) -> WebhookSpec {
        WebhookSpec {
            uid: self.uid.clone(),
            url: self.url.clone(),
            event_types: self.event_types.clone(),
            filters: self.filters.clone(),
            description: self.description.clone(),
            active: self.active,
            headers: secrets.headers.clone(),
            metadata: self.metadata.clone(),
            verification: self.verification,
        }
    }

    /// This webhook with its writable fields replaced by `spec`, as the next version
    /// (`secrets`: this webhook's, opened). Unchanged headers leave the credentials as they
    /// were read, sealed or not. Re-activating clears the failure state, so a fixed endpoint
    /// starts with a clean slate.
    pub fn with_spec(&self, secrets: &Secrets, spec: WebhookSpec) -> Self {
        let reactivated = !self.active && spec.active;
        let WebhookSpec {
            uid,
            url,
            event_types,
            filters,
            description,
            active,
            headers,
            metadata,
            verification,
        } = spec;
        let credentials = if headers == secrets.headers {
            self.credentials.clone()
        } else {
            Credentials::open(Secrets {
                headers,
                ..secrets.clone()
            })
        };
        let mut next = Self {
            uid,
            url,
            event_types,
            filters,
            description,
            active,
            credentials,
            metadata,
            verification,
            updated_at: self.next_updated_at(),
            version: self.version + 1,
            ..self.clone()
        };
        if reactivated {
            next.failed = false;
            next.disabled_reason = None;
            next.consecutive_failures = 0;
            next.failing_since = None;
        }
        next
    }

    /// This webhook with an attempt's effect applied, as the stores apply it (DynamoDB in one
    /// `UpdateItem`): the counters move, the version does not, except when the change
    /// disables the webhook, so that an edit made from the enabled version cannot undo it.
    pub fn with_health(&self, change: &HealthChange) -> Self {
        let mut next = self.clone();
        match change {
            HealthChange::Succeeded { at } => {
                next.last_success_at = Some(*at);
                next.consecutive_failures = 0;
                next.failing_since = None;
            }
            HealthChange::Failed {
                at,
                content,
                disable,
            } => {
                next.last_failure_at = Some(*at);
                next.last_failure_content = Some(content.clone());
                next.consecutive_failures = next.consecutive_failures.saturating_add(1);
                next.failing_since.get_or_insert(*at);
                if let Some(disable) = disable
                    && next.active
                    && next.version == disable.version
                {
                    next.active = false;
                    next.failed = true;
                    next.disabled_reason = Some(disable.reason.clone());
                    next.version += 1;
                }
            }
        }
        next
    }

    /// The webhook signing with `secret` from now on, as the next version; the current secret
    /// (in `secrets`, this webhook's, opened) keeps signing beside it until `overlap_until`
    /// (`None`: revoked at once).
    pub fn with_rotated_secret(
        &self,
        secrets: &Secrets,
        secret: WebhookSecret,
        overlap_until: Option<Timestamp>,
    ) -> Self {
        Self {
            credentials: Credentials::open(Secrets {
                secret,
                previous_secret: overlap_until.map(|_| secrets.secret.clone()),
                headers: secrets.headers.clone(),
            }),
            previous_secret_until: overlap_until,
            updated_at: self.next_updated_at(),
            version: self.version + 1,
            ..self.clone()
        }
    }

    /// When the next version is written: now, and never the same millisecond as this
    /// version's, so every change moves `updated_at` even on a fast machine.
    fn next_updated_at(&self) -> Timestamp {
        Timestamp::now().max(self.updated_at.plus(std::time::Duration::from_millis(1)))
    }

    /// Identifies "the same url for the same set of event types and the same filters" (order
    /// aside) within a tenant, which may be registered only once. Without filters it is what
    /// it was before filters counted.
    pub fn conflict_key(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.url.as_str().as_bytes());
        for name in self.event_types.sorted() {
            hasher.update(b"\n");
            hasher.update(name.as_bytes());
        }
        let mut filters: Vec<String> = self.filters.iter().map(Filter::canonical).collect();
        filters.sort();
        filters.dedup();
        for filter in filters {
            hasher.update(b"\nfilter ");
            hasher.update(filter.as_bytes());
        }
        hex::encode(hasher.finalize())
    }

    /// What may belong to one webhook only within its tenant: the conflict key, and the uid
    /// (as `uid:<uid>`).
    pub fn unique_keys(&self) -> Vec<String> {
        let mut keys = vec![self.conflict_key()];
        if let Some(uid) = &self.uid {
            keys.push(uid_key(uid));
        }
        keys
    }

    /// Whether an event of this type and data would be delivered here.
    pub fn wants(&self, event_type: &EventType, data: &serde_json::Value) -> bool {
        self.active
            && self.event_types.matches(event_type)
            && self.filters.iter().all(|f| f.matches(data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EventTypePattern;
    use crate::url_guard::UrlPolicy;

    fn spec(url: &str, types: &[&str]) -> WebhookSpec {
        WebhookSpec {
            uid: None,
            url: WebhookUrl::parse(url, &UrlPolicy::STRICT).unwrap(),
            event_types: EventTypes::new(
                types
                    .iter()
                    .map(|t| EventTypePattern::parse(t).unwrap())
                    .collect(),
            )
            .unwrap(),
            filters: vec![],
            description: None,
            active: true,
            headers: CustomHeaders::default(),
            metadata: Metadata::new(),
            verification: crate::domain::Verification::Ping,
        }
    }

    fn tenant() -> TenantId {
        TenantId::parse("t1").unwrap()
    }

    #[test]
    fn the_conflict_key_ignores_the_order_of_event_types() {
        let a = Webhook::new(
            tenant(),
            spec("https://a.example/h", &["x", "y"]),
            WebhookSecret::generate(),
        );
        let b = Webhook::new(
            tenant(),
            spec("https://a.example/h", &["y", "x"]),
            WebhookSecret::generate(),
        );
        let c = Webhook::new(
            tenant(),
            spec("https://a.example/h", &["x"]),
            WebhookSecret::generate(),
        );
        assert_eq!(a.conflict_key(), b.conflict_key());
        assert_ne!(a.conflict_key(), c.conflict_key());
    }

    #[test]
    fn health_changes_move_the_counters_and_only_a_disable_moves_the_version() {
        let w = Webhook::new(
            tenant(),
            spec("https://a.example/h", &["x"]),
            WebhookSecret::generate(),
        );
        let t0 = Timestamp::from_millis(1_000_000_000_000).unwrap();
        let t1 = Timestamp::from_millis(1_000_000_060_000).unwrap();
        let failed = |at, disable: Option<&str>| HealthChange::Failed {
            at,
            content: "HTTP 500".into(),
            disable: disable.map(|reason| Disable {
                reason: reason.to_owned(),
                version: w.version,
            }),
        };
        let once = w.with_health(&failed(t0, None));
        let twice = once.with_health(&failed(t1, None));
        assert_eq!(twice.consecutive_failures, 2);
        assert_eq!(
            twice.failing_since,
            Some(t0),
            "the run began at the first failure"
        );
        assert_eq!(twice.version, w.version);
        let healed = twice.with_health(&HealthChange::Succeeded { at: t1 });
        assert_eq!(
            (healed.consecutive_failures, healed.failing_since),
            (0, None)
        );
        let off = once.with_health(&failed(t1, Some("gone")));
        assert!(!off.active && off.failed);
        assert_eq!(off.version, w.version + 1);
        let again = off.with_health(&failed(t1, Some("gone")));
        assert_eq!(
            again.version, off.version,
            "disabling a disabled webhook is no change"
        );
    }

    #[test]
    fn every_version_moves_updated_at_even_within_one_millisecond() {
        let w = Webhook::new(
            tenant(),
            spec("https://a.example/h", &["x"]),
            WebhookSecret::generate(),
        );
        let secrets = w.credentials.as_open().unwrap().clone();
        let mut last = w;
        for _ in 0..5 {
            let next = last.with_spec(&secrets, last.spec(&secrets));
            assert!(next.updated_at > last.updated_at);
            let rotated = next.with_rotated_secret(&secrets, WebhookSecret::generate(), None);
            assert!(rotated.updated_at > next.updated_at);
            last = next;
        }
    }

    #[test]
    fn reactivating_clears_the_failure_state() {
        let mut w = Webhook::new(
            tenant(),
            spec("https://a.example/h", &["x"]),
            WebhookSecret::generate(),
        );
        w.active = false;
        w.failed = true;
        w.disabled_reason = Some("failing for 5 days".into());
        w.consecutive_failures = 9;
        let secrets = w.credentials.as_open().unwrap().clone();
        let next = w.with_spec(&secrets, spec("https://a.example/h", &["x"]));
        assert!(next.active && !next.failed);
        assert_eq!(
            (
                next.disabled_reason,
                next.consecutive_failures,
                next.version
            ),
            (None, 0, 2)
        );
    }
}
