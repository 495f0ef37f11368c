//! Helpers the layers above share: the server's own HTML pages and escaping, the
//! practice server's signing keys, request header checks, and which client a request
//! came from (through trusted proxies). Below `practice/`,
//! `remote`, `session` and `http/`; uses only `storage/` and the crates below.

pub mod client;
pub mod connections;
pub mod html;
pub mod keys;

/// The request's media type is `mime` (parameters such as `charset` aside).
pub fn content_type_is(headers: &axum::http::HeaderMap, mime: &str) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(mime))
}

/// A form post's body: `application/x-www-form-urlencoded`.
pub fn is_form(headers: &axum::http::HeaderMap) -> bool {
    content_type_is(headers, "application/x-www-form-urlencoded")
}
