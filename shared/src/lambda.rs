//! The Lambda entry points: HTTP functions translate API Gateway events to `api::handle`, and
//! the authorizer resolves keys. Each function's `main` is one call into here.

use crate::AppContext;
use crate::api::auth::{authorizer_context, bearer_key, holder_from_context, lookup};
use crate::api::{self, ApiRequest, Function, Identity, Served};
use crate::config::AuthMode;
use aws_lambda_events::apigw::{
    ApiGatewayV2CustomAuthorizerSimpleResponse, ApiGatewayV2CustomAuthorizerV2Request,
};
use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use bytes::Bytes;
use lambda_http::request::RequestContext;
use lambda_http::{Body, RequestExt};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;
use std::collections::HashMap;

pub type Error = lambda_runtime::Error;

/// Runs an HTTP API function serving `function`'s routes.
pub async fn serve_http(function: Function) -> Result<(), Error> {
    crate::telemetry::init_lambda();
    let ctx = AppContext::from_env().await?;
    lambda_http::run(lambda_http::service_fn(|request: lambda_http::Request| {
        let ctx = &ctx;
        async move { Ok::<_, std::convert::Infallible>(handle_http(ctx, function, request).await) }
    }))
    .await
}

/// One API Gateway (HTTP API, payload 2.0) request through the shared handlers.
pub async fn handle_http(
    ctx: &AppContext,
    function: Function,
    request: lambda_http::Request,
) -> lambda_http::Response<Body> {
    let identity = match ctx.config.auth {
        AuthMode::Authorizer => Identity::Resolved(caller_of(&request)),
        AuthMode::KeyStore => Identity::BearerKey,
    };
    let (parts, body) = request.into_parts();
    let request = ApiRequest {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body: Bytes::copy_from_slice(body.as_ref()),
    };
    let response = api::handle(ctx, Served::Function(function), identity, request).await;
    response.map(|bytes| {
        if bytes.is_empty() {
            Body::Empty
        } else {
            match String::from_utf8(bytes.to_vec()) {
                Ok(text) => Body::Text(text),
                Err(e) => Body::Binary(e.into_bytes()),
            }
        }
    })
}

/// Runs the `portal` function: the customer portal's page and assets, with no key (the
/// route has no authorizer); anything else is a 404 problem.
pub async fn serve_portal() -> Result<(), Error> {
    crate::telemetry::init_lambda();
    let config = crate::config::Config::from_env()?;
    let frame_ancestors = config.portal_frame_ancestors;
    lambda_http::run(lambda_http::service_fn(|request: lambda_http::Request| {
        let response = portal_response(&request, &frame_ancestors);
        async move { Ok::<_, std::convert::Infallible>(response) }
    }))
    .await
}

/// The portal's answer to one request.
pub fn portal_response(
    request: &lambda_http::Request,
    frame_ancestors: &crate::portal::FrameAncestors,
) -> lambda_http::Response<Body> {
    let lang = api::Lang::from_accept_language(
        request
            .headers()
            .get(http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let response = crate::portal::serve(request.uri().path(), frame_ancestors)
        .unwrap_or_else(|| api::ApiError::NotFound.into_response(lang));
    response.map(|bytes| match String::from_utf8(bytes.to_vec()) {
        Ok(text) => Body::Text(text),
        Err(e) => Body::Binary(e.into_bytes()),
    })
}

/// The key's holder the authorizer put in the request context, if any (and not expired
/// since the verdict was cached).
fn caller_of(request: &lambda_http::Request) -> Option<api::KeyHolder> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => holder_from_context(
            &context.authorizer.as_ref()?.fields,
            crate::domain::Timestamp::now(),
        ),
        #[allow(
            unreachable_patterns,
            reason = "other event kinds exist with other features"
        )]
        _ => None,
    }
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
    let mut response = SqsBatchResponse::default();
    for failed in outcomes.into_iter().flatten() {
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = failed;
        response.batch_item_failures.push(failure);
    }
    response
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
