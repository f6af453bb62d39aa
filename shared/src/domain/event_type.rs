//! Event type names (`task.completed`) and the patterns webhooks subscribe with
//! (`task.completed`, `task.*`, `*`).

use std::fmt;

const MAX_LEN: usize = 128;
/// How many patterns one webhook may hold.
pub const MAX_EVENT_TYPES: usize = 50;

fn valid_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_LEN
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// A concrete event type, as published: no wildcard.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct EventType(String);

impl EventType {
    pub fn parse(text: &str) -> Result<Self, String> {
        if valid_name(text) {
            Ok(Self(text.to_owned()))
        } else {
            Err(format!(
                "must be 1 to {MAX_LEN} characters of [A-Za-z0-9_.-] without wildcards"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The type of the pings Hookline sends itself.
    pub fn webhook_ping() -> Self {
        Self("webhook.ping".to_owned())
    }
}

impl TryFrom<String> for EventType {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value)
    }
}

impl From<EventType> for String {
    fn from(value: EventType) -> String {
        value.0
    }
}

/// What a webhook subscribes to: one exact type, every type under a prefix, or everything.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct EventTypePattern(String);

impl EventTypePattern {
    pub fn parse(text: &str) -> Result<Self, String> {
        let ok = text == "*"
            || match text.strip_suffix(".*") {
                Some(prefix) => valid_name(prefix) && text.len() <= MAX_LEN,
                None => valid_name(text),
            };
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(format!(
                "must be 1 to {MAX_LEN} characters of [A-Za-z0-9_.-], optionally ending in .*, or * alone"
            ))
        }
    }

    /// `task.*` matches `task.sub.done` but not `taskforce.done` nor `task` itself.
    pub fn matches(&self, event_type: &EventType) -> bool {
        let name = event_type.as_str();
        if self.0 == "*" {
            return true;
        }
        match self.0.strip_suffix('*') {
            Some(prefix_with_dot) => name.starts_with(prefix_with_dot),
            None => self.0 == name,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// One exact event type (no `*`).
    pub fn is_exact(&self) -> bool {
        !self.0.ends_with('*')
    }
}

impl TryFrom<String> for EventTypePattern {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value)
    }
}

impl From<EventTypePattern> for String {
    fn from(value: EventTypePattern) -> String {
        value.0
    }
}

impl fmt::Display for EventTypePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 1 to 50 patterns, in the order the user gave them, without duplicates.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "Vec<EventTypePattern>", into = "Vec<EventTypePattern>")]
pub struct EventTypes(Vec<EventTypePattern>);

impl EventTypes {
    pub fn new(patterns: Vec<EventTypePattern>) -> Result<Self, String> {
        if patterns.is_empty() || patterns.len() > MAX_EVENT_TYPES {
            return Err(format!("must hold 1 to {MAX_EVENT_TYPES} event types"));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = patterns.iter().find(|p| !seen.insert(*p)) {
            return Err(format!("lists {dup} twice"));
        }
        Ok(Self(patterns))
    }

    pub fn iter(&self) -> impl Iterator<Item = &EventTypePattern> {
        self.0.iter()
    }

    pub fn matches(&self, event_type: &EventType) -> bool {
        self.0.iter().any(|p| p.matches(event_type))
    }

    /// The patterns sorted, so that two webhooks with the same set compare equal.
    pub fn sorted(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.0.iter().map(EventTypePattern::as_str).collect();
        names.sort_unstable();
        names
    }
}

impl TryFrom<Vec<EventTypePattern>> for EventTypes {
    type Error = String;
    fn try_from(value: Vec<EventTypePattern>) -> Result<Self, String> {
        Self::new(value)
    }
}

impl From<EventTypes> for Vec<EventTypePattern> {
    fn from(value: EventTypes) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> EventTypePattern {
        EventTypePattern::parse(text).unwrap()
    }
    fn t(text: &str) -> EventType {
        EventType::parse(text).unwrap()
    }

    #[test]
    fn a_prefix_pattern_matches_only_below_its_dot() {
        assert!(p("task.*").matches(&t("task.completed")));
        assert!(p("task.*").matches(&t("task.sub.done")));
        assert!(!p("task.*").matches(&t("taskforce.done")));
        assert!(!p("task.*").matches(&t("task")));
    }

    #[test]
    fn star_matches_everything_and_exact_matches_itself() {
        assert!(p("*").matches(&t("anything.at.all")));
        assert!(p("node.changed").matches(&t("node.changed")));
        assert!(!p("node.changed").matches(&t("node.changed.twice")));
    }

    #[test]
    fn the_ping_type_is_a_valid_name() {
        assert_eq!(
            EventType::parse("webhook.ping").unwrap(),
            EventType::webhook_ping()
        );
    }

    #[test]
    fn malformed_patterns_are_refused() {
        for bad in [
            "",
            "*.task",
            "ta sk",
            "task.**",
            "a*",
            &"a".repeat(129),
            "täsk",
        ] {
            assert!(EventTypePattern::parse(bad).is_err(), "{bad:?}");
        }
        assert!(EventType::parse("task.*").is_err());
        assert!(EventType::parse("*").is_err());
    }

    #[test]
    fn lists_are_bounded_and_free_of_duplicates() {
        assert!(EventTypes::new(vec![]).is_err());
        assert!(EventTypes::new(vec![p("a"), p("a")]).is_err());
        let fifty_one = (0..51).map(|i| p(&format!("e{i}"))).collect();
        assert!(EventTypes::new(fifty_one).is_err());
        assert!(EventTypes::new(vec![p("b"), p("a")]).is_ok());
    }
}
