//! The event-type catalog: the event types the product sends, described for its tenants.

use super::{EventType, Timestamp};
use serde_json::Value;

/// The longest description of an event type.
pub const MAX_CATALOG_DESCRIPTION_LEN: usize = 1024;

/// One catalogued event type. `schema` is a JSON Schema (draft 2020-12) for the `data` of
/// its events; `example` satisfies it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CatalogEntry {
    pub name: EventType,
    pub description: String,
    pub schema: Option<Value>,
    pub example: Option<Value>,
    pub archived: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Whether the catalog binds publishers and subscribers (a deployment setting).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CatalogMode {
    /// Uncatalogued types may be published and subscribed to; catalogued schemas still
    /// validate what is published.
    #[default]
    Open,
    /// Only catalogued, unarchived types may be published, and every webhook event-type
    /// pattern must match one.
    Enforced,
}

impl CatalogMode {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "open" => Some(Self::Open),
            "enforced" => Some(Self::Enforced),
            _ => None,
        }
    }
}
