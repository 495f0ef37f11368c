//! The database: SQLite (the embedded default, `sqlite.rs`) or PostgreSQL (several
//! instances on one server, `postgres.rs`), opened and migrated at start-up (`open.rs`). Each store
//! trait is implemented once, on [`Db`], in its own file beside this one: the queries are
//! written for both (`$1` placeholders, integers for times and flags, no function one of
//! them lacks), and where the two dialects differ (JSON aggregates) the store asks
//! [`Backend`] for its own fragment.

use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;

/// Which database a [`Db`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names: PostgreSQL for `postgres://` and
    /// `postgresql://`, SQLite for everything else (`sqlite:PATH` or a bare path).
    pub fn of_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// One of two SQL fragments, this backend's.
    pub fn pick(self, sqlite: &'static str, postgres: &'static str) -> &'static str {
        match self {
            Backend::Sqlite => sqlite,
            Backend::Postgres => postgres,
        }
    }
}

/// The database, SQLite or PostgreSQL.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Commits progress writes in batches (see `progress.rs`).
    pub(super) progress_writer: super::progress::ProgressWriter,
}

/// How long a request waits for a connection before its query fails.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

impl Db {
    /// The database over `pool`, with its progress writer over `writer` (a pool of its
    /// own, so a batch never waits in line behind the reads of the requests it answers).
    pub(super) fn new(pool: AnyPool, writer: AnyPool, backend: Backend) -> Self {
        let progress_writer = super::progress::ProgressWriter::start(writer);
        Self { pool, backend, progress_writer }
    }

    /// Whether the database answers a trivial query (`SELECT 1`), for `/healthz`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }
}

/// Pool options both backends share.
pub(super) fn pool_options(max_connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // A connection is not pinged on every acquire: each ping is a round trip. A
        // broken connection shows as an error of the query.
        .test_before_acquire(false)
}

/// `url` with its password (if any) replaced by `***`, for messages and logs.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_names_its_backend_and_loses_its_password_in_messages() {
        assert_eq!(Backend::of_url("postgres://lab@db/lab"), Backend::Postgres);
        assert_eq!(Backend::of_url("postgresql://lab@db/lab"), Backend::Postgres);
        assert_eq!(Backend::of_url("sqlite:data/lab.db"), Backend::Sqlite);
        assert_eq!(Backend::of_url("data/lab.db"), Backend::Sqlite);
        assert_eq!(redacted("postgres://lab:s3cret@db:5432/lab"), "postgres://lab:***@db:5432/lab");
        assert_eq!(redacted("postgres://lab@db/lab"), "postgres://lab@db/lab");
        assert_eq!(redacted("sqlite:data/lab.db"), "sqlite:data/lab.db");
    }
}
