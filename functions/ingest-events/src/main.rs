//! Lambda consuming the ingest queue: publishes each message's events as `POST /v1/events`
//! does, and dead-letters what can never be published; all behaviour lives in the
//! `hookline` crate.

#[tokio::main]
async fn main() -> Result<(), hookline::lambda::Error> {
    hookline::lambda::serve_ingest().await
}
