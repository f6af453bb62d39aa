//! Tenant settings: one item per tenant, in a partition of its own (the tenant's webhook
//! partition is read whole to route events). Each setting is a number attribute, absent when
//! unset, so a merge patch is one UpdateItem that SETs and REMOVEs only the fields it names.

use super::{DynamoStore, Item, key, n};
use crate::domain::TenantId;
use crate::store::{StoreError, TenantSettingsStore};
use crate::tenant_settings::{SettingsPatch, TenantSettings};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;

const SETTINGS_SK: &str = "SETTINGS";

fn settings_key(tenant: &TenantId) -> Item {
    key(format!("T#{tenant}#SETTINGS"), SETTINGS_SK.into())
}

/// The patch's changes by attribute: `None` untouched, `Some(None)` removed.
fn changes(patch: &SettingsPatch) -> [(&'static str, Option<Option<u32>>); 4] {
    [
        ("deliveries_per_second", patch.deliveries_per_second),
        ("max_in_flight", patch.max_in_flight),
        ("events_per_second", patch.events_per_second),
        (
            "retention_days",
            patch.retention_days.map(|v| v.map(u32::from)),
        ),
    ]
}

fn number<T: std::str::FromStr>(item: &Item, name: &str) -> Result<Option<T>, StoreError> {
    item.get(name)
        .map(|v| {
            v.as_n()
                .ok()
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| StoreError::backend(format!("settings item: bad {name}")))
        })
        .transpose()
}

fn settings_of(item: &Item) -> Result<TenantSettings, StoreError> {
    Ok(TenantSettings {
        deliveries_per_second: number(item, "deliveries_per_second")?,
        max_in_flight: number(item, "max_in_flight")?,
        events_per_second: number(item, "events_per_second")?,
        retention_days: number(item, "retention_days")?,
    })
}

#[async_trait]
impl TenantSettingsStore for DynamoStore {
    async fn get_settings(&self, tenant: &TenantId) -> Result<TenantSettings, StoreError> {
        let found = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(settings_key(tenant)))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::backend)?;
        found
            .item
            .map_or_else(|| Ok(TenantSettings::default()), |item| settings_of(&item))
    }

    async fn update_settings(
        &self,
        tenant: &TenantId,
        patch: &SettingsPatch,
    ) -> Result<TenantSettings, StoreError> {
        if patch.is_empty() {
            return self.get_settings(tenant).await;
        }
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(settings_key(tenant)))
            .return_values(ReturnValue::AllNew);
        let (mut set, mut remove) = (Vec::new(), Vec::new());
        for (i, (name, change)) in changes(patch).into_iter().enumerate() {
            let Some(change) = change else { continue };
            update = update.expression_attribute_names(format!("#f{i}"), name);
            match change {
                Some(value) => {
                    set.push(format!("#f{i} = :v{i}"));
                    update = update.expression_attribute_values(format!(":v{i}"), n(value));
                }
                None => remove.push(format!("#f{i}")),
            }
        }
        let mut expression = Vec::new();
        if !set.is_empty() {
            expression.push(format!("SET {}", set.join(", ")));
        }
        if !remove.is_empty() {
            expression.push(format!("REMOVE {}", remove.join(", ")));
        }
        let updated = update
            .update_expression(expression.join(" "))
            .send()
            .await
            .map_err(StoreError::backend)?;
        updated
            .attributes
            .map_or_else(|| Ok(TenantSettings::default()), |item| settings_of(&item))
    }
}
