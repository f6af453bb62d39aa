//! The URL guard at delivery time, through the local server with the production rules on:
//! names are resolved (here through `--resolve`, which answers like a hostile DNS server
//! would), every answer is vetted, and a refused attempt is a recorded failure that never
//! opened a connection. A bare TCP listener stands in for the target, so any connection at
//! all, even one that would fail its TLS handshake, is seen.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation must fail the test"
)]

use hookline::url_guard::AllowList;
use hookline_tests::{Backend, KEY_A, Reply, TestServer, eventually};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

/// A TCP listener on loopback that counts the connections it accepts.
struct Target {
    port: u16,
    accepted: Arc<AtomicUsize>,
}

impl Target {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                drop(socket);
            }
        });
        Self { port, accepted }
    }

    fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// A strict server where `hooks.example.test` and friends answer loopback addresses.
async fn strict_server(allow: &str) -> TestServer {
    TestServer::start_with(Backend::Memory, |s| {
        s.strict_urls = true;
        s.url_allow_list = AllowList::parse(allow).unwrap();
        s.resolve = vec![
            "hooks.example.test=127.0.0.1".into(),
            "mapped.example.test=::ffff:127.0.0.1".into(),
            "split.example.test=93.184.215.14".into(),
            "split.example.test=127.0.0.1".into(),
        ];
    })
    .await
}

async fn create(server: &TestServer, url: &str, verify: bool) -> Reply {
    server
        .post(
            KEY_A,
            "/v1/webhooks",
            json!({"url": url, "event_types": ["a"], "verify": verify}),
        )
        .await
}

async fn executions(server: &TestServer, id: &str) -> Vec<Value> {
    let reply = server
        .get(KEY_A, &format!("/v1/webhooks/{id}/executions"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn names_that_resolve_to_private_addresses_are_refused_without_a_connection() {
    let server = strict_server("").await;
    let target = Target::start().await;
    let port = target.port;

    // Verification on create is refused, and nothing is created.
    let verified = create(
        &server,
        &format!("https://hooks.example.test:{port}/"),
        true,
    )
    .await;
    verified.assert_problem(400, "endpoint_verification_failed");
    assert!(
        verified.body["detail"]
            .as_str()
            .unwrap()
            .contains("refused"),
        "{}",
        verified.body
    );

    let mut ids = Vec::new();
    for host in [
        "hooks.example.test",
        "mapped.example.test",
        "split.example.test",
    ] {
        let created = create(&server, &format!("https://{host}:{port}/h"), false).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        ids.push(created.body["id"].as_str().unwrap().to_owned());
    }

    // A ping is refused the same way.
    let ping = server
        .post(KEY_A, &format!("/v1/webhooks/{}/ping", ids[0]), json!({}))
        .await;
    assert!(ping.body.to_string().contains("refused"), "{}", ping.body);

    let published = server
        .post(KEY_A, "/v1/events", json!({"event_type": "a", "data": {}}))
        .await;
    assert_eq!(published.status, StatusCode::ACCEPTED, "{}", published.body);
    for id in &ids {
        // Every attempt (1 + the two retries of the test schedule) is a recorded failure.
        let records = eventually(WAIT, "three refused attempts", || async {
            let records: Vec<Value> = executions(&server, id)
                .await
                .into_iter()
                .filter(|r| r["trigger"] == "event")
                .collect();
            (records.len() == 3).then_some(records)
        })
        .await;
        for record in &records {
            assert_eq!(record["request_status"], "error", "{record}");
            let message = record["error_message"].as_str().unwrap();
            assert!(message.starts_with("refused:"), "{record}");
            assert!(message.contains("127.0.0.1"), "{record}");
        }
    }
    assert_eq!(target.connections(), 0, "no attempt may open a connection");
}

#[tokio::test]
async fn literal_private_addresses_are_refused_at_registration_in_strict_mode() {
    let server = strict_server("").await;
    for url in [
        "https://127.0.0.1/",
        "https://2130706433/",
        "https://[::ffff:127.0.0.1]/",
        "https://[fe80::1%25eth0]/",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00:ec2::254]/",
        "https://localhost./",
        "http://example.com/",
        "https://user:pw@example.com/",
    ] {
        create(&server, url, false)
            .await
            .assert_problem(400, "url_not_allowed");
    }
    assert_eq!(
        server.get(KEY_A, "/v1/webhooks").await.body["data"],
        json!([])
    );
}

#[tokio::test]
async fn the_allow_list_opens_a_private_network_or_a_name_and_nothing_else() {
    let target = Target::start().await;
    let port = target.port;
    for allow in ["127.0.0.0/8", "hooks.example.test"] {
        let server = strict_server(allow).await;
        let before = target.connections();
        let created = create(
            &server,
            &format!("https://hooks.example.test:{port}/"),
            false,
        )
        .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.body["id"].as_str().unwrap().to_owned();
        // The target speaks no TLS, so the ping fails, but only after connecting.
        let ping = server
            .post(KEY_A, &format!("/v1/webhooks/{id}/ping"), json!({}))
            .await;
        assert!(!ping.body.to_string().contains("refused"), "{}", ping.body);
        eventually(WAIT, "a connection to the allowed target", || async {
            (target.connections() > before).then_some(())
        })
        .await;
    }
    // With only the name listed, the same address under another name is still refused.
    let server = strict_server("hooks.example.test").await;
    let created = create(
        &server,
        &format!("https://split.example.test:{port}/"),
        false,
    )
    .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let ping = server
        .post(KEY_A, &format!("/v1/webhooks/{id}/ping"), json!({}))
        .await;
    assert!(ping.body.to_string().contains("refused"), "{}", ping.body);
}
