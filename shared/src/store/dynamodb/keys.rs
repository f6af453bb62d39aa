//! API key items: one looked up by hash per request, one in the registry for the operator tool.

use super::{DynamoStore, Item, TransactFailure, key, tx_delete, tx_put};
use crate::domain::{ApiKeyId, ApiKeyRecord, KeyHash, Scopes, TenantId, Timestamp};
use crate::store::{KeyStore, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{ConditionCheck, TransactWriteItem};

const KEYS_PK: &str = "KEYS";

fn key_pk(hash: &KeyHash) -> String {
    format!("KEY#{}", hash.as_str())
}

/// The stored form of an API key record (the same attributes in both of its items).
#[derive(serde::Serialize, serde::Deserialize)]
struct KeyItem {
    pk: String,
    sk: String,
    id: ApiKeyId,
    tenant: TenantId,
    scopes: String,
    hash: KeyHash,
    prefix: String,
    name: Option<String>,
    created_at: Timestamp,
}

impl KeyItem {
    fn new(pk: String, sk: String, r: &ApiKeyRecord) -> Self {
        Self {
            pk,
            sk,
            id: r.id,
            tenant: r.tenant.clone(),
            scopes: r.scopes.to_string(),
            hash: r.hash.clone(),
            prefix: r.prefix.clone(),
            name: r.name.clone(),
            created_at: r.created_at,
        }
    }

    fn record(self) -> Result<ApiKeyRecord, StoreError> {
        Ok(ApiKeyRecord {
            id: self.id,
            tenant: self.tenant,
            scopes: Scopes::parse_list(&self.scopes).map_err(StoreError::backend)?,
            hash: self.hash,
            prefix: self.prefix,
            name: self.name,
            created_at: self.created_at,
        })
    }
}

#[async_trait]
impl KeyStore for DynamoStore {
    async fn put(&self, record: &ApiKeyRecord) -> Result<(), StoreError> {
        let lookup = KeyItem::new(key_pk(&record.hash), "KEY".into(), record);
        let registry = KeyItem::new(KEYS_PK.into(), record.id.to_string(), record);
        let mut items = Vec::new();
        // Replacing a key with the same text: drop the old registry entry first.
        if let Some(old) = self.find_by_hash(&record.hash).await?
            && old.id != record.id
        {
            items.push(tx_delete(
                self.delete_item(key(KEYS_PK.into(), old.id.to_string()))?,
            ));
        }
        for item in [lookup, registry] {
            let item: Item = serde_dynamo::to_item(item).map_err(StoreError::backend)?;
            items.push(tx_put(self.put(item, None)?));
        }
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Condition(_)) => Err(StoreError::Stale),
            Err(TransactFailure::Backend(e)) => Err(e),
        }
    }

    async fn find_by_hash(&self, hash: &KeyHash) -> Result<Option<ApiKeyRecord>, StoreError> {
        let found = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(key_pk(hash), "KEY".into())))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::backend)?;
        match found.item {
            Some(item) => {
                let item: KeyItem = serde_dynamo::from_item(item).map_err(StoreError::backend)?;
                Ok(Some(item.record()?))
            }
            None => Ok(None),
        }
    }

    async fn list(&self, tenant: Option<&TenantId>) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let items = self.query_all(KEYS_PK, "0", "~", usize::MAX).await?;
        let mut records = Vec::new();
        for item in items {
            let record = serde_dynamo::from_item::<_, KeyItem>(item)
                .map_err(StoreError::backend)?
                .record()?;
            if tenant.is_none_or(|t| &record.tenant == t) {
                records.push(record);
            }
        }
        Ok(records)
    }

    async fn revoke(&self, id: &ApiKeyId) -> Result<bool, StoreError> {
        let found = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(KEYS_PK.into(), id.to_string())))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::backend)?;
        let Some(item) = found.item else {
            return Ok(false);
        };
        let item: KeyItem = serde_dynamo::from_item(item).map_err(StoreError::backend)?;
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key(KEYS_PK.into(), id.to_string())))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(StoreError::backend)?;
        let items = vec![
            TransactWriteItem::builder().condition_check(check).build(),
            tx_delete(self.delete_item(key(key_pk(&item.hash), "KEY".into()))?),
        ];
        // The registry entry goes last so that a crash between the two never leaves a working
        // key that the operator can no longer see.
        match self.transact(items).await {
            Ok(()) => {}
            Err(TransactFailure::Condition(_)) => return Ok(false),
            Err(TransactFailure::Backend(e)) => return Err(e),
        }
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(KEYS_PK.into(), id.to_string())))
            .send()
            .await
            .map_err(StoreError::backend)?;
        Ok(true)
    }
}
