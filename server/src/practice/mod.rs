//! The built-in practice authorization server: plain axum routes, as strict as a
//! production server. RFC 6749, 7636 (PKCE, S256 only), 7009, 7662, 8414, 9068, 9700.

mod access_token;
mod api;
mod authorize;
pub mod client_auth;
pub mod client_credentials;
mod cors;
pub mod error;
mod introspect;
mod metadata;
pub mod params;
mod scope;
mod token;
pub mod userinfo;

use std::sync::Arc;

use app::services::store::{ClientSecrets, PracticeAppStore, Receipts};
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use oauthlab::exercises::client_credentials::ClientKind;

use crate::shared::keys::KeyRing;
use crate::storage::{CodeStore, ConsentStore, TokenStore};

/// How long things live, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifetimes {
    pub code: i64,
    pub access_token: i64,
    /// A refresh token unused this long expires (each rotation starts a new one).
    pub refresh_idle: i64,
    /// No refresh token of a family lives past this, counted from the code exchange.
    pub refresh_absolute: i64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self { code: 300, access_token: 900, refresh_idle: 24 * 3600, refresh_absolute: 7 * 24 * 3600 }
    }
}

/// Scopes the practice server grants.
pub const SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// The practice server's parts.
#[derive(Clone)]
pub struct Practice {
    pub issuer: String,
    pub apps: Arc<dyn PracticeAppStore>,
    pub secrets: Arc<dyn ClientSecrets>,
    pub codes: Arc<dyn CodeStore>,
    pub tokens: Arc<dyn TokenStore>,
    pub consents: Arc<dyn ConsentStore>,
    /// The practice API's receipts.
    pub receipts: Arc<dyn Receipts>,
    pub keys: KeyRing,
    pub lifetimes: Lifetimes,
}

/// How long the practice server remembers a code or token after it can no longer be
/// used, so that the grader can still say what it was.
pub const REMEMBER_DEAD: i64 = 30 * 24 * 3600;

impl Practice {
    pub fn redirect_uris(&self) -> Vec<String> {
        vec![app::services::practice_redirect_uri(&self.issuer)]
    }

    /// The redirect URIs registered for a kind of client: the web client's, the public
    /// client's (the SPA callback), none for the service client.
    pub fn redirect_uris_of(&self, kind: ClientKind) -> Vec<String> {
        match kind {
            ClientKind::Web => self.redirect_uris(),
            ClientKind::Public => vec![oauthlab::exercises::spa::redirect_uri(&self.issuer)],
            ClientKind::Service => Vec::new(),
        }
    }

    /// Forget what nobody can use any more, kept for [`REMEMBER_DEAD`]: tokens past their
    /// expiry; codes (and revoked families) once no token of theirs can still live, so
    /// that a replayed code still revokes its family while that matters; the practice
    /// API's receipts once expired. The number of codes, tokens and receipts forgotten.
    pub async fn forget_dead(&self, now: i64) -> Result<u64, app::services::store::StoreError> {
        let dead_before = now - REMEMBER_DEAD;
        let family_over_before = dead_before - self.lifetimes.code - self.lifetimes.refresh_absolute;
        let tokens = self.tokens.forget_tokens(dead_before, family_over_before).await?;
        let codes = self.codes.forget_codes(family_over_before).await?;
        // Receipts are forgotten once they can no longer be graded.
        let receipts = self.receipts.forget_receipts(now).await?;
        Ok(tokens + codes + receipts)
    }
}

/// A new opaque secret: 32 random bytes (256 bits) in base64url.
pub fn random_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The UserInfo endpoint's path (OpenID Connect Core §5.3).
pub const USERINFO_PATH: &str = "/oauth2/userinfo";

/// The claims the practice server's ID tokens and UserInfo endpoint can carry.
pub const CLAIMS: [&str; 11] =
    ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "name", "email", "email_verified"];

/// The practice server's endpoints, on its own state.
pub fn routes() -> Router<Practice> {
    Router::new()
        .route("/.well-known/openid-configuration", get(metadata::metadata_get))
        .route("/.well-known/oauth-authorization-server", get(metadata::metadata_get))
        .route("/oauth2/jwks", get(metadata::jwks_get))
        .route("/oauth2/authorize", get(authorize::authorize_get).post(authorize::authorize_post))
        .route("/oauth2/token", post(token::token_post).options(cors::token_options))
        .route("/oauth2/revoke", post(introspect::revoke_post))
        .route("/oauth2/introspect", post(introspect::introspect_post))
        .route(USERINFO_PATH, get(userinfo::userinfo_get).post(userinfo::userinfo_post))
        .route("/practice-api/reports", get(api::reports_get))
}
