//! Delivery: how an event reaches a webhook. `enqueue` queues new work (first attempts,
//! fan-outs, manual retries, recovers), `worker` processes each task, and a delivery task
//! runs through `stages`: load → attempt (through its `destination`; `send` makes one HTTP
//! attempt, `verdict` decides what follows it on the retry schedule) → record → schedule.
//! Signing (`sign`) and the verdict are pure.

pub mod destination;
pub mod enqueue;
pub mod notify;
pub mod outcome;
pub mod ping;
pub mod send;
pub mod sign;
pub mod stages;
pub mod verdict;
pub mod worker;

/// How long a delete waits after its write before it answers (milliseconds): an attempt
/// starts only within half of this of the read that found its webhook, so once a delete has
/// answered no attempt of its webhook starts, in any process (`stages::load`).
pub const DELETE_SETTLES_MS: u64 = 500;
