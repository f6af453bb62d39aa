//! Sealed secrets, as an operator would check them: with the DynamoDB backend (KMS in the
//! emulator), no stored item holds a webhook's signing secret or a custom header value, yet
//! deliveries are signed with the secret and carry the headers; an item written before
//! sealing is still read, and sealed by its next write; a key without `webhooks:edit` sees
//! header values masked; a local key file opens, after a restart, what it sealed before; and
//! so does the default, the master key in the data directory.

use aws_sdk_dynamodb::types::AttributeValue;
use hookline_tests::receiver::Receiver;
use hookline_tests::{
    Backend, KEY_A, KEY_A_VIEW, TestServer, emulator_endpoint, eventually, on_both_backends,
};
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

const CREDENTIAL: &str = "Bearer receiver-credential-7f3a";
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Every item of the server's table, as text.
async fn raw_items(server: &TestServer) -> Vec<String> {
    let client = hookline::store::dynamodb::DynamoStore::client(Some(&emulator_endpoint())).await;
    let table = &server.running.ctx.config.table_name;
    let scanned = client.scan().table_name(table).send().await.unwrap();
    scanned
        .items()
        .iter()
        .map(|item| format!("{item:?}"))
        .collect()
}

/// Whether any stored item holds `text`, or the base64 of a `whsec_` secret's key.
async fn stored_anywhere(server: &TestServer, text: &str) -> bool {
    let key = text.strip_prefix("whsec_").unwrap_or(text);
    raw_items(server)
        .await
        .iter()
        .any(|item| item.contains(key))
}

async fn delivered_to(
    receiver: &Receiver,
    path: &str,
    n: usize,
) -> Vec<hookline_tests::receiver::Received> {
    eventually(Duration::from_secs(10), "the delivery", || async {
        let got = receiver.events_on(path);
        (got.len() >= n).then_some(got)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_stored_item_holds_a_secret_or_a_header_value() {
    let mut server = TestServer::start(Backend::DynamoDb).await;
    server.skip_verification = false;
    let receiver = Receiver::start().await;
    let created = server
        .post(
            KEY_A,
            "/v1/webhooks",
            json!({
                "url": receiver.url("/sealed"),
                "event_types": ["order.paid"],
                "secret": SECRET,
                "headers": {"Authorization": CREDENTIAL},
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert!(!raw_items(&server).await.is_empty());
    assert!(
        !stored_anywhere(&server, SECRET).await,
        "the secret is stored in the clear"
    );
    assert!(
        !stored_anywhere(&server, CREDENTIAL).await,
        "a header value is stored in the clear"
    );
    assert!(!stored_anywhere(&server, "receiver-credential").await);

    // Delivered signed with the secret, with the header.
    let published = server
        .post(
            KEY_A,
            "/v1/events",
            json!({"event_type": "order.paid", "data": {"n": 1}}),
        )
        .await;
    assert_eq!(published.status, 202);
    let got = delivered_to(&receiver, "/sealed", 1).await;
    assert!(got[0].verify(SECRET));
    assert_eq!(got[0].headers["authorization"], CREDENTIAL);

    // Shown to a key that may edit; masked for one that may only view.
    let shown = server.get(KEY_A, &format!("/v1/webhooks/{id}")).await;
    assert_eq!(shown.body["headers"]["authorization"], CREDENTIAL);
    let masked = server.get(KEY_A_VIEW, &format!("/v1/webhooks/{id}")).await;
    assert_eq!(masked.status, 200);
    assert_eq!(masked.body["headers"]["authorization"], "********");
    let listed = server.get(KEY_A_VIEW, "/v1/webhooks").await;
    assert_eq!(
        listed.body["data"][0]["headers"]["authorization"],
        "********"
    );
    assert_eq!(
        server
            .get(KEY_A, &format!("/v1/webhooks/{id}/secret"))
            .await
            .body["secret"],
        SECRET
    );

    // A rotation and a header change are sealed too.
    let rotated = server
        .post(
            KEY_A,
            &format!("/v1/webhooks/{id}/secret/rotate"),
            json!({}),
        )
        .await;
    let new_secret = rotated.body["secret"].as_str().unwrap().to_owned();
    let patched = server
        .patch(
            KEY_A,
            &format!("/v1/webhooks/{id}"),
            json!({"headers": {"X-Api-Key": "second-credential-91c"}}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(
        patched.body["headers"]["x-api-key"],
        "second-credential-91c"
    );
    for text in [SECRET, new_secret.as_str(), "second-credential-91c"] {
        assert!(
            !stored_anywhere(&server, text).await,
            "{text} is stored in the clear"
        );
    }
    // Both secrets sign during the rotation's grace.
    server
        .post(
            KEY_A,
            "/v1/events",
            json!({"event_type": "order.paid", "data": {"n": 2}}),
        )
        .await;
    let got = delivered_to(&receiver, "/sealed", 2).await;
    assert!(got[1].verify(&new_secret) && got[1].verify(SECRET));
    assert_eq!(got[1].headers["x-api-key"], "second-credential-91c");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_written_before_sealing_is_read_and_sealed_by_its_next_write() {
    let server = TestServer::start(Backend::DynamoDb).await;
    let receiver = Receiver::start().await;
    let created = server
        .post(
            KEY_A,
            "/v1/webhooks",
            json!({"url": receiver.url("/old"), "event_types": ["order.paid"], "secret": SECRET}),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();

    // Rewrite the item as an older version stored it: secret and headers in the clear.
    let client = hookline::store::dynamodb::DynamoStore::client(Some(&emulator_endpoint())).await;
    let table = server.running.ctx.config.table_name.clone();
    let key = HashMap::from([
        ("pk".to_owned(), AttributeValue::S("T#tenant-a".into())),
        ("sk".to_owned(), AttributeValue::S(format!("WH#{id}"))),
    ]);
    client
        .update_item()
        .table_name(&table)
        .set_key(Some(key))
        .update_expression("SET secret = :s, headers = :h REMOVE credentials")
        .expression_attribute_values(":s", AttributeValue::S(SECRET.into()))
        .expression_attribute_values(
            ":h",
            AttributeValue::M(HashMap::from([(
                "authorization".to_owned(),
                AttributeValue::S(CREDENTIAL.into()),
            )])),
        )
        .send()
        .await
        .unwrap();
    assert!(stored_anywhere(&server, CREDENTIAL).await);

    // Read as before: shown, and delivered signed with the header.
    let shown = server.get(KEY_A, &format!("/v1/webhooks/{id}")).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(shown.body["headers"]["authorization"], CREDENTIAL);
    server
        .post(
            KEY_A,
            "/v1/events",
            json!({"event_type": "order.paid", "data": {}}),
        )
        .await;
    let got = delivered_to(&receiver, "/old", 1).await;
    assert!(got[0].verify(SECRET));
    assert_eq!(got[0].headers["authorization"], CREDENTIAL);

    // Any write seals it.
    let patched = server
        .patch(
            KEY_A,
            &format!("/v1/webhooks/{id}"),
            json!({"description": "now sealed"}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert!(!stored_anywhere(&server, SECRET).await);
    assert!(!stored_anywhere(&server, CREDENTIAL).await);
    assert_eq!(
        server
            .get(KEY_A, &format!("/v1/webhooks/{id}/secret"))
            .await
            .body["secret"],
        SECRET
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_file_opens_after_a_restart_what_it_sealed_before() {
    let dir = std::env::temp_dir().join(format!("hookline-seal-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let key_file = dir.join("local.key");
    let mut settings = hookline_tests::settings(Backend::DynamoDb);
    settings.kms_endpoint = None;
    settings.key_file = Some(key_file.clone());
    let start = || async {
        let running = hookline_local::spawn(&settings).await.unwrap();
        TestServer {
            base: format!("http://{}", running.addr),
            http: reqwest::Client::new(),
            running,
            skip_verification: true,
        }
    };
    let first = start().await;
    let created = first
        .post(
            KEY_A,
            "/v1/webhooks",
            json!({"url": "http://127.0.0.1:9/x", "event_types": ["a"], "secret": SECRET,
                   "headers": {"Authorization": CREDENTIAL}}),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert!(!stored_anywhere(&first, CREDENTIAL).await);
    first.running.shutdown().await.unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the key file is readable by others: {mode:o}"
        );
    }

    let second = start().await;
    let secret = second
        .get(KEY_A, &format!("/v1/webhooks/{id}/secret"))
        .await;
    assert_eq!(secret.body["secret"], SECRET);
    let shown = second.get(KEY_A, &format!("/v1/webhooks/{id}")).await;
    assert_eq!(shown.body["headers"]["authorization"], CREDENTIAL);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The test server's DynamoDB settings with no seal option: the product's default.
fn default_sealing(data_dir: &std::path::Path) -> hookline_local::Settings {
    let mut settings = hookline_tests::settings(Backend::DynamoDb);
    settings.kms_endpoint = None;
    settings.key_file = None;
    settings.data_dir = Some(data_dir.to_owned());
    settings
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_a_restart_opens_what_was_sealed_before() {
    let dir = std::env::temp_dir().join(format!("hookline-data-{}", uuid::Uuid::now_v7()));
    // The directory does not exist yet: the first start makes it.
    let settings = default_sealing(&dir.join("data"));
    let start = || async {
        let running = hookline_local::spawn(&settings).await.unwrap();
        TestServer {
            base: format!("http://{}", running.addr),
            http: reqwest::Client::new(),
            running,
            skip_verification: true,
        }
    };
    let first = start().await;
    let created = first
        .post(
            KEY_A,
            "/v1/webhooks",
            json!({"url": "http://127.0.0.1:9/x", "event_types": ["a"], "secret": SECRET,
                   "headers": {"Authorization": CREDENTIAL}}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert!(!stored_anywhere(&first, CREDENTIAL).await);
    first.running.shutdown().await.unwrap();
    let key_file = dir
        .join("data")
        .join(hookline_local::data_dir::MASTER_KEY_FILE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "master.key's mode is {mode:o}");
    }

    let second = start().await;
    let secret = second
        .get(KEY_A, &format!("/v1/webhooks/{id}/secret"))
        .await;
    assert_eq!(secret.status, 200, "{}", secret.body);
    assert_eq!(secret.body["secret"], SECRET);
    let listed = second.get(KEY_A, "/v1/webhooks").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(
        listed.body["data"][0]["headers"]["authorization"],
        CREDENTIAL
    );
    second.running.shutdown().await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_dir_where_the_key_can_be_neither_read_nor_made_stops_the_start() {
    let dir = std::env::temp_dir().join(format!("hookline-data-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    // A file where the data directory should be: nothing can be made in it, even by root.
    let blocker = dir.join("a-file");
    std::fs::write(&blocker, "").unwrap();
    let error = hookline_local::spawn(&default_sealing(&blocker))
        .await
        .err()
        .expect("the start is refused");
    let key_file = blocker.join(hookline_local::data_dir::MASTER_KEY_FILE);
    let message = format!("{error:#}");
    assert!(
        message.contains(&key_file.display().to_string()),
        "{message}"
    );
    // A file that is there but holds no key is refused too, named.
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let unreadable = data.join(hookline_local::data_dir::MASTER_KEY_FILE);
    std::fs::write(&unreadable, "not a key").unwrap();
    let error = hookline_local::spawn(&default_sealing(&data))
        .await
        .err()
        .expect("the start is refused");
    assert!(
        format!("{error:#}").contains(&unreadable.display().to_string()),
        "{error:#}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_memory_backend_makes_no_key() {
    let dir = std::env::temp_dir().join(format!("hookline-data-{}", uuid::Uuid::now_v7()));
    let server = TestServer::start_with(Backend::Memory, |s| {
        s.kms_endpoint = None;
        s.data_dir = Some(dir.clone());
    })
    .await;
    let created = server
        .post(
            KEY_A,
            "/v1/webhooks",
            json!({"url": "http://127.0.0.1:9/x", "event_types": ["a"], "secret": SECRET}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert!(
        !dir.exists(),
        "the in-memory backend made {}",
        dir.display()
    );
}

on_both_backends!(
    header_values_are_masked_for_keys_that_cannot_edit,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let created = server
            .post(
                KEY_A,
                "/v1/webhooks",
                json!({"url": "https://hooks.example.com/m", "event_types": ["a"],
                       "headers": {"X-Token": "t0k3n", "X-Other": "v"}}),
            )
            .await;
        assert_eq!(created.body["headers"]["x-token"], "t0k3n");
        let id = created.body["id"].as_str().unwrap();
        let masked = server.get(KEY_A_VIEW, &format!("/v1/webhooks/{id}")).await;
        assert_eq!(
            masked.body["headers"],
            json!({"x-other": "********", "x-token": "********"})
        );
        // Nor can that key read the secret.
        let secret = server
            .get(KEY_A_VIEW, &format!("/v1/webhooks/{id}/secret"))
            .await;
        assert_eq!(secret.status, 403);
    }
);

on_both_backends!(
    answers_that_carry_a_secret_a_key_or_a_token_are_not_stored,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let created = server
            .post(
                KEY_A,
                "/v1/webhooks",
                json!({"url": "https://hooks.example.com/n", "event_types": ["a"],
                       "headers": {"X-Token": "t0k3n"}}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        let id = created.body["id"].as_str().unwrap().to_owned();
        let session = server
            .call_for(
                Some(hookline_tests::KEY_OPERATOR),
                None,
                reqwest::Method::POST,
                "/v1/portal/sessions",
                Some(json!({"tenant": "tenant-a"})),
            )
            .await;
        let key = server
            .post(
                hookline_tests::KEY_OPERATOR,
                "/v1/tenants/tenant-a/keys",
                json!({"scopes": ["webhooks:view"]}),
            )
            .await;
        let secret = server
            .get(KEY_A, &format!("/v1/webhooks/{id}/secret"))
            .await;
        let shown = server.get(KEY_A, &format!("/v1/webhooks/{id}")).await;
        let rotated = server
            .post(
                KEY_A,
                &format!("/v1/webhooks/{id}/secret/rotate"),
                json!({}),
            )
            .await;
        for (what, reply) in [
            ("create", &created),
            ("portal session", &session),
            ("tenant key", &key),
            ("secret", &secret),
            ("webhook", &shown),
            ("rotate", &rotated),
        ] {
            assert!(reply.status.is_success(), "{what}: {}", reply.body);
            assert_eq!(reply.headers["cache-control"], "no-store", "{what}");
        }
        let published = server
            .post(KEY_A, "/v1/events", json!({"event_type": "a", "data": {}}))
            .await;
        assert!(published.headers.get("cache-control").is_none());
    }
);

on_both_backends!(
    an_echoed_header_value_is_masked_in_answers_shown_to_view_only_keys,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let receiver = Receiver::start().await;
        // A receiver that echoes the request's headers in its answer.
        receiver.always(
            "/echo",
            hookline_tests::receiver::Answer::status(200).body(format!(
                r#"{{"headers":{{"authorization":"{CREDENTIAL}"}}}}"#
            )),
        );
        let created = server
            .post(
                KEY_A,
                "/v1/webhooks",
                json!({"url": receiver.url("/echo"), "event_types": ["order.paid"],
                       "headers": {"Authorization": CREDENTIAL}}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        let id = created.body["id"].as_str().unwrap().to_owned();
        server
            .post(
                KEY_A,
                "/v1/events",
                json!({"event_type": "order.paid", "data": {}}),
            )
            .await;
        let executions = eventually(Duration::from_secs(10), "the attempt", || async {
            let page = server.executions(KEY_A, &id, "").await;
            (!page.is_empty()).then_some(page)
        })
        .await;
        let body = executions[0]["response_body"].as_str().unwrap();
        assert!(
            body.contains(CREDENTIAL),
            "an editor sees the answer whole: {body}"
        );
        let execution_id = executions[0]["id"].as_str().unwrap();

        let listed = server.executions(KEY_A_VIEW, &id, "").await;
        let one = server
            .get(
                KEY_A_VIEW,
                &format!("/v1/webhooks/{id}/executions/{execution_id}"),
            )
            .await;
        assert_eq!(one.status, 200, "{}", one.body);
        for shown in [&listed[0], &one.body] {
            let body = shown["response_body"].as_str().unwrap();
            assert!(!body.contains("receiver-credential"), "{body}");
            assert_eq!(body, r#"{"headers":{"authorization":"********"}}"#);
        }
    }
);
