//! A tenant's API keys, managed by the operator over the API: the same records the admin
//! tool writes, stored as SHA-256 hashes; the key text is answered once, at creation.

use super::ApiError;
use super::call::Call;
use super::pagination::{Cursor, bounded_page, fill_page, page_params};
use super::request::{ApiResponse, Body, Query, empty_response, json_response};
use super::views::{CreatedKeyView, KeyView};
use crate::domain::{ApiKey, ApiKeyId, ApiKeyRecord, KeyOwner, Scope, Scopes, Timestamp};
use http::StatusCode;

/// The longest key name.
pub const MAX_KEY_NAME_LEN: usize = 128;

pub async fn create(call: Call<'_>) -> Result<ApiResponse, ApiError> {
    let mut body = Body::parse(&call.request.body, &["name", "scopes", "expires_at"], &[])?;
    let name = body.take::<String>("name");
    if name
        .as_ref()
        .is_some_and(|n| n.trim().is_empty() || n.chars().count() > MAX_KEY_NAME_LEN)
    {
        body.error(
            "name",
            format!("must be 1 to {MAX_KEY_NAME_LEN} characters, not only spaces"),
        );
    }
    let scopes = body
        .take::<Vec<String>>("scopes")
        .and_then(|names| match tenant_scopes(&names) {
            Ok(scopes) => Some(scopes),
            Err(why) => {
                body.error("scopes", why);
                None
            }
        });
    let scopes = body.require("scopes", scopes);
    let now = Timestamp::now();
    let expires_at =
        body.take::<String>("expires_at")
            .and_then(|text| match Timestamp::parse(&text) {
                Some(at) if at > now => Some(at),
                Some(_) => {
                    body.error("expires_at", "must be in the future");
                    None
                }
                None => {
                    body.error("expires_at", "must be an RFC 3339 timestamp");
                    None
                }
            });
    let errors = body.into_errors();
    let (Some(scopes), true) = (scopes, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let key = ApiKey::generate();
    let record =
        ApiKeyRecord::new(&key, call.caller.tenant.clone(), scopes, name).expiring_at(expires_at);
    call.ctx.keys.put(&record).await?;
    tracing::info!(key_id = %record.id, tenant = %call.caller.tenant, "tenant key created");
    Ok(json_response(
        StatusCode::CREATED,
        &CreatedKeyView::new(&record, &key),
    ))
}

/// The scopes named, all of them a tenant's: at least one, none twice, no `operator`.
pub(super) fn tenant_scopes(names: &[String]) -> Result<Scopes, String> {
    if names.is_empty() {
        return Err("must name at least one scope".into());
    }
    let mut scopes = Vec::new();
    for name in names {
        let scope = Scope::parse(name).ok_or_else(|| {
            format!(
                "{name:?} is not a scope; use {}",
                Scope::TENANT.map(Scope::as_str).join(", ")
            )
        })?;
        if scope == Scope::Operator {
            return Err(
                "operator is not a tenant's scope: operator keys are made with `hookline-admin keys create --operator`"
                    .into(),
            );
        }
        if scopes.contains(&scope) {
            return Err(format!("names {name} twice"));
        }
        scopes.push(scope);
    }
    Ok(scopes.into_iter().collect())
}

pub async fn list(call: Call<'_>) -> Result<ApiResponse, ApiError> {
    let query = Query::parse(call.request.query.as_deref(), &["limit", "cursor"])?;
    let mut errors = Vec::new();
    let (limit, cursor) = page_params(&query, ApiKeyId::parse, &mut errors);
    let Some(limit) = limit.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let (ctx, tenant) = (call.ctx, &call.caller.tenant);
    let (page, next) = fill_page(
        cursor,
        limit,
        false,
        |k: &ApiKeyRecord| k.id,
        |_| true,
        |after, n| async move { ctx.keys.list_page(tenant, after.as_ref(), n).await },
    )
    .await?;
    let page = bounded_page(
        &page,
        next.map(Cursor::after),
        |k| Cursor::after(k.id),
        KeyView::new,
    );
    Ok(json_response(StatusCode::OK, &page))
}

pub async fn revoke(call: Call<'_>, key_id: &str) -> Result<ApiResponse, ApiError> {
    let id = ApiKeyId::parse(key_id).ok_or(ApiError::KeyNotFound)?;
    let owner = KeyOwner::Tenant(call.caller.tenant.clone());
    if !call.ctx.keys.revoke(&id, Some(&owner)).await? {
        return Err(ApiError::KeyNotFound);
    }
    tracing::info!(key_id = %id, tenant = %call.caller.tenant, "tenant key revoked");
    Ok(empty_response(StatusCode::NO_CONTENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_tenant_key_takes_tenant_scopes_only() {
        assert_eq!(
            tenant_scopes(&names(&["webhooks:view", "events:publish"])),
            Scopes::parse_list("webhooks:view,events:publish")
        );
        for bad in [
            &[][..],
            &["operator"],
            &["webhooks:view", "webhooks:view"],
            &["webhooks:everything"],
        ] {
            assert!(tenant_scopes(&names(bad)).is_err(), "{bad:?}");
        }
    }
}
