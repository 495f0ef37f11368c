//! [`IssuedTokens`] on SQLite: what the grader asks the practice server (did it issue this
//! access token, and how?), answered from the [`TokenStore`].

use app::services::store::{IssuedTokens, StoreError};
use async_trait::async_trait;
use oauthlab::exercises::refresh::{Issued, IssuedGrant};

use super::{Db, TokenKind, TokenStore};

/// Refresh chains longer than this are not followed.
const MAX_CHAIN: usize = 1000;

#[async_trait]
impl IssuedTokens for Db {
    async fn issued(&self, access_token_sha256: &str) -> Result<Option<Issued>, StoreError> {
        issued_from(self, access_token_sha256).await
    }
}

/// How the access token with this digest was issued, read from `tokens`: `None` when it
/// is unknown or not an access token.
pub(crate) async fn issued_from<T: TokenStore + ?Sized>(
    tokens: &T,
    access_token_sha256: &str,
) -> Result<Option<Issued>, StoreError> {
    let Some(token) = tokens.find_token(access_token_sha256).await? else {
        return Ok(None);
    };
    if token.kind != TokenKind::Access {
        return Ok(None);
    }
    let refresh_token_sha256 = tokens.refresh_issued_with(&token).await?;
    let mut ancestors = Vec::new();
    let mut parent = token.parent_sha256.clone();
    while let Some(digest) = parent.take() {
        if ancestors.len() >= MAX_CHAIN || ancestors.contains(&digest) {
            break;
        }
        parent = tokens.find_token(&digest).await?.and_then(|t| t.parent_sha256);
        ancestors.push(digest);
    }
    Ok(Some(Issued {
        client_id: token.client_id,
        grant: match token.grant_type.as_str() {
            "refresh_token" => IssuedGrant::RefreshToken,
            "client_credentials" => IssuedGrant::ClientCredentials,
            _ => IssuedGrant::AuthorizationCode,
        },
        code_challenge: token.code_challenge,
        requested_scope: token.scope,
        refresh_tokens_enabled: token.refresh_enabled,
        revoked: token.revoked_at.is_some(),
        refresh_token_sha256,
        refresh_ancestors: ancestors,
        client_auth: token.client_auth,
        // A family is named by the digest of the code it started from (a client
        // credentials token has no code: its family is its own).
        code_sha256: (token.grant_type != "client_credentials").then_some(token.family),
        redirect_uri: token.redirect_uri,
        nonce_sha256: token.nonce_sha256,
        granted_scope: token.granted_scope,
        pkce_method: token.pkce_method,
        issued_at: Some(token.issued_at),
        code_redeemed_twice: token.code_reused,
        resource: token.resource,
        audience: token.audience,
    }))
}

#[cfg(test)]
mod tests {
    use app::services::store::IssuedTokens;

    use crate::storage::Db;

    /// A row as a server before the whole issuance record wrote it (its columns only) reads,
    /// without what it does not know; the migration gives it no code replay.
    #[tokio::test]
    async fn a_token_stored_before_the_whole_record_reads_without_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(&format!("sqlite:{}", dir.path().join("lab.db").display())).await.expect("open");
        sqlx::query(
            "INSERT INTO tokens (token_sha256, kind, family, client_id, learner_id, scope, grant_type,
             code_challenge, parent_sha256, refresh_enabled, jti, issued_at, expires_at,
             absolute_expires_at, used_at, revoked_at, client_auth)
             VALUES ('a1', 'access', 'F', 'lab_a', 'ada', 'openid', 'authorization_code', 'c', NULL,
             0, 'j', 100, 1000, 1000, NULL, 150, 'client_secret_basic')",
        )
        .execute(&db.pool)
        .await
        .expect("an old row");
        sqlx::query("INSERT INTO revoked_families (family, revoked_at) VALUES ('F', 150)")
            .execute(&db.pool)
            .await
            .expect("an old mark");
        let issued = db.issued("a1").await.expect("issued").expect("a1");
        assert_eq!(issued.client_auth.as_deref(), Some("client_secret_basic"));
        assert_eq!((&issued.redirect_uri, &issued.nonce_sha256), (&None, &None));
        assert_eq!((&issued.granted_scope, &issued.pkce_method), (&None, &None));
        assert_eq!(issued.issued_at, Some(100));
        assert!(issued.revoked && !issued.code_redeemed_twice, "revoked, for no code known to be replayed");
    }
}
