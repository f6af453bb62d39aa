//! The webhook: its writable fields (`WebhookSpec`) and the whole stored object.

use super::{
    CustomHeaders, EventType, EventTypes, Filter, TenantId, Timestamp, WebhookId, WebhookSecret,
};
use crate::url_guard::WebhookUrl;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub type Metadata = BTreeMap<String, String>;

pub const MAX_DESCRIPTION_LEN: usize = 1024;
pub const MAX_METADATA_ENTRIES: usize = 50;
pub const MAX_METADATA_KEY_LEN: usize = 64;
pub const MAX_METADATA_VALUE_LEN: usize = 1024;

/// The fields a user writes, already validated.
#[derive(Clone, Debug, PartialEq)]
pub struct WebhookSpec {
    pub url: WebhookUrl,
    pub event_types: EventTypes,
    pub filters: Vec<Filter>,
    pub description: Option<String>,
    pub active: bool,
    pub headers: CustomHeaders,
    pub metadata: Metadata,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Webhook {
    pub id: WebhookId,
    pub tenant: TenantId,
    pub url: WebhookUrl,
    pub event_types: EventTypes,
    pub filters: Vec<Filter>,
    pub description: Option<String>,
    pub active: bool,
    pub failed: bool,
    pub disabled_reason: Option<String>,
    pub headers: CustomHeaders,
    pub metadata: Metadata,
    pub secret: WebhookSecret,
    /// The secret replaced by the last rotation, still signing until `previous_secret_until`.
    pub previous_secret: Option<WebhookSecret>,
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
    /// Bumped on every write; stores refuse a write based on an older version.
    pub version: u64,
}

impl Webhook {
    pub fn new(tenant: TenantId, spec: WebhookSpec, secret: WebhookSecret) -> Self {
        let now = Timestamp::now();
        let WebhookSpec {
            url,
            event_types,
            filters,
            description,
            active,
            headers,
            metadata,
        } = spec;
        Self {
            id: WebhookId::new(),
            tenant,
            url,
            event_types,
            filters,
            description,
            active,
            failed: false,
            disabled_reason: None,
            headers,
            metadata,
            secret,
            previous_secret: None,
            previous_secret_until: None,
            created_at: now,
            updated_at: now,
            last_success_at: None,
            last_failure_at: None,
            last_failure_content: None,
            consecutive_failures: 0,
            failing_since: None,
            version: 1,
        }
    }

    pub fn spec(&self) -> WebhookSpec {
        WebhookSpec {
            url: self.url.clone(),
            event_types: self.event_types.clone(),
            filters: self.filters.clone(),
            description: self.description.clone(),
            active: self.active,
            headers: self.headers.clone(),
            metadata: self.metadata.clone(),
        }
    }

    /// This webhook with its writable fields replaced by `spec`, as the next version.
    /// Re-activating clears the failure state, so a fixed endpoint starts with a clean slate.
    pub fn with_spec(&self, spec: WebhookSpec) -> Self {
        let reactivated = !self.active && spec.active;
        let WebhookSpec {
            url,
            event_types,
            filters,
            description,
            active,
            headers,
            metadata,
        } = spec;
        let mut next = Self {
            url,
            event_types,
            filters,
            description,
            active,
            headers,
            metadata,
            updated_at: Timestamp::now(),
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

    /// The next version, after a successful attempt.
    pub fn after_success(&self, now: Timestamp) -> Self {
        Self {
            last_success_at: Some(now),
            consecutive_failures: 0,
            failing_since: None,
            version: self.version + 1,
            ..self.clone()
        }
    }

    /// The next version, after a failed attempt. It is disabled when the receiver answered
    /// 410 Gone, or when it has been failing, with no success, for `disable_after` or longer.
    pub fn after_failure(
        &self,
        now: Timestamp,
        content: String,
        gone: bool,
        disable_after: std::time::Duration,
    ) -> Self {
        let failing_since = self.failing_since.unwrap_or(now);
        let mut next = Self {
            last_failure_at: Some(now),
            last_failure_content: Some(content),
            consecutive_failures: self.consecutive_failures.saturating_add(1),
            failing_since: Some(failing_since),
            version: self.version + 1,
            ..self.clone()
        };
        let failing_for = u64::try_from(now.millis() - failing_since.millis()).unwrap_or(0);
        let reason = if gone {
            Some("the endpoint answered 410 Gone".to_owned())
        } else if u128::from(failing_for) >= disable_after.as_millis() {
            Some(format!(
                "failing with no success since {failing_since} ({} attempts)",
                next.consecutive_failures
            ))
        } else {
            None
        };
        if let Some(reason) = reason
            && next.active
        {
            next.active = false;
            next.failed = true;
            next.disabled_reason = Some(reason);
        }
        next
    }

    /// The next version with a new secret; the old one keeps signing until `overlap_until`.
    pub fn with_rotated_secret(&self, secret: WebhookSecret, overlap_until: Timestamp) -> Self {
        Self {
            previous_secret: Some(self.secret.clone()),
            previous_secret_until: Some(overlap_until),
            secret,
            updated_at: Timestamp::now(),
            version: self.version + 1,
            ..self.clone()
        }
    }

    /// Identifies "the same url for the same set of event types" within a tenant, which may
    /// be registered only once.
    pub fn conflict_key(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.url.as_str().as_bytes());
        for name in self.event_types.sorted() {
            hasher.update(b"\n");
            hasher.update(name.as_bytes());
        }
        hex::encode(hasher.finalize())
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
    fn failures_disable_after_the_period_or_at_once_on_410() {
        let w = Webhook::new(
            tenant(),
            spec("https://a.example/h", &["x"]),
            WebhookSecret::generate(),
        );
        let day = std::time::Duration::from_secs(86_400);
        let t0 = Timestamp::from_millis(1_000_000_000_000).unwrap();
        let t1 = Timestamp::from_millis(1_000_000_000_000 + 86_400_000 - 1).unwrap();
        let t2 = Timestamp::from_millis(1_000_000_000_000 + 86_400_000).unwrap();
        let once = w.after_failure(t0, "500".into(), false, day);
        assert!(once.active && once.consecutive_failures == 1);
        let later = once.after_failure(t1, "500".into(), false, day);
        assert!(later.active, "not yet failing for a whole day");
        let off = later.after_failure(t2, "500".into(), false, day);
        assert!(!off.active && off.failed && off.disabled_reason.is_some());
        let healed = once
            .after_success(t1)
            .after_failure(t2, "500".into(), false, day);
        assert!(healed.active, "a success restarts the period");
        let gone = w.after_failure(t0, "410".into(), true, day);
        assert!(!gone.active && gone.failed);
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
        let next = w.with_spec(spec("https://a.example/h", &["x"]));
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
