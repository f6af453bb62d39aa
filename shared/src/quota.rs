//! Per-tenant quotas against abuse. Publishing: a tenant may publish `per_second` × 10
//! events in each aligned ten-second window (`per_second` is the tenant's effective
//! `events_per_second`, see `tenant_settings`) (so bursts up to that), counted across every
//! process by one shared counter per tenant and window. No publish writes to it: a process
//! leases tokens in chunks (a twentieth of the window's allowance, at least ten) and spends
//! them from memory, so the counter takes at most one write per chunk, and a tenant that
//! publishes slowly one per window and process. Tokens a process leased and did not spend
//! lapse with the window.

use crate::domain::{TenantId, Timestamp};
use crate::store::{EventStore, StoreError};
use std::collections::HashMap;
use std::sync::Mutex;

/// The rate window, in seconds.
pub const WINDOW_SECONDS: i64 = 10;
/// Leases are never smaller than this.
const MIN_CHUNK: u32 = 10;

/// What a publish may do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// Over the tenant's rate: try again after this many seconds (the window's end).
    Limited {
        retry_after: u64,
    },
}

/// The tokens this process leased and has not spent. The rate is each tenant's own, passed
/// with each publish: a change of it applies from the next lease.
#[derive(Default)]
pub struct PublishQuota {
    /// Tokens leased and not spent, per tenant, with their window.
    leased: Mutex<HashMap<TenantId, (i64, u32)>>,
}

impl PublishQuota {
    /// Takes one publish of `tenant`'s allowance of `per_second` events (0: no limit).
    pub async fn admit(
        &self,
        store: &dyn EventStore,
        tenant: &TenantId,
        per_second: u32,
        now: Timestamp,
    ) -> Result<Admission, StoreError> {
        if per_second == 0 {
            return Ok(Admission::Admitted);
        }
        let window = now.unix_seconds().div_euclid(WINDOW_SECONDS);
        if self.spend(tenant, window) {
            return Ok(Admission::Admitted);
        }
        let limit = per_second.saturating_mul(u32::try_from(WINDOW_SECONDS).unwrap_or(10));
        let chunk = (limit / 20).max(MIN_CHUNK).min(limit);
        let ends = (window + 1) * WINDOW_SECONDS;
        let expires_at = Timestamp::from_millis(ends * 1000).unwrap_or(now);
        let granted = store
            .lease_publishes(tenant, window, chunk, limit, expires_at)
            .await?;
        if granted > 0 {
            let mut leased = self.lock();
            let entry = leased.entry(tenant.clone()).or_insert((window, 0));
            if entry.0 != window {
                *entry = (window, 0);
            }
            entry.1 += granted;
        }
        Ok(if self.spend(tenant, window) {
            Admission::Admitted
        } else {
            Admission::Limited {
                retry_after: u64::try_from(ends - now.unix_seconds()).unwrap_or(1).max(1),
            }
        })
    }

    /// One token of this window from what this process holds, if it holds any.
    fn spend(&self, tenant: &TenantId, window: i64) -> bool {
        match self.lock().get_mut(tenant) {
            Some((w, tokens)) if *w == window && *tokens > 0 => {
                *tokens -= 1;
                true
            }
            _ => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TenantId, (i64, u32)>> {
        self.leased.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryDeliveryStore;

    #[tokio::test]
    async fn a_window_admits_its_allowance_across_processes_and_then_refuses() {
        let store = MemoryDeliveryStore::default();
        let tenant = TenantId::parse("acme").unwrap();
        let other = TenantId::parse("other").unwrap();
        let now = Timestamp::from_millis(1_800_000_003_000).unwrap();
        // Two processes sharing the counter: 3 per second is 30 per window.
        let (one, two) = (PublishQuota::default(), PublishQuota::default());
        let mut admitted = 0;
        for i in 0..50 {
            let quota = if i % 2 == 0 { &one } else { &two };
            if quota.admit(&store, &tenant, 3, now).await.unwrap() == Admission::Admitted {
                admitted += 1;
            }
        }
        assert_eq!(admitted, 30);
        assert_eq!(
            one.admit(&store, &tenant, 3, now).await.unwrap(),
            Admission::Limited { retry_after: 7 }
        );
        assert_eq!(
            one.admit(&store, &other, 3, now).await.unwrap(),
            Admission::Admitted,
            "another tenant's allowance is its own"
        );
        let next = Timestamp::from_millis(1_800_000_010_000).unwrap();
        assert_eq!(
            two.admit(&store, &tenant, 3, next).await.unwrap(),
            Admission::Admitted,
            "a new window"
        );
    }

    #[tokio::test]
    async fn each_tenant_is_held_to_its_own_rate() {
        let store = MemoryDeliveryStore::default();
        let (slow, fast) = (
            TenantId::parse("slow").unwrap(),
            TenantId::parse("fast").unwrap(),
        );
        let now = Timestamp::from_millis(1_800_000_000_000).unwrap();
        let quota = PublishQuota::default();
        let mut admitted = (0, 0);
        for _ in 0..100 {
            if quota.admit(&store, &slow, 1, now).await.unwrap() == Admission::Admitted {
                admitted.0 += 1;
            }
            if quota.admit(&store, &fast, 50, now).await.unwrap() == Admission::Admitted {
                admitted.1 += 1;
            }
        }
        assert_eq!(admitted, (10, 100));
    }

    #[tokio::test]
    async fn held_back_attempts_are_spread_over_the_windows_where_room_is_expected() {
        let store = MemoryDeliveryStore::default();
        let tenant = TenantId::parse("acme").unwrap();
        let webhook = crate::domain::WebhookId::new();
        let lapses = Timestamp::from_millis(1_800_000_100_000).unwrap();
        let cap = InFlightCap::default();
        let mut answers = Vec::new();
        for _ in 0..10 {
            answers.push(cap.admit(&store, &tenant, &webhook, 7, 2, lapses).await);
        }
        // Two a window: the two admitted, then the held back two to each window ahead, not
        // all of them to the next window (where all but two would be held back again).
        let expected = [Ok(()), Ok(())]
            .into_iter()
            .chain([1, 1, 2, 2, 3, 3, 4, 4].map(Err));
        assert_eq!(answers, expected.collect::<Vec<_>>());
        // A new window starts counting afresh.
        assert_eq!(
            cap.admit(&store, &tenant, &webhook, 8, 2, lapses).await,
            Ok(())
        );
    }

    #[tokio::test]
    async fn no_limit_admits_everything() {
        let store = MemoryDeliveryStore::default();
        let tenant = TenantId::parse("acme").unwrap();
        let quota = PublishQuota::default();
        for _ in 0..1000 {
            assert_eq!(
                quota
                    .admit(&store, &tenant, 0, Timestamp::now())
                    .await
                    .unwrap(),
                Admission::Admitted
            );
        }
    }
}

/// The in-flight cap of failing webhooks (see `delivery::stages::load`): attempts started per
/// webhook and window, counted in the execution store across every process. A window this
/// process saw full is remembered with how many it held back in it, so tasks held back again
/// within it cost no write, and each is sent to the window where its room is expected
/// (`limit` a window, in the order they were held back) instead of all to the next one.
#[derive(Default)]
pub struct InFlightCap {
    full: Mutex<HashMap<(TenantId, crate::domain::WebhookId), (i64, u32)>>,
}

impl InFlightCap {
    /// Whether an attempt on the webhook may start in `window`, counted when it may; if not,
    /// how many windows ahead its room is expected (1: the next). When the counter cannot be
    /// reached the attempt is held back (it goes back to the queue), never made uncounted and
    /// never lost.
    pub async fn admit(
        &self,
        store: &dyn crate::store::ExecutionStore,
        tenant: &TenantId,
        webhook: &crate::domain::WebhookId,
        window: i64,
        limit: u32,
        lapses: Timestamp,
    ) -> Result<(), u32> {
        let key = (tenant.clone(), *webhook);
        if let Some((w, held)) = self.lock().get_mut(&key)
            && *w == window
        {
            *held = held.saturating_add(1);
            return Err(1 + *held / limit.max(1));
        }
        match store
            .start_attempt(tenant, webhook, window, limit, lapses)
            .await
        {
            Ok(true) => Ok(()),
            Ok(false) => {
                let mut full = self.lock();
                full.retain(|_, (w, _)| *w >= window);
                full.insert(key, (window, 0));
                Err(1)
            }
            Err(error) => {
                tracing::warn!(%tenant, webhook_id = %webhook, error.cause_chain = ?crate::telemetry::error_chain(&error), "in-flight counter unavailable; attempt held back");
                Err(1)
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<(TenantId, crate::domain::WebhookId), (i64, u32)>> {
        // Inserts and removals are whole: a panic elsewhere leaves the map consistent.
        self.full
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
