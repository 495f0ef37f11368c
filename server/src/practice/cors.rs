//! CORS at the token endpoint, for the public client (a single-page app calls it from the
//! browser): the exact `Origin` is echoed when allowed, never `*`, with `Vary: Origin`.
//!
//! A preflight (`OPTIONS`) does not say which client it is for (the `client_id` is in the
//! body to come), so it is answered for an origin some public client allows: the site's
//! own (every unedited list's) or one in a learner's edited list, one indexed lookup. The
//! `POST` itself is answered for the origins of the public client it names only.

use axum::extract::State;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use oauthlab::exercises::client_credentials::ClientKind;

use super::client_auth::named_client_id;
use super::params::Params;
use super::Practice;
use app::services::store::{origin_of, MAX_ORIGIN_CHARS};

/// The request's `Origin`, when it has a plausible one.
fn request_origin(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| !o.is_empty() && o.len() <= MAX_ORIGIN_CHARS && *o != "null")
}

fn allow(res: &mut Response, origin: &str) {
    if let Ok(v) = HeaderValue::from_str(origin) {
        res.headers_mut().insert(ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
}

fn vary_origin(res: &mut Response) {
    res.headers_mut().append(VARY, HeaderValue::from_static("Origin"));
}

impl Practice {
    /// The site's own origin: every public client's allowed origin until the learner
    /// edits the list.
    pub fn site_origin(&self) -> String {
        origin_of(&self.issuer).unwrap_or_else(|| self.issuer.clone())
    }

    /// Whether some public client allows `origin` (for a preflight).
    async fn any_public_client_allows(&self, origin: &str) -> bool {
        if origin == self.site_origin() {
            return true;
        }
        match self.apps.origin_allowed(origin).await {
            Ok(allowed) => allowed,
            Err(err) => {
                tracing::error!(error = %err, "allowed origins lookup failed");
                false
            }
        }
    }
}

/// `OPTIONS /oauth2/token`: the CORS preflight.
pub async fn token_options(State(p): State<Practice>, headers: HeaderMap) -> Response {
    let mut res = StatusCode::NO_CONTENT.into_response();
    vary_origin(&mut res);
    let Some(origin) = request_origin(&headers) else { return res };
    if p.any_public_client_allows(origin).await {
        allow(&mut res, origin);
        let h = res.headers_mut();
        h.insert(ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST"));
        h.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("Content-Type"));
        h.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    }
    res
}

/// The token endpoint's answer `res` to a request with `headers` and `body`, with the CORS
/// headers when the request comes from an origin its public client allows.
pub async fn token_answer(p: &Practice, headers: &HeaderMap, body: &[u8], mut res: Response) -> Response {
    vary_origin(&mut res);
    let Some(origin) = request_origin(headers) else { return res };
    let Some(client_id) = Params::parse(body).ok().and_then(|params| named_client_id(headers, &params))
    else {
        return res;
    };
    let allowed = match p.apps.find_client(&client_id).await {
        Ok(Some((_, app, ClientKind::Public))) => {
            app.allowed_origins(&p.site_origin()).iter().any(|o| o == origin)
        }
        Ok(_) => false,
        Err(err) => {
            tracing::error!(error = %err, "client lookup for CORS failed");
            false
        }
    };
    if allowed {
        allow(&mut res, origin);
    }
    res
}
