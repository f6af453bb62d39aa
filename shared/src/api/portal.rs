//! Portal sessions: the operator mints a short-lived key for one tenant, handed to the
//! customer portal in a URL fragment. It is a tenant key like any other (stored hashed,
//! expiring by itself, refused after `expires_at`), so the portal calls the same API.

use super::ApiError;
use super::call::Call;
use super::keys::tenant_scopes;
use super::request::{ApiResponse, Body, json_response};
use super::views::PortalSessionView;
use crate::domain::{ApiKey, ApiKeyRecord, Scope, Scopes, Timestamp};
use http::StatusCode;
use std::time::Duration;

pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(3600);
pub const MIN_SESSION_TTL: Duration = Duration::from_secs(5 * 60);
pub const MAX_SESSION_TTL: Duration = Duration::from_secs(24 * 3600);
/// The name every session's key carries in the tenant's key list.
pub const SESSION_KEY_NAME: &str = "portal session";

/// `POST /v1/portal/sessions`, for the tenant the operator names in `Hookline-Tenant`.
pub async fn create_session(call: Call<'_>) -> Result<ApiResponse, ApiError> {
    let bytes = &call.request.body;
    let empty = bytes.iter().all(u8::is_ascii_whitespace);
    let mut body = Body::parse(if empty { b"{}" } else { bytes }, &["scopes", "ttl"], &[])?;
    let scopes = match body.take::<Vec<String>>("scopes") {
        None => Some(
            [
                Scope::WebhooksView,
                Scope::WebhooksAdd,
                Scope::WebhooksEdit,
                Scope::WebhooksRemove,
            ]
            .into_iter()
            .collect::<Scopes>(),
        ),
        Some(names) => match tenant_scopes(&names) {
            Ok(scopes) => Some(scopes),
            Err(why) => {
                body.error("scopes", why);
                None
            }
        },
    };
    let ttl = match body.take::<String>("ttl") {
        None => Some(DEFAULT_SESSION_TTL),
        Some(text) => match humantime::parse_duration(text.trim()) {
            Ok(ttl) if (MIN_SESSION_TTL..=MAX_SESSION_TTL).contains(&ttl) => Some(ttl),
            _ => {
                body.error(
                    "ttl",
                    "must be a duration from \"5m\" to \"24h\" (such as \"30m\" or \"2h\")",
                );
                None
            }
        },
    };
    let errors = body.into_errors();
    let (Some(scopes), Some(ttl), true) = (scopes, ttl, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let expires_at = Timestamp::now().plus(ttl);
    let key = ApiKey::generate();
    let record = ApiKeyRecord::new(
        &key,
        call.caller.tenant.clone(),
        scopes,
        Some(SESSION_KEY_NAME.to_owned()),
    )
    .expiring_at(Some(expires_at));
    call.ctx.keys.put(&record).await?;
    tracing::info!(key_id = %record.id, tenant = %call.caller.tenant, %expires_at, "portal session created");
    let url = format!("{}/portal#token={}", base_url(call.request), key.expose());
    Ok(json_response(
        StatusCode::CREATED,
        &PortalSessionView::new(&record, &key, url),
    ))
}

/// Where the API (and the portal beside it) is reached, as the caller reached it: the
/// scheme API Gateway or a proxy forwarded (`X-Forwarded-Proto`), else http; the `Host`.
fn base_url(request: &super::ApiRequest) -> String {
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let scheme = match header("x-forwarded-proto") {
        Some("https") => "https",
        _ => "http",
    };
    let host = header("host").unwrap_or("localhost");
    format!("{scheme}://{host}")
}
