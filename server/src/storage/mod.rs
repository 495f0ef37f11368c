//! SQLite storage through sqlx: the database is opened and migrated at start-up, and
//! implements the small store traits the app's services use.

mod instructors;
mod keys;
mod servers;
mod sqlite;

pub use keys::ServerKey;
pub use sqlite::Db;

/// A database error, as the store traits report it (for the operator's log).
pub(crate) fn store_error(err: sqlx::Error) -> app::services::store::StoreError {
    app::services::store::StoreError(err.to_string())
}
