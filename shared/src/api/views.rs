//! What the API writes out: one serde type per resource, so every handler shows a resource the
// same way and no field is assembled by hand. Internal fields never appear.

use crate::domain::{
    ApiKey, ApiKeyId, ApiKeyRecord, CatalogEntry, CustomHeaders, Delivery, DeliveryStatus, Event,
    EventData, EventId, EventType, EventTypes, Execution, ExecutionId, Filter, Metadata,
    RequestStatus, Scope, Secrets, TenantId, Timestamp, Trigger, Verification, Webhook, WebhookId,
    WebhookUid,
};
use crate::url_guard::WebhookUrl;
use serde::Serialize;
use std::sync::Arc;

#[derive(Serialize)]
pub struct WebhookView<'a> {
    id: WebhookId,
    uid: Option<&'a WebhookUid>,
    url: &'a WebhookUrl,
    event_types: &'a EventTypes,
    filters: &'a [Filter],
    description: &'a Option<String>,
    active: bool,
    failed: bool,
    disabled_reason: &'a Option<String>,
    headers: ShownHeaders,
    metadata: &'a Metadata,
    verification: Verification,
    created_at: Timestamp,
    updated_at: Timestamp,
    last_success_at: Option<Timestamp>,
    last_failure_at: Option<Timestamp>,
    last_failure_content: &'a Option<String>,
    consecutive_failures: u32,
    /// Only in the answer to a create.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

/// Whether a caller sees custom header values: only with `webhooks:edit`, as a key that
/// cannot edit cannot read the secret either. The names are always shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderValues {
    Shown,
    Masked,
}

impl HeaderValues {
    pub fn for_scopes(scopes: crate::domain::Scopes) -> Self {
        if scopes.contains(Scope::WebhooksEdit) {
            Self::Shown
        } else {
            Self::Masked
        }
    }
}

/// What a masked header value reads.
pub const MASKED: &str = "********";

/// A webhook's custom headers as a caller is shown them.
pub enum ShownHeaders {
    /// Names and values: a caller with `webhooks:edit`, the credentials opened.
    Values(Arc<Secrets>),
    /// Names only, each value `MASKED`: a caller that may not see the values, or credentials
    /// that do not open.
    Masked(Vec<String>),
}

impl ShownHeaders {
    /// From the webhook's opened secrets, for a caller that sees values as `values`.
    pub fn opened(secrets: &Arc<Secrets>, values: HeaderValues) -> Self {
        match values {
            HeaderValues::Shown => Self::Values(secrets.clone()),
            HeaderValues::Masked => Self::Masked(secrets.headers.names()),
        }
    }
}

impl Serialize for ShownHeaders {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Values(secrets) => serializer.collect_map(secrets.headers.iter()),
            Self::Masked(names) => serializer.collect_map(names.iter().map(|name| (name, MASKED))),
        }
    }
}

impl<'a> WebhookView<'a> {
    /// The webhook without its secret, its headers shown as `headers`.
    pub fn new(w: &'a Webhook, headers: ShownHeaders) -> Self {
        Self {
            id: w.id,
            uid: w.uid.as_ref(),
            url: &w.url,
            event_types: &w.event_types,
            filters: &w.filters,
            description: &w.description,
            active: w.active,
            failed: w.failed,
            disabled_reason: &w.disabled_reason,
            headers,
            metadata: &w.metadata,
            verification: w.verification,
            created_at: w.created_at,
            updated_at: w.updated_at,
            last_success_at: w.last_success_at,
            last_failure_at: w.last_failure_at,
            last_failure_content: &w.last_failure_content,
            consecutive_failures: w.consecutive_failures,
            secret: None,
        }
    }

    /// The webhook with its secret: the answer to a create.
    pub fn with_secret(w: &'a Webhook, secrets: &Arc<Secrets>, values: HeaderValues) -> Self {
        Self {
            secret: Some(secrets.secret.expose()),
            ..Self::new(w, ShownHeaders::opened(secrets, values))
        }
    }
}

#[derive(Serialize)]
pub struct SecretView {
    pub secret: String,
}

/// What a receiver's answer (`response_body`) may show a caller: a receiver that echoes the
/// request puts the webhook's custom header values there, so a caller that sees them masked
/// sees them masked there too.
#[derive(Clone, Debug)]
pub enum ResponseBodies {
    Shown,
    /// Each of these values (the webhook's header values, as stored) reads `MASKED`.
    Redacted(Vec<String>),
    /// The header values could not be read (the webhook's credentials do not open): no
    /// answer is shown at all, as it could hold them.
    Hidden,
}

impl ResponseBodies {
    /// For a caller that sees header values as `values`, of a webhook with these headers
    /// (`None`: they could not be read).
    pub fn new(values: HeaderValues, headers: Option<&CustomHeaders>) -> Self {
        match (values, headers) {
            (HeaderValues::Shown, _) => Self::Shown,
            (HeaderValues::Masked, None) => Self::Hidden,
            (HeaderValues::Masked, Some(headers)) => {
                let mut secrets: Vec<String> = headers
                    .iter()
                    .map(|(_, value)| value.clone())
                    .filter(|value| !value.is_empty())
                    .collect();
                // The longest first: a value that holds another is masked whole.
                secrets.sort_by_key(|value| std::cmp::Reverse(value.len()));
                Self::Redacted(secrets)
            }
        }
    }

    fn show<'a>(&self, body: &'a Option<String>) -> Option<std::borrow::Cow<'a, str>> {
        let body = body.as_deref()?;
        match self {
            Self::Shown => Some(body.into()),
            Self::Hidden => Some(MASKED.into()),
            Self::Redacted(values) => {
                let mut shown = std::borrow::Cow::Borrowed(body);
                for value in values {
                    if shown.contains(value.as_str()) {
                        shown = shown.replace(value.as_str(), MASKED).into();
                    }
                }
                Some(shown)
            }
        }
    }
}

#[derive(Serialize)]
pub struct ExecutionView<'a> {
    id: ExecutionId,
    webhook_id: WebhookId,
    event_id: EventId,
    event_type: &'a EventType,
    attempt: u32,
    trigger: Trigger,
    created_at: Timestamp,
    duration_ms: u64,
    request_status: RequestStatus,
    response_status: Option<u16>,
    error_message: &'a Option<String>,
    response_body: Option<std::borrow::Cow<'a, str>>,
    url: &'a str,
    next_attempt_at: Option<Timestamp>,
}

impl<'a> ExecutionView<'a> {
    /// The execution, its receiver's answer shown whole.
    pub fn new(e: &'a Execution) -> Self {
        Self::showing(e, &ResponseBodies::Shown)
    }

    /// The execution, its receiver's answer shown as `bodies` says.
    pub fn showing(e: &'a Execution, bodies: &ResponseBodies) -> Self {
        Self {
            id: e.id,
            webhook_id: e.webhook_id,
            event_id: e.event_id,
            event_type: &e.event_type,
            attempt: e.attempt,
            trigger: e.trigger,
            created_at: e.created_at,
            duration_ms: e.duration_ms,
            request_status: e.request_status,
            response_status: e.response_status,
            error_message: &e.error_message,
            response_body: bodies.show(&e.response_body),
            url: &e.url,
            next_attempt_at: e.next_attempt_at,
        }
    }

    /// As a JSON value, for the `execution` member of a `ping_failed` problem.
    pub fn to_value(e: &'a Execution) -> serde_json::Value {
        serde_json::to_value(Self::new(e)).unwrap_or_default()
    }
}

#[derive(Serialize)]
pub struct EventView<'a> {
    id: EventId,
    event_type: &'a EventType,
    data: &'a EventData,
    created_at: Timestamp,
    deliveries: Vec<DeliveryView>,
}

impl<'a> EventView<'a> {
    pub fn new(event: &'a Event, deliveries: &[Delivery]) -> Self {
        Self {
            id: event.id,
            event_type: &event.event_type,
            data: &event.data,
            created_at: event.created_at,
            deliveries: deliveries.iter().map(DeliveryView::new).collect(),
        }
    }
}

#[derive(Serialize)]
pub struct DeliveryView {
    webhook_id: WebhookId,
    status: DeliveryStatus,
    attempts: u32,
    next_attempt_at: Option<Timestamp>,
}

impl DeliveryView {
    fn new(d: &Delivery) -> Self {
        Self {
            webhook_id: d.webhook_id,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
        }
    }
}

/// An event in the events list: `data` only when asked for.
#[derive(Serialize)]
pub struct ListedEventView<'a> {
    id: EventId,
    event_type: &'a EventType,
    created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a EventData>,
}

impl<'a> ListedEventView<'a> {
    pub fn new(e: &'a crate::domain::ListedEvent) -> Self {
        Self {
            id: e.id,
            event_type: &e.event_type,
            created_at: e.created_at,
            data: e.data.as_ref(),
        }
    }
}

/// The answer to a recover.
#[derive(Serialize)]
pub struct RecoverQueuedView {
    pub queued: u64,
}

/// A webhook's stats over a window.
#[derive(Serialize)]
pub struct StatsView {
    pub since: Timestamp,
    pub until: Timestamp,
    pub deliveries: DeliveryCounts,
    pub attempts: AttemptCounts,
}

/// Deliveries by where they stand.
#[derive(Serialize, Debug, Default, PartialEq, Eq)]
pub struct DeliveryCounts {
    pub succeeded: u64,
    pub failed: u64,
    pub pending: u64,
    pub dropped: u64,
}

/// Attempts by outcome.
#[derive(Serialize, Debug, Default, PartialEq, Eq)]
pub struct AttemptCounts {
    pub success: u64,
    pub error: u64,
}

/// The answer to a manual retry.
#[derive(Serialize)]
pub struct RetryQueuedView {
    pub event_id: EventId,
    pub webhook_id: WebhookId,
    pub attempt: u32,
}

/// An API key as listed: never its text, only the first characters to tell keys apart.
#[derive(Serialize)]
pub struct KeyView<'a> {
    id: ApiKeyId,
    tenant: Option<&'a TenantId>,
    name: Option<&'a str>,
    scopes: Vec<&'static str>,
    prefix: &'a str,
    created_at: Timestamp,
    expires_at: Option<Timestamp>,
}

impl<'a> KeyView<'a> {
    pub fn new(record: &'a ApiKeyRecord) -> Self {
        Self {
            id: record.id,
            tenant: record.owner.tenant(),
            name: record.name.as_deref(),
            scopes: record.scopes.iter().map(Scope::as_str).collect(),
            prefix: &record.prefix,
            created_at: record.created_at,
            expires_at: record.expires_at,
        }
    }
}

/// A key just created: the only answer that holds its text.
#[derive(Serialize)]
pub struct CreatedKeyView<'a> {
    #[serde(flatten)]
    view: KeyView<'a>,
    key: &'a str,
}

impl<'a> CreatedKeyView<'a> {
    pub fn new(record: &'a ApiKeyRecord, key: &'a ApiKey) -> Self {
        Self {
            view: KeyView::new(record),
            key: key.expose(),
        }
    }
}

/// A portal session: its key's id (to revoke it as any key), the token, and the page's URL
/// with the token in its fragment.
#[derive(Serialize)]
pub struct PortalSessionView<'a> {
    id: ApiKeyId,
    tenant: Option<&'a TenantId>,
    scopes: Vec<&'static str>,
    token: &'a str,
    expires_at: Option<Timestamp>,
    url: String,
}

impl<'a> PortalSessionView<'a> {
    pub fn new(record: &'a ApiKeyRecord, key: &'a ApiKey, url: String) -> Self {
        let view = KeyView::new(record);
        Self {
            id: view.id,
            tenant: view.tenant,
            scopes: view.scopes,
            token: key.expose(),
            expires_at: view.expires_at,
            url,
        }
    }
}

/// An event type of the catalog.
#[derive(Serialize)]
pub struct CatalogEntryView<'a> {
    name: &'a EventType,
    description: &'a str,
    schema: Option<&'a serde_json::Value>,
    example: Option<&'a serde_json::Value>,
    archived: bool,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl<'a> CatalogEntryView<'a> {
    pub fn new(entry: &'a CatalogEntry) -> Self {
        Self {
            name: &entry.name,
            description: &entry.description,
            schema: entry.schema.as_ref(),
            example: entry.example.as_ref(),
            archived: entry.archived,
            created_at: entry.created_at,
            updated_at: entry.updated_at,
        }
    }
}

/// A tenant's settings as stored (`null`: the deployment's default), and what holds.
#[derive(Serialize)]
pub struct TenantSettingsView {
    #[serde(flatten)]
    settings: crate::tenant_settings::TenantSettings,
    effective: crate::tenant_settings::Effective,
}

impl TenantSettingsView {
    pub fn new(settings: crate::tenant_settings::TenantSettings, config: &crate::Config) -> Self {
        Self {
            settings,
            effective: settings.effective(config),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_show_their_values_only_to_a_caller_that_sees_them() {
        let secrets = Arc::new(Secrets {
            secret: crate::domain::WebhookSecret::generate(),
            previous_secret: None,
            headers: CustomHeaders::parse([("x-token".to_owned(), "abc".to_owned())].into())
                .unwrap(),
        });
        let shown = |values| serde_json::to_value(ShownHeaders::opened(&secrets, values)).unwrap();
        assert_eq!(
            shown(HeaderValues::Shown),
            serde_json::json!({"x-token": "abc"})
        );
        assert_eq!(
            shown(HeaderValues::Masked),
            serde_json::json!({"x-token": MASKED})
        );
    }

    #[test]
    fn a_masked_callers_answers_have_the_header_values_masked() {
        let headers = CustomHeaders::parse(
            [
                ("authorization".to_owned(), "Bearer abc".to_owned()),
                ("x-short".to_owned(), "abc".to_owned()),
            ]
            .into(),
        )
        .unwrap();
        let body = Some(r#"{"echo":{"authorization":"Bearer abc","x":"abc"}}"#.to_owned());
        let redacted = ResponseBodies::new(HeaderValues::Masked, Some(&headers));
        assert_eq!(
            redacted.show(&body).unwrap(),
            r#"{"echo":{"authorization":"********","x":"********"}}"#
        );
        let shown = ResponseBodies::new(HeaderValues::Shown, Some(&headers));
        assert_eq!(shown.show(&body).as_deref(), body.as_deref());
        let hidden = ResponseBodies::new(HeaderValues::Masked, None);
        assert_eq!(hidden.show(&body).unwrap(), MASKED);
        assert_eq!(hidden.show(&None), None);
    }
}
