//! The route table: the single source of every route, its scope and the Lambda serving it.
//! The local server's router, `template.yaml`'s HttpApi events, `openapi.yaml` and the
//! `cargo lambda watch` router are all checked against it by tests.

use crate::domain::Scope;
use http::Method;

/// One Lambda function of the HTTP API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Function {
    CreateWebhook,
    ListWebhooks,
    GetWebhook,
    UpdateWebhook,
    DeleteWebhook,
    GetWebhookSecret,
    RotateWebhookSecret,
    PingWebhook,
    ListExecutions,
    GetExecution,
    RetryExecution,
    PublishEvent,
    GetEvent,
    CreateTenantKey,
    ListTenantKeys,
    RevokeTenantKey,
    CreateEventType,
    ListEventTypes,
    GetEventType,
    UpdateEventType,
    DeleteEventType,
    ListEvents,
    RecoverWebhook,
    GetWebhookStats,
    CreatePortalSession,
}

impl Function {
    pub const ALL: [Function; 25] = [
        Function::CreateWebhook,
        Function::ListWebhooks,
        Function::GetWebhook,
        Function::UpdateWebhook,
        Function::DeleteWebhook,
        Function::GetWebhookSecret,
        Function::RotateWebhookSecret,
        Function::PingWebhook,
        Function::ListExecutions,
        Function::GetExecution,
        Function::RetryExecution,
        Function::PublishEvent,
        Function::GetEvent,
        Function::CreateTenantKey,
        Function::ListTenantKeys,
        Function::RevokeTenantKey,
        Function::CreateEventType,
        Function::ListEventTypes,
        Function::GetEventType,
        Function::UpdateEventType,
        Function::DeleteEventType,
        Function::ListEvents,
        Function::RecoverWebhook,
        Function::GetWebhookStats,
        Function::CreatePortalSession,
    ];

    /// The crate, binary and cargo-lambda function name.
    pub fn name(self) -> &'static str {
        match self {
            Function::CreateWebhook => "create-webhook",
            Function::ListWebhooks => "list-webhooks",
            Function::GetWebhook => "get-webhook",
            Function::UpdateWebhook => "update-webhook",
            Function::DeleteWebhook => "delete-webhook",
            Function::GetWebhookSecret => "get-webhook-secret",
            Function::RotateWebhookSecret => "rotate-webhook-secret",
            Function::PingWebhook => "ping-webhook",
            Function::ListExecutions => "list-executions",
            Function::GetExecution => "get-execution",
            Function::RetryExecution => "retry-execution",
            Function::PublishEvent => "publish-event",
            Function::GetEvent => "get-event",
            Function::CreateTenantKey => "create-tenant-key",
            Function::ListTenantKeys => "list-tenant-keys",
            Function::RevokeTenantKey => "revoke-tenant-key",
            Function::CreateEventType => "create-event-type",
            Function::ListEventTypes => "list-event-types",
            Function::GetEventType => "get-event-type",
            Function::UpdateEventType => "update-event-type",
            Function::DeleteEventType => "delete-event-type",
            Function::ListEvents => "list-events",
            Function::RecoverWebhook => "recover-webhook",
            Function::GetWebhookStats => "get-webhook-stats",
            Function::CreatePortalSession => "create-portal-session",
        }
    }
}

/// One operation of the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    CreateWebhook,
    ListWebhooks,
    GetWebhook,
    PatchWebhook,
    PutWebhook,
    DeleteWebhook,
    GetWebhookSecret,
    RotateWebhookSecret,
    PingWebhook,
    ListExecutions,
    GetExecution,
    RetryExecution,
    PublishEvent,
    GetEvent,
    CreateTenantKey,
    ListTenantKeys,
    RevokeTenantKey,
    CreateEventType,
    ListEventTypes,
    GetEventType,
    UpdateEventType,
    DeleteEventType,
    ListEvents,
    RecoverWebhook,
    GetWebhookStats,
    CreatePortalSession,
}

/// Whose data a route acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tenancy {
    /// A tenant's: the key's own, or the one an operator key names in `Hookline-Tenant`.
    Header,
    /// The tenant named in the path (`/v1/tenants/{tenant}/...`): operator routes.
    Path,
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
    /// The largest request body accepted, in bytes; larger is 413 before any parsing.
    pub max_body: usize,
}

impl Route {
    pub fn tenancy(&self) -> Tenancy {
        if self.path.starts_with("/v1/event-types") {
            Tenancy::Deployment
        } else if self.path.contains("{tenant}") {
            Tenancy::Path
        } else {
            Tenancy::Header
        }
    }
}

pub const MAX_BODY: usize = 64 * 1024;
/// A webhook's create or update: every field's limit at once, in UTF-8 (filters of 4-byte
/// characters alone take half a megabyte), fits.
pub const MAX_WEBHOOK_BODY: usize = 1024 * 1024;
const _: () = assert!(MAX_WEBHOOK_BODY >= MAX_EVENT_BODY && MAX_WEBHOOK_BODY >= MAX_BODY);
/// `POST /v1/events`: 256 KiB of `data` plus its envelope (the data itself is checked apart).
pub const MAX_EVENT_BODY: usize = 256 * 1024 + 4 * 1024;

pub static ROUTES: &[Route] = &[
    Route {
        method: Method::POST,
        path: "/v1/webhooks",
        operation: Operation::CreateWebhook,
        function: Function::CreateWebhook,
        scope: Scope::WebhooksAdd,
        max_body: MAX_WEBHOOK_BODY,
    },
    Route {
        method: Method::GET,
        path: "/v1/webhooks",
        operation: Operation::ListWebhooks,
        function: Function::ListWebhooks,
        scope: Scope::WebhooksView,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::GET,
        path: "/v1/webhooks/{id}",
        operation: Operation::GetWebhook,
        function: Function::GetWebhook,
        scope: Scope::WebhooksView,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::PATCH,
        path: "/v1/webhooks/{id}",
        operation: Operation::PatchWebhook,
        function: Function::UpdateWebhook,
        scope: Scope::WebhooksEdit,
        max_body: MAX_WEBHOOK_BODY,
    },
    Route {
        method: Method::PUT,
        path: "/v1/webhooks/{id}",
        operation: Operation::PutWebhook,
        function: Function::UpdateWebhook,
        scope: Scope::WebhooksEdit,
        max_body: MAX_WEBHOOK_BODY,
    },
    Route {
        method: Method::DELETE,
        path: "/v1/webhooks/{id}",
        operation: Operation::DeleteWebhook,
        function: Function::DeleteWebhook,
        scope: Scope::WebhooksRemove,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::POST,
        path: "/v1/webhooks/{id}/ping",
        operation: Operation::PingWebhook,
        function: Function::PingWebhook,
        scope: Scope::WebhooksEdit,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::GET,
        path: "/v1/webhooks/{id}/secret",
        operation: Operation::GetWebhookSecret,
        function: Function::GetWebhookSecret,
        scope: Scope::WebhooksEdit,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::POST,
        path: "/v1/webhooks/{id}/secret/rotate",
        operation: Operation::RotateWebhookSecret,
        function: Function::RotateWebhookSecret,
        scope: Scope::WebhooksEdit,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::GET,
        path: "/v1/webhooks/{id}/executions",
        operation: Operation::ListExecutions,
        function: Function::ListExecutions,
        scope: Scope::WebhooksView,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::POST,
        path: "/v1/webhooks/{id}/recover",
        operation: Operation::RecoverWebhook,
        function: Function::RecoverWebhook,
        scope: Scope::WebhooksEdit,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::GET,
        path: "/v1/webhooks/{id}/stats",
        operation: Operation::GetWebhookStats,
        function: Function::GetWebhookStats,
        scope: Scope::WebhooksView,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::GET,
        path: "/v1/webhooks/{id}/executions/{execution_id}",
        operation: Operation::GetExecution,
        function: Function::GetExecution,
        scope: Scope::WebhooksView,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::POST,
        path: "/v1/webhooks/{id}/executions/{execution_id}/retry",
        operation: Operation::RetryExecution,
        function: Function::RetryExecution,
        scope: Scope::WebhooksEdit,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::POST,
        path: "/v1/events",
        operation: Operation::PublishEvent,
        function: Function::PublishEvent,
        scope: Scope::EventsPublish,
        max_body: MAX_EVENT_BODY,
    },
    Route {
        method: Method::GET,
        path: "/v1/events",
        operation: Operation::ListEvents,
        function: Function::ListEvents,
        scope: Scope::WebhooksView,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::GET,
        path: "/v1/events/{id}",
        operation: Operation::GetEvent,
        function: Function::GetEvent,
        scope: Scope::WebhooksView,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::POST,
        path: "/v1/portal/sessions",
        operation: Operation::CreatePortalSession,
        function: Function::CreatePortalSession,
        scope: Scope::Operator,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::POST,
        path: "/v1/tenants/{tenant}/keys",
        operation: Operation::CreateTenantKey,
        function: Function::CreateTenantKey,
        scope: Scope::Operator,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::GET,
        path: "/v1/tenants/{tenant}/keys",
        operation: Operation::ListTenantKeys,
        function: Function::ListTenantKeys,
        scope: Scope::Operator,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::DELETE,
        path: "/v1/tenants/{tenant}/keys/{key_id}",
        operation: Operation::RevokeTenantKey,
        function: Function::RevokeTenantKey,
        scope: Scope::Operator,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::POST,
        path: "/v1/event-types",
        operation: Operation::CreateEventType,
        function: Function::CreateEventType,
        scope: Scope::Operator,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::GET,
        path: "/v1/event-types",
        operation: Operation::ListEventTypes,
        function: Function::ListEventTypes,
        scope: Scope::WebhooksView,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::GET,
        path: "/v1/event-types/{name}",
        operation: Operation::GetEventType,
        function: Function::GetEventType,
        scope: Scope::WebhooksView,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::PATCH,
        path: "/v1/event-types/{name}",
        operation: Operation::UpdateEventType,
        function: Function::UpdateEventType,
        scope: Scope::Operator,
        max_body: MAX_BODY,
    },
    Route {
        method: Method::DELETE,
        path: "/v1/event-types/{name}",
        operation: Operation::DeleteEventType,
        function: Function::DeleteEventType,
        scope: Scope::Operator,
        max_body: MAX_BODY,
    },
];

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
                _ => Tenancy::Header,
            };
            assert_eq!(route.tenancy(), expected, "{}", route.path);
            if route.tenancy() == Tenancy::Path {
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
