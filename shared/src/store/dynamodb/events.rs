//! Event, delivery and idempotency items.
//!
//! Events are kept by time: a tenant's events of one day sit in a few partitions (shards, by
//! the id's random bits), keyed by id, so the events list is a Query of those partitions,
//! newest day first, and costs no write beyond the event itself. An event's delivery records
//! sit beside it. A tenant can write about `SHARDS` × 1,000 items per second this way
//! (DynamoDB's limit per partition key), events and delivery records together.

use super::{DynamoStore, Item, ReadAs, TTL_ATTRIBUTE, document, key, n, read, s, written};
use crate::domain::{
    Delivery, Event, EventData, EventId, EventType, ListedEvent, TenantId, TimeRange, Timestamp,
    WebhookId,
};
use crate::store::{Claim, EventStore, KeyHold, Rate, RateWindow, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use std::collections::HashMap;

/// The event item's attribute of matched webhook ids, packed.
const MATCHED: &str = "matched";

/// The event item's attribute of its data (JSON text), beside the document: a list that
/// does not show data reads the item without it.
const DATA: &str = "data";

/// What the events list reads of an item when it does not show data.
const WITHOUT_DATA: &[&str] = &["doc", TTL_ATTRIBUTE];

/// An event item's document: the event but its data, which sits in `DATA` (items written
/// before that hold it here).
#[derive(serde::Serialize, serde::Deserialize)]
struct EventDoc {
    id: EventId,
    tenant: TenantId,
    event_type: EventType,
    created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data: Option<EventData>,
}

impl EventDoc {
    /// The live event document of `item`, with the data when the item was read with it.
    fn read(item: &Item, now: Timestamp) -> Result<Option<Self>, StoreError> {
        let Some(mut doc) = read::<EventDoc>(item, now)? else {
            return Ok(None);
        };
        if let Some(text) = item.get(DATA).and_then(|v| v.as_s().ok()) {
            doc.data = Some(serde_json::from_str(text).map_err(StoreError::backend)?);
        }
        Ok(Some(doc))
    }
}

/// The live event of an event item, with its data and matched webhooks.
pub(super) fn event_of(item: &Item, now: Timestamp) -> Result<Option<Event>, StoreError> {
    let Some(doc) = EventDoc::read(item, now)? else {
        return Ok(None);
    };
    let mut event = Event {
        id: doc.id,
        tenant: doc.tenant,
        event_type: doc.event_type,
        data: doc
            .data
            .ok_or_else(|| StoreError::backend("event item has no data"))?,
        created_at: doc.created_at,
        matched: Vec::new(),
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

/// Partitions per tenant and day.
pub(super) const SHARDS: u8 = 4;
const DAY_MILLIS: i64 = 86_400_000;
/// How far back a list with no `since` looks: callers bound it by the retention.
const LOOKBACK_DAYS: i64 = 31;

pub(super) fn day_of(millis: i64) -> i64 {
    millis.div_euclid(DAY_MILLIS)
}

fn shard_of(event: &EventId) -> u8 {
    event.to_bytes()[15] % SHARDS
}

pub(super) fn day_pk(tenant: &TenantId, day: i64, shard: u8) -> String {
    format!("T#{tenant}#EVD#{day}#{shard}")
}

/// The partition of an event and its deliveries: its tenant, day and shard, all read from
/// the id.
fn event_pk(tenant: &TenantId, event: &EventId) -> String {
    let millis = i64::try_from(event.unix_millis()).unwrap_or(0);
    day_pk(tenant, day_of(millis), shard_of(event))
}

fn event_sk(event: &EventId) -> String {
    format!("EV#{event}")
}

fn delivery_sk(event: &EventId, webhook: &WebhookId) -> String {
    format!("DL#{event}#{webhook}")
}

#[async_trait]
impl EventStore for DynamoStore {
    async fn put_event(&self, event: &Event, expires_at: Timestamp) -> Result<bool, StoreError> {
        let doc = EventDoc {
            id: event.id,
            tenant: event.tenant.clone(),
            event_type: event.event_type.clone(),
            created_at: event.created_at,
            data: None,
        };
        let mut item = document(
            event_pk(&event.tenant, &event.id),
            event_sk(&event.id),
            &doc,
            expires_at,
        )?;
        item.insert(DATA.into(), s(event.data.as_str()));
        // 16 bytes per matched webhook, beside the document: 1,000 webhooks add 16 KB.
        if !event.matched.is_empty() {
            let packed: Vec<u8> = event.matched.iter().flat_map(|w| w.to_bytes()).collect();
            item.insert(MATCHED.into(), AttributeValue::B(Blob::new(packed)));
        }
        // An expired item waiting for TTL to delete it does not count.
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(sk) OR #exp <= :now")
            .expression_attribute_names("#exp", TTL_ATTRIBUTE)
            .expression_attribute_values(":now", n(Timestamp::now().unix_seconds()))
            .send()
            .await;
        written(put)
    }

    async fn get_event(
        &self,
        tenant: &TenantId,
        id: &EventId,
        now: Timestamp,
    ) -> Result<Option<Event>, StoreError> {
        match self.get_doc(event_pk(tenant, id), event_sk(id)).await? {
            Some(item) => event_of(&item, now),
            None => Ok(None),
        }
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
        if lo > hi {
            return Ok(Vec::new());
        }
        let newest = range.until.unwrap_or(now).min(now).millis();
        let newest = before.map_or(newest, |b| {
            newest.min(i64::try_from(b.unix_millis()).unwrap_or(newest))
        });
        let oldest = range
            .since
            .map_or(now.millis() - LOOKBACK_DAYS * DAY_MILLIS, |s| s.millis());
        let want = limit + usize::from(before.is_some());
        let how = if with_data {
            ReadAs::Eventual
        } else {
            ReadAs::Only(WITHOUT_DATA)
        };
        let mut found: Vec<ListedEvent> = Vec::new();
        // Newest day first; a day's shards at once, merged by id.
        let mut day = day_of(newest);
        while day >= day_of(oldest) && found.len() < limit {
            let shards = (0..SHARDS).map(|shard| {
                self.query_partition(
                    day_pk(tenant, day, shard),
                    "sk BETWEEN :lo AND :hi",
                    vec![
                        (":lo", s(format!("EV#{lo}"))),
                        (":hi", s(format!("EV#{hi}"))),
                    ],
                    false,
                    want,
                    how,
                )
            });
            let mut days_events = Vec::new();
            for items in futures::future::try_join_all(shards).await? {
                for item in &items {
                    if let Some(doc) = EventDoc::read(item, now)?
                        && Some(&doc.id) != before
                    {
                        days_events.push(ListedEvent {
                            id: doc.id,
                            event_type: doc.event_type,
                            created_at: doc.created_at,
                            data: doc.data.filter(|_| with_data),
                        });
                    }
                }
            }
            days_events.sort_by_key(|e| std::cmp::Reverse(e.id));
            found.extend(days_events);
            day -= 1;
        }
        found.truncate(limit);
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
                    delivery_sk(&d.event_id, &d.webhook_id),
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

    async fn get_delivery(
        &self,
        tenant: &TenantId,
        event_id: &EventId,
        webhook_id: &WebhookId,
        now: Timestamp,
    ) -> Result<Option<Delivery>, StoreError> {
        let pk = event_pk(tenant, event_id);
        match self.get_doc(pk, delivery_sk(event_id, webhook_id)).await? {
            Some(item) => read(&item, now),
            None => Ok(None),
        }
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
                vec![(":dl", s(format!("DL#{event_id}#")))],
                true,
                usize::MAX,
                ReadAs::Consistent,
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
        hold: KeyHold,
        now: Timestamp,
    ) -> Result<Claim, StoreError> {
        self.claim_key(tenant, key_text, hold, now).await
    }

    async fn complete_idempotency_key(
        &self,
        tenant: &TenantId,
        key_text: &str,
        response: &str,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.complete_key(tenant, key_text, response, expires_at)
            .await
    }

    async fn hand_back_idempotency_key(
        &self,
        tenant: &TenantId,
        key_text: &str,
        unsent: &[WebhookId],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.hand_back_key(tenant, key_text, unsent, now).await
    }

    async fn lease_rate(
        &self,
        tenant: &TenantId,
        window: RateWindow,
        want: u32,
    ) -> Result<u32, StoreError> {
        let RateWindow {
            rate,
            window,
            limit,
            expires_at,
        } = window;
        let counter = match rate {
            Rate::Publishes => format!("T#{tenant}#RATE#{window}"),
            Rate::Deliveries => format!("T#{tenant}#DRATE#{window}"),
        };
        // `want` if it fits, else one (what is left comes one at a time), else none: a
        // refused lease costs a write only once the window is nearly spent.
        for take in [want, 1] {
            if take == 0 || take > limit {
                continue;
            }
            let added = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key(counter.clone(), "RATE".into())))
                .update_expression("ADD #used :take SET #exp = :exp")
                .condition_expression("attribute_not_exists(#used) OR #used <= :room")
                .expression_attribute_names("#used", "used")
                .expression_attribute_names("#exp", TTL_ATTRIBUTE)
                .expression_attribute_values(":take", n(i64::from(take)))
                .expression_attribute_values(":room", n(i64::from(limit - take)))
                .expression_attribute_values(":exp", n(expires_at.unix_seconds()))
                .send()
                .await;
            if written(added)? {
                return Ok(take);
            }
        }
        Ok(0)
    }
}
