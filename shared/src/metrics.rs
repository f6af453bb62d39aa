//! CloudWatch metrics as embedded-metric-format (EMF) lines on stdout: CloudWatch Logs
//! turns each line into metric values, with no `PutMetricData` call (and no cost) on the
//! hot path. Namespace `Hookline`:
//! - `Attempts` (Count), `AttemptDuration` (Milliseconds), by `Outcome` (success, error);
//! - `QueueLag` (Milliseconds): now minus the attempt's due time, for automatic attempts;
//! - `Published` (Count) and `FanOut` (Count, the webhooks an event matched).
//!
//! Tenants: a metric per tenant is billed per tenant, so the `Tenant` dimension is added
//! only for the tenants the deployment lists (`HOOKLINE_METRICS_TENANTS`); every line names
//! its tenant as a property either way, which CloudWatch Logs Insights can group by.

use crate::domain::TenantId;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::io::Write;

/// Whether metric lines are written, and which tenants get a dimension of their own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetricsSettings {
    pub emf: bool,
    pub tenant_dimension: BTreeSet<TenantId>,
}

const NAMESPACE: &str = "Hookline";

/// One delivery attempt's outcome, duration and (for automatic attempts) queue lag.
pub fn attempt(
    settings: &MetricsSettings,
    tenant: &TenantId,
    success: bool,
    duration_ms: u64,
    lag_ms: Option<u64>,
) {
    if !settings.emf {
        return;
    }
    let mut metrics = vec![
        json!({"Name": "Attempts", "Unit": "Count"}),
        json!({"Name": "AttemptDuration", "Unit": "Milliseconds"}),
    ];
    let mut line = object(json!({
        "Outcome": if success { "success" } else { "error" },
        "Tenant": tenant.as_str(),
        "Attempts": 1,
        "AttemptDuration": duration_ms,
    }));
    if let Some(lag) = lag_ms {
        metrics.push(json!({"Name": "QueueLag", "Unit": "Milliseconds"}));
        line.insert("QueueLag".into(), json!(lag));
    }
    emit(settings, tenant, &["Outcome"], metrics, line);
}

/// One event published, and how many webhooks it matched.
pub fn published(settings: &MetricsSettings, tenant: &TenantId, matched: usize) {
    if !settings.emf {
        return;
    }
    let metrics = vec![
        json!({"Name": "Published", "Unit": "Count"}),
        json!({"Name": "FanOut", "Unit": "Count"}),
    ];
    let line = object(json!({"Tenant": tenant.as_str(), "Published": 1, "FanOut": matched}));
    emit(settings, tenant, &[], metrics, line);
}

/// The EMF document: `line`'s values with the `_aws` metadata naming them as metrics, by
/// `dimensions`, and by `dimensions` + `Tenant` for a listed tenant.
fn document(
    settings: &MetricsSettings,
    tenant: &TenantId,
    dimensions: &[&str],
    metrics: Vec<Value>,
    mut line: Map<String, Value>,
    now_millis: i64,
) -> Value {
    let mut sets = vec![dimensions.to_vec()];
    if settings.tenant_dimension.contains(tenant) {
        sets.push([dimensions, &["Tenant"]].concat());
    }
    line.insert(
        "_aws".into(),
        json!({
            "Timestamp": now_millis,
            "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": sets, "Metrics": metrics}],
        }),
    );
    Value::Object(line)
}

/// The members of a `json!` object literal.
fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(members) => members,
        _ => Map::new(),
    }
}

fn emit(
    settings: &MetricsSettings,
    tenant: &TenantId,
    dimensions: &[&str],
    metrics: Vec<Value>,
    line: Map<String, Value>,
) {
    let now = crate::domain::Timestamp::now().millis();
    let document = document(settings, tenant, dimensions, metrics, line, now);
    // One write of one whole line: lines from concurrent tasks never interleave inside.
    let mut text = document.to_string();
    text.push('\n');
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_tenant_gets_its_own_dimension_and_every_line_names_its_tenant() {
        let acme = TenantId::parse("acme").unwrap();
        let other = TenantId::parse("other").unwrap();
        let settings = MetricsSettings {
            emf: true,
            tenant_dimension: BTreeSet::from([acme.clone()]),
        };
        let metrics = vec![json!({"Name": "Attempts", "Unit": "Count"})];
        let line = object(json!({"Outcome": "success", "Tenant": "acme", "Attempts": 1}));
        let listed = document(&settings, &acme, &["Outcome"], metrics.clone(), line, 7);
        assert_eq!(listed["_aws"]["Timestamp"], 7);
        let spec = &listed["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(spec["Namespace"], "Hookline");
        assert_eq!(
            spec["Dimensions"],
            json!([["Outcome"], ["Outcome", "Tenant"]])
        );
        assert_eq!(listed["Attempts"], 1);

        let line = object(json!({"Outcome": "success", "Tenant": "other", "Attempts": 1}));
        let unlisted = document(&settings, &other, &["Outcome"], metrics, line, 7);
        assert_eq!(
            unlisted["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Outcome"]])
        );
        assert_eq!(unlisted["Tenant"], "other", "a property, for Logs Insights");
    }
}
