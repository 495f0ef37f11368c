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
        grant: if token.grant_type == "refresh_token" {
            IssuedGrant::RefreshToken
        } else {
            IssuedGrant::AuthorizationCode
        },
        code_challenge: token.code_challenge,
        requested_scope: token.scope,
        refresh_tokens_enabled: token.refresh_enabled,
        revoked: token.revoked_at.is_some(),
        refresh_token_sha256,
        refresh_ancestors: ancestors,
        client_auth: token.client_auth,
        // A family is named by the digest of the code it started from.
        code_sha256: Some(token.family),
        redirect_uri: token.redirect_uri,
        nonce_sha256: token.nonce_sha256,
        granted_scope: token.granted_scope,
        pkce_method: token.pkce_method,
        issued_at: Some(token.issued_at),
        code_redeemed_twice: token.code_reused,
    }))
}
