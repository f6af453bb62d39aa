//! The Lambda entry points: HTTP functions translate API Gateway events to `api::handle`, and
//! the authorizer resolves keys. Each function's `main` is one call into here.

use crate::AppContext;
use crate::api::auth::{authorizer_context, bearer_key, holder_from_context, lookup};
use crate::api::{self, ApiRequest, ApiResponse, Function, Identity, Served};
use crate::config::AuthMode;
use aws_lambda_events::apigw::{
    ApiGatewayV2CustomAuthorizerSimpleResponse, ApiGatewayV2CustomAuthorizerV2Request,
    ApiGatewayV2httpRequest, ApiGatewayV2httpResponse,
};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use base64::Engine;
use bytes::Bytes;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;
use std::collections::HashMap;

pub type Error = lambda_runtime::Error;

// The HTTP functions take API Gateway's payload 2.0 as `aws_lambda_events` types through
// `lambda_runtime`, rather than through `lambda_http`: the API reads the raw path, query,
// headers and body anyway, and `lambda_http` brings `encoding_rs` and its tables (about
// 100 KiB of every zip) for conversions it never makes.

/// Runs an HTTP API function serving `function`'s routes.
pub async fn serve_http(function: Function) -> Result<(), Error> {
    crate::telemetry::init_lambda();
    let ctx = AppContext::from_env().await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<ApiGatewayV2httpRequest>| {
        let ctx = &ctx;
        async move { Ok::<_, Error>(handle_http(ctx, function, event.payload).await) }
    }))
    .await
}

/// One API Gateway (HTTP API, payload 2.0) request through the shared handlers.
pub async fn handle_http(
    ctx: &AppContext,
    function: Function,
    event: ApiGatewayV2httpRequest,
) -> ApiGatewayV2httpResponse {
    let identity = match ctx.config.auth {
        AuthMode::Authorizer => Identity::Resolved(caller_of(&event)),
        AuthMode::KeyStore => Identity::BearerKey,
    };
    let response = match api_request(event) {
        Ok(request) => api::handle(ctx, Served::Function(function), identity, request).await,
        Err(lang) => api::ApiError::validation("body", "is not valid base64").into_response(lang),
    };
    gateway_response(response)
}

/// The request as the API reads it; `Err` (with the caller's language) for a body that API
/// Gateway marked base64 but is not.
fn api_request(event: ApiGatewayV2httpRequest) -> Result<ApiRequest, api::Lang> {
    let body = match event.body {
        None => Bytes::new(),
        Some(text) if event.is_base64_encoded => base64::engine::general_purpose::STANDARD
            .decode(text)
            .map(Bytes::from)
            .map_err(|_| language(&event.headers))?,
        Some(text) => Bytes::from(text),
    };
    Ok(ApiRequest {
        method: event.request_context.http.method,
        // The HTTP API's `$default` stage: the raw path is the route's path.
        path: event.raw_path.unwrap_or_else(|| "/".into()),
        query: event.raw_query_string.filter(|q| !q.is_empty()),
        headers: event.headers,
        body,
    })
}

fn language(headers: &http::HeaderMap) -> api::Lang {
    api::Lang::from_accept_language(
        headers
            .get(http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// API Gateway's response: text as text, anything else base64 (every answer of the API and
/// the portal is UTF-8 text, so the second is only a guard).
fn gateway_response(response: ApiResponse) -> ApiGatewayV2httpResponse {
    let (parts, bytes) = response.into_parts();
    let mut answer = ApiGatewayV2httpResponse::default();
    answer.status_code = i64::from(parts.status.as_u16());
    answer.headers = parts.headers;
    if !bytes.is_empty() {
        answer.body = Some(match String::from_utf8(bytes.to_vec()) {
            Ok(text) => Body::Text(text),
            Err(e) => {
                answer.is_base64_encoded = true;
                Body::Binary(e.into_bytes())
            }
        });
    }
    answer
}

/// Runs the `portal` function: the customer portal's page and assets, with no key (the
/// route has no authorizer); anything else is a 404 problem.
pub async fn serve_portal() -> Result<(), Error> {
    crate::telemetry::init_lambda();
    let config = crate::config::Config::from_env()?;
    let frame_ancestors = config.portal_frame_ancestors;
    lambda_runtime::run(service_fn(|event: LambdaEvent<ApiGatewayV2httpRequest>| {
        let response = portal_response(&event.payload, &frame_ancestors);
        async move { Ok::<_, Error>(response) }
    }))
    .await
}

/// The portal's answer to one request.
pub fn portal_response(
    event: &ApiGatewayV2httpRequest,
    frame_ancestors: &crate::portal::FrameAncestors,
) -> ApiGatewayV2httpResponse {
    let path = event.raw_path.as_deref().unwrap_or("/");
    let response = crate::portal::serve(path, frame_ancestors)
        .unwrap_or_else(|| api::ApiError::NotFound.into_response(language(&event.headers)));
    gateway_response(response)
}

/// The key's holder the authorizer put in the request context, if any (and not expired
/// since the verdict was cached).
fn caller_of(event: &ApiGatewayV2httpRequest) -> Option<api::KeyHolder> {
    holder_from_context(
        &event.request_context.authorizer.as_ref()?.fields,
        crate::domain::Timestamp::now(),
    )
}

pub type AuthorizerResponse = ApiGatewayV2CustomAuthorizerSimpleResponse<HashMap<String, Value>>;

/// Runs the HTTP API's Lambda authorizer.
pub async fn serve_authorizer() -> Result<(), Error> {
    crate::telemetry::init_lambda();
    let ctx = AppContext::from_env().await?;
    lambda_runtime::run(service_fn(
        |event: LambdaEvent<ApiGatewayV2CustomAuthorizerV2Request>| {
            let ctx = &ctx;
            async move { authorize(ctx, &event.payload).await }
        },
    ))
    .await
}

/// Resolves the bearer key. Every request is let through with the verdict in its context
/// (empty for a missing or unknown key), because API Gateway's own denial is a bare 401/403
/// without the contract's problem body; the function answers 401 itself.
pub async fn authorize(
    ctx: &AppContext,
    request: &ApiGatewayV2CustomAuthorizerV2Request,
) -> Result<AuthorizerResponse, Error> {
    let holder = lookup(ctx, bearer_key(&request.headers))
        .await
        .map_err(|_| Error::from("the key store failed"))?;
    let mut response = AuthorizerResponse::default();
    response.is_authorized = true;
    response.context = authorizer_context(holder.as_ref());
    Ok(response)
}

/// Runs the delivery function: the consumer of the delivery queue.
pub async fn serve_delivery() -> Result<(), Error> {
    crate::telemetry::init_lambda();
    let ctx = AppContext::from_env().await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| {
        let ctx = &ctx;
        async move { Ok::<_, Error>(deliver(ctx, event.payload).await) }
    }))
    .await
}

/// Processes a batch concurrently. A record whose work failed for an infrastructure reason
/// (or that is no task at all) is reported as a batch item failure, so SQS keeps it and hands
/// it out again (and, after the queue's maxReceiveCount, to the dead-letter queue); every
/// other record is deleted. This needs `ReportBatchItemFailures` on the event source, or a
/// single failure would return the whole batch.
pub async fn deliver(ctx: &AppContext, event: SqsEvent) -> SqsBatchResponse {
    let outcomes = futures::future::join_all(
        event
            .records
            .iter()
            .map(|record| process_record(ctx, record)),
    )
    .await;
    batch_failures(outcomes.into_iter().flatten())
}

/// `Some(message id)` when the record must come back.
async fn process_record(ctx: &AppContext, record: &SqsMessage) -> Option<String> {
    let id = record.message_id.clone().unwrap_or_default();
    let task = match serde_json::from_str::<crate::queue::Task>(
        record.body.as_deref().unwrap_or(""),
    ) {
        Ok(task) => task,
        Err(e) => {
            tracing::error!(message_id = %id, error = %e, "not a task; left for the dead-letter queue");
            return Some(id);
        }
    };
    match crate::delivery::worker::process(ctx, &task).await {
        Ok(outcome) => {
            tracing::debug!(message_id = %id, ?outcome, "task done");
            None
        }
        Err(e) => {
            tracing::error!(message_id = %id, error.cause_chain = ?crate::telemetry::error_chain(&e), "task failed; it will come back");
            Some(id)
        }
    }
}

/// Runs the `ingest-events` function: the consumer of the ingest queue. Refused events go
/// to `HOOKLINE_INGEST_DEAD_LETTER_QUEUE_URL`.
pub async fn serve_ingest() -> Result<(), Error> {
    crate::telemetry::init_lambda();
    let ctx = AppContext::from_env().await?;
    let url = ctx
        .config
        .ingest_dead_letter_queue_url
        .clone()
        .ok_or_else(|| Error::from("HOOKLINE_INGEST_DEAD_LETTER_QUEUE_URL is not set"))?;
    let sdk = crate::aws::sdk_config(None).await;
    let dead_letters = crate::ingest::sqs::SqsDeadLetters::new(crate::aws::sqs_client(&sdk), url);
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| {
        let (ctx, dead_letters) = (&ctx, &dead_letters);
        async move { Ok::<_, Error>(ingest(ctx, dead_letters, event.payload).await) }
    }))
    .await
}

/// Publishes a batch of ingest messages together; a message that must come back (an
/// outage) is reported as a batch item failure, every other one is deleted (refused events
/// are in the dead-letter queue by then). Needs `ReportBatchItemFailures`.
pub async fn ingest(
    ctx: &AppContext,
    dead_letters: &dyn crate::ingest::DeadLetters,
    event: SqsEvent,
) -> SqsBatchResponse {
    let messages: Vec<crate::ingest::Message<'_>> = event
        .records
        .iter()
        .map(|record| crate::ingest::Message {
            id: record.message_id.as_deref().unwrap_or_default(),
            body: record.body.as_deref().unwrap_or_default(),
        })
        .collect();
    let done = crate::ingest::consume(ctx, dead_letters, &messages).await;
    batch_failures(
        messages
            .iter()
            .zip(done)
            .filter(|(_, done)| !done)
            .map(|(m, _)| m.id.to_owned()),
    )
}

/// The SQS event source's answer: these message ids come back, every other is deleted.
fn batch_failures(ids: impl IntoIterator<Item = String>) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for id in ids {
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = id;
        response.batch_item_failures.push(failure);
    }
    response
}
