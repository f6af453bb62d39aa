//! Lambda serving `GET /v1/event-types`; all behaviour lives in the `hookline` crate.

#[tokio::main]
async fn main() -> Result<(), hookline::lambda::Error> {
    hookline::lambda::serve_http(hookline::api::Function::ListEventTypes).await
}
