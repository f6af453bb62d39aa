//! A webhook's `uid`: the caller's own id for it, usable wherever the webhook's id is.

use std::fmt;

/// `[A-Za-z0-9_.-]{1,64}`, and not shaped like a UUID (a path segment that is one names the
/// webhook's own id, so a uid may never be mistaken for one).
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebhookUid(String);

pub const MAX_UID_LEN: usize = 64;

impl WebhookUid {
    pub fn parse(text: &str) -> Result<Self, String> {
        let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
        if text.is_empty() || text.len() > MAX_UID_LEN || !text.chars().all(ok_char) {
            return Err(format!(
                "must be 1 to {MAX_UID_LEN} characters of [A-Za-z0-9_.-]"
            ));
        }
        if uuid::Uuid::try_parse(text).is_ok() {
            return Err("must not be shaped like a UUID (ids are)".into());
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for WebhookUid {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value)
    }
}

impl From<WebhookUid> for String {
    fn from(value: WebhookUid) -> String {
        value.0
    }
}

impl fmt::Display for WebhookUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_are_short_plain_names_and_never_uuids() {
        for good in ["worker-17", "project.a_b", "X", &"a".repeat(64)] {
            assert!(WebhookUid::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            &"a".repeat(65),
            "has space",
            "slash/ed",
            "01890a5d-ac96-774b-bcce-b302099a8057",
            "01890a5dac96774bbcceb302099a8057",
            "é",
        ] {
            assert!(WebhookUid::parse(bad).is_err(), "{bad}");
        }
    }
}
