//! The task queue adapters pass the same suite.

use hookline::queue::memory::MemoryQueue;
use hookline_tests::conformance;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_queue_conforms() {
    let visibility = Duration::from_secs(2);
    conformance::task_queue(Arc::new(MemoryQueue::new(visibility)), visibility).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqs_queue_conforms() {
    use hookline::queue::sqs::SqsQueue;
    let visibility = Duration::from_secs(2);
    let client = SqsQueue::client(Some(&hookline_tests::emulator_endpoint())).await;
    let name = hookline_tests::unique_table();
    let url = SqsQueue::create_if_missing(&client, &name, visibility, 5)
        .await
        .unwrap();
    conformance::task_queue(Arc::new(SqsQueue::new(client, url)), visibility).await;
}
