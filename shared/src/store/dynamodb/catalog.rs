//! Catalog entries: one partition for the deployment (a catalog holds hundreds of types,
//! read rarely: the functions cache it), sorted by name.

use super::{DynamoStore, Item, key, n, s};
use crate::domain::{CatalogEntry, EventType};
use crate::store::{CatalogStore, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;

const CATALOG_PK: &str = "CATALOG";

fn entry_sk(name: &EventType) -> String {
    format!("ET#{}", name.as_str())
}

/// The entry as one JSON document (a schema may nest deeper than DynamoDB maps allow), with
/// its last change in `at` (milliseconds) for the conditional replace.
fn entry_item(entry: &CatalogEntry) -> Result<Item, StoreError> {
    let mut item = key(CATALOG_PK.into(), entry_sk(&entry.name));
    item.insert(
        "doc".into(),
        s(serde_json::to_string(entry).map_err(StoreError::backend)?),
    );
    item.insert("at".into(), n(entry.updated_at.millis()));
    Ok(item)
}

fn entry_of(item: &Item) -> Result<CatalogEntry, StoreError> {
    let doc = item
        .get("doc")
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| StoreError::backend("catalog item has no doc"))?;
    serde_json::from_str(doc).map_err(StoreError::backend)
}

fn condition_failed(e: &SdkError<PutItemError>) -> bool {
    matches!(
        e.as_service_error(),
        Some(PutItemError::ConditionalCheckFailedException(_))
    )
}

#[async_trait]
impl CatalogStore for DynamoStore {
    async fn insert(&self, entry: &CatalogEntry) -> Result<(), StoreError> {
        let written = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(entry_item(entry)?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match written {
            Ok(_) => Ok(()),
            Err(e) if condition_failed(&e) => Err(StoreError::Conflict),
            Err(e) => Err(StoreError::backend(e)),
        }
    }

    async fn get(&self, name: &EventType) -> Result<Option<CatalogEntry>, StoreError> {
        self.get_doc(CATALOG_PK.into(), entry_sk(name))
            .await?
            .map(|item| entry_of(&item))
            .transpose()
    }

    async fn list(
        &self,
        after: Option<&EventType>,
        limit: usize,
    ) -> Result<Vec<CatalogEntry>, StoreError> {
        // "ET#<after>" sorts first among what BETWEEN takes: it is left out below.
        let lo = after.map_or_else(|| "ET#".to_owned(), entry_sk);
        let items = self.query_all(CATALOG_PK, &lo, "ET#~", limit + 1).await?;
        let mut entries = Vec::new();
        for item in &items {
            let entry = entry_of(item)?;
            if Some(&entry.name) != after {
                entries.push(entry);
            }
        }
        entries.truncate(limit);
        Ok(entries)
    }

    async fn replace(
        &self,
        previous: &CatalogEntry,
        next: &CatalogEntry,
    ) -> Result<(), StoreError> {
        let written = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(entry_item(next)?))
            .condition_expression("#at = :at")
            .expression_attribute_names("#at", "at")
            .expression_attribute_values(":at", n(previous.updated_at.millis()))
            .send()
            .await;
        match written {
            Ok(_) => Ok(()),
            Err(e) if condition_failed(&e) => Err(StoreError::Stale),
            Err(e) => Err(StoreError::backend(e)),
        }
    }

    async fn delete(&self, name: &EventType) -> Result<bool, StoreError> {
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(CATALOG_PK.into(), entry_sk(name))))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(StoreError::backend)?;
        Ok(deleted.attributes().is_some_and(|a| !a.is_empty()))
    }
}
