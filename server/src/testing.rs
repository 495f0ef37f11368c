//! Test support, not used by the site: a fresh PostgreSQL database for each test.
//!
//! The PostgreSQL server is a throwaway one named by `OAUTHLAB_TEST_POSTGRES` (a
//! `postgres://` URL with the right to create databases). `make test` starts one with
//! `.ci/with-postgres` and sets it; so does `.ci/with-postgres cargo nextest run ...`. Without
//! it, PostgreSQL tests skip, unless `OAUTHLAB_REQUIRE_POSTGRES` is set (as `make test`
//! does), when they fail. Databases are never dropped: the server is thrown away.

use std::time::Duration;

use sqlx::Connection;

/// The variable naming the throwaway PostgreSQL server tests may create databases on.
pub const TEST_POSTGRES_VAR: &str = "OAUTHLAB_TEST_POSTGRES";
/// When set (to anything), a test that asks for PostgreSQL fails rather than skip without it.
pub const REQUIRE_POSTGRES_VAR: &str = "OAUTHLAB_REQUIRE_POSTGRES";
/// The longest name hint: with the prefix and the random suffix, a name stays within
/// PostgreSQL's 63 bytes.
pub const MAX_HINT_LEN: usize = 32;
/// How long reaching the server and creating a database may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The URL of a new, empty database on the test PostgreSQL server, named
/// `oauthlab_t_<hint>_<16 random hex digits>` (the hint lower-cased), or `None`, with a line
/// on standard error, when `OAUTHLAB_TEST_POSTGRES` is unset and PostgreSQL is not required.
///
/// # Panics
/// On a hint that is empty, longer than [`MAX_HINT_LEN`] or not ASCII letters, digits and
/// `_`; when `OAUTHLAB_REQUIRE_POSTGRES` is set without `OAUTHLAB_TEST_POSTGRES`; when the
/// URL is not a `postgres://` URL; when the server cannot be reached or refuses to create the
/// database within 30 seconds. Each message says what to fix.
pub async fn postgres_database(name_hint: &str) -> Option<String> {
    let name = match database_name(name_hint, rand::random()) {
        Ok(name) => name,
        Err(why) => panic!("{why}"),
    };
    let server = std::env::var(TEST_POSTGRES_VAR).ok().filter(|url| !url.is_empty());
    let Some(server) = server else {
        if std::env::var_os(REQUIRE_POSTGRES_VAR).is_some() {
            panic!(
                "{REQUIRE_POSTGRES_VAR} is set but {TEST_POSTGRES_VAR} is not: run the tests under \
                 .ci/with-postgres (make test does), or point {TEST_POSTGRES_VAR} at a throwaway server"
            );
        }
        eprintln!("skipped: set {TEST_POSTGRES_VAR} (make test does)");
        return None;
    };
    let url = match database_url(&server, &name) {
        Ok(url) => url,
        Err(why) => panic!("{why}"),
    };
    let shown = redacted(&server);
    let created = tokio::time::timeout(CONNECT_TIMEOUT, async {
        let mut conn = sqlx::PgConnection::connect(&server).await?;
        // The name is ours: a fixed prefix, the checked hint and hex digits.
        sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut conn).await?;
        conn.close().await
    })
    .await;
    match created {
        Ok(Ok(())) => Some(url),
        Ok(Err(e)) => panic!("cannot create database {name} on {shown} ({TEST_POSTGRES_VAR}): {e}"),
        Err(_) => panic!(
            "PostgreSQL at {shown} ({TEST_POSTGRES_VAR}) did not create database {name} within {} s",
            CONNECT_TIMEOUT.as_secs()
        ),
    }
}

/// `oauthlab_t_<hint>_<random as 16 hex digits>`, the hint lower-cased, or why the hint
/// will not do.
fn database_name(hint: &str, random: u64) -> Result<String, String> {
    if hint.is_empty() || hint.len() > MAX_HINT_LEN {
        return Err(format!(
            "a test database's name hint takes 1 to {MAX_HINT_LEN} characters, not {}",
            hint.len()
        ));
    }
    if !hint.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(format!(
            "a test database's name hint takes only ASCII letters, digits and _: {hint:?} has others"
        ));
    }
    Ok(format!("oauthlab_t_{}_{random:016x}", hint.to_ascii_lowercase()))
}

/// The server's URL with its path naming database `name` instead (user, password, host,
/// port and query parameters kept).
fn database_url(server: &str, name: &str) -> Result<String, String> {
    let mut url = url::Url::parse(server).map_err(|e| {
        format!("{TEST_POSTGRES_VAR} is not a URL ({e}): give postgres://user@host:port/database")
    })?;
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        return Err(format!(
            "{TEST_POSTGRES_VAR} is not a postgres:// URL: give postgres://user@host:port/database"
        ));
    }
    url.set_path(name);
    Ok(url.into())
}

/// The URL with any password replaced by `***`, to be shown in a message.
fn redacted(server: &str) -> String {
    match url::Url::parse(server) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            url.into()
        }
        Err(_) => "(not a URL)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::{database_name, database_url, redacted, MAX_HINT_LEN};

    #[test]
    fn a_postgres_test_database_is_named_by_a_checked_hint_and_a_random_suffix() {
        assert_eq!(
            database_name("Storage_2", 0xab).as_deref(),
            Ok("oauthlab_t_storage_2_00000000000000ab")
        );
        let longest = database_name(&"h".repeat(MAX_HINT_LEN), u64::MAX).unwrap_or_default();
        assert!(longest.len() <= 63, "{longest} is longer than PostgreSQL's 63 bytes");
        for (bad, why) in [
            ("", "1 to 32"),
            (&"h".repeat(MAX_HINT_LEN + 1), "1 to 32"),
            ("a-b", "only ASCII"),
            ("a\"; DROP DATABASE postgres; --", "only ASCII"),
            ("é", "only ASCII"),
        ] {
            let err = database_name(bad, 1).expect_err(bad);
            assert!(err.contains(why), "{bad:?}: {err}");
        }
    }

    #[test]
    fn a_postgres_test_database_url_keeps_the_server_and_its_parameters() {
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:5544/postgres", "oauthlab_t_x_1").as_deref(),
            Ok("postgres://postgres@127.0.0.1:5544/oauthlab_t_x_1")
        );
        assert_eq!(
            database_url("postgresql://u:pw@db.example:5432?sslmode=disable", "n").as_deref(),
            Ok("postgresql://u:pw@db.example:5432/n?sslmode=disable")
        );
        for bad in ["sqlite:lab.db", "127.0.0.1:5432", "mysql://root@h/db"] {
            let err = database_url(bad, "n").expect_err(bad);
            assert!(err.contains("postgres://user@host:port/database"), "{bad}: {err}");
        }
        assert_eq!(redacted("postgres://u:secret@h:1/d"), "postgres://u:***@h:1/d");
        assert_eq!(redacted("postgres://u@h:1/d"), "postgres://u@h:1/d");
    }
}
