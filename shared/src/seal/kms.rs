//! KMS as the key service: `GenerateDataKey` and `Decrypt`, two JSON calls signed with SigV4.
//!
//! Written over `aws-sigv4` and the `reqwest` client every function already links, rather
//! than with `aws-sdk-kms`: that crate adds 100 KiB to every zip (measured: an HTTP function
//! went from 4,782 KiB to 4,879 KiB, past the 5 MB budget with the sealing code added), for
//! two operations. Credentials, region and endpoint come from the same `SdkConfig` as
//! DynamoDB's and SQS's, so `AWS_ENDPOINT_URL` (moto in tests) applies alike.

use super::{DataKey, KeyService, SealError};
use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::Deserialize;
use serde_json::json;
use std::time::{Duration, SystemTime};

/// KMS answers in milliseconds; a key service call happens once per data key per process.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// Named in every data key's encryption context: KMS refuses to decrypt without it, and
/// CloudTrail shows it beside each call.
const CONTEXT_KEY: &str = "service";
const CONTEXT_VALUE: &str = "hookline";

pub struct KmsKeys {
    /// Built on the first call, not at start: most cold starts never reach KMS.
    http: std::sync::OnceLock<reqwest::Client>,
    credentials: SharedCredentialsProvider,
    region: String,
    endpoint: String,
    key_id: String,
}

impl KmsKeys {
    /// The KMS key `key_id` (id, ARN or alias), reached as `sdk` says.
    pub fn new(sdk: &SdkConfig, key_id: &str) -> Result<Self, String> {
        let credentials = sdk
            .credentials_provider()
            .ok_or("no AWS credentials are configured for KMS")?;
        let region = sdk
            .region()
            .ok_or("no AWS region is configured for KMS")?
            .to_string();
        let endpoint = std::env::var("AWS_ENDPOINT_URL_KMS")
            .ok()
            .or_else(|| sdk.endpoint_url().map(str::to_owned))
            .unwrap_or_else(|| format!("https://kms.{region}.amazonaws.com"));
        Ok(Self {
            http: std::sync::OnceLock::new(),
            credentials,
            region,
            endpoint: format!("{}/", endpoint.trim_end_matches('/')),
            key_id: key_id.to_owned(),
        })
    }

    /// One KMS operation (`TrentService.<operation>`) with a JSON body.
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        operation: &str,
        body: serde_json::Value,
    ) -> Result<T, SealError> {
        let failed = |why: String| SealError::KeyService(format!("KMS {operation}: {why}"));
        let body = serde_json::to_vec(&body).map_err(|e| failed(e.to_string()))?;
        let target = format!("TrentService.{operation}");
        let headers = [
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", target.as_str()),
        ];
        let credentials = self
            .credentials
            .provide_credentials()
            .await
            .map_err(|e| failed(e.to_string()))?;
        let identity: Identity = credentials.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("kms")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| failed(e.to_string()))?
            .into();
        let signable = SignableRequest::new(
            "POST",
            &self.endpoint,
            headers.iter().copied(),
            SignableBody::Bytes(&body),
        )
        .map_err(|e| failed(e.to_string()))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| failed(e.to_string()))?
            .into_parts();
        let http = match self.http.get() {
            Some(http) => http,
            None => {
                let built = reqwest::Client::builder()
                    .timeout(CALL_TIMEOUT)
                    .build()
                    .map_err(|e| failed(e.to_string()))?;
                self.http.get_or_init(|| built)
            }
        };
        let mut request = http.post(&self.endpoint);
        for (name, value) in headers.iter().copied().chain(instructions.headers()) {
            request = request.header(name, value);
        }
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|e| failed(e.to_string()))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| failed(e.to_string()))?;
        if !status.is_success() {
            if refuses_the_blob(&text) {
                return Err(SealError::Corrupt);
            }
            // KMS errors are JSON with `__type` and `message`; neither carries key material.
            return Err(failed(format!("{status}: {text}")));
        }
        // Some operations (CreateAlias) answer with no body at all.
        let text = if text.is_empty() { "null" } else { &text };
        serde_json::from_str(text).map_err(|e| failed(e.to_string()))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Generated {
    plaintext: String,
    ciphertext_blob: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Decrypted {
    plaintext: String,
}

/// Whether KMS refused the blob itself (not sealed by this key, or altered): asking again
/// cannot open it, unlike a refusal for throttling, access or a key being unavailable.
fn refuses_the_blob(error: &str) -> bool {
    #[derive(Deserialize)]
    struct Refusal {
        #[serde(rename = "__type")]
        kind: String,
    }
    serde_json::from_str::<Refusal>(error).is_ok_and(|refusal| {
        ["InvalidCiphertextException", "IncorrectKeyException"]
            .iter()
            .any(|kind| refusal.kind.ends_with(kind))
    })
}

fn decode(field: &str) -> Result<Vec<u8>, SealError> {
    STANDARD
        .decode(field)
        .map_err(|_| SealError::KeyService("KMS answered a blob that is not base64".into()))
}

#[async_trait]
impl KeyService for KmsKeys {
    async fn generate_data_key(&self) -> Result<DataKey, SealError> {
        let made: Generated = self
            .call(
                "GenerateDataKey",
                json!({
                    "KeyId": self.key_id,
                    "KeySpec": "AES_256",
                    "EncryptionContext": {CONTEXT_KEY: CONTEXT_VALUE},
                }),
            )
            .await?;
        Ok(DataKey {
            plaintext: decode(&made.plaintext)?,
            encrypted: decode(&made.ciphertext_blob)?,
        })
    }

    async fn decrypt(&self, encrypted: &[u8]) -> Result<Vec<u8>, SealError> {
        let opened: Decrypted = self
            .call(
                "Decrypt",
                json!({
                    "KeyId": self.key_id,
                    "CiphertextBlob": STANDARD.encode(encrypted),
                    "EncryptionContext": {CONTEXT_KEY: CONTEXT_VALUE},
                }),
            )
            .await?;
        decode(&opened.plaintext)
    }
}

/// Creates a symmetric key named `alias` when no alias of that name exists (the local
/// server against an emulator, as it creates its table and queues); the alias either way.
pub async fn create_alias_if_missing(keys: &KmsKeys, alias: &str) -> Result<(), SealError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Aliases {
        aliases: Vec<AliasEntry>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct AliasEntry {
        alias_name: String,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Created {
        key_metadata: KeyMetadata,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct KeyMetadata {
        key_id: String,
    }
    let listed: Aliases = keys.call("ListAliases", json!({"Limit": 100})).await?;
    if listed.aliases.iter().any(|a| a.alias_name == alias) {
        return Ok(());
    }
    let created: Created = keys
        .call(
            "CreateKey",
            json!({"Description": "Hookline: seals webhook secrets and custom header values"}),
        )
        .await?;
    let aliased: Result<serde_json::Value, _> = keys
        .call(
            "CreateAlias",
            json!({"AliasName": alias, "TargetKeyId": created.key_metadata.key_id}),
        )
        .await;
    // Another process starting at the same time may have made the alias first: its key wins.
    if aliased.is_err() {
        let listed: Aliases = keys.call("ListAliases", json!({"Limit": 100})).await?;
        if !listed.aliases.iter().any(|a| a.alias_name == alias) {
            aliased?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_refusal_of_the_blob_itself_is_taken_for_good() {
        for refused in [
            r#"{"__type":"InvalidCiphertextException"}"#,
            r#"{"__type":"com.amazonaws.kms#IncorrectKeyException","message":"x"}"#,
        ] {
            assert!(refuses_the_blob(refused), "{refused}");
        }
        for passing in [
            r#"{"__type":"ThrottlingException"}"#,
            r#"{"__type":"AccessDeniedException","message":"x"}"#,
            "Service Unavailable",
        ] {
            assert!(!refuses_the_blob(passing), "{passing}");
        }
    }
}
