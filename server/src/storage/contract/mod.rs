//! The contract of each store trait: one suite per trait, and every implementation passes
//! it. Each suite runs on a fresh SQLite database (a real file in its own folder, as the
//! server uses), on a fresh PostgreSQL database, and on the in-memory version:
//! `app::services::memory::MemoryStore` for the app's traits, [`MemoryPractice`] for the
//! practice server's. SQLite and PostgreSQL are the product: where the memory version
//! disagrees, it is wrong.

mod app_stores;
mod practice_stores;

use app::services::memory::MemoryStore;

use super::memory::MemoryPractice;
use super::Db;

/// A fresh SQLite database in its own folder (gone with the folder).
async fn sqlite() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::open(&format!("sqlite:{}", dir.path().join("lab.db").display())).await.expect("open");
    (dir, db)
}

/// Wait until the clock has moved to the next second, so that what is stored next is
/// stored later (the stores keep times in whole seconds).
async fn next_second() {
    let start = app::services::now_unix();
    while app::services::now_unix() == start {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// `mod $name` with three tests: `$suite` holds on SQLite, on PostgreSQL (a database of
/// its own on the test server `make test` starts) and on `$memory`.
macro_rules! holds_on_both {
    ($name:ident: $suite:path, $memory:expr) => {
        mod $name {
            use super::*;

            #[tokio::test]
            async fn holds_on_sqlite() {
                let (_dir, db) = sqlite().await;
                $suite(&db).await;
            }

            #[tokio::test]
            async fn holds_on_postgres() {
                let Some(url) = crate::testing::postgres_database("contract").await else { return };
                let db = Db::open(&url).await.expect("open");
                $suite(&db).await;
            }

            #[tokio::test]
            async fn holds_in_memory() {
                $suite(&$memory).await;
            }
        }
    };
}

holds_on_both!(progress_store: app_stores::progress, MemoryStore::default());
holds_on_both!(progress_store_under_concurrent_writes: app_stores::progress_under_concurrent_writes, MemoryStore::default());
holds_on_both!(learner_reads: app_stores::learner_reads, MemoryStore::default());
holds_on_both!(practice_app_store: app_stores::practice_apps, MemoryStore::default());
holds_on_both!(practice_clients: app_stores::practice_clients, MemoryStore::default());
holds_on_both!(receipts: app_stores::receipts, MemoryStore::default());
holds_on_both!(server_choice_store: app_stores::server_choices, MemoryStore::default());
holds_on_both!(instructor_store_sessions: app_stores::instructor_sessions, MemoryStore::default());
holds_on_both!(instructor_store_classes: app_stores::instructor_classes, MemoryStore::default());
holds_on_both!(instructor_store_learner_pages: app_stores::instructor_learner_pages, MemoryStore::default());
holds_on_both!(code_store: practice_stores::codes, MemoryPractice::default());
holds_on_both!(token_store: practice_stores::tokens, MemoryPractice::default());
holds_on_both!(token_store_family_revocations: practice_stores::family_revocations, MemoryPractice::default());
holds_on_both!(issued_tokens: practice_stores::issued, MemoryPractice::default());
holds_on_both!(consent_store: practice_stores::consents, MemoryPractice::default());
holds_on_both!(key_store: practice_stores::keys, MemoryPractice::default());
