//! Where a delivery is sent: the one seam the `attempt` stage sends through. HTTP (the
//! webhook's URL) is today's only kind; a queue, topic or bus would be another variant here,
//! opened and sent to in this file, with `load`, `record` and `schedule` unchanged.

use super::send::send;
use crate::AppContext;
use crate::domain::{AttemptOutcome, Secrets, Webhook};
use crate::seal::SealError;
use bytes::Bytes;
use std::sync::Arc;

/// A webhook's destination, ready to send to.
pub enum Destination {
    /// A signed POST to the webhook's URL, with every secret in force and its headers.
    Http { secrets: Arc<Secrets> },
}

impl Destination {
    /// The webhook's destination, its secrets opened (the key service may fail: the task is
    /// tried again later).
    pub async fn open(ctx: &AppContext, webhook: &Webhook) -> Result<Self, SealError> {
        let secrets = ctx.keyring.open(webhook).await?;
        Ok(Self::Http { secrets })
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
        }
    }
}
