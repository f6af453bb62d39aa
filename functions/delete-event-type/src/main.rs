//! Lambda serving `DELETE /v1/event-types/{name}`; all behaviour lives in the `hookline` crate.

#[tokio::main]
async fn main() -> Result<(), hookline::lambda::Error> {
    hookline::lambda::serve_http(hookline::api::Function::DeleteEventType).await
}
