//! Server metadata (RFC 8414) and the public keys (RFC 7517).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::authorize::PROMPT_VALUES;
use super::error::OAuthError;
use super::{Practice, CLAIMS, SCOPES, USERINFO_PATH};
use app::services::now_unix;
use oauthlab::oauth::id_token::IdTokenAlg;

pub async fn metadata_get(State(p): State<Practice>) -> Json<serde_json::Value> {
    let i = &p.issuer;
    Json(json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/oauth2/authorize"),
        "token_endpoint": format!("{i}/oauth2/token"),
        "jwks_uri": format!("{i}/oauth2/jwks"),
        "revocation_endpoint": format!("{i}/oauth2/revoke"),
        "introspection_endpoint": format!("{i}/oauth2/introspect"),
        "scopes_supported": SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "userinfo_endpoint": format!("{i}{USERINFO_PATH}"),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported":
            IdTokenAlg::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        "claims_supported": CLAIMS,
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "prompt_values_supported": PROMPT_VALUES,
        "display_values_supported": ["page"],
        "authorization_response_iss_parameter_supported": true,
    }))
}

pub async fn jwks_get(State(p): State<Practice>) -> Response {
    match p.keys.jwks(now_unix()).await {
        Ok(keys) => Json(json!({"keys": keys})).into_response(),
        Err(err) => OAuthError::from(err).into_response(),
    }
}
