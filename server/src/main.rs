//! `oauthlab`: OAuth Lab's server and command line.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match server::config::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => err.exit(), // --help, --version
        Err(err) => {
            let args: Vec<String> = std::env::args().skip(1).collect();
            eprintln!("oauthlab: {}", server::config::usage_error(&err, &args));
            return ExitCode::from(2);
        }
    };
    server::telemetry::init();
    match server::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, the reason first: what an operator needs to fix it.
            let reason = format!("{err:#}").replace('\n', " ");
            eprintln!("oauthlab: {reason}");
            ExitCode::FAILURE
        }
    }
}
