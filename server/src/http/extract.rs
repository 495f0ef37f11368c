//! The API's extractors: each refuses what it cannot read with an [`ApiError`], so no
//! handler parses by hand and no rejection of axum's reaches a client in another shape.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use app::services::{learner_from_parts, LearnerId};
use oauthlab::json::{self, JsonError};

use super::ApiError;

/// A JSON body of type `T`; an empty body counts as `{}`. The guard has already refused
/// a body over its limit or not sent as JSON.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                "payload_too_large"
            } else {
                "invalid_request"
            };
            ApiError::new(e.status(), code, e.body_text())
        })?;
        parse(&bytes).map(ApiJson)
    }
}

/// Parse a JSON body; an empty one counts as `{}`. A byte order mark or another invisible
/// character around the JSON is named, as serde_json would only say what it expected
/// there.
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let not_json =
        |why: String| ApiError::bad_request("invalid_json", format!("The request body is not JSON: {why}."));
    if bytes.starts_with("\u{FEFF}".as_bytes()) {
        return Err(not_json(JsonError::ByteOrderMark.to_string()));
    }
    let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}" } else { bytes };
    serde_json::from_slice(text).map_err(|e| {
        let invisible = (!e.is_data())
            .then(|| std::str::from_utf8(text).ok().and_then(json::invisible_outside_strings))
            .flatten();
        if let Some(invisible) = invisible {
            return not_json(invisible.fix());
        }
        let code = if e.is_data() { "invalid_request" } else { "invalid_json" };
        ApiError::bad_request(code, format!("The request body is not what this endpoint takes: {e}."))
    })
}

/// Path parameters of type `T`; a path that does not decode is a 400.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(_) => Err(ApiError::bad_request(
                "invalid_request",
                "The request could not be read: check the path and the body.",
            )),
        }
    }
}

/// Query parameters of type `T`.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(e) => Err(ApiError::bad_request("invalid_request", e.body_text())),
        }
    }
}

/// The learner behind the request, known from their session cookie (the session
/// middleware runs before every API route).
pub struct Learner(pub LearnerId);

impl<S: Send + Sync> FromRequestParts<S> for Learner {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        learner_from_parts(parts).map(Learner).ok_or_else(|| {
            ApiError::bad_request("invalid_request", "No learner session: enable cookies for this site.")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Body {
        #[expect(dead_code)]
        input: String,
    }

    #[test]
    fn bodies_are_read_as_json_and_errors_are_named() {
        assert!(parse::<serde_json::Map<String, serde_json::Value>>(b"  ").is_ok(), "empty is {{}}");
        assert!(parse::<Body>(br#"{"input": "x"}"#).is_ok());
        let cases: [(&[u8], &str, &str); 4] = [
            (b"{", "invalid_json", "eof while parsing"),
            (br#"{"input": 1}"#, "invalid_request", "not what this endpoint takes"),
            ("\u{FEFF}{}".as_bytes(), "invalid_json", "byte order mark"),
            ("{\"input\": \"x\"}\u{200B}".as_bytes(), "invalid_json", "zero-width space"),
        ];
        for (body, code, says) in cases {
            let err = parse::<Body>(body).expect_err("refused");
            assert_eq!((err.status, err.code), (StatusCode::BAD_REQUEST, code), "{}", err.message);
            assert!(err.message.to_lowercase().contains(says), "{}", err.message);
        }
    }
}
