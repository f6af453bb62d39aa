//! One bad item is one bad item: a webhook whose sealed credentials do not open (copied from
//! another webhook, or sealed under another key) is listed and shown with its header values
//! masked and no secret, its attempts end `error` saying its credentials cannot be read and
//! are not retried, what needs its secrets answers 409 `credentials_unreadable`, and every
//! other webhook of the tenant works.

use hookline::domain::{Credentials, TenantId, Webhook, WebhookId};
use hookline::seal::{Keyring, local::LocalKeys};
use hookline_tests::receiver::Receiver;
use hookline_tests::{Backend, KEY_A, KEY_A_VIEW, TestServer, eventually, on_both_backends};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

async fn stored(server: &TestServer, id: &str) -> Webhook {
    let tenant = TenantId::parse("tenant-a").unwrap();
    let id = WebhookId::parse(id).unwrap();
    let webhooks = &server.running.ctx.webhooks;
    webhooks.get(&tenant, &id).await.unwrap().unwrap()
}

/// Gives webhook `broken` the sealed credentials of webhook `other`, as a copied item would
/// have them: on DynamoDB its sealed value as stored; in memory (where nothing is sealed)
/// sealed under a key the server does not hold.
async fn break_credentials(server: &TestServer, broken: &str, other: &str) {
    let (current, other) = (stored(server, broken).await, stored(server, other).await);
    let sealed = match &other.credentials {
        Credentials::Sealed(sealed) => sealed.clone(),
        Credentials::Open(_) => {
            let stranger = Keyring::new(Arc::new(LocalKeys::generate().unwrap()));
            stranger.seal(&other).await.unwrap()
        }
    };
    let next = Webhook {
        credentials: Credentials::Sealed(sealed),
        version: current.version + 1,
        ..current.clone()
    };
    let webhooks = &server.running.ctx.webhooks;
    webhooks.update(&current, &next, None).await.unwrap();
}

async fn create(server: &TestServer, url: String, credential: &str) -> String {
    let created = server
        .post(
            KEY_A,
            "/v1/webhooks",
            json!({"url": url, "event_types": ["order.paid"],
                   "headers": {"Authorization": credential}}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    created.body["id"].as_str().unwrap().to_owned()
}

/// Two webhooks of one tenant, the first with credentials that do not open.
async fn one_broken(backend: Backend) -> (TestServer, Receiver, String, String) {
    let server = TestServer::start(backend).await;
    let receiver = Receiver::start().await;
    let broken = create(&server, receiver.url("/broken"), "Bearer first-4b1d").await;
    let fine = create(&server, receiver.url("/fine"), "Bearer second-77c2").await;
    break_credentials(&server, &broken, &fine).await;
    (server, receiver, broken, fine)
}

fn listed<'a>(page: &'a Value, id: &str) -> &'a Value {
    let data = page["data"].as_array().unwrap();
    data.iter().find(|w| w["id"] == id).unwrap()
}

on_both_backends!(
    a_webhook_whose_credentials_do_not_open_is_listed_and_shown_masked,
    |backend| async move {
        let (server, _receiver, broken, fine) = one_broken(backend).await;
        for key in [KEY_A, KEY_A_VIEW] {
            let page = server.get(key, "/v1/webhooks").await;
            assert_eq!(page.status, 200, "{key}: {}", page.body);
            assert_eq!(page.body["data"].as_array().unwrap().len(), 2);
            let shown = server.get(key, &format!("/v1/webhooks/{broken}")).await;
            assert_eq!(shown.status, 200, "{key}: {}", shown.body);
            for webhook in [listed(&page.body, &broken), &shown.body] {
                assert_eq!(webhook["headers"], json!({"authorization": "********"}));
                assert!(webhook.get("secret").is_none(), "{webhook}");
            }
        }
        // The other webhook is shown as before.
        let page = server.get(KEY_A, "/v1/webhooks").await;
        assert_eq!(
            listed(&page.body, &fine)["headers"]["authorization"],
            "Bearer second-77c2"
        );
        let path = format!("/v1/webhooks/{fine}/secret");
        assert_eq!(server.get(KEY_A, &path).await.status, 200);
    }
);

on_both_backends!(
    what_needs_the_secrets_of_a_broken_webhook_answers_a_clear_problem,
    |backend| async move {
        let (server, _receiver, broken, _) = one_broken(backend).await;
        let path = format!("/v1/webhooks/{broken}");
        let answers = [
            server.get(KEY_A, &format!("{path}/secret")).await,
            server
                .post(KEY_A, &format!("{path}/secret/rotate"), json!({}))
                .await,
            server.post(KEY_A, &format!("{path}/ping"), json!({})).await,
            server
                .patch(KEY_A, &path, json!({"description": "still broken"}))
                .await,
        ];
        for answer in answers {
            answer.assert_problem(409, "credentials_unreadable");
            let detail = answer.body["detail"].as_str().unwrap();
            assert!(detail.contains("do not open"), "{detail}");
        }
        // It can still be deleted.
        assert_eq!(server.delete(KEY_A, &path).await.status, 204);
    }
);

on_both_backends!(
    a_broken_webhooks_attempt_ends_error_unretried_and_the_others_deliver,
    |backend| async move {
        let (server, receiver, broken, fine) = one_broken(backend).await;
        let published = server
            .post(
                KEY_A,
                "/v1/events",
                json!({"event_type": "order.paid", "data": {"n": 1}}),
            )
            .await;
        assert_eq!(published.status, 202, "{}", published.body);
        let event_path = format!("/v1/events/{}", published.body["id"].as_str().unwrap());

        let got = eventually(Duration::from_secs(10), "the delivery", || async {
            let got = receiver.events_on("/fine");
            (!got.is_empty()).then_some(got)
        })
        .await;
        assert_eq!(got[0].headers["authorization"], "Bearer second-77c2");
        let attempts = eventually(Duration::from_secs(10), "the failed attempt", || async {
            let attempts = server.executions(KEY_A, &broken, "").await;
            (!attempts.is_empty()).then_some(attempts)
        })
        .await;
        let attempt = &attempts[0];
        assert_eq!(attempt["request_status"], "error", "{attempt}");
        let message = attempt["error_message"].as_str().unwrap();
        assert!(message.contains("credentials cannot be read"), "{message}");
        assert_eq!(attempt["next_attempt_at"], Value::Null, "{attempt}");

        // The retry schedule is a second apart: well past it, still one attempt, none sent.
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(server.executions(KEY_A, &broken, "").await.len(), 1);
        assert!(receiver.events_on("/broken").is_empty());
        let event = server.get(KEY_A, &event_path).await.body;
        let deliveries = event["deliveries"].as_array().unwrap();
        let of = |id: &str| deliveries.iter().find(|d| d["webhook_id"] == id).unwrap();
        assert_eq!(of(&broken)["status"], "failed", "{event}");
        assert_eq!(of(&broken)["attempts"], 1, "{event}");
        assert_eq!(of(&fine)["status"], "succeeded", "{event}");
        // Its failure shows on the webhook.
        let shown = server.get(KEY_A, &format!("/v1/webhooks/{broken}")).await;
        assert_eq!(shown.body["consecutive_failures"], 1, "{}", shown.body);
    }
);
