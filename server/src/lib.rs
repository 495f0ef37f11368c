//! OAuth Lab's axum server: configuration, start-up, storage, the JSON API and the
//! learner session. The UI lives in the `app` crate, the grading in `oauthlab`.

pub mod config;
pub mod http;
pub mod practice;
pub mod remote;
pub mod session;
pub mod startup;
pub mod storage;
pub mod telemetry;

use anyhow::Context;

use config::{Cli, Command, InstructorCommand, KeysCommand};

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
        Command::Instructor(InstructorCommand::Add { email, database }) => {
            let email = email.trim().to_lowercase();
            if !email.contains('@') || email.len() > 254 {
                anyhow::bail!("{email:?} is not an email address");
            }
            let mut password = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut password)
                .context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\n', '\r']);
            if password.chars().count() < 10 {
                anyhow::bail!("the password (read from standard input) needs at least 10 characters");
            }
            let db = storage::Db::open(&database).await?;
            let hash =
                app::services::instructor::hash_password(password).map_err(|e| anyhow::anyhow!("{e}"))?;
            use app::services::instructor::InstructorStore;
            db.upsert_instructor(&email, &hash).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("instructor {email} can now sign in");
            Ok(())
        }
        Command::Keys(KeysCommand::Rotate { database }) => {
            let ring = startup::key_ring(&database).await?;
            let key = ring.rotate(app::services::now_unix()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "new access tokens are signed with key {}; the old key stays published for {} seconds",
                key.kid,
                practice::Lifetimes::default().access_token
            );
            Ok(())
        }
    }
}
