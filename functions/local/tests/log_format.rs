//! `--log-format json`: the binary's log lines are JSON objects, as the functions write
//! them in AWS, so one log pipeline reads both.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed expectation must fail the test"
)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn json_log_lines_are_objects_with_level_and_message() {
    let mut server = Command::new(env!("CARGO_BIN_EXE_hookline-local"))
        .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start hookline-local");
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&line).expect(&line);
    assert_eq!(parsed["level"], "INFO", "{line}");
    assert_eq!(parsed["message"], "hookline-local is ready", "{line}");
    assert!(parsed["addr"].as_str().unwrap().starts_with("127.0.0.1:"));
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
