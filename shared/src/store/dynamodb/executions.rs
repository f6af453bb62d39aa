//! Execution items: one per attempt, in the webhook's partition, newest first by id.

use super::{DynamoStore, document, read, s};
use crate::domain::{Execution, ExecutionId, TenantId, Timestamp, WebhookId};
use crate::store::{ExecutionStore, StoreError};
use async_trait::async_trait;

fn execution_pk(tenant: &TenantId, webhook: &WebhookId) -> String {
    format!("T#{tenant}#WH#{webhook}")
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
