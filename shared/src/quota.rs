//! Per-tenant rates, counted across every process: events published (a tenant's effective
//! `events_per_second`) and delivery attempts started (`deliveries_per_second`, see
//! `tenant_settings`). A tenant may do `per_second` × 10 in each aligned ten-second window
//! (so bursts up to that), counted by one shared counter per tenant, rate and window. No
//! publish or attempt writes to it: a process leases tokens in chunks and spends them from
//! memory, so the counter takes at most one write per chunk, and a tenant that is slow one
//! per window and process. Tokens a process leased and did not spend lapse with the window,
//! so chunks are small enough that the processes a tenant's work is spread over do not hold
//! its whole allowance between them: a twentieth of it for publishes (at least ten), a
//! hundredth for deliveries (at least one), as a tenant's deliveries spread over every
//! delivery function instance.

use crate::domain::{TenantId, Timestamp};
use crate::store::{EventStore, Rate, RateWindow, StoreError};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// The rate window, in seconds.
pub const WINDOW_SECONDS: i64 = 10;

/// A lease's size, from the window's allowance: `allowance / per_window`, at least `least`.
struct Chunks {
    per_window: u32,
    least: u32,
}

impl Chunks {
    fn of(rate: Rate) -> Self {
        match rate {
            Rate::Publishes => Chunks {
                per_window: 20,
                least: 10,
            },
            Rate::Deliveries => Chunks {
                per_window: 100,
                least: 1,
            },
        }
    }
}

/// What a publish or an attempt may do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// Over the tenant's rate: try again after `retry_after` seconds (the window's end).
    /// `paced`: when this one's turn is expected, the refused ones of this process spread
    /// over the windows ahead at the rate, in the order they were refused, so that they do
    /// not all come back at the next window's start.
    Limited {
        retry_after: u64,
        paced: Duration,
    },
}

/// The tokens this process leased and has not spent, for one rate. The rate is each tenant's
/// own, passed with each call: a change of it applies from the next lease.
pub struct RateQuota {
    rate: Rate,
    /// Per tenant: the window, tokens leased and not spent, and how many were refused in it.
    leased: Mutex<HashMap<TenantId, Held>>,
}

#[derive(Clone, Copy)]
struct Held {
    window: i64,
    tokens: u32,
    refused: u32,
}

impl RateQuota {
    pub fn new(rate: Rate) -> Self {
        Self {
            rate,
            leased: Mutex::default(),
        }
    }

    /// Takes one of `tenant`'s allowance of `per_second` (0: no limit).
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
        let chunks = Chunks::of(self.rate);
        let chunk = (limit / chunks.per_window).max(chunks.least).min(limit);
        let ends = (window + 1) * WINDOW_SECONDS;
        let expires_at = Timestamp::from_millis(ends * 1000).unwrap_or(now);
        let counter = RateWindow {
            rate: self.rate,
            window,
            limit,
            expires_at,
        };
        let granted = store.lease_rate(tenant, counter, chunk).await?;
        if granted > 0 {
            Self::held(&mut self.lock(), tenant, window).tokens += granted;
        }
        if self.spend(tenant, window) {
            return Ok(Admission::Admitted);
        }
        let refused = {
            let mut leased = self.lock();
            let held = Self::held(&mut leased, tenant, window);
            held.refused = held.refused.saturating_add(1);
            held.refused
        };
        let to_end = ends * 1000 - now.millis();
        // The n-th refused goes to the window (n - 1) / limit ahead, at its place in it.
        let ahead = i64::from((refused - 1) / limit) * WINDOW_SECONDS * 1000;
        let place = i64::from((refused - 1) % limit) * WINDOW_SECONDS * 1000 / i64::from(limit);
        Ok(Admission::Limited {
            retry_after: u64::try_from(ends - now.unix_seconds()).unwrap_or(1).max(1),
            paced: Duration::from_millis(u64::try_from(to_end + ahead + place).unwrap_or(0)),
        })
    }

    /// One token of this window from what this process holds, if it holds any.
    fn spend(&self, tenant: &TenantId, window: i64) -> bool {
        match self.lock().get_mut(tenant) {
            Some(held) if held.window == window && held.tokens > 0 => {
                held.tokens -= 1;
                true
            }
            _ => false,
        }
    }

    /// The tenant's holding for `window`, started afresh when it was for an older one.
    fn held<'a>(
        leased: &'a mut HashMap<TenantId, Held>,
        tenant: &TenantId,
        window: i64,
    ) -> &'a mut Held {
        let held = leased.entry(tenant.clone()).or_insert(Held {
            window,
            tokens: 0,
            refused: 0,
        });
        if held.window != window {
            *held = Held {
                window,
                tokens: 0,
                refused: 0,
            };
        }
        held
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TenantId, Held>> {
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
        let (one, two) = (
            RateQuota::new(Rate::Publishes),
            RateQuota::new(Rate::Publishes),
        );
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
            Admission::Limited {
                retry_after: 7,
                paced: Duration::from_millis(8_666)
            }
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
    async fn refused_deliveries_are_paced_over_the_windows_ahead() {
        let store = MemoryDeliveryStore::default();
        let tenant = TenantId::parse("acme").unwrap();
        // Three seconds into a window; one a second is ten a window.
        let now = Timestamp::from_millis(1_800_000_003_000).unwrap();
        let (one, two) = (
            RateQuota::new(Rate::Deliveries),
            RateQuota::new(Rate::Deliveries),
        );
        let mut waits = Vec::new();
        for i in 0..25 {
            let quota = if i % 2 == 0 { &one } else { &two };
            match quota.admit(&store, &tenant, 1, now).await.unwrap() {
                Admission::Admitted => waits.push(0),
                Admission::Limited { paced, .. } => waits.push(paced.as_millis()),
            }
        }
        // Leases of one, so two processes share the window's ten exactly; then each process
        // sends its refused ones a second apart (the rate) from the window's end.
        assert_eq!(waits.iter().filter(|w| **w == 0).count(), 10);
        let refused_by_one: Vec<u128> = waits
            .iter()
            .step_by(2)
            .copied()
            .filter(|w| *w > 0)
            .collect();
        assert_eq!(
            refused_by_one,
            [7_000, 8_000, 9_000, 10_000, 11_000, 12_000, 13_000, 14_000]
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
        let quota = RateQuota::new(Rate::Publishes);
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
        let quota = RateQuota::new(Rate::Publishes);
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
