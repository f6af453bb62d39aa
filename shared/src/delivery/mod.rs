//! Delivery: how an event reaches a webhook. `enqueue` builds every task, `worker` processes
//! them, `send` makes one HTTP attempt, and `verdict` decides what follows it on the
//! retry schedule (`domain::RetrySchedule`). Signing (`sign`) and the verdict are pure.

pub mod enqueue;
pub mod notify;
pub mod ping;
pub mod send;
pub mod sign;
pub mod verdict;
pub mod worker;
