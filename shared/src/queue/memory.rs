//! An in-memory queue with SQS's semantics: delays, a visibility timeout and redelivery of
//! what was received but not acknowledged. One mutex; waiting receivers are woken by `Notify`.

use super::{MAX_DELAY, NotSent, QueueError, Received, Task, TaskQueue};
use async_trait::async_trait;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

struct Message {
    task: Task,
    receive_count: u32,
}

#[derive(Default)]
struct State {
    next_id: u64,
    /// Every message not yet acknowledged.
    messages: HashMap<u64, Message>,
    /// When each message becomes visible, in order: (visible at, id) -> receipt generation.
    schedule: BTreeMap<(Instant, u64), u64>,
    /// Message id -> (current receipt generation, its schedule key).
    positions: HashMap<u64, (u64, Instant)>,
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
    fn schedule(&mut self, id: u64, at: Instant) {
        let generation = self.positions.get(&id).map_or(0, |(g, _)| g + 1);
        if let Some((_, old_at)) = self.positions.insert(id, (generation, at)) {
            self.schedule.remove(&(old_at, id));
        }
        self.schedule.insert((at, id), generation);
    }

    /// Moves a message's due time, keeping its receipt valid.
    fn postpone(&mut self, id: u64, at: Instant) {
        if let Some((generation, old_at)) = self.positions.get(&id).copied() {
            self.schedule.remove(&(old_at, id));
            self.schedule.insert((at, id), generation);
            self.positions.insert(id, (generation, at));
        }
    }

    fn receipt(id: u64, generation: u64) -> String {
        format!("{id}.{generation}")
    }

    /// The message a receipt names, if the receipt is still the current one.
    fn current(&self, receipt: &str) -> Option<u64> {
        let (id, generation) = receipt.split_once('.')?;
        let (id, generation): (u64, u64) = (id.parse().ok()?, generation.parse().ok()?);
        (self.positions.get(&id)?.0 == generation).then_some(id)
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
            state.messages.insert(
                id,
                Message {
                    task: task.clone(),
                    receive_count: 0,
                },
            );
            state.schedule(id, now + (*delay).min(MAX_DELAY));
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
                let due: Vec<u64> = state
                    .schedule
                    .keys()
                    .take_while(|(at, _)| *at <= now)
                    .take(max)
                    .map(|(_, id)| *id)
                    .collect();
                if !due.is_empty() {
                    let mut received = Vec::with_capacity(due.len());
                    for id in due {
                        state.schedule(id, now + self.visibility_timeout);
                        let generation = state.positions.get(&id).map_or(0, |(g, _)| *g);
                        if let Some(message) = state.messages.get_mut(&id) {
                            message.receive_count += 1;
                            received.push(Received {
                                task: message.task.clone(),
                                receipt: State::receipt(id, generation),
                                receive_count: message.receive_count,
                            });
                        }
                    }
                    return Ok(received);
                }
                state.schedule.keys().next().map(|(at, _)| *at)
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
        if let Some(id) = state.current(receipt) {
            if let Some((_, at)) = state.positions.remove(&id) {
                state.schedule.remove(&(at, id));
            }
            state.messages.remove(&id);
        }
        Ok(())
    }

    async fn extend(&self, receipt: &str, visibility: Duration) -> Result<(), QueueError> {
        let mut state = self.lock();
        if let Some(id) = state.current(receipt) {
            state.postpone(id, Instant::now() + visibility.min(MAX_DELAY));
        }
        Ok(())
    }

    async fn release(&self, receipt: &str, delay: Duration) -> Result<(), QueueError> {
        let mut state = self.lock();
        if let Some(id) = state.current(receipt) {
            state.schedule(id, Instant::now() + delay.min(MAX_DELAY));
        }
        drop(state);
        self.notify.notify_waiters();
        Ok(())
    }
}
