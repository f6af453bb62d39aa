//! `hookline-local`: the whole API on a laptop. See `hookline_local::Settings` for the flags.

use clap::Parser;
use hookline_local::banner::print_keys_banner;
use hookline_local::{Settings, spawn};

/// A faster allocator than the system's for the many small allocations of HTTP handling.
/// (The Lambdas keep the system allocator: they serve one request at a time and count size.)
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::parse();
    let _log = hookline::telemetry::init_local(&settings.log_level, settings.log_format);
    let running = spawn(&settings).await?;
    let backend = settings.dynamodb_endpoint.as_deref().unwrap_or("in-memory");
    tracing::info!(addr = %running.addr, backend, strict_urls = settings.strict_urls, "hookline-local is ready");
    // Printed once, whole, in one write: it is the only way to learn the dev keys.
    print_keys_banner(&running.keys, running.addr)?;
    tokio::signal::ctrl_c().await?;
    tracing::info!("shutting down");
    running.shutdown().await
}
