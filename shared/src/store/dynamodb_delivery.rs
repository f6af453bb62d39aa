//! DynamoDB records of delivery, in the same table (see `dynamodb` for the webhook items):
//!
//! | item | pk | sk |
//! |---|---|---|
//! | event | `T#<tenant>` | `EV#<event id>` |
//! | delivery of an event to a webhook | `T#<tenant>#EV#<event id>` | `DL#<webhook id>` |
//! | execution (attempt) | `T#<tenant>#WH#<webhook id>` | `EX#<execution id>` (UUIDv7: time order) |
//! | idempotency key | `T#<tenant>` | `IDEM#<sha256 of the key>` |
//!
//! Records are stored as one JSON document attribute (`doc`): event data may nest deeper
//! than DynamoDB maps allow. Every record has `expires_at` for the table's TTL, and reads
//! skip expired ones, since TTL deletes lazily.

use super::dynamodb::{DynamoStore, Item, TTL_ATTRIBUTE, key, n, s, tenant_pk};
use super::{EventStore, ExecutionStore, StoreError};
use crate::domain::{
    Delivery, Event, EventId, Execution, ExecutionId, TenantId, Timestamp, WebhookId,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

fn event_pk(tenant: &TenantId, event: &EventId) -> String {
    format!("T#{tenant}#EV#{event}")
}

fn execution_pk(tenant: &TenantId, webhook: &WebhookId) -> String {
    format!("T#{tenant}#WH#{webhook}")
}

fn idempotency_sk(key: &str) -> String {
    format!("IDEM#{}", hex::encode(Sha256::digest(key.as_bytes())))
}

fn document(
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

/// The document of a live item; `None` when it has expired.
fn read<T: serde::de::DeserializeOwned>(
    item: &Item,
    now: Timestamp,
) -> Result<Option<T>, StoreError> {
    let expires = item
        .get(TTL_ATTRIBUTE)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse::<i64>().ok());
    if expires.is_some_and(|e| e <= now.unix_seconds()) {
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
    async fn get_doc(&self, pk: String, sk: String) -> Result<Option<Item>, StoreError> {
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

    /// Query one partition: `condition` on `sk` with `values`, in `forward` order.
    async fn query_partition(
        &self,
        pk: String,
        condition: &str,
        values: Vec<(&str, AttributeValue)>,
        forward: bool,
        limit: usize,
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
                .limit(i32::try_from(limit - items.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take());
            for (name, value) in &values {
                query = query.expression_attribute_values(*name, value.clone());
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

#[async_trait]
impl EventStore for DynamoStore {
    async fn put_event(&self, event: &Event, expires_at: Timestamp) -> Result<(), StoreError> {
        let item = document(
            tenant_pk(&event.tenant),
            format!("EV#{}", event.id),
            event,
            expires_at,
        )?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(StoreError::backend)?;
        Ok(())
    }

    async fn get_event(
        &self,
        tenant: &TenantId,
        id: &EventId,
        now: Timestamp,
    ) -> Result<Option<Event>, StoreError> {
        match self.get_doc(tenant_pk(tenant), format!("EV#{id}")).await? {
            Some(item) => read(&item, now),
            None => Ok(None),
        }
    }

    async fn put_deliveries(
        &self,
        tenant: &TenantId,
        deliveries: &[Delivery],
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        // BatchWriteItem takes 25 items; what it leaves unprocessed is sent again.
        for chunk in deliveries.chunks(25) {
            let mut requests = Vec::with_capacity(chunk.len());
            for d in chunk {
                let item = document(
                    event_pk(tenant, &d.event_id),
                    format!("DL#{}", d.webhook_id),
                    d,
                    expires_at,
                )?;
                let put = PutRequest::builder()
                    .set_item(Some(item))
                    .build()
                    .map_err(StoreError::backend)?;
                requests.push(WriteRequest::builder().put_request(put).build());
            }
            let mut pending = HashMap::from([(self.table.clone(), requests)]);
            for round in 0..8u32 {
                let out = self
                    .client
                    .batch_write_item()
                    .set_request_items(Some(pending))
                    .send()
                    .await
                    .map_err(StoreError::backend)?;
                pending = out.unprocessed_items.unwrap_or_default();
                if pending.values().all(Vec::is_empty) {
                    break;
                }
                if round == 7 {
                    return Err(StoreError::backend(
                        "DynamoDB kept delivery records unprocessed",
                    ));
                }
                tokio::time::sleep(std::time::Duration::from_millis(50 << round)).await;
            }
        }
        Ok(())
    }

    async fn list_deliveries(
        &self,
        tenant: &TenantId,
        event_id: &EventId,
        now: Timestamp,
    ) -> Result<Vec<Delivery>, StoreError> {
        let items = self
            .query_partition(
                event_pk(tenant, event_id),
                "begins_with(sk, :dl)",
                vec![(":dl", s("DL#"))],
                true,
                usize::MAX,
            )
            .await?;
        let mut deliveries = Vec::with_capacity(items.len());
        for item in &items {
            if let Some(d) = read(item, now)? {
                deliveries.push(d);
            }
        }
        Ok(deliveries)
    }

    async fn claim_idempotency_key(
        &self,
        tenant: &TenantId,
        key_text: &str,
        response: &str,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<Option<String>, StoreError> {
        let mut item = key(tenant_pk(tenant), idempotency_sk(key_text));
        item.insert("response".into(), s(response));
        item.insert(TTL_ATTRIBUTE.into(), n(expires_at.unix_seconds()));
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk) OR #exp <= :now")
            .expression_attribute_names("#exp", TTL_ATTRIBUTE)
            .expression_attribute_values(":now", n(now.unix_seconds()))
            .send()
            .await;
        match put {
            Ok(_) => Ok(None),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                let existing = self
                    .get_doc(tenant_pk(tenant), idempotency_sk(key_text))
                    .await?;
                let response = existing
                    .as_ref()
                    .and_then(|i| i.get("response"))
                    .and_then(|v| v.as_s().ok())
                    .cloned();
                // Gone in between (released by a failed attempt): the caller may go ahead.
                Ok(response)
            }
            Err(e) => Err(StoreError::backend(e)),
        }
    }

    async fn release_idempotency_key(
        &self,
        tenant: &TenantId,
        key_text: &str,
    ) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(tenant_pk(tenant), idempotency_sk(key_text))))
            .send()
            .await
            .map_err(StoreError::backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExecutionStore for DynamoStore {
    async fn insert(&self, execution: &Execution, expires_at: Timestamp) -> Result<(), StoreError> {
        let pk = execution_pk(&execution.tenant, &execution.webhook_id);
        let item = document(pk, format!("EX#{}", execution.id), execution, expires_at)?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(StoreError::backend)?;
        Ok(())
    }

    async fn get(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        id: &ExecutionId,
        now: Timestamp,
    ) -> Result<Option<Execution>, StoreError> {
        match self
            .get_doc(execution_pk(tenant, webhook_id), format!("EX#{id}"))
            .await?
        {
            Some(item) => read(&item, now),
            None => Ok(None),
        }
    }

    async fn list(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        before: Option<&ExecutionId>,
        limit: usize,
        now: Timestamp,
    ) -> Result<Vec<Execution>, StoreError> {
        let (condition, values) = match before {
            Some(b) => (
                "sk BETWEEN :lo AND :hi",
                vec![(":lo", s("EX#")), (":hi", s(format!("EX#{b}")))],
            ),
            None => ("begins_with(sk, :ex)", vec![(":ex", s("EX#"))]),
        };
        // BETWEEN includes `before` itself: ask for one more and drop it.
        let extra = usize::from(before.is_some());
        let items = self
            .query_partition(
                execution_pk(tenant, webhook_id),
                condition,
                values,
                false,
                limit + extra,
            )
            .await?;
        let mut executions = Vec::with_capacity(items.len());
        for item in &items {
            if let Some(e) = read::<Execution>(item, now)?
                && Some(&e.id) != before
            {
                executions.push(e);
            }
        }
        executions.truncate(limit);
        Ok(executions)
    }
}
