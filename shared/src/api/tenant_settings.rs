//! A tenant's own settings, managed by the operator (`GET/PATCH /v1/tenants/{tenant}/settings`):
//! shown with what holds beside them, changed by JSON merge patch.

use super::ApiError;
use super::call::Call;
use super::request::{ApiResponse, json_response};
use super::views::TenantSettingsView;
use crate::body::Body;
use crate::tenant_settings::{
    DELIVERIES_PER_SECOND, EVENTS_PER_SECOND, MAX_IN_FLIGHT, RETENTION_DAYS, SettingsPatch,
};
use http::StatusCode;
use serde_json::Value;
use std::ops::RangeInclusive;

const FIELDS: [&str; 4] = [
    "deliveries_per_second",
    "max_in_flight",
    "events_per_second",
    "retention_days",
];

pub async fn get(call: Call<'_>) -> Result<ApiResponse, ApiError> {
    let settings = call.ctx.read_settings(&call.caller.tenant).await?;
    Ok(json_response(
        StatusCode::OK,
        &TenantSettingsView::new(settings, &call.ctx.config),
    ))
}

pub async fn update(call: Call<'_>) -> Result<ApiResponse, ApiError> {
    let patch = parse_patch(&call.request.body)?;
    let tenant = &call.caller.tenant;
    let settings = call.ctx.update_settings(tenant, &patch).await?;
    tracing::info!(%tenant, ?settings, "tenant settings changed");
    Ok(json_response(
        StatusCode::OK,
        &TenantSettingsView::new(settings, &call.ctx.config),
    ))
}

/// The merge patch a body asks for; every field wrong is named at once.
fn parse_patch(bytes: &[u8]) -> Result<SettingsPatch, ApiError> {
    let mut body = Body::parse(bytes, &FIELDS, &[])?;
    let patch = SettingsPatch {
        deliveries_per_second: bounded(&mut body, "deliveries_per_second", DELIVERIES_PER_SECOND),
        max_in_flight: bounded(&mut body, "max_in_flight", MAX_IN_FLIGHT),
        events_per_second: bounded(&mut body, "events_per_second", EVENTS_PER_SECOND),
        retention_days: bounded(&mut body, "retention_days", RETENTION_DAYS),
    };
    let errors = body.into_errors();
    if errors.is_empty() {
        Ok(patch)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// A field of the patch: absent, `null`, or a whole number in `range` (anything else is
/// noted against it).
fn bounded<T>(body: &mut Body, name: &str, range: RangeInclusive<T>) -> Option<Option<T>>
where
    T: Copy + PartialOrd + std::fmt::Display + TryFrom<u64>,
{
    let value = body.take_nullable::<Value>(name)?;
    let Some(value) = value else {
        return Some(None);
    };
    let number = value
        .as_u64()
        .and_then(|n| T::try_from(n).ok())
        .filter(|n| range.contains(n));
    if number.is_none() {
        body.error(
            name,
            format!(
                "must be a whole number from {} to {}, or null for the deployment's default",
                range.start(),
                range.end()
            ),
        );
    }
    number.map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(error: ApiError) -> Vec<String> {
        match error {
            ApiError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_patch_takes_numbers_nulls_and_absence() {
        let patch = parse_patch(br#"{"max_in_flight": 5, "retention_days": null}"#).unwrap();
        assert_eq!(
            patch,
            SettingsPatch {
                max_in_flight: Some(Some(5)),
                retention_days: Some(None),
                ..SettingsPatch::default()
            }
        );
        assert!(parse_patch(b"{}").unwrap().is_empty());
    }

    #[test]
    fn every_bad_field_is_named() {
        let error = parse_patch(
            br#"{"deliveries_per_second": 0, "max_in_flight": 10001, "events_per_second": 1.5,
                "retention_days": 91, "colour": 1}"#,
        )
        .unwrap_err();
        let mut named = fields(error);
        named.sort();
        assert_eq!(
            named,
            [
                "colour",
                "deliveries_per_second",
                "events_per_second",
                "max_in_flight",
                "retention_days"
            ]
        );
        for bad in [
            r#"{"retention_days": "30"}"#,
            r#"{"retention_days": -1}"#,
            r#"{"retention_days": 70000}"#,
            r#"{"events_per_second": 100001}"#,
            r#"{"events_per_second": true}"#,
        ] {
            assert_eq!(fields(parse_patch(bad.as_bytes()).unwrap_err()).len(), 1);
        }
        assert!(parse_patch(b"[]").is_err());
    }
}
