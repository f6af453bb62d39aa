//! An in-memory queue with SQS's semantics: delays, a visibility timeout and redelivery of
//! what was received but not acknowledged. One mutex; waiting receivers are woken by `Notify`.
//!
//! Like an SQS fair queue it serves tenants, not arrival order (`turns`): of the tenants
//! with a due task, the one with the fewest tasks in flight goes first, equals in turn, one
//! task each; so one tenant's backlog delays another tenant's due task by about one turn.
//! Within a tenant the earliest due comes first.

use super::turns::Turns;
use super::{MAX_DELAY, NotSent, QueueError, Received, Task, TaskQueue};
use crate::domain::TenantId;
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Whose turn a task waits for: its tenant; the tasks of none (operator notices) share one.
type Group = Option<TenantId>;

struct Message {
    task: Task,
    group: Group,
    receive_count: u32,
    /// The current receipt's generation: a new one on every receive or release.
    generation: u64,
    visible_at: Instant,
    /// Received, and neither acknowledged nor released since.
    in_flight: bool,
}

#[derive(Default)]
struct State {
    next_id: u64,
    /// Every message not yet acknowledged.
    messages: HashMap<u64, Message>,
    /// When each message becomes visible, per tenant, and whose turn it is.
    turns: Turns<Group>,
}

pub struct MemoryQueue {
    state: Mutex<State>,
    notify: Notify,
    visibility_timeout: Duration,
}

impl MemoryQueue {
    pub fn new(visibility_timeout: Duration) -> Self {
        Self {
            state: Mutex::new(State::default()),
            notify: Notify::new(),
            visibility_timeout,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    /// Moves a message's visible time; released (a new receipt, no longer in flight) when
    /// `release`, else the same receipt stays valid (a heartbeat).
    fn reschedule(&mut self, id: u64, at: Instant, release: bool) {
        let Some(message) = self.messages.get_mut(&id) else {
            return;
        };
        self.turns.remove(&message.group, message.visible_at, id);
        self.turns.insert(&message.group, at, id);
        message.visible_at = at;
        if release {
            message.generation += 1;
            if std::mem::take(&mut message.in_flight) {
                self.turns.in_flight(&message.group, false);
            }
        }
    }

    /// The next due message in turn, received: hidden for `visibility`, counted, with a new
    /// receipt.
    fn receive_next(&mut self, now: Instant, visibility: Duration) -> Option<Received> {
        let (group, id) = self.turns.take_due(now)?;
        let message = self.messages.get_mut(&id)?;
        let at = now + visibility;
        self.turns.insert(&group, at, id);
        if !message.in_flight {
            message.in_flight = true;
            self.turns.in_flight(&group, true);
        }
        message.visible_at = at;
        message.generation += 1;
        message.receive_count += 1;
        Some(Received {
            task: message.task.clone(),
            receipt: format!("{id}.{}", message.generation),
            receive_count: message.receive_count,
        })
    }

    /// The message a receipt names, if the receipt is still the current one.
    fn current(&self, receipt: &str) -> Option<u64> {
        let (id, generation) = receipt.split_once('.')?;
        let (id, generation): (u64, u64) = (id.parse().ok()?, generation.parse().ok()?);
        (self.messages.get(&id)?.generation == generation).then_some(id)
    }
}

#[async_trait]
impl TaskQueue for MemoryQueue {
    /// Takes them all at once.
    async fn send_batch(&self, tasks: &[(Task, Duration)]) -> Result<(), NotSent> {
        let now = Instant::now();
        let mut state = self.lock();
        for (task, delay) in tasks {
            let id = state.next_id;
            state.next_id += 1;
            let group = task.tenant().cloned();
            let visible_at = now + (*delay).min(MAX_DELAY);
            state.turns.insert(&group, visible_at, id);
            let message = Message {
                task: task.clone(),
                group,
                receive_count: 0,
                generation: 0,
                visible_at,
                in_flight: false,
            };
            state.messages.insert(id, message);
        }
        drop(state);
        self.notify.notify_waiters();
        Ok(())
    }

    async fn receive(&self, max: usize, wait: Duration) -> Result<Vec<Received>, QueueError> {
        let deadline = Instant::now() + wait;
        loop {
            let notified = self.notify.notified();
            let next_due = {
                let now = Instant::now();
                let mut state = self.lock();
                let received: Vec<Received> =
                    std::iter::from_fn(|| state.receive_next(now, self.visibility_timeout))
                        .take(max)
                        .collect();
                if !received.is_empty() {
                    return Ok(received);
                }
                state.turns.next_due()
            };
            let now = Instant::now();
            if now >= deadline {
                return Ok(Vec::new());
            }
            let until = next_due.map_or(deadline, |due| due.min(deadline));
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep_until(until) => {}
            }
        }
    }

    async fn ack(&self, receipt: &str) -> Result<(), QueueError> {
        let mut state = self.lock();
        if let Some(id) = state.current(receipt)
            && let Some(message) = state.messages.remove(&id)
        {
            if message.in_flight {
                state.turns.in_flight(&message.group, false);
            }
            state.turns.remove(&message.group, message.visible_at, id);
        }
        Ok(())
    }

    async fn extend(&self, receipt: &str, visibility: Duration) -> Result<(), QueueError> {
        let mut state = self.lock();
        if let Some(id) = state.current(receipt) {
            state.reschedule(id, Instant::now() + visibility.min(MAX_DELAY), false);
        }
        Ok(())
    }

    async fn release(&self, receipt: &str, delay: Duration) -> Result<(), QueueError> {
        let mut state = self.lock();
        if let Some(id) = state.current(receipt) {
            state.reschedule(id, Instant::now() + delay.min(MAX_DELAY), true);
        }
        drop(state);
        self.notify.notify_waiters();
        Ok(())
    }
}
