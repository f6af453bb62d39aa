//! What an API key may do.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    WebhooksView,
    WebhooksAdd,
    WebhooksEdit,
    WebhooksRemove,
    EventsPublish,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::WebhooksView,
        Scope::WebhooksAdd,
        Scope::WebhooksEdit,
        Scope::WebhooksRemove,
        Scope::EventsPublish,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::WebhooksView => "webhooks:view",
            Scope::WebhooksAdd => "webhooks:add",
            Scope::WebhooksEdit => "webhooks:edit",
            Scope::WebhooksRemove => "webhooks:remove",
            Scope::EventsPublish => "events:publish",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of scopes, printed as a comma-separated list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Scopes(u8);

impl Scopes {
    pub fn all() -> Self {
        Scope::ALL.into_iter().collect()
    }

    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    /// Parses `a,b,c` (spaces allowed); an unknown scope is an error naming it.
    pub fn parse_list(text: &str) -> Result<Self, String> {
        let mut scopes = Scopes::default();
        for part in text
            .split([',', ' '])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let scope = Scope::parse(part).ok_or_else(|| format!("unknown scope {part:?}"))?;
            scopes.0 |= scope.bit();
        }
        Ok(scopes)
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        Scopes(iter.into_iter().fold(0, |acc, s| acc | s.bit()))
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Scope::as_str).collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_round_trips() {
        let scopes = Scopes::parse_list("webhooks:view, events:publish").unwrap();
        assert!(scopes.contains(Scope::WebhooksView));
        assert!(!scopes.contains(Scope::WebhooksEdit));
        assert_eq!(Scopes::parse_list(&scopes.to_string()), Ok(scopes));
    }

    #[test]
    fn an_unknown_scope_is_refused() {
        assert!(Scopes::parse_list("webhooks:view,webhooks:everything").is_err());
    }
}
