//! In-memory event, delivery, idempotency and execution records, with the same expiry
//! semantics as DynamoDB (expired records are invisible).
//!
//! Memory is bounded, so a local server that runs for days stays small: expired records are
//! evicted as new ones arrive, and beyond `Limits` the oldest records are evicted as if
//! they had expired (DynamoDB keeps everything until its TTL). Each kind of record has a
//! mutex of its own, so publishing and recording attempts do not wait on each other.

use super::{
    Claim, EventStore, ExecutionStore, KeyHold, Rate, RateWindow, RecordedEvent, StoreError,
    SweepProgress, SweepStore,
};
use crate::domain::{
    Delivery, Ended, EndedDelivery, Event, EventId, Execution, ExecutionId, ListedEvent, TenantId,
    TimeRange, Timestamp, WebhookId,
};
use async_trait::async_trait;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard};

/// How much history the memory store keeps.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Events (with their delivery records), newest kept.
    pub events: usize,
    /// Executions per webhook, newest kept.
    pub executions_per_webhook: usize,
    /// Ended deliveries noted per webhook (of each kind), newest kept.
    pub ended_per_webhook: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            events: 10_000,
            executions_per_webhook: 1_000,
            ended_per_webhook: 100_000,
        }
    }
}

/// Whether no key lies between the bounds (`BTreeMap::range` panics on those).
fn is_empty_range<K: Ord>(lo: &Bound<K>, hi: &Bound<K>) -> bool {
    match (lo, hi) {
        (Bound::Included(l), Bound::Included(h)) => l > h,
        (Bound::Included(l) | Bound::Excluded(l), Bound::Excluded(h))
        | (Bound::Excluded(l), Bound::Included(h)) => l >= h,
        _ => false,
    }
}

/// The bounds of ids made in `range`, and below `before` when given (`bound` is the ids'
/// lowest or highest value of a millisecond).
fn id_range<K: Copy + Ord>(
    range: TimeRange,
    bound: fn(i64, bool) -> K,
    before: Option<K>,
) -> (Bound<K>, Bound<K>) {
    let lo = range.since.map_or(Bound::Unbounded, |t| {
        Bound::Included(bound(t.millis(), false))
    });
    let hi = match (range.until.map(|u| bound(u.millis(), true)), before) {
        (Some(u), Some(b)) if u < b => Bound::Included(u),
        (_, Some(b)) => Bound::Excluded(b),
        (Some(u), None) => Bound::Included(u),
        (None, None) => Bound::Unbounded,
    };
    (lo, hi)
}

/// As `id_range`, or `None` when no id fits (a B-tree's `range` refuses such bounds).
fn id_bounds<K: Copy + Ord>(
    range: TimeRange,
    bound: fn(i64, bool) -> K,
    before: Option<K>,
) -> Option<(Bound<K>, Bound<K>)> {
    let (lo, hi) = id_range(range, bound, before);
    (!is_empty_range(&lo, &hi)).then_some((lo, hi))
}

type EventKey = (TenantId, EventId);
/// One webhook's executions by id (time order), with their expiry. Boxed: a B-tree node
/// holds eleven entries, and thousands of webhooks with one execution each would otherwise
/// each hold a node sized for eleven whole records.
type WebhookHistory = BTreeMap<ExecutionId, (Box<Execution>, Timestamp)>;

/// One webhook's notes of one kind, by event id: attempts and expiry.
type EndedNotes = BTreeMap<EventId, (u32, Timestamp)>;

#[derive(Default)]
struct Events {
    by_key: HashMap<EventKey, (Event, Timestamp)>,
    /// Insertion order, for eviction: records expire in this order too (one TTL for all).
    order: VecDeque<EventKey>,
    deliveries: HashMap<EventKey, BTreeMap<WebhookId, (Delivery, Timestamp)>>,
    /// Each tenant's event ids, in time order: the events list.
    by_tenant: HashMap<TenantId, BTreeSet<EventId>>,
}

impl Events {
    fn evict(&mut self, limit: usize, now: Timestamp) {
        while let Some(oldest) = self.order.front() {
            let expired = self.by_key.get(oldest).is_none_or(|(_, exp)| *exp <= now);
            if !expired && self.order.len() <= limit {
                break;
            }
            if let Some(key) = self.order.pop_front() {
                self.by_key.remove(&key);
                self.deliveries.remove(&key);
                if let Some(ids) = self.by_tenant.get_mut(&key.0) {
                    ids.remove(&key.1);
                    if ids.is_empty() {
                        self.by_tenant.remove(&key.0);
                    }
                }
            }
        }
    }
}

#[derive(Default)]
struct Idempotency {
    by_key: HashMap<(TenantId, String), KeyState>,
    /// Claims in order, for evicting expired ones.
    order: VecDeque<((TenantId, String), Timestamp)>,
}

/// One idempotency key: the event it names, the answer once its publish finished, how long
/// a running publish holds it, what a failed one left unqueued, and its expiry.
struct KeyState {
    event: EventId,
    answer: Option<String>,
    held_until: Timestamp,
    unsent: Option<Vec<WebhookId>>,
    expires_at: Timestamp,
}

impl Idempotency {
    /// Forgets the keys that expired by `now`, oldest first.
    fn evict(&mut self, now: Timestamp) {
        while let Some((oldest, expires)) = self.order.front().cloned() {
            if expires > now {
                break;
            }
            self.order.pop_front();
            if self
                .by_key
                .get(&oldest)
                .is_some_and(|k| k.expires_at <= now)
            {
                self.by_key.remove(&oldest);
            }
        }
    }
}

#[derive(Default)]
pub struct MemoryDeliveryStore {
    limits: Limits,
    events: Mutex<Events>,
    idempotency: Mutex<Idempotency>,
    executions: Mutex<HashMap<(TenantId, WebhookId), WebhookHistory>>,
    /// Ended deliveries by webhook and kind, by event id (time order): attempts, expiry.
    ended: Mutex<HashMap<(TenantId, WebhookId, Ended), EndedNotes>>,
    /// Per webhook, by event id: the last attempt whose automatic retry is queued, expiry.
    queued: Mutex<HashMap<(TenantId, WebhookId), EndedNotes>>,
    /// What each tenant took per rate and window.
    rate_windows: Mutex<HashMap<(TenantId, Rate, i64), u32>>,
    /// Attempts started per webhook and window, for a failing webhook's in-flight cap.
    attempt_windows: Mutex<HashMap<(TenantId, WebhookId, i64), u32>>,
    /// Each webhook's recover lock: the recover holding it and until when.
    recover_locks: Mutex<HashMap<(TenantId, WebhookId), (i64, Timestamp)>>,
    /// The tenants that published in each minute, and how far the sweep got.
    sweep: Mutex<(ActiveByMinute, Option<SweepProgress>)>,
}

/// The tenants that published in each minute (unix minutes), with the marks' expiry.
type ActiveByMinute = BTreeMap<i64, BTreeMap<TenantId, Timestamp>>;

/// Minutes of activity marks kept: a day, far beyond the sweep's grace period.
const ACTIVE_MINUTES_KEPT: usize = 24 * 60;
const MINUTE_MILLIS: i64 = 60_000;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl MemoryDeliveryStore {
    pub fn with_limits(limits: Limits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }
}

#[async_trait]
impl EventStore for MemoryDeliveryStore {
    async fn put_event(&self, event: &Event, expires_at: Timestamp) -> Result<bool, StoreError> {
        let key = (event.tenant.clone(), event.id);
        let mut events = lock(&self.events);
        let now = Timestamp::now();
        if events.by_key.get(&key).is_some_and(|(_, exp)| *exp > now) {
            return Ok(false);
        }
        if events
            .by_key
            .insert(key.clone(), (event.clone(), expires_at))
            .is_none()
        {
            events
                .by_tenant
                .entry(event.tenant.clone())
                .or_default()
                .insert(event.id);
            events.order.push_back(key);
        }
        events.evict(self.limits.events, now);
        Ok(true)
    }

    async fn get_event(
        &self,
        tenant: &TenantId,
        id: &EventId,
        now: Timestamp,
    ) -> Result<Option<Event>, StoreError> {
        let events = lock(&self.events);
        Ok(events
            .by_key
            .get(&(tenant.clone(), *id))
            .filter(|(_, exp)| *exp > now)
            .map(|(e, _)| e.clone()))
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
        let events = lock(&self.events);
        let Some(ids) = events.by_tenant.get(tenant) else {
            return Ok(Vec::new());
        };
        let Some(bounds) = id_bounds(range, EventId::bound, before.copied()) else {
            return Ok(Vec::new());
        };
        Ok(ids
            .range(bounds)
            .rev()
            .filter_map(|id| events.by_key.get(&(tenant.clone(), *id)))
            .filter(|(_, exp)| *exp > now)
            .take(limit)
            .map(|(e, _)| ListedEvent::of(e, with_data))
            .collect())
    }

    async fn put_deliveries(
        &self,
        tenant: &TenantId,
        deliveries: &[Delivery],
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut events = lock(&self.events);
        for delivery in deliveries {
            let key = (tenant.clone(), delivery.event_id);
            // Records of an event no longer kept would never be evicted: not kept either.
            if !events.by_key.contains_key(&key) {
                continue;
            }
            events
                .deliveries
                .entry(key)
                .or_default()
                .insert(delivery.webhook_id, (delivery.clone(), expires_at));
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
        let events = lock(&self.events);
        Ok(events
            .deliveries
            .get(&(tenant.clone(), *event_id))
            .and_then(|m| m.get(webhook_id))
            .filter(|(_, exp)| *exp > now)
            .map(|(d, _)| d.clone()))
    }

    async fn list_deliveries(
        &self,
        tenant: &TenantId,
        event_id: &EventId,
        now: Timestamp,
    ) -> Result<Vec<Delivery>, StoreError> {
        let events = lock(&self.events);
        Ok(events
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
        hold: KeyHold,
        now: Timestamp,
    ) -> Result<Claim, StoreError> {
        let mut state = lock(&self.idempotency);
        state.evict(now);
        let slot = (tenant.clone(), key.to_owned());
        if let Some(found) = state.by_key.get_mut(&slot).filter(|k| k.expires_at > now) {
            if let Some(answer) = &found.answer {
                return Ok(Claim::Answered(answer.clone()));
            }
            if found.held_until > now {
                return Ok(Claim::InFlight);
            }
            found.held_until = hold.until;
            return Ok(Claim::Resumed {
                event: found.event,
                unsent: found.unsent.clone(),
            });
        }
        let fresh = KeyState {
            event: hold.event,
            answer: None,
            held_until: hold.until,
            unsent: None,
            expires_at: hold.expires_at,
        };
        state.by_key.insert(slot.clone(), fresh);
        state.order.push_back((slot, hold.expires_at));
        Ok(Claim::Claimed)
    }

    async fn complete_idempotency_key(
        &self,
        tenant: &TenantId,
        key: &str,
        response: &str,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut state = lock(&self.idempotency);
        let slot = (tenant.clone(), key.to_owned());
        if let Some(found) = state.by_key.get_mut(&slot) {
            found.answer = Some(response.to_owned());
            found.expires_at = expires_at;
            state.order.push_back((slot, expires_at));
        }
        Ok(())
    }

    async fn hand_back_idempotency_key(
        &self,
        tenant: &TenantId,
        key: &str,
        unsent: &[WebhookId],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut state = lock(&self.idempotency);
        if let Some(found) = state.by_key.get_mut(&(tenant.clone(), key.to_owned()))
            && found.answer.is_none()
        {
            found.held_until = now;
            found.unsent = Some(unsent.to_vec());
        }
        Ok(())
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
            ..
        } = window;
        let mut windows = lock(&self.rate_windows);
        // Only windows from this one on matter: older counters go.
        windows.retain(|(_, r, w), _| *r != rate || *w >= window);
        let used = windows.entry((tenant.clone(), rate, window)).or_insert(0);
        let granted = if *used + want <= limit {
            want
        } else if *used < limit {
            // What is left, as the DynamoDB adapter's second try takes it: one at a time.
            1
        } else {
            0
        };
        *used += granted;
        Ok(granted)
    }
}

#[async_trait]
impl ExecutionStore for MemoryDeliveryStore {
    async fn insert(&self, execution: &Execution, expires_at: Timestamp) -> Result<(), StoreError> {
        let mut executions = lock(&self.executions);
        let key = (execution.tenant.clone(), execution.webhook_id);
        let records = executions.entry(key).or_default();
        if records.contains_key(&execution.id) {
            return Err(StoreError::Conflict);
        }
        records.insert(execution.id, (Box::new(execution.clone()), expires_at));
        // The oldest go first: past the limit, or expired.
        let now = Timestamp::now();
        let mut evicted_firsts = Vec::new();
        while let Some((_, (_, expires))) = records.first_key_value() {
            if records.len() <= self.limits.executions_per_webhook && *expires > now {
                break;
            }
            if let Some((_, (old, expires))) = records.pop_first()
                && expires > now
                && old.id == ExecutionId::first_attempt(old.event_id, old.webhook_id)
            {
                evicted_firsts.push(old);
            }
        }
        drop(executions);
        // A first attempt's execution may be the only word on its delivery
        // (`Delivery::standing`): evicted before its event, it leaves that word behind.
        if !evicted_firsts.is_empty() {
            let mut events = lock(&self.events);
            for old in evicted_firsts {
                let key = (old.tenant.clone(), old.event_id);
                if !events.by_key.contains_key(&key) {
                    continue;
                }
                let slot = events.deliveries.entry(key).or_default();
                slot.entry(old.webhook_id).or_insert_with(|| {
                    let standing =
                        Delivery::standing(old.event_id, old.webhook_id, None, Some(&old));
                    (standing, expires_at)
                });
            }
        }
        Ok(())
    }

    async fn get_many(
        &self,
        tenant: &TenantId,
        keys: &[(WebhookId, ExecutionId)],
        now: Timestamp,
    ) -> Result<Vec<Execution>, StoreError> {
        let executions = lock(&self.executions);
        Ok(keys
            .iter()
            .filter_map(|(webhook, id)| {
                executions
                    .get(&(tenant.clone(), *webhook))
                    .and_then(|m| m.get(id))
            })
            .filter(|(_, exp)| *exp > now)
            .map(|(e, _)| Execution::clone(e))
            .collect())
    }

    async fn get(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        id: &ExecutionId,
        now: Timestamp,
    ) -> Result<Option<Execution>, StoreError> {
        let executions = lock(&self.executions);
        Ok(executions
            .get(&(tenant.clone(), *webhook_id))
            .and_then(|m| m.get(id))
            .filter(|(_, exp)| *exp > now)
            .map(|(e, _)| Execution::clone(e)))
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
        let executions = lock(&self.executions);
        let Some(all) = executions.get(&(tenant.clone(), *webhook_id)) else {
            return Ok(Vec::new());
        };
        let Some(bounds) = id_bounds(range, ExecutionId::bound, before.copied()) else {
            return Ok(Vec::new());
        };
        Ok(all
            .range(bounds)
            .rev()
            .filter(|(_, (_, exp))| *exp > now)
            .take(limit)
            .map(|(_, (e, _))| Execution::clone(e))
            .collect())
    }

    async fn note_ended(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        how: Ended,
        delivery: EndedDelivery,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut ended = lock(&self.ended);
        let noted = ended.entry((tenant.clone(), *webhook_id, how)).or_default();
        noted.insert(delivery.event_id, (delivery.attempts, expires_at));
        let now = Timestamp::now();
        while let Some((_, (_, expires))) = noted.first_key_value() {
            if noted.len() <= self.limits.ended_per_webhook && *expires > now {
                break;
            }
            noted.pop_first();
        }
        Ok(())
    }

    async fn note_queued(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        event_id: &EventId,
        attempt: u32,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut queued = lock(&self.queued);
        let noted = queued.entry((tenant.clone(), *webhook_id)).or_default();
        let slot = noted.entry(*event_id).or_insert((attempt, expires_at));
        *slot = (slot.0.max(attempt), expires_at);
        let now = Timestamp::now();
        while let Some((_, (_, expires))) = noted.first_key_value() {
            if noted.len() <= self.limits.ended_per_webhook && *expires > now {
                break;
            }
            noted.pop_first();
        }
        Ok(())
    }

    async fn queued_after(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        event_id: &EventId,
        now: Timestamp,
    ) -> Result<Option<u32>, StoreError> {
        Ok(lock(&self.queued)
            .get(&(tenant.clone(), *webhook_id))
            .and_then(|noted| noted.get(event_id))
            .filter(|(_, expires)| *expires > now)
            .map(|(attempt, _)| *attempt))
    }

    async fn clear_failed(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        event_id: &EventId,
    ) -> Result<(), StoreError> {
        if let Some(noted) =
            lock(&self.ended).get_mut(&(tenant.clone(), *webhook_id, Ended::Failed))
        {
            noted.remove(event_id);
        }
        Ok(())
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
        let ended = lock(&self.ended);
        let Some(noted) = ended.get(&(tenant.clone(), *webhook_id, Ended::Failed)) else {
            return Ok(Vec::new());
        };
        let (lo, hi) = id_range(range, EventId::bound, None);
        // Past the cursor, and never before the range.
        let lo = match (after, lo) {
            (Some(a), Bound::Included(l)) if *a < l => lo,
            (Some(a), _) => Bound::Excluded(*a),
            (None, _) => lo,
        };
        if is_empty_range(&lo, &hi) {
            return Ok(Vec::new());
        }
        Ok(noted
            .range((lo, hi))
            .filter(|(_, (_, exp))| *exp > now)
            .take(limit)
            .map(|(event_id, (attempts, _))| EndedDelivery {
                event_id: *event_id,
                attempts: *attempts,
            })
            .collect())
    }

    async fn start_attempt(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        window: i64,
        limit: u32,
        _expires_at: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut windows = lock(&self.attempt_windows);
        // Only windows from this one on matter: older counters go.
        windows.retain(|(_, _, w), _| *w >= window);
        let started = windows
            .entry((tenant.clone(), *webhook_id, window))
            .or_insert(0);
        if *started >= limit {
            return Ok(false);
        }
        *started += 1;
        Ok(true)
    }

    async fn count_ended(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        how: Ended,
        range: TimeRange,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        let ended = lock(&self.ended);
        let Some(noted) = ended.get(&(tenant.clone(), *webhook_id, how)) else {
            return Ok(0);
        };
        let Some(bounds) = id_bounds(range, EventId::bound, None) else {
            return Ok(0);
        };
        Ok(noted
            .range(bounds)
            .filter(|(_, (_, exp))| *exp > now)
            .count() as u64)
    }
    async fn hold_recover(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        holder: i64,
        until: Timestamp,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut locks = lock(&self.recover_locks);
        let held = locks.entry((tenant.clone(), *webhook_id));
        let free =
            |(held_by, held_until): &(i64, Timestamp)| *held_by == holder || *held_until < now;
        match held {
            Entry::Occupied(mut held) if free(held.get()) => {
                held.insert((holder, until));
                Ok(true)
            }
            Entry::Occupied(_) => Ok(false),
            Entry::Vacant(vacant) => {
                vacant.insert((holder, until));
                Ok(true)
            }
        }
    }

    async fn release_recover(
        &self,
        tenant: &TenantId,
        webhook_id: &WebhookId,
        holder: i64,
    ) -> Result<(), StoreError> {
        let mut locks = lock(&self.recover_locks);
        let key = (tenant.clone(), *webhook_id);
        if locks
            .get(&key)
            .is_some_and(|(held_by, _)| *held_by == holder)
        {
            locks.remove(&key);
        }
        Ok(())
    }
}

#[async_trait]
impl SweepStore for MemoryDeliveryStore {
    async fn mark_active(
        &self,
        minute: i64,
        tenant: &TenantId,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let active = &mut lock(&self.sweep).0;
        active
            .entry(minute)
            .or_default()
            .insert(tenant.clone(), expires_at);
        while active.len() > ACTIVE_MINUTES_KEPT {
            active.pop_first();
        }
        Ok(())
    }

    async fn active_tenants(
        &self,
        minute: i64,
        after: Option<&TenantId>,
        limit: usize,
    ) -> Result<Vec<TenantId>, StoreError> {
        let now = Timestamp::now();
        let sweep = lock(&self.sweep);
        let Some(tenants) = sweep.0.get(&minute) else {
            return Ok(Vec::new());
        };
        let from = after.map_or(Bound::Unbounded, |a| Bound::Excluded(a.clone()));
        Ok(tenants
            .range((from, Bound::Unbounded))
            .filter(|(_, expires)| **expires > now)
            .take(limit)
            .map(|(tenant, _)| tenant.clone())
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
        let events = lock(&self.events);
        let Some(ids) = events.by_tenant.get(tenant) else {
            return Ok(Vec::new());
        };
        let start = minute.saturating_mul(MINUTE_MILLIS);
        let lo = EventId::bound(start, false);
        let hi = EventId::bound(start.saturating_add(MINUTE_MILLIS - 1), true);
        let lo = match after {
            Some(after) if *after >= lo => Bound::Excluded(*after),
            _ => Bound::Included(lo),
        };
        if is_empty_range(&lo, &Bound::Included(hi)) {
            return Ok(Vec::new());
        }
        Ok(ids
            .range((lo, Bound::Included(hi)))
            .filter_map(|id| events.by_key.get(&(tenant.clone(), *id)))
            .filter(|(_, expires)| *expires > now)
            .take(limit)
            .map(|(event, _)| RecordedEvent {
                recorded: events
                    .deliveries
                    .get(&(tenant.clone(), event.id))
                    .map(|records| {
                        let live = records.iter().filter(|(_, (_, exp))| *exp > now);
                        live.map(|(webhook_id, _)| *webhook_id).collect()
                    })
                    .unwrap_or_default(),
                event: event.clone(),
            })
            .collect())
    }

    async fn sweep_progress(&self) -> Result<Option<SweepProgress>, StoreError> {
        Ok(lock(&self.sweep).1.clone())
    }

    async fn set_sweep_progress(&self, progress: &SweepProgress) -> Result<(), StoreError> {
        lock(&self.sweep).1 = Some(progress.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EventData, EventType, RequestStatus, Trigger};

    fn event(n: usize) -> Event {
        Event {
            id: EventId::new(),
            tenant: TenantId::parse("t").unwrap(),
            event_type: EventType::parse("a").unwrap(),
            data: EventData::from_object(&serde_json::json!({ "n": n })).unwrap(),
            created_at: Timestamp::now(),
            matched: Vec::new(),
        }
    }

    #[tokio::test]
    async fn history_is_bounded_oldest_first() {
        let store = MemoryDeliveryStore::with_limits(Limits {
            events: 3,
            executions_per_webhook: 2,
            ..Limits::default()
        });
        let now = Timestamp::now();
        let later = now.plus(std::time::Duration::from_secs(3600));
        let events: Vec<Event> = (0..5).map(event).collect();
        for e in &events {
            store.put_event(e, later).await.unwrap();
        }
        let tenant = TenantId::parse("t").unwrap();
        for (i, e) in events.iter().enumerate() {
            let kept = store
                .get_event(&tenant, &e.id, now)
                .await
                .unwrap()
                .is_some();
            assert_eq!(kept, i >= 2, "event {i}");
        }
        let webhook = WebhookId::new();
        let mut ids = Vec::new();
        for e in &events {
            let execution = Execution {
                id: ExecutionId::new(),
                tenant: tenant.clone(),
                webhook_id: webhook,
                event_id: e.id,
                event_type: e.event_type.clone(),
                attempt: 1,
                trigger: Trigger::Event,
                created_at: now,
                duration_ms: 1,
                request_status: RequestStatus::Success,
                response_status: Some(200),
                error_message: None,
                response_body: None,
                url: "https://a.example/".into(),
                next_attempt_at: None,
            };
            ids.push(execution.id);
            store.insert(&execution, later).await.unwrap();
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        let listed: Vec<ExecutionId> = store
            .list(&tenant, &webhook, TimeRange::default(), None, 10, now)
            .await
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(listed, vec![ids[4], ids[3]]);
    }

    #[tokio::test]
    async fn an_evicted_first_attempt_leaves_its_delivery_standing() {
        let store = MemoryDeliveryStore::with_limits(Limits {
            events: 10,
            executions_per_webhook: 1,
            ..Limits::default()
        });
        let now = Timestamp::now();
        let later = now.plus(std::time::Duration::from_secs(3600));
        let tenant = TenantId::parse("t").unwrap();
        let webhook = WebhookId::new();
        let first = event(0);
        store.put_event(&first, later).await.unwrap();
        let execution = |e: &Event, id| Execution {
            id,
            tenant: tenant.clone(),
            webhook_id: webhook,
            event_id: e.id,
            event_type: e.event_type.clone(),
            attempt: 1,
            trigger: Trigger::Event,
            created_at: now,
            duration_ms: 1,
            request_status: RequestStatus::Success,
            response_status: Some(200),
            error_message: None,
            response_body: None,
            url: "https://a.example/".into(),
            next_attempt_at: None,
        };
        let id = ExecutionId::first_attempt(first.id, webhook);
        store.insert(&execution(&first, id), later).await.unwrap();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = event(1);
        store
            .insert(&execution(&second, ExecutionId::new()), later)
            .await
            .unwrap();
        let records = store
            .list_deliveries(&tenant, &first.id, now)
            .await
            .unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].status, crate::domain::DeliveryStatus::Succeeded);
    }

    #[test]
    fn reversed_or_touching_bounds_are_empty_ranges() {
        use Bound::{Excluded, Included, Unbounded};
        assert!(is_empty_range(&Included(2), &Included(1)));
        assert!(!is_empty_range(&Included(1), &Included(1)));
        assert!(is_empty_range(&Included(1), &Excluded(1)));
        assert!(is_empty_range(&Excluded(1), &Excluded(1)));
        assert!(!is_empty_range(&Excluded(1), &Excluded(2)));
        assert!(!is_empty_range(&Unbounded, &Excluded(0)));
    }

    #[tokio::test]
    async fn expired_events_are_evicted_as_new_ones_arrive() {
        let store = MemoryDeliveryStore::default();
        let past = Timestamp::from_millis(Timestamp::now().millis() - 1).unwrap();
        let later = Timestamp::now().plus(std::time::Duration::from_secs(3600));
        store.put_event(&event(0), past).await.unwrap();
        store.put_event(&event(1), later).await.unwrap();
        assert_eq!(lock(&store.events).by_key.len(), 1);
    }
}
