//! Lambda serving `GET /v1/webhooks/{id}/executions/{execution_id}`; all behaviour lives in the `hookline` crate.

#[tokio::main]
async fn main() -> Result<(), hookline::lambda::Error> {
    hookline::lambda::serve_http(hookline::api::Function::GetExecution).await
}
