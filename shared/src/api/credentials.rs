//! Opening a webhook's sealed credentials for the API. Credentials that do not open make one
//! broken webhook: it is still listed and shown (header names, values masked, no secret),
//! and what needs them answers `credentials_unreadable`; the rest of the tenant is untouched.

use super::ApiError;
use super::call::Call;
use super::views::{HeaderValues, ShownHeaders};
use crate::domain::{Secrets, Webhook};
use crate::seal::SealError;
use std::sync::Arc;

/// The webhook's secrets, opened. Credentials that do not open are logged with the webhook's
/// id and answered `credentials_unreadable`; a failing key service is `internal_error`.
pub(super) async fn opened(call: &Call<'_>, webhook: &Webhook) -> Result<Arc<Secrets>, ApiError> {
    call.ctx.keyring.open(webhook).await.map_err(|error| {
        if let SealError::Corrupt = error {
            let (tenant, webhook_id) = (&webhook.tenant, webhook.id);
            tracing::error!(%tenant, %webhook_id, %error, "a webhook's credentials cannot be read");
        }
        error.into()
    })
}

/// The caller's view of the webhook's custom headers. A caller that may not see the values
/// never has them opened: the names are kept in the clear (only values sealed before the names
/// were kept are opened for them). Credentials that do not open show their names masked.
pub(super) async fn shown_headers(
    call: &Call<'_>,
    webhook: &Webhook,
) -> Result<ShownHeaders, ApiError> {
    let values = HeaderValues::for_scopes(call.caller.scopes);
    let names = webhook.credentials.header_names();
    if let Some(names) = names.filter(|_| values == HeaderValues::Masked) {
        return Ok(ShownHeaders::Masked(names));
    }
    match opened(call, webhook).await {
        Ok(secrets) => Ok(ShownHeaders::opened(&secrets, values)),
        Err(ApiError::CredentialsUnreadable) => Ok(ShownHeaders::Masked(
            webhook.credentials.header_names().unwrap_or_default(),
        )),
        Err(error) => Err(error),
    }
}
