//! API key items: one looked up by hash per request, one in the registry for the operator tool.

use super::{DynamoStore, Item, TransactFailure, key, tx_delete, tx_put};
use crate::domain::{ApiKeyId, ApiKeyRecord, KeyHash, KeyOwner, Scopes, TenantId, Timestamp};
use crate::store::{KeyStore, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{ConditionCheck, TransactWriteItem};

/// The registry: every key's record under one partition key, sorted by owner and then id
/// (`T#<tenant>#<id>`, `O#<id>` for operator keys), so one tenant's keys are one Query. Only
/// key management reads it; requests look keys up by hash, each in an item of its own.
const KEYS_PK: &str = "KEYS";

fn key_pk(hash: &KeyHash) -> String {
    format!("KEY#{}", hash.as_str())
}

fn owner_prefix(owner: &KeyOwner) -> String {
    match owner {
        KeyOwner::Operator => "O#".to_owned(),
        KeyOwner::Tenant(tenant) => format!("T#{tenant}#"),
    }
}

fn registry_sk(owner: &KeyOwner, id: &ApiKeyId) -> String {
    format!("{}{id}", owner_prefix(owner))
}

/// The stored form of an API key record (the same attributes in both of its items).
#[derive(serde::Serialize, serde::Deserialize)]
struct KeyItem {
    pk: String,
    sk: String,
    id: ApiKeyId,
    /// None for an operator key.
    tenant: Option<TenantId>,
    scopes: String,
    hash: KeyHash,
    prefix: String,
    name: Option<String>,
    created_at: Timestamp,
    valid_until: Option<Timestamp>,
    /// DynamoDB's TTL: an expired key's items are swept (it is refused before that).
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<i64>,
}

impl KeyItem {
    fn new(pk: String, sk: String, r: &ApiKeyRecord) -> Self {
        Self {
            pk,
            sk,
            id: r.id,
            tenant: r.owner.tenant().cloned(),
            scopes: r.scopes.to_string(),
            hash: r.hash.clone(),
            prefix: r.prefix.clone(),
            name: r.name.clone(),
            created_at: r.created_at,
            valid_until: r.expires_at,
            expires_at: r.expires_at.map(|at| at.unix_seconds()),
        }
    }

    fn record(self) -> Result<ApiKeyRecord, StoreError> {
        let scopes = Scopes::parse_list(&self.scopes).map_err(StoreError::backend)?;
        let owner = match self.tenant {
            Some(tenant) => KeyOwner::Tenant(tenant),
            None if scopes.is_operator() => KeyOwner::Operator,
            None => {
                return Err(StoreError::backend(
                    "a key item without tenant or operator scope",
                ));
            }
        };
        Ok(ApiKeyRecord {
            id: self.id,
            owner,
            scopes,
            hash: self.hash,
            prefix: self.prefix,
            name: self.name,
            created_at: self.created_at,
            expires_at: self.valid_until,
        })
    }
}

#[async_trait]
impl KeyStore for DynamoStore {
    async fn put(&self, record: &ApiKeyRecord) -> Result<(), StoreError> {
        let lookup = KeyItem::new(key_pk(&record.hash), "KEY".into(), record);
        let registry = KeyItem::new(
            KEYS_PK.into(),
            registry_sk(&record.owner, &record.id),
            record,
        );
        let mut items = Vec::new();
        // Replacing a key with the same text: drop the old registry entry first.
        if let Some(old) = self.find_by_hash(&record.hash).await?
            && old.id != record.id
        {
            items.push(tx_delete(self.delete_item(key(
                KEYS_PK.into(),
                registry_sk(&old.owner, &old.id),
            ))?));
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

    async fn list(&self, owner: Option<&KeyOwner>) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let (lo, hi) = match owner {
            Some(owner) => {
                let prefix = owner_prefix(owner);
                (prefix.clone(), format!("{prefix}~"))
            }
            None => ("0".to_owned(), "~".to_owned()),
        };
        let items = self.query_all(KEYS_PK, &lo, &hi, usize::MAX).await?;
        let mut records = Vec::new();
        for item in items {
            records.push(
                serde_dynamo::from_item::<_, KeyItem>(item)
                    .map_err(StoreError::backend)?
                    .record()?,
            );
        }
        // Oldest first across owners too (ids are time-ordered).
        records.sort_by_key(|r| r.id);
        Ok(records)
    }

    async fn list_page(
        &self,
        tenant: &TenantId,
        after: Option<&ApiKeyId>,
        limit: usize,
    ) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let owner = KeyOwner::Tenant(tenant.clone());
        let prefix = owner_prefix(&owner);
        // BETWEEN is inclusive: start at `after` itself and leave it out.
        let lo = after.map_or_else(|| prefix.clone(), |a| registry_sk(&owner, a));
        let items = self
            .query_all(KEYS_PK, &lo, &format!("{prefix}~"), limit + 1)
            .await?;
        let mut records = Vec::new();
        for item in items {
            let record = serde_dynamo::from_item::<_, KeyItem>(item)
                .map_err(StoreError::backend)?
                .record()?;
            if Some(&record.id) != after {
                records.push(record);
            }
        }
        records.truncate(limit);
        Ok(records)
    }

    async fn revoke(&self, id: &ApiKeyId, owner: Option<&KeyOwner>) -> Result<bool, StoreError> {
        // The registry entry: straight from its key when the owner is known, else looked for
        // among every key (the operator tool, by id alone).
        let found = match owner {
            Some(owner) => self.get_doc(KEYS_PK.into(), registry_sk(owner, id)).await?,
            None => self
                .query_all(KEYS_PK, "0", "~", usize::MAX)
                .await?
                .into_iter()
                .find(|item| {
                    item.get("id")
                        .and_then(|v| v.as_s().ok())
                        .is_some_and(|v| v == &id.to_string())
                }),
        };
        let Some(item) = found else {
            return Ok(false);
        };
        let item: KeyItem = serde_dynamo::from_item(item).map_err(StoreError::backend)?;
        let registry = key(KEYS_PK.into(), item.sk.clone());
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(registry.clone()))
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
            .set_key(Some(registry))
            .send()
            .await
            .map_err(StoreError::backend)?;
        Ok(true)
    }
}
