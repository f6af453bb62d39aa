//! Execution items: one per attempt, in the webhook's partition, newest first by id; and
//! beside them, the notes of deliveries that ended failed or dropped, by event id.

use super::{DynamoStore, ReadAs, TTL_ATTRIBUTE, document, expired, key, n, read, s, written};
use crate::domain::{
    Ended, EndedDelivery, EventId, Execution, ExecutionId, TenantId, TimeRange, Timestamp,
    WebhookId,
};
use crate::store::{ExecutionStore, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::Select;

fn execution_pk(tenant: &TenantId, webhook: &WebhookId) -> String {
    format!("T#{tenant}#WH#{webhook}")
}

/// The item of the webhook's recover lock: which recover holds it (`holder`) and until when.
const RECOVER_LOCK_SK: &str = "RECOVER";

fn ended_prefix(how: Ended) -> &'static str {
    match how {
        Ended::Failed => "FL#",
        Ended::Dropped => "DR#",
    }
}

const ATTEMPTS: &str = "attempts";

/// The sort key prefix of a delivery's note that its automatic retry is queued.
const QUEUED_PREFIX: &str = "QU#";

#[async_trait]
impl ExecutionStore for DynamoStore {
    async fn insert(&self, execution: &Execution, expires_at: Timestamp) -> Result<(), StoreError> {
        let pk = execution_pk(&execution.tenant, &execution.webhook_id);
        let item = document(pk, format!("EX#{}", execution.id), execution, expires_at)?;
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        if written(put)? {
            Ok(())
        } else {
            Err(StoreError::Conflict)
        }
    }

    async fn get_many(
        &self,
        tenant: &TenantId,
        keys: &[(WebhookId, ExecutionId)],
        now: Timestamp,
    ) -> Result<Vec<Execution>, StoreError> {
        let keys = keys
            .iter()
            .map(|(webhook, id)| key(execution_pk(tenant, webhook), format!("EX#{id}")))
            .collect();
        let mut found = Vec::new();
        for item in &self.batch_get(keys, true).await? {
            if let Some(execution) = read::<Execution>(item, now)? {
                found.push(execution);
            }
        }
        Ok(found)
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
        range: TimeRange,
        before: Option<&ExecutionId>,
        limit: usize,
        now: Timestamp,
    ) -> Result<Vec<Execution>, StoreError> {
        let (lo, mut hi) = range.id_bounds();
        // BETWEEN includes its ends: a cursor's own item is asked for and dropped.
        if let Some(b) = before.map(ToString::to_string)
            && b < hi
        {
            hi = b;
        }
        // DynamoDB refuses a BETWEEN whose ends are reversed: an empty window reads nothing.
        if lo > hi {
            return Ok(Vec::new());
        }
        let extra = usize::from(before.is_some());
        let items = self
            .query_partition(
                execution_pk(tenant, webhook_id),
                "sk BETWEEN :lo AND :hi",
                vec![
                    (":lo", s(format!("EX#{lo}"))),
                    (":hi", s(format!("EX#{hi}"))),
                ],
                false,
                limit + extra,
                ReadAs::Consistent,
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

    async fn note_ended(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        how: Ended,
        delivery: EndedDelivery,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut item = key(
            execution_pk(tenant, webhook_id),
            format!("{}{}", ended_prefix(how), delivery.event_id),
        );
        item.insert(ATTEMPTS.into(), n(delivery.attempts));
        item.insert(TTL_ATTRIBUTE.into(), n(expires_at.unix_seconds()));
        self.put_plain(item).await
    }

    async fn note_queued(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        event_id: &EventId,
        attempt: u32,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        // Only ever raised: a late note of an earlier attempt leaves a later one in place.
        let raised = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(
                execution_pk(tenant, webhook_id),
                format!("{QUEUED_PREFIX}{event_id}"),
            )))
            .update_expression("SET #attempt = :attempt, #exp = :exp")
            .condition_expression("attribute_not_exists(#attempt) OR #attempt < :attempt")
            .expression_attribute_names("#attempt", ATTEMPTS)
            .expression_attribute_names("#exp", TTL_ATTRIBUTE)
            .expression_attribute_values(":attempt", n(attempt))
            .expression_attribute_values(":exp", n(expires_at.unix_seconds()))
            .send()
            .await;
        // Not written: a later attempt's note is there already, and stays.
        written(raised)?;
        Ok(())
    }

    async fn queued_after(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        event_id: &EventId,
        now: Timestamp,
    ) -> Result<Option<u32>, StoreError> {
        let item = self
            .get_doc(
                execution_pk(tenant, webhook_id),
                format!("{QUEUED_PREFIX}{event_id}"),
            )
            .await?;
        Ok(item
            .filter(|item| !expired(item, now))
            .and_then(|item| item.get(ATTEMPTS)?.as_n().ok()?.parse::<u32>().ok()))
    }

    async fn clear_failed(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        event_id: &EventId,
    ) -> Result<(), StoreError> {
        self.delete_plain(key(
            execution_pk(tenant, webhook_id),
            format!("{}{event_id}", ended_prefix(Ended::Failed)),
        ))
        .await
    }

    async fn failed(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        range: TimeRange,
        after: Option<&EventId>,
        limit: usize,
        now: Timestamp,
    ) -> Result<Vec<EndedDelivery>, StoreError> {
        let prefix = ended_prefix(Ended::Failed);
        let (mut lo, hi) = range.id_bounds();
        if let Some(a) = after.map(ToString::to_string)
            && a > lo
        {
            lo = a;
        }
        if lo > hi {
            return Ok(Vec::new());
        }
        let extra = usize::from(after.is_some());
        let items = self
            .query_partition(
                execution_pk(tenant, webhook_id),
                "sk BETWEEN :lo AND :hi",
                vec![
                    (":lo", s(format!("{prefix}{lo}"))),
                    (":hi", s(format!("{prefix}{hi}"))),
                ],
                true,
                limit + extra,
                ReadAs::Consistent,
            )
            .await?;
        let mut noted = Vec::with_capacity(items.len());
        for item in &items {
            let event_id = item
                .get("sk")
                .and_then(|v| v.as_s().ok())
                .and_then(|sk| sk.strip_prefix(prefix))
                .and_then(EventId::parse);
            let attempts = item
                .get(ATTEMPTS)
                .and_then(|v| v.as_n().ok())
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(0);
            if let Some(event_id) = event_id
                && Some(&event_id) != after
                && !expired(item, now)
            {
                noted.push(EndedDelivery { event_id, attempts });
            }
        }
        noted.truncate(limit);
        Ok(noted)
    }

    async fn start_attempt(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        window: i64,
        limit: u32,
        expires_at: Timestamp,
    ) -> Result<bool, StoreError> {
        let counted = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(
                execution_pk(tenant, webhook_id),
                format!("IF#{window}"),
            )))
            .update_expression("ADD #started :one SET #exp = :exp")
            .condition_expression("attribute_not_exists(#started) OR #started < :limit")
            .expression_attribute_names("#started", "started")
            .expression_attribute_names("#exp", TTL_ATTRIBUTE)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":limit", n(limit))
            .expression_attribute_values(":exp", n(expires_at.unix_seconds()))
            .send()
            .await;
        written(counted)
    }

    async fn count_ended(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        how: Ended,
        range: TimeRange,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        let prefix = ended_prefix(how);
        let (lo, hi) = range.id_bounds();
        if lo > hi {
            return Ok(0);
        }
        let mut count = 0u64;
        let mut start = None;
        // COUNT still reads each note (about 100 bytes): 10,000 of them per 1 MB page.
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :lo AND :hi")
                .filter_expression("#exp > :now")
                .expression_attribute_names("#exp", TTL_ATTRIBUTE)
                .expression_attribute_values(":pk", s(execution_pk(tenant, webhook_id)))
                .expression_attribute_values(":lo", s(format!("{prefix}{lo}")))
                .expression_attribute_values(":hi", s(format!("{prefix}{hi}")))
                .expression_attribute_values(":now", n(now.unix_seconds()))
                .select(Select::Count)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(StoreError::backend)?;
            count += u64::try_from(page.count()).unwrap_or(0);
            match page.last_evaluated_key() {
                Some(last) if !last.is_empty() => start = Some(last.clone()),
                _ => return Ok(count),
            }
        }
    }

    async fn hold_recover(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        holder: i64,
        until: Timestamp,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let held = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(
                execution_pk(tenant, webhook_id),
                RECOVER_LOCK_SK.into(),
            )))
            .update_expression("SET #holder = :holder, #until = :until, #exp = :exp")
            .condition_expression(
                "attribute_not_exists(#holder) OR #holder = :holder OR #until < :now",
            )
            .expression_attribute_names("#holder", "holder")
            .expression_attribute_names("#until", "until")
            .expression_attribute_names("#exp", TTL_ATTRIBUTE)
            .expression_attribute_values(":holder", n(holder))
            .expression_attribute_values(":until", n(until.millis()))
            .expression_attribute_values(":now", n(now.millis()))
            .expression_attribute_values(":exp", n(until.unix_seconds()))
            .send()
            .await;
        written(held)
    }

    async fn release_recover(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        holder: i64,
    ) -> Result<(), StoreError> {
        let released = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(
                execution_pk(tenant, webhook_id),
                RECOVER_LOCK_SK.into(),
            )))
            .condition_expression("#holder = :holder")
            .expression_attribute_names("#holder", "holder")
            .expression_attribute_values(":holder", n(holder))
            .send()
            .await;
        // Not written: another recover holds it now (this one's had lapsed), it is that one's.
        written(released)?;
        Ok(())
    }
}
