//! Every Hookline Lambda function, as one deployed binary (`hookline-lambda`, picking its
//! handler from `_HANDLER`) and as thin per-function binaries for `cargo lambda watch`. All
//! behaviour lives in the `hookline` crate.

use hookline::lambda::{Error, Handler};

/// Runs the function named `name` (a `Handler` in `template.yaml`), or with `None` the one
/// Lambda names in `_HANDLER`.
pub fn run(name: Option<&str>) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        match name {
            Some(name) => hookline::lambda::serve(Handler::named(name)?).await,
            None => hookline::lambda::serve_from_env().await,
        }
    })
}
