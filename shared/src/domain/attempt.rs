//! What one HTTP attempt came to, as the domain sees it: the delivery client fills it in, the
//! verdict and the execution record read it.

use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttemptOutcome {
    pub status: Option<u16>,
    /// The first 4 KiB of the receiver's answer, as text.
    pub body: Option<String>,
    pub error: Option<String>,
    pub duration_ms: u64,
    /// The receiver's `Retry-After`, on a 429 or 503.
    pub retry_after: Option<Duration>,
    /// Nothing was sent and trying again cannot mend it (the webhook's credentials cannot be
    /// read): the delivery is not retried.
    pub unsendable: bool,
}

impl AttemptOutcome {
    /// An attempt that got no answer.
    pub fn failed(error: String, duration_ms: u64) -> Self {
        Self {
            status: None,
            body: None,
            error: Some(error),
            duration_ms,
            retry_after: None,
            unsendable: false,
        }
    }

    /// An attempt that sent nothing, for a reason trying again cannot mend.
    pub fn unsendable(error: String) -> Self {
        Self {
            unsendable: true,
            ..Self::failed(error, 0)
        }
    }

    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// The receiver answered 410 Gone: it wants no more deliveries.
    pub fn gone(&self) -> bool {
        self.status == Some(410)
    }

    /// A short text for `last_failure_content`, `error_message` and
    /// `endpoint_verification_failed`.
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
