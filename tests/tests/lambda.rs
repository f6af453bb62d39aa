//! The Lambda entry points on API Gateway fixture events (the same files `cargo lambda
//! invoke --data-file` sends in CI), against DynamoDB in the emulator.

use aws_lambda_events::apigw::{
    ApiGatewayV2CustomAuthorizerV2Request, ApiGatewayV2httpRequest, ApiGatewayV2httpResponse,
};
use aws_lambda_events::encodings::Body;
use hookline::AppContext;
use hookline::api::Function;
use hookline::config::{AuthMode, Config};
use hookline::domain::{ApiKey, ApiKeyRecord, EventData, Scopes, TenantId};
use hookline::lambda::{authorize, invoke_http};
use hookline::url_guard::UrlPolicy;
use hookline_tests::dynamo_store;
use serde_json::{Value, json};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn request(name: &str) -> ApiGatewayV2httpRequest {
    serde_json::from_str(&fixture(name)).unwrap()
}

async fn context() -> AppContext {
    let store = dynamo_store().await;
    let config = Config {
        auth: AuthMode::Authorizer,
        urls: UrlPolicy::STRICT,
        ..Config::default()
    };
    AppContext::with_store(config, store).unwrap()
}

fn body(response: &ApiGatewayV2httpResponse) -> Value {
    match &response.body {
        Some(Body::Text(text)) => serde_json::from_str(text).unwrap(),
        other => panic!("not a JSON body: {other:?}"),
    }
}

#[tokio::test]
async fn http_functions_serve_their_routes_with_the_authorizers_caller() {
    let ctx = context().await;
    let created = invoke_http(
        &ctx,
        Function::CreateWebhook,
        request("apigw-v2-create-webhook.json"),
    )
    .await;
    assert_eq!(created.status_code, 201, "{}", body(&created));
    assert_eq!(body(&created)["url"], "https://hooks.example.com/ci");

    let listed = invoke_http(
        &ctx,
        Function::ListWebhooks,
        request("apigw-v2-list-webhooks.json"),
    )
    .await;
    assert_eq!(listed.status_code, 200);
    assert_eq!(body(&listed)["data"][0]["id"], body(&created)["id"]);
    assert_eq!(listed.headers["content-type"], "application/json");
}

#[tokio::test]
async fn without_the_authorizers_caller_the_answer_is_401_problem_json() {
    let ctx = context().await;
    let response = invoke_http(
        &ctx,
        Function::ListWebhooks,
        request("apigw-v2-list-webhooks-unauthenticated.json"),
    )
    .await;
    assert_eq!(response.status_code, 401);
    assert_eq!(response.headers["content-type"], "application/problem+json");
    assert_eq!(body(&response)["type"], "unauthenticated");
}

#[tokio::test]
async fn a_function_answers_only_its_own_routes() {
    let ctx = context().await;
    let response = invoke_http(
        &ctx,
        Function::ListWebhooks,
        request("apigw-v2-create-webhook.json"),
    )
    .await;
    assert_eq!(
        response.status_code, 404,
        "another function's route is not run"
    );
}

#[tokio::test]
async fn the_fallback_function_answers_unmatched_requests_as_problems() {
    let ctx = context().await;
    // What API Gateway's `$default` route brings: a known path with a method it lacks, and
    // an unknown path.
    let mut wrong_method = request("apigw-v2-create-webhook.json");
    wrong_method.request_context.http.method = http::Method::DELETE;
    let response = invoke_http(&ctx, Function::ListWebhooks, wrong_method).await;
    assert_eq!(response.status_code, 405);
    assert_eq!(response.headers["allow"], "POST, GET");
    assert_eq!(response.headers["content-type"], "application/problem+json");

    let mut unknown = request("apigw-v2-create-webhook.json");
    unknown.raw_path = Some("/v1/nothing-here".into());
    let response = invoke_http(&ctx, Function::ListWebhooks, unknown).await;
    assert_eq!(response.status_code, 404);
    assert_eq!(body(&response)["type"], "not_found");
}

#[tokio::test]
async fn the_authorizer_resolves_known_keys_and_passes_unknown_ones_without_a_caller() {
    let ctx = context().await;
    let mut event: ApiGatewayV2CustomAuthorizerV2Request =
        serde_json::from_str(&fixture("authorizer-request.json")).unwrap();
    let unknown = authorize(&ctx, &event).await.unwrap();
    assert!(unknown.is_authorized);
    assert!(unknown.context.is_empty());

    let key = ApiKey::generate();
    let scopes = Scopes::parse_list("webhooks:view,events:publish").unwrap();
    let record = ApiKeyRecord::new(&key, TenantId::parse("acme").unwrap(), scopes, None);
    ctx.keys.put(&record).await.unwrap();
    event.headers.insert(
        "authorization",
        format!("Bearer {}", key.expose()).parse().unwrap(),
    );
    let known = authorize(&ctx, &event).await.unwrap();
    assert_eq!(
        serde_json::to_value(&known.context).unwrap(),
        json!({"tenant": "acme", "scopes": "webhooks:view,events:publish"})
    );

    // Revoked, the key resolves to no caller on the authorizer's next call (API Gateway
    // calls it again once its cache of `AuthorizerCacheSeconds` runs out).
    assert!(ctx.keys.revoke(&record.id, None).await.unwrap());
    let revoked = authorize(&ctx, &event).await.unwrap();
    assert!(revoked.context.is_empty());
}

#[tokio::test]
async fn the_delivery_function_delivers_and_reports_only_the_records_that_failed() {
    use hookline::domain::{
        Event, EventId, EventType, Timestamp, Webhook, WebhookSecret, WebhookSpec,
    };
    use hookline::url_guard::WebhookUrl;
    use hookline_tests::receiver::Receiver;

    let receiver = Receiver::start().await;
    let store = dynamo_store().await;
    let ctx = AppContext::with_store(
        Config {
            urls: UrlPolicy::DEVELOPMENT,
            ..Config::default()
        },
        store,
    )
    .unwrap();
    let tenant = TenantId::parse("ci").unwrap();
    let spec = WebhookSpec::new(
        WebhookUrl::parse(&receiver.url("/lambda"), &UrlPolicy::DEVELOPMENT).unwrap(),
        hookline::domain::EventTypes::new(vec![
            hookline::domain::EventTypePattern::parse("*").unwrap(),
        ])
        .unwrap(),
    );
    let secret = WebhookSecret::generate();
    let webhook = Webhook::new(tenant.clone(), spec, secret.clone());
    ctx.webhooks
        .insert(&webhook, hookline::store::WebhookQuota::webhooks(10))
        .await
        .unwrap();
    let event = Event {
        id: EventId::new(),
        tenant: tenant.clone(),
        event_type: EventType::parse("task.completed").unwrap(),
        data: EventData::from_object(&json!({"from": "sqs"})).unwrap(),
        created_at: Timestamp::now(),
        matched: Vec::new(),
    };
    ctx.events
        .put_event(
            &event,
            Timestamp::from_millis(Timestamp::now().millis() + 60_000).unwrap(),
        )
        .await
        .unwrap();

    let text = fixture("sqs-deliver.json")
        .replace("EVENT_ID", &event.id.to_string())
        .replace("WEBHOOK_ID", &webhook.id.to_string());
    let sqs_event: aws_lambda_events::sqs::SqsEvent = serde_json::from_str(&text).unwrap();
    let response = hookline::lambda::deliver(&ctx, sqs_event).await;
    let failed: Vec<_> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(failed, vec!["m-garbage"]);
    let delivered = receiver.on("/lambda");
    assert_eq!(delivered.len(), 1);
    assert!(delivered[0].verify(&secret.expose()));
    let executions = ctx
        .executions
        .list(
            &tenant,
            &webhook.id,
            hookline::domain::TimeRange::default(),
            None,
            10,
            Timestamp::now(),
        )
        .await
        .unwrap();
    assert_eq!(executions.len(), 1);
}

/// The list-webhooks fixture with this authorizer context and, if given, `Hookline-Tenant`.
fn list_request_as(context: Value, tenant: Option<&str>) -> ApiGatewayV2httpRequest {
    let mut event: Value = serde_json::from_str(&fixture("apigw-v2-list-webhooks.json")).unwrap();
    event["requestContext"]["authorizer"]["lambda"] = context;
    if let Some(tenant) = tenant {
        event["headers"]["hookline-tenant"] = json!(tenant);
    }
    serde_json::from_value(event).unwrap()
}

#[tokio::test]
async fn an_operator_verdict_acts_for_the_tenant_its_request_names() {
    let ctx = context().await;
    let mut event: ApiGatewayV2CustomAuthorizerV2Request =
        serde_json::from_str(&fixture("authorizer-request.json")).unwrap();
    let key = ApiKey::generate();
    ctx.keys
        .put(&ApiKeyRecord::operator(&key, None))
        .await
        .unwrap();
    event.headers.insert(
        "authorization",
        format!("Bearer {}", key.expose()).parse().unwrap(),
    );
    // The verdict is about the key alone: no tenant in it, whatever the request names.
    event
        .headers
        .insert("hookline-tenant", "someone".parse().unwrap());
    let verdict = authorize(&ctx, &event).await.unwrap();
    assert_eq!(
        serde_json::to_value(&verdict.context).unwrap(),
        json!({"scopes": "operator"})
    );

    let created = invoke_http(
        &ctx,
        Function::CreateWebhook,
        request("apigw-v2-create-webhook.json"),
    )
    .await;
    assert_eq!(created.status_code, 201, "{}", body(&created));
    let operator = json!({"scopes": "operator"});
    let for_ci = invoke_http(
        &ctx,
        Function::ListWebhooks,
        list_request_as(operator.clone(), Some("ci")),
    )
    .await;
    assert_eq!(for_ci.status_code, 200, "{}", body(&for_ci));
    assert_eq!(body(&for_ci)["data"][0]["id"], body(&created)["id"]);
    let for_other = invoke_http(
        &ctx,
        Function::ListWebhooks,
        list_request_as(operator.clone(), Some("other")),
    )
    .await;
    assert_eq!(body(&for_other)["data"], json!([]));
    let for_none = invoke_http(
        &ctx,
        Function::ListWebhooks,
        list_request_as(operator, None),
    )
    .await;
    assert_eq!(for_none.status_code, 400);
    assert_eq!(body(&for_none)["type"], "tenant_required");

    // A tenant's verdict naming another tenant is refused; a cached verdict past its key's
    // expiry is no verdict.
    let other = invoke_http(
        &ctx,
        Function::ListWebhooks,
        list_request_as(
            json!({"tenant": "ci", "scopes": "webhooks:view"}),
            Some("other"),
        ),
    )
    .await;
    assert_eq!(other.status_code, 403);
    let expired = invoke_http(
        &ctx,
        Function::ListWebhooks,
        list_request_as(
            json!({"tenant": "ci", "scopes": "webhooks:view", "expires_at": "1700000000000"}),
            None,
        ),
    )
    .await;
    assert_eq!(expired.status_code, 401);
}

#[tokio::test]
async fn the_authorizer_refuses_an_expired_key_and_passes_an_expiry_on() {
    let ctx = context().await;
    let mut event: ApiGatewayV2CustomAuthorizerV2Request =
        serde_json::from_str(&fixture("authorizer-request.json")).unwrap();
    let key = ApiKey::generate();
    let tenant = TenantId::parse("acme").unwrap();
    let later = hookline::domain::Timestamp::now().plus(std::time::Duration::from_secs(3600));
    let record = ApiKeyRecord::new(&key, tenant.clone(), Scopes::all_tenant(), None)
        .expiring_at(Some(later));
    ctx.keys.put(&record).await.unwrap();
    event.headers.insert(
        "authorization",
        format!("Bearer {}", key.expose()).parse().unwrap(),
    );
    let verdict = authorize(&ctx, &event).await.unwrap();
    assert_eq!(
        verdict.context["expires_at"],
        json!(later.millis().to_string())
    );

    let past = hookline::domain::Timestamp::parse("2020-01-01T00:00:00Z");
    ctx.keys
        .put(&record.clone().expiring_at(past))
        .await
        .unwrap();
    assert!(authorize(&ctx, &event).await.unwrap().context.is_empty());
}

#[tokio::test]
async fn the_portal_function_serves_the_page_as_text_and_anything_else_as_a_problem() {
    let mut event = request("apigw-v2-list-webhooks-unauthenticated.json");
    let policy = hookline::portal::FrameAncestors::default();
    for (path, kind) in [
        ("/portal", "text/html"),
        ("/portal/portal.js", "text/javascript"),
    ] {
        event.raw_path = Some(path.into());
        let page = hookline::lambda::invoke_portal(event.clone(), &policy).await;
        assert_eq!(page.status_code, 200, "{path}");
        assert!(!page.is_base64_encoded, "{path}");
        assert!(
            page.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind)
        );
        assert!(
            page.headers["content-security-policy"]
                .to_str()
                .unwrap()
                .ends_with("frame-ancestors 'none'")
        );
        assert!(matches!(page.body, Some(Body::Text(ref t)) if !t.is_empty()));
    }
    event.raw_path = Some("/portal/nope.js".into());
    let missing = hookline::lambda::invoke_portal(event, &policy).await;
    assert_eq!(missing.status_code, 404);
    assert_eq!(body(&missing)["type"], "not_found");
}

/// A portal session minted through the Lambda, with a forged `Host` and
/// `X-Forwarded-Proto`, and the tenant named in the body.
fn portal_session_request(tenant_header: Option<&str>, body: Value) -> ApiGatewayV2httpRequest {
    let mut event: Value = serde_json::from_str(&fixture("apigw-v2-list-webhooks.json")).unwrap();
    event["routeKey"] = json!("POST /v1/portal/sessions");
    event["rawPath"] = json!("/v1/portal/sessions");
    event["rawQueryString"] = json!("");
    event["queryStringParameters"] = json!({});
    event["requestContext"]["http"]["method"] = json!("POST");
    event["requestContext"]["http"]["path"] = json!("/v1/portal/sessions");
    event["requestContext"]["authorizer"]["lambda"] = json!({"scopes": "operator"});
    event["headers"]["host"] = json!("evil.example");
    event["headers"]["x-forwarded-proto"] = json!("https");
    if let Some(tenant) = tenant_header {
        event["headers"]["hookline-tenant"] = json!(tenant);
    }
    event["body"] = json!(body.to_string());
    serde_json::from_value(event).unwrap()
}

#[tokio::test]
async fn a_portal_session_url_is_built_on_the_gateways_domain_or_the_setting_never_the_host() {
    let mut ctx = context().await;
    let minted = invoke_http(
        &ctx,
        Function::CreatePortalSession,
        portal_session_request(None, json!({"tenant": "ci"})),
    )
    .await;
    assert_eq!(minted.status_code, 201, "{}", body(&minted));
    let session = body(&minted);
    assert_eq!(session["tenant"], "ci");
    let token = session["token"].as_str().unwrap();
    assert_eq!(
        session["url"],
        format!("https://api-id.execute-api.us-east-1.amazonaws.com/portal#token={token}")
    );
    assert_eq!(minted.headers["cache-control"], "no-store");

    let mut config = (*ctx.config).clone();
    config.public_base_url =
        Some(hookline::portal::PublicBaseUrl::parse("https://hooks.example.com").unwrap());
    ctx.config = std::sync::Arc::new(config);
    let minted = invoke_http(
        &ctx,
        Function::CreatePortalSession,
        portal_session_request(Some("ci"), json!({})),
    )
    .await;
    assert_eq!(minted.status_code, 201, "{}", body(&minted));
    let session = body(&minted);
    let token = session["token"].as_str().unwrap();
    assert_eq!(
        session["url"],
        format!("https://hooks.example.com/portal#token={token}")
    );
}
