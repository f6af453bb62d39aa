//! Logging, initialised once per process, and how errors are written into it.

use tracing_subscriber::EnvFilter;

/// For Lambdas: the runtime's subscriber, which honours `AWS_LAMBDA_LOG_LEVEL`, `RUST_LOG`
/// and prints JSON when SAM sets `LogFormat: JSON`.
pub fn init_lambda() {
    lambda_runtime::tracing::init_default_subscriber();
}

/// For the local server and tools: human-readable lines at `level`, `RUST_LOG` overriding.
/// Lines are written to stdout by a thread of their own, so a line per request and per
/// attempt costs the serving threads no write; keep the guard until exit, which flushes.
pub fn init_local(level: &str) -> tracing_appender::non_blocking::WorkerGuard {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{level},aws_config=warn,aws_smithy=warn")));
    // Not lossy: past its buffer of lines, a burst waits rather than drops lines.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(std::io::stdout());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(writer)
        .try_init();
    guard
}

/// `error: cause: cause...`, for logs. Every layer logs errors this way, so it lives below
/// them all.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
