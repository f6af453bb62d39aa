//! Execution items: one per attempt, in the webhook's partition, newest first by id.

use super::{DynamoStore, document, key, read, s};
use crate::domain::{Execution, ExecutionId, TenantId, Timestamp, WebhookId};
use crate::store::{ExecutionStore, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::KeysAndAttributes;

fn execution_pk(tenant: &TenantId, webhook: &WebhookId) -> String {
    format!("T#{tenant}#WH#{webhook}")
}

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
        match put {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(StoreError::Conflict)
            }
            Err(e) => Err(StoreError::backend(e)),
        }
    }

    async fn get_many(
        &self,
        tenant: &TenantId,
        keys: &[(WebhookId, ExecutionId)],
        now: Timestamp,
    ) -> Result<Vec<Execution>, StoreError> {
        let mut found = Vec::new();
        // BatchGetItem takes 100 keys; what it leaves unprocessed is asked again.
        for chunk in keys.chunks(100) {
            let mut wanted = KeysAndAttributes::builder().consistent_read(true);
            for (webhook, id) in chunk {
                wanted = wanted.keys(key(execution_pk(tenant, webhook), format!("EX#{id}")));
            }
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
                for item in out
                    .responses()
                    .and_then(|r| r.get(&self.table))
                    .into_iter()
                    .flatten()
                {
                    if let Some(execution) = read::<Execution>(item, now)? {
                        found.push(execution);
                    }
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
