//! The route table in `hookline::api::routes` is the single source of the routes: the SAM
//! template's HttpApi events, the OpenAPI paths, the `cargo lambda watch` router and the
//! local server must all say the same.

use hookline::api::ROUTES;
use hookline_tests::{Backend, TestServer};
use std::collections::BTreeSet;

type RouteSet = BTreeSet<(String, String, String)>;

fn root(file: &str) -> String {
    std::fs::read_to_string(format!("{}/../{file}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The API's routes, and the portal's page routes (served with no key).
fn route_table() -> RouteSet {
    ROUTES
        .iter()
        .map(|r| {
            (
                r.method.to_string(),
                r.path.to_owned(),
                r.function.name().to_owned(),
            )
        })
        .chain(hookline::portal::PATHS.iter().map(|path| {
            (
                "GET".to_owned(),
                (*path).to_owned(),
                hookline::portal::FUNCTION.to_owned(),
            )
        }))
        .collect()
}

#[test]
fn the_template_has_exactly_the_route_tables_http_api_events() {
    let template: serde_yaml::Value = serde_yaml::from_str(&root("template.yaml")).unwrap();
    let mut routes = RouteSet::new();
    let mut binaries = BTreeSet::new();
    let mut fallbacks = Vec::new();
    for (_, resource) in template["Resources"].as_mapping().unwrap() {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let binary = resource["Properties"]["Handler"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            resource["Properties"]["CodeUri"], "./",
            "{binary}: SAM's cargo-lambda builder needs the workspace root"
        );
        // One build for every function: SAM shares it among equal build metadata.
        assert_eq!(
            resource["Metadata"]["BuildProperties"]["Binary"], "hookline-lambda",
            "{binary}"
        );
        assert_eq!(resource["Metadata"]["BuildMethod"], "rust-cargolambda");
        binaries.insert(binary.clone());
        if let Some(events) = resource["Properties"]["Events"].as_mapping() {
            for (_, event) in events {
                if event["Type"] == "HttpApi" && event["Properties"]["Path"] == "$default" {
                    fallbacks.push(binary.clone());
                } else if event["Type"] == "HttpApi" {
                    let p = &event["Properties"];
                    routes.insert((
                        p["Method"].as_str().unwrap().to_owned(),
                        p["Path"].as_str().unwrap().to_owned(),
                        binary.clone(),
                    ));
                }
            }
        }
    }
    assert_eq!(routes, route_table());
    assert_eq!(
        fallbacks,
        ["list-webhooks"],
        "one function takes the $default route"
    );
    let expected: BTreeSet<String> = hookline::lambda::Handler::all()
        .map(|h| h.name().to_owned())
        .collect();
    assert_eq!(binaries, expected);
    for binary in binaries {
        // The thin binary `cargo lambda watch` and `invoke` run the function by.
        let wrapper = format!(
            "{}/../functions/lambda/src/bin/{binary}.rs",
            env!("CARGO_MANIFEST_DIR")
        );
        assert!(std::path::Path::new(&wrapper).exists(), "{wrapper}");
    }
}

#[test]
fn openapi_describes_exactly_the_route_tables_operations_and_scopes() {
    let spec: serde_yaml::Value = serde_yaml::from_str(&root("openapi.yaml")).unwrap();
    let mut routes = RouteSet::new();
    for (path, item) in spec["paths"].as_mapping().unwrap() {
        for (method, operation) in item.as_mapping().unwrap() {
            let method = method.as_str().unwrap();
            if method == "parameters" {
                continue;
            }
            let path = path.as_str().unwrap();
            let function = operation["x-hookline-function"]
                .as_str()
                .unwrap()
                .to_owned();
            if hookline::portal::PATHS.contains(&path) {
                // The page is served to anyone: no key, no scope.
                assert_eq!(operation["security"], serde_yaml::Value::Sequence(vec![]));
                routes.insert((method.to_uppercase(), path.to_owned(), function));
                continue;
            }
            let route = ROUTES
                .iter()
                .find(|r| r.path == path && r.method.as_str().eq_ignore_ascii_case(method));
            let route =
                route.unwrap_or_else(|| panic!("{method} {path} is not in the route table"));
            assert_eq!(
                operation["x-hookline-scope"].as_str(),
                Some(route.scope.as_str()),
                "{method} {path}"
            );
            routes.insert((method.to_uppercase(), path.to_owned(), function));
        }
    }
    assert_eq!(routes, route_table());
}

#[test]
fn the_cargo_lambda_watch_router_matches_the_route_table() {
    let manifest: toml::Value = toml::from_str(&root("Cargo.toml")).unwrap();
    let router = manifest["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_table()
        .unwrap();
    let mut routes = RouteSet::new();
    for (path, targets) in router {
        for target in targets.as_array().unwrap() {
            routes.insert((
                target["method"].as_str().unwrap().to_owned(),
                path.clone(),
                target["function"].as_str().unwrap().to_owned(),
            ));
        }
    }
    assert_eq!(routes, route_table());
}

/// The portal's routes reach its function with no authorizer: the page holds no data.
#[test]
fn the_portal_routes_have_no_authorizer() {
    let template: serde_yaml::Value = serde_yaml::from_str(&root("template.yaml")).unwrap();
    let events = template["Resources"]["PortalFunction"]["Properties"]["Events"]
        .as_mapping()
        .unwrap();
    assert_eq!(events.len(), hookline::portal::PATHS.len());
    for (_, event) in events {
        assert_eq!(
            event["Properties"]["Auth"]["Authorizer"], "NONE",
            "{event:?}"
        );
    }
}

#[tokio::test]
async fn the_local_server_serves_every_route_of_the_table() {
    let server = TestServer::start(Backend::Memory).await;
    for route in ROUTES {
        let path = route
            .path
            .replace("{id}", "0197a6c0-0000-7000-8000-000000000000");
        let reply = server.call(None, route.method.clone(), &path, None).await;
        // Unauthenticated, not "no such route": the route exists.
        assert_eq!(
            reply.body["type"], "unauthenticated",
            "{} {}",
            route.method, route.path
        );
    }
}

/// AWS advises a queue's visibility timeout of six times its consumer's timeout: a batch
/// that waited for a throttled function is then not handed out again while it is worked on.
#[test]
fn the_delivery_queue_hides_a_message_six_times_the_functions_timeout() {
    let template: serde_yaml::Value = serde_yaml::from_str(&root("template.yaml")).unwrap();
    let resources = &template["Resources"];
    let visibility = resources["DeliveryQueue"]["Properties"]["VisibilityTimeout"]
        .as_u64()
        .unwrap();
    let timeout = resources["DeliverWebhookFunction"]["Properties"]["Timeout"]
        .as_u64()
        .unwrap();
    assert!(
        visibility >= 6 * timeout,
        "visibility {visibility} s < 6 x the function's {timeout} s"
    );
}

/// The contract queues a delivery left with no task within 15 minutes: the sweep runs every
/// five, and the grace period it leaves a publish is at most ten.
#[test]
fn the_sweep_runs_every_five_minutes_within_the_contracts_fifteen() {
    let template: serde_yaml::Value = serde_yaml::from_str(&root("template.yaml")).unwrap();
    let function = &template["Resources"]["SweepDeliveriesFunction"]["Properties"];
    assert_eq!(function["Handler"], hookline::lambda::Handler::Sweep.name());
    let events = function["Events"].as_mapping().unwrap();
    let schedules: Vec<_> = events
        .values()
        .filter(|e| e["Type"] == "Schedule")
        .map(|e| e["Properties"]["Schedule"].as_str().unwrap())
        .collect();
    assert_eq!(schedules, ["rate(5 minutes)"]);
    let grace = template["Parameters"]["SweepGrace"]["Default"]
        .as_str()
        .unwrap();
    assert_eq!(grace, "5m");
    assert_eq!(
        hookline::config::DEFAULT_SWEEP_GRACE,
        std::time::Duration::from_secs(300),
        "the template's default is the settings' default"
    );
}
