//! DynamoDB adapter: one on-demand table, `pk`/`sk` string keys, the tenant in every key, no
//! Scan anywhere. One module per aggregate (`webhooks`, `keys`, `events`, `executions`); this
//! one holds the table, the item helpers and transactions. (`catalog` too.)
//!
//! | item | pk | sk |
//! |---|---|---|
//! | webhook | `T#<tenant>` | `WH#<webhook id>` (UUIDv7: creation order) |
//! | url + event types uniqueness | `T#<tenant>` | `WHKEY#<conflict key>` |
//! | webhook count (cap) and routing version | `T#<tenant>` | `WHCOUNT` |
//! | API key, looked up per request | `KEY#<sha256>` | `KEY` |
//! | webhook uid uniqueness | `T#<tenant>` | `WHKEY#uid:<uid>` |
//! | API key registry, for key management | `KEYS` | `T#<tenant>#<key id>`, `O#<key id>` |
//! | event-type catalog entry | `CATALOG` | `ET#<name>` |
//! | event (its data and its matched webhook ids, packed, beside the document) | `T#<tenant>#EVD#<day>#<shard>` | `EV#<event id>` |
//! | delivery of an event to a webhook | `T#<tenant>#EVD#<day>#<shard>` | `DL#<event id>#<webhook id>` |
//! | execution (attempt) | `T#<tenant>#WH#<webhook id>` | `EX#<execution id>` (UUIDv7: time order) |
//! | delivery that failed / was dropped | `T#<tenant>#WH#<webhook id>` | `FL#<event id>` / `DR#<event id>` |
//! | delivery whose automatic retry is queued (after which attempt) | `T#<tenant>#WH#<webhook id>` | `QU#<event id>` |
//! | a tenant published in this minute, for the sweep | `SWEEP#<unix minute>` | `T#<tenant>` |
//! | how far the sweep got (minute, tenant, event) | `SWEEP` | `PROGRESS` |
//! | idempotency key | `T#<tenant>#IDEM#<sha256 of the key>` | `IDEM` |
//! | publishes leased in a rate window | `T#<tenant>#RATE#<window>` | `RATE` |
//! | attempts a failing webhook started in a window | `T#<tenant>#WH#<webhook id>` | `IF#<window>` |
//! | a tenant's settings (a number attribute per setting set) | `T#<tenant>#SETTINGS` | `SETTINGS` |
//!
//! A tenant's own partition holds only its webhooks and their guards: events, keys and
//! executions each spread over partitions of their own. Events are keyed by time (the day
//! of their UUIDv7 id, and a shard of four from its random bits), so a tenant's events list
//! is a Query of its day partitions, newest first, and costs no index write. There is no
//! secondary index.
//!
//! Conflicts and the per-tenant cap are enforced by conditions inside one transaction with
//! the write they guard, so two concurrent creates can never both win. Records are stored as
//! one JSON document attribute (`doc`); every record has `expires_at` for the table's TTL,
//! and reads skip expired ones, since TTL deletes lazily.

mod catalog;
mod events;
mod executions;
mod idempotency;
mod keys;
mod sweep;
mod tenant_settings;
mod webhooks;

use super::StoreError;
use crate::domain::{TenantId, Timestamp};
use crate::seal::Keyring;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, Delete, KeySchemaElement, KeyType,
    KeysAndAttributes, Put, ScalarAttributeType, TimeToLiveSpecification, TransactWriteItem,
    Update,
};
use std::collections::HashMap;
use std::sync::Arc;

/// The attribute DynamoDB's TTL deletes items by (unix seconds).
pub const TTL_ATTRIBUTE: &str = "expires_at";

pub(crate) type Item = HashMap<String, AttributeValue>;

/// A conditional write's answer: `true` when it was written, `false` when its condition did
/// not hold; any other failure is the store's.
pub(crate) fn written<T, E, R>(result: Result<T, SdkError<E, R>>) -> Result<bool, StoreError>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(e)
            if aws_sdk_dynamodb::error::ProvideErrorMetadata::code(&e)
                == Some("ConditionalCheckFailedException") =>
        {
            Ok(false)
        }
        Err(e) => Err(StoreError::backend(e)),
    }
}

#[derive(Clone)]
pub struct DynamoStore {
    pub(crate) client: Client,
    pub(crate) table: String,
    /// Seals webhooks' secrets before they are written.
    pub(crate) keyring: Arc<Keyring>,
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

pub(crate) fn key(pk: String, sk: String) -> Item {
    HashMap::from([("pk".to_owned(), s(pk)), ("sk".to_owned(), s(sk))])
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>, keyring: Arc<Keyring>) -> Self {
        Self {
            client,
            table: table.into(),
            keyring,
        }
    }

    /// The keyring that seals what this store writes, and opens it.
    pub fn keyring(&self) -> &Arc<Keyring> {
        &self.keyring
    }

    /// Builds a client from the environment (`AWS_REGION`, credentials, `AWS_ENDPOINT_URL`),
    /// or against `endpoint` when given (moto, DynamoDB Local).
    pub async fn client(endpoint: Option<&str>) -> Client {
        crate::aws::dynamodb_client(&crate::aws::sdk_config(endpoint).await)
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

    pub(crate) fn put(&self, item: Item, condition: Option<&str>) -> Result<Put, StoreError> {
        let mut put = Put::builder().table_name(&self.table).set_item(Some(item));
        if let Some(condition) = condition {
            put = put.condition_expression(condition);
        }
        put.build().map_err(StoreError::backend)
    }

    pub(crate) fn delete_item(&self, key: Item) -> Result<Delete, StoreError> {
        Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .build()
            .map_err(StoreError::backend)
    }

    /// Runs a transaction; a cancelled one reports which of its items failed a condition.
    pub(crate) async fn transact(
        &self,
        items: Vec<TransactWriteItem>,
    ) -> Result<(), TransactFailure> {
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

    pub(crate) async fn query_all(
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
                // Read what was just written: the routes are cached under the version read
                // before this list.
                .consistent_read(true)
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

/// Records (events, deliveries, executions) are one JSON document each: event data may nest
/// deeper than DynamoDB maps allow.
pub(crate) fn document(
    pk: String,
    sk: String,
    doc: &impl serde::Serialize,
    expires_at: Timestamp,
) -> Result<Item, StoreError> {
    let mut item = key(pk, sk);
    item.insert(
        "doc".into(),
        s(serde_json::to_string(doc).map_err(StoreError::backend)?),
    );
    item.insert(TTL_ATTRIBUTE.into(), n(expires_at.unix_seconds()));
    Ok(item)
}

/// Whether the item's `expires_at` has passed (DynamoDB's TTL deletes lazily, days late).
pub(crate) fn expired(item: &Item, now: Timestamp) -> bool {
    item.get(TTL_ATTRIBUTE)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .is_some_and(|e| e <= now.unix_seconds())
}

/// The document of a live item; `None` when it has expired.
pub(crate) fn read<T: serde::de::DeserializeOwned>(
    item: &Item,
    now: Timestamp,
) -> Result<Option<T>, StoreError> {
    if expired(item, now) {
        return Ok(None);
    }
    let doc = item
        .get("doc")
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| StoreError::backend("item has no doc"))?;
    serde_json::from_str(doc)
        .map(Some)
        .map_err(StoreError::backend)
}

impl DynamoStore {
    /// Writes (or overwrites) an item, unconditionally.
    pub(crate) async fn put_plain(&self, item: Item) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(StoreError::backend)?;
        Ok(())
    }

    /// Deletes the item with this key, if any.
    pub(crate) async fn delete_plain(&self, key: Item) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .send()
            .await
            .map_err(StoreError::backend)?;
        Ok(())
    }

    pub(crate) async fn get_doc(&self, pk: String, sk: String) -> Result<Option<Item>, StoreError> {
        let found = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::backend)?;
        Ok(found.item)
    }

    /// The items with these keys that exist, in no particular order. BatchGetItem takes 100
    /// keys; what it leaves unprocessed is asked again.
    pub(crate) async fn batch_get(
        &self,
        keys: Vec<Item>,
        consistent: bool,
    ) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::new();
        for chunk in keys.chunks(100) {
            let wanted = KeysAndAttributes::builder()
                .consistent_read(consistent)
                .set_keys(Some(chunk.to_vec()));
            let mut pending = Some(wanted.build().map_err(StoreError::backend)?);
            for round in 0..8u32 {
                let Some(ask) = pending.take() else { break };
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, ask)
                    .send()
                    .await
                    .map_err(StoreError::backend)?;
                if let Some(items) = out.responses().and_then(|r| r.get(&self.table)) {
                    found.extend(items.iter().cloned());
                }
                pending = out
                    .unprocessed_keys()
                    .and_then(|u| u.get(&self.table))
                    .filter(|k| !k.keys().is_empty())
                    .cloned();
                if pending.is_some() {
                    if round == 7 {
                        return Err(StoreError::backend("DynamoDB kept keys unprocessed"));
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50 << round)).await;
                }
            }
        }
        Ok(found)
    }

    /// Query one partition: `condition` on `sk` with `values`, in `forward` order, read as
    /// `how` says.
    pub(crate) async fn query_partition(
        &self,
        pk: String,
        condition: &str,
        values: Vec<(&str, AttributeValue)>,
        forward: bool,
        limit: usize,
        how: ReadAs<'_>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        while items.len() < limit {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(format!("pk = :pk AND {condition}"))
                .expression_attribute_values(":pk", s(pk.clone()))
                .scan_index_forward(forward)
                .consistent_read(matches!(how, ReadAs::Consistent))
                .limit(i32::try_from(limit - items.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take());
            for (name, value) in &values {
                query = query.expression_attribute_values(*name, value.clone());
            }
            if let ReadAs::Only(attributes) = how {
                let mut names = Vec::with_capacity(attributes.len());
                for (i, attribute) in attributes.iter().enumerate() {
                    names.push(format!("#p{i}"));
                    query = query.expression_attribute_names(format!("#p{i}"), *attribute);
                }
                query = query.projection_expression(names.join(", "));
            }
            let page = query.send().await.map_err(StoreError::backend)?;
            items.extend(page.items().iter().cloned());
            match page.last_evaluated_key() {
                Some(last) if !last.is_empty() => start = Some(last.clone()),
                _ => break,
            }
        }
        Ok(items)
    }
}

/// How a query reads its items.
#[derive(Clone, Copy)]
pub(crate) enum ReadAs<'a> {
    /// What was just written; costs twice an eventually consistent read.
    Consistent,
    /// Eventually consistent, every attribute.
    Eventual,
    /// Eventually consistent, only these attributes: less to carry and parse (DynamoDB still
    /// counts read units by the whole item).
    Only(&'a [&'a str]),
}

pub(crate) enum TransactFailure {
    /// The item at this index failed its condition.
    Condition(usize),
    Backend(StoreError),
}

pub(crate) fn tx_put(put: Put) -> TransactWriteItem {
    TransactWriteItem::builder().put(put).build()
}

pub(crate) fn tx_delete(delete: Delete) -> TransactWriteItem {
    TransactWriteItem::builder().delete(delete).build()
}

pub(crate) fn tx_update(update: Update) -> TransactWriteItem {
    TransactWriteItem::builder().update(update).build()
}
