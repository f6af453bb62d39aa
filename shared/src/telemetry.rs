//! Logging, initialised once per process, and how errors are written into it.

use tracing_subscriber::EnvFilter;

/// For Lambdas: the runtime's subscriber, which honours `AWS_LAMBDA_LOG_LEVEL`, `RUST_LOG`
/// and prints JSON when SAM sets `LogFormat: JSON`.
pub fn init_lambda() {
    lambda_runtime::tracing::init_default_subscriber();
}

/// How the local server writes its log lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, its fields at the top level, as the functions log in AWS
    /// (`LogFormat: JSON`), for a log pipeline to parse.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            other => Err(format!("{other:?} is not text or json")),
        }
    }
}

/// For the local server and tools: lines at `level`, `RUST_LOG` overriding, as text or
/// JSON. Lines are written to stdout by a thread of their own, so a line per request and
/// per attempt costs the serving threads no write; keep the guard until exit, which
/// flushes.
pub fn init_local(level: &str, format: LogFormat) -> tracing_appender::non_blocking::WorkerGuard {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{level},aws_config=warn,aws_smithy=warn")));
    // Not lossy: past its buffer of lines, a burst waits rather than drops lines.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(writer);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
    };
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
