//! Event, delivery and idempotency items.

use super::{
    DynamoStore, EVENTS_INDEX, EVENTS_INDEX_PK, EVENTS_INDEX_PROJECTED, EVENTS_INDEX_SK,
    TTL_ATTRIBUTE, document, key, n, read, s,
};
use crate::domain::{
    Delivery, Event, EventId, EventType, ListedEvent, TenantId, TimeRange, Timestamp, WebhookId,
};
use crate::store::{Claim, EventStore, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The event item's attribute of matched webhook ids, packed.
const MATCHED: &str = "matched";

fn event_pk(tenant: &TenantId, event: &EventId) -> String {
    format!("T#{tenant}#EV#{event}")
}

/// The tenant's partition of the events index.
fn events_index_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#EVENTS")
}

/// An event as the index holds it: its id, type and time (and expiry).
fn listed(item: &super::Item, now: Timestamp) -> Option<ListedEvent> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok());
    let expires = item
        .get(TTL_ATTRIBUTE)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse::<i64>().ok());
    if expires.is_some_and(|e| e <= now.unix_seconds()) {
        return None;
    }
    let [event_type, created_at] = EVENTS_INDEX_PROJECTED;
    Some(ListedEvent {
        id: EventId::parse(text(EVENTS_INDEX_SK)?)?,
        event_type: EventType::parse(text(event_type)?).ok()?,
        created_at: Timestamp::parse(text(created_at)?)?,
        data: None,
    })
}

/// Each event and each idempotency key is a partition of its own (the event shares it with
/// its delivery records), so one tenant's publishes spread over as many keys as it has
/// events, far from DynamoDB's 1,000 write units per second per key.
const EVENT_SK: &str = "EV";
const IDEMPOTENCY_SK: &str = "IDEM";

fn idempotency_pk(tenant: &TenantId, key: &str) -> String {
    format!(
        "T#{tenant}#IDEM#{}",
        hex::encode(Sha256::digest(key.as_bytes()))
    )
}

#[async_trait]
impl EventStore for DynamoStore {
    async fn put_event(&self, event: &Event, expires_at: Timestamp) -> Result<(), StoreError> {
        let mut item = document(
            event_pk(&event.tenant, &event.id),
            EVENT_SK.into(),
            event,
            expires_at,
        )?;
        // The index entry: the tenant's events by time, with what the list shows.
        let [event_type, created_at] = EVENTS_INDEX_PROJECTED;
        item.insert(EVENTS_INDEX_PK.into(), s(events_index_pk(&event.tenant)));
        item.insert(EVENTS_INDEX_SK.into(), s(event.id.to_string()));
        item.insert(event_type.into(), s(event.event_type.as_str()));
        item.insert(created_at.into(), s(event.created_at.to_string()));
        // 16 bytes per matched webhook, beside the document: 1,000 webhooks add 16 KB.
        if !event.matched.is_empty() {
            let packed: Vec<u8> = event.matched.iter().flat_map(|w| w.to_bytes()).collect();
            item.insert(MATCHED.into(), AttributeValue::B(Blob::new(packed)));
        }
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
        let Some(item) = self.get_doc(event_pk(tenant, id), EVENT_SK.into()).await? else {
            return Ok(None);
        };
        let Some(mut event) = read::<Event>(&item, now)? else {
            return Ok(None);
        };
        if let Some(packed) = item.get(MATCHED).and_then(|v| v.as_b().ok()) {
            event.matched = packed
                .as_ref()
                .chunks_exact(16)
                .filter_map(|c| <[u8; 16]>::try_from(c).ok())
                .filter_map(WebhookId::from_bytes)
                .collect();
        }
        Ok(Some(event))
    }

    async fn list_events(
        &self,
        tenant: &TenantId,
        range: TimeRange,
        before: Option<&EventId>,
        limit: usize,
        with_data: bool,
        now: Timestamp,
    ) -> Result<Vec<ListedEvent>, StoreError> {
        let (lo, mut hi) = range.id_bounds();
        if let Some(b) = before.map(ToString::to_string)
            && b < hi
        {
            hi = b;
        }
        let want = limit + usize::from(before.is_some());
        let mut found = Vec::new();
        let mut start = None;
        // An index is read eventually consistent: an event shows in the list moments
        // after its publish answered.
        while found.len() < want {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(EVENTS_INDEX)
                .key_condition_expression("#pk = :pk AND #sk BETWEEN :lo AND :hi")
                .expression_attribute_names("#pk", EVENTS_INDEX_PK)
                .expression_attribute_names("#sk", EVENTS_INDEX_SK)
                .expression_attribute_values(":pk", s(events_index_pk(tenant)))
                .expression_attribute_values(":lo", s(lo.clone()))
                .expression_attribute_values(":hi", s(hi.clone()))
                .scan_index_forward(false)
                .limit(i32::try_from(want - found.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(StoreError::backend)?;
            found.extend(
                page.items()
                    .iter()
                    .filter_map(|item| listed(item, now))
                    .filter(|e| Some(&e.id) != before),
            );
            match page.last_evaluated_key() {
                Some(last) if !last.is_empty() => start = Some(last.clone()),
                _ => break,
            }
        }
        found.truncate(limit);
        if with_data && !found.is_empty() {
            let keys = found
                .iter()
                .map(|e| key(event_pk(tenant, &e.id), EVENT_SK.into()))
                .collect();
            let mut data = HashMap::new();
            for item in &self.batch_get(keys, false).await? {
                if let Some(event) = read::<Event>(item, now)? {
                    data.insert(event.id, event.data);
                }
            }
            for event in &mut found {
                event.data = data.remove(&event.id);
            }
            // An event that expired between the two reads is not listed.
            found.retain(|e| e.data.is_some());
        }
        Ok(found)
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
        held_until: Timestamp,
        now: Timestamp,
    ) -> Result<Claim, StoreError> {
        let mut item = key(idempotency_pk(tenant, key_text), IDEMPOTENCY_SK.into());
        item.insert(TTL_ATTRIBUTE.into(), n(held_until.unix_seconds()));
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
            Ok(_) => Ok(Claim::Claimed),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                let existing = self
                    .get_doc(idempotency_pk(tenant, key_text), IDEMPOTENCY_SK.into())
                    .await?;
                let response = existing
                    .as_ref()
                    .and_then(|i| i.get("response"))
                    .and_then(|v| v.as_s().ok())
                    .cloned();
                // Held by a publish still running, or released just now: either way the
                // caller may try again shortly.
                Ok(response.map_or(Claim::InFlight, Claim::Answered))
            }
            Err(e) => Err(StoreError::backend(e)),
        }
    }

    async fn complete_idempotency_key(
        &self,
        tenant: &TenantId,
        key_text: &str,
        response: &str,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut item = key(idempotency_pk(tenant, key_text), IDEMPOTENCY_SK.into());
        item.insert("response".into(), s(response));
        item.insert(TTL_ATTRIBUTE.into(), n(expires_at.unix_seconds()));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(StoreError::backend)?;
        Ok(())
    }

    async fn release_idempotency_key(
        &self,
        tenant: &TenantId,
        key_text: &str,
    ) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(
                idempotency_pk(tenant, key_text),
                IDEMPOTENCY_SK.into(),
            )))
            .send()
            .await
            .map_err(StoreError::backend)?;
        Ok(())
    }
}
