//! Requeued first attempts (`enqueue::requeue`, `DeliverTask::requeued`): a delivery that may
//! have been left with no task is queued again under its event's id, and the requeued
//! attempt does nothing when the first task did arrive and attempt. Both backends; tasks run
//! through `worker::process` directly, on a queue of their own that no worker drains.

use hookline::AppContext;
use hookline::delivery::enqueue::{FANOUT_INLINE, requeue};
use hookline::delivery::worker::{Outcome, process};
use hookline::domain::{Event, EventData, EventId, EventType, TenantId, Timestamp, WebhookId};
use hookline::queue::memory::MemoryQueue;
use hookline::queue::{DeliverTask, Task, TaskQueue};
use hookline_tests::receiver::{Answer, Receiver};
use hookline_tests::{KEY_A, TestServer, on_both_backends};
use reqwest::StatusCode;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

fn tenant() -> TenantId {
    TenantId::parse("tenant-a").unwrap()
}

/// Registers a webhook on the receiver's `path` for type `a`; its id.
async fn hook(server: &TestServer, receiver: &Receiver, path: &str) -> WebhookId {
    let created = server
        .post(
            KEY_A,
            "/v1/webhooks",
            json!({"url": receiver.url(path), "event_types": ["a"]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    WebhookId::parse(created.body["id"].as_str().unwrap()).unwrap()
}

/// An event to `matched`, stored as a publish stores it, with no task queued.
async fn stored(ctx: &AppContext, matched: Vec<WebhookId>) -> Event {
    let event = Event {
        id: EventId::new(),
        tenant: tenant(),
        event_type: EventType::parse("a").unwrap(),
        data: EventData::from_object(&json!({"n": 1})).unwrap(),
        created_at: Timestamp::now(),
        matched,
    };
    let expires = ctx.records_expire_at(event.created_at);
    ctx.events.put_event(&event, expires).await.unwrap();
    event
}

/// A context whose tasks go to a queue of their own, no worker draining it.
fn undrained(server: &TestServer) -> (AppContext, Arc<MemoryQueue>) {
    let mut ctx = server.running.ctx.clone();
    let queue = Arc::new(MemoryQueue::new(Duration::from_secs(30)));
    ctx.queue = queue.clone();
    (ctx, queue)
}

/// Every task the queue holds, waiting out delays up to `patience` for the next one.
async fn drain(queue: &MemoryQueue, patience: Duration) -> Vec<Task> {
    let mut tasks = Vec::new();
    loop {
        let got = queue.receive(10, patience).await.unwrap();
        if got.is_empty() {
            return tasks;
        }
        tasks.extend(got.into_iter().map(|r| r.task));
    }
}

on_both_backends!(
    a_requeued_delivery_arrives_once_under_its_events_id,
    |backend| async move {
        let mut server = TestServer::start(backend).await;
        server.skip_verification = true;
        let receiver = Receiver::start().await;
        let webhook_id = hook(&server, &receiver, "/requeued").await;
        let (ctx, queue) = undrained(&server);
        let event = stored(&ctx, vec![webhook_id]).await;
        requeue(&ctx, &event, &event.matched).await.unwrap();
        let tasks = drain(&queue, Duration::from_millis(50)).await;
        assert_eq!(tasks.len(), 1, "{tasks:?}");
        let Task::Deliver(task) = &tasks[0] else {
            panic!("a delivery task: {tasks:?}");
        };
        assert!(task.requeued && task.attempt == 1, "{task:?}");
        assert_eq!(process(&ctx, &tasks[0]).await.unwrap(), Outcome::Delivered);
        let arrived = receiver.events_on("/requeued");
        assert_eq!(arrived.len(), 1);
        assert_eq!(arrived[0].headers["webhook-id"], event.id.to_string());
        assert_eq!(arrived[0].json()["data"], json!({"n": 1}));
        // The same requeued task again: its delivery was attempted, so nothing.
        assert_eq!(process(&ctx, &tasks[0]).await.unwrap(), Outcome::Duplicate);
        assert_eq!(receiver.events_on("/requeued").len(), 1);
    }
);

on_both_backends!(
    a_requeued_first_attempt_does_nothing_once_its_delivery_was_attempted,
    |backend| async move {
        let mut server = TestServer::start(backend).await;
        server.skip_verification = true;
        let receiver = Receiver::start().await;
        let ok = hook(&server, &receiver, "/ok").await;
        let down = hook(&server, &receiver, "/down").await;
        receiver.always("/down", Answer::status(500));
        let (ctx, queue) = undrained(&server);
        let event = stored(&ctx, vec![ok, down]).await;
        // The first tasks arrived after all: one delivered (its execution alone says so),
        // one failed and retrying (a record says so).
        for webhook_id in [ok, down] {
            let first = DeliverTask::first(tenant(), event.id, webhook_id, None);
            process(&ctx, &Task::Deliver(first)).await.unwrap();
        }
        requeue(&ctx, &event, &event.matched).await.unwrap();
        // Due now, before the failed one's retry (a second away).
        let requeued = drain(&queue, Duration::from_millis(50)).await;
        assert_eq!(requeued.len(), 2, "{requeued:?}");
        for task in &requeued {
            assert_eq!(process(&ctx, task).await.unwrap(), Outcome::Duplicate);
        }
        assert_eq!(receiver.events_on("/ok").len(), 1);
        assert_eq!(receiver.events_on("/down").len(), 1);
        let retries = drain(&queue, Duration::from_millis(2500)).await;
        assert_eq!(retries.len(), 1, "one retry chain: {retries:?}");
    }
);

on_both_backends!(
    a_large_requeue_fans_out_into_requeued_first_attempts,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let (ctx, queue) = undrained(&server);
        let matched: Vec<WebhookId> = (0..=FANOUT_INLINE).map(|_| WebhookId::new()).collect();
        let event = stored(&ctx, matched.clone()).await;
        requeue(&ctx, &event, &matched).await.unwrap();
        let fanouts = drain(&queue, Duration::from_millis(50)).await;
        assert_eq!(fanouts.len(), 1, "{fanouts:?}");
        assert!(
            matches!(
                &fanouts[0],
                Task::Fanout {
                    requeued: true,
                    event: Some(_),
                    ..
                }
            ),
            "{fanouts:?}"
        );
        process(&ctx, &fanouts[0]).await.unwrap();
        let firsts = drain(&queue, Duration::from_millis(50)).await;
        assert_eq!(firsts.len(), matched.len());
        assert!(firsts.iter().all(|task| matches!(
            task,
            Task::Deliver(t) if t.requeued && t.attempt == 1 && t.event_id == event.id
        )));
    }
);
