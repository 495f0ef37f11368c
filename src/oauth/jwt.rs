//! Reading a JWT (RFC 7519) without verifying it, to show the learner what is inside.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::work;

/// The decoded header and claims of a JWS-compact JWT. Nothing is verified.
#[derive(Clone, Debug, PartialEq)]
pub struct UnverifiedJwt {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
}

impl UnverifiedJwt {
    /// A string claim (`sub`, `iss`).
    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// A NumericDate claim (`exp`, `iat`) as whole Unix seconds.
    pub fn claim_seconds(&self, name: &str) -> Option<i64> {
        numeric_date(self.claims.get(name)?)
    }

    /// The header's `alg`.
    pub fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }
}

/// A JSON number as whole seconds (fractions are dropped, RFC 7519 §2 allows them).
pub fn numeric_date(v: &Value) -> Option<i64> {
    if let Some(n) = v.as_i64() {
        return Some(n);
    }
    let f = v.as_f64()?;
    // Saturating cast; NaN cannot come out of JSON.
    f.is_finite().then(|| f.trunc() as i64)
}

/// Decode `token` when it is a JWS-compact JWT: three base64url parts whose first two are
/// JSON objects. `None` for anything else (an opaque token, a JWE's five parts).
pub fn decode_unverified(token: &str) -> Option<UnverifiedJwt> {
    work::add(token.len());
    let mut parts = token.split('.');
    let (header, claims, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some(UnverifiedJwt { header: decode_object(header)?, claims: decode_object(claims)? })
}

fn decode_object(part: &str) -> Option<Map<String, Value>> {
    work::add(part.len());
    let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
    work::add(bytes.len());
    // serde_json limits nesting (crate::json::MAX_DEPTH), so a hostile token cannot overflow the stack.
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn a_jws_compact_token_decodes_to_header_and_claims() {
        let token = format!(
            "{}.{}.sig",
            b64(r#"{"alg":"RS256","typ":"JWT"}"#),
            b64(r#"{"sub":"u1","iat":1700000000,"exp":1700003600.5}"#)
        );
        let jwt = decode_unverified(&token).expect("a JWT");
        assert_eq!(jwt.alg(), Some("RS256"));
        assert_eq!(jwt.claim_str("sub"), Some("u1"));
        assert_eq!(jwt.claim_seconds("iat"), Some(1_700_000_000));
        assert_eq!(jwt.claim_seconds("exp"), Some(1_700_003_600));
        assert_eq!(jwt.claim_seconds("nbf"), None);
    }

    #[test]
    fn things_that_are_not_jws_jwts_do_not_decode() {
        let obj = b64("{}");
        let cases = [
            String::new(),
            "opaque-token-value".to_owned(),
            format!("{obj}.{obj}"),
            format!("{obj}.{obj}.s.x.y"),
            format!("{}.{obj}.s", b64("[1]")),
            format!("{obj}.{}.s", b64("\"str\"")),
            format!("{obj}.not base64!.s"),
            format!("{}.{obj}.s", b64(&"[".repeat(10_000))),
        ];
        for token in &cases {
            assert_eq!(decode_unverified(token), None, "{token:?}");
        }
    }
}
