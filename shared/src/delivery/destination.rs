//! Where a delivery is sent: the one seam the `attempt` stage sends through. HTTP (the
//! webhook's URL) is today's only kind; a queue, topic or bus would be another variant here,
//! opened and sent to in this file, with `load`, `record` and `schedule` unchanged.

use super::send::send;
use crate::AppContext;
use crate::domain::{AttemptOutcome, Secrets, Webhook};
use crate::seal::SealError;
use bytes::Bytes;
use std::sync::Arc;

/// What an attempt of a webhook whose credentials cannot be read records as its error.
pub const CREDENTIALS_UNREADABLE: &str = "the webhook's credentials cannot be read (its sealed secret and headers do not open): nothing was sent, and it is not retried";

/// A webhook's destination, ready to send to.
pub enum Destination {
    /// A signed POST to the webhook's URL, with every secret in force and its headers.
    Http { secrets: Arc<Secrets> },
    /// The webhook's credentials do not open: nothing can be signed, so nothing is sent.
    Unreadable,
}

impl Destination {
    /// The webhook's destination, its secrets opened. When the key service fails the task
    /// is tried again later; credentials that do not open make one broken webhook, whose
    /// attempts fail unsent.
    pub async fn open(ctx: &AppContext, webhook: &Webhook) -> Result<Self, SealError> {
        match ctx.keyring.open(webhook).await {
            Ok(secrets) => Ok(Self::Http { secrets }),
            Err(SealError::Corrupt) => {
                let (tenant, webhook_id) = (&webhook.tenant, webhook.id);
                tracing::error!(%tenant, %webhook_id, error = %SealError::Corrupt, "a webhook's credentials cannot be read: its attempt fails unsent");
                Ok(Self::Unreadable)
            }
            Err(e) => Err(e),
        }
    }

    /// One attempt of the message `msg_id`, and what came of it.
    pub async fn send(
        &self,
        ctx: &AppContext,
        webhook: &Webhook,
        msg_id: &str,
        payload: Bytes,
    ) -> AttemptOutcome {
        match self {
            Self::Http { secrets } => send(&ctx.http, webhook, secrets, msg_id, payload).await,
            Self::Unreadable => AttemptOutcome::unsendable(CREDENTIALS_UNREADABLE.into()),
        }
    }
}
