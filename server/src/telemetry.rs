//! Logs: `tracing` with an `EnvFilter` (`RUST_LOG`). Pasted values, codes, tokens and
//! secrets are never logged: handlers that receive them are `#[instrument(skip_all)]`.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).try_init();
}
