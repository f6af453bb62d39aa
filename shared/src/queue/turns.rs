//! The in-memory queue's schedule: when each message becomes visible, kept per group (the
//! tenant), and the order in which the groups with a due message are served: the group with
//! the fewest messages in flight first, and among equals in turn (round robin). Like SQS's
//! fair queues, which prefer the tenants with fewer messages in flight: a tenant whose
//! deliveries hold the workers waits while a quiet tenant's due message goes first, and one
//! tenant's backlog never holds up another's due message by more than a turn.
//!
//! Each group with scheduled messages is in exactly one place: `due`, the groups that had a
//! due message when last looked at, or `waiting`, keyed by its earliest visible time. A
//! receive moves the groups that came due from `waiting` to `due` and serves `due` from
//! its front, so it costs the messages it takes and the groups that came due, never the
//! whole backlog.

use std::collections::{BTreeMap, BTreeSet};
use tokio::time::Instant;

/// Where a group is: due (with its place in turn), or waiting for its earliest message.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Due(u64),
    Waiting(Instant),
}

struct Lane {
    /// (visible at, message id), earliest first.
    schedule: BTreeSet<(Instant, u64)>,
    /// Messages received and neither acknowledged nor released.
    in_flight: u32,
    place: Place,
}

pub(super) struct Turns<G> {
    lanes: BTreeMap<G, Lane>,
    /// (in flight, turn, group): the next to serve first.
    due: BTreeSet<(u32, u64, G)>,
    waiting: BTreeSet<(Instant, G)>,
    /// The next turn given out: a group served or come due goes behind its equals.
    next_turn: u64,
}

impl<G> Default for Turns<G> {
    fn default() -> Self {
        Self {
            lanes: BTreeMap::new(),
            due: BTreeSet::new(),
            waiting: BTreeSet::new(),
            next_turn: 0,
        }
    }
}

impl<G: Ord + Clone> Turns<G> {
    /// Message `id` of `group` becomes visible at `at`.
    pub(super) fn insert(&mut self, group: &G, at: Instant, id: u64) {
        let Some(lane) = self.lanes.get_mut(group) else {
            let lane = Lane {
                schedule: BTreeSet::from([(at, id)]),
                in_flight: 0,
                place: Place::Waiting(at),
            };
            self.lanes.insert(group.clone(), lane);
            self.waiting.insert((at, group.clone()));
            return;
        };
        lane.schedule.insert((at, id));
        if let Place::Waiting(head) = lane.place
            && at < head
        {
            self.waiting.remove(&(head, group.clone()));
            self.waiting.insert((at, group.clone()));
            lane.place = Place::Waiting(at);
        }
    }

    /// Takes message `id` (scheduled at `at`) off `group`'s schedule.
    pub(super) fn remove(&mut self, group: &G, at: Instant, id: u64) {
        let Some(lane) = self.lanes.get_mut(group) else {
            return;
        };
        lane.schedule.remove(&(at, id));
        // A due group is looked at again on its turn; a waiting one keys on its head.
        if let Place::Waiting(head) = lane.place
            && head == at
        {
            self.waiting.remove(&(head, group.clone()));
            self.settle(group.clone(), None);
        }
    }

    /// One more (`started`) or one fewer of `group`'s messages in flight.
    pub(super) fn in_flight(&mut self, group: &G, started: bool) {
        let Some(lane) = self.lanes.get_mut(group) else {
            return;
        };
        let before = lane.in_flight;
        lane.in_flight = if started {
            before.saturating_add(1)
        } else {
            before.saturating_sub(1)
        };
        if let Place::Due(turn) = lane.place {
            self.due.remove(&(before, turn, group.clone()));
            self.due.insert((lane.in_flight, turn, group.clone()));
        }
    }

    /// The next due message, taken off the schedule (the caller schedules it again at the
    /// end of its visibility timeout, or forgets it). Its group goes behind its equals if it
    /// has more due, else waits for its next one.
    pub(super) fn take_due(&mut self, now: Instant) -> Option<(G, u64)> {
        while let Some((at, group)) = self.waiting.first().cloned()
            && at <= now
        {
            self.waiting.pop_first();
            self.make_due(group);
        }
        while let Some((_, _, group)) = self.due.pop_first() {
            let Some(lane) = self.lanes.get_mut(&group) else {
                continue;
            };
            match lane.schedule.first().copied() {
                Some(head) if head.0 <= now => {
                    lane.schedule.remove(&head);
                    self.settle(group.clone(), Some(now));
                    return Some((group, head.1));
                }
                // Emptied or moved later while it stood due.
                _ => self.settle(group, None),
            }
        }
        None
    }

    /// When the next message comes due, once nothing is due now (after `take_due` found
    /// none, `due` is empty).
    pub(super) fn next_due(&self) -> Option<Instant> {
        self.waiting.first().map(|(at, _)| *at)
    }

    /// Puts a group among the due ones, behind those with as many in flight.
    fn make_due(&mut self, group: G) {
        if let Some(lane) = self.lanes.get_mut(&group) {
            let turn = self.next_turn;
            self.next_turn += 1;
            lane.place = Place::Due(turn);
            self.due.insert((lane.in_flight, turn, group));
        }
    }

    /// Puts a group that is in neither place where it belongs: forgotten if it has nothing
    /// scheduled, due if it has a message due by `now` (when given), else waiting for its
    /// earliest.
    fn settle(&mut self, group: G, now: Option<Instant>) {
        let Some(lane) = self.lanes.get_mut(&group) else {
            return;
        };
        match lane.schedule.first().map(|(at, _)| *at) {
            None => {
                self.lanes.remove(&group);
            }
            Some(at) if now.is_some_and(|now| at <= now) => self.make_due(group),
            Some(at) => {
                lane.place = Place::Waiting(at);
                self.waiting.insert((at, group));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn taken(turns: &mut Turns<&'static str>, now: Instant, n: usize) -> Vec<(&'static str, u64)> {
        std::iter::from_fn(|| turns.take_due(now)).take(n).collect()
    }

    #[test]
    fn groups_with_due_messages_are_served_in_turn() {
        let now = Instant::now();
        let mut turns = Turns::default();
        // B's backlog came due first.
        for id in 0..5 {
            turns.insert(&"b", now - Duration::from_secs(1), id);
        }
        turns.insert(&"a", now, 10);
        turns.insert(&"c", now + Duration::from_secs(60), 20);
        let order = taken(&mut turns, now, 10);
        assert_eq!(
            order,
            vec![("b", 0), ("a", 10), ("b", 1), ("b", 2), ("b", 3), ("b", 4)]
        );
        assert_eq!(turns.next_due(), Some(now + Duration::from_secs(60)));
    }

    #[test]
    fn the_group_with_fewer_in_flight_goes_first() {
        let now = Instant::now();
        let mut turns = Turns::default();
        for id in 0..3 {
            turns.insert(&"b", now - Duration::from_secs(1), id);
            turns.insert(&"a", now, 10 + id);
        }
        turns.in_flight(&"b", true);
        turns.in_flight(&"b", true);
        turns.in_flight(&"a", true);
        // A has one in flight, B two: A until they are equal, then in turn.
        assert_eq!(taken(&mut turns, now, 1), vec![("a", 10)]);
        turns.in_flight(&"a", true);
        assert_eq!(taken(&mut turns, now, 1), vec![("b", 0)]);
        turns.in_flight(&"b", false);
        turns.in_flight(&"b", false);
        assert_eq!(taken(&mut turns, now, 2), vec![("b", 1), ("b", 2)]);
        assert_eq!(taken(&mut turns, now, 2), vec![("a", 11), ("a", 12)]);
    }

    #[test]
    fn within_a_group_the_earliest_comes_first_and_removed_ones_never() {
        let now = Instant::now();
        let mut turns = Turns::default();
        turns.insert(&"a", now, 2);
        turns.insert(&"a", now - Duration::from_secs(1), 1);
        turns.insert(&"a", now + Duration::from_secs(1), 3);
        turns.remove(&"a", now - Duration::from_secs(1), 1);
        assert_eq!(taken(&mut turns, now, 10), vec![("a", 2)]);
        assert_eq!(turns.next_due(), Some(now + Duration::from_secs(1)));
        turns.remove(&"a", now + Duration::from_secs(1), 3);
        assert_eq!(turns.next_due(), None);
        assert!(turns.lanes.is_empty(), "an empty group is forgotten");
    }

    #[test]
    fn a_group_rescheduled_later_while_due_waits_again() {
        let now = Instant::now();
        let later = now + Duration::from_secs(5);
        let mut turns = Turns::default();
        turns.insert(&"a", now, 1);
        turns.insert(&"a", now, 2);
        assert_eq!(turns.take_due(now), Some(("a", 1)));
        turns.remove(&"a", now, 2);
        turns.insert(&"a", later, 2);
        assert_eq!(turns.take_due(now), None);
        assert_eq!(turns.next_due(), Some(later));
        assert_eq!(turns.take_due(later), Some(("a", 2)));
    }
}
