//! What the handlers' annotations share: the error responses many operations have
//! (`components.responses`) and the body of endpoints that take `{}`.

use serde_json::json;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::{ToResponse, ToSchema};

use crate::http::ErrorBody;

/// `{}`; an empty body counts as `{}`.
#[derive(ToSchema)]
#[schema(as = EmptyObject, example = json!({}))]
pub struct EmptyBody {}

/// A response whose body is an [`ErrorBody`], with an example.
fn error_response(description: &str, code: &str, message: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(RefOr::Ref(Ref::from_schema_name(ErrorBody::name()))))
            .example(Some(json!({"error": code, "message": message})))
            .build(),
    )
}

/// With `Retry-After`, as on 429 and 503.
fn with_retry_after(response: ResponseBuilder) -> ResponseBuilder {
    response.header(
        "Retry-After",
        HeaderBuilder::new()
            .description(Some("Seconds to wait before trying again."))
            .schema(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)))
            .build(),
    )
}

/// Each `Name => response;` makes a type `Name` whose `ToResponse` gives the response,
/// referenced as `#/components/responses/Name` by `(status = ..., response = Name)`.
macro_rules! responses {
    ($($(#[$doc:meta])* $name:ident => $response:expr;)*) => {$(
        $(#[$doc])*
        pub struct $name;
        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                (stringify!($name), RefOr::T($response.build()))
            }
        }
    )*};
}

responses! {
    /// A body the endpoint cannot read.
    BadRequest => error_response(
        "The body is not JSON (`invalid_json`) or not what this endpoint takes (`invalid_request`).",
        "invalid_request",
        "The request body is not what this endpoint takes: missing field `input` at line 1 column 2.",
    );
    /// A path that does not decode (`ApiPath`).
    BadPath => error_response(
        "`invalid_request`: the path does not decode (a parameter that is not UTF-8 once \
         percent-decoded).",
        "invalid_request",
        "The request could not be read: check the path and the body.",
    );
    /// The guard's answer to a query string past its limit.
    TooManyQueryParams => error_response(
        "`invalid_request`: the query string has more than 50 parameters.",
        "invalid_request",
        "The address has more than 50 query parameters, the most this site reads.",
    );
    /// The guard's answer to a write from another site.
    CrossSite => error_response(
        "`cross_site`: a request that changes something came from another site (a foreign `Origin`, \
         or `Sec-Fetch-Site: cross-site`).",
        "cross_site",
        "Requests that change something must come from OAuth Lab's own pages.",
    );
    /// The guard's answer to a body over its limit.
    PayloadTooLarge => error_response(
        "`payload_too_large`: the body is over 64 KiB.",
        "payload_too_large",
        "The request body is larger than 64 KiB.",
    );
    /// The guard's answer to a body that does not arrive in time.
    SlowBody => error_response(
        "`request_timeout`: the body did not arrive within 30 seconds of the headers.",
        "request_timeout",
        "The request body did not arrive within 30 seconds.",
    );
    /// The guard's answer to a body not sent as JSON.
    UnsupportedMediaType => error_response(
        "`unsupported_media_type`: a non-empty body without `Content-Type: application/json`.",
        "unsupported_media_type",
        "Send the body as JSON, with Content-Type: application/json.",
    );
    /// The guard's rate limit.
    RateLimited => with_retry_after(error_response(
        "`rate_limited`: too many requests from this address in the current minute.",
        "rate_limited",
        "Too many requests: wait 40 seconds and try again.",
    ));
    /// A slug that names no exercise.
    UnknownExercise => error_response(
        "`unknown_exercise`: there is no exercise with this slug.",
        "unknown_exercise",
        "There is no exercise called \"oauth\".",
    );
    /// An instructor endpoint without an instructor session.
    Unauthorized => error_response(
        "`unauthorized`: no instructor session (no `oauthlab_instructor` cookie, or one that expired \
         or was logged out). A learner's cookie alone gets this too.",
        "unauthorized",
        "Sign in as an instructor first.",
    );
    /// A class or learner that is not this instructor's.
    NotYours => error_response(
        "`not_found`: there is no such class or learner among this instructor's.",
        "not_found",
        "There is no such class or learner among yours.",
    );
    /// A reset's body that names no exercise.
    BadResetRequest => error_response(
        "The body is not JSON (`invalid_json`) or not `{\"exercise\": <string>}`, or names no exercise \
         the site has (`invalid_request`).",
        "invalid_request",
        "There is no exercise called \"oauth\": name one (refresh) or \"all\".",
    );
    /// The storage failed (`app::services::failure`: 503 with `Retry-After`).
    ServerError => with_retry_after(error_response(
        "`server_error`: the server's storage failed; no input causes this. Try again after \
         `Retry-After` seconds.",
        "server_error",
        "The server could not reach its storage just now. Try again in a moment.",
    ));
}
