//! One HTTP attempt: the signed POST of a payload to a webhook's URL, and what came of it.

use super::sign::{signature_header, signing_secrets};
use crate::domain::{Timestamp, Webhook};
use futures::StreamExt;
use std::time::{Duration, Instant};

/// How much of a receiver's answer is kept; the rest is read past, never buffered.
pub const KEPT_RESPONSE_BYTES: usize = 4096;

/// What one attempt came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub status: Option<u16>,
    pub body: Option<String>,
    pub error: Option<String>,
    pub duration_ms: u64,
    /// The receiver's `Retry-After`, on a 429 or 503.
    pub retry_after: Option<Duration>,
}

impl Attempt {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// A short text for `last_failure_content` and `endpoint_verification_failed`.
    pub fn failure_summary(&self) -> String {
        match (&self.status, &self.error) {
            (_, Some(error)) => error.clone(),
            (Some(status), None) => {
                let body = self
                    .body
                    .as_deref()
                    .unwrap_or("")
                    .chars()
                    .take(256)
                    .collect::<String>();
                if body.is_empty() {
                    format!("HTTP {status}")
                } else {
                    format!("HTTP {status}: {body}")
                }
            }
            (None, None) => "no answer".to_owned(),
        }
    }
}

/// POSTs `payload` as the message `msg_id` to the webhook, signed with every secret in force.
pub async fn send(
    http: &reqwest::Client,
    webhook: &Webhook,
    msg_id: &str,
    payload: &[u8],
) -> Attempt {
    let started = Instant::now();
    let now = Timestamp::now();
    let elapsed =
        |started: Instant| u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let signature = match signature_header(
        &signing_secrets(webhook, now),
        msg_id,
        now.unix_seconds(),
        payload,
    ) {
        Ok(s) => s,
        Err(e) => {
            return Attempt {
                status: None,
                body: None,
                error: Some(e.to_string()),
                duration_ms: 0,
                retry_after: None,
            };
        }
    };
    let mut request = http
        .post(webhook.url.url().clone())
        .header("content-type", "application/json")
        .header("webhook-id", msg_id)
        .header("webhook-timestamp", now.unix_seconds().to_string())
        .header("webhook-signature", signature);
    for (name, value) in webhook.headers.iter() {
        request = request.header(name.as_str(), value.as_str());
    }
    let response = match request.body(payload.to_vec()).send().await {
        Ok(r) => r,
        Err(e) => {
            return Attempt {
                status: None,
                body: None,
                error: Some(describe(&e)),
                duration_ms: elapsed(started),
                retry_after: None,
            };
        }
    };
    let status = response.status().as_u16();
    let retry_after = matches!(status, 429 | 503)
        .then(|| {
            response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after)
        })
        .flatten();
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
    let body = String::from_utf8_lossy(&kept).into_owned();
    Attempt {
        status: Some(status),
        body: (!body.is_empty()).then_some(body),
        error: error.filter(|_| !(200..300).contains(&status)),
        duration_ms: elapsed(started),
        retry_after,
    }
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        format!("connection failed: {}", crate::api::error_chain(error))
    } else {
        crate::api::error_chain(error)
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
