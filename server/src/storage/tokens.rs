//! [`TokenStore`]: the practice server's access and refresh tokens, stored by digest, and
//! its SQLite implementation. Redeeming a refresh token is one conditional `UPDATE`, so of
//! two concurrent redemptions exactly one wins; revoking a family marks it, so a token
//! stored into it later is born revoked (and, when its code was replayed, says so).

use app::services::store::StoreError;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{flag, store_error, Backend, Db, Redeemed};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
        }
    }
}

/// Why a whole token family is revoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FamilyRevocation {
    /// Its authorization code was sent to the token endpoint again (RFC 6749 §4.1.2).
    CodeRedeemedTwice,
    /// One of its refresh tokens was redeemed again (RFC 9700 §4.14.2).
    RefreshTokenRedeemedTwice,
    /// The client revoked one of its refresh tokens (RFC 7009 §2.1).
    RevokedByClient,
}

/// A token as stored (by digest), with how it was issued: the record the grader reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRecord {
    pub token_sha256: String,
    pub kind: TokenKind,
    /// The digest of the code the family started from.
    pub family: String,
    pub client_id: String,
    pub learner_id: String,
    /// The scope asked for (the one granted drops `offline_access` unless `refresh_enabled`).
    pub scope: String,
    /// `authorization_code`, `refresh_token` or `client_credentials`.
    pub grant_type: String,
    pub code_challenge: String,
    /// The refresh token redeemed to get this one.
    pub parent_sha256: Option<String>,
    pub refresh_enabled: bool,
    pub jti: Option<String>,
    pub issued_at: i64,
    /// Access: its `exp`. Refresh: the end of its idle lifetime.
    pub expires_at: i64,
    /// Refresh: the end of the family's absolute lifetime.
    pub absolute_expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// How the client authenticated at the token endpoint when it got this token
    /// (`client_secret_basic`, `client_secret_post`); `None` for tokens stored before the
    /// server recorded it.
    pub client_auth: Option<String>,
    /// The redirect URI of the authorization request the family started from (`None`
    /// for tokens stored before the server recorded it, as for the next three).
    pub redirect_uri: Option<String>,
    /// The SHA-256 digest (`token_sha256`) of that request's OpenID Connect `nonce`, when
    /// it had one: the nonce itself stays with the code only, for the ID token.
    pub nonce_sha256: Option<String>,
    /// The scope granted: the one of the token response.
    pub granted_scope: Option<String>,
    /// The PKCE `code_challenge_method` of that request (`S256`).
    pub pkce_method: Option<String>,
    /// The family's code was redeemed twice. Set by the store (by [`TokenStore::revoke_family`]
    /// with [`FamilyRevocation::CodeRedeemedTwice`], or on storing the token into such a
    /// family), never by the one who inserts it.
    pub code_reused: bool,
    /// The `resource` (RFC 8707) or `audience` the token request named, when it named one
    /// (the client credentials grant).
    pub resource: Option<String>,
    /// The access token's `aud`, when recorded.
    pub audience: Option<String>,
}

impl TokenRecord {
    /// Neither used, revoked nor expired.
    pub fn is_active(&self, now: i64) -> bool {
        self.used_at.is_none()
            && self.revoked_at.is_none()
            && now < self.expires_at
            && now < self.absolute_expires_at
    }
}

#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn insert_token(&self, token: &TokenRecord) -> Result<(), StoreError>;
    async fn find_token(&self, token_sha256: &str) -> Result<Option<TokenRecord>, StoreError>;
    /// The digest of the refresh token issued in the same response as `access`, if any.
    async fn refresh_issued_with(&self, access: &TokenRecord) -> Result<Option<String>, StoreError>;
    /// Mark an unused, unrevoked refresh token of `client_id` used.
    async fn redeem_refresh(
        &self,
        token_sha256: &str,
        client_id: &str,
        now: i64,
    ) -> Result<Redeemed<TokenRecord>, StoreError>;
    async fn revoke_token(&self, token_sha256: &str, now: i64) -> Result<(), StoreError>;
    /// Revoke every token of the family, and any stored into it later; when `why` is
    /// [`FamilyRevocation::CodeRedeemedTwice`], mark them (and those later ones) as from a
    /// code redeemed twice, even when they were revoked before.
    async fn revoke_family(&self, family: &str, why: FamilyRevocation, now: i64) -> Result<(), StoreError>;
    /// Forget the tokens dead (expired) before `dead_before`, and the families revoked
    /// before `revoked_before`; the number of tokens forgotten.
    async fn forget_tokens(&self, dead_before: i64, revoked_before: i64) -> Result<u64, StoreError>;
}

const TOKEN_COLUMNS: &str = "token_sha256, kind, family, client_id, learner_id, scope, grant_type,
    code_challenge, parent_sha256, refresh_enabled, jti, issued_at, expires_at,
    absolute_expires_at, used_at, revoked_at, client_auth, redirect_uri, nonce_sha256, granted_scope,
    pkce_method, code_reused, resource, audience";

fn token_of(row: &AnyRow) -> Result<TokenRecord, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    Ok(TokenRecord {
        token_sha256: row.try_get("token_sha256")?,
        kind: if kind == "refresh" { TokenKind::Refresh } else { TokenKind::Access },
        family: row.try_get("family")?,
        client_id: row.try_get("client_id")?,
        learner_id: row.try_get("learner_id")?,
        scope: row.try_get("scope")?,
        grant_type: row.try_get("grant_type")?,
        code_challenge: row.try_get("code_challenge")?,
        parent_sha256: row.try_get("parent_sha256")?,
        refresh_enabled: flag(row, "refresh_enabled")?,
        jti: row.try_get("jti")?,
        issued_at: row.try_get("issued_at")?,
        expires_at: row.try_get("expires_at")?,
        absolute_expires_at: row.try_get("absolute_expires_at")?,
        used_at: row.try_get("used_at")?,
        revoked_at: row.try_get("revoked_at")?,
        client_auth: row.try_get("client_auth")?,
        redirect_uri: row.try_get("redirect_uri")?,
        nonce_sha256: row.try_get("nonce_sha256")?,
        granted_scope: row.try_get("granted_scope")?,
        pkce_method: row.try_get("pkce_method")?,
        code_reused: flag(row, "code_reused")?,
        resource: row.try_get("resource")?,
        audience: row.try_get("audience")?,
    })
}

impl Db {
    /// On PostgreSQL, wait for (then hold until `tx` ends) the lock of `family`, which
    /// storing a token and revoking the family both take. Without it, two instances could
    /// interleave: the revocation marks the family and updates its tokens while a token is
    /// being stored that saw no mark yet (the mark was not committed) and that the update
    /// did not see (the token was not committed), and the winner of a replayed code would
    /// keep a live token. SQLite writes one transaction at a time: nothing to take.
    async fn lock_family(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>, family: &str) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
                .bind(FAMILY_LOCKS)
                .bind(family)
                .execute(&mut **tx)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }
}

/// The advisory lock class of token families (PostgreSQL's two-key lock space; sqlx's
/// migration lock is in the one-key space).
const FAMILY_LOCKS: i32 = 0x4f4c_0001;

#[async_trait]
impl TokenStore for Db {
    async fn insert_token(&self, t: &TokenRecord) -> Result<(), StoreError> {
        // A family revoked before this token is stored (a replay that raced the redemption
        // which issues it) gives the token its revocation, and the mark of a replayed code.
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        self.lock_family(&mut tx, &t.family).await?;
        sqlx::query(&format!(
            "INSERT INTO tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
             COALESCE($16, (SELECT revoked_at FROM revoked_families WHERE family = $17)), $18, $19, $20, $21, $22,
             CASE WHEN $23 = 1 THEN 1 ELSE COALESCE((SELECT code_reused FROM revoked_families WHERE family = $24), 0) END, $25, $26)"
        ))
        .bind(&t.token_sha256)
        .bind(t.kind.as_str())
        .bind(&t.family)
        .bind(&t.client_id)
        .bind(&t.learner_id)
        .bind(&t.scope)
        .bind(&t.grant_type)
        .bind(&t.code_challenge)
        .bind(&t.parent_sha256)
        .bind(i64::from(t.refresh_enabled))
        .bind(&t.jti)
        .bind(t.issued_at)
        .bind(t.expires_at)
        .bind(t.absolute_expires_at)
        .bind(t.used_at)
        .bind(t.revoked_at)
        .bind(&t.family)
        .bind(&t.client_auth)
        .bind(&t.redirect_uri)
        .bind(&t.nonce_sha256)
        .bind(&t.granted_scope)
        .bind(&t.pkce_method)
        .bind(i64::from(t.code_reused))
        .bind(&t.family)
        .bind(&t.resource)
        .bind(&t.audience)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)
    }

    async fn find_token(&self, token_sha256: &str) -> Result<Option<TokenRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE token_sha256 = $1"))
            .bind(token_sha256)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.as_ref().map(token_of).transpose().map_err(store_error)
    }

    async fn refresh_issued_with(&self, access: &TokenRecord) -> Result<Option<String>, StoreError> {
        // One response's tokens share family, parent and issue time; a code or a refresh
        // token is redeemed once, so no other response shares them.
        let row = sqlx::query(
            "SELECT token_sha256 FROM tokens WHERE kind = 'refresh' AND family = $1
             AND parent_sha256 IS NOT DISTINCT FROM $2 AND issued_at = $3 LIMIT 1",
        )
        .bind(&access.family)
        .bind(&access.parent_sha256)
        .bind(access.issued_at)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.map(|r| r.try_get("token_sha256")).transpose().map_err(store_error)
    }

    async fn redeem_refresh(
        &self,
        token_sha256: &str,
        client_id: &str,
        now: i64,
    ) -> Result<Redeemed<TokenRecord>, StoreError> {
        let fresh = sqlx::query(&format!(
            "UPDATE tokens SET used_at = $1 WHERE token_sha256 = $2 AND kind = 'refresh'
             AND client_id = $3 AND used_at IS NULL AND revoked_at IS NULL RETURNING {TOKEN_COLUMNS}"
        ))
        .bind(now)
        .bind(token_sha256)
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        if let Some(row) = fresh {
            return token_of(&row).map(Redeemed::Fresh).map_err(store_error);
        }
        match self.find_token(token_sha256).await? {
            Some(t) if t.kind == TokenKind::Refresh && t.client_id == client_id => Ok(Redeemed::Reused(t)),
            _ => Ok(Redeemed::Unknown),
        }
    }

    async fn revoke_token(&self, token_sha256: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE token_sha256 = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(token_sha256)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn revoke_family(&self, family: &str, why: FamilyRevocation, now: i64) -> Result<(), StoreError> {
        // The mark first: a token stored after it is born revoked, one stored before it is
        // revoked by the update. The first revocation's time stays; a replayed code is
        // marked whenever it comes.
        let code_reused = i64::from(why == FamilyRevocation::CodeRedeemedTwice);
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        self.lock_family(&mut tx, family).await?;
        sqlx::query(
            "INSERT INTO revoked_families (family, revoked_at, code_reused) VALUES ($1, $2, $3)
             ON CONFLICT (family) DO UPDATE SET code_reused =
             CASE WHEN excluded.code_reused = 1 THEN 1 ELSE revoked_families.code_reused END",
        )
        .bind(family)
        .bind(now)
        .bind(code_reused)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        sqlx::query(
            "UPDATE tokens SET revoked_at = COALESCE(revoked_at, $1), code_reused = CASE WHEN $2 = 1 THEN 1 ELSE code_reused END
             WHERE family = $3",
        )
        .bind(now)
        .bind(code_reused)
        .bind(family)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)
    }

    async fn forget_tokens(&self, dead_before: i64, revoked_before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM tokens WHERE expires_at < $1 OR absolute_expires_at < $1")
            .bind(dead_before)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        sqlx::query("DELETE FROM revoked_families WHERE revoked_at < $1")
            .bind(revoked_before)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected())
    }
}
