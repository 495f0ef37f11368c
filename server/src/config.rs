//! The command line, with environment variables as fallbacks.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

use crate::shared::client::TrustedProxies;

#[derive(Debug, Parser)]
#[command(name = "oauthlab", version, about = "OAuth Lab: learn OAuth 2.0 by doing it")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the site, the JSON API and the practice authorization server.
    Serve(ServeArgs),
    /// Manage instructor accounts.
    #[command(subcommand)]
    Instructor(InstructorCommand),
    /// Manage the practice server's signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Print the JSON API's OpenAPI document (`make openapi` writes it to docs/openapi.json).
    Openapi,
    /// Run the hourly housekeeping once: forget long-dead codes and tokens, and learners
    /// inactive for --forget-learners-after days. Works while the server runs.
    Housekeeping {
        /// Database URL: sqlite:PATH or postgres://user@host/database.
        #[arg(long, env = "OAUTHLAB_DATABASE", default_value = "sqlite:data/oauthlab.db")]
        database: String,
        /// Learners inactive this many days are removed (learners in a class are kept).
        #[arg(long, env = "OAUTHLAB_FORGET_LEARNERS_AFTER", default_value_t = 180, value_name = "DAYS")]
        forget_learners_after: u32,
        /// The server key's file (made, mode 0600, when missing); by default the
        /// database's file name with `.key` added. Required on PostgreSQL.
        #[arg(long, env = "OAUTHLAB_SERVER_KEY_FILE", value_name = "PATH")]
        server_key_file: Option<std::path::PathBuf>,
    },
    /// Move an install from SQLite to an empty PostgreSQL database, with its server key
    /// (learners keep their sessions, practice apps their client secrets). Stop the
    /// server first; the SQLite database is only read.
    MigrateData {
        /// The SQLite database to move: sqlite:PATH (the --database the server ran with).
        #[arg(long, value_name = "URL")]
        from: String,
        /// The PostgreSQL database to move it to, which must hold no row:
        /// postgres://user@host/database.
        #[arg(long, value_name = "URL")]
        to: String,
        /// The source's server key; by default the SQLite file's name with `.key` added.
        #[arg(long, value_name = "PATH")]
        from_key_file: Option<std::path::PathBuf>,
        /// Where the instances on PostgreSQL will read the server key (written, mode 0600;
        /// when the file exists, it must hold the same key).
        #[arg(long, value_name = "PATH")]
        server_key_file: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Sign new access tokens with a new key. The old key stays published in the JWKS
    /// while tokens signed with it can live. Works while the server runs.
    Rotate {
        /// Database URL: sqlite:PATH or postgres://user@host/database.
        #[arg(long, env = "OAUTHLAB_DATABASE", default_value = "sqlite:data/oauthlab.db")]
        database: String,
        /// The server key's file (made, mode 0600, when missing); by default the
        /// database's file name with `.key` added. Required on PostgreSQL.
        #[arg(long, env = "OAUTHLAB_SERVER_KEY_FILE", value_name = "PATH")]
        server_key_file: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum InstructorCommand {
    /// Add an instructor, or set a new password for one (ending their sessions); the
    /// password (10 characters to 1024 bytes) is read from standard input, asked for
    /// without echo on a terminal. Works while the server runs.
    Add {
        /// The instructor's email address (their login).
        email: String,
        /// Database URL: sqlite:PATH or postgres://user@host/database.
        #[arg(long, env = "OAUTHLAB_DATABASE", default_value = "sqlite:data/oauthlab.db")]
        database: String,
    },
}

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "OAUTHLAB_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// Database URL: sqlite:PATH (the file and its folder are made when missing) or
    /// postgres://user@host/database (several instances may share it).
    #[arg(long, env = "OAUTHLAB_DATABASE", default_value = "sqlite:data/oauthlab.db")]
    pub database: String,
    /// The file of the server key (32 random bytes: client secrets, sessions and signing
    /// keys are derived from it), made with mode 0600 when missing. By default the
    /// database's file name with `.key` added (a fresh key each start for an in-memory
    /// database). Required on PostgreSQL: several servers sharing one database share
    /// this file.
    #[arg(long, env = "OAUTHLAB_SERVER_KEY_FILE", value_name = "PATH")]
    pub server_key_file: Option<std::path::PathBuf>,
    /// The URL learners use to reach the site; the practice server's issuer.
    /// Defaults to http://<addr>.
    #[arg(long, env = "OAUTHLAB_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Folder of the built site assets (the wasm bundle, CSS, public files).
    #[arg(long, env = "OAUTHLAB_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,
    /// Requests per minute one client may make to the API and the forms.
    #[arg(long, env = "OAUTHLAB_RATE_LIMIT", default_value_t = 600)]
    pub rate_limit: u32,
    /// Learners inactive this many days are removed, with all their rows, by the hourly
    /// housekeeping; learners in a class are kept while the class exists.
    #[arg(long, env = "OAUTHLAB_FORGET_LEARNERS_AFTER", default_value_t = 180, value_name = "DAYS")]
    pub forget_learners_after: u32,
    /// A reverse proxy in front of the server, as an address range (127.0.0.1/32,
    /// 10.0.0.0/8, 2001:db8::/32); repeatable, or comma-separated. For connections from
    /// it, the client address is the one it forwards: in `Forwarded` (which wins when
    /// both are sent), else in `X-Forwarded-For`.
    #[arg(
        long = "trusted-proxy",
        env = "OAUTHLAB_TRUSTED_PROXY",
        value_delimiter = ',',
        value_name = "CIDR"
    )]
    pub trusted_proxy: Vec<String>,
    /// Serve Prometheus metrics at `GET /metrics` on this address (a listener of their
    /// own, never the site's port; port 0 picks a free one). Off when not given.
    #[arg(long, env = "OAUTHLAB_METRICS_ADDR", value_name = "ADDR")]
    pub metrics_addr: Option<SocketAddr>,
}

/// The one line to print (after `oauthlab: `) for a command line clap refused. `args`
/// are the arguments after the program name.
pub fn usage_error(err: &clap::Error, args: &[String]) -> String {
    if err.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        return missing_command(args);
    }
    let rendered = err.render().to_string();
    let first = rendered.lines().next().unwrap_or("invalid arguments");
    format!("{} (see oauthlab --help)", first.trim_start_matches("error: "))
}

/// What to say when no command (or no subcommand) was given: which ones there are.
fn missing_command(args: &[String]) -> String {
    let root = <Cli as clap::CommandFactory>::command();
    let (mut command, mut path) = (&root, Vec::new());
    for arg in args.iter().filter(|a| !a.starts_with('-')) {
        match command.find_subcommand(arg) {
            Some(sub) => {
                path.push(sub.get_name().to_owned());
                command = sub;
            }
            None => break,
        }
    }
    let visible = |c: &clap::Command| !c.is_hide_set() && c.get_name() != "help";
    let choices: Vec<String> = command
        .get_subcommands()
        .filter(|c| visible(c))
        .flat_map(|c| {
            let subs: Vec<String> = c
                .get_subcommands()
                .filter(|s| visible(s))
                .map(|s| format!("{} {}", c.get_name(), s.get_name()))
                .collect();
            if subs.is_empty() {
                vec![c.get_name().to_owned()]
            } else {
                subs
            }
        })
        .collect();
    let list = match choices.as_slice() {
        [rest @ .., last] if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => choices.join(""),
    };
    if path.is_empty() {
        format!("a command is required: {list} (see oauthlab --help)")
    } else {
        let path = path.join(" ");
        format!("{path} needs a command: {list} (see oauthlab {path} --help)")
    }
}

/// Checked settings for a running server.
#[derive(Debug, Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    pub database: String,
    /// The server key's file; `None`: beside the database (`<file>.key`).
    pub server_key_file: Option<std::path::PathBuf>,
    /// Without a trailing slash.
    pub public_url: String,
    pub site_root: String,
    pub rate_limit: u32,
    /// Proxies whose forwarded client address is believed.
    pub trusted_proxies: TrustedProxies,
    /// Days after which an inactive learner (in no class) is removed.
    pub forget_learners_after: u32,
    /// Lifetimes of the practice server's codes and tokens.
    pub lifetimes: crate::practice::Lifetimes,
}

impl ServeArgs {
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let public_url = match &self.public_url {
            Some(url) => parse_public_url(url)?,
            None => format!("http://{}", self.addr),
        };
        Ok(Settings {
            addr: self.addr,
            database: self.database.clone(),
            server_key_file: self.server_key_file.clone(),
            public_url,
            site_root: self.site_root.clone(),
            rate_limit: self.rate_limit.max(1),
            trusted_proxies: TrustedProxies::parse(&self.trusted_proxy).map_err(anyhow::Error::msg)?,
            forget_learners_after: self.forget_learners_after,
            lifetimes: crate::practice::Lifetimes::default(),
        })
    }
}

/// An absolute http(s) URL with no query or fragment, returned without trailing slash.
pub fn parse_public_url(raw: &str) -> anyhow::Result<String> {
    let url = url::Url::parse(raw)
        .map_err(|e| anyhow::anyhow!("--public-url {raw:?} is not an absolute URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        anyhow::bail!("--public-url {raw:?} must be an http or https URL");
    }
    if url.query().is_some() || url.fragment().is_some() {
        anyhow::bail!("--public-url {raw:?} must not have a query or fragment");
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_url_is_normalised_without_trailing_slash() {
        assert_eq!(parse_public_url("http://127.0.0.1:3000/").ok().as_deref(), Some("http://127.0.0.1:3000"));
        assert_eq!(
            parse_public_url("https://lab.example/sub/").ok().as_deref(),
            Some("https://lab.example/sub")
        );
    }

    #[test]
    fn a_missing_command_is_named_with_the_ones_there_are() {
        let cases: &[(&[&str], &str)] = &[
            (
                &[],
                "a command is required: serve, instructor add, keys rotate, openapi, housekeeping or migrate-data \
                 (see oauthlab --help)",
            ),
            (&["instructor"], "instructor needs a command: add (see oauthlab instructor --help)"),
            (&["keys"], "keys needs a command: rotate (see oauthlab keys --help)"),
        ];
        for (args, want) in cases {
            let argv = std::iter::once("oauthlab").chain(args.iter().copied());
            let err = Cli::try_parse_from(argv).expect_err("refused");
            let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
            assert_eq!(usage_error(&err, &args), *want, "{args:?}");
        }
        let err = Cli::try_parse_from(["oauthlab", "serve", "--adr", "x"]).expect_err("refused");
        let line = usage_error(&err, &["serve".into(), "--adr".into(), "x".into()]);
        assert!(line.contains("--adr") && line.ends_with("(see oauthlab --help)"), "{line}");
    }

    #[test]
    fn trusted_proxies_are_repeatable_and_comma_separated_and_a_bad_one_stops_start_up() {
        let serve = |args: &[&str]| {
            let argv = ["oauthlab", "serve"].into_iter().chain(args.iter().copied());
            match Cli::try_parse_from(argv) {
                Ok(Cli { command: Command::Serve(serve) }) => serve.settings(),
                _ => Err(anyhow::anyhow!("not parsed")),
            }
        };
        let settings = serve(&["--trusted-proxy", "127.0.0.1/32", "--trusted-proxy", "10.0.0.0/8,::1"])
            .expect("settings");
        let want = TrustedProxies::parse(&["127.0.0.1/32", "10.0.0.0/8", "::1"]).expect("ranges");
        assert_eq!(settings.trusted_proxies, want);
        assert!(serve(&[]).expect("settings").trusted_proxies.is_empty());
        let err = serve(&["--trusted-proxy", "127.0.0.1/32,10.0.0.0/40"]).expect_err("refused").to_string();
        assert!(err.contains("\"10.0.0.0/40\"") && !err.contains('\n'), "{err}");
    }

    #[test]
    fn public_url_rejects_what_cannot_be_an_issuer() {
        for bad in ["", "lab.example", "ftp://lab.example", "https://lab.example/?x=1"] {
            assert!(parse_public_url(bad).is_err(), "{bad}");
        }
    }
}
