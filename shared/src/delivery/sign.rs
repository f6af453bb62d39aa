//! Standard Webhooks signatures, computed with the spec's own `standardwebhooks` crate:
//! `v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`. During the 24 hours after a
//! rotation the header carries the new secret's signature and the old one's, space-separated,
//! so receivers that still hold the old secret keep verifying.

use crate::domain::{Secrets, Timestamp, Webhook, WebhookSecret};

/// How long the previous secret keeps signing after a rotation, unless the rotation says.
pub const DEFAULT_ROTATION_GRACE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
/// The longest grace a rotation may give the previous secret.
pub const MAX_ROTATION_GRACE: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

#[derive(Debug, thiserror::Error)]
#[error("the payload to sign is not UTF-8")]
pub struct SignError;

/// The secrets that sign a delivery at `now`: the current one, then the previous one while
/// the rotation overlap lasts.
pub fn signing_secrets<'a>(
    webhook: &Webhook,
    secrets: &'a Secrets,
    now: Timestamp,
) -> Vec<&'a WebhookSecret> {
    let mut signing = vec![&secrets.secret];
    if let (Some(previous), Some(until)) = (&secrets.previous_secret, webhook.previous_secret_until)
        && now < until
    {
        signing.push(previous);
    }
    signing
}

/// The `webhook-signature` header value for one attempt.
pub fn signature_header(
    secrets: &[&WebhookSecret],
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, SignError> {
    let mut signatures = Vec::with_capacity(secrets.len());
    for secret in secrets {
        let signer = standardwebhooks::Webhook::from_bytes(secret.bytes().to_vec())
            .map_err(|_| SignError)?;
        signatures.push(
            signer
                .sign(msg_id, timestamp, body)
                .map_err(|_| SignError)?,
        );
    }
    Ok(signatures.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const BODY: &[u8] = br#"{"email":"test@example.com","username":"test_user"}"#;

    #[test]
    fn matches_the_standard_webhooks_test_vector() {
        let secret = WebhookSecret::parse(SECRET).unwrap();
        let header = signature_header(
            &[&secret],
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1649367553,
            BODY,
        )
        .unwrap();
        assert_eq!(header, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
    }

    #[test]
    fn a_receiver_with_either_secret_verifies_a_dual_signature() {
        let new = WebhookSecret::generate();
        let old = WebhookSecret::generate();
        let now = Timestamp::now().unix_seconds();
        let header = signature_header(&[&new, &old], "evt_1", now, BODY).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("webhook-id", "evt_1".parse().unwrap());
        headers.insert("webhook-timestamp", now.to_string().parse().unwrap());
        headers.insert("webhook-signature", header.parse().unwrap());
        for secret in [&new, &old] {
            standardwebhooks::Webhook::new(&secret.expose())
                .unwrap()
                .verify(BODY, &headers)
                .unwrap();
        }
        let stranger = WebhookSecret::generate();
        assert!(
            standardwebhooks::Webhook::new(&stranger.expose())
                .unwrap()
                .verify(BODY, &headers)
                .is_err()
        );
    }
}
