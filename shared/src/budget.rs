//! Delivery budgets: how much of this process's delivery capacity one tenant, and one webhook,
//! may hold. Three budgets, each 0 for none: attempts in flight per webhook (healthy, slow or
//! failing alike), attempts in flight per tenant, and attempts started per second per tenant.
//!
//! The books are kept in memory, so a healthy webhook pays no write for them. An attempt past
//! a budget is not made and not counted: `admit` says when room is expected, computed from
//! the books (a slot frees about every `mean attempt time / in flight`; a second's allowance
//! comes back at the next second), and the caller sends the task back for then. Each further
//! deferral of the same task waits longer, by half the first wait each time (up to `MAX_WAIT`), so waiting costs a
//! few queue round trips, not one per slot. A fast tenant's attempt (its attempts take under
//! `FAST` on average) waits for room in the process instead, woken as leases come back.
//!
//! Counted across one process: the local server's workers and pings, or one Lambda instance.
//! Across instances the tenant's deliveries per second are also counted in a shared counter
//! (`quota::RateQuota`, checked by the delivery's load stage), and the deployment's
//! `MaximumConcurrency`, the fair queue and the failing webhooks' shared counter
//! (`quota::InFlightCap`) bound the rest (docs/deploying.md).

use crate::domain::{TenantId, WebhookId};
use rand::Rng;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// A tenant whose attempts take less than this on average is fast: an attempt of its past a
/// budget waits for room in the process (a slot frees within moments), not through the queue.
const FAST: Duration = Duration::from_millis(50);
/// The longest an attempt waits for room in the process before it goes back to the queue.
const PARK_AT_MOST: Duration = Duration::from_secs(1);
/// The longest a held-back attempt waits before it asks again.
pub const MAX_WAIT: Duration = Duration::from_secs(60);
/// The mean attempt time assumed before any attempt of the tenant finished.
const FIRST_GUESS: Duration = Duration::from_millis(20);
/// Past this many tenants in the books, those with nothing in flight are forgotten.
const FORGET_PAST: usize = 10_000;

/// One tenant's budgets, as in effect for it (0: none).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    pub in_flight_per_webhook: u32,
    pub in_flight_per_tenant: u32,
    pub per_second: u32,
}

impl Limits {
    /// The budgets in effect for `tenant`: its own settings over the deployment's defaults
    /// (the defaults when its settings cannot be read: work is held to something).
    pub async fn of(ctx: &crate::AppContext, tenant: &TenantId) -> Limits {
        let effective = match ctx.effective_settings(tenant).await {
            Ok(effective) => effective,
            Err(error) => {
                tracing::warn!(%tenant, error.cause_chain = ?crate::telemetry::error_chain(&error), "tenant settings unreadable; the deployment's budgets apply");
                crate::tenant_settings::TenantSettings::default().effective(&ctx.config)
            }
        };
        Limits {
            in_flight_per_webhook: ctx.config.max_in_flight_per_webhook,
            in_flight_per_tenant: effective.max_in_flight,
            per_second: effective.deliveries_per_second,
        }
    }
}

/// What `admit` decided.
#[must_use]
pub enum Admission {
    /// Go ahead; the slot is held until the lease is dropped.
    Granted(Lease),
    /// Past a budget: ask again after this long.
    Wait(Duration),
}

/// What one look at the books found for `acquire`.
enum Parking {
    Granted(Lease),
    /// Wait in the process, about this long, woken by the tenant's next lease given back.
    Park(Duration, Arc<tokio::sync::Notify>),
    /// Go back to the queue for this long.
    Queue(Duration),
}

/// A slot in the books, given back when dropped (however the attempt ends).
pub struct Lease {
    ledger: Arc<Ledger>,
    tenant: TenantId,
    webhook: WebhookId,
    /// When the attempt started; `None` once abandoned before it did.
    started: Option<Instant>,
}

impl Lease {
    /// Gives the slot back unused (a budget outside this process said no): the tenant's
    /// mean attempt time does not count it.
    pub fn abandon(mut self) {
        self.started = None;
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let took = self.started.map(|started| started.elapsed());
        self.ledger.finish(&self.tenant, &self.webhook, took);
    }
}

/// The books of every tenant with attempts in flight or started this second.
#[derive(Default)]
pub struct Ledger {
    tenants: Mutex<HashMap<TenantId, Books>>,
}

#[derive(Default)]
struct Books {
    in_flight: u32,
    webhooks: HashMap<WebhookId, u32>,
    /// The second `started` counts, since the ledger's epoch.
    second: u64,
    started: u32,
    /// Attempts asked for past a budget lately (halved each second): they share the room.
    waiting: u32,
    /// The mean attempt time, moving (an exponentially weighted average).
    mean: Option<Duration>,
    /// Attempts waiting in the process for room, and what wakes one of them.
    parked: u32,
    freed: Arc<tokio::sync::Notify>,
}

impl Ledger {
    /// Takes a slot for an attempt on `webhook`, or says how long to wait for one.
    /// `deferrals`: how many times this attempt has waited already.
    pub fn admit(
        self: &Arc<Self>,
        tenant: &TenantId,
        webhook: &WebhookId,
        limits: Limits,
        deferrals: u32,
    ) -> Admission {
        let now = Instant::now();
        let mut tenants = self.lock();
        let books = tenants.entry(tenant.clone()).or_default();
        if let Some(room_in) = books.full(webhook, limits, self.second(now)) {
            books.waiting = books.waiting.saturating_add(1);
            return Admission::Wait(grown(room_in, deferrals));
        }
        books.take(webhook, self.second(now));
        Admission::Granted(self.lease(tenant, webhook, now))
    }

    /// Takes a slot whatever the budgets say: it still counts against them for the others.
    fn force(self: &Arc<Self>, tenant: &TenantId, webhook: &WebhookId) -> Lease {
        let now = Instant::now();
        let mut tenants = self.lock();
        tenants
            .entry(tenant.clone())
            .or_default()
            .take(webhook, self.second(now));
        self.lease(tenant, webhook, now)
    }

    /// A slot for an attempt, or how long it should wait in the queue for one. While the
    /// tenant's attempts are fast (`FAST`) and the first time the task is held back, it
    /// waits for room here, up to `PARK_AT_MOST`, woken as leases are given back; no more of
    /// a tenant's attempts wait so than half its in-flight budget, so that waiting ones do
    /// not hold the workers the budget leaves to the others.
    pub async fn acquire(
        self: &Arc<Self>,
        tenant: &TenantId,
        webhook: &WebhookId,
        limits: Limits,
        deferrals: u32,
    ) -> Result<Lease, Duration> {
        let deadline = Instant::now() + PARK_AT_MOST;
        loop {
            let (room_in, freed) = match self.park(tenant, webhook, limits, deferrals, deadline) {
                Parking::Granted(lease) => return Ok(lease),
                Parking::Queue(wait) => return Err(wait),
                Parking::Park(room_in, freed) => (room_in, freed),
            };
            let wait = room_in.clamp(Duration::from_millis(1), FAST);
            let _ = tokio::time::timeout(wait, freed.notified()).await;
            self.unpark(tenant);
        }
    }

    /// A slot for an attempt someone waits for (a ping): room is waited for up to `at_most`,
    /// then the slot is taken anyway, counted.
    pub async fn wait_for_slot(
        self: &Arc<Self>,
        tenant: &TenantId,
        webhook: &WebhookId,
        limits: Limits,
        at_most: Duration,
    ) -> Lease {
        let deadline = Instant::now() + at_most;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.acquire(tenant, webhook, limits, 0).await {
                Ok(lease) => return lease,
                Err(_) if left.is_zero() => return self.force(tenant, webhook),
                Err(wait) => tokio::time::sleep(wait.min(left)).await,
            }
        }
    }

    /// One look at the books for `acquire`.
    fn park(
        self: &Arc<Self>,
        tenant: &TenantId,
        webhook: &WebhookId,
        limits: Limits,
        deferrals: u32,
        deadline: Instant,
    ) -> Parking {
        let now = Instant::now();
        let second = self.second(now);
        let mut tenants = self.lock();
        let books = tenants.entry(tenant.clone()).or_default();
        let Some(room_in) = books.full(webhook, limits, second) else {
            books.take(webhook, second);
            return Parking::Granted(self.lease(tenant, webhook, now));
        };
        let fast = books.mean.unwrap_or(FIRST_GUESS) < FAST;
        let room_for_parked = limits.in_flight_per_tenant.div_ceil(2).max(1);
        if fast && deferrals == 0 && now < deadline && books.parked < room_for_parked {
            books.parked += 1;
            return Parking::Park(room_in, Arc::clone(&books.freed));
        }
        books.waiting = books.waiting.saturating_add(1);
        Parking::Queue(grown(room_in, deferrals))
    }

    fn unpark(&self, tenant: &TenantId) {
        if let Some(books) = self.lock().get_mut(tenant) {
            books.parked = books.parked.saturating_sub(1);
        }
    }

    fn lease(self: &Arc<Self>, tenant: &TenantId, webhook: &WebhookId, now: Instant) -> Lease {
        Lease {
            ledger: Arc::clone(self),
            tenant: tenant.clone(),
            webhook: *webhook,
            started: Some(now),
        }
    }

    /// Attempts in flight for `tenant` in this process, and for `webhook`.
    pub fn in_flight(&self, tenant: &TenantId, webhook: &WebhookId) -> (u32, u32) {
        self.lock().get(tenant).map_or((0, 0), |books| {
            let on_webhook = books.webhooks.get(webhook).copied().unwrap_or(0);
            (books.in_flight, on_webhook)
        })
    }

    fn finish(&self, tenant: &TenantId, webhook: &WebhookId, took: Option<Duration>) {
        let mut tenants = self.lock();
        let Some(books) = tenants.get_mut(tenant) else {
            return;
        };
        // One of the tenant's waiting attempts may take the slot.
        books.freed.notify_one();
        books.in_flight = books.in_flight.saturating_sub(1);
        if let Some(count) = books.webhooks.get_mut(webhook) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                books.webhooks.remove(webhook);
            }
        }
        if let Some(took) = took {
            books.mean = Some(books.mean.map_or(took, |mean| (mean * 7 + took) / 8));
        }
        if tenants.len() > FORGET_PAST {
            // Tenants with nothing in flight keep only a mean and a count: forgotten.
            tenants.retain(|_, books| books.in_flight > 0);
        }
    }

    /// Whole seconds since an arbitrary fixed instant, for the per-second budget.
    fn second(&self, now: Instant) -> u64 {
        static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        now.saturating_duration_since(*EPOCH.get_or_init(Instant::now))
            .as_secs()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<TenantId, Books>> {
        // Every change under the lock is whole: a panic elsewhere leaves the books consistent.
        self.tenants.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Books {
    /// When a budget is spent, how long until room is expected.
    fn full(&mut self, webhook: &WebhookId, limits: Limits, second: u64) -> Option<Duration> {
        self.turn(second);
        let on_webhook = self.webhooks.get(webhook).copied().unwrap_or(0);
        let mean = self.mean.unwrap_or(FIRST_GUESS);
        // Those already waiting share the room that frees up: this one is behind them.
        let queue = self.waiting.saturating_add(1);
        let per_slot = |in_flight: u32| mean * queue / in_flight.max(1);
        if at_limit(on_webhook, limits.in_flight_per_webhook) {
            return Some(per_slot(on_webhook));
        }
        if at_limit(self.in_flight, limits.in_flight_per_tenant) {
            return Some(per_slot(self.in_flight));
        }
        if at_limit(self.started, limits.per_second) {
            let seconds = queue / limits.per_second.max(1);
            return Some(Duration::from_secs(u64::from(seconds) + 1));
        }
        None
    }

    /// A new second: its allowance is whole again, and older waiters count for less.
    fn turn(&mut self, second: u64) {
        if self.second != second {
            self.second = second;
            self.started = 0;
            self.waiting /= 2;
        }
    }

    fn take(&mut self, webhook: &WebhookId, second: u64) {
        self.turn(second);
        self.in_flight = self.in_flight.saturating_add(1);
        *self.webhooks.entry(*webhook).or_default() += 1;
        self.started = self.started.saturating_add(1);
        self.waiting = self.waiting.saturating_sub(1);
    }
}

fn at_limit(count: u32, limit: u32) -> bool {
    limit > 0 && count >= limit
}

/// The wait for room, longer by half for each earlier deferral, spread by up to a half
/// either way (so that the held-back tasks do not all come back at once), within `MAX_WAIT`.
fn grown(room_in: Duration, deferrals: u32) -> Duration {
    let doubled = room_in.mul_f64(1.0 + f64::from(deferrals.min(100)) / 2.0);
    let spread = rand::rng().random_range(0.5..=1.5);
    doubled
        .mul_f64(spread)
        .clamp(Duration::from_millis(10), MAX_WAIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (TenantId, WebhookId, WebhookId) {
        let tenant = TenantId::parse("acme").unwrap();
        (tenant, WebhookId::new(), WebhookId::new())
    }

    fn granted(admission: Admission) -> Lease {
        match admission {
            Admission::Granted(lease) => lease,
            Admission::Wait(wait) => panic!("waits {wait:?}"),
        }
    }

    fn waits(admission: Admission) -> Duration {
        match admission {
            Admission::Granted(_) => panic!("granted"),
            Admission::Wait(wait) => wait,
        }
    }

    #[test]
    fn a_webhook_at_its_in_flight_budget_waits_until_a_lease_is_given_back() {
        let ledger = Arc::new(Ledger::default());
        let (tenant, one, other) = ids();
        let limits = Limits {
            in_flight_per_webhook: 2,
            ..Limits::default()
        };
        let first = granted(ledger.admit(&tenant, &one, limits, 0));
        let _second = granted(ledger.admit(&tenant, &one, limits, 0));
        assert!(waits(ledger.admit(&tenant, &one, limits, 0)) <= MAX_WAIT);
        let _elsewhere = granted(ledger.admit(&tenant, &other, limits, 0));
        assert_eq!(ledger.in_flight(&tenant, &one), (3, 2));
        drop(first);
        let _third = granted(ledger.admit(&tenant, &one, limits, 0));
    }

    #[test]
    fn a_tenant_at_its_in_flight_budget_leaves_the_others_alone() {
        let ledger = Arc::new(Ledger::default());
        let (tenant, one, other) = ids();
        let quiet = TenantId::parse("quiet").unwrap();
        let limits = Limits {
            in_flight_per_tenant: 1,
            ..Limits::default()
        };
        let held = granted(ledger.admit(&tenant, &one, limits, 0));
        let _ = waits(ledger.admit(&tenant, &other, limits, 0));
        let _quiet = granted(ledger.admit(&quiet, &other, limits, 0));
        drop(held);
        let _ = granted(ledger.admit(&tenant, &other, limits, 0));
    }

    #[test]
    fn the_per_second_budget_counts_attempts_started_not_in_flight() {
        let ledger = Arc::new(Ledger::default());
        let (tenant, one, _) = ids();
        let limits = Limits {
            per_second: 3,
            ..Limits::default()
        };
        let mut started = 0;
        for _ in 0..10 {
            if let Admission::Granted(lease) = ledger.admit(&tenant, &one, limits, 0) {
                drop(lease);
                started += 1;
            }
        }
        // Three, or six if the second turned meanwhile.
        assert!(started == 3 || started == 6, "{started}");
        assert!(waits(ledger.admit(&tenant, &one, limits, 0)) >= Duration::from_millis(10));
    }

    #[test]
    fn each_deferral_waits_longer_within_the_longest_wait() {
        let short = grown(Duration::from_millis(100), 0);
        let long = grown(Duration::from_millis(100), 4);
        assert!(long > short, "{long:?} after {short:?}");
        assert_eq!(grown(Duration::from_secs(100), 3), MAX_WAIT);
    }

    #[test]
    fn a_forced_lease_counts_against_the_budget() {
        let ledger = Arc::new(Ledger::default());
        let (tenant, one, _) = ids();
        let limits = Limits {
            in_flight_per_webhook: 1,
            ..Limits::default()
        };
        let ping = ledger.force(&tenant, &one);
        let _ = waits(ledger.admit(&tenant, &one, limits, 0));
        drop(ping);
        let _held = granted(ledger.admit(&tenant, &one, limits, 0));
        assert_eq!(ledger.in_flight(&tenant, &one), (1, 1));
    }

    #[tokio::test]
    async fn a_fast_tenants_attempt_waits_in_the_process_and_a_slow_ones_goes_back_to_the_queue() {
        let ledger = Arc::new(Ledger::default());
        let (tenant, one, _) = ids();
        let limits = Limits {
            in_flight_per_webhook: 1,
            ..Limits::default()
        };
        // Fast (no attempt finished yet: assumed fast): it waits for the lease given back.
        let held = granted(ledger.admit(&tenant, &one, limits, 0));
        let waiting = {
            let ledger = Arc::clone(&ledger);
            let tenant = tenant.clone();
            tokio::spawn(async move { ledger.acquire(&tenant, &one, limits, 0).await.is_ok() })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(held);
        assert!(waiting.await.unwrap(), "granted once the lease came back");
        // Slow: its attempts take a second; the next goes back to the queue at once.
        let slow = TenantId::parse("slow").unwrap();
        let first = granted(ledger.admit(&slow, &one, limits, 0));
        ledger.finish(&slow, &one, Some(Duration::from_secs(1)));
        std::mem::forget(first);
        let _held = granted(ledger.admit(&slow, &one, limits, 0));
        let asked = Instant::now();
        assert!(ledger.acquire(&slow, &one, limits, 0).await.is_err());
        assert!(asked.elapsed() < PARK_AT_MOST);
    }

    #[test]
    fn no_budget_admits_everything() {
        let ledger = Arc::new(Ledger::default());
        let (tenant, one, _) = ids();
        let leases: Vec<Lease> = (0..1000)
            .map(|_| granted(ledger.admit(&tenant, &one, Limits::default(), 0)))
            .collect();
        assert_eq!(ledger.in_flight(&tenant, &one), (1000, 1000));
        drop(leases);
        assert_eq!(ledger.in_flight(&tenant, &one), (0, 0));
    }
}
