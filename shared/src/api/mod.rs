//! The HTTP API, independent of how requests arrive: `handle` takes an `ApiRequest`, finds its
//! route, checks the caller and scope, and runs the operation. The Lambdas (`crate::lambda`)
//! and the local server both call it, so they answer the same way by construction.

pub mod auth;
mod call;
mod catalog;
mod credentials;
mod events;
mod executions;
mod history;
mod keys;
mod pagination;
mod portal;
mod problem;
pub mod request;
pub mod routes;
mod tenant_settings;
pub mod views;
mod webhooks;

pub use auth::{Caller, Identity, KeyHolder};
pub use pagination::Cursor;
pub use problem::{ApiError, Lang};
pub use request::{ApiRequest, ApiResponse};
pub use routes::{Function, Operation, ROUTES, Route, RouteMatch, Served, Tenancy};

use crate::AppContext;
use call::Call;
use routes::PathParams;
use webhooks::UpdateKind;

/// Answers one request among the routes `served` (all of them for the local server, one function's in a
/// Lambda). Never fails: every error becomes its problem response.
pub async fn handle(
    ctx: &AppContext,
    served: Served,
    identity: Identity,
    request: ApiRequest,
) -> ApiResponse {
    let lang = Lang::from_accept_language(request.header(http::header::ACCEPT_LANGUAGE));
    // Routing errors are judged against the whole table, so a function that also takes API
    // Gateway's `$default` route answers 405 with the API's real `Allow`, or 404, as problems.
    let (operation, answer) = match routes::find(&request.method, &request.path) {
        RouteMatch::Found(route, params) if served.includes(route) => (
            Some(route.operation),
            run(ctx, route, params, identity, &request).await,
        ),
        RouteMatch::Found(..) | RouteMatch::NotFound => (None, Err(ApiError::NotFound)),
        RouteMatch::MethodNotAllowed(allow) => (None, Err(ApiError::MethodNotAllowed(allow))),
    };
    let mut response = answer.unwrap_or_else(|e| e.into_response(lang));
    if operation.is_some_and(Operation::answer_holds_credentials) {
        response.headers_mut().insert(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-store"),
        );
    }
    response
}

async fn run(
    ctx: &AppContext,
    route: &Route,
    params: PathParams,
    identity: Identity,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let holder = auth::resolve(ctx, identity, &request.headers).await?;
    if !holder.scopes.contains(route.scope) {
        return Err(ApiError::Forbidden(route.scope));
    }
    if request.body.len() > route.max_body {
        return Err(ApiError::PayloadTooLarge(route.max_body));
    }
    let acting = match route.tenancy {
        Tenancy::Header => {
            Acting::Tenant(holder.acting_for(request.headers.get(auth::TENANT_HEADER))?)
        }
        Tenancy::Path => {
            // Operator routes only (the scope was checked): the tenant they manage.
            let tenant = params.get("tenant").unwrap_or_default();
            let tenant = crate::domain::TenantId::parse(tenant)
                .map_err(|why| ApiError::validation("tenant", why))?;
            Acting::Tenant(Caller {
                tenant,
                scopes: holder.scopes,
            })
        }
        // Operator routes only (the scope was checked).
        Tenancy::Body => Acting::Tenant(Caller {
            tenant: auth::named_in_body_or_header(
                &request.body,
                request.headers.get(auth::TENANT_HEADER),
            )?,
            scopes: holder.scopes,
        }),
        // The catalog is the deployment's: no tenant, whatever `Hookline-Tenant` says.
        Tenancy::Deployment => Acting::Deployment,
    };
    dispatch(ctx, route.operation, &params, &acting, request).await
}

/// Whom an operation acts for, as its route's tenancy says.
enum Acting {
    Tenant(Caller),
    Deployment,
}

/// Runs one operation: the one place each operation meets its handler.
async fn dispatch(
    ctx: &AppContext,
    operation: Operation,
    params: &PathParams,
    acting: &Acting,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let param = |name| params.get(name).unwrap_or_default();
    let (id, execution_id, key_id, name) = (
        param("id"),
        param("execution_id"),
        param("key_id"),
        param("name"),
    );
    // Every tenant operation's route declares a tenant (see `routes`); a unit test holds the
    // table to it, so the `Deployment` arm of `call` is never taken.
    let call = || match acting {
        Acting::Tenant(caller) => Ok(Call {
            ctx,
            caller,
            request,
        }),
        Acting::Deployment => Err(ApiError::NotFound),
    };
    match operation {
        Operation::CreateWebhook => webhooks::create(call()?).await,
        Operation::ListWebhooks => webhooks::list(call()?).await,
        Operation::GetWebhook => webhooks::get(call()?, id).await,
        Operation::PatchWebhook => webhooks::update(call()?, id, UpdateKind::Patch).await,
        Operation::PutWebhook => webhooks::update(call()?, id, UpdateKind::Put).await,
        Operation::DeleteWebhook => webhooks::delete(call()?, id).await,
        Operation::GetWebhookSecret => webhooks::get_secret(call()?, id).await,
        Operation::RotateWebhookSecret => webhooks::rotate_secret(call()?, id).await,
        Operation::PingWebhook => webhooks::ping(call()?, id).await,
        Operation::ListExecutions => executions::list(call()?, id).await,
        Operation::GetExecution => executions::get(call()?, id, execution_id).await,
        Operation::RetryExecution => executions::retry(call()?, id, execution_id).await,
        Operation::PublishEvent => events::publish(call()?).await,
        Operation::GetEvent => events::get(call()?, id).await,
        Operation::ListEvents => history::list_events(call()?).await,
        Operation::RecoverWebhook => history::recover(call()?, id).await,
        Operation::GetWebhookStats => history::stats(call()?, id).await,
        Operation::CreateTenantKey => keys::create(call()?).await,
        Operation::ListTenantKeys => keys::list(call()?).await,
        Operation::RevokeTenantKey => keys::revoke(call()?, key_id).await,
        Operation::GetTenantSettings => tenant_settings::get(call()?).await,
        Operation::UpdateTenantSettings => tenant_settings::update(call()?).await,
        Operation::CreatePortalSession => portal::create_session(call()?).await,
        Operation::CreateEventType => catalog::create(ctx, request).await,
        Operation::ListEventTypes => catalog::list(ctx, request).await,
        Operation::GetEventType => catalog::get(ctx, name).await,
        Operation::UpdateEventType => catalog::update(ctx, request, name).await,
        Operation::DeleteEventType => catalog::delete(ctx, name).await,
    }
}
