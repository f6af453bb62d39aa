//! Lambda authorizer of the HTTP API: resolves `Authorization: Bearer <key>` to a tenant and
//! its scopes; all behaviour lives in the `hookline` crate.

#[tokio::main]
async fn main() -> Result<(), hookline::lambda::Error> {
    hookline::lambda::serve_authorizer().await
}
