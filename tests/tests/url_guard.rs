//! The URL guard through the local server with the production rules on: names are resolved
//! (here through `--resolve`, which answers like a hostile DNS server would) at registration
//! and at every attempt, every answer is vetted, and a refused attempt is a recorded failure
//! that never opened a connection. A bare TCP listener stands in for the target, so any connection at
//! all, even one that would fail its TLS handshake, is seen.

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

/// A strict server on `backend` whose DNS answers as `resolve` says.
async fn strict_server(
    backend: Backend,
    allow: &str,
    resolve: &[&str],
    table: Option<&str>,
) -> TestServer {
    TestServer::start_with(backend, |s| {
        s.strict_urls = true;
        s.url_allow_list = AllowList::parse(allow).unwrap();
        s.resolve = resolve.iter().map(|r| (*r).to_owned()).collect();
        if let Some(table) = table {
            s.table_name = table.to_owned();
        }
    })
    .await
}

/// Names that answer loopback outright, through an IPv4-mapped address, or among public ones.
const PRIVATE_ANSWERS: &[&str] = &[
    "hooks.example.test=127.0.0.1",
    "mapped.example.test=::ffff:127.0.0.1",
    "split.example.test=93.184.215.14",
    "split.example.test=127.0.0.1",
];

async fn create(server: &TestServer, url: &str, verify: bool) -> Reply {
    server
        .post(
            KEY_A,
            "/v1/webhooks",
            json!({"url": url, "event_types": ["a"], "verify": verify}),
        )
        .await
}

#[tokio::test]
async fn names_that_resolve_to_private_addresses_are_refused_at_registration() {
    let server = strict_server(Backend::Memory, "", PRIVATE_ANSWERS, None).await;
    let target = Target::start().await;
    let port = target.port;
    for host in [
        "hooks.example.test",
        "mapped.example.test",
        "split.example.test",
    ] {
        for verify in [true, false] {
            let created = create(&server, &format!("https://{host}:{port}/h"), verify).await;
            created.assert_problem(400, "url_not_allowed");
            assert!(
                created.body["detail"].as_str().unwrap().contains(host),
                "{}",
                created.body
            );
        }
    }
    // A name that does not resolve yet is taken: every attempt will resolve it again.
    let later = create(&server, "https://not-yet.example.test/h", false).await;
    assert_eq!(later.status, StatusCode::CREATED, "{}", later.body);
    assert_eq!(
        server.get(KEY_A, "/v1/webhooks").await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(target.connections(), 0);
}

/// DNS rebinding: the name answered a public address when the webhook was registered, and
/// answers loopback by the time it is delivered to. Two servers share one DynamoDB table:
/// one registers under the first answer, the other delivers under the second.
#[tokio::test]
async fn a_name_that_rebinds_after_registration_is_refused_at_every_attempt() {
    let table = hookline_tests::unique_table();
    let target = Target::start().await;
    let port = target.port;
    let before = strict_server(
        Backend::DynamoDb,
        "",
        &["rebind.example.test=93.184.215.14"],
        Some(&table),
    )
    .await;
    let created = create(
        &before,
        &format!("https://rebind.example.test:{port}/h"),
        false,
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();

    let after = strict_server(
        Backend::DynamoDb,
        "",
        &["rebind.example.test=127.0.0.1"],
        Some(&table),
    )
    .await;
    // A ping is refused without a connection.
    let ping = after
        .post(KEY_A, &format!("/v1/webhooks/{id}/ping"), json!({}))
        .await;
    ping.assert_problem(400, "ping_failed");
    let error = ping.body["execution"]["error_message"].as_str().unwrap();
    assert!(
        error.starts_with("refused:") && error.contains("127.0.0.1"),
        "{error}"
    );

    let published = after
        .post(KEY_A, "/v1/events", json!({"event_type": "a", "data": {}}))
        .await;
    assert_eq!(published.status, StatusCode::ACCEPTED, "{}", published.body);
    // Every attempt (1 + the two retries of the test schedule) is a recorded failure.
    let records = eventually(WAIT, "three refused attempts", || async {
        let records: Vec<Value> = after
            .executions(KEY_A, &id, "")
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
    assert_eq!(target.connections(), 0, "no attempt may open a connection");
}

#[tokio::test]
async fn literal_private_addresses_are_refused_at_registration_in_strict_mode() {
    let server = strict_server(Backend::Memory, "", &[], None).await;
    for url in [
        "https://127.0.0.1/",
        "https://2130706433/",
        "https://0x7f.1/",
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
        let server = strict_server(Backend::Memory, allow, PRIVATE_ANSWERS, None).await;
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
    let server = strict_server(Backend::Memory, "hooks.example.test", PRIVATE_ANSWERS, None).await;
    create(
        &server,
        &format!("https://split.example.test:{port}/"),
        false,
    )
    .await
    .assert_problem(400, "url_not_allowed");
}
