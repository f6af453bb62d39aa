//! Lambda consuming the delivery queue: sends, retries and records each delivery; all
//! behaviour lives in the `hookline` crate.

#[tokio::main]
async fn main() -> Result<(), hookline::lambda::Error> {
    hookline::lambda::serve_delivery().await
}
