//! `hookline-local`: the whole API on a laptop. See `hookline_local::Settings` for the flags.

use clap::Parser;
use hookline::domain::KeyOwner;
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
    for key in running.keys.iter().filter(|k| k.generated) {
        // Printed once, as the contract says: it is the only way to learn the dev keys.
        let (what, header) = match &key.owner {
            KeyOwner::Tenant(tenant) => (format!("dev API key (tenant {tenant}, all scopes)"), ""),
            KeyOwner::Operator => (
                "dev operator key (any tenant, named in Hookline-Tenant)".to_owned(),
                " -H 'Hookline-Tenant: dev'",
            ),
        };
        eprintln!(
            "\n  {what}:\n\n    {}\n\n  try: curl -H 'Authorization: Bearer {}'{header} http://{}/v1/webhooks\n",
            key.key.expose(),
            key.key.expose(),
            running.addr
        );
    }
    tokio::signal::ctrl_c().await?;
    tracing::info!("shutting down");
    running.shutdown().await
}
