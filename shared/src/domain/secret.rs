//! `WebhookSecret`: `whsec_` + base64 of 24 to 64 random bytes, the Standard Webhooks form.

use base64::{Engine, engine::general_purpose::STANDARD};
use rand::RngCore;
use std::fmt;

const PREFIX: &str = "whsec_";

#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebhookSecret(Vec<u8>);

impl WebhookSecret {
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let message = "must be whsec_ followed by the base64 of 24 to 64 bytes";
        let encoded = text.strip_prefix(PREFIX).ok_or(message)?;
        let bytes = STANDARD.decode(encoded).map_err(|_| message)?;
        if !(24..=64).contains(&bytes.len()) {
            return Err(message.to_owned());
        }
        Ok(Self(bytes))
    }

    /// The key bytes the HMAC is computed with.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// The text shown to the user once, and by `GET /secret`.
    pub fn expose(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.0))
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

impl TryFrom<String> for WebhookSecret {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value)
    }
}

impl From<WebhookSecret> for String {
    fn from(value: WebhookSecret) -> String {
        value.expose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_secret_round_trips_and_is_not_printed() {
        let s = WebhookSecret::generate();
        assert_eq!(WebhookSecret::parse(&s.expose()), Ok(s.clone()));
        assert!(!format!("{s:?}").contains(&s.expose()));
    }

    #[test]
    fn refuses_wrong_prefix_bad_base64_and_wrong_lengths() {
        let short = format!("whsec_{}", STANDARD.encode([0u8; 23]));
        let long = format!("whsec_{}", STANDARD.encode([0u8; 65]));
        for bad in ["secret", "whsec_!!!", short.as_str(), long.as_str()] {
            assert!(WebhookSecret::parse(bad).is_err(), "{bad}");
        }
        assert!(WebhookSecret::parse(&format!("whsec_{}", STANDARD.encode([7u8; 24]))).is_ok());
    }
}
