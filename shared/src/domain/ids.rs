//! Time-ordered ids (UUID version 7), printed lower-case and hyphenated.

use std::fmt;
use uuid::Uuid;

macro_rules! uuid_v7_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Accepts only the canonical text of a version 7 UUID; anything else is `None`,
            /// which the API answers as "not found" (a malformed id names no resource).
            pub fn parse(text: &str) -> Option<Self> {
                let uuid = Uuid::try_parse(text).ok()?;
                let canonical = uuid.hyphenated().to_string();
                (uuid.get_version_num() == 7 && canonical == text).then_some(Self(uuid))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Self::parse(&text).ok_or_else(|| serde::de::Error::custom("not a UUIDv7"))
            }
        }
    };
}

uuid_v7_id!(
    /// Identifies one webhook.
    WebhookId
);
uuid_v7_id!(
    /// Identifies one API key (never the key text itself).
    ApiKeyId
);
uuid_v7_id!(
    /// Identifies one published event; it is the `webhook-id` of every delivery of it.
    EventId
);
uuid_v7_id!(
    /// Identifies one delivery attempt.
    ExecutionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_its_own_text() {
        let id = WebhookId::new();
        assert_eq!(WebhookId::parse(&id.to_string()), Some(id));
    }

    #[test]
    fn rejects_upper_case_other_versions_and_garbage() {
        let id = WebhookId::new().to_string();
        assert_eq!(WebhookId::parse(&id.to_uppercase()), None);
        assert_eq!(
            WebhookId::parse("4b1c7e8e-2f7a-4c6e-9d2a-0b6f1c2d3e4f"),
            None
        );
        assert_eq!(WebhookId::parse("nope"), None);
        assert_eq!(WebhookId::parse(&id.replace('-', "")), None);
    }
}
