//! Delivery: how an event reaches a webhook. `enqueue` builds every task, `worker` processes
//! them, `send` makes one HTTP attempt, and `verdict` decides what follows it. Signing
//! (`sign`), the retry schedule (`retry`) and the verdict are pure.

pub mod enqueue;
pub mod ping;
pub mod retry;
pub mod send;
pub mod sign;
pub mod verdict;
pub mod worker;
