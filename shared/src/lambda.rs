//! The Lambda entry points: HTTP functions translate API Gateway events to `api::handle`, and
//! the authorizer resolves keys. Every function runs the one binary, which picks its handler
//! by the name Lambda passes in `_HANDLER` (the function's `Handler` in `template.yaml`).

use crate::AppContext;
use crate::api::auth::{authorizer_context, bearer_key, holder_from_context, lookup};
use crate::api::{self, ApiRequest, ApiResponse, Function, Identity, Served};
use crate::config::AuthMode;
use aws_lambda_events::apigw::{
    ApiGatewayV2CustomAuthorizerSimpleResponse, ApiGatewayV2CustomAuthorizerV2Request,
    ApiGatewayV2httpRequest, ApiGatewayV2httpResponse,
};
use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use bytes::Bytes;
use lambda_http::request::{LambdaRequest, RequestContext};
use lambda_http::{Body, Request, RequestExt, Service};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;
use std::collections::HashMap;

pub type Error = lambda_runtime::Error;

/// Every Lambda function of the template, by its `Handler` name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handler {
    /// An HTTP API function, serving its routes.
    Http(Function),
    /// The customer portal's page and assets.
    Portal,
    /// The HTTP API's Lambda authorizer.
    Authorizer,
    /// The consumer of the delivery queue.
    Deliver,
    /// The consumer of the ingest queue.
    Ingest,
    /// The scheduled sweep of deliveries left with no task (`crate::sweep`).
    Sweep,
}

impl Handler {
    /// Every handler, the HTTP functions first.
    pub fn all() -> impl Iterator<Item = Handler> {
        Function::ALL.into_iter().map(Handler::Http).chain([
            Handler::Portal,
            Handler::Authorizer,
            Handler::Deliver,
            Handler::Ingest,
            Handler::Sweep,
        ])
    }

    /// The function's name: its `Handler` in `template.yaml` and its `cargo lambda` binary.
    pub fn name(self) -> &'static str {
        match self {
            Handler::Http(function) => function.name(),
            Handler::Portal => crate::portal::FUNCTION,
            Handler::Authorizer => "authorizer",
            Handler::Deliver => "deliver-webhook",
            Handler::Ingest => "ingest-events",
            Handler::Sweep => "sweep-deliveries",
        }
    }

    /// The handler of this name; an unknown name is an error naming the known ones.
    pub fn named(name: &str) -> Result<Handler, Error> {
        Handler::all().find(|h| h.name() == name).ok_or_else(|| {
            let known: Vec<&str> = Handler::all().map(Handler::name).collect();
            Error::from(format!(
                "no Lambda handler is named {name:?}; the known ones are: {}",
                known.join(", ")
            ))
        })
    }
}

/// Runs the handler this deployed function names in `_HANDLER` (set by Lambda from the
/// function's `Handler` property).
pub async fn serve_from_env() -> Result<(), Error> {
    let name = std::env::var("_HANDLER").unwrap_or_default();
    serve(Handler::named(&name)?).await
}

/// Runs one function until Lambda stops it.
pub async fn serve(handler: Handler) -> Result<(), Error> {
    match handler {
        Handler::Http(function) => serve_http(function).await,
        Handler::Portal => serve_portal().await,
        Handler::Authorizer => serve_authorizer().await,
        Handler::Deliver => serve_delivery().await,
        Handler::Ingest => serve_ingest().await,
        Handler::Sweep => serve_sweep().await,
    }
}

/// Runs an HTTP API function serving `function`'s routes.
async fn serve_http(function: Function) -> Result<(), Error> {
    crate::telemetry::init_lambda();
    let ctx = AppContext::from_env().await?;
    lambda_http::run(service_fn(|request: Request| {
        let ctx = &ctx;
        async move { Ok::<_, Error>(handle_http(ctx, function, request).await) }
    }))
    .await
}

/// One API Gateway (HTTP API, payload 2.0) request, as `lambda_http` hands it, through the
/// shared handlers.
pub async fn handle_http(
    ctx: &AppContext,
    function: Function,
    request: Request,
) -> http::Response<Body> {
    let identity = match ctx.config.auth {
        AuthMode::Authorizer => Identity::Resolved(caller_of(&request)),
        AuthMode::KeyStore => Identity::BearerKey,
    };
    let gateway_domain = gateway_domain(&request);
    let mut request = ApiRequest::from(request.map(body_bytes));
    request.gateway_domain = gateway_domain;
    let response = api::handle(ctx, Served::Function(function), identity, request).await;
    lambda_body(response)
}

/// One API Gateway event through `lambda_http` and an HTTP function, as Lambda runs it: the
/// answer as API Gateway reads it (for tests, and the bill's count of a request's work).
pub async fn invoke_http(
    ctx: &AppContext,
    function: Function,
    event: ApiGatewayV2httpRequest,
) -> ApiGatewayV2httpResponse {
    through_lambda_http(event, |request| async move {
        Ok::<_, Error>(handle_http(ctx, function, request).await)
    })
    .await
}

/// The portal function's answer to one API Gateway event, as `invoke_http`.
pub async fn invoke_portal(
    event: ApiGatewayV2httpRequest,
    frame_ancestors: &crate::portal::FrameAncestors,
) -> ApiGatewayV2httpResponse {
    through_lambda_http(event, |request| {
        let response = portal_response(&request, frame_ancestors);
        async move { Ok::<_, Error>(response) }
    })
    .await
}

/// `handler` behind `lambda_http`'s adapter, given one event as the runtime gives it; a
/// handler that fails is a 500, as API Gateway answers then.
async fn through_lambda_http<F, Fut>(
    event: ApiGatewayV2httpRequest,
    handler: F,
) -> ApiGatewayV2httpResponse
where
    F: FnMut(Request) -> Fut,
    Fut: Future<Output = Result<http::Response<Body>, Error>> + Send,
{
    let mut adapter = lambda_http::Adapter::from(service_fn(handler));
    let event = LambdaEvent::new(
        LambdaRequest::ApiGatewayV2(event),
        lambda_runtime::Context::default(),
    );
    let answered = match std::future::poll_fn(|cx| adapter.poll_ready(cx)).await {
        Ok(()) => adapter.call(event).await,
        Err(e) => Err(e),
    };
    let answer = answered
        .ok()
        .and_then(|answer| serde_json::to_value(answer).ok())
        .and_then(|json| serde_json::from_value(json).ok());
    answer.unwrap_or_else(|| {
        let mut failed = ApiGatewayV2httpResponse::default();
        failed.status_code = 500;
        failed
    })
}

fn body_bytes(body: Body) -> Bytes {
    match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        other => Bytes::copy_from_slice(other.as_ref()),
    }
}

/// Text as text, anything else as bytes, which `lambda_http` hands API Gateway base64
/// encoded (every answer of the API and the portal is UTF-8 text, so the second is only a
/// guard).
fn lambda_body(response: ApiResponse) -> http::Response<Body> {
    response.map(|bytes| {
        if bytes.is_empty() {
            return Body::Empty;
        }
        match String::from_utf8(bytes.to_vec()) {
            Ok(text) => Body::Text(text),
            Err(e) => Body::Binary(e.into_bytes()),
        }
    })
}

fn language(headers: &http::HeaderMap) -> api::Lang {
    api::Lang::from_accept_language(
        headers
            .get(http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// Runs the `portal` function: the customer portal's page and assets, with no key (the
/// route has no authorizer); anything else is a 404 problem.
async fn serve_portal() -> Result<(), Error> {
    crate::telemetry::init_lambda();
    let config = crate::config::Config::from_env()?;
    let frame_ancestors = config.portal_frame_ancestors;
    lambda_http::run(service_fn(|request: Request| {
        let response = portal_response(&request, &frame_ancestors);
        async move { Ok::<_, Error>(response) }
    }))
    .await
}

/// The portal's answer to one request.
pub fn portal_response(
    request: &Request,
    frame_ancestors: &crate::portal::FrameAncestors,
) -> http::Response<Body> {
    let response = crate::portal::serve(request.uri().path(), frame_ancestors)
        .unwrap_or_else(|| api::ApiError::NotFound.into_response(language(request.headers())));
    lambda_body(response)
}

/// The domain name API Gateway put in the request context, if any.
fn gateway_domain(request: &Request) -> Option<String> {
    let RequestContext::ApiGatewayV2(context) = request.request_context_ref()? else {
        return None;
    };
    context.domain_name.clone().filter(|d| !d.is_empty())
}

/// The key's holder the authorizer put in the request context, if any (and not expired
/// since the verdict was cached).
fn caller_of(request: &Request) -> Option<api::KeyHolder> {
    let RequestContext::ApiGatewayV2(context) = request.request_context_ref()? else {
        return None;
    };
    holder_from_context(
        &context.authorizer.as_ref()?.fields,
        crate::domain::Timestamp::now(),
    )
}

pub type AuthorizerResponse = ApiGatewayV2CustomAuthorizerSimpleResponse<HashMap<String, Value>>;

/// Runs the HTTP API's Lambda authorizer.
async fn serve_authorizer() -> Result<(), Error> {
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
async fn serve_delivery() -> Result<(), Error> {
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
    let receives = record
        .attributes
        .get("ApproximateReceiveCount")
        .and_then(|count| count.parse().ok())
        .unwrap_or(u32::MAX);
    let seen = crate::delivery::worker::Seen::from_receive_count(receives);
    match crate::delivery::worker::process_as(ctx, &task, seen).await {
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
/// to `HOOKLINE_INGEST_DEAD_LETTER_QUEUE_URL`, events over their tenant's rate back to
/// `HOOKLINE_INGEST_QUEUE_URL`.
async fn serve_ingest() -> Result<(), Error> {
    crate::telemetry::init_lambda();
    let ctx = AppContext::from_env().await?;
    let required = |url: &Option<String>, name: &str| {
        url.clone()
            .ok_or_else(|| Error::from(format!("{name} is not set")))
    };
    let dead_letter_url = required(
        &ctx.config.ingest_dead_letter_queue_url,
        "HOOKLINE_INGEST_DEAD_LETTER_QUEUE_URL",
    )?;
    let queue_url = required(&ctx.config.ingest_queue_url, "HOOKLINE_INGEST_QUEUE_URL")?;
    let sdk = crate::aws::sdk_config(None).await;
    let client = crate::aws::sqs_client(&sdk);
    let dead_letters = crate::ingest::sqs::SqsDeadLetters::new(client.clone(), dead_letter_url);
    let requeue = crate::ingest::sqs::SqsRequeue::new(client, queue_url);
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| {
        let (ctx, dead_letters, requeue) = (&ctx, &dead_letters, &requeue);
        async move { Ok::<_, Error>(ingest(ctx, dead_letters, requeue, event.payload).await) }
    }))
    .await
}

/// Runs the sweep once per scheduled invocation.
async fn serve_sweep() -> Result<(), Error> {
    crate::telemetry::init_lambda();
    let ctx = AppContext::from_env().await?;
    lambda_runtime::run(service_fn(|_: LambdaEvent<Value>| {
        let ctx = &ctx;
        async move { sweep(ctx, crate::domain::Timestamp::now()).await }
    }))
    .await
}

/// One run of the sweep as of `now`: what it did, or the fault that stopped it (the
/// invocation fails, and the next one takes up where this one stopped).
pub async fn sweep(
    ctx: &AppContext,
    now: crate::domain::Timestamp,
) -> Result<crate::sweep::Swept, Error> {
    Ok(crate::sweep::sweep(ctx, now).await?)
}

/// Publishes a batch of ingest messages together; a message that must come back (an
/// outage) is reported as a batch item failure, every other one is deleted (refused events
/// are in the dead-letter queue by then, events over their tenant's rate sent again as a
/// new message). Needs `ReportBatchItemFailures`.
pub async fn ingest(
    ctx: &AppContext,
    dead_letters: &dyn crate::ingest::DeadLetters,
    requeue: &dyn crate::ingest::Requeue,
    event: SqsEvent,
) -> SqsBatchResponse {
    let messages: Vec<crate::ingest::Message<'_>> = event
        .records
        .iter()
        .map(|record| crate::ingest::Message {
            id: record.message_id.as_deref().unwrap_or_default(),
            body: record.body.as_deref().unwrap_or_default(),
            sent_at: record
                .attributes
                .get("SentTimestamp")
                .and_then(|t| t.parse().ok()),
        })
        .collect();
    let done = crate::ingest::consume(ctx, dead_letters, requeue, &messages).await;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_handler_is_found_by_its_name_and_an_unknown_name_lists_them() {
        for handler in Handler::all() {
            assert_eq!(Handler::named(handler.name()).ok(), Some(handler));
        }
        let unknown = Handler::named("bootstrap").err().map(|e| e.to_string());
        let unknown = unknown.unwrap_or_default();
        assert!(unknown.contains("\"bootstrap\""), "{unknown}");
        assert!(
            unknown.contains("create-webhook, list-webhooks"),
            "{unknown}"
        );
        assert!(
            unknown.ends_with("deliver-webhook, ingest-events, sweep-deliveries"),
            "{unknown}"
        );
    }
}
