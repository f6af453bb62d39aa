//! Who is calling: a tenant and its scopes, from the authorizer's context in AWS or from the
//! key store where there is no authorizer (local server, `cargo lambda watch`).

use super::ApiError;
use crate::AppContext;
use crate::domain::{ApiKey, Scopes, TenantId};
use http::HeaderMap;
use serde_json::Value;
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub tenant: TenantId,
    pub scopes: Scopes,
}

/// Where the caller comes from for one request.
#[derive(Clone, Debug)]
pub enum Identity {
    /// The authorizer's verdict, already read from the request context.
    Resolved(Option<Caller>),
    /// Look the bearer key up in the key store.
    BearerKey,
}

/// The context keys the authorizer sets and the functions read.
pub const CONTEXT_TENANT: &str = "tenant";
pub const CONTEXT_SCOPES: &str = "scopes";

/// The authorizer's context as a map for API Gateway: empty for an unknown key, so the
/// function answers 401 in the contract's own problem format.
pub fn authorizer_context(caller: Option<&Caller>) -> HashMap<String, Value> {
    match caller {
        Some(c) => HashMap::from([
            (
                CONTEXT_TENANT.to_owned(),
                Value::String(c.tenant.to_string()),
            ),
            (
                CONTEXT_SCOPES.to_owned(),
                Value::String(c.scopes.to_string()),
            ),
        ]),
        None => HashMap::new(),
    }
}

/// Reads back what `authorizer_context` wrote; anything malformed is no caller.
pub fn caller_from_context(fields: &HashMap<String, Value>) -> Option<Caller> {
    let tenant = TenantId::parse(fields.get(CONTEXT_TENANT)?.as_str()?).ok()?;
    let scopes = Scopes::parse_list(fields.get(CONTEXT_SCOPES)?.as_str()?).ok()?;
    Some(Caller { tenant, scopes })
}

/// The key text of `Authorization: Bearer <key>`, if well-formed.
pub fn bearer_key(headers: &HeaderMap) -> Option<ApiKey> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    ApiKey::parse(key.trim())
}

/// Resolves a key against the key store; `None` for missing, malformed or unknown keys.
pub async fn lookup(ctx: &AppContext, key: Option<ApiKey>) -> Result<Option<Caller>, ApiError> {
    let Some(key) = key else { return Ok(None) };
    let record = ctx.keys.find_by_hash(&key.hash()).await?;
    Ok(record.map(|r| Caller {
        tenant: r.tenant,
        scopes: r.scopes,
    }))
}

pub async fn resolve(
    ctx: &AppContext,
    identity: Identity,
    headers: &HeaderMap,
) -> Result<Caller, ApiError> {
    let caller = match identity {
        Identity::Resolved(caller) => caller,
        Identity::BearerKey => lookup(ctx, bearer_key(headers)).await?,
    };
    caller.ok_or(ApiError::Unauthenticated)
}
