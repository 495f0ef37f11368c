//! The OpenAPI 3.1 document of the JSON API, generated from the handlers' annotations
//! and the types they send and take (`utoipa`), so it cannot drift from them.
//! `oauthlab openapi` prints it, `make openapi` writes it to `docs/openapi.json`, and a
//! test fails when that file is stale.

use std::sync::OnceLock;

use serde::Serialize;
use serde_json::{json, Value};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{ContentBuilder, RefOr};
use utoipa::{Modify, OpenApi, ToResponse, ToSchema};

use oauthlab::exercises::{catalog, refresh};

/// The document as pretty JSON with a final line break: what `GET /api/v1/openapi.json`
/// serves and `docs/openapi.json` holds. Made once.
pub fn document_json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut text = ApiDoc::openapi().to_pretty_json().unwrap_or_default();
        text.push('\n');
        text
    })
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OAuth Lab JSON API",
        version = "1",
        description = include_str!("openapi.md"),
        license(name = "MIT", identifier = "MIT"),
    ),
    servers((url = "/", description = "The OAuth Lab site serving this document")),
    tags(
        (name = "exercises", description = "The exercises and the learner's progress in them."),
        (name = "pkce", description = "Stateless PKCE helpers (RFC 7636)."),
        (name = "practice", description = "The learner's application on the built-in practice authorization server."),
        (name = "instructor", description = "Instructors: their session, classes, and their learners' progress."),
        (name = "classes", description = "A learner joining an instructor's class."),
        (name = "meta", description = "This document."),
    ),
    security((), ("learnerSession" = [])),
    paths(),
    components(
        schemas(ErrorBody),
        responses(
            BadRequest,
            CrossSite,
            PayloadTooLarge,
            UnsupportedMediaType,
            RateLimited,
        ),
    ),
    modifiers(&SessionCookies, &GuardResponses, &Unexpressible),
)]
struct ApiDoc;

/// Every JSON error: `{"error": "<code>", "message": "<for a person>"}`.
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// A stable code, e.g. `step_locked`.
    pub error: String,
    /// What went wrong and how to fix it, for a person.
    pub message: String,
}

/// A response whose body is an [`ErrorBody`], with an example.
fn error_response(description: &str, code: &str, message: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Error"))))
            .example(Some(json!({"error": code, "message": message})))
            .build(),
    )
}

/// `Retry-After`, on 429 and 503.
fn with_retry_after(response: ResponseBuilder) -> ResponseBuilder {
    response.header(
        "Retry-After",
        HeaderBuilder::new()
            .description(Some("Seconds to wait before trying again."))
            .schema(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)))
            .build(),
    )
}

/// Error responses shared by many operations, referenced from `components.responses`.
macro_rules! error_responses {
    ($($name:ident => $response:expr;)*) => {$(
        pub struct $name;
        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                (stringify!($name), RefOr::T($response.build()))
            }
        }
    )*};
}

error_responses! {
    BadRequest => error_response(
        "The body is not JSON (`invalid_json`) or not what this endpoint takes (`invalid_request`).",
        "invalid_request",
        "The request body is not what this endpoint takes: missing field `input` at line 1 column 2.",
    );
    CrossSite => error_response(
        "`cross_site`: a request that changes something came from another site (a foreign `Origin`, \
         or `Sec-Fetch-Site: cross-site`).",
        "cross_site",
        "Requests that change something must come from OAuth Lab's own pages.",
    );
    PayloadTooLarge => error_response(
        "`payload_too_large`: the body is over 64 KiB.",
        "payload_too_large",
        "The request body is larger than 64 KiB.",
    );
    UnsupportedMediaType => error_response(
        "`unsupported_media_type`: a non-empty body without `Content-Type: application/json`.",
        "unsupported_media_type",
        "Send the body as JSON, with Content-Type: application/json.",
    );
    RateLimited => with_retry_after(error_response(
        "`rate_limited`: too many requests from this address in the current minute.",
        "rate_limited",
        "Too many requests: wait 40 seconds and try again.",
    ));
}

/// The two session cookies.
struct SessionCookies;

impl Modify for SessionCookies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "learnerSession",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::session::COOKIE_NAME,
                "The learner's session: 43 base64url characters. Optional: a request without it (or with \
                 a malformed one) is a new learner, and the response sets the cookie (`Set-Cookie: \
                 oauthlab_session=...; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax`).",
            ))),
        );
        components.add_security_scheme(
            "instructorSession",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                app::services::instructor::COOKIE_NAME,
                "An instructor's session, set by `POST /api/v1/instructor/login` (`Set-Cookie: \
                 oauthlab_instructor=...; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict`). It lasts 12 \
                 hours, until logout, or until the next login from the same browser.",
            ))),
        );
    }
}

/// What the request guard (`guard.rs`) answers before any handler, on every operation:
/// 413 and 429 on all, 403 and 415 on those that change something.
struct GuardResponses;

impl Modify for GuardResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                (false, &mut item.get),
                (true, &mut item.put),
                (true, &mut item.post),
                (true, &mut item.delete),
            ];
            for (write, operation) in operations {
                let Some(operation) = operation else { continue };
                let mut shared = vec![("413", "PayloadTooLarge"), ("429", "RateLimited")];
                if write {
                    shared.extend([("403", "CrossSite"), ("415", "UnsupportedMediaType")]);
                }
                for (status, name) in shared {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| RefOr::Ref(utoipa::openapi::Ref::from_response_name(name)));
                }
            }
        }
    }
}

/// What utoipa's types cannot express, added in one place (last), through the
/// `extensions` each OpenAPI object has (serialized flat into it):
/// - `info.summary`;
/// - `components.parameters`: the path parameters several routes share, with the exercise
///   and step enums taken from the core, so they cannot drift;
/// - on every path that has a `{name}` they describe, a `parameters` list of `$ref`s to
///   them (the routes declare no path parameter of their own).
struct Unexpressible;

impl Modify for Unexpressible {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let summary =
            "Check the steps of OAuth Lab's exercises and manage the learner's practice application.";
        openapi.info.extensions.get_or_insert_with(Default::default).insert("summary".into(), json!(summary));

        let parameters = path_parameters();
        for (path, item) in openapi.paths.paths.iter_mut() {
            let refs: Vec<Value> = parameters
                .iter()
                .filter(|(_, p)| path.contains(&format!("{{{}}}", p["name"].as_str().unwrap_or_default())))
                .map(|(component, _)| json!({"$ref": format!("#/components/parameters/{component}")}))
                .collect();
            if !refs.is_empty() {
                item.extensions.get_or_insert_with(Default::default).insert("parameters".into(), json!(refs));
            }
        }
        let components: serde_json::Map<String, Value> =
            parameters.into_iter().map(|(name, p)| (name.to_owned(), p)).collect();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .extensions
            .get_or_insert_with(Default::default)
            .insert("parameters".into(), Value::Object(components));
    }
}

/// The path parameters, by component name.
fn path_parameters() -> Vec<(&'static str, Value)> {
    let slugs: Vec<&str> = catalog().iter().map(|e| e.slug).collect();
    let steps: Vec<&str> = refresh::Step::ALL.iter().map(|s| s.slug()).collect();
    vec![
        (
            "Slug",
            json!({
                "name": "slug", "in": "path", "required": true,
                "description": "The exercise.",
                "schema": {"type": "string", "enum": slugs},
            }),
        ),
        (
            "Step",
            json!({
                "name": "step", "in": "path", "required": true,
                "description": "The step, one of these in the order they must pass.",
                "schema": {"type": "string", "enum": steps},
            }),
        ),
        (
            "ClassIdPath",
            json!({
                "name": "class_id", "in": "path", "required": true,
                "description": "One of this instructor's classes.",
                "schema": {"type": "string", "examples": ["cls_q1w2e3r4t5y6"]},
            }),
        ),
        (
            "LearnerIdPath",
            json!({
                "name": "learner_id", "in": "path", "required": true,
                "description": "A learner of one of this instructor's classes, as \
                                `GET /api/v1/instructor/learners` lists it.",
                "schema": {"type": "string"},
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document() -> Value {
        serde_json::from_str(document_json()).expect("JSON")
    }

    #[test]
    fn every_path_parameter_is_described() {
        let doc = document();
        let paths = doc["paths"].as_object().expect("paths");
        for (path, item) in paths {
            let declared: Vec<String> = item["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    let name = p["$ref"].as_str().and_then(|r| r.rsplit('/').next()).unwrap_or_default();
                    doc["components"]["parameters"][name]["name"].as_str().unwrap_or_default().to_owned()
                })
                .collect();
            for name in path.split('{').skip(1).filter_map(|s| s.split('}').next()) {
                assert!(declared.iter().any(|d| d == name), "{path}: {{{name}}} has no parameter");
            }
        }
    }
}
