//! The HTTP API, independent of how requests arrive: `handle` takes an `ApiRequest`, finds its
//! route, checks the caller and scope, and runs the operation. The Lambdas (`crate::lambda`)
//! and the local server both call it, so they answer the same way by construction.

pub mod auth;
mod catalog;
mod events;
mod executions;
mod history;
mod keys;
mod pagination;
mod portal;
mod problem;
pub mod request;
pub mod routes;
pub mod views;
mod webhooks;

pub use auth::{Caller, Identity, KeyHolder};
pub use pagination::Cursor;
pub use problem::{ApiError, Lang};
pub use request::{ApiRequest, ApiResponse};
pub use routes::{Function, Operation, ROUTES, Route, RouteMatch, Served, Tenancy};

use crate::AppContext;
use routes::PathParams;

/// Answers one request among the routes `served` (all of them for the local server, one function's in a
/// Lambda). Never fails: every error becomes its problem response.
pub async fn handle(
    ctx: &AppContext,
    served: Served,
    identity: Identity,
    request: ApiRequest,
) -> ApiResponse {
    handle_linking::<ALL_FUNCTIONS>(ctx, served, identity, request).await
}

/// `F` for a process that links every handler (the local server, the tests).
pub const ALL_FUNCTIONS: u8 = u8::MAX;

/// Whether the handlers of `function` are linked into a binary built for `F` (every
/// function's, or only `F`'s: a Lambda built for one route carries no other route's code,
/// and the catalog's JSON Schema compiler only where a route uses it).
const fn links<const F: u8>(function: Function) -> bool {
    F == ALL_FUNCTIONS || F == function as u8
}

/// `handle`, with only the handlers of the function numbered `F` (or of all, with
/// `ALL_FUNCTIONS`) compiled in: the Lambdas' entry point.
pub async fn handle_linking<const F: u8>(
    ctx: &AppContext,
    served: Served,
    identity: Identity,
    request: ApiRequest,
) -> ApiResponse {
    let lang = Lang::from_accept_language(request.header(http::header::ACCEPT_LANGUAGE));
    // Routing errors are judged against the whole table, so a function that also takes API
    // Gateway's `$default` route answers 405 with the API's real `Allow`, or 404, as problems.
    let operation = match routes::find(&request.method, &request.path) {
        RouteMatch::Found(route, params) if served.includes(route) => {
            run::<F>(ctx, route, params, identity, &request).await
        }
        RouteMatch::Found(..) | RouteMatch::NotFound => Err(ApiError::NotFound),
        RouteMatch::MethodNotAllowed(allow) => Err(ApiError::MethodNotAllowed(allow)),
    };
    operation.unwrap_or_else(|e| e.into_response(lang))
}

async fn run<const F: u8>(
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
    let caller = match route.tenancy() {
        Tenancy::Header => holder.acting_for(request.headers.get(auth::TENANT_HEADER))?,
        Tenancy::Path => {
            // Operator routes only (the scope was checked): the tenant they manage.
            let tenant = params.get("tenant").unwrap_or_default();
            let tenant = crate::domain::TenantId::parse(tenant)
                .map_err(|why| ApiError::validation("tenant", why))?;
            Caller {
                tenant,
                scopes: holder.scopes,
            }
        }
        // The catalog is the deployment's: no tenant, whatever `Hookline-Tenant` says.
        Tenancy::Deployment => {
            let name = params.get("name").unwrap_or_default();
            return match route.operation {
                Operation::CreateEventType if links::<F>(Function::CreateEventType) => {
                    catalog::create(ctx, request).await
                }
                Operation::ListEventTypes if links::<F>(Function::ListEventTypes) => {
                    catalog::list(ctx, request).await
                }
                Operation::GetEventType if links::<F>(Function::GetEventType) => {
                    catalog::get(ctx, name).await
                }
                Operation::UpdateEventType if links::<F>(Function::UpdateEventType) => {
                    catalog::update(ctx, request, name).await
                }
                Operation::DeleteEventType if links::<F>(Function::DeleteEventType) => {
                    catalog::delete(ctx, name).await
                }
                _ => Err(ApiError::NotFound),
            };
        }
    };
    let id = params.get("id").unwrap_or_default();
    let execution_id = params.get("execution_id").unwrap_or_default();
    let key_id = params.get("key_id").unwrap_or_default();
    let call = webhooks::Call {
        ctx,
        caller: &caller,
        request,
    };
    // Each arm is compiled in only where its function is (`links`); a route served here
    // whose arm is not cannot happen (`served` said so), and would be 404.
    use Function as Fn;
    match route.operation {
        Operation::CreateWebhook if links::<F>(Fn::CreateWebhook) => webhooks::create(call).await,
        Operation::ListWebhooks if links::<F>(Fn::ListWebhooks) => webhooks::list(call).await,
        Operation::GetWebhook if links::<F>(Fn::GetWebhook) => webhooks::get(call, id).await,
        Operation::PatchWebhook if links::<F>(Fn::UpdateWebhook) => {
            webhooks::update(call, id, webhooks::UpdateKind::Patch).await
        }
        Operation::PutWebhook if links::<F>(Fn::UpdateWebhook) => {
            webhooks::update(call, id, webhooks::UpdateKind::Put).await
        }
        Operation::DeleteWebhook if links::<F>(Fn::DeleteWebhook) => {
            webhooks::delete(call, id).await
        }
        Operation::GetWebhookSecret if links::<F>(Fn::GetWebhookSecret) => {
            webhooks::get_secret(call, id).await
        }
        Operation::RotateWebhookSecret if links::<F>(Fn::RotateWebhookSecret) => {
            webhooks::rotate_secret(call, id).await
        }
        Operation::PingWebhook if links::<F>(Fn::PingWebhook) => webhooks::ping(call, id).await,
        Operation::ListExecutions if links::<F>(Fn::ListExecutions) => {
            executions::list(call, id).await
        }
        Operation::GetExecution if links::<F>(Fn::GetExecution) => {
            executions::get(call, id, execution_id).await
        }
        Operation::RetryExecution if links::<F>(Fn::RetryExecution) => {
            executions::retry(call, id, execution_id).await
        }
        Operation::PublishEvent if links::<F>(Fn::PublishEvent) => events::publish(call).await,
        Operation::GetEvent if links::<F>(Fn::GetEvent) => events::get(call, id).await,
        Operation::ListEvents if links::<F>(Fn::ListEvents) => history::list_events(call).await,
        Operation::RecoverWebhook if links::<F>(Fn::RecoverWebhook) => {
            history::recover(call, id).await
        }
        Operation::GetWebhookStats if links::<F>(Fn::GetWebhookStats) => {
            history::stats(call, id).await
        }
        Operation::CreateTenantKey if links::<F>(Fn::CreateTenantKey) => keys::create(call).await,
        Operation::CreatePortalSession if links::<F>(Fn::CreatePortalSession) => {
            portal::create_session(call).await
        }
        Operation::ListTenantKeys if links::<F>(Fn::ListTenantKeys) => keys::list(call).await,
        Operation::RevokeTenantKey if links::<F>(Fn::RevokeTenantKey) => {
            keys::revoke(call, key_id).await
        }
        _ => Err(ApiError::NotFound),
    }
}
