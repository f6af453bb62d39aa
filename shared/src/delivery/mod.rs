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
