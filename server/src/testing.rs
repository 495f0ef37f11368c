//! Test support (temporary; replaced by the harness branch).
pub async fn postgres_database(hint: &str) -> Option<String> {
    let admin = std::env::var("OAUTHLAB_TEST_POSTGRES").ok()?;
    let name = format!("oauthlab_t_{hint}_{:016x}", rand::random::<u64>());
    let pool = sqlx::PgPool::connect(&admin).await.expect("admin");
    sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&pool).await.expect("create");
    let mut url = url::Url::parse(&admin).expect("url");
    url.set_path(&name);
    Some(url.to_string())
}
