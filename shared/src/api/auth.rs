//! Who is calling. A key's holder (an operator, or one tenant, with scopes) comes from the
//! authorizer's context in AWS or from the key store where there is no authorizer (local
//! server, `cargo lambda watch`); the tenant a request acts for is then read from the route
//! or the `Hookline-Tenant` header, in the function, so that a verdict cached per key can
//! never carry another request's tenant.

use super::ApiError;
use crate::AppContext;
use crate::domain::{ApiKey, KeyOwner, Scopes, TenantId, Timestamp};
use http::{HeaderMap, HeaderValue};
use serde_json::Value;
use std::collections::HashMap;

/// What a key is, alone: the authorizer's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyHolder {
    pub owner: KeyOwner,
    pub scopes: Scopes,
    pub expires_at: Option<Timestamp>,
}

/// Whom one request acts for: a tenant, with the key's scopes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub tenant: TenantId,
    pub scopes: Scopes,
}

/// The header in which an operator key names the tenant it acts for.
pub const TENANT_HEADER: &str = "hookline-tenant";

impl KeyHolder {
    /// The tenant of a tenant route: a tenant key's own (it may name itself in the header,
    /// no other), or the one an operator key names.
    pub fn acting_for(&self, header: Option<&HeaderValue>) -> Result<Caller, ApiError> {
        let named = named_in_header(header)?;
        let tenant = match (&self.owner, named) {
            (KeyOwner::Operator, Some(tenant)) => tenant,
            (KeyOwner::Operator, None) => return Err(ApiError::TenantRequired),
            (KeyOwner::Tenant(own), Some(named)) if &named != own => {
                return Err(ApiError::OtherTenant);
            }
            (KeyOwner::Tenant(own), _) => own.clone(),
        };
        Ok(Caller {
            tenant,
            scopes: self.scopes,
        })
    }
}

/// The tenant `Hookline-Tenant` names, if it is there.
fn named_in_header(header: Option<&HeaderValue>) -> Result<Option<TenantId>, ApiError> {
    header
        .map(|value| {
            value
                .to_str()
                .ok()
                .and_then(|t| TenantId::parse(t.trim()).ok())
                .ok_or_else(|| ApiError::validation("Hookline-Tenant", TENANT_ID_RULE))
        })
        .transpose()
}

const TENANT_ID_RULE: &str = "must be a tenant id: 1 to 64 characters of [a-z0-9_-]";

/// The tenant of a `Tenancy::Body` route: the body's `tenant` or `Hookline-Tenant`, the same
/// one when both name it. A body that is not a JSON object names none here (the operation
/// refuses it with its own words).
pub fn named_in_body_or_header(
    body: &[u8],
    header: Option<&HeaderValue>,
) -> Result<TenantId, ApiError> {
    let in_body = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(mut fields)) => fields.remove("tenant"),
        _ => None,
    };
    let in_body = in_body
        .map(|value| {
            value
                .as_str()
                .and_then(|t| TenantId::parse(t.trim()).ok())
                .ok_or_else(|| ApiError::validation("tenant", TENANT_ID_RULE))
        })
        .transpose()?;
    match (in_body, named_in_header(header)?) {
        (Some(body), Some(header)) if body != header => Err(ApiError::TenantConflict),
        (Some(tenant), _) | (None, Some(tenant)) => Ok(tenant),
        (None, None) => Err(ApiError::TenantRequired),
    }
}

/// Where the key's holder comes from for one request.
#[derive(Clone, Debug)]
pub enum Identity {
    /// The authorizer's verdict, already read from the request context.
    Resolved(Option<KeyHolder>),
    /// Look the bearer key up in the key store.
    BearerKey,
}

/// The context keys the authorizer sets and the functions read.
pub const CONTEXT_TENANT: &str = "tenant";
pub const CONTEXT_SCOPES: &str = "scopes";
/// Unix milliseconds; absent for a key that does not expire.
pub const CONTEXT_EXPIRES_AT: &str = "expires_at";

/// The authorizer's context as a map for API Gateway: empty for an unknown key, so the
/// function answers 401 in the contract's own problem format. An operator key has no tenant.
pub fn authorizer_context(holder: Option<&KeyHolder>) -> HashMap<String, Value> {
    let Some(holder) = holder else {
        return HashMap::new();
    };
    let mut context = HashMap::from([(
        CONTEXT_SCOPES.to_owned(),
        Value::String(holder.scopes.to_string()),
    )]);
    if let Some(tenant) = holder.owner.tenant() {
        context.insert(CONTEXT_TENANT.to_owned(), Value::String(tenant.to_string()));
    }
    if let Some(at) = holder.expires_at {
        context.insert(
            CONTEXT_EXPIRES_AT.to_owned(),
            Value::String(at.millis().to_string()),
        );
    }
    context
}

/// Reads back what `authorizer_context` wrote; anything malformed is no holder, and so is a
/// key that expired since the verdict was cached.
pub fn holder_from_context(fields: &HashMap<String, Value>, now: Timestamp) -> Option<KeyHolder> {
    let scopes = Scopes::parse_list(fields.get(CONTEXT_SCOPES)?.as_str()?).ok()?;
    let owner = match fields.get(CONTEXT_TENANT) {
        // A tenant's key never holds `operator` (see `ApiKeyRecord::new`).
        Some(_) if scopes.is_operator() => return None,
        Some(tenant) => KeyOwner::Tenant(TenantId::parse(tenant.as_str()?).ok()?),
        None if scopes.is_operator() => KeyOwner::Operator,
        None => return None,
    };
    let expires_at = match fields.get(CONTEXT_EXPIRES_AT) {
        Some(at) => Some(Timestamp::from_millis(at.as_str()?.parse().ok()?)?),
        None => None,
    };
    if expires_at.is_some_and(|at| now >= at) {
        return None;
    }
    Some(KeyHolder {
        owner,
        scopes,
        expires_at,
    })
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

/// Resolves a key against the key store; `None` for missing, malformed, unknown or expired
/// keys, and for a stored tenant key holding `operator` (logged: the item was altered).
pub async fn lookup(ctx: &AppContext, key: Option<ApiKey>) -> Result<Option<KeyHolder>, ApiError> {
    let Some(key) = key else { return Ok(None) };
    let record = ctx.keys.find_by_hash(&key.hash()).await?;
    Ok(record
        .filter(|r| r.is_live(Timestamp::now()))
        .filter(|r| {
            if !r.is_sound() {
                tracing::error!(key_id = %r.id, "a stored tenant key holds the operator scope: refused");
            }
            r.is_sound()
        })
        .map(|r| KeyHolder {
            owner: r.owner,
            scopes: r.scopes,
            expires_at: r.expires_at,
        }))
}

pub async fn resolve(
    ctx: &AppContext,
    identity: Identity,
    headers: &HeaderMap,
) -> Result<KeyHolder, ApiError> {
    let holder = match identity {
        Identity::Resolved(holder) => holder,
        Identity::BearerKey => lookup(ctx, bearer_key(headers)).await?,
    };
    holder.ok_or(ApiError::Unauthenticated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(name: &str) -> TenantId {
        TenantId::parse(name).unwrap()
    }

    fn holder(owner: KeyOwner) -> KeyHolder {
        KeyHolder {
            owner,
            scopes: Scopes::all_tenant(),
            expires_at: None,
        }
    }

    #[test]
    fn a_tenant_key_acts_for_its_own_tenant_only() {
        let key = holder(KeyOwner::Tenant(tenant("a")));
        assert_eq!(key.acting_for(None).unwrap().tenant, tenant("a"));
        let own = HeaderValue::from_static("a");
        assert_eq!(key.acting_for(Some(&own)).unwrap().tenant, tenant("a"));
        let other = HeaderValue::from_static("b");
        assert!(matches!(
            key.acting_for(Some(&other)),
            Err(ApiError::OtherTenant)
        ));
    }

    #[test]
    fn an_operator_key_must_name_a_well_formed_tenant() {
        let key = holder(KeyOwner::Operator);
        assert!(matches!(
            key.acting_for(None),
            Err(ApiError::TenantRequired)
        ));
        let named = HeaderValue::from_static("b");
        assert_eq!(key.acting_for(Some(&named)).unwrap().tenant, tenant("b"));
        let bad = HeaderValue::from_static("Not A Tenant");
        assert!(matches!(
            key.acting_for(Some(&bad)),
            Err(ApiError::Validation(_))
        ));
    }

    #[test]
    fn a_body_route_takes_its_tenant_from_the_body_or_the_header_not_two() {
        let header = HeaderValue::from_static("a");
        let named = |body: &str, header| named_in_body_or_header(body.as_bytes(), header);
        assert_eq!(named(r#"{"tenant":"a"}"#, None).unwrap(), tenant("a"));
        assert_eq!(named("", Some(&header)).unwrap(), tenant("a"));
        assert_eq!(
            named(r#"{"tenant":"a"}"#, Some(&header)).unwrap(),
            tenant("a")
        );
        assert!(matches!(
            named(r#"{"tenant":"b"}"#, Some(&header)),
            Err(ApiError::TenantConflict)
        ));
        assert!(matches!(named("{}", None), Err(ApiError::TenantRequired)));
        assert!(matches!(
            named(r#"{"tenant":7}"#, Some(&header)),
            Err(ApiError::Validation(_))
        ));
    }

    #[test]
    fn the_context_round_trips_and_an_expired_verdict_is_no_holder() {
        let now = Timestamp::now();
        for owner in [KeyOwner::Operator, KeyOwner::Tenant(tenant("a"))] {
            let mut key = holder(owner.clone());
            if owner == KeyOwner::Operator {
                key.scopes = Scopes::operator();
            }
            key.expires_at = Timestamp::from_millis(now.millis() + 60_000);
            let context = authorizer_context(Some(&key));
            assert_eq!(holder_from_context(&context, now), Some(key.clone()));
            let later = Timestamp::from_millis(now.millis() + 60_000).unwrap();
            assert_eq!(holder_from_context(&context, later), None);
        }
        assert_eq!(holder_from_context(&HashMap::new(), now), None);
    }
}
