//! `--log-format json`: the binary's log lines are JSON objects, as the functions write
//! them in AWS, so one log pipeline reads both.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation must fail the test"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

const KEY: &str = "log_format_test_key_0001";

#[test]
fn json_log_lines_are_objects_and_metrics_come_as_emf_lines() {
    let mut server = Command::new(env!("CARGO_BIN_EXE_hookline-local"))
        .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
        .args(["--api-key", &format!("{KEY}=acme:events:publish")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start hookline-local");
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let ready: serde_json::Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(ready["level"], "INFO", "{ready}");
    assert_eq!(ready["message"], "hookline-local is ready", "{ready}");
    let addr = ready["addr"].as_str().unwrap().to_owned();

    // A publish: its request line, and its metric line in CloudWatch's embedded format.
    let body = r#"{"event_type": "order.paid", "data": {"n": 1}}"#;
    let mut stream = TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "POST /v1/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {KEY}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");
    let metric = lines
        .map(|line| serde_json::from_str::<serde_json::Value>(&line.unwrap()).unwrap())
        .find(|line| line.get("_aws").is_some())
        .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(metric["Published"], 1, "{metric}");
    assert_eq!(metric["FanOut"], 0, "{metric}");
    assert_eq!(metric["Tenant"], "acme", "{metric}");
    let spec = &metric["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(spec["Namespace"], "Hookline");
    assert_eq!(spec["Metrics"][1]["Name"], "FanOut");
}

#[test]
fn an_unknown_log_format_is_refused_with_its_name() {
    let out = Command::new(env!("CARGO_BIN_EXE_hookline-local"))
        .args(["--log-format", "xml"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("xml"));
}
