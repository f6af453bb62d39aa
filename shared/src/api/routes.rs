//! The route table: the single source of every route, its scope and the Lambda serving it.
//! The local server's router, `template.yaml`'s HttpApi events, `openapi.yaml` and the
//! `cargo lambda watch` router are all checked against it by tests.

use crate::domain::Scope;
use http::Method;

/// Whose data a route acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tenancy {
    /// A tenant's: the key's own, or the one an operator key names in `Hookline-Tenant`.
    Header,
    /// The tenant named in the path (`/v1/tenants/{tenant}/...`): operator routes.
    Path,
    /// The tenant named in the body's `tenant`, or in `Hookline-Tenant` (the same one when
    /// both): operator routes that make something for a tenant (portal sessions).
    Body,
    /// The deployment's, shared by every tenant: the event-type catalog.
    Deployment,
}

#[derive(Clone, Debug)]
pub struct Route {
    pub method: Method,
    /// As spelled in `openapi.yaml` and `template.yaml`: `{name}` marks a path parameter.
    pub path: &'static str,
    pub operation: Operation,
    pub function: Function,
    pub scope: Scope,
    pub tenancy: Tenancy,
    /// The largest request body accepted, in bytes; larger is 413 before any parsing.
    pub max_body: usize,
}

pub const MAX_BODY: usize = 64 * 1024;
/// A webhook's create or update: every field's limit at once, in UTF-8 (filters of 4-byte
/// characters alone take half a megabyte), fits.
pub const MAX_WEBHOOK_BODY: usize = 1024 * 1024;
const _: () = assert!(MAX_WEBHOOK_BODY >= MAX_EVENT_BODY && MAX_WEBHOOK_BODY >= MAX_BODY);
/// `POST /v1/events`: 256 KiB of `data` plus its envelope (the data itself is checked apart).
pub const MAX_EVENT_BODY: usize = 256 * 1024 + 4 * 1024;

impl Operation {
    /// Whether the answer can carry a secret, a key, a token or a custom header value (a
    /// receiver's credential, also echoed in an attempt's `response_body`): it is sent with
    /// `Cache-Control: no-store`, so that no browser or proxy keeps it.
    pub fn answer_holds_credentials(self) -> bool {
        use Operation as O;
        match self {
            O::CreateWebhook
            | O::ListWebhooks
            | O::GetWebhook
            | O::PatchWebhook
            | O::PutWebhook
            | O::GetWebhookSecret
            | O::RotateWebhookSecret
            | O::PingWebhook
            | O::ListExecutions
            | O::GetExecution
            | O::RetryExecution
            | O::CreatePortalSession
            | O::CreateTenantKey => true,
            O::DeleteWebhook
            | O::RecoverWebhook
            | O::GetWebhookStats
            | O::PublishEvent
            | O::ListEvents
            | O::GetEvent
            | O::ListTenantKeys
            | O::GetTenantSettings
            | O::UpdateTenantSettings
            | O::RevokeTenantKey
            | O::CreateEventType
            | O::ListEventTypes
            | O::GetEventType
            | O::UpdateEventType
            | O::DeleteEventType => false,
        }
    }
}

/// Declares every HTTP function once, with the operations it serves: generates the
/// `Function` and `Operation` enums, the functions' names and `ROUTES`.
macro_rules! http_functions {
    ($(
        $function:ident $name:literal {
            $($operation:ident: $method:ident $path:literal, $scope:ident, $tenancy:ident, $max_body:ident;)+
        }
    )+) => {
        /// One Lambda function of the HTTP API.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Function {
            $($function,)+
        }

        impl Function {
            pub const ALL: [Function; <[&str]>::len(&[$($name),+])] = [$(Function::$function),+];

            /// The function's name: its `Handler` in `template.yaml`, its `cargo lambda`
            /// binary and its `x-hookline-function` in `openapi.yaml`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Function::$function => $name,)+
                }
            }
        }

        /// One operation of the contract.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Operation {
            $($($operation,)+)+
        }

        pub static ROUTES: &[Route] = &[
            $($(Route {
                method: Method::$method,
                path: $path,
                operation: Operation::$operation,
                function: Function::$function,
                scope: Scope::$scope,
                tenancy: Tenancy::$tenancy,
                max_body: $max_body,
            },)+)+
        ];
    };
}

http_functions! {
    CreateWebhook "create-webhook" {
        CreateWebhook: POST "/v1/webhooks", WebhooksAdd, Header, MAX_WEBHOOK_BODY;
    }
    ListWebhooks "list-webhooks" {
        ListWebhooks: GET "/v1/webhooks", WebhooksView, Header, MAX_BODY;
    }
    GetWebhook "get-webhook" {
        GetWebhook: GET "/v1/webhooks/{id}", WebhooksView, Header, MAX_BODY;
    }
    UpdateWebhook "update-webhook" {
        PatchWebhook: PATCH "/v1/webhooks/{id}", WebhooksEdit, Header, MAX_WEBHOOK_BODY;
        PutWebhook: PUT "/v1/webhooks/{id}", WebhooksEdit, Header, MAX_WEBHOOK_BODY;
    }
    DeleteWebhook "delete-webhook" {
        DeleteWebhook: DELETE "/v1/webhooks/{id}", WebhooksRemove, Header, MAX_BODY;
    }
    PingWebhook "ping-webhook" {
        PingWebhook: POST "/v1/webhooks/{id}/ping", WebhooksEdit, Header, MAX_BODY;
    }
    GetWebhookSecret "get-webhook-secret" {
        GetWebhookSecret: GET "/v1/webhooks/{id}/secret", WebhooksEdit, Header, MAX_BODY;
    }
    RotateWebhookSecret "rotate-webhook-secret" {
        RotateWebhookSecret: POST "/v1/webhooks/{id}/secret/rotate", WebhooksEdit, Header, MAX_BODY;
    }
    ListExecutions "list-executions" {
        ListExecutions: GET "/v1/webhooks/{id}/executions", WebhooksView, Header, MAX_BODY;
    }
    RecoverWebhook "recover-webhook" {
        RecoverWebhook: POST "/v1/webhooks/{id}/recover", WebhooksEdit, Header, MAX_BODY;
    }
    GetWebhookStats "get-webhook-stats" {
        GetWebhookStats: GET "/v1/webhooks/{id}/stats", WebhooksView, Header, MAX_BODY;
    }
    GetExecution "get-execution" {
        GetExecution: GET "/v1/webhooks/{id}/executions/{execution_id}", WebhooksView, Header, MAX_BODY;
    }
    RetryExecution "retry-execution" {
        RetryExecution: POST "/v1/webhooks/{id}/executions/{execution_id}/retry", WebhooksEdit, Header, MAX_BODY;
    }
    PublishEvent "publish-event" {
        PublishEvent: POST "/v1/events", EventsPublish, Header, MAX_EVENT_BODY;
    }
    ListEvents "list-events" {
        ListEvents: GET "/v1/events", WebhooksView, Header, MAX_BODY;
    }
    GetEvent "get-event" {
        GetEvent: GET "/v1/events/{id}", WebhooksView, Header, MAX_BODY;
    }
    CreatePortalSession "create-portal-session" {
        CreatePortalSession: POST "/v1/portal/sessions", Operator, Body, MAX_BODY;
    }
    CreateTenantKey "create-tenant-key" {
        CreateTenantKey: POST "/v1/tenants/{tenant}/keys", Operator, Path, MAX_BODY;
    }
    ListTenantKeys "list-tenant-keys" {
        ListTenantKeys: GET "/v1/tenants/{tenant}/keys", Operator, Path, MAX_BODY;
    }
    TenantSettings "tenant-settings" {
        GetTenantSettings: GET "/v1/tenants/{tenant}/settings", Operator, Path, MAX_BODY;
        UpdateTenantSettings: PATCH "/v1/tenants/{tenant}/settings", Operator, Path, MAX_BODY;
    }
    RevokeTenantKey "revoke-tenant-key" {
        RevokeTenantKey: DELETE "/v1/tenants/{tenant}/keys/{key_id}", Operator, Path, MAX_BODY;
    }
    CreateEventType "create-event-type" {
        CreateEventType: POST "/v1/event-types", Operator, Deployment, MAX_BODY;
    }
    ListEventTypes "list-event-types" {
        ListEventTypes: GET "/v1/event-types", WebhooksView, Deployment, MAX_BODY;
    }
    GetEventType "get-event-type" {
        GetEventType: GET "/v1/event-types/{name}", WebhooksView, Deployment, MAX_BODY;
    }
    UpdateEventType "update-event-type" {
        UpdateEventType: PATCH "/v1/event-types/{name}", Operator, Deployment, MAX_BODY;
    }
    DeleteEventType "delete-event-type" {
        DeleteEventType: DELETE "/v1/event-types/{name}", Operator, Deployment, MAX_BODY;
    }
}

/// Path parameters by name, in the order of the template.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathParams(Vec<(&'static str, String)>);

impl PathParams {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the route table says of a method and path.
#[derive(Debug)]
pub enum RouteMatch {
    Found(&'static Route, PathParams),
    /// The path exists, not with this method: 405 with these in `Allow`.
    MethodNotAllowed(Vec<Method>),
    NotFound,
}

fn match_template(template: &'static str, path: &str) -> Option<PathParams> {
    let mut params = Vec::new();
    let mut want = template.split('/');
    let mut have = path.split('/');
    loop {
        match (want.next(), have.next()) {
            (None, None) => return Some(PathParams(params)),
            (Some(w), Some(h)) => {
                if let Some(name) = w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                    if h.is_empty() {
                        return None;
                    }
                    params.push((name, h.to_owned()));
                } else if w != h {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

/// Which routes one process serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Served {
    /// Every route: the local server.
    All,
    /// One Lambda function's routes.
    Function(Function),
}

impl Served {
    pub fn includes(self, route: &Route) -> bool {
        match self {
            Served::All => true,
            Served::Function(f) => route.function == f,
        }
    }
}

/// Finds the route for `method` and `path`.
pub fn find(method: &Method, path: &str) -> RouteMatch {
    let mut allowed = Vec::new();
    for route in ROUTES {
        if let Some(params) = match_template(route.path, path) {
            if route.method == method {
                return RouteMatch::Found(route, params);
            }
            allowed.push(route.method.clone());
        }
    }
    if allowed.is_empty() {
        RouteMatch::NotFound
    } else {
        RouteMatch::MethodNotAllowed(allowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_routes_with_their_parameters() {
        let RouteMatch::Found(route, params) = find(&Method::GET, "/v1/webhooks/abc/secret") else {
            panic!("no match")
        };
        assert_eq!(route.operation, Operation::GetWebhookSecret);
        assert_eq!(params.get("id"), Some("abc"));
    }

    #[test]
    fn a_known_path_with_another_method_is_405_and_an_unknown_path_404() {
        match find(&Method::POST, "/v1/webhooks/abc") {
            RouteMatch::MethodNotAllowed(allow) => {
                assert_eq!(
                    allow,
                    vec![Method::GET, Method::PATCH, Method::PUT, Method::DELETE]
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            find(&Method::GET, "/v1/nope"),
            RouteMatch::NotFound
        ));
        assert!(matches!(
            find(&Method::GET, "/v1/webhooks/"),
            RouteMatch::NotFound
        ));
        assert!(matches!(
            find(&Method::GET, "/v1/webhooks/a/b"),
            RouteMatch::NotFound
        ));
    }

    #[test]
    fn each_route_acts_on_one_kind_of_data() {
        for route in ROUTES {
            let expected = match route.path {
                p if p.starts_with("/v1/event-types") => Tenancy::Deployment,
                p if p.starts_with("/v1/tenants/") => Tenancy::Path,
                "/v1/portal/sessions" => Tenancy::Body,
                _ => Tenancy::Header,
            };
            assert_eq!(route.tenancy, expected, "{}", route.path);
            if matches!(route.tenancy, Tenancy::Path | Tenancy::Body) {
                assert_eq!(route.scope, Scope::Operator, "{}", route.path);
            }
        }
    }

    #[test]
    fn every_function_serves_at_least_one_route() {
        for f in Function::ALL {
            assert!(ROUTES.iter().any(|r| r.function == f), "{f:?}");
        }
    }
}
