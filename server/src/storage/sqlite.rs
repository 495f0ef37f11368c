//! SQLite, the embedded default: one file (made with its folder when missing, readable by
//! the owner only), in WAL mode, migrated with `migrations/sqlite/`.

use std::str::FromStr;

use anyhow::Context;
use sqlx::any::AnyConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::ConnectOptions;

use super::db::{pool_options, Backend, Db};

/// Open (making the file and its folder when missing) and migrate.
pub(super) async fn open(url: &str) -> anyhow::Result<Db> {
    refuse_other_schemes(url)?;
    SqliteConnectOptions::from_str(url).with_context(|| format!("cannot open database {url}: not a SQLite URL"))?;
    if let Some(path) = file_of(url) {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            private_dir_all(dir)
                .with_context(|| format!("cannot open database {url}: cannot make {}", dir.display()))?;
        }
        private_file(&path).with_context(|| format!("cannot open database {url}: cannot make the file"))?;
    }
    let options = any_options(url)?;
    let pool = connect(pool_options(8), &options, url).await?;
    sqlx::migrate!("./migrations/sqlite")
        .run(&pool)
        .await
        .with_context(|| format!("cannot migrate database {url}"))?;
    let writer = connect(pool_options(1), &options, url).await?;
    Ok(Db::new(pool, writer, Backend::Sqlite))
}

/// A pool whose every connection is in WAL mode with NORMAL sync: in WAL mode, NORMAL
/// syncs the log at checkpoints, not at each commit; a commit is in the log (the
/// operating system's page cache) when it returns, so every acknowledged write survives
/// the process being killed (SIGKILL, a crash); only a power cut may lose the last
/// commits. (sqlx's defaults already wait 5 s for a lock and enforce foreign keys.)
async fn connect(
    pool: sqlx::any::AnyPoolOptions,
    options: &AnyConnectOptions,
    url: &str,
) -> anyhow::Result<sqlx::AnyPool> {
    pool.after_connect(|conn, _| {
        Box::pin(async move {
            use sqlx::Executor;
            conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON")
                .await
                .map(|_| ())
        })
    })
    .connect_with(options.clone())
    .await
    .with_context(|| format!("cannot open database {url}"))
}

/// The options the Any driver opens `url` with. It reads them from a URL, once per
/// connection: a bare path gets its `sqlite:`, and a database in memory a name of its own,
/// shared by the pool's connections (sqlx would give each connection a new, empty one).
fn any_options(url: &str) -> anyhow::Result<AnyConnectOptions> {
    let named = if in_memory(url) {
        format!("sqlite:file:oauthlab-memory-{:016x}?mode=memory&cache=shared", rand::random::<u64>())
    } else if url.starts_with("sqlite:") {
        url.to_owned()
    } else {
        format!("sqlite:{url}")
    };
    let parsed = url::Url::parse(&named).with_context(|| format!("cannot open database {url}: not a URL"))?;
    // A URL parser folds `a/../b` in some paths: the file opened must be the file made.
    if !in_memory(url) && file_of(parsed.as_str()) != file_of(url) {
        anyhow::bail!("cannot open database {url}: write the path without `..` or `.`, as sqlite:PATH");
    }
    AnyConnectOptions::from_url(&parsed).with_context(|| format!("cannot open database {url}"))
}

/// The file the database lives in, unless it is in memory.
pub(super) fn file_of(url: &str) -> Option<std::path::PathBuf> {
    if in_memory(url) {
        return None;
    }
    let options = SqliteConnectOptions::from_str(url).ok()?;
    let path = options.get_filename();
    (path.as_os_str() != ":memory:" && !path.as_os_str().is_empty()).then(|| path.to_path_buf())
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
/// (`mysql://…`) would otherwise be taken for a file name.
fn refuse_other_schemes(url: &str) -> anyhow::Result<()> {
    let scheme = url.split_once(':').map(|(scheme, _)| scheme).unwrap_or_default();
    let is_scheme = scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if is_scheme && scheme != "sqlite" {
        anyhow::bail!(
            "cannot open database {url}: OAuth Lab stores its data in SQLite (give sqlite:PATH, such \
             as sqlite:data/oauthlab.db) or PostgreSQL (postgres://user@host/database)"
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
            assert_eq!(file_of(url), None, "{url}");
        }
        for (url, file) in
            [("sqlite:data/lab.db", "data/lab.db"), ("sqlite://data/lab.db?mode=rwc", "data/lab.db")]
        {
            assert!(!in_memory(url), "{url}");
            assert_eq!(file_of(url), Some(std::path::PathBuf::from(file)), "{url}");
        }
    }
}
