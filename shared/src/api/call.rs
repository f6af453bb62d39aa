//! What every tenant operation gets, and the webhook a path names.

use super::ApiError;
use super::auth::Caller;
use super::request::ApiRequest;
use crate::AppContext;
use crate::domain::{Webhook, WebhookId, WebhookUid};

/// What every tenant operation gets.
pub struct Call<'a> {
    pub ctx: &'a AppContext,
    pub caller: &'a Caller,
    pub request: &'a ApiRequest,
}

/// The caller's webhook named in a path by its id or its uid (a uid is never UUID-shaped);
/// another tenant's, or a malformed id, is not found.
pub(super) async fn find(call: &Call<'_>, id: &str) -> Result<Webhook, ApiError> {
    let (webhooks, tenant) = (&call.ctx.webhooks, &call.caller.tenant);
    let id = match WebhookId::parse(id) {
        Some(id) => id,
        None => {
            let uid = WebhookUid::parse(id).map_err(|_| ApiError::WebhookNotFound)?;
            webhooks
                .find_uid(tenant, &uid)
                .await?
                .ok_or(ApiError::WebhookNotFound)?
        }
    };
    webhooks
        .get(tenant, &id)
        .await?
        .ok_or(ApiError::WebhookNotFound)
}
