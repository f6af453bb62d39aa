//! Portal sessions: the operator mints a short-lived key for one tenant, handed to the
//! customer portal in a URL fragment. It is a tenant key like any other (stored hashed,
//! expiring by itself, refused after `expires_at`), so the portal calls the same API.

use super::ApiError;
use super::call::Call;
use super::keys::tenant_scopes;
use super::request::{ApiResponse, Body, json_response};
use super::views::PortalSessionView;
use crate::domain::{ApiKey, ApiKeyRecord, Scope, Scopes, Timestamp};
use crate::portal::PublicBaseUrl;
use http::StatusCode;
use std::time::Duration;

pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(3600);
pub const MIN_SESSION_TTL: Duration = Duration::from_secs(5 * 60);
pub const MAX_SESSION_TTL: Duration = Duration::from_secs(24 * 3600);
/// The name every session's key carries in the tenant's key list.
pub const SESSION_KEY_NAME: &str = "portal session";

/// `POST /v1/portal/sessions`, for the tenant the operator names in the body's `tenant` or
/// in `Hookline-Tenant` (read by the route's tenancy, `Tenancy::Body`).
pub async fn create_session(call: Call<'_>) -> Result<ApiResponse, ApiError> {
    let bytes = &call.request.body;
    let empty = bytes.iter().all(u8::is_ascii_whitespace);
    let mut body = Body::parse(
        if empty { b"{}" } else { bytes },
        &["tenant", "scopes", "ttl"],
        &[],
    )?;
    // Already read: it is `call.caller.tenant`.
    body.take::<String>("tenant");
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
    let base = public_base(&call)?;
    call.ctx.keys.put(&record).await?;
    tracing::info!(key_id = %record.id, tenant = %call.caller.tenant, %expires_at, "portal session created");
    let url = base.session_url(key.expose());
    Ok(json_response(
        StatusCode::CREATED,
        &PortalSessionView::new(&record, &key, url),
    ))
}

/// Where the portal is reached: the deployment's public base URL, else (in AWS) the domain
/// API Gateway was reached at. Never the request's `Host` or `X-Forwarded-Proto`, which a
/// caller can forge.
fn public_base(call: &Call<'_>) -> Result<PublicBaseUrl, ApiError> {
    let configured = call.ctx.config.public_base_url.clone();
    let gateway = || {
        call.request
            .gateway_domain
            .as_deref()
            .and_then(PublicBaseUrl::gateway_domain)
    };
    configured.or_else(gateway).ok_or_else(|| {
        tracing::error!("no public base URL for a portal session: set HOOKLINE_PUBLIC_BASE_URL");
        ApiError::Internal
    })
}
