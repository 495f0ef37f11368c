//! What every request passes before a handler sees it: rate limit (429), cross-site
//! writes (403), the number of query parameters (400), body size (413), JSON bodies on
//! the API (415), and `no-store` on anything that may hold a secret.

use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, ORIGIN, PRAGMA, RETRY_AFTER};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use lru::LruCache;

use app::services::failure::Failure;
use app::services::ClientAddr;

use super::ApiError;

/// The largest request body accepted.
pub const MAX_BODY: usize = 64 * 1024;
/// The most query parameters a page or the API reads. The pages' router files each
/// parameter by comparing it with every one before (quadratic: 10 000 took a second of
/// CPU), and no page or endpoint takes more than a few. The practice server's endpoints
/// have their own limit (`practice::params`), answered in OAuth's terms.
pub const MAX_QUERY_PARAMS: usize = 50;
/// How long a request body may take to arrive, once the headers have.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// A fixed one-minute window per client address (an IPv6 client per /64), for at most
/// [`RateLimiter::MAX_CLIENTS`] clients at once: past that, the client seen least recently
/// is forgotten (in O(1)), and starts a fresh window when it comes back.
#[derive(Clone)]
pub struct RateLimiter {
    per_minute: u32,
    windows: Arc<Mutex<LruCache<IpAddr, (Instant, u32)>>>,
}

impl RateLimiter {
    /// The most clients whose windows are remembered.
    pub const MAX_CLIENTS: usize = 65_536;

    pub fn new(per_minute: u32) -> Self {
        Self::with_capacity(per_minute, Self::MAX_CLIENTS)
    }

    pub fn with_capacity(per_minute: u32, clients: usize) -> Self {
        let clients = NonZeroUsize::new(clients).unwrap_or(NonZeroUsize::MIN);
        Self { per_minute, windows: Arc::new(Mutex::new(LruCache::new(clients))) }
    }

    /// `Err(seconds to wait)` when `ip` used up its window.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let mut windows = match self.windows.lock() {
            Ok(w) => w,
            Err(poisoned) => poisoned.into_inner(),
        };
        let entry = windows.get_or_insert_mut(ip, || (now, 0));
        if now.duration_since(entry.0) >= Duration::from_secs(60) {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_minute {
            let wait = Duration::from_secs(60).saturating_sub(now.duration_since(entry.0));
            return Err(wait.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[derive(Clone)]
pub struct GuardState {
    /// Origin of the public URL, e.g. `http://127.0.0.1:3000`.
    pub public_origin: String,
    pub limiter: RateLimiter,
    /// Whose forwarded client addresses are believed (see `client::client_addr`).
    pub proxies: crate::shared::client::TrustedProxies,
}

/// Paths under the rate limit: the API, server functions, the practice server and the
/// practice API (each call of which stores a receipt).
fn limited_path(path: &str) -> bool {
    path.starts_with("/api/")
        || path.starts_with("/fn/")
        || path.starts_with("/oauth2/")
        || path.starts_with("/practice-api/")
}

/// A page of the site (rendered by its router), not the API, a server function, the
/// practice server or a static file.
fn is_page(path: &str) -> bool {
    !limited_path(path) && !path.starts_with("/pkg/") && !path.starts_with("/.well-known/")
}

/// More than [`MAX_QUERY_PARAMS`] parameters in `query` (counted up to one past it).
fn too_many_query_params(query: Option<&str>) -> bool {
    query.is_some_and(|q| {
        q.split('&').filter(|p| !p.is_empty()).take(MAX_QUERY_PARAMS + 1).count() > MAX_QUERY_PARAMS
    })
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The one path other sites may write to: the practice token endpoint.
const CORS_PATH: &str = "/oauth2/token";

/// A write from another site: an `Origin` other than the public URL's, exactly (the
/// `Host` header, which the client chooses, does not count: the site reached by another
/// name, localhost for 127.0.0.1, is another origin), or `Sec-Fetch-Site: cross-site`.
fn is_cross_site(req: &Request, public_origin: &str) -> bool {
    let headers = req.headers();
    if app::services::sent_from_another_site(headers) {
        return true;
    }
    headers.get(ORIGIN).is_some_and(|origin| origin.as_bytes() != public_origin.as_bytes())
}

/// Why the guard turned a request away.
#[derive(Debug)]
enum Rejection {
    /// Seconds until the client's window has room.
    RateLimited(u64),
    CrossSite,
    /// More than [`MAX_QUERY_PARAMS`] query parameters.
    TooManyQueryParams,
    TooLarge,
    NotJson,
    /// The body did not arrive within [`BODY_TIMEOUT`].
    SlowBody,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::RateLimited(wait) => {
                write!(
                    f,
                    "Too many requests: wait {} and try again.",
                    oauthlab::verdict::count(*wait, "second")
                )
            }
            Rejection::CrossSite => {
                f.write_str("Requests that change something must come from OAuth Lab's own pages.")
            }
            Rejection::TooManyQueryParams => write!(
                f,
                "The address has more than {MAX_QUERY_PARAMS} query parameters, the most this site reads."
            ),
            Rejection::TooLarge => write!(f, "The request body is larger than {} KiB.", MAX_BODY / 1024),
            Rejection::NotJson => f.write_str("Send the body as JSON, with Content-Type: application/json."),
            Rejection::SlowBody => {
                write!(f, "The request body did not arrive within {} seconds.", BODY_TIMEOUT.as_secs())
            }
        }
    }
}

impl Failure for Rejection {
    fn status(&self) -> StatusCode {
        match self {
            Rejection::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Rejection::CrossSite => StatusCode::FORBIDDEN,
            Rejection::TooManyQueryParams => StatusCode::BAD_REQUEST,
            Rejection::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Rejection::SlowBody => StatusCode::REQUEST_TIMEOUT,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            Rejection::RateLimited(_) => "rate_limited",
            Rejection::CrossSite => "cross_site",
            Rejection::TooManyQueryParams => "invalid_request",
            Rejection::TooLarge => "payload_too_large",
            Rejection::NotJson => "unsupported_media_type",
            Rejection::SlowBody => "request_timeout",
        }
    }
    fn retry_after(&self) -> Option<u64> {
        match self {
            Rejection::RateLimited(wait) => Some(*wait),
            _ => None,
        }
    }
}

impl Rejection {
    /// The API's error shape; RFC 6749 §5.2's on the practice server's endpoints, so an
    /// OAuth client reads it as it reads the server's own errors; and on the pages' server
    /// functions, what the page that called reads: the server function error encoding for
    /// a hydrated page, a short page for a plain form post.
    fn into_response_for(self, path: &str, accepts_html: bool) -> Response {
        let error = ApiError::from(self);
        let retry_after = error.retry_after;
        let mut res = if path.starts_with("/fn/") && accepts_html {
            let body = format!(
                "<section class=\"panel\"><h1>Not sent</h1><p role=\"alert\" class=\"error-box\">{}</p>\
                 <p>Nothing was changed. Go back to the page you came from (your browser's Back \
                 button keeps what you typed), or <a href=\"/\">see the exercises</a>.</p></section>",
                crate::shared::html::escape(&error.message)
            );
            (error.status, axum::response::Html(crate::shared::html::page("Not sent · OAuth Lab", "", &body)))
                .into_response()
        } else if is_page(path) && accepts_html {
            let body = format!(
                "<section class=\"panel\"><h1>Not shown</h1><p role=\"alert\" class=\"error-box\">{}</p>\
                 <p><a href=\"/\">See the exercises</a>.</p></section>",
                crate::shared::html::escape(&error.message)
            );
            (
                error.status,
                axum::response::Html(crate::shared::html::page("Not shown · OAuth Lab", "", &body)),
            )
                .into_response()
        } else if path.starts_with("/fn/") {
            let body = format!("ServerError|{}", error.message);
            (error.status, [(CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
        } else if path.starts_with("/oauth2/") {
            let code = match error.status {
                StatusCode::TOO_MANY_REQUESTS => "temporarily_unavailable",
                _ => "invalid_request",
            };
            let body = serde_json::json!({"error": code, "error_description": error.message});
            let mut res = (error.status, axum::Json(body)).into_response();
            res.headers_mut().insert(PRAGMA, HeaderValue::from_static("no-cache"));
            res
        } else {
            error.into_response()
        };
        if let Some(wait) = retry_after {
            res.headers_mut().insert(RETRY_AFTER, HeaderValue::from(wait));
        }
        res
    }
}

pub async fn guard(State(state): State<GuardState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let accepts_html = app::services::accepts_html(req.headers());
    let mut res = match admit(&state, req).await {
        Ok(req) => next.run(req).await,
        Err(rejection) => rejection.into_response_for(&path, accepts_html),
    };
    if !path.starts_with("/pkg/") && !res.headers().contains_key(CACHE_CONTROL) {
        res.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The request, its body read within the limit, unless a rule turns it away.
async fn admit(state: &GuardState, req: Request) -> Result<Request, Rejection> {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();

    if limited_path(&path) {
        // The client's address, an IPv6 one by its /64 (see `client::client_addr`).
        let ip = req
            .extensions()
            .get::<ClientAddr>()
            .map(|c| c.limit_key())
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        if let Err(wait) = state.limiter.check(ip, Instant::now()) {
            return Err(Rejection::RateLimited(wait));
        }
    }

    // The token endpoint answers single-page apps on other origins (CORS, for the public
    // client's allowed origins): it reads no cookie, so no other site can write as a learner.
    if is_write(&method) && path != CORS_PATH && is_cross_site(&req, &state.public_origin) {
        return Err(Rejection::CrossSite);
    }

    if !path.starts_with("/oauth2/") && too_many_query_params(req.uri().query()) {
        return Err(Rejection::TooManyQueryParams);
    }

    let declared =
        req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(Rejection::TooLarge);
    }
    // Read the body here, within the limit, so no handler ever meets an oversized one.
    let (parts, body) = req.into_parts();
    let Ok(read) = tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY)).await else {
        return Err(Rejection::SlowBody);
    };
    let Ok(bytes) = read else {
        return Err(Rejection::TooLarge);
    };
    let req = Request::from_parts(parts, Body::from(bytes.clone()));

    if path.starts_with("/api/")
        && is_write(&method)
        && !bytes.is_empty()
        && !crate::shared::content_type_is(req.headers(), "application/json")
    {
        return Err(Rejection::NotJson);
    }
    Ok(req)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_remembers_at_most_its_clients_and_forgets_the_least_recent() {
        let limiter = RateLimiter::with_capacity(1, 100);
        let t0 = Instant::now();
        let ip = |n: u32| IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n));
        assert!(limiter.check(ip(0), t0).is_ok());
        for n in 1..10_000 {
            assert!(limiter.check(ip(n), t0).is_ok(), "a new client has its own window");
            if n % 50 == 0 {
                // Client 0 keeps coming back: it stays remembered, and limited.
                assert!(limiter.check(ip(0), t0).is_err());
            }
        }
        assert_eq!(limiter.windows.lock().map(|w| w.len()).unwrap_or_default(), 100);
        assert!(limiter.check(ip(9_999), t0).is_err(), "recent clients are remembered");
        assert!(limiter.check(ip(1), t0).is_ok(), "the least recent was forgotten");
    }

    #[test]
    fn the_limiter_allows_a_window_then_says_how_long_to_wait() {
        let limiter = RateLimiter::new(2);
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let t0 = Instant::now();
        assert!(limiter.check(ip, t0).is_ok());
        assert!(limiter.check(ip, t0).is_ok());
        let wait = limiter.check(ip, t0 + Duration::from_secs(20)).expect_err("limited");
        assert_eq!(wait, 40);
        assert!(limiter.check(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), t0).is_ok());
        assert!(limiter.check(ip, t0 + Duration::from_secs(61)).is_ok());
    }

    #[test]
    fn query_parameters_are_counted_up_to_one_past_the_limit() {
        let query = |n: usize| (0..n).map(|i| format!("p{i}=x")).collect::<Vec<_>>().join("&");
        assert!(!too_many_query_params(None));
        assert!(!too_many_query_params(Some("")));
        assert!(!too_many_query_params(Some(&query(MAX_QUERY_PARAMS))));
        assert!(!too_many_query_params(Some(&format!("&&{}&&", query(MAX_QUERY_PARAMS)))), "empty pieces");
        assert!(too_many_query_params(Some(&query(MAX_QUERY_PARAMS + 1))));
        assert!(too_many_query_params(Some(&"a&".repeat(20_000))));
        assert!(Rejection::TooManyQueryParams.to_string().contains("more than 50 query parameters"));
    }

    #[test]
    fn the_wait_is_said_in_the_right_number() {
        let cases = [
            (1, "Too many requests: wait 1 second and try again."),
            (2, "Too many requests: wait 2 seconds and try again."),
            (60, "Too many requests: wait 60 seconds and try again."),
        ];
        for (wait, want) in cases {
            assert_eq!(Rejection::RateLimited(wait).to_string(), want);
        }
    }
}
