//! Hookline's domain crate: the model, validation, the stores and the API handlers that every
//! Lambda and the local server share. Nothing here knows whether it runs in AWS or on a laptop.
#![forbid(unsafe_code)]

pub mod api;
pub mod aws;
pub mod body;
pub mod budget;
pub mod catalog;
pub mod config;
pub mod context;
pub mod delivery;
pub mod domain;
pub mod ingest;
pub mod lambda;
pub mod metrics;
pub mod portal;
pub mod publish;
pub mod queue;
pub mod quota;
pub mod routing;
pub mod seal;
pub mod store;
pub mod sweep;
pub mod telemetry;
pub mod tenant_settings;
pub mod url_guard;

pub use config::Config;
pub use context::AppContext;

/// The version sent as `User-Agent: Hookline/<version>` and shown by the tools.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
