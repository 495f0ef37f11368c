//! The contract of each store trait: one suite per trait, and every implementation passes
//! it. Each suite runs on a fresh SQLite database (a real file in its own folder, as the
//! server uses), on a fresh PostgreSQL database, and on the in-memory version:
//! `app::services::memory::MemoryStore` for the app's traits, [`MemoryPractice`] for the
//! practice server's. SQLite and PostgreSQL are the product: where the memory version
//! disagrees, it is wrong.

mod app_stores;
mod practice_stores;
mod shared_state;

use std::sync::Arc;

use app::services::flash::{Caps, Flash};
use app::services::instructor::{LoginAttempts, LoginThrottle, ResetLog};
use app::services::memory::MemoryStore;

use super::memory::MemoryPractice;
use super::{Db, KeyedThrottle, SealedPageViews, ServerKey};

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
/// its own on the test server `make test` starts) and on `$memory`. With `|db| $store`,
/// the suite runs on `$store` made over each database (a store that wraps `Db`).
macro_rules! holds_on_all {
    ($name:ident: $suite:path, $memory:expr) => {
        holds_on_all!($name: $suite, |db| db, $memory);
    };
    ($name:ident: $suite:path, |$db:ident| $store:expr, $memory:expr) => {
        mod $name {
            use super::*;

            #[tokio::test]
            async fn holds_on_sqlite() {
                let (_dir, $db) = sqlite().await;
                $suite(&$store).await;
            }

            #[tokio::test]
            async fn holds_on_postgres() {
                let Some(url) = crate::testing::postgres_database("contract").await else { return };
                let $db = Db::open(&url).await.expect("open");
                $suite(&$store).await;
            }

            #[tokio::test]
            async fn holds_in_memory() {
                $suite(&$memory).await;
            }
        }
    };
}

holds_on_all!(progress_store: app_stores::progress, MemoryStore::default());
holds_on_all!(progress_store_under_concurrent_writes: app_stores::progress_under_concurrent_writes, MemoryStore::default());
holds_on_all!(learner_reads: app_stores::learner_reads, MemoryStore::default());
holds_on_all!(practice_app_store: app_stores::practice_apps, MemoryStore::default());
holds_on_all!(practice_clients: app_stores::practice_clients, MemoryStore::default());
holds_on_all!(receipts: app_stores::receipts, MemoryStore::default());
holds_on_all!(server_choice_store: app_stores::server_choices, MemoryStore::default());
holds_on_all!(instructor_store_sessions: app_stores::instructor_sessions, MemoryStore::default());
holds_on_all!(instructor_store_classes: app_stores::instructor_classes, MemoryStore::default());
holds_on_all!(instructor_store_learner_pages: app_stores::instructor_learner_pages, MemoryStore::default());
holds_on_all!(code_store: practice_stores::codes, MemoryPractice::default());
holds_on_all!(token_store: practice_stores::tokens, MemoryPractice::default());
holds_on_all!(token_store_family_revocations: practice_stores::family_revocations, MemoryPractice::default());
holds_on_all!(issued_tokens: practice_stores::issued, MemoryPractice::default());
holds_on_all!(consent_store: practice_stores::consents, MemoryPractice::default());
holds_on_all!(key_store: practice_stores::keys, MemoryPractice::default());
holds_on_all!(recent_resets: shared_state::resets, ResetLog::default());

/// The login throttle over `db`, its keys keyed by a fresh server key.
fn keyed(db: Db) -> KeyedThrottle {
    KeyedThrottle::new(db, &ServerKey::random())
}

/// The page views over `db`, sealed under a fresh server key, with `caps`.
fn sealed(db: Db, caps: Caps) -> SealedPageViews {
    SealedPageViews::with_caps(db, &ServerKey::random(), caps)
}

holds_on_all!(login_attempts: shared_state::throttle, |db| keyed(db), LoginThrottle::default());
holds_on_all!(
    page_views: shared_state::page_views,
    |db| sealed(db, Caps::default()),
    Flash::with_caps(Caps::default())
);
holds_on_all!(
    page_views_expire: shared_state::page_views_expire,
    |db| sealed(db, shared_state::one_second()),
    Flash::with_caps(shared_state::one_second())
);
holds_on_all!(
    page_views_flooded: shared_state::page_views_flooded,
    |db| sealed(db, shared_state::small()),
    Flash::with_caps(shared_state::small())
);

/// Twenty attempts at once against a limit of five: exactly five pass, on SQLite,
/// PostgreSQL and in memory.
mod login_attempts_under_concurrent_attempts {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn holds_on_sqlite() {
        let (_dir, db) = sqlite().await;
        let through =
            shared_state::throttle_under_concurrent_attempts(Arc::new(keyed(db)) as Arc<dyn LoginAttempts>, 20)
                .await;
        assert_eq!(through, 5);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn holds_on_postgres() {
        let Some(url) = crate::testing::postgres_database("contract").await else { return };
        let db = Db::open(&url).await.expect("open");
        let through =
            shared_state::throttle_under_concurrent_attempts(Arc::new(keyed(db)) as Arc<dyn LoginAttempts>, 20)
                .await;
        assert_eq!(through, 5);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn holds_in_memory() {
        let through =
            shared_state::throttle_under_concurrent_attempts(Arc::new(LoginThrottle::default()), 20).await;
        assert_eq!(through, 5);
    }
}
