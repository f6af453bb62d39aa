//! The event-type catalog as requests use it: every entry with its schema compiled once,
//! cached per process for `CACHE_TTL` (and dropped at once when this process changes the
//! catalog), so a publish costs no read of the catalog and no schema compilation.

use crate::domain::{CatalogMode, EventType, EventTypes, FieldError};
use crate::store::{CatalogStore, StoreError};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a process trusts its copy of the catalog: a change made through another
/// function takes effect within this time (in AWS; the local server changes it in-process).
pub const CACHE_TTL: Duration = Duration::from_secs(5);
/// Entries read per page when the catalog is loaded.
const PAGE: usize = 100;

/// A schema compiled for validating `data`.
pub struct Schema(jsonschema::Validator);

impl Schema {
    /// Compiles a JSON Schema (draft 2020-12), checked against its meta-schema first: the
    /// message says what is wrong with it.
    pub fn compile(schema: &Value) -> Result<Self, String> {
        if !schema.is_object() && !schema.is_boolean() {
            return Err("must be a JSON Schema: an object or a boolean".into());
        }
        jsonschema::draft202012::meta::validate(schema)
            .map_err(|e| format!("is not a valid JSON Schema (draft 2020-12): {e}"))?;
        jsonschema::draft202012::new(schema)
            .map(Self)
            .map_err(|e| format!("is not a usable JSON Schema: {e}"))
    }

    /// Every failure of `data`, as a field error whose field is the JSON pointer of the
    /// failing value in the request (`/data/...`).
    pub fn failures(&self, data: &Value, under: &str) -> Vec<FieldError> {
        self.0
            .iter_errors(data)
            .map(|e| FieldError::new(format!("{under}{}", e.instance_path()), e.to_string()))
            .collect()
    }
}

struct Known {
    archived: bool,
    schema: Option<Arc<Schema>>,
}

/// The catalog loaded at one moment.
pub struct Loaded {
    entries: BTreeMap<EventType, Known>,
}

impl Loaded {
    /// What publishing `data` as `event_type` breaks: in `Enforced` mode an uncatalogued or
    /// archived type; in both modes, the type's schema.
    pub fn check_publish(
        &self,
        mode: CatalogMode,
        event_type: &EventType,
        data: &Value,
    ) -> Vec<FieldError> {
        match (self.entries.get(event_type), mode) {
            (None, CatalogMode::Enforced) => vec![FieldError::new(
                "event_type",
                "is not in the event-type catalog (publishing is limited to catalogued types)",
            )],
            (Some(known), CatalogMode::Enforced) if known.archived => vec![FieldError::new(
                "event_type",
                "is archived in the event-type catalog",
            )],
            (
                Some(Known {
                    schema: Some(schema),
                    ..
                }),
                _,
            ) => schema.failures(data, "/data"),
            _ => Vec::new(),
        }
    }

    /// In `Enforced` mode, the patterns that match no catalogued, unarchived type.
    pub fn check_subscription(&self, mode: CatalogMode, patterns: &EventTypes) -> Vec<FieldError> {
        if mode == CatalogMode::Open {
            return Vec::new();
        }
        patterns
            .iter()
            .enumerate()
            .filter(|(_, pattern)| {
                !self
                    .entries
                    .iter()
                    .any(|(name, known)| !known.archived && pattern.matches(name))
            })
            .map(|(i, pattern)| {
                FieldError::new(
                    format!("event_types[{i}]"),
                    format!("{pattern} matches no catalogued event type"),
                )
            })
            .collect()
    }
}

#[derive(Default)]
pub struct CatalogCache {
    cached: Mutex<Option<(Instant, Arc<Loaded>)>>,
}

impl CatalogCache {
    /// The catalog, loaded afresh when the copy is older than `CACHE_TTL`.
    pub async fn current(&self, store: &dyn CatalogStore) -> Result<Arc<Loaded>, StoreError> {
        if let Some((at, loaded)) = self.lock().as_ref()
            && at.elapsed() < CACHE_TTL
        {
            return Ok(loaded.clone());
        }
        let loaded = Arc::new(load(store).await?);
        *self.lock() = Some((Instant::now(), loaded.clone()));
        Ok(loaded)
    }

    /// Forgets the copy: this process just changed the catalog.
    pub fn invalidate(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Instant, Arc<Loaded>)>> {
        self.cached.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn load(store: &dyn CatalogStore) -> Result<Loaded, StoreError> {
    let mut entries = BTreeMap::new();
    let mut after: Option<EventType> = None;
    loop {
        let page = store.list(after.as_ref(), PAGE).await?;
        let exhausted = page.len() < PAGE;
        after = page.last().map(|e| e.name.clone());
        for entry in page {
            // A stored schema compiled when it was written; should one ever fail now, the
            // type is treated as having none rather than refusing every publish.
            let schema = entry
                .schema
                .as_ref()
                .and_then(|s| Schema::compile(s).ok())
                .map(Arc::new);
            entries.insert(
                entry.name,
                Known {
                    archived: entry.archived,
                    schema,
                },
            );
        }
        if exhausted {
            return Ok(Loaded { entries });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_schema_reports_each_failure_by_its_pointer() {
        let schema = Schema::compile(&json!({
            "type": "object",
            "required": ["task_id"],
            "properties": {"task_id": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}}}
        }))
        .unwrap();
        assert!(schema.failures(&json!({"task_id": 1}), "/data").is_empty());
        let failures = schema.failures(&json!({"task_id": "x", "tags": ["a", 2]}), "/data");
        let fields: Vec<&str> = failures.iter().map(|f| f.field.as_str()).collect();
        assert!(fields.contains(&"/data/task_id"), "{fields:?}");
        assert!(fields.contains(&"/data/tags/1"), "{fields:?}");
    }

    #[test]
    fn a_schema_that_is_no_schema_is_refused() {
        for bad in [
            json!({"type": "nonsense"}),
            json!({"minimum": "five"}),
            json!(3),
        ] {
            assert!(Schema::compile(&bad).is_err(), "{bad}");
        }
    }
}
