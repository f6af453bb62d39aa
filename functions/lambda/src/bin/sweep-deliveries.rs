//! `sweep-deliveries` under `cargo lambda watch` and `invoke`; deployed, `hookline-lambda` runs it.
fn main() -> Result<(), hookline::lambda::Error> {
    hookline_functions::run(Some(env!("CARGO_BIN_NAME")))
}
