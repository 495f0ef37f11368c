//! Opening a database by its URL: SQLite or PostgreSQL, whichever the URL names.

use super::db::{Backend, Db};

impl Db {
    /// Open and migrate the database at `url`: `sqlite:PATH` (the file and its folder
    /// are made when missing) or `postgres://user@host/db` (the database must exist).
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        match Backend::of_url(url) {
            Backend::Sqlite => super::sqlite::open(url).await,
            Backend::Postgres => super::postgres::open(url).await,
        }
    }

    /// The file the database lives in, unless it is in memory or on PostgreSQL.
    pub fn file_of(url: &str) -> Option<std::path::PathBuf> {
        match Backend::of_url(url) {
            Backend::Sqlite => super::sqlite::file_of(url),
            Backend::Postgres => None,
        }
    }
}
