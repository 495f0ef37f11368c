//! The learner session: a cookie set on the first response to a client that has none (or
//! one the server did not issue). Its value is a random token and the token's HMAC under
//! the server key, so a made-up value is not a session; nothing is stored per session.
//! The learner is known by a digest of the token, so the cookie is never stored.

use axum::extract::{Request, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub use app::services::cookie_value;
use app::services::LearnerId;

use crate::shared::html::page;
use crate::storage::ServerKey;

/// The cookie's name on an http site; an https one adds the `__Host-` prefix (see
/// [`SessionSettings::cookie_name`]).
pub const COOKIE_NAME: &str = "oauthlab_session";
const HOST_COOKIE_NAME: &str = "__Host-oauthlab_session";
const ONE_YEAR: u32 = 365 * 24 * 3600;
/// What the server key signs session tokens for (see [`ServerKey::mac`]).
const SIGNING_PURPOSE: &str = "learner_session";

/// How the cookie is named, set and checked.
#[derive(Clone, Debug)]
pub struct SessionSettings {
    /// `Secure` and the `__Host-` prefix when the public URL is https.
    pub secure: bool,
    /// Signs the tokens.
    pub key: ServerKey,
}

impl SessionSettings {
    pub fn for_site(public_url: &str, key: ServerKey) -> Self {
        Self { secure: public_url.starts_with("https://"), key }
    }

    /// `__Host-oauthlab_session` on an https site (the browser then keeps it only from a
    /// secure origin, for the whole host, and no subdomain can set it), `oauthlab_session`
    /// on an http one.
    pub fn cookie_name(&self) -> &'static str {
        if self.secure {
            HOST_COOKIE_NAME
        } else {
            COOKIE_NAME
        }
    }

    fn signature(&self, token: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.key.mac(SIGNING_PURPOSE, token))
    }

    /// The cookie value for a token: `<token>.<HMAC-SHA256 of it, base64url>`.
    pub fn sign(&self, token: &str) -> String {
        format!("{token}.{}", self.signature(token))
    }

    /// The token of a cookie value this server issued, or `None` (compared in constant
    /// time).
    pub fn verify<'a>(&self, value: &'a str) -> Option<&'a str> {
        let (token, signature) = value.split_once('.')?;
        if !is_session_token(token) {
            return None;
        }
        let expected = self.signature(token);
        bool::from(expected.as_bytes().ct_eq(signature.as_bytes())).then_some(token)
    }

    /// The `Set-Cookie` value for a token.
    pub fn set_cookie_value(&self, token: &str) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{}={}; Path=/; Max-Age={ONE_YEAR}; HttpOnly; SameSite=Lax{secure}",
            self.cookie_name(),
            self.sign(token)
        )
    }
}

/// A session token is 32 random bytes in base64url: 43 characters.
fn is_session_token(value: &str) -> bool {
    value.len() == 43 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The learner a session token stands for: the first 16 characters of its SHA-256
/// digest in base64url (96 bits).
pub fn learner_of(token: &str) -> LearnerId {
    let digest = Sha256::digest(token.as_bytes());
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
    LearnerId(encoded.chars().take(16).collect())
}

/// What no learner calls from a browser, so it starts no session: the practice server's
/// endpoints for clients (machine to machine), its metadata, and static files.
fn starts_no_session(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path.starts_with("/.well-known/")
        || matches!(
            path,
            "/oauth2/token" | "/oauth2/revoke" | "/oauth2/introspect" | "/oauth2/jwks" | "/favicon.svg"
        )
}

/// Marks a request that came without a learner cookie this server issued: its answer sets
/// one.
#[derive(Clone, Copy, Debug)]
pub struct NewSession;

pub async fn learner_session(
    State(settings): State<SessionSettings>,
    mut req: Request,
    next: Next,
) -> Response {
    let existing = cookie_value(req.headers(), settings.cookie_name())
        .and_then(|v| settings.verify(v))
        .map(str::to_owned);
    if existing.is_none() && starts_no_session(req.uri().path()) {
        return next.run(req).await;
    }
    let (token, fresh) = match existing {
        Some(token) => (token, false),
        None => (new_token(), true),
    };
    req.extensions_mut().insert(learner_of(&token));
    if fresh {
        req.extensions_mut().insert(NewSession);
    }
    let mut res = next.run(req).await;
    if fresh {
        if let Ok(value) = HeaderValue::from_str(&settings.set_cookie_value(&token)) {
            res.headers_mut().append(SET_COOKIE, value);
        }
    }
    res
}

/// Marks the second visit of a join link, after the answer to the first set the cookie.
const COOKIE_CHECK: &str = "cookie_check=1";

/// A class's join link (`/join/<code>`) opened without the learner cookie joins nobody:
/// link previews (Slackbot and the like) fetch it without cookies. The answer sets the
/// cookie (see [`learner_session`]) and sends the client to the same URL, marked; only a
/// client that comes back with the cookie, a browser, gets the page that joins. One that
/// comes back without it has cookies off, and is told so (not sent round again). Runs
/// inside [`learner_session`].
pub async fn join_link_needs_a_session(req: Request, next: Next) -> Response {
    let opens_join_link = matches!(*req.method(), Method::GET | Method::HEAD)
        && req.uri().path().starts_with("/join/")
        && req.extensions().get::<NewSession>().is_some();
    if !opens_join_link {
        return next.run(req).await;
    }
    let query = req.uri().query();
    if query.is_some_and(|q| q.split('&').any(|part| part == COOKIE_CHECK)) {
        let body = "<section class=\"panel\"><h1>Cookies are off</h1><p role=\"alert\" class=\"error-box\">\
                    OAuth Lab keeps your place with a cookie, and this browser did not keep it: allow \
                    cookies for this site, then open the join link again.</p></section>";
        return (StatusCode::BAD_REQUEST, Html(page("Cookies are off · OAuth Lab", "", body)))
            .into_response();
    }
    let path = req.uri().path();
    let location = match query {
        Some(q) => format!("{path}?{q}&{COOKIE_CHECK}"),
        None => format!("{path}?{COOKIE_CHECK}"),
    };
    match HeaderValue::from_str(&location) {
        Ok(location) => (StatusCode::FOUND, [(LOCATION, location)]).into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header::COOKIE;
    use axum::http::HeaderMap;

    #[test]
    fn a_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("a=1; oauthlab_session=abc; b=2"));
        assert_eq!(cookie_value(&headers, COOKIE_NAME), Some("abc"));
        assert_eq!(cookie_value(&headers, "c"), None);
    }

    #[test]
    fn only_well_formed_tokens_are_sessions() {
        assert!(is_session_token(&new_token()));
        for bad in ["", "abc", &"x".repeat(44), &format!("{}=", "a".repeat(42))] {
            assert!(!is_session_token(bad), "{bad}");
        }
    }

    #[test]
    fn the_learner_id_is_a_digest_not_the_token() {
        let token = new_token();
        let id = learner_of(&token);
        assert_eq!(id, learner_of(&token));
        assert_eq!(id.as_str().len(), 16);
        assert!(!token.contains(id.as_str()));
        assert_ne!(id, learner_of(&new_token()));
    }

    fn settings(public_url: &str) -> SessionSettings {
        SessionSettings::for_site(public_url, ServerKey::random())
    }

    #[test]
    fn the_cookie_is_httponly_lax_and_secure_with_the_host_prefix_only_on_https() {
        let plain = settings("http://127.0.0.1:3000").set_cookie_value("t");
        assert!(plain.starts_with("oauthlab_session=t."), "{plain}");
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Lax") && !plain.contains("Secure"));
        let https = settings("https://lab.example").set_cookie_value("t");
        assert!(https.starts_with("__Host-oauthlab_session=t."), "{https}");
        assert!(https.contains("; Path=/;") && !https.contains("Domain") && https.ends_with("; Secure"));
    }

    #[test]
    fn only_signed_tokens_of_this_key_are_sessions() {
        let site = settings("http://127.0.0.1:3000");
        let token = new_token();
        let cookie = site.sign(&token);
        assert_eq!(site.verify(&cookie), Some(token.as_str()));
        let other_key = settings("http://127.0.0.1:3000").sign(&token);
        let (_, signature) = cookie.split_once('.').expect("signed");
        let mut tampered = signature.to_owned().into_bytes();
        tampered[0] = if tampered[0] == b'A' { b'B' } else { b'A' };
        let tampered = format!("{token}.{}", String::from_utf8(tampered).expect("ascii"));
        let forged = [
            token.clone(),
            other_key,
            tampered,
            format!("{token}."),
            format!("{cookie}x"),
            format!("{}.{signature}", new_token()),
            format!("abc.{signature}"),
        ];
        for bad in &forged {
            assert_eq!(site.verify(bad), None, "{bad}");
        }
    }
}
