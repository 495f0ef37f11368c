//! Persistence: every store trait's implementation, one file per store, on [`Db`] (the
//! database, SQLite or PostgreSQL: `db.rs`, opened by `open.rs` and migrated in
//! `sqlite.rs` and `postgres.rs`), the server key file, and `migrate.rs`: an install
//! copied from SQLite to PostgreSQL (`oauthlab migrate-data`).
//!
//! The learner-facing traits (`ProgressStore`, `PracticeAppStore`, `ServerChoiceStore`,
//! `IssuedTokens`, `InstructorStore`, and what no instance may keep to itself: `PageViews`,
//! sealed under the server key in `page_views.rs`, `LoginAttempts` in `throttle.rs`,
//! `RecentResets` in `resets.rs`) live in the `app` crate, whose services use them;
//! the practice server's (`CodeStore`, `TokenStore`, `ConsentStore`, `KeyStore`) live here
//! with their records. `contract` is the test suite every implementation passes: SQLite
//! and the in-memory versions (`app::services::memory`, and `memory` here for the
//! practice server's).
//!
//! Nothing here imports from the practice server, the HTTP layer or start-up.

mod apps;
mod codes;
mod consents;
mod db;
mod instructors;
mod issued;
mod jobs;
mod learners;
pub mod migrate;
mod open;
mod page_views;
mod postgres;
mod progress;
mod receipts;
mod resets;
mod server_key;
mod servers;
mod signing_keys;
mod sqlite;
mod throttle;
mod tokens;

#[cfg(test)]
mod contract;
#[cfg(test)]
mod memory;

pub use codes::{CodeRecord, CodeStore};
pub use consents::{Consent, ConsentStore};
pub use jobs::JobClaims;
pub use learners::LearnerHousekeeping;
pub use page_views::SealedPageViews;
pub use throttle::KeyedThrottle;
pub use server_key::{key_beside, ServerKey};
pub use signing_keys::{KeyRecord, KeyStore};
pub use db::{redacted, Backend, Db};
pub use tokens::{FamilyRevocation, TokenKind, TokenRecord, TokenStore};

/// A flag column: both backends keep flags as integers, 0 or 1 (the Any driver reads no
/// SQLite integer as a bool).
pub(crate) fn flag(row: &sqlx::any::AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    use sqlx::Row;
    Ok(row.try_get::<i64, _>(column)? != 0)
}

/// A database error, as the store traits report it (for the operator's log).
pub(crate) fn store_error(err: sqlx::Error) -> app::services::store::StoreError {
    app::services::store::StoreError(err.to_string())
}

/// What redeeming a single-use secret (a code, a refresh token) found.
#[derive(Debug, PartialEq, Eq)]
pub enum Redeemed<T> {
    /// It was unused: it is now used, and this is what it was.
    Fresh(T),
    /// It had been used already: a replay.
    Reused(T),
    Unknown,
}
