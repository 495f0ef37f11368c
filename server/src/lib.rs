//! OAuth Lab's axum server: configuration, start-up, storage, the JSON API and the
//! learner session. The UI lives in the `app` crate, the grading in `oauthlab`.

pub mod config;
pub mod http;
pub mod practice;
pub mod session;
pub mod startup;
pub mod storage;
pub mod telemetry;

use anyhow::Context;

use config::{Cli, Command};

/// Run what the command line asks for.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(serve) => {
            let settings = serve.settings()?;
            let listener = tokio::net::TcpListener::bind(settings.addr)
                .await
                .with_context(|| format!("cannot listen on {}", settings.addr))?;
            let state = startup::AppState::open(&settings).await?;
            tracing::info!(addr = %settings.addr, public_url = %settings.public_url, "serving OAuth Lab");
            startup::serve(listener, state).await.context("server stopped")
        }
    }
}
