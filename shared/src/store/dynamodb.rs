//! DynamoDB adapter: one on-demand table, `pk`/`sk` string keys, the tenant in every key, no
//! Scan anywhere.
//!
//! | item | pk | sk |
//! |---|---|---|
//! | webhook | `T#<tenant>` | `WH#<webhook id>` (UUIDv7: creation order) |
//! | url + event types uniqueness | `T#<tenant>` | `WHKEY#<conflict key>` |
//! | webhook count, for the cap | `T#<tenant>` | `WHCOUNT` |
//! | API key, looked up per request | `KEY#<sha256>` | `KEY` |
//! | API key registry, for the operator tool | `KEYS` | `<key id>` |
//!
//! Conflicts and the per-tenant cap are enforced by conditions inside one transaction with
//! the write they guard, so two concurrent creates can never both win.

use super::{KeyStore, StoreError, WebhookStore};
use crate::domain::{
    ApiKeyId, ApiKeyRecord, KeyHash, Scopes, TenantId, Timestamp, Webhook, WebhookId,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, Delete, KeySchemaElement,
    KeyType, Put, ScalarAttributeType, TimeToLiveSpecification, TransactWriteItem, Update,
};
use std::collections::HashMap;

/// The SDK configuration from the environment, or against `endpoint` when given. An emulator
/// needs no real account, so with an endpoint, missing credentials and region default to
/// dummies rather than sending the SDK probing the instance metadata address.
pub async fn sdk_config(endpoint: Option<&str>) -> aws_config::SdkConfig {
    let mut loader = aws_config::from_env();
    if let Some(endpoint) = endpoint {
        loader = loader.endpoint_url(endpoint);
        let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty());
        if !set("AWS_ACCESS_KEY_ID") && !set("AWS_PROFILE") {
            let dummy =
                aws_sdk_dynamodb::config::Credentials::new("test", "test", None, None, "emulator");
            loader = loader.credentials_provider(dummy);
        }
        if !set("AWS_REGION") && !set("AWS_DEFAULT_REGION") {
            loader = loader.region(aws_sdk_dynamodb::config::Region::new("us-east-1"));
        }
    }
    loader.load().await
}

/// The attribute DynamoDB's TTL deletes items by (unix seconds).
pub const TTL_ATTRIBUTE: &str = "expires_at";

pub(crate) type Item = HashMap<String, AttributeValue>;

#[derive(Clone)]
pub struct DynamoStore {
    pub(crate) client: Client,
    pub(crate) table: String,
}

pub(crate) fn s(text: impl Into<String>) -> AttributeValue {
    AttributeValue::S(text.into())
}

pub(crate) fn n(number: impl ToString) -> AttributeValue {
    AttributeValue::N(number.to_string())
}

pub(crate) fn tenant_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}")
}

fn webhook_sk(id: &WebhookId) -> String {
    format!("WH#{id}")
}

fn conflict_sk(key: &str) -> String {
    format!("WHKEY#{key}")
}

const COUNT_SK: &str = "WHCOUNT";
const KEYS_PK: &str = "KEYS";

fn key_pk(hash: &KeyHash) -> String {
    format!("KEY#{}", hash.as_str())
}

pub(crate) fn key(pk: String, sk: String) -> Item {
    HashMap::from([("pk".to_owned(), s(pk)), ("sk".to_owned(), s(sk))])
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Builds a client from the environment (`AWS_REGION`, credentials, `AWS_ENDPOINT_URL`),
    /// or against `endpoint` when given (moto, DynamoDB Local).
    pub async fn client(endpoint: Option<&str>) -> Client {
        Client::new(&sdk_config(endpoint).await)
    }

    /// Creates the table (on demand, with TTL) unless it exists: for the local server, the
    /// tests and the operator tool; in AWS the template creates it.
    pub async fn create_table_if_missing(&self) -> Result<(), StoreError> {
        let attribute = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(StoreError::backend)
        };
        let key = |name: &str, kind| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .map_err(StoreError::backend)
        };
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute("pk")?)
            .attribute_definitions(attribute("sk")?)
            .key_schema(key("pk", KeyType::Hash)?)
            .key_schema(key("sk", KeyType::Range)?)
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_in_use_exception()) =>
            {
                return Ok(());
            }
            Err(e) => return Err(StoreError::backend(e)),
        }
        for _ in 0..120 {
            let described = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
                .map_err(StoreError::backend)?;
            let status = described
                .table()
                .and_then(|t| t.table_status())
                .map(|s| s.as_str());
            if status == Some("ACTIVE") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        let ttl = TimeToLiveSpecification::builder()
            .attribute_name(TTL_ATTRIBUTE)
            .enabled(true)
            .build()
            .map_err(StoreError::backend)?;
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(ttl)
            .send()
            .await
            .map_err(StoreError::backend)?;
        Ok(())
    }

    fn webhook_item(&self, webhook: &Webhook) -> Result<Item, StoreError> {
        let mut item: Item = serde_dynamo::to_item(webhook).map_err(StoreError::backend)?;
        item.insert("pk".into(), s(tenant_pk(&webhook.tenant)));
        item.insert("sk".into(), s(webhook_sk(&webhook.id)));
        Ok(item)
    }

    fn conflict_item(&self, webhook: &Webhook) -> Item {
        let mut item = key(
            tenant_pk(&webhook.tenant),
            conflict_sk(&webhook.conflict_key()),
        );
        item.insert("webhook_id".into(), s(webhook.id.to_string()));
        item
    }

    fn put(&self, item: Item, condition: Option<&str>) -> Result<Put, StoreError> {
        let mut put = Put::builder().table_name(&self.table).set_item(Some(item));
        if let Some(condition) = condition {
            put = put.condition_expression(condition);
        }
        put.build().map_err(StoreError::backend)
    }

    fn delete_item(&self, key: Item) -> Result<Delete, StoreError> {
        Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .build()
            .map_err(StoreError::backend)
    }

    /// Adds `by` to the tenant's webhook count; with `max`, only while the count is below it.
    fn count_update(
        &self,
        tenant: &TenantId,
        by: i64,
        max: Option<u32>,
    ) -> Result<Update, StoreError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(tenant_pk(tenant), COUNT_SK.into())))
            .update_expression("ADD #n :by")
            .expression_attribute_names("#n", "n")
            .expression_attribute_values(":by", n(by));
        if let Some(max) = max {
            update = update
                .condition_expression("attribute_not_exists(#n) OR #n < :max")
                .expression_attribute_values(":max", n(max));
        }
        update.build().map_err(StoreError::backend)
    }

    /// Runs a transaction; a cancelled one reports which of its items failed a condition.
    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), TransactFailure> {
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                    let failed = cancelled
                        .cancellation_reasons()
                        .iter()
                        .position(|r| r.code() == Some("ConditionalCheckFailed"));
                    match failed {
                        Some(index) => Err(TransactFailure::Condition(index)),
                        None => Err(TransactFailure::Backend(StoreError::backend(cancelled))),
                    }
                }
                other => Err(TransactFailure::Backend(StoreError::backend(other))),
            },
            Err(other) => Err(TransactFailure::Backend(StoreError::backend(other))),
        }
    }

    async fn query_all(
        &self,
        pk: &str,
        lo: &str,
        hi: &str,
        limit: usize,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        while items.len() < limit {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :lo AND :hi")
                .expression_attribute_values(":pk", s(pk))
                .expression_attribute_values(":lo", s(lo))
                .expression_attribute_values(":hi", s(hi))
                .limit(i32::try_from(limit - items.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(StoreError::backend)?;
            items.extend(page.items().iter().cloned());
            match page.last_evaluated_key() {
                Some(last) if !last.is_empty() => start = Some(last.clone()),
                _ => break,
            }
        }
        Ok(items)
    }
}

enum TransactFailure {
    /// The item at this index failed its condition.
    Condition(usize),
    Backend(StoreError),
}

fn tx_put(put: Put) -> TransactWriteItem {
    TransactWriteItem::builder().put(put).build()
}

fn tx_delete(delete: Delete) -> TransactWriteItem {
    TransactWriteItem::builder().delete(delete).build()
}

fn tx_update(update: Update) -> TransactWriteItem {
    TransactWriteItem::builder().update(update).build()
}

#[async_trait]
impl WebhookStore for DynamoStore {
    async fn insert(&self, webhook: &Webhook, max_per_tenant: u32) -> Result<(), StoreError> {
        let items = vec![
            tx_put(self.put(
                self.webhook_item(webhook)?,
                Some("attribute_not_exists(pk)"),
            )?),
            tx_put(self.put(
                self.conflict_item(webhook),
                Some("attribute_not_exists(pk)"),
            )?),
            tx_update(self.count_update(&webhook.tenant, 1, Some(max_per_tenant))?),
        ];
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Condition(1)) => Err(StoreError::Conflict),
            Err(TransactFailure::Condition(2)) => Err(StoreError::LimitReached),
            Err(TransactFailure::Condition(_)) => Err(StoreError::backend("webhook id collision")),
            Err(TransactFailure::Backend(e)) => Err(e),
        }
    }

    async fn get(&self, tenant: &TenantId, id: &WebhookId) -> Result<Option<Webhook>, StoreError> {
        let found = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(tenant_pk(tenant), webhook_sk(id))))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::backend)?;
        found
            .item
            .map(|item| serde_dynamo::from_item(item).map_err(StoreError::backend))
            .transpose()
    }

    async fn list(
        &self,
        tenant: &TenantId,
        after: Option<&WebhookId>,
        limit: usize,
    ) -> Result<Vec<Webhook>, StoreError> {
        // Ids have one fixed length, so "WH#<after>~" sorts after `after` and before every
        // later id; "WH#~" after every id.
        let lo = after.map_or_else(|| "WH#".to_owned(), |a| format!("WH#{a}~"));
        let items = self
            .query_all(&tenant_pk(tenant), &lo, "WH#~", limit)
            .await?;
        items
            .into_iter()
            .map(|item| serde_dynamo::from_item(item).map_err(StoreError::backend))
            .collect()
    }

    async fn update(&self, previous: &Webhook, next: &Webhook) -> Result<(), StoreError> {
        let write = Put::builder()
            .table_name(&self.table)
            .set_item(Some(self.webhook_item(next)?))
            .condition_expression("#v = :v")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":v", n(previous.version))
            .build()
            .map_err(StoreError::backend)?;
        let mut items = vec![tx_put(write)];
        if previous.conflict_key() != next.conflict_key() {
            let old = key(
                tenant_pk(&previous.tenant),
                conflict_sk(&previous.conflict_key()),
            );
            items.push(tx_delete(self.delete_item(old)?));
            items.push(tx_put(
                self.put(self.conflict_item(next), Some("attribute_not_exists(pk)"))?,
            ));
        }
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Condition(0)) => Err(StoreError::Stale),
            Err(TransactFailure::Condition(_)) => Err(StoreError::Conflict),
            Err(TransactFailure::Backend(e)) => Err(e),
        }
    }

    async fn delete(&self, webhook: &Webhook) -> Result<(), StoreError> {
        let remove = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(
                tenant_pk(&webhook.tenant),
                webhook_sk(&webhook.id),
            )))
            .condition_expression("#v = :v")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":v", n(webhook.version))
            .build()
            .map_err(StoreError::backend)?;
        let conflict = key(
            tenant_pk(&webhook.tenant),
            conflict_sk(&webhook.conflict_key()),
        );
        let items = vec![
            tx_delete(remove),
            tx_delete(self.delete_item(conflict)?),
            tx_update(self.count_update(&webhook.tenant, -1, None)?),
        ];
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Condition(_)) => Err(StoreError::Stale),
            Err(TransactFailure::Backend(e)) => Err(e),
        }
    }
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
