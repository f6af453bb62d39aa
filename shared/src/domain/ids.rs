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

            /// The 16 bytes, for compact storage.
            pub fn to_bytes(self) -> [u8; 16] {
                self.0.into_bytes()
            }

            /// The id stored as 16 bytes; `None` unless they are a version 7 UUID.
            pub fn from_bytes(bytes: [u8; 16]) -> Option<Self> {
                let uuid = Uuid::from_bytes(bytes);
                (uuid.get_version_num() == 7).then_some(Self(uuid))
            }

            /// The lowest (or, `high`, the highest) value any id made in the unix millisecond
            /// `millis` can have: a bound of a range over time, never an id itself.
            pub fn bound(millis: i64, high: bool) -> Self {
                let millis = u64::try_from(millis).unwrap_or(0).min((1 << 48) - 1);
                let mut bytes = if high { [0xff; 16] } else { [0; 16] };
                bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
                Self(Uuid::from_bytes(bytes))
            }

            /// The id made at unix millisecond `millis` from `parts` alone (their bytes one
            /// after the other): the same parts give the same id, for records found without
            /// a pointer and messages told again, which receivers dedupe by id.
            pub fn derived(millis: u64, parts: &[&[u8]]) -> Self {
                use sha2::{Digest, Sha256};
                let mut hasher = Sha256::new();
                for part in parts {
                    hasher.update(part);
                }
                let digest = hasher.finalize();
                let mut random = [0u8; 10];
                random.copy_from_slice(digest.get(..10).unwrap_or(&[0; 10]));
                Self(uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid())
            }

            /// The unix milliseconds in the id: when it was made.
            pub fn unix_millis(self) -> u64 {
                let b = self.0.as_bytes();
                u64::from_be_bytes([0, 0, b[0], b[1], b[2], b[3], b[4], b[5]])
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

impl EventId {
    /// A new id made at `at`, so that the event's time and its id's agree to the
    /// millisecond: the events list's time window is a range of ids.
    pub fn at(at: crate::domain::Timestamp) -> Self {
        let millis = u64::try_from(at.millis()).unwrap_or(0);
        let random: [u8; 10] = rand::random();
        Self(uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid())
    }
}

impl ExecutionId {
    /// The id of the first automatic attempt of `event`'s delivery to `webhook`: its
    /// event's time with bits derived from both ids. Anyone holding the two ids can find
    /// that record without a second one pointing at it (the event's view does), and it
    /// still sorts by time among the webhook's executions (at the event's publish time,
    /// which the first attempt follows by moments).
    pub fn first_attempt(event: EventId, webhook: WebhookId) -> Self {
        Self::derived(
            event.unix_millis(),
            &[&event.to_bytes(), &webhook.to_bytes()],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_attempt_id_is_derived_time_ordered_and_distinct() {
        let (event, webhook) = (EventId::new(), WebhookId::new());
        let id = ExecutionId::first_attempt(event, webhook);
        assert_eq!(id, ExecutionId::first_attempt(event, webhook));
        assert_ne!(id, ExecutionId::first_attempt(event, WebhookId::new()));
        assert_ne!(id, ExecutionId::first_attempt(EventId::new(), webhook));
        assert_eq!(
            ExecutionId::parse(&id.to_string()),
            Some(id),
            "a valid UUIDv7"
        );
        assert_eq!(id.unix_millis(), event.unix_millis());
        assert_eq!(EventId::from_bytes(event.to_bytes()), Some(event));
    }

    #[test]
    fn bounds_enclose_every_id_of_their_millisecond_as_values_and_as_text() {
        let now = crate::domain::Timestamp::now();
        let id = EventId::at(now);
        assert_eq!(id.unix_millis(), u64::try_from(now.millis()).unwrap());
        let (lo, hi) = (
            EventId::bound(now.millis(), false),
            EventId::bound(now.millis(), true),
        );
        assert!(lo <= id && id <= hi);
        assert!(lo.to_string() <= id.to_string() && id.to_string() <= hi.to_string());
        let before = EventId::bound(now.millis() - 1, true);
        let after = EventId::bound(now.millis() + 1, false);
        assert!(before < id && id < after);
        assert!(before.to_string() < id.to_string() && id.to_string() < after.to_string());
    }

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
