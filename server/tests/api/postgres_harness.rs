//! The PostgreSQL test harness itself: `server::testing::postgres_database` gives each test
//! a database of its own on the throwaway server of `.ci/with-postgres` (skips without one).

use sqlx::{Connection, PgConnection};

/// Whether `table` exists in the database at `url` (in any schema on its search path).
async fn has_table(url: &str, table: &str) -> bool {
    let mut conn = PgConnection::connect(url).await.expect("connect to the test database");
    let found: Option<String> = sqlx::query_scalar("SELECT to_regclass($1)::text")
        .bind(table)
        .fetch_one(&mut conn)
        .await
        .expect("look the table up");
    conn.close().await.expect("close");
    found.is_some()
}

#[tokio::test]
async fn postgres_harness_gives_each_test_its_own_database() {
    let Some(first) = server::testing::postgres_database("harness").await else { return };
    let second = server::testing::postgres_database("harness").await.expect("a second database");
    assert_ne!(first, second, "two calls gave the same database");
    for url in [&first, &second] {
        assert!(url.contains("/oauthlab_t_harness_"), "{url}");
    }

    let mut conn = PgConnection::connect(&first).await.expect("connect to the first database");
    sqlx::query("CREATE TABLE marker (n integer NOT NULL)").execute(&mut conn).await.expect("create");
    sqlx::query("INSERT INTO marker VALUES (42)").execute(&mut conn).await.expect("insert");
    let n: i32 = sqlx::query_scalar("SELECT n FROM marker").fetch_one(&mut conn).await.expect("read");
    assert_eq!(n, 42);
    conn.close().await.expect("close");

    assert!(has_table(&first, "marker").await, "the table is missing where it was written");
    assert!(!has_table(&second, "marker").await, "the table written in one database shows in the other");
}
