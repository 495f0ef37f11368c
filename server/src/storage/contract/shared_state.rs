//! The contracts of what no instance may keep to itself (issue 16): page views, the login
//! throttle and the reset log. Each suite holds on the database and in memory; the
//! database's own promises (sealed values, rows bounded, housekeeping, two instances
//! racing on one database) are tested on it alone, below the suites.

use std::sync::Arc;

use app::services::flash::{Caps, PageViews, MAX_CODE_BYTES, MAX_KEPT_JWT_BYTES, MAX_TYPED_BYTES};
use app::services::instructor::{InstructorId, LoginAttempts, LoginThrottle, RecentResets, ThrottleKey};
use app::services::{now_unix, LearnerId};
use oauthlab::exercises::refresh::DecodedJwt;

use super::super::page_views::TABLES;
use super::super::{Db, KeyedThrottle, LearnerHousekeeping, SealedPageViews, ServerKey};
use super::{next_second, sqlite};

const R: &str = "refresh";
const WEB: &str = "web-app";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn learner(id: &str) -> LearnerId {
    LearnerId(id.to_owned())
}

fn jwt(claims: serde_json::Value) -> DecodedJwt {
    DecodedJwt { header: serde_json::json!({"alg": "ES256"}), claims }
}

/// What each page view is: put, looked at, taken once, per learner and exercise, bounded
/// in size.
pub async fn page_views(store: &dyn PageViews) {
    let (ada, bob) = (learner("ada"), learner("bob"));
    assert_eq!(store.peek_verifier(&ada, R).await.expect("peek"), None, "nothing put: nothing");
    store.put_verifier(&ada, R, VERIFIER.into()).await.expect("put");
    assert_eq!(store.peek_verifier(&ada, R).await.expect("peek").as_deref(), Some(VERIFIER));
    assert_eq!(
        store.peek_verifier(&ada, R).await.expect("peek").as_deref(),
        Some(VERIFIER),
        "a look keeps it"
    );
    assert_eq!(store.peek_verifier(&ada, WEB).await.expect("peek"), None, "each exercise has its own");
    assert_eq!(store.peek_verifier(&bob, R).await.expect("peek"), None, "each learner has their own");
    store.put_verifier(&ada, R, "another".into()).await.expect("put again");
    assert_eq!(store.take_verifier(&ada, R).await.expect("take").as_deref(), Some("another"), "the last put");
    assert_eq!(store.take_verifier(&ada, R).await.expect("take"), None, "taken once");
    assert_eq!(store.peek_verifier(&ada, R).await.expect("peek"), None);

    store.put_code(&ada, WEB, Some("code-1".into())).await.expect("put code");
    assert_eq!(store.peek_code(&ada, WEB).await.expect("peek").as_deref(), Some("code-1"));
    store.put_code(&ada, WEB, Some("x".repeat(MAX_CODE_BYTES + 1))).await.expect("put a long code");
    assert_eq!(store.peek_code(&ada, WEB).await.expect("peek"), None, "too long: not kept, nor the last");
    store.put_code(&ada, WEB, Some("code-2".into())).await.expect("put code");
    store.put_code(&ada, WEB, None).await.expect("forget code");
    assert_eq!(store.peek_code(&ada, WEB).await.expect("peek"), None, "None forgets it");

    for (who, n) in [(&ada, 1), (&bob, 2)] {
        for index in [3, 4] {
            store
                .put_token(who, (R, index), Some(jwt(serde_json::json!({"n": n, "i": index}))))
                .await
                .expect("put");
        }
    }
    store.put_token(&ada, (WEB, 4), Some(jwt(serde_json::json!({"web": true})))).await.expect("put");
    let tokens = store.peek_tokens(&ada, R).await.expect("peek tokens");
    assert_eq!(tokens.keys().copied().collect::<Vec<_>>(), [3, 4]);
    assert_eq!(tokens.get(&4), Some(&jwt(serde_json::json!({"n": 1, "i": 4}))), "as put");
    store.forget_tokens(&ada, R, 4).await.expect("forget");
    assert_eq!(store.peek_tokens(&ada, R).await.expect("peek").keys().copied().collect::<Vec<_>>(), [3]);
    assert_eq!(store.peek_tokens(&ada, WEB).await.expect("peek").len(), 1, "another exercise's stays");
    assert_eq!(store.peek_tokens(&bob, R).await.expect("peek").len(), 2, "another learner's stays");
    let huge = jwt(serde_json::json!({"pad": "x".repeat(MAX_KEPT_JWT_BYTES)}));
    store.put_token(&ada, (R, 3), Some(huge)).await.expect("put a huge token");
    assert!(store.peek_tokens(&ada, R).await.expect("peek").is_empty(), "too large: not kept, nor the last");
    store.put_token(&bob, (R, 3), None).await.expect("forget");
    assert_eq!(store.peek_tokens(&bob, R).await.expect("peek").keys().copied().collect::<Vec<_>>(), [4]);

    store.put_typed(&ada, (R, 0), "first".into()).await.expect("put typed");
    store.put_typed(&ada, (R, 2), "https://x/?a=1".into()).await.expect("put typed");
    assert_eq!(store.take_typed(&ada, WEB).await.expect("take"), None, "typed in another exercise");
    assert_eq!(
        store.take_typed(&ada, R).await.expect("take"),
        Some((2, "https://x/?a=1".into())),
        "the last"
    );
    assert_eq!(store.take_typed(&ada, R).await.expect("take"), None, "taken once");
    store.put_typed(&ada, (R, 1), "refresh text".into()).await.expect("put typed");
    store.put_typed(&ada, (WEB, 0), "web text".into()).await.expect("put typed");
    assert_eq!(
        store.take_typed(&ada, R).await.expect("take"),
        None,
        "one per learner: the web one replaced it"
    );
    store.put_typed(&bob, (WEB, 1), "bob's".into()).await.expect("put typed");
    assert_eq!(store.take_typed(&ada, WEB).await.expect("take"), Some((0, "web text".into())));
    store.put_typed(&bob, (WEB, 1), "x".repeat(MAX_TYPED_BYTES + 1)).await.expect("put long text");
    assert_eq!(store.take_typed(&bob, WEB).await.expect("take"), None, "too long: not kept, nor the last");
}

/// Caps for the expiry suite: values live one second.
pub fn one_second() -> Caps {
    Caps { ttl: 1, ..Caps::default() }
}

/// With `one_second` caps: an expired value is never returned.
pub async fn page_views_expire(store: &dyn PageViews) {
    let ada = learner("ada");
    store.put_verifier(&ada, R, VERIFIER.into()).await.expect("put");
    store.put_code(&ada, R, Some("code".into())).await.expect("put");
    store.put_token(&ada, (R, 3), Some(jwt(serde_json::json!({})))).await.expect("put");
    store.put_typed(&ada, (R, 1), "typed".into()).await.expect("put");
    assert!(store.peek_verifier(&ada, R).await.expect("peek").is_some(), "alive at first");
    next_second().await;
    next_second().await;
    assert_eq!(store.peek_verifier(&ada, R).await.expect("peek"), None);
    assert_eq!(store.peek_code(&ada, R).await.expect("peek"), None);
    assert!(store.peek_tokens(&ada, R).await.expect("peek").is_empty());
    assert_eq!(store.take_typed(&ada, R).await.expect("take"), None);
    assert_eq!(store.take_verifier(&ada, R).await.expect("take"), None);
}

/// Small caps for the flood suite.
pub fn small() -> Caps {
    Caps { verifiers: 20, tokens: 5, typed: 3, ..Caps::default() }
}

/// With `small` caps: a flood of learners keeps the values put last, the first ones go.
pub async fn page_views_flooded(store: &dyn PageViews) {
    let who = |n: usize| learner(&format!("learner{n}"));
    for n in 0..100 {
        store.put_verifier(&who(n), R, format!("v{n}")).await.expect("put");
        store.put_token(&who(n), (R, 3), Some(jwt(serde_json::json!({"n": n})))).await.expect("put");
        store.put_typed(&who(n), (R, 0), format!("t{n}")).await.expect("put");
    }
    assert_eq!(store.peek_verifier(&who(0), R).await.expect("peek"), None, "the first went first");
    assert_eq!(store.peek_verifier(&who(79), R).await.expect("peek"), None);
    // Learner 80, the oldest kept, puts again: now the newest, so the next learner's
    // verifier pushes out learner 81's instead.
    store.put_verifier(&who(80), R, "again".into()).await.expect("put");
    store.put_verifier(&who(100), R, "v100".into()).await.expect("put");
    assert_eq!(store.peek_verifier(&who(100), R).await.expect("peek").as_deref(), Some("v100"));
    assert_eq!(store.peek_verifier(&who(99), R).await.expect("peek").as_deref(), Some("v99"));
    assert_eq!(store.peek_verifier(&who(80), R).await.expect("peek").as_deref(), Some("again"));
    assert_eq!(store.peek_verifier(&who(81), R).await.expect("peek"), None);
    assert_eq!(store.peek_tokens(&who(99), R).await.expect("peek").len(), 1);
    assert!(store.peek_tokens(&who(94), R).await.expect("peek").is_empty());
    assert_eq!(store.take_typed(&who(99), R).await.expect("take"), Some((0, "t99".into())));
    assert_eq!(store.take_typed(&who(96), R).await.expect("take"), None);
}

fn email(address: &str) -> Vec<(ThrottleKey, usize)> {
    vec![(ThrottleKey::Email(address.to_owned(), None), 5)]
}

fn ip(n: u32) -> std::net::IpAddr {
    std::net::Ipv4Addr::from(0x0a00_0000 + n).into()
}

/// The throttle's limits, refunds and clears.
pub async fn throttle(t: &dyn LoginAttempts) {
    let attempt = |limits: Vec<(ThrottleKey, usize)>, now: i64| async move {
        t.attempt(&limits, now).await.expect("store")
    };
    for i in 0..5 {
        assert_eq!(attempt(email("a@x"), 100 + i).await, Ok(()));
    }
    assert_eq!(attempt(email("a@x"), 110).await, Err(900 - 10), "the wait: till the first leaves the window");
    assert_eq!(attempt(email("b@x"), 110).await, Ok(()), "per email");
    assert_eq!(attempt(email("a@x"), 100 + 900).await, Ok(()), "the window slides");

    // Refused by one limit, counted against none.
    let client = ThrottleKey::Client(ip(1));
    let both = |address: &str| vec![(ThrottleKey::Email(address.to_owned(), None), 5), (client.clone(), 6)];
    for i in 0..5 {
        assert_eq!(attempt(both("c@x"), 2_000 + i).await, Ok(()));
    }
    for _ in 0..3 {
        assert!(attempt(both("c@x"), 2_010).await.is_err());
    }
    assert_eq!(attempt(both("d@x"), 2_011).await, Ok(()), "the client had one left");
    assert_eq!(attempt(both("e@x"), 2_012).await, Err(900 - 12), "the longest wait of the two");

    // A refund gives one back; a clear forgets them all.
    let f = ThrottleKey::Email("f@x".into(), None);
    for _ in 0..5 {
        assert_eq!(attempt(email("f@x"), 3_000).await, Ok(()));
    }
    t.refund(&f, 3_000).await.expect("refund");
    assert_eq!(attempt(email("f@x"), 3_001).await, Ok(()));
    assert!(attempt(email("f@x"), 3_001).await.is_err());
    t.refund(&ThrottleKey::Email("nobody@x".into(), None), 3_000).await.expect("refunding nothing is fine");
    t.clear(&f).await.expect("clear");
    assert_eq!(attempt(email("f@x"), 3_002).await, Ok(()));

    // Five failures lock an email only for the address they came from.
    let from = |n| LoginThrottle::limits("ada@x", Some(ip(n)));
    for _ in 0..5 {
        assert_eq!(attempt(from(10), 4_000).await, Ok(()));
    }
    assert!(attempt(from(10), 4_001).await.is_err(), "the guesser waits");
    assert_eq!(attempt(from(11), 4_001).await, Ok(()), "the instructor elsewhere does not");
}

/// `tries` attempts at once against a limit of 5: exactly 5 pass.
pub async fn throttle_under_concurrent_attempts(t: Arc<dyn LoginAttempts>, tries: usize) -> usize {
    let now = now_unix();
    let attempts: Vec<_> = (0..tries)
        .map(|_| {
            let t = t.clone();
            tokio::spawn(async move { t.attempt(&email("racer@x"), now).await.expect("store").is_ok() })
        })
        .collect();
    let mut through = 0;
    for attempt in attempts {
        if attempt.await.expect("joined") {
            through += 1;
        }
    }
    through
}

/// Who reset whom, per instructor, the last reset winning.
pub async fn resets(log: &dyn RecentResets) {
    let (ada, bob) = (InstructorId(1), InstructorId(2));
    assert_eq!(log.last(ada, "grace").await.expect("last"), None);
    log.record(ada, "grace", 1_000).await.expect("record");
    log.record(ada, "grace", 1_010).await.expect("record again");
    log.record(ada, "alan", 1_005).await.expect("record");
    log.record(bob, "grace", 1_020).await.expect("record");
    assert_eq!(log.last(ada, "grace").await.expect("last"), Some(1_010), "the last reset");
    assert_eq!(log.last(bob, "grace").await.expect("last"), Some(1_020), "each instructor's own");
    assert_eq!(log.last(bob, "alan").await.expect("last"), None);
    let found = log.last_of(ada, &["grace", "alan", "nobody"]).await.expect("last of");
    assert_eq!(found.len(), 2);
    assert_eq!((found.get("grace"), found.get("alan")), (Some(&1_010), Some(&1_005)));
    assert!(log.last_of(ada, &[]).await.expect("none asked").is_empty());
    let many: Vec<String> = (0..450).map(|n| format!("learner{n}")).collect();
    log.record(ada, "learner449", 1_030).await.expect("record");
    let ids: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_eq!(
        log.last_of(ada, &ids).await.expect("many").get("learner449"),
        Some(&1_030),
        "past one query's worth"
    );
}

/// `mod $name` with two tests: `$name(db)` holds on a fresh SQLite database and on a
/// fresh PostgreSQL one.
macro_rules! on_sqlite_and_postgres {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn on_sqlite() {
                let (_dir, db) = super::sqlite().await;
                super::$name(db).await;
            }

            #[tokio::test]
            async fn on_postgres() {
                let Some(url) = crate::testing::postgres_database("shared").await else { return };
                super::$name(super::Db::open(&url).await.expect("open")).await;
            }
        }
    };
}

/// Every byte the page-view tables hold, as text (lossy), for looking for a value in
/// clear.
async fn table_bytes(db: &Db) -> String {
    let mut all = Vec::new();
    for table in TABLES {
        let rows: Vec<(String, String, Vec<u8>, Vec<u8>)> =
            sqlx::query_as(&format!("SELECT learner_id, exercise, nonce, sealed FROM {table}"))
                .fetch_all(&db.pool)
                .await
                .expect("rows");
        for (learner, exercise, nonce, sealed) in rows {
            all.extend_from_slice(learner.as_bytes());
            all.extend_from_slice(exercise.as_bytes());
            all.extend(nonce);
            all.extend(sealed);
        }
    }
    String::from_utf8_lossy(&all).into_owned()
}

async fn count(db: &Db, table: &str) -> i64 {
    let (n,): (i64,) =
        sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&db.pool).await.expect("count");
    n
}

#[tokio::test]
async fn page_views_are_sealed_in_the_database_and_a_swapped_row_does_not_open() {
    let (dir, db) = sqlite().await;
    let views = SealedPageViews::new(db.clone(), &ServerKey::random());
    let (ada, bob) = (learner("ada"), learner("bob"));
    let typed = "my-own-typed-secret-text";
    let code = "the-callback-code-0123456789";
    views.put_verifier(&ada, R, VERIFIER.into()).await.expect("put");
    views.put_verifier(&bob, R, "bobs-verifier-bobs-verifier-bobs-verifier-1".into()).await.expect("put");
    views.put_code(&ada, WEB, Some(code.into())).await.expect("put");
    views
        .put_token(&ada, (R, 3), Some(jwt(serde_json::json!({"sub": "claims-in-clear"}))))
        .await
        .expect("put");
    views.put_typed(&ada, (R, 1), typed.into()).await.expect("put");
    let held = table_bytes(&db).await;
    assert!(held.contains("ada"), "the scan reads the rows");
    for clear in [VERIFIER, code, "claims-in-clear", typed] {
        assert!(!held.contains(clear), "{clear} is in the table in clear");
    }
    db.pool.close().await;
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir.path()).expect("dir") {
        files.extend(std::fs::read(entry.expect("entry").path()).expect("read"));
    }
    let files = String::from_utf8_lossy(&files);
    for clear in [VERIFIER, code, "claims-in-clear", typed] {
        assert!(!files.contains(clear), "{clear} is in the database files in clear");
    }

    // Bob's sealed verifier copied onto Ada's row does not open as hers.
    let (_dir, db) = sqlite().await;
    let key = ServerKey::random();
    let views = SealedPageViews::new(db.clone(), &key);
    views.put_verifier(&ada, R, VERIFIER.into()).await.expect("put");
    views.put_verifier(&bob, R, "bobs".into()).await.expect("put");
    sqlx::query(
        "UPDATE page_verifiers SET nonce = (SELECT nonce FROM page_verifiers WHERE learner_id = 'bob'),
         sealed = (SELECT sealed FROM page_verifiers WHERE learner_id = 'bob') WHERE learner_id = 'ada'",
    )
    .execute(&db.pool)
    .await
    .expect("swap");
    assert!(views.peek_verifier(&ada, R).await.is_err(), "a swapped row is an error, not Bob's verifier");
    let other_key = SealedPageViews::new(db.clone(), &ServerKey::random());
    assert!(other_key.peek_verifier(&bob, R).await.is_err(), "another server key opens nothing");
    assert_eq!(views.peek_verifier(&bob, R).await.expect("peek").as_deref(), Some("bobs"));
}

on_sqlite_and_postgres!(page_view_tables_hold_at_most_their_caps);
async fn page_view_tables_hold_at_most_their_caps(db: Db) {
    let views = SealedPageViews::with_caps(db.clone(), &ServerKey::random(), small());
    for n in 0..60 {
        let who = learner(&format!("learner{n}"));
        views.put_verifier(&who, R, format!("v{n}")).await.expect("put");
        views.put_code(&who, R, Some(format!("c{n}"))).await.expect("put");
        views.put_token(&who, (R, 3), Some(jwt(serde_json::json!({"n": n})))).await.expect("put");
        views.put_typed(&who, (R, 0), format!("t{n}")).await.expect("put");
    }
    let counts = [
        count(&db, "page_verifiers").await,
        count(&db, "page_codes").await,
        count(&db, "page_tokens").await,
        count(&db, "page_typed").await,
    ];
    assert_eq!(counts, [20, 20, 5, 3]);
}

on_sqlite_and_postgres!(housekeeping_deletes_expired_page_views_old_attempts_and_old_resets);
async fn housekeeping_deletes_expired_page_views_old_attempts_and_old_resets(db: Db) {
    let views = SealedPageViews::with_caps(db.clone(), &ServerKey::random(), one_second());
    let ada = learner("ada");
    // Before the puts: as of `now`, they have not expired.
    let now = now_unix();
    views.put_verifier(&ada, R, VERIFIER.into()).await.expect("put");
    views.put_typed(&ada, (R, 0), "typed".into()).await.expect("put");
    let throttle = KeyedThrottle::new(db.clone(), &ServerKey::random());
    throttle.attempt(&email("a@x"), now - LoginThrottle::WINDOW - 5).await.expect("store").expect("counted");
    throttle.attempt(&email("b@x"), now).await.expect("store").expect("counted");
    db.record(InstructorId(1), "grace", now - 31 * 24 * 3600).await.expect("record");
    db.record(InstructorId(1), "alan", now).await.expect("record");
    // Nothing expired yet but the old attempt, its key and the old reset.
    assert_eq!(db.forget_short_lived(now).await.expect("housekeeping"), 3);
    assert_eq!(count(&db, "login_attempts").await, 1);
    assert_eq!(db.last(InstructorId(1), "alan").await.expect("last"), Some(now));
    // Kept by housekeeping as of `now` (a peek would race the one-second lifetime on a
    // loaded machine).
    assert_eq!(count(&db, "page_verifiers").await + count(&db, "page_typed").await, 2);
    next_second().await;
    next_second().await;
    assert_eq!(db.forget_short_lived(now_unix()).await.expect("housekeeping"), 2, "both page views");
    assert_eq!(count(&db, "page_verifiers").await + count(&db, "page_typed").await, 0);
}

on_sqlite_and_postgres!(the_throttle_keeps_keyed_digests_never_emails_or_addresses);
async fn the_throttle_keeps_keyed_digests_never_emails_or_addresses(db: Db) {
    let limits = LoginThrottle::limits("ada.lovelace@example.org", Some(ip(7)));
    let throttle = KeyedThrottle::new(db.clone(), &ServerKey::random());
    throttle.attempt(&limits, now_unix()).await.expect("store").expect("counted");
    let keys: Vec<(String,)> =
        sqlx::query_as("SELECT key_sha256 FROM login_throttle_keys").fetch_all(&db.pool).await.expect("keys");
    let attempts: Vec<(String,)> =
        sqlx::query_as("SELECT key_sha256 FROM login_attempts").fetch_all(&db.pool).await.expect("attempts");
    assert_eq!((keys.len(), attempts.len()), (3, 3), "one row per key");
    for (key,) in keys.iter().chain(&attempts) {
        assert_eq!(key.len(), 64, "a SHA-256 digest in hex: {key}");
        assert!(!key.contains("ada") && !key.contains("10.0.0.7"), "{key}");
        // Not the plain digest either: a list of emails cannot be checked against it.
        assert!(limits.iter().all(|(plain, _)| plain.digest() != *key), "{key}");
    }
}

/// Twenty attempts at once, alternately through two handles on the database at `url` (two
/// instances): exactly five pass, and the refused ones leave nothing behind.
async fn two_instances_let_no_more_attempts_through_than_the_limit(url: &str) {
    let one = Db::open(url).await.expect("open");
    let two = Db::open(url).await.expect("open again");
    // One server key, as the instances share one key file.
    let key = ServerKey::random();
    let throttles = [KeyedThrottle::new(one.clone(), &key), KeyedThrottle::new(two, &key)];
    let now = now_unix();
    let attempts: Vec<_> = (0..20)
        .map(|n| {
            let throttle = throttles[n % 2].clone();
            tokio::spawn(async move { throttle.attempt(&email("racer@x"), now).await.expect("store").is_ok() })
        })
        .collect();
    let mut through = 0;
    for attempt in attempts {
        through += usize::from(attempt.await.expect("joined"));
    }
    assert_eq!(through, 5);
    assert_eq!(count(&one, "login_attempts").await, 5, "the refused ones left nothing behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_database_let_no_more_attempts_through_than_the_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    two_instances_let_no_more_attempts_through_than_the_limit(&format!(
        "sqlite:{}",
        dir.path().join("lab.db").display()
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_postgres_two_instances_let_no_more_login_attempts_through_than_the_limit() {
    let Some(url) = crate::testing::postgres_database("throttle").await else { return };
    two_instances_let_no_more_attempts_through_than_the_limit(&url).await;
}
