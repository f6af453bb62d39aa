//! Answers stay small enough for API Gateway and Lambda (6 MB): a problem lists at most 100
//! errors, a page stops early by size with a cursor, and a webhook's own fields are bounded.

use hookline_tests::{KEY_A, KEY_OPERATOR, Reply, TestServer, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;

/// What the API promises no answer passes.
const FIVE_MB: usize = 5_000_000;
/// The contract's bound on a webhook's filters, metadata, headers and description.
const WEBHOOK_FIELDS_BYTES: usize = 64 * 1024;

fn size(reply: &Reply) -> usize {
    serde_json::to_vec(&reply.body).unwrap().len()
}

/// Follows `path`'s cursors to the end: every id listed, in order, and each page's size.
async fn every_page(server: &TestServer, path: &str) -> (Vec<String>, Vec<usize>) {
    let (mut ids, mut sizes) = (Vec::new(), Vec::new());
    let mut next: Option<String> = None;
    loop {
        let url = match &next {
            Some(cursor) => format!("{path}&cursor={cursor}"),
            None => path.to_owned(),
        };
        let page = server.get(KEY_A, &url).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        sizes.push(size(&page));
        for item in page.body["data"].as_array().unwrap() {
            ids.push(item["id"].as_str().unwrap().to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(cursor) => next = Some(cursor.to_owned()),
            None => return (ids, sizes),
        }
    }
}

fn assert_each_once(ids: &[String], expected: usize) {
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "an item was listed twice");
    assert_eq!(ids.len(), expected);
}

on_both_backends!(
    a_publish_failing_its_schema_often_answers_a_hundred_errors,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let schema = json!({
            "type": "object",
            "properties": {"counts": {"type": "array", "items": {"type": "integer"}}}
        });
        let made = server
            .post(
                KEY_OPERATOR,
                "/v1/event-types",
                json!({"name": "batch.counted", "description": "Counts", "schema": schema}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let counts = vec!["x"; 30_000];
        let refused = server
            .post(
                KEY_A,
                "/v1/events",
                json!({"event_type": "batch.counted", "data": {"counts": counts}}),
            )
            .await;
        refused.assert_problem(400, "validation_error");
        assert_eq!(refused.body["errors"].as_array().unwrap().len(), 100);
        assert_eq!(refused.body["errors"][0]["field"], "/data/counts/0");
        assert_eq!(refused.body["errors_truncated"], 29_900);
        assert!(size(&refused) < 20_000, "{} bytes", size(&refused));
    }
);

on_both_backends!(events_with_their_data_page_by_size, |backend| async move {
    let server = TestServer::start(backend).await;
    for i in 0..100 {
        let data = json!({"n": i, "blob": "x".repeat(100_000)});
        let published = server
            .post(
                KEY_A,
                "/v1/events",
                json!({"event_type": "blob.stored", "data": data}),
            )
            .await;
        assert_eq!(published.status, StatusCode::ACCEPTED, "{}", published.body);
    }
    let first = server
        .get(KEY_A, "/v1/events?with_data=true&limit=100")
        .await;
    assert!(size(&first) < FIVE_MB, "{} bytes", size(&first));
    assert!(first.body["next_cursor"].is_string(), "a cursor to go on");
    let (ids, sizes) = every_page(&server, "/v1/events?with_data=true&limit=100").await;
    assert!(sizes.iter().all(|s| *s < FIVE_MB), "{sizes:?}");
    assert_each_once(&ids, 100);
    // Without the data, one page holds them all.
    let (ids, sizes) = every_page(&server, "/v1/events?limit=100").await;
    assert_eq!(sizes.len(), 1);
    assert_each_once(&ids, 100);
});

/// A webhook whose filters, metadata, headers and description take `bytes` bytes as JSON.
fn webhook_of(bytes: usize) -> Value {
    let description = "d".repeat(1_000);
    let headers: serde_json::Map<String, Value> = (0..5)
        .map(|i| (format!("x-team-{i}"), json!("t".repeat(4_000))))
        .collect();
    let headers = Value::Object(headers);
    let filters = json!([{"path": "team", "any_of": ["a"]}]);
    let fixed = [&filters, &headers, &json!(description)]
        .iter()
        .map(|v| serde_json::to_vec(v).unwrap().len())
        .sum::<usize>();
    // Metadata entries `"kNN":"vvv…"` of at most 1,024 characters fill the rest exactly.
    let mut metadata = serde_json::Map::new();
    let mut left = bytes - fixed - 2;
    let mut i = 0;
    while left > 0 {
        let overhead = format!("\"k{i:02}\":\"\"").len() + usize::from(i > 0);
        let value_len = (left - overhead).min(1_024);
        metadata.insert(format!("k{i:02}"), json!("v".repeat(value_len)));
        left -= overhead + value_len;
        i += 1;
    }
    json!({
        "url": "https://hooks.example.com/big",
        "event_types": ["blob.stored"],
        "filters": filters,
        "headers": headers,
        "metadata": metadata,
        "description": description,
    })
}

on_both_backends!(
    a_webhooks_fields_are_at_most_64_kb_together,
    |backend| async move {
        let server = TestServer::start(backend).await;
        let at_most = webhook_of(WEBHOOK_FIELDS_BYTES);
        let created = server.post(KEY_A, "/v1/webhooks", at_most.clone()).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.body["id"].as_str().unwrap().to_owned();
        let path = format!("/v1/webhooks/{id}");

        let over = webhook_of(WEBHOOK_FIELDS_BYTES + 1);
        let refused = server.post(KEY_A, "/v1/webhooks", over.clone()).await;
        refused.assert_problem(400, "validation_error");
        assert_eq!(refused.error_fields(), vec![String::new()]);
        let refused = server.put(KEY_A, &path, over.clone()).await;
        refused.assert_problem(400, "validation_error");
        assert_eq!(refused.error_fields(), vec![String::new()]);
        // A patch that grows one field past the bound, the others as stored.
        let grown = json!({"description": "d".repeat(1_001)});
        server
            .patch(KEY_A, &path, grown)
            .await
            .assert_problem(400, "validation_error");
        let japanese = server
            .http
            .patch(format!("{}{path}", server.base))
            .bearer_auth(KEY_A)
            .header("accept-language", "ja")
            .json(&json!({"description": "d".repeat(1_001), "verify": false}))
            .send()
            .await
            .unwrap();
        assert_eq!(japanese.status(), StatusCode::BAD_REQUEST);
        let body: Value = japanese.json().await.unwrap();
        assert_eq!(body["title"], "リクエストが正しくありません");

        // Just under, by update: accepted; nothing refused was stored.
        let under = webhook_of(WEBHOOK_FIELDS_BYTES - 1);
        let put = server.put(KEY_A, &path, under.clone()).await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.body);
        let read = server.get(KEY_A, &path).await;
        assert_eq!(read.body["metadata"], under["metadata"]);
        let listed = server.get(KEY_A, "/v1/webhooks").await;
        assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
    }
);

on_both_backends!(large_webhooks_page_by_size, |backend| async move {
    let server = TestServer::start(backend).await;
    for i in 0..100 {
        let mut body = webhook_of(WEBHOOK_FIELDS_BYTES);
        body["url"] = json!(format!("https://hooks.example.com/{i}"));
        let created = server.post(KEY_A, "/v1/webhooks", body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    }
    let first = server.get(KEY_A, "/v1/webhooks?limit=100").await;
    assert!(size(&first) < FIVE_MB, "{} bytes", size(&first));
    assert!(first.body["next_cursor"].is_string(), "a cursor to go on");
    let (ids, sizes) = every_page(&server, "/v1/webhooks?limit=100").await;
    assert!(sizes.iter().all(|s| *s < FIVE_MB), "{sizes:?}");
    assert_each_once(&ids, 100);
});

/// DynamoDB keeps an event's data beside its document, and the events list without data
/// reads the items without it: a page of large events carries and parses little.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dynamodb_events_list_without_data_does_not_read_it() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use hookline::domain::{Event, EventData, EventId, EventType, TenantId, TimeRange, Timestamp};
    use hookline::store::EventStore;
    use hookline::store::dynamodb::DynamoStore;

    let endpoint = hookline_tests::emulator_endpoint();
    let client = DynamoStore::client(Some(&endpoint)).await;
    let table = hookline_tests::unique_table();
    let keyring = hookline_tests::moto_keyring().await;
    let store = DynamoStore::new(client.clone(), table.clone(), keyring);
    store.create_table_if_missing().await.unwrap();
    let now = Timestamp::now();
    let tenant = TenantId::parse("projected").unwrap();
    let event = Event {
        id: EventId::new(),
        tenant: tenant.clone(),
        event_type: EventType::parse("blob.stored").unwrap(),
        data: EventData::from_object(&json!({"blob": "x".repeat(100_000)})).unwrap(),
        created_at: now,
        matched: Vec::new(),
    };
    let expires = Timestamp::from_millis(now.millis() + 86_400_000).unwrap();
    store.put_event(&event, expires).await.unwrap();

    // The document holds no data; the data attribute does.
    let scanned = client.scan().table_name(&table).send().await.unwrap();
    let item = scanned.items()[0].clone();
    let doc: Value = serde_json::from_str(item["doc"].as_s().unwrap()).unwrap();
    assert!(doc.get("data").is_none(), "{doc}");
    assert_eq!(item["data"].as_s().unwrap(), event.data.as_str());

    // Spoil the data attribute: a list without data never reads it, one with data does.
    client
        .put_item()
        .table_name(&table)
        .set_item(Some({
            let mut spoiled = item.clone();
            spoiled.insert("data".into(), AttributeValue::S("not json".into()));
            spoiled
        }))
        .send()
        .await
        .unwrap();
    let listed = store
        .list_events(&tenant, TimeRange::default(), None, 10, false, now)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].data, None);
    assert!(
        store
            .list_events(&tenant, TimeRange::default(), None, 10, true, now)
            .await
            .is_err()
    );
}
