//! The SQLite database: opened (made when missing) and migrated at start-up. Each store
//! trait is implemented on [`Db`] in its own file beside this one.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

/// The SQLite database.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: SqlitePool,
    /// Commits progress writes in batches (see `progress.rs`).
    pub(super) progress_writer: super::progress::ProgressWriter,
}

impl Db {
    /// Open (making the file and its folder when missing) and migrate.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        refuse_other_schemes(url)?;
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("cannot open database {url}: not a SQLite URL"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode, NORMAL syncs the log at checkpoints, not at each commit: a
            // commit is in the log (the operating system's page cache) when it returns, so
            // every acknowledged write survives the process being killed (SIGKILL, a
            // crash); only a power cut may lose the last commits.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        if let Some(path) = Self::file_of(url) {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                private_dir_all(dir)
                    .with_context(|| format!("cannot open database {url}: cannot make {}", dir.display()))?;
            }
            private_file(&path)
                .with_context(|| format!("cannot open database {url}: cannot make the file"))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // A connection is not pinged on every acquire: each ping is a round trip to
            // the connection's thread. A broken connection shows as an error of the query.
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await
            .with_context(|| format!("cannot open database {url}"))?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .with_context(|| format!("cannot migrate database {url}"))?;
        // The progress writer has a connection of its own, so a batch never waits in line
        // behind the reads of the requests it is about to answer.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open database {url}"))?;
        let progress_writer = super::progress::ProgressWriter::start(writer);
        Ok(Self { pool, progress_writer })
    }

    /// Whether the database answers a trivial query (`SELECT 1`), for `/healthz`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }

    /// The file the database lives in, unless it is in memory.
    pub fn file_of(url: &str) -> Option<std::path::PathBuf> {
        if in_memory(url) {
            return None;
        }
        let options = SqliteConnectOptions::from_str(url).ok()?;
        let path = options.get_filename();
        (path.as_os_str() != ":memory:" && !path.as_os_str().is_empty()).then(|| path.to_path_buf())
    }
}

/// Whether sqlx keeps the database `url` in memory (`sqlite::memory:`, `mode=memory`): it
/// then names it `file:sqlx-in-memory-<n>`, which is no file to make.
fn in_memory(url: &str) -> bool {
    let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let (database, params) = rest.split_once('?').unwrap_or((rest, ""));
    database == ":memory:"
        || form_urlencoded::parse(params.as_bytes()).any(|(key, value)| key == "mode" && value == "memory")
}

/// Make `dir` and its missing parents, each one this makes readable by the owner only
/// (0700); a folder that exists keeps its mode.
fn private_dir_all(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Make the database file, empty and readable by the owner only (0600), unless it exists.
/// SQLite gives its `-wal` and `-shm` files the mode of the database file, so they are
/// 0600 too.
fn private_file(path: &std::path::Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(err),
    }
}

/// SQLite takes `sqlite:PATH` or a bare path; an address with another scheme
/// (`postgres://…`) would otherwise be taken for a file name.
fn refuse_other_schemes(url: &str) -> anyhow::Result<()> {
    let scheme = url.split_once(':').map(|(scheme, _)| scheme).unwrap_or_default();
    let is_scheme = scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if is_scheme && scheme != "sqlite" {
        anyhow::bail!(
            "cannot open database {url}: OAuth Lab stores its data in SQLite; give sqlite:PATH, \
             such as sqlite:data/oauthlab.db"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_in_memory_has_no_file_to_make() {
        for url in
            ["sqlite::memory:", "sqlite://:memory:", "sqlite://?mode=memory", "sqlite:x.db?mode=memory"]
        {
            assert!(in_memory(url), "{url}");
            assert_eq!(Db::file_of(url), None, "{url}");
        }
        for (url, file) in
            [("sqlite:data/lab.db", "data/lab.db"), ("sqlite://data/lab.db?mode=rwc", "data/lab.db")]
        {
            assert!(!in_memory(url), "{url}");
            assert_eq!(Db::file_of(url), Some(std::path::PathBuf::from(file)), "{url}");
        }
    }
}
