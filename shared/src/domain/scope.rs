//! What an API key may do.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    WebhooksView,
    WebhooksAdd,
    WebhooksEdit,
    WebhooksRemove,
    EventsPublish,
    /// The deployment's own: every other scope, for any tenant, and the operator routes.
    /// Only operator keys hold it.
    Operator,
}

impl Scope {
    /// The scopes a tenant's key may hold.
    pub const TENANT: [Scope; 5] = [
        Scope::WebhooksView,
        Scope::WebhooksAdd,
        Scope::WebhooksEdit,
        Scope::WebhooksRemove,
        Scope::EventsPublish,
    ];

    pub const ALL: [Scope; 6] = [
        Scope::WebhooksView,
        Scope::WebhooksAdd,
        Scope::WebhooksEdit,
        Scope::WebhooksRemove,
        Scope::EventsPublish,
        Scope::Operator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::WebhooksView => "webhooks:view",
            Scope::WebhooksAdd => "webhooks:add",
            Scope::WebhooksEdit => "webhooks:edit",
            Scope::WebhooksRemove => "webhooks:remove",
            Scope::EventsPublish => "events:publish",
            Scope::Operator => "operator",
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
    /// Every scope a tenant's key may hold.
    pub fn all_tenant() -> Self {
        Scope::TENANT.into_iter().collect()
    }

    pub fn operator() -> Self {
        Scopes(Scope::Operator.bit())
    }

    /// Whether these scopes allow `scope`: `operator` allows every one.
    pub fn contains(self, scope: Scope) -> bool {
        self.0 & (scope.bit() | Scope::Operator.bit()) != 0
    }

    pub fn is_operator(self) -> bool {
        self.0 & Scope::Operator.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The scopes held, as given (`operator` alone for an operator key).
    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL
            .into_iter()
            .filter(move |s| self.0 & s.bit() != 0)
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
    fn operator_allows_every_scope_and_prints_alone() {
        let operator = Scopes::operator();
        assert!(Scope::ALL.into_iter().all(|s| operator.contains(s)));
        assert_eq!(operator.to_string(), "operator");
        assert!(!Scopes::all_tenant().contains(Scope::Operator));
        assert_eq!(Scopes::parse_list("operator"), Ok(operator));
    }

    #[test]
    fn an_unknown_scope_is_refused() {
        assert!(Scopes::parse_list("webhooks:view,webhooks:everything").is_err());
    }
}
