//! What the sweep reads: the tenants active in a minute (one small item per tenant and
//! minute, written at most once a minute by each process that publishes for it), a
//! tenant's events of a minute with their delivery records (a range of the events' own
//! partitions, whose ids are time-ordered), and the sweep's progress.

use super::events::{SHARDS, day_of, day_pk, event_of};
use super::{DynamoStore, ReadAs, TTL_ATTRIBUTE, expired, key, n, read, s};
use crate::domain::{Delivery, EventId, TenantId, Timestamp, WebhookId};
use crate::store::{RecordedEvent, StoreError, SweepProgress, SweepStore};
use async_trait::async_trait;
use std::collections::HashMap;

const MINUTE_MILLIS: i64 = 60_000;
const TENANT_PREFIX: &str = "T#";
const PROGRESS_PK: &str = "SWEEP";
const PROGRESS_SK: &str = "PROGRESS";

fn active_pk(minute: i64) -> String {
    format!("SWEEP#{minute}")
}

/// The ids of events made in `minute`, after `after` when given: the lowest and highest.
fn minute_ids(minute: i64, after: Option<&EventId>) -> (String, String) {
    let start = minute.saturating_mul(MINUTE_MILLIS);
    let lo = EventId::bound(start, false).to_string();
    let lo = after.map_or(lo.clone(), |a| a.to_string().max(lo));
    let hi = EventId::bound(start.saturating_add(MINUTE_MILLIS - 1), true).to_string();
    (lo, hi)
}

#[async_trait]
impl SweepStore for DynamoStore {
    async fn mark_active(
        &self,
        minute: i64,
        tenant: &TenantId,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut item = key(active_pk(minute), format!("{TENANT_PREFIX}{tenant}"));
        item.insert(TTL_ATTRIBUTE.into(), n(expires_at.unix_seconds()));
        self.put_plain(item).await
    }

    async fn active_tenants(
        &self,
        minute: i64,
        after: Option<&TenantId>,
        limit: usize,
    ) -> Result<Vec<TenantId>, StoreError> {
        let (condition, from) = match after {
            Some(after) => ("sk > :from", format!("{TENANT_PREFIX}{after}")),
            None => ("begins_with(sk, :from)", TENANT_PREFIX.to_owned()),
        };
        let now = Timestamp::now();
        let items = self
            .query_partition(
                active_pk(minute),
                condition,
                vec![(":from", s(from))],
                true,
                limit,
                ReadAs::Eventual,
            )
            .await?;
        Ok(items
            .iter()
            .filter(|item| !expired(item, now))
            .filter_map(|item| item.get("sk")?.as_s().ok()?.strip_prefix(TENANT_PREFIX))
            .filter_map(|tenant| TenantId::parse(tenant).ok())
            .collect())
    }

    async fn minute_events(
        &self,
        tenant: &TenantId,
        minute: i64,
        after: Option<&EventId>,
        limit: usize,
        now: Timestamp,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let (lo, hi) = minute_ids(minute, after);
        let day = day_of(minute.saturating_mul(MINUTE_MILLIS));
        // The first `limit` of each shard hold the first `limit` of all.
        let shards = (0..SHARDS).map(|shard| {
            self.query_partition(
                day_pk(tenant, day, shard),
                "sk BETWEEN :lo AND :hi",
                vec![
                    (":lo", s(format!("EV#{lo}"))),
                    (":hi", s(format!("EV#{hi}"))),
                ],
                true,
                limit.saturating_add(1),
                ReadAs::Eventual,
            )
        });
        let mut events = Vec::new();
        for items in futures::future::try_join_all(shards).await? {
            for item in &items {
                if let Some(event) = event_of(item, now)?
                    && Some(&event.id) != after
                {
                    events.push(event);
                }
            }
        }
        events.sort_by_key(|e| e.id);
        events.truncate(limit);
        let recorded = self.recorded(tenant, day, &events, now).await?;
        Ok(events
            .into_iter()
            .map(|event| RecordedEvent {
                recorded: recorded.get(&event.id).cloned().unwrap_or_default(),
                event,
            })
            .collect())
    }

    async fn sweep_progress(&self) -> Result<Option<SweepProgress>, StoreError> {
        let Some(item) = self.get_doc(PROGRESS_PK.into(), PROGRESS_SK.into()).await? else {
            return Ok(None);
        };
        let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok());
        let minute = item
            .get("minute")
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| StoreError::backend("the sweep's progress has no minute"))?;
        Ok(Some(SweepProgress {
            minute,
            tenant: text("tenant").and_then(|t| TenantId::parse(t).ok()),
            event: text("event").and_then(|e| EventId::parse(e)),
        }))
    }

    async fn set_sweep_progress(&self, progress: &SweepProgress) -> Result<(), StoreError> {
        let mut item = key(PROGRESS_PK.into(), PROGRESS_SK.into());
        item.insert("minute".into(), n(progress.minute));
        if let Some(tenant) = &progress.tenant {
            item.insert("tenant".into(), s(tenant.as_str()));
        }
        if let Some(event) = &progress.event {
            item.insert("event".into(), s(event.to_string()));
        }
        self.put_plain(item).await
    }
}

impl DynamoStore {
    /// The webhooks whose delivery to each of `events` has a record: one range of delivery
    /// records per shard holding any of them.
    async fn recorded(
        &self,
        tenant: &TenantId,
        day: i64,
        events: &[crate::domain::Event],
        now: Timestamp,
    ) -> Result<HashMap<EventId, Vec<WebhookId>>, StoreError> {
        let (Some(first), Some(last)) = (events.first(), events.last()) else {
            return Ok(HashMap::new());
        };
        // `$` sorts right after `#`: every record of the last event is in the range.
        let ranges = (0..SHARDS).map(|shard| {
            self.query_partition(
                day_pk(tenant, day, shard),
                "sk BETWEEN :lo AND :hi",
                vec![
                    (":lo", s(format!("DL#{}#", first.id))),
                    (":hi", s(format!("DL#{}$", last.id))),
                ],
                true,
                usize::MAX,
                ReadAs::Eventual,
            )
        });
        let mut recorded: HashMap<EventId, Vec<WebhookId>> = HashMap::new();
        for items in futures::future::try_join_all(ranges).await? {
            for item in &items {
                if let Some(d) = read::<Delivery>(item, now)? {
                    recorded.entry(d.event_id).or_default().push(d.webhook_id);
                }
            }
        }
        Ok(recorded)
    }
}
