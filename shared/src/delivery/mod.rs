//! Delivery: how an event reaches a webhook. Signing (`sign`) and the retry schedule
//! (`retry`) are pure and shared by the delivery Lambda and the local server.

pub mod ping;
pub mod retry;
pub mod send;
pub mod sign;
pub mod worker;
