//! Lambda serving the customer portal's page and assets (`GET /portal`, no authorizer); all
//! behaviour lives in the `hookline` crate.

#[tokio::main]
async fn main() -> Result<(), hookline::lambda::Error> {
    hookline::lambda::serve_portal().await
}
