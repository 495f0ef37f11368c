//! SQLite storage through sqlx: the database is opened and migrated at start-up, and
//! implements the small store traits the app's services use.

mod instructors;
mod keys;
mod sqlite;

pub use keys::ServerKey;
pub use sqlite::Db;
