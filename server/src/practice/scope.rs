//! Which scope the practice server grants.

/// The scope granted for a request: the one asked for, less `offline_access` when the
/// application does not allow refresh tokens, since then no refresh token is issued
/// (RFC 6749 §3.3: the response names the scope when it differs from the request).
pub fn granted_scope(asked: &str, refresh_enabled: bool) -> String {
    asked
        .split(' ')
        .filter(|s| !s.is_empty() && (refresh_enabled || *s != "offline_access"))
        .collect::<Vec<_>>()
        .join(" ")
}
