//! `oauthlab migrate-data`: an install on SQLite moved to an empty PostgreSQL database,
//! with its server key (client secrets and sessions are derived from it, so learners keep
//! their cookies and their practice apps their secrets).
//!
//! Both databases are opened with [`Db::open`], so both are migrated to the current schema
//! first. The tables are the source's (`sqlite_master`, but `_sqlx_migrations`), copied
//! parents before children (their foreign keys, on either side), each row's columns by name
//! and each value as the kind SQLite holds it (integer, real, text, blob or NULL), at most
//! [`MAX_ROWS_PER_INSERT`] rows per `INSERT`, all in one transaction on the target: a
//! failure leaves it empty. The source is only read, in one read transaction (one
//! snapshot, for the copy and the counts).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::Context;
use futures_util::TryStreamExt;
use sqlx::any::AnyTypeInfoKind;
use sqlx::{Any, AnyConnection, Row, ValueRef};

use super::db::{redacted, Backend, Db};
use super::server_key::{key_beside, ServerKey};

/// The most rows one `INSERT` writes (fewer when a table has so many columns that they
/// would pass PostgreSQL's 65 535 parameters).
pub const MAX_ROWS_PER_INSERT: usize = 500;
/// PostgreSQL's limit on the parameters of one statement.
const MAX_PARAMETERS: usize = 65_535;
/// sqlx's own table: each database keeps its own migrations.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// What `migrate-data` was asked to do.
#[derive(Debug, Clone)]
pub struct MigrateData {
    /// The SQLite database to move: `sqlite:PATH`.
    pub from: String,
    /// The PostgreSQL database to move it to: `postgres://…`, empty.
    pub to: String,
    /// The source's server key; by default beside its file (`<file>.key`).
    pub from_key_file: Option<PathBuf>,
    /// Where the PostgreSQL instances read the server key.
    pub server_key_file: PathBuf,
}

/// What was moved.
#[derive(Debug)]
pub struct Moved {
    /// Each table copied and its rows, in the order they were copied.
    pub tables: Vec<(String, u64)>,
    /// Whether the key file was written (`false`: it held the same key already).
    pub key_written: bool,
}

impl Moved {
    /// Rows copied in all.
    pub fn total(&self) -> u64 {
        self.tables.iter().map(|(_, rows)| rows).sum()
    }
}

/// Move the install: check the flags and the key files, open both databases, refuse a
/// target holding any row, keep the key in `server_key_file`, copy every table.
pub async fn migrate_data(args: &MigrateData) -> anyhow::Result<Moved> {
    let to_shown = redacted(&args.to);
    let other_scheme = args.from.contains("://") && !args.from.starts_with("sqlite:");
    if Backend::of_url(&args.from) != Backend::Sqlite || other_scheme {
        anyhow::bail!(
            "--from {} is not a SQLite database: migrate-data moves an install from SQLite \
             (--from sqlite:PATH) to PostgreSQL",
            redacted(&args.from)
        );
    }
    if Backend::of_url(&args.to) != Backend::Postgres {
        anyhow::bail!(
            "--to {to_shown} is not a PostgreSQL database: give its URL, postgres://user@host/database"
        );
    }
    let Some(file) = Db::file_of(&args.from) else {
        anyhow::bail!("--from {} is a database in memory: give the SQLite file, sqlite:PATH", args.from);
    };
    if !file.is_file() {
        anyhow::bail!(
            "--from {}: there is no database file at {} (give the --database the server ran with)",
            args.from,
            file.display()
        );
    }
    let from_key_file = match &args.from_key_file {
        Some(path) => path.clone(),
        None => key_beside(&file),
    };
    let Some(key) = ServerKey::read(&from_key_file)? else {
        anyhow::bail!(
            "the source's server key is not at {}: give its file with --from-key-file PATH (the \
             --server-key-file the server ran with; by default the database's file name with .key added)",
            from_key_file.display()
        );
    };
    let key_there = ServerKey::read(&args.server_key_file)?;
    if key_there.as_ref().is_some_and(|there| !there.same_as(&key)) {
        anyhow::bail!(
            "--server-key-file {} holds another server key than the source's ({}): with it every client \
             secret and session would change; give a path where no file is, or a copy of {}",
            args.server_key_file.display(),
            from_key_file.display(),
            from_key_file.display()
        );
    }
    let source = Db::open(&args.from).await?;
    let target = Db::open(&args.to).await?;
    {
        let mut conn =
            target.pool.acquire().await.with_context(|| format!("cannot open database {to_shown}"))?;
        refuse_rows(&mut conn, &to_shown).await?;
    }
    let key_written = key_there.is_none();
    if key_written {
        key.write_new(&args.server_key_file)?;
    }
    let tables = copy(&source, &target).await.with_context(|| format!("nothing was copied to {to_shown}"))?;
    Ok(Moved { tables, key_written })
}

/// Copy every table of `from` (SQLite) into `to` (PostgreSQL, with no row), in one
/// transaction on `to`; each table and its rows, in the order copied.
pub async fn copy(from: &Db, to: &Db) -> anyhow::Result<Vec<(String, u64)>> {
    if from.backend != Backend::Sqlite || to.backend != Backend::Postgres {
        anyhow::bail!("migrate-data copies from SQLite to PostgreSQL only");
    }
    let mut source = from.pool.begin().await.context("cannot read the source database")?;
    let mut target = to.pool.begin().await.context("cannot write the target database")?;
    let tables = source_tables(&mut source).await?;
    let target_columns = target_columns(&mut target).await?;
    refuse_rows(&mut target, "the target database").await?;
    if let Some(missing) = tables.iter().find(|t| !target_columns.contains_key(*t)) {
        anyhow::bail!(
            "table {missing} of the source is not in the target database (its PostgreSQL migrations \
             lack it)"
        );
    }
    let mut refers = source_foreign_keys(&mut source, &tables).await?;
    for (child, parent) in target_foreign_keys(&mut target).await? {
        refers.entry(child).or_default().insert(parent);
    }
    let order = parents_first(&tables, &refers)?;
    let mut copied = Vec::with_capacity(order.len());
    for table in order {
        let columns = source_columns(&mut source, &table).await?;
        let kinds = target_kinds(&table, &columns, &target_columns)?;
        let rows = copy_table(&mut source, &mut target, &table, &columns, &kinds)
            .await
            .with_context(|| format!("cannot copy table {table}"))?;
        let count_sql = format!("SELECT count(*) FROM {}", quoted(&table));
        let in_source: i64 = sqlx::query_scalar(&count_sql).fetch_one(&mut *source).await?;
        let in_target: i64 = sqlx::query_scalar(&count_sql).fetch_one(&mut *target).await?;
        if i64::try_from(rows).ok() != Some(in_source) || in_source != in_target {
            anyhow::bail!(
                "table {table} has {in_source} rows in the source but {in_target} in the target after \
                 copying {rows}"
            );
        }
        copied.push((table, rows));
    }
    bump_identities(&mut target).await?;
    target.commit().await.context("cannot commit the copy")?;
    source.rollback().await.context("cannot end the read of the source")?;
    Ok(copied)
}

/// A value as SQLite holds it.
#[derive(Debug)]
enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// How a NULL is bound for a target column, by its PostgreSQL type (a NULL of the wrong
/// type would not be taken: text into `bigint`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum NullKind {
    Integer,
    Real,
    Text,
    Blob,
    Bool,
}

impl NullKind {
    fn of(data_type: &str) -> Self {
        match data_type {
            "bigint" | "integer" | "smallint" => NullKind::Integer,
            "double precision" | "real" | "numeric" => NullKind::Real,
            "bytea" => NullKind::Blob,
            "boolean" => NullKind::Bool,
            _ => NullKind::Text,
        }
    }
}

/// Copy one table's rows: streamed from the source, written in batches. The rows written.
async fn copy_table(
    source: &mut AnyConnection,
    target: &mut AnyConnection,
    table: &str,
    columns: &[String],
    kinds: &[NullKind],
) -> anyhow::Result<u64> {
    let list = columns.iter().map(|c| quoted(c)).collect::<Vec<_>>().join(", ");
    let select = format!("SELECT {list} FROM {}", quoted(table));
    let per_insert = (MAX_PARAMETERS / columns.len().max(1)).clamp(1, MAX_ROWS_PER_INSERT);
    let mut rows = sqlx::query(&select).fetch(&mut *source);
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(per_insert);
    let mut written = 0u64;
    while let Some(row) = rows.try_next().await? {
        batch.push(values_of(&row, columns)?);
        if batch.len() == per_insert {
            written += insert(target, table, &list, kinds, &mut batch).await?;
        }
    }
    written += insert(target, table, &list, kinds, &mut batch).await?;
    Ok(written)
}

/// Each column's value in `row`, as SQLite holds it.
fn values_of(row: &sqlx::any::AnyRow, columns: &[String]) -> anyhow::Result<Vec<Value>> {
    (0..columns.len())
        .map(|i| {
            let raw = row.try_get_raw(i)?;
            if raw.is_null() {
                return Ok(Value::Null);
            }
            let kind = raw.type_info().kind();
            Ok(match kind {
                AnyTypeInfoKind::Null => Value::Null,
                AnyTypeInfoKind::Bool => Value::Integer(i64::from(row.try_get::<bool, _>(i)?)),
                AnyTypeInfoKind::SmallInt | AnyTypeInfoKind::Integer | AnyTypeInfoKind::BigInt => {
                    Value::Integer(row.try_get::<i64, _>(i)?)
                }
                AnyTypeInfoKind::Real | AnyTypeInfoKind::Double => Value::Real(row.try_get::<f64, _>(i)?),
                AnyTypeInfoKind::Text => Value::Text(row.try_get::<String, _>(i)?),
                AnyTypeInfoKind::Blob => Value::Blob(row.try_get::<Vec<u8>, _>(i)?),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .with_context(|| format!("cannot read a row's {}", columns.join(", ")))
}

/// Write `batch` (then empty) in one `INSERT`; the rows written.
async fn insert(
    target: &mut AnyConnection,
    table: &str,
    list: &str,
    kinds: &[NullKind],
    batch: &mut Vec<Vec<Value>>,
) -> anyhow::Result<u64> {
    if batch.is_empty() {
        return Ok(0);
    }
    let mut sql = format!("INSERT INTO {} ({list}) VALUES ", quoted(table));
    let mut n = 0;
    for (r, row) in batch.iter().enumerate() {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..row.len() {
            n += 1;
            sql.push_str(&if c == 0 { format!("${n}") } else { format!(", ${n}") });
        }
        sql.push(')');
    }
    let mut query = sqlx::query::<Any>(&sql);
    for row in batch.drain(..) {
        for (value, kind) in row.into_iter().zip(kinds) {
            query = match (value, kind) {
                (Value::Null, NullKind::Integer) => query.bind(Option::<i64>::None),
                (Value::Null, NullKind::Real) => query.bind(Option::<f64>::None),
                (Value::Null, NullKind::Text) => query.bind(Option::<String>::None),
                (Value::Null, NullKind::Blob) => query.bind(Option::<Vec<u8>>::None),
                (Value::Null, NullKind::Bool) => query.bind(Option::<bool>::None),
                (Value::Integer(v), _) => query.bind(v),
                (Value::Real(v), _) => query.bind(v),
                (Value::Text(v), _) => query.bind(v),
                (Value::Blob(v), _) => query.bind(v),
            };
        }
    }
    Ok(query.execute(&mut *target).await?.rows_affected())
}

/// The source's tables, by name: all but SQLite's own and sqlx's migrations.
async fn source_tables(source: &mut AnyConnection) -> anyhow::Result<Vec<String>> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
         ORDER BY name",
    )
    .fetch_all(&mut *source)
    .await
    .context("cannot list the source's tables")?;
    Ok(names.into_iter().filter(|n| n != MIGRATIONS_TABLE).collect())
}

/// A source table's columns, in their order.
async fn source_columns(source: &mut AnyConnection, table: &str) -> anyhow::Result<Vec<String>> {
    sqlx::query_scalar("SELECT name FROM pragma_table_info($1) ORDER BY cid")
        .bind(table)
        .fetch_all(&mut *source)
        .await
        .with_context(|| format!("cannot list the columns of table {table}"))
}

/// The tables each source table refers to by a foreign key.
async fn source_foreign_keys(
    source: &mut AnyConnection,
    tables: &[String],
) -> anyhow::Result<BTreeMap<String, BTreeSet<String>>> {
    let mut refers = BTreeMap::new();
    for table in tables {
        let parents: Vec<String> = sqlx::query_scalar("SELECT \"table\" FROM pragma_foreign_key_list($1)")
            .bind(table)
            .fetch_all(&mut *source)
            .await
            .with_context(|| format!("cannot list the foreign keys of table {table}"))?;
        refers.insert(table.clone(), parents.into_iter().collect());
    }
    Ok(refers)
}

/// Each target table's columns and their types.
async fn target_columns(
    target: &mut AnyConnection,
) -> anyhow::Result<BTreeMap<String, BTreeMap<String, String>>> {
    let rows = sqlx::query(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text \
         FROM information_schema.columns c JOIN information_schema.tables t \
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'",
    )
    .fetch_all(&mut *target)
    .await
    .context("cannot list the target's tables")?;
    let mut tables: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for row in rows {
        let (table, column, data_type): (String, String, String) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        tables.entry(table).or_default().insert(column, data_type);
    }
    Ok(tables)
}

/// How to bind a NULL for each of `columns` of `table` in the target; an error naming a
/// column the target lacks.
fn target_kinds(
    table: &str,
    columns: &[String],
    target: &BTreeMap<String, BTreeMap<String, String>>,
) -> anyhow::Result<Vec<NullKind>> {
    let there = target.get(table).with_context(|| format!("table {table} is not in the target database"))?;
    columns
        .iter()
        .map(|column| match there.get(column) {
            Some(data_type) => Ok(NullKind::of(data_type)),
            None => Err(anyhow::anyhow!(
                "column {column} of table {table} is not in the target database (its PostgreSQL \
                 migrations lack it)"
            )),
        })
        .collect()
}

/// The target's foreign keys: (table, table it refers to).
async fn target_foreign_keys(target: &mut AnyConnection) -> anyhow::Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT child.relname::text, parent.relname::text FROM pg_constraint k \
         JOIN pg_class child ON child.oid = k.conrelid JOIN pg_class parent ON parent.oid = k.confrelid \
         JOIN pg_namespace n ON n.oid = child.relnamespace \
         WHERE k.contype = 'f' AND n.nspname = current_schema()",
    )
    .fetch_all(&mut *target)
    .await
    .context("cannot list the target's foreign keys")?;
    rows.iter().map(|row| Ok((row.try_get(0)?, row.try_get(1)?))).collect()
}

/// An error naming the first table of the target (but sqlx's migrations) that holds a row:
/// two installs are never merged.
async fn refuse_rows(target: &mut AnyConnection, shown: &str) -> anyhow::Result<()> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
    )
    .fetch_all(&mut *target)
    .await
    .with_context(|| format!("cannot list the tables of {shown}"))?;
    for table in tables.iter().filter(|t| *t != MIGRATIONS_TABLE) {
        let any: Option<i32> = sqlx::query_scalar(&format!("SELECT 1 FROM {} LIMIT 1", quoted(table)))
            .fetch_optional(&mut *target)
            .await
            .with_context(|| format!("cannot read table {table} of {shown}"))?;
        if any.is_some() {
            anyhow::bail!(
                "{shown} already holds rows (in table {table}): migrate-data copies into an empty \
                 database only, never merging two installs; give a new, empty database"
            );
        }
    }
    Ok(())
}

/// Set each identity (and serial) column's sequence past the largest value copied, so a
/// row added after the move gets a fresh one.
async fn bump_identities(target: &mut AnyConnection) -> anyhow::Result<()> {
    let rows = sqlx::query(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')",
    )
    .fetch_all(&mut *target)
    .await
    .context("cannot list the target's identity columns")?;
    for row in rows {
        let (table, column): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence($1, $2), max({column})) FROM {table} \
             HAVING max({column}) IS NOT NULL",
            column = quoted(&column),
            table = quoted(&table),
        );
        sqlx::query(&sql)
            .bind(quoted(&table))
            .bind(&column)
            .execute(&mut *target)
            .await
            .with_context(|| format!("cannot move the sequence of {table}.{column} past its rows"))?;
    }
    Ok(())
}

/// `tables` ordered so that every table comes after those it refers to (`refers`); a
/// reference to itself or to a table not in `tables` does not count. An error naming the
/// tables of a cycle.
fn parents_first(
    tables: &[String],
    refers: &BTreeMap<String, BTreeSet<String>>,
) -> anyhow::Result<Vec<String>> {
    let set: BTreeSet<&String> = tables.iter().collect();
    let mut waiting: BTreeMap<&String, BTreeSet<&String>> = tables
        .iter()
        .map(|t| {
            let parents = refers
                .get(t)
                .map(|ps| ps.iter().filter(|p| *p != t && set.contains(p)).collect())
                .unwrap_or_default();
            (t, parents)
        })
        .collect();
    let mut order = Vec::with_capacity(tables.len());
    while !waiting.is_empty() {
        let ready: Vec<&String> = waiting.iter().filter(|(_, ps)| ps.is_empty()).map(|(t, _)| *t).collect();
        if ready.is_empty() {
            let names: Vec<&str> = waiting.keys().map(|t| t.as_str()).collect();
            anyhow::bail!(
                "tables {} cannot be ordered parents first: their foreign keys make a cycle",
                names.join(", ")
            );
        }
        for table in ready {
            waiting.remove(table);
            for parents in waiting.values_mut() {
                parents.remove(table);
            }
            order.push(table.clone());
        }
    }
    Ok(order)
}

/// `name` as an SQL identifier, in double quotes (both databases read them so).
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parents_are_copied_before_their_children_and_a_cycle_is_named() {
        let tables = names(&["class_members", "classes", "instructor_sessions", "instructors", "progress"]);
        let mut refers = BTreeMap::new();
        refers.insert("class_members".to_owned(), names(&["classes"]).into_iter().collect());
        refers.insert("classes".to_owned(), names(&["instructors", "classes"]).into_iter().collect());
        refers
            .insert("instructor_sessions".to_owned(), names(&["instructors", "gone"]).into_iter().collect());
        let order = parents_first(&tables, &refers).expect("order");
        let at = |t: &str| order.iter().position(|o| o == t).expect(t);
        assert_eq!(order.len(), tables.len());
        assert!(at("instructors") < at("classes") && at("classes") < at("class_members"), "{order:?}");
        assert!(at("instructors") < at("instructor_sessions"), "{order:?}");

        refers.insert("instructors".to_owned(), names(&["class_members"]).into_iter().collect());
        let err = parents_first(&tables, &refers).expect_err("a cycle").to_string();
        assert!(err.contains("classes, class_members") || err.contains("class_members, classes"), "{err}");
        assert!(!err.contains("progress"), "{err}");
    }

    /// A SQLite database in `dir` with a few rows: NULLs, two instructors (ids 1 and 5),
    /// a class of one of them and a member.
    async fn source_with_rows(dir: &tempfile::TempDir) -> Db {
        let db = Db::open(&format!("sqlite:{}", dir.path().join("lab.db").display())).await.expect("open");
        for sql in [
            "INSERT INTO instructors (id, email, password_hash, created_at) VALUES \
             (1, 'ada@example.org', 'h1', 10), (5, 'bob@example.org', 'h5', 11)",
            "INSERT INTO classes (class_id, instructor_id, name, join_code, created_at) \
             VALUES ('c1', 5, 'Workshop', 'J1', 12)",
            "INSERT INTO class_members (learner_id, class_id, display_name, joined_at) \
             VALUES ('l1', 'c1', NULL, 13)",
            "INSERT INTO learner_servers (learner_id, choice, updated_at) VALUES ('l1', 'practice', 14)",
            "INSERT INTO progress (learner_id, exercise, state, steps_passed, completed, updated_at) \
             VALUES ('l1', 'refresh', '{\"steps_passed\":3}', 3, 0, 15)",
            "INSERT INTO auth_codes (code_sha256, client_id, learner_id, redirect_uri, scope, \
             code_challenge, created_at, expires_at, used_at, nonce) \
             VALUES ('d1', 'lab_1', 'l1', 'http://x/cb', 'openid', 'ch', 16, 17, NULL, NULL)",
        ] {
            sqlx::query(sql).execute(&db.pool).await.expect(sql);
        }
        db
    }

    async fn count(db: &Db, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&db.pool).await.expect("count")
    }

    #[tokio::test]
    async fn every_row_is_copied_and_a_new_instructor_gets_a_fresh_id() {
        let Some(url) = crate::testing::postgres_database("migrate_copy").await else { return };
        let dir = tempfile::tempdir().expect("tempdir");
        let source = source_with_rows(&dir).await;
        let target = Db::open(&url).await.expect("open target");
        let copied = copy(&source, &target).await.expect("copy");
        let rows: BTreeMap<&str, u64> = copied.iter().map(|(t, n)| (t.as_str(), *n)).collect();
        assert_eq!(rows["instructors"], 2);
        assert_eq!(rows["class_members"], 1);
        assert_eq!(rows["auth_codes"], 1);
        assert_eq!(rows["tokens"], 0);
        assert!(!rows.contains_key(MIGRATIONS_TABLE), "{rows:?}");
        let at = |t: &str| copied.iter().position(|(c, _)| c == t).expect(t);
        assert!(at("instructors") < at("classes") && at("classes") < at("class_members"));
        let (used_at, nonce, created_at): (Option<i64>, Option<String>, i64) =
            sqlx::query_as("SELECT used_at, nonce, created_at FROM auth_codes WHERE code_sha256 = 'd1'")
                .fetch_one(&target.pool)
                .await
                .expect("code");
        assert_eq!((used_at, nonce, created_at), (None, None, 16));
        let state: String =
            sqlx::query_scalar("SELECT state FROM progress").fetch_one(&target.pool).await.expect("state");
        assert_eq!(state, "{\"steps_passed\":3}");
        use app::services::instructor::InstructorStore;
        let id = target.upsert_instructor("new@example.org", "h").await.expect("a new instructor");
        assert_eq!(id.0, 6, "the identity continues after the largest id copied");
        assert_eq!(count(&source, "instructors").await, 2, "the source is only read");

        let err = copy(&source, &target).await.expect_err("a target with rows").to_string();
        assert!(err.contains("already holds rows (in table auth_codes)"), "{err}");
    }

    #[tokio::test]
    async fn a_failure_half_way_leaves_the_target_empty_and_a_missing_table_is_named() {
        let Some(url) = crate::testing::postgres_database("migrate_fail").await else { return };
        let dir = tempfile::tempdir().expect("tempdir");
        let source = source_with_rows(&dir).await;
        let target = Db::open(&url).await.expect("open target");
        // class_members is copied last: everything before it is in the transaction.
        sqlx::query("ALTER TABLE class_members ADD CONSTRAINT refuse_l1 CHECK (learner_id <> 'l1')")
            .execute(&target.pool)
            .await
            .expect("constraint");
        let err = format!("{:#}", copy(&source, &target).await.expect_err("refused by the target"));
        assert!(err.contains("cannot copy table class_members"), "{err}");
        for table in ["instructors", "classes", "progress", "learner_servers"] {
            assert_eq!(count(&target, table).await, 0, "{table}");
        }

        sqlx::query("DROP TABLE learner_servers").execute(&target.pool).await.expect("drop");
        let err = copy(&source, &target).await.expect_err("a table missing").to_string();
        assert!(err.contains("table learner_servers of the source is not in the target"), "{err}");
    }

    #[test]
    fn identifiers_are_quoted_and_a_null_takes_its_columns_type() {
        assert_eq!(quoted("progress"), "\"progress\"");
        assert_eq!(quoted("a\"b"), "\"a\"\"b\"");
        assert_eq!(NullKind::of("bigint"), NullKind::Integer);
        assert_eq!(NullKind::of("text"), NullKind::Text);
        assert_eq!(NullKind::of("bytea"), NullKind::Blob);
    }
}
