//! One HTTP attempt: the signed POST of a payload to a webhook's URL, and what came of it.

use super::sign::{signature_header, signing_secrets};
use crate::domain::{AttemptOutcome, Secrets, Timestamp, Webhook};
use crate::url_guard::client::DeliveryClient;
use crate::url_guard::resolve::Refused;
use bytes::Bytes;
use futures::StreamExt;
use std::error::Error as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How much of a receiver's answer is kept; the rest is read past, never buffered.
pub const KEPT_RESPONSE_BYTES: usize = 4096;

/// A body shared with the task that carries it, not copied.
pub fn shared_body(payload: &Arc<str>) -> Bytes {
    struct Shared(Arc<str>);
    impl AsRef<[u8]> for Shared {
        fn as_ref(&self) -> &[u8] {
            self.0.as_bytes()
        }
    }
    Bytes::from_owner(Shared(payload.clone()))
}

/// POSTs `payload` as the message `msg_id` to the webhook, signed with every secret in force
/// (`secrets`: the webhook's, opened) and with its custom headers.
pub async fn send(
    client: &DeliveryClient,
    webhook: &Webhook,
    secrets: &Secrets,
    msg_id: &str,
    payload: Bytes,
) -> AttemptOutcome {
    send_handshake(client, webhook, secrets, msg_id, payload, None)
        .await
        .0
}

/// `send`, with `X-Hook-Secret: <hook_secret>` when given; also answers the `X-Hook-Secret`
/// header of the response, if any (the handshake's echo).
pub async fn send_handshake(
    client: &DeliveryClient,
    webhook: &Webhook,
    secrets: &Secrets,
    msg_id: &str,
    payload: Bytes,
    hook_secret: Option<&str>,
) -> (AttemptOutcome, Option<String>) {
    let started = Instant::now();
    // A literal address never reaches the resolver, so the URL is checked here, under the
    // rules in force now. A refused attempt sends nothing.
    if let Err(why) = webhook.url.recheck(&client.policy) {
        return (AttemptOutcome::failed(Refused(why).to_string(), 0), None);
    }
    let now = Timestamp::now();
    let elapsed =
        |started: Instant| u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let signature = match signature_header(
        &signing_secrets(webhook, secrets, now),
        msg_id,
        now.unix_seconds(),
        &payload,
    ) {
        Ok(s) => s,
        Err(e) => return (AttemptOutcome::failed(e.to_string(), 0), None),
    };
    let mut request = client
        .http
        .post(webhook.url.url().clone())
        .header("content-type", "application/json")
        .header("webhook-id", msg_id)
        .header("webhook-timestamp", now.unix_seconds().to_string())
        .header("webhook-signature", signature);
    // A header stored before its name was reserved is still never sent.
    for (name, value) in secrets.headers.iter() {
        if !crate::domain::is_reserved_header(name) {
            request = request.header(name.as_str(), value.as_str());
        }
    }
    if let Some(secret) = hook_secret {
        request = request.header(HOOK_SECRET, secret);
    }
    let response = match request.body(payload).send().await {
        Ok(r) => r,
        Err(e) => return (AttemptOutcome::failed(describe(&e), elapsed(started)), None),
    };
    let status = response.status().as_u16();
    let echo = response
        .headers()
        .get(HOOK_SECRET)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let retry_after = matches!(status, 429 | 503)
        .then(|| {
            response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after)
        })
        .flatten();
    let (body, error) = kept_body(response).await;
    let outcome = AttemptOutcome {
        status: Some(status),
        body: (!body.is_empty()).then_some(body),
        error: error.filter(|_| !(200..300).contains(&status)),
        duration_ms: elapsed(started),
        retry_after,
        unsendable: false,
    };
    (outcome, echo)
}

/// The first `KEPT_RESPONSE_BYTES` of the answer's body, and the error that cut it short.
async fn kept_body(response: reqwest::Response) -> (String, Option<String>) {
    let mut kept = Vec::new();
    let mut stream = response.bytes_stream();
    let mut error = None;
    while kept.len() < KEPT_RESPONSE_BYTES {
        match stream.next().await {
            Some(Ok(chunk)) => {
                let room = KEPT_RESPONSE_BYTES - kept.len();
                kept.extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
            }
            Some(Err(e)) => {
                error = Some(describe(&e));
                break;
            }
            None => break,
        }
    }
    // Dropping the stream here discards the rest of the body without reading it into memory.
    drop(stream);
    (String::from_utf8_lossy(&kept).into_owned(), error)
}

/// The handshake's header, sent with the secret and expected back.
pub const HOOK_SECRET: &str = "x-hook-secret";

fn describe(error: &reqwest::Error) -> String {
    // The guard's refusal comes back wrapped in connector errors: say it plainly.
    let mut source = error.source();
    while let Some(e) = source {
        if let Some(refused) = e.downcast_ref::<Refused>() {
            return refused.to_string();
        }
        source = e.source();
    }
    if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        format!(
            "connection failed: {}",
            crate::telemetry::error_chain(error)
        )
    } else {
        crate::telemetry::error_chain(error)
    }
}

/// `Retry-After` as delta-seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.timestamp_millis() - chrono::Utc::now().timestamp_millis();
    Some(Duration::from_millis(u64::try_from(wait).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::domain::{EventTypePattern, EventTypes, TenantId, WebhookSecret, WebhookSpec};
    use crate::url_guard::{UrlPolicy, WebhookUrl};

    fn client(urls: UrlPolicy) -> DeliveryClient {
        crate::context::delivery_client(&Config {
            urls,
            ..Config::default()
        })
        .unwrap()
    }

    /// A webhook stored under the development rules, on a loopback address.
    fn loopback_webhook(port: u16) -> Webhook {
        let spec = WebhookSpec {
            uid: None,
            url: WebhookUrl::parse(
                &format!("http://127.0.0.1:{port}/"),
                &UrlPolicy::DEVELOPMENT,
            )
            .unwrap(),
            event_types: EventTypes::new(vec![EventTypePattern::parse("*").unwrap()]).unwrap(),
            filters: vec![],
            description: None,
            active: true,
            headers: Default::default(),
            metadata: Default::default(),
            verification: crate::domain::Verification::Ping,
        };
        Webhook::new(
            TenantId::parse("t").unwrap(),
            spec,
            WebhookSecret::generate(),
        )
    }

    #[tokio::test]
    async fn a_stored_url_the_rules_now_refuse_is_never_requested() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let webhook = loopback_webhook(listener.local_addr().unwrap().port());
        let secrets = webhook.credentials.as_open().unwrap().clone();
        let attempt = send(
            &client(UrlPolicy::STRICT),
            &webhook,
            &secrets,
            "msg_1",
            Bytes::from_static(b"{}"),
        )
        .await;
        assert!(
            attempt.error.as_deref().unwrap().starts_with("refused:"),
            "{attempt:?}"
        );
        assert_eq!(attempt.status, None);
        // Nothing connected: accept would find no pending connection.
        let accepted = tokio::time::timeout(Duration::from_millis(200), listener.accept()).await;
        assert!(accepted.is_err(), "the refused attempt connected");
        // Under the development rules the same webhook is reached.
        let dev = tokio::spawn(async move {
            send(
                &client(UrlPolicy::DEVELOPMENT),
                &webhook,
                &secrets,
                "msg_2",
                Bytes::from_static(b"{}"),
            )
            .await
        });
        assert!(listener.accept().await.is_ok());
        dev.abort();
    }

    /// A client that cannot be built is an error for the caller (the cold start fails), never
    /// a silent fallback to reqwest's default client, which follows redirects, honours proxy
    /// variables and skips the guard. (Before, `new` returned a client whatever happened.)
    #[test]
    fn building_the_client_can_fail_the_start() {
        let built: Result<DeliveryClient, reqwest::Error> =
            crate::context::delivery_client(&Config::default());
        assert!(built.is_ok());
    }

    #[tokio::test]
    async fn reserved_headers_stored_before_they_were_refused_are_never_sent() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let webhook = loopback_webhook(listener.local_addr().unwrap().port());
        let mut secrets = webhook.credentials.as_open().unwrap().as_ref().clone();
        // Written straight into the map, as an item stored by an older version would be.
        let mut headers = secrets.headers.as_map().clone();
        headers.insert("connection".into(), "close".into());
        headers.insert("x-kept".into(), "yes".into());
        secrets.headers = serde_json::from_value(serde_json::json!(headers)).unwrap();
        let sent = tokio::spawn(async move {
            send(
                &client(UrlPolicy::DEVELOPMENT),
                &webhook,
                &secrets,
                "msg_h",
                Bytes::from_static(b"{}"),
            )
            .await
        });
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut head = vec![0u8; 4096];
        let n = tokio::io::AsyncReadExt::read(&mut socket, &mut head)
            .await
            .unwrap();
        let head = String::from_utf8_lossy(&head[..n]).to_ascii_lowercase();
        assert!(head.contains("x-kept: yes"), "{head}");
        assert!(!head.contains("connection: close"), "{head}");
        sent.abort();
    }

    #[test]
    fn retry_after_takes_seconds_and_dates() {
        assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
