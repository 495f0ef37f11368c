//! OAuth Lab's axum server: configuration, start-up, storage, the JSON API and the
//! learner session. The UI lives in the `app` crate, the grading in `oauthlab`.

// Leptos views in islands mode nest deep types: the compiler needs more room to lay them out.
#![recursion_limit = "256"]

pub mod config;
pub mod http;
pub mod practice;
pub mod remote;
pub mod session;
pub mod shared;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod testing;

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
            if let Some(addr) = serve.metrics_addr {
                let bound = http::metrics::listen(addr, state.db.clone()).await?;
                tracing::info!("metrics on http://{bound}/metrics");
            }
            tracing::info!(addr = %settings.addr, public_url = %settings.public_url, "serving OAuth Lab");
            startup::serve(listener, state).await.context("server stopped")
        }
        Command::Instructor(InstructorCommand::Add { email, database }) => {
            let email = email.trim().to_lowercase();
            if !email.contains('@') || email.len() > 254 {
                anyhow::bail!("{email:?} is not an email address");
            }
            let password = read_new_password(&email)?;
            let db = storage::Db::open(&database).await?;
            let hash =
                app::services::instructor::hash_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
            use app::services::instructor::InstructorStore;
            db.upsert_instructor(&email, &hash).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("instructor {email} can now sign in");
            Ok(())
        }
        Command::Keys(KeysCommand::Rotate { database, server_key_file }) => {
            let ring = startup::key_ring(&database, server_key_file.as_deref()).await?;
            let now = app::services::now_unix();
            let key = ring.rotate(now).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            let rsa = ring.rsa(key.generation).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "new access tokens (and ES256 ID tokens) are signed with key {}, RS256 ID tokens with key {}; \
                 the old keys stay published for {} seconds",
                key.kid,
                rsa.kid,
                practice::Lifetimes::default().access_token
            );
            Ok(())
        }
        Command::Housekeeping { database, forget_learners_after, server_key_file } => {
            let housekeeping = startup::Housekeeping::of_database(
                &database,
                forget_learners_after,
                server_key_file.as_deref(),
            )
            .await?;
            let forgotten =
                housekeeping.run(app::services::now_unix()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "forgot {} long-dead codes and tokens, {} expired page views, login attempts and resets, and {}",
                forgotten.codes_and_tokens,
                forgotten.short_lived,
                oauthlab::verdict::count(forgotten.learners, "inactive learner")
            );
            Ok(())
        }
        Command::MigrateData { from, to, from_key_file, server_key_file } => {
            let args = storage::migrate::MigrateData { from, to, from_key_file, server_key_file };
            let moved = storage::migrate::migrate_data(&args).await?;
            let width = moved.tables.iter().map(|(table, _)| table.len()).max().unwrap_or(0);
            for (table, rows) in &moved.tables {
                println!("{table:<width$}  {}", oauthlab::verdict::count(*rows, "row"));
            }
            println!(
                "copied {} in {} to {}",
                oauthlab::verdict::count(moved.total(), "row"),
                oauthlab::verdict::count(u64::try_from(moved.tables.len()).unwrap_or(u64::MAX), "table"),
                storage::redacted(&args.to)
            );
            let key = args.server_key_file.display();
            if moved.key_written {
                println!("the server key is in {key} (mode 0600): give it to every instance");
            } else {
                println!("{key} already held the same server key");
            }
            let shown = storage::redacted(&args.to);
            let password = if shown == args.to { "" } else { " (with the password for ***)" };
            println!("start the instances with: oauthlab serve --database {shown} --server-key-file {key}{password}");
            Ok(())
        }
        Command::Openapi => {
            use std::io::Write;
            std::io::stdout()
                .write_all(http::openapi::document_json().as_bytes())
                .context("cannot write the OpenAPI document to standard output")
        }
    }
}

/// The longest password `instructor add` takes, in bytes.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// A new instructor's password from standard input: asked for twice, without echo, when
/// it is a terminal; otherwise read as piped (a final line break is not part of it).
fn read_new_password(email: &str) -> anyhow::Result<String> {
    use std::io::{IsTerminal, Read};
    let stdin = std::io::stdin();
    let password = if stdin.is_terminal() {
        eprint!("New password for {email} (not shown): ");
        let password = rpassword::read_password().context("cannot read the password from the terminal")?;
        check_new_password(&password).map_err(anyhow::Error::msg)?;
        eprint!("The same password again: ");
        let again = rpassword::read_password().context("cannot read the password from the terminal")?;
        if again != password {
            anyhow::bail!("the two passwords differ: nothing was changed");
        }
        password
    } else {
        // A line break may follow the longest password; one byte more tells it is too long.
        let mut bytes = Vec::new();
        stdin
            .lock()
            .take(u64::try_from(MAX_PASSWORD_BYTES + 3).unwrap_or(u64::MAX))
            .read_to_end(&mut bytes)
            .context("cannot read the password from standard input")?;
        while bytes.last().is_some_and(|b| matches!(b, b'\n' | b'\r')) {
            bytes.pop();
        }
        if bytes.len() > MAX_PASSWORD_BYTES {
            anyhow::bail!(
                "the password (read from standard input) is longer than {MAX_PASSWORD_BYTES} bytes"
            );
        }
        String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("the password (read from standard input) is not UTF-8 text"))?
    };
    check_new_password(&password).map_err(anyhow::Error::msg)?;
    Ok(password)
}

/// Why a new password is refused, in one line.
fn check_new_password(password: &str) -> Result<(), String> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!("the password is longer than {MAX_PASSWORD_BYTES} bytes"));
    }
    if password.chars().count() < 10 {
        return Err("the password (read from standard input) needs at least 10 characters".into());
    }
    if password.trim().is_empty() {
        return Err("the password (read from standard input) is only whitespace".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{check_new_password, MAX_PASSWORD_BYTES};

    #[test]
    fn a_new_password_has_10_characters_to_1024_bytes_and_not_only_whitespace() {
        assert!(check_new_password("correct horse").is_ok());
        assert!(check_new_password(&"é".repeat(MAX_PASSWORD_BYTES / 2)).is_ok());
        for (bad, why) in [
            ("short", "at least 10"),
            ("            ", "only whitespace"),
            (" \t \u{3000}        ", "only whitespace"),
            (&"x".repeat(MAX_PASSWORD_BYTES + 1), "1024 bytes"),
            (&format!("{}x", "é".repeat(MAX_PASSWORD_BYTES / 2)), "1024 bytes"),
        ] {
            let err = check_new_password(bad).expect_err(bad);
            assert!(err.contains(why) && !err.contains('\n'), "{err}");
        }
    }
}
