//! What came of a task, and the faults that leave it to be redone.

use super::enqueue::EnqueueError;
use crate::queue::QueueError;
use crate::store::StoreError;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The webhook's secrets could not be opened (the key service failed): tried again later.
    #[error(transparent)]
    Seal(#[from] crate::seal::SealError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

impl From<EnqueueError> for WorkerError {
    fn from(error: EnqueueError) -> Self {
        match error {
            EnqueueError::Store(e) => Self::Store(e),
            EnqueueError::Queue(e)
            | EnqueueError::Partial(crate::queue::NotSent { error: e, .. }) => Self::Queue(e),
        }
    }
}

/// What became of a task: for logs and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Too early: sent on towards its due time.
    Hopped,
    Delivered,
    /// Failed; another attempt is queued.
    Retrying {
        delay: Duration,
    },
    /// Failed for good (schedule exhausted, 410, or disabled meanwhile).
    Failed,
    /// Not attempted: the webhook was deleted or deactivated, or the event expired.
    Dropped,
    /// Not attempted yet: the webhook is failing and at its in-flight cap; queued again for
    /// the next window, as the same attempt.
    Deferred,
    /// Received again after it was processed and its retry queued, or a requeued first
    /// attempt whose delivery was attempted already: nothing done.
    Duplicate,
    /// A fan-out was expanded into this many deliveries.
    FannedOut(usize),
    /// A page of a recover queued this many deliveries.
    Recovered(usize),
    /// An operational event was sent, or will be retried, or was given up (`Failed`).
    Notified(super::notify::Sent),
}
