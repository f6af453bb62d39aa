//! What a webhook keeps secret: its signing secrets and its custom headers, whose values
//! usually carry the receiver's own credentials. In the clear in this process; sealed where
//! they are stored (`seal::Keyring`), and opened only by a function that may decrypt.

use super::{CustomHeaders, WebhookSecret};
use std::fmt;
use std::sync::Arc;

#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Secrets {
    pub secret: WebhookSecret,
    /// The secret replaced by the last rotation, still signing until the webhook's
    /// `previous_secret_until`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_secret: Option<WebhookSecret>,
    #[serde(default)]
    pub headers: CustomHeaders,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&String> = self.headers.iter().map(|(name, _)| name).collect();
        f.debug_struct("Secrets")
            .field("secret", &self.secret)
            .field("previous_secret", &self.previous_secret)
            .field("header_names", &names)
            .finish()
    }
}

/// A webhook's secrets, open or sealed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Credentials {
    /// Made or changed by this process, kept by the in-memory store, or read from an item
    /// written before secrets were sealed.
    Open(Arc<Secrets>),
    /// As the DynamoDB store keeps them.
    Sealed(Sealed),
}

impl Credentials {
    pub fn open(secrets: Secrets) -> Self {
        Self::Open(Arc::new(secrets))
    }

    /// The secrets when they are open (a webhook made in this process).
    pub fn as_open(&self) -> Option<&Arc<Secrets>> {
        match self {
            Self::Open(secrets) => Some(secrets),
            Self::Sealed(_) => None,
        }
    }

    /// The custom headers' names, read without opening anything (`None`: sealed before the
    /// names were kept beside the sealed value).
    pub fn header_names(&self) -> Option<Vec<String>> {
        match self {
            Self::Open(secrets) => Some(secrets.headers.names()),
            Self::Sealed(sealed) => sealed.header_names.clone(),
        }
    }
}

/// `Secrets` as JSON, encrypted with AES-256-GCM under a data key that the key service
/// (KMS, or the local server's own key) encrypted in turn: envelope encryption.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sealed {
    /// The data key as the key service encrypted it, base64.
    pub key: String,
    /// The 12-byte nonce followed by the ciphertext and its tag, base64.
    pub data: String,
    /// The custom headers' names, in the clear: shown with masked values to a key that may
    /// not see them, and for a webhook whose credentials do not open, without opening them.
    /// Absent from values sealed before they were kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_names: Option<Vec<String>>,
}
