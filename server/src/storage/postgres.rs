//! PostgreSQL, for several instances on one database: migrated with
//! `migrations/postgres/` (sqlx takes an advisory lock while it migrates, so instances
//! starting together migrate once). The database itself must exist.

use anyhow::Context;
use sqlx::any::AnyConnectOptions;

use super::db::{pool_options, redacted, Backend, Db};

/// The most connections one instance opens: with several instances, mind PostgreSQL's
/// `max_connections` (100 by default).
pub const MAX_CONNECTIONS: u32 = 16;

/// Connect and migrate.
pub(super) async fn open(url: &str) -> anyhow::Result<Db> {
    let shown = redacted(url);
    let options = url
        .parse::<AnyConnectOptions>()
        .with_context(|| format!("cannot open database {shown}: not a PostgreSQL URL"))?;
    let pool = pool_options(MAX_CONNECTIONS)
        .connect_with(options.clone())
        .await
        .with_context(|| format!("cannot open database {shown}"))?;
    sqlx::migrate!("./migrations/postgres")
        .run(&pool)
        .await
        .with_context(|| format!("cannot migrate database {shown}"))?;
    let writer = pool_options(1)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open database {shown}"))?;
    Ok(Db::new(pool, writer, Backend::Postgres))
}
