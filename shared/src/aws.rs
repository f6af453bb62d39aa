//! The AWS SDK clients, built one way for every adapter: configuration from the environment
//! (or an emulator's endpoint), and time limits on every call, so that a stalled connection
//! fails the call instead of holding a Lambda until its own timeout.

use aws_config::SdkConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use std::time::Duration;

/// DynamoDB answers in milliseconds; an attempt taking seconds is a stalled connection,
/// tried again by the SDK's retries within the operation's limit.
const DYNAMODB_ATTEMPT: Duration = Duration::from_secs(3);
const DYNAMODB_OPERATION: Duration = Duration::from_secs(10);
/// SQS sends and deletes; receives long-poll and get their own limit (`receive_timeouts`).
const SQS_ATTEMPT: Duration = Duration::from_secs(5);
const SQS_OPERATION: Duration = Duration::from_secs(15);
const CONNECT: Duration = Duration::from_secs(3);

/// The SDK configuration from the environment, or against `endpoint` when given. An emulator
/// needs no real account, so with an endpoint, missing credentials and region default to
/// dummies rather than sending the SDK probing the instance metadata address.
pub async fn sdk_config(endpoint: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::from_env();
    if let Some(endpoint) = endpoint {
        loader = loader.endpoint_url(endpoint);
        let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty());
        if !set("AWS_ACCESS_KEY_ID") && !set("AWS_PROFILE") {
            let dummy =
                aws_sdk_dynamodb::config::Credentials::new("test", "test", None, None, "emulator");
            loader = loader.credentials_provider(dummy);
        }
        if !set("AWS_REGION") && !set("AWS_DEFAULT_REGION") {
            loader = loader.region(aws_sdk_dynamodb::config::Region::new("us-east-1"));
        }
    }
    loader.load().await
}

fn timeouts(attempt: Duration, operation: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT)
        .operation_attempt_timeout(attempt)
        .operation_timeout(operation)
        .build()
}

pub fn dynamodb_client(sdk: &SdkConfig) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::config::Builder::from(sdk)
        .timeout_config(timeouts(DYNAMODB_ATTEMPT, DYNAMODB_OPERATION))
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

pub fn sqs_client(sdk: &SdkConfig) -> aws_sdk_sqs::Client {
    let config = aws_sdk_sqs::config::Builder::from(sdk)
        .timeout_config(timeouts(SQS_ATTEMPT, SQS_OPERATION))
        .build();
    aws_sdk_sqs::Client::from_conf(config)
}

/// The limits of a receive that long-polls for `wait`: the wait plus an attempt's margin.
pub fn receive_timeouts(wait: Duration) -> TimeoutConfig {
    timeouts(wait + SQS_ATTEMPT, wait + SQS_OPERATION)
}
