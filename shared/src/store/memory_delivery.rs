//! In-memory event, delivery, idempotency and execution records, with the same expiry
//! semantics as DynamoDB (expired records are invisible).

use super::{Claim, EventStore, ExecutionStore, StoreError};
use crate::domain::{
    Delivery, Event, EventId, Execution, ExecutionId, TenantId, Timestamp, WebhookId,
};
use async_trait::async_trait;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

#[derive(Default)]
struct State {
    events: HashMap<(TenantId, EventId), (Event, Timestamp)>,
    deliveries: HashMap<(TenantId, EventId), BTreeMap<WebhookId, (Delivery, Timestamp)>>,
    /// The answer once the publish finished (`None` while it runs), and the expiry.
    idempotency: HashMap<(TenantId, String), (Option<String>, Timestamp)>,
    executions: HashMap<(TenantId, WebhookId), BTreeMap<ExecutionId, (Execution, Timestamp)>>,
}

#[derive(Default)]
pub struct MemoryDeliveryStore {
    state: Mutex<State>,
}

impl MemoryDeliveryStore {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl EventStore for MemoryDeliveryStore {
    async fn put_event(&self, event: &Event, expires_at: Timestamp) -> Result<(), StoreError> {
        self.lock().events.insert(
            (event.tenant.clone(), event.id),
            (event.clone(), expires_at),
        );
        Ok(())
    }

    async fn get_event(
        &self,
        tenant: &TenantId,
        id: &EventId,
        now: Timestamp,
    ) -> Result<Option<Event>, StoreError> {
        let state = self.lock();
        Ok(state
            .events
            .get(&(tenant.clone(), *id))
            .filter(|(_, exp)| *exp > now)
            .map(|(e, _)| e.clone()))
    }

    async fn put_deliveries(
        &self,
        tenant: &TenantId,
        deliveries: &[Delivery],
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        for delivery in deliveries {
            state
                .deliveries
                .entry((tenant.clone(), delivery.event_id))
                .or_default()
                .insert(delivery.webhook_id, (delivery.clone(), expires_at));
        }
        Ok(())
    }

    async fn list_deliveries(
        &self,
        tenant: &TenantId,
        event_id: &EventId,
        now: Timestamp,
    ) -> Result<Vec<Delivery>, StoreError> {
        let state = self.lock();
        Ok(state
            .deliveries
            .get(&(tenant.clone(), *event_id))
            .map(|m| {
                m.values()
                    .filter(|(_, exp)| *exp > now)
                    .map(|(d, _)| d.clone())
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn claim_idempotency_key(
        &self,
        tenant: &TenantId,
        key: &str,
        held_until: Timestamp,
        now: Timestamp,
    ) -> Result<Claim, StoreError> {
        let mut state = self.lock();
        let slot = (tenant.clone(), key.to_owned());
        match state.idempotency.get(&slot) {
            Some((Some(answer), exp)) if *exp > now => return Ok(Claim::Answered(answer.clone())),
            Some((None, exp)) if *exp > now => return Ok(Claim::InFlight),
            _ => {}
        }
        state.idempotency.insert(slot, (None, held_until));
        Ok(Claim::Claimed)
    }

    async fn complete_idempotency_key(
        &self,
        tenant: &TenantId,
        key: &str,
        response: &str,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.lock().idempotency.insert(
            (tenant.clone(), key.to_owned()),
            (Some(response.to_owned()), expires_at),
        );
        Ok(())
    }

    async fn release_idempotency_key(
        &self,
        tenant: &TenantId,
        key: &str,
    ) -> Result<(), StoreError> {
        self.lock()
            .idempotency
            .remove(&(tenant.clone(), key.to_owned()));
        Ok(())
    }
}

#[async_trait]
impl ExecutionStore for MemoryDeliveryStore {
    async fn insert(&self, execution: &Execution, expires_at: Timestamp) -> Result<(), StoreError> {
        let mut state = self.lock();
        let key = (execution.tenant.clone(), execution.webhook_id);
        let records = state.executions.entry(key).or_default();
        if records.contains_key(&execution.id) {
            return Err(StoreError::Conflict);
        }
        records.insert(execution.id, (execution.clone(), expires_at));
        Ok(())
    }

    async fn get_many(
        &self,
        tenant: &TenantId,
        keys: &[(WebhookId, ExecutionId)],
        now: Timestamp,
    ) -> Result<Vec<Execution>, StoreError> {
        let state = self.lock();
        Ok(keys
            .iter()
            .filter_map(|(webhook, id)| {
                state
                    .executions
                    .get(&(tenant.clone(), *webhook))
                    .and_then(|m| m.get(id))
            })
            .filter(|(_, exp)| *exp > now)
            .map(|(e, _)| e.clone())
            .collect())
    }

    async fn get(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        id: &ExecutionId,
        now: Timestamp,
    ) -> Result<Option<Execution>, StoreError> {
        let state = self.lock();
        Ok(state
            .executions
            .get(&(tenant.clone(), *webhook_id))
            .and_then(|m| m.get(id))
            .filter(|(_, exp)| *exp > now)
            .map(|(e, _)| e.clone()))
    }

    async fn list(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        before: Option<&ExecutionId>,
        limit: usize,
        now: Timestamp,
    ) -> Result<Vec<Execution>, StoreError> {
        let state = self.lock();
        let Some(all) = state.executions.get(&(tenant.clone(), *webhook_id)) else {
            return Ok(Vec::new());
        };
        let upper = match before {
            Some(b) => std::ops::Bound::Excluded(*b),
            None => std::ops::Bound::Unbounded,
        };
        Ok(all
            .range((std::ops::Bound::Unbounded, upper))
            .rev()
            .filter(|(_, (_, exp))| *exp > now)
            .take(limit)
            .map(|(_, (e, _))| e.clone())
            .collect())
    }
}
