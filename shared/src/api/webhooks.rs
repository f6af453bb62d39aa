//! The webhook registry: create, list, get, PATCH/PUT, delete and read the secret.

use super::ApiError;
use super::call::{Call, find};
use super::credentials::{opened, shown_headers};
use super::pagination::{Cursor, bounded_page, fill_page, page_params};
use super::request::{ApiResponse, Body, Query, empty_response, json_len, json_response};
use super::views::{ExecutionView, HeaderValues, SecretView, ShownHeaders, WebhookView};
use crate::domain::webhook_limits::*;
use crate::domain::{
    CustomHeaders, DeliveryAttempt, EventType, EventTypePattern, EventTypes, Execution, FieldError,
    Filter, Metadata, Secrets, Trigger, Verification, Webhook, WebhookId, WebhookSecret,
    WebhookSpec, WebhookUid,
};
use crate::store::{StoreError, WebhookQuota};
use crate::url_guard::{UrlError, UrlPolicy, WebhookUrl};
use http::{HeaderValue, StatusCode, header};
use serde_json::Value;
use std::collections::BTreeMap;

/// How often a write is retried when the webhook changed between read and write.
const WRITE_ATTEMPTS: usize = 5;

const WRITABLE: &[&str] = &[
    "uid",
    "url",
    "event_types",
    "filters",
    "description",
    "active",
    "headers",
    "metadata",
    "verification",
    "verify",
];
/// A create takes a secret too; an update refuses one (`SECRET_ON_UPDATE`).
const CREATE_ONLY: &[&str] = &["secret"];
const READ_ONLY: &[(&str, &str)] = &[
    ("id", "is read-only"),
    ("failed", "is read-only"),
    ("disabled_reason", "is read-only"),
    ("created_at", "is read-only"),
    ("updated_at", "is read-only"),
    ("last_success_at", "is read-only"),
    ("last_failure_at", "is read-only"),
    ("last_failure_content", "is read-only"),
    ("consecutive_failures", "is read-only"),
];
/// PATCH and PUT cannot set the secret: rotation has its own route.
const SECRET_ON_UPDATE: (&str, &str) = (
    "secret",
    "cannot be changed here; use POST /v1/webhooks/{id}/secret/rotate",
);

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FilterIn {
    path: String,
    any_of: Vec<Value>,
}

/// The writable fields a body gave, each already parsed into its domain type.
#[derive(Clone, Default)]
struct Given {
    /// `Some(None)`: PATCH removes the uid.
    uid: Option<Option<WebhookUid>>,
    url: Option<WebhookUrl>,
    /// Why the url was refused by the URL rules (`url_not_allowed`, not a format error).
    url_refused: Option<String>,
    event_types: Option<EventTypes>,
    filters: Option<Vec<Filter>>,
    description: Option<Option<String>>,
    active: Option<bool>,
    headers: Option<CustomHeaders>,
    metadata: Option<Metadata>,
    verification: Option<Verification>,
    /// Ping the endpoint before the change takes effect (default true; not stored).
    verify: Option<bool>,
}

/// A URL whose name resolves to a forbidden address now is refused like a forbidden literal.
async fn screen_name(call: &Call<'_>, given: &mut Given) {
    if let Some(url) = &given.url
        && let Err(why) = call.ctx.http.screen(url).await
    {
        given.url = None;
        given.url_refused = Some(why);
    }
}

/// The writable fields of a body, in the order their problems are listed.
fn parse_given(body: &mut Body, policy: &UrlPolicy) -> Given {
    let mut given = Given::default();
    if let Some(uid) = body.take_nullable::<String>("uid") {
        match uid.map(|u| WebhookUid::parse(&u)).transpose() {
            Ok(uid) => given.uid = Some(uid),
            Err(why) => body.error("uid", why),
        }
    }
    if let Some(text) = body.take::<String>("url") {
        match WebhookUrl::parse(&text, policy) {
            Ok(url) => given.url = Some(url),
            Err(UrlError::Invalid(why)) => body.error("url", why),
            Err(UrlError::NotAllowed(why)) => given.url_refused = Some(why),
        }
    }
    given.event_types = take_event_types(body);
    given.filters = take_filters(body);
    if let Some(description) = body.take_nullable::<String>("description") {
        match description {
            Some(d) if d.chars().count() > MAX_DESCRIPTION_LEN => {
                body.error(
                    "description",
                    format!("must be at most {MAX_DESCRIPTION_LEN} characters"),
                );
            }
            other => given.description = Some(other),
        }
    }
    given.active = body.take::<bool>("active");
    given.headers = take_headers(body);
    given.metadata = take_metadata(body);
    if let Some(text) = body.take::<String>("verification") {
        match Verification::parse(&text) {
            Some(v) => given.verification = Some(v),
            None => body.error("verification", "must be ping or handshake"),
        }
    }
    given.verify = body.take::<bool>("verify");
    given
}

fn take_event_types(body: &mut Body) -> Option<EventTypes> {
    let names = body.take::<Vec<String>>("event_types")?;
    let mut patterns = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match EventTypePattern::parse(name) {
            Ok(p) => patterns.push(p),
            Err(why) => body.error(format!("event_types[{i}]"), why),
        }
    }
    if patterns.len() != names.len() {
        return None;
    }
    EventTypes::new(patterns)
        .map_err(|why| body.error("event_types", why))
        .ok()
}

fn take_filters(body: &mut Body) -> Option<Vec<Filter>> {
    let filters = body.take::<Vec<FilterIn>>("filters")?;
    if filters.len() > crate::domain::MAX_FILTERS {
        body.error(
            "filters",
            format!("at most {} filters", crate::domain::MAX_FILTERS),
        );
        return None;
    }
    let mut parsed = Vec::new();
    for (i, f) in filters.into_iter().enumerate() {
        match Filter::parse(f.path, f.any_of) {
            Ok(filter) => parsed.push(filter),
            Err(why) => body.error(format!("filters[{i}]"), why),
        }
    }
    Some(parsed)
}

fn take_headers(body: &mut Body) -> Option<CustomHeaders> {
    let raw = body.take::<BTreeMap<String, String>>("headers")?;
    match CustomHeaders::parse(raw) {
        Ok(headers) => Some(headers),
        Err(errors) => {
            for (name, why) in errors {
                let field = if name.is_empty() {
                    "headers".to_owned()
                } else {
                    format!("headers.{name}")
                };
                body.error(field, why);
            }
            None
        }
    }
}

fn take_metadata(body: &mut Body) -> Option<Metadata> {
    let metadata = body.take::<Metadata>("metadata")?;
    let before = body.errors().len();
    if metadata.len() > MAX_METADATA_ENTRIES {
        body.error(
            "metadata",
            format!("at most {MAX_METADATA_ENTRIES} entries"),
        );
    }
    for (key, value) in &metadata {
        if key.is_empty() || key.chars().count() > MAX_METADATA_KEY_LEN {
            body.error(
                format!("metadata.{key}"),
                format!("keys are 1 to {MAX_METADATA_KEY_LEN} characters"),
            );
        } else if value.chars().count() > MAX_METADATA_VALUE_LEN {
            body.error(
                format!("metadata.{key}"),
                format!("values are at most {MAX_METADATA_VALUE_LEN} characters"),
            );
        }
    }
    (body.errors().len() == before).then_some(metadata)
}

/// Fails with every recorded problem; a refused url alone is `url_not_allowed`.
fn finish(body: Body, url_refused: Option<String>) -> Result<(), ApiError> {
    let mut errors = body.into_errors();
    match (errors.is_empty(), url_refused) {
        (true, None) => Ok(()),
        (true, Some(why)) => Err(ApiError::UrlNotAllowed(why)),
        (false, refused) => {
            if let Some(why) = refused {
                errors.push(FieldError::new("url", why));
            }
            Err(ApiError::Validation(errors))
        }
    }
}

/// Every field within its own limit can still make a webhook too large: its filters,
/// metadata, headers and description together are refused past `MAX_WEBHOOK_FIELDS_BYTES`,
/// as a whole, before anything is written.
fn within_size(spec: &WebhookSpec) -> Result<(), ApiError> {
    let size = json_len(&spec.filters)
        + json_len(&spec.metadata)
        + json_len(&spec.headers)
        + spec.description.as_ref().map_or(0, json_len);
    if size > MAX_WEBHOOK_FIELDS_BYTES {
        return Err(ApiError::validation(
            "",
            format!(
                "filters, metadata, headers and description take {size} bytes together as \
                 JSON; at most {MAX_WEBHOOK_FIELDS_BYTES} are allowed"
            ),
        ));
    }
    Ok(())
}

/// A whole spec from a create or PUT body: `url` and `event_types` required, the rest
/// defaulting (no filters, headers or metadata, no description, active).
fn whole_spec(mut body: Body, given: Given) -> Result<WebhookSpec, ApiError> {
    if given.url.is_none()
        && given.url_refused.is_none()
        && !body.errors().iter().any(|e| e.field == "url")
    {
        body.error("url", "is required");
    }
    if given.event_types.is_none()
        && !body
            .errors()
            .iter()
            .any(|e| e.field.starts_with("event_types"))
    {
        body.error("event_types", "is required");
    }
    finish(body, given.url_refused)?;
    let (Some(url), Some(event_types)) = (given.url, given.event_types) else {
        return Err(ApiError::validation("url", "is required"));
    };
    Ok(WebhookSpec {
        uid: given.uid.flatten(),
        url,
        event_types,
        filters: given.filters.unwrap_or_default(),
        description: given.description.flatten(),
        active: given.active.unwrap_or(true),
        headers: given.headers.unwrap_or_default(),
        metadata: given.metadata.unwrap_or_default(),
        verification: given.verification.unwrap_or_default(),
    })
}

fn patched_spec(current: WebhookSpec, given: Given) -> WebhookSpec {
    WebhookSpec {
        uid: given.uid.unwrap_or(current.uid),
        url: given.url.unwrap_or(current.url),
        event_types: given.event_types.unwrap_or(current.event_types),
        filters: given.filters.unwrap_or(current.filters),
        description: given.description.unwrap_or(current.description),
        active: given.active.unwrap_or(current.active),
        headers: given.headers.unwrap_or(current.headers),
        metadata: given.metadata.unwrap_or(current.metadata),
        verification: given.verification.unwrap_or(current.verification),
    }
}

pub async fn create(call: Call<'_>) -> Result<ApiResponse, ApiError> {
    let allowed = [WRITABLE, CREATE_ONLY].concat();
    let mut body = Body::parse(&call.request.body, &allowed, READ_ONLY)?;
    let secret = match body.take::<String>("secret") {
        Some(text) => match WebhookSecret::parse(&text) {
            Ok(secret) => Some(secret),
            Err(why) => {
                body.error("secret", why);
                None
            }
        },
        None => None,
    };
    let mut given = parse_given(&mut body, call.ctx.url_policy());
    screen_name(&call, &mut given).await;
    let verify = given.verify.unwrap_or(true);
    let spec = whole_spec(body, given)?;
    within_size(&spec)?;
    subscribable(&call, &spec.event_types).await?;
    let mut webhook = Webhook::new(
        call.caller.tenant.clone(),
        spec,
        secret.unwrap_or_else(WebhookSecret::generate),
    );
    let secrets = opened(&call, &webhook).await?;
    if verify {
        verify_endpoint(&call, &webhook, &secrets).await?;
    } else {
        webhook.unverified = true;
    }
    let quota = quota(&call);
    match call.ctx.webhooks.insert(&webhook, quota).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => return Err(ApiError::WebhookConflict),
        Err(StoreError::LimitReached) => {
            let max = quota.webhooks;
            return Err(ApiError::validation(
                "",
                format!("this tenant already holds the maximum of {max} webhooks"),
            ));
        }
        Err(StoreError::UnverifiedLimitReached) => return Err(too_many_unverified(quota)),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(tenant = %webhook.tenant, webhook_id = %webhook.id, "webhook created");
    let mut response = json_response(
        StatusCode::CREATED,
        &WebhookView::with_secret(&webhook, &secrets, header_values(&call)),
    );
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/webhooks/{}", webhook.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

pub async fn list(call: Call<'_>) -> Result<ApiResponse, ApiError> {
    let query = Query::parse(
        call.request.query.as_deref(),
        &["limit", "cursor", "event_type", "active", "uid"],
    )?;
    let mut errors = Vec::new();
    let (limit, cursor) = page_params(&query, WebhookId::parse, &mut errors);
    let uid = match query.get("uid").map(WebhookUid::parse) {
        Some(Err(why)) => {
            errors.push(FieldError::new("uid", why));
            None
        }
        Some(Ok(uid)) => Some(uid),
        None => None,
    };
    let event_type = match query.get("event_type").map(EventType::parse) {
        Some(Err(why)) => {
            errors.push(FieldError::new("event_type", why));
            None
        }
        Some(Ok(t)) => Some(t),
        None => None,
    };
    let active = match query.get("active") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            errors.push(FieldError::new("active", "must be true or false"));
            None
        }
    };
    let Some(limit) = limit.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };

    // Filtered pages are filled chunk by chunk, so `limit` is honoured whatever matches.
    let filtered = event_type.is_some() || active.is_some();
    let wanted = |w: &Webhook| {
        active.is_none_or(|a| w.active == a)
            && event_type.as_ref().is_none_or(|t| w.event_types.matches(t))
    };
    let (ctx, tenant) = (call.ctx, &call.caller.tenant);
    let (page, next) = match uid {
        // One webhook at most: the one with this uid, if the other filters keep it.
        Some(uid) => {
            let found = match ctx.webhooks.find_uid(tenant, &uid).await? {
                Some(id) => ctx.webhooks.get(tenant, &id).await?,
                None => None,
            };
            let after = cursor;
            let page: Vec<Webhook> = found
                .into_iter()
                .filter(|w| wanted(w) && after.is_none_or(|a| w.id > a))
                .collect();
            (page, None)
        }
        None => {
            fill_page(
                cursor,
                limit,
                filtered,
                |w: &Webhook| w.id,
                wanted,
                |after, n| async move { ctx.webhooks.list(tenant, after.as_ref(), n).await },
            )
            .await?
        }
    };
    let shown = futures::future::try_join_all(page.iter().map(|w| shown_headers(&call, w))).await?;
    let page = bounded_page(
        page.iter().zip(shown),
        next.map(Cursor::after),
        |(w, _)| Cursor::after(w.id),
        |(w, headers)| WebhookView::new(w, headers),
    );
    Ok(json_response(StatusCode::OK, &page))
}

/// With the catalog enforced, every pattern must match a catalogued, unarchived type.
async fn subscribable(call: &Call<'_>, patterns: &EventTypes) -> Result<(), ApiError> {
    let ctx = call.ctx;
    if ctx.config.catalog == crate::domain::CatalogMode::Open {
        return Ok(());
    }
    let catalog = ctx.catalog_cache.current(ctx.catalog.as_ref()).await?;
    let failures = catalog.check_subscription(ctx.config.catalog, patterns);
    if failures.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(failures))
    }
}

/// Whether the caller sees custom header values.
fn header_values(call: &Call<'_>) -> HeaderValues {
    HeaderValues::for_scopes(call.caller.scopes)
}

pub async fn get(call: Call<'_>, id: &str) -> Result<ApiResponse, ApiError> {
    let webhook = find(&call, id).await?;
    let view = WebhookView::new(&webhook, shown_headers(&call, &webhook).await?);
    Ok(json_response(StatusCode::OK, &view))
}

pub enum UpdateKind {
    Patch,
    Put,
}

pub async fn update(call: Call<'_>, id: &str, kind: UpdateKind) -> Result<ApiResponse, ApiError> {
    // Look the webhook up first: another tenant's id is 404 whatever the body says.
    find(&call, id).await?;
    let refused = [READ_ONLY, &[SECRET_ON_UPDATE]].concat();
    let mut body = Body::parse(&call.request.body, WRITABLE, &refused)?;
    let mut given = parse_given(&mut body, call.ctx.url_policy());
    screen_name(&call, &mut given).await;
    let verify = given.verify.unwrap_or(true);
    let change = match kind {
        UpdateKind::Put => Change::Replace(whole_spec(body, given)?),
        UpdateKind::Patch => {
            finish(body, given.url_refused.take())?;
            Change::Patch(given)
        }
    };
    let call = &call;
    let change = &change;
    let (next, secrets) = write_fresh(call, id, "update", |current| async move {
        let secrets = opened(call, &current).await?;
        let spec = match change {
            Change::Replace(spec) => spec.clone(),
            Change::Patch(given) => patched_spec(current.spec(&secrets), given.clone()),
        };
        within_size(&spec)?;
        let next = current.with_spec(&secrets, spec);
        let secrets = opened(call, &next).await?;
        if next.event_types != current.event_types {
            subscribable(call, &next.event_types).await?;
        }
        // A new endpoint, a re-activated one, or a stricter proof is verified first.
        let moved = next.url != current.url
            || (next.active && !current.active)
            || (next.verification == Verification::Handshake
                && current.verification != Verification::Handshake);
        let mut next = next;
        if verify && moved {
            verify_endpoint(call, &next, &secrets).await?;
            next.unverified = false;
        } else if next.url != current.url {
            // A new endpoint taken on trust.
            next.unverified = true;
        }
        let quota = quota(call);
        match call
            .ctx
            .webhooks
            .update(&current, &next, quota.unverified)
            .await
        {
            Ok(()) => Ok(Some((next, secrets))),
            Err(StoreError::Stale) => Ok(None),
            Err(StoreError::Conflict) => Err(ApiError::WebhookConflict),
            Err(StoreError::UnverifiedLimitReached) => Err(too_many_unverified(quota)),
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    tracing::info!(tenant = %next.tenant, webhook_id = %next.id, "webhook updated");
    let view = WebhookView::new(&next, ShownHeaders::opened(&secrets, header_values(call)));
    Ok(json_response(StatusCode::OK, &view))
}

/// The registry's one retry-when-stale loop: reads the webhook, lets `write` try its change on
/// what was read, and when the webhook changed in between (`write` answers `None`), applies the
/// same change to the newer version.
async fn write_fresh<T, F, Fut>(
    call: &Call<'_>,
    id: &str,
    what: &str,
    mut write: F,
) -> Result<T, ApiError>
where
    F: FnMut(Webhook) -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, ApiError>>,
{
    for _ in 0..WRITE_ATTEMPTS {
        let current = find(call, id).await?;
        if let Some(done) = write(current).await? {
            return Ok(done);
        }
    }
    tracing::error!(
        webhook_id = id,
        what,
        "webhook kept changing during the write"
    );
    Err(ApiError::Internal)
}

enum Change {
    Replace(WebhookSpec),
    Patch(Given),
}

pub async fn delete(call: Call<'_>, id: &str) -> Result<ApiResponse, ApiError> {
    let ctx = call.ctx;
    let webhook = write_fresh(&call, id, "delete", |webhook| async move {
        match ctx.webhooks.delete(&webhook).await {
            Ok(()) => Ok(Some(webhook)),
            Err(StoreError::Stale) => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    tracing::info!(tenant = %webhook.tenant, webhook_id = %webhook.id, "webhook deleted");
    // An attempt that found the webhook before the delete starts within this time of
    // finding it, or finds it gone: after the answer, none starts.
    let settles = std::time::Duration::from_millis(crate::delivery::DELETE_SETTLES_MS);
    tokio::time::sleep(settles).await;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

pub async fn get_secret(call: Call<'_>, id: &str) -> Result<ApiResponse, ApiError> {
    let webhook = find(&call, id).await?;
    let secrets = opened(&call, &webhook).await?;
    Ok(json_response(
        StatusCode::OK,
        &SecretView {
            secret: secrets.secret.expose(),
        },
    ))
}

/// The deployment's webhook quotas (`max_unverified_webhooks` 0: no limit), which the store
/// checks in the write that would pass them.
fn quota(call: &Call<'_>) -> WebhookQuota {
    let config = &call.ctx.config;
    let unverified = config.max_unverified_webhooks;
    WebhookQuota {
        webhooks: config.max_webhooks_per_tenant,
        unverified: (unverified > 0).then_some(unverified),
    }
}

fn too_many_unverified(quota: WebhookQuota) -> ApiError {
    ApiError::TooManyUnverified(quota.unverified.unwrap_or_default())
}

/// Sends a signed `webhook.ping` to the (new) endpoint: anything but a 2xx in time refuses the
/// change, which is then not made.
async fn verify_endpoint(
    call: &Call<'_>,
    webhook: &Webhook,
    secrets: &Secrets,
) -> Result<(), ApiError> {
    let verified = crate::delivery::ping::verify(call.ctx, webhook, secrets).await;
    verified.map_err(ApiError::EndpointVerificationFailed)
}

/// Sends a ping now and records it as an execution.
pub async fn ping(call: Call<'_>, id: &str) -> Result<ApiResponse, ApiError> {
    let webhook = find(&call, id).await?;
    let secrets = opened(&call, &webhook).await?;
    let (event, outcome) = crate::delivery::ping::ping(call.ctx, &webhook, &secrets).await;
    let now = crate::domain::Timestamp::now();
    let of = DeliveryAttempt {
        tenant: webhook.tenant.clone(),
        event_id: event.id,
        event_type: event.event_type,
        webhook_id: webhook.id,
        attempt: 1,
        trigger: Trigger::Ping,
    };
    let execution = Execution::from_attempt(&of, webhook.url.as_str(), &outcome, now, None);
    let expires_at = call.ctx.records_expire_at(now);
    call.ctx.executions.insert(&execution, expires_at).await?;
    if outcome.succeeded() {
        Ok(json_response(
            StatusCode::OK,
            &ExecutionView::new(&execution),
        ))
    } else {
        Err(ApiError::PingFailed(Box::new(ExecutionView::to_value(
            &execution,
        ))))
    }
}

/// What a rotation asks for: how long the old secret still signs, and the new secret.
struct Rotation {
    grace: std::time::Duration,
    secret: Option<WebhookSecret>,
}

impl Rotation {
    /// From an optional body `{"grace"?, "secret"?}`; no body is the defaults.
    fn parse(bytes: &[u8]) -> Result<Self, ApiError> {
        use crate::delivery::sign::{DEFAULT_ROTATION_GRACE, MAX_ROTATION_GRACE};
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self {
                grace: DEFAULT_ROTATION_GRACE,
                secret: None,
            });
        }
        let mut body = Body::parse(bytes, &["grace", "secret"], &[])?;
        let grace = match body.take::<String>("grace") {
            None => Some(DEFAULT_ROTATION_GRACE),
            Some(text) => match humantime::parse_duration(text.trim()) {
                Ok(grace) if grace <= MAX_ROTATION_GRACE => Some(grace),
                _ => {
                    body.error(
                        "grace",
                        "must be a duration from \"0s\" to \"7d\" (such as \"90m\" or \"24h\")",
                    );
                    None
                }
            },
        };
        let secret = body.take_parsed("secret", WebhookSecret::parse);
        let errors = body.into_errors();
        match grace {
            Some(grace) if errors.is_empty() => Ok(Self { grace, secret }),
            _ => Err(ApiError::Validation(errors)),
        }
    }
}

/// A new secret; the old one keeps signing (as a second signature) for the grace.
pub async fn rotate_secret(call: Call<'_>, id: &str) -> Result<ApiResponse, ApiError> {
    let ctx = call.ctx;
    let rotation = Rotation::parse(&call.request.body)?;
    let (rotation, call) = (&rotation, &call);
    let (next, secret) = write_fresh(call, id, "rotation", |current| async move {
        let secrets = opened(call, &current).await?;
        let secret = match &rotation.secret {
            Some(given) if given == &secrets.secret => {
                return Err(ApiError::validation(
                    "secret",
                    "is the current secret; give a new one",
                ));
            }
            Some(given) => given.clone(),
            None => WebhookSecret::generate(),
        };
        let now = crate::domain::Timestamp::now();
        let until = (!rotation.grace.is_zero()).then(|| now.plus(rotation.grace));
        let next = current.with_rotated_secret(&secrets, secret.clone(), until);
        // A rotation leaves the endpoint as it was: no quota to check.
        match ctx.webhooks.update(&current, &next, None).await {
            Ok(()) => Ok(Some((next, secret))),
            Err(StoreError::Stale) => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    tracing::info!(tenant = %next.tenant, webhook_id = %next.id, "secret rotated");
    Ok(json_response(
        StatusCode::OK,
        &SecretView {
            secret: secret.expose(),
        },
    ))
}
