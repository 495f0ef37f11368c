//! The OpenAPI 3.1 document of the JSON API, generated from the handlers' annotations
//! (`#[utoipa::path]`) and the types they send and take (`ToSchema`), so it cannot drift
//! from them. `oauthlab openapi` prints it, `make openapi` writes it to
//! `docs/openapi.json`, and a test fails when that file is stale.

pub mod responses;

use std::sync::OnceLock;

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use utoipa::openapi::response::Response;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{Ref, RefOr, Required};
use utoipa::{Modify, OpenApi, ToSchema};

use oauthlab::exercises::catalog;

use super::{api_v1, instructor_api, ApiState, ErrorBody};
use responses::{
    BadPath, BadRequest, BadResetRequest, CrossSite, EmptyBody, NotYours, PayloadTooLarge, RateLimited,
    ServerError, SlowBody, TooManyQueryParams, Unauthorized, UnknownExercise, UnsupportedMediaType,
};

/// `GET /openapi.json`, to nest at `/api/v1` with the rest of the API.
pub fn routes() -> Router<ApiState> {
    Router::new().route("/openapi.json", get(openapi_get))
}

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

/// This document
#[utoipa::path(
    get, path = "/api/v1/openapi.json", tag = "meta", operation_id = "getOpenApi",
    security(()),
    responses(
        (status = 200, description = "The OpenAPI 3.1 description of this API.", body = Object),
    ),
)]
async fn openapi_get() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], document_json())
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OAuth Lab JSON API",
        version = "1",
        description = include_str!("description.md"),
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
    paths(
        api_v1::exercises_get,
        api_v1::exercise_get,
        api_v1::step_check_post,
        api_v1::exercise_reset_post,
        api_v1::exercise_provider_get,
        api_v1::exercise_provider_put,
        api_v1::exercise_provider_delete,
        api_v1::pkce_generate_post,
        api_v1::pkce_challenge_post,
        api_v1::practice_app_get,
        api_v1::practice_app_put,
        api_v1::allowed_origins_put,
        instructor_api::login_post,
        instructor_api::logout_post,
        instructor_api::classes_get,
        instructor_api::classes_post,
        instructor_api::learners_get,
        instructor_api::learner_reset_post,
        instructor_api::class_reset_post,
        instructor_api::class_csv_get,
        instructor_api::join_post,
        openapi_get,
    ),
    components(
        schemas(ErrorBody),
        responses(
            BadPath,
            BadRequest,
            BadResetRequest,
            CrossSite,
            NotYours,
            PayloadTooLarge,
            RateLimited,
            SlowBody,
            ServerError,
            TooManyQueryParams,
            Unauthorized,
            UnknownExercise,
            UnsupportedMediaType,
        ),
    ),
    modifiers(&SessionCookies, &BeforeTheHandler, &Unexpressible),
)]
struct ApiDoc;

/// The two session cookies.
struct SessionCookies;

impl Modify for SessionCookies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "learnerSession",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::session::COOKIE_NAME,
                "The learner's session: a random token and the server's signature of it, as set by the \
                 server (`<43 base64url characters>.<43 base64url characters>`). Optional: a request \
                 without it (or with one this server did not issue) is a new learner, and the response \
                 sets the cookie (`Set-Cookie: oauthlab_session=...; Path=/; Max-Age=31536000; HttpOnly; \
                 SameSite=Lax`). A site whose public URL is https names it `__Host-oauthlab_session` and \
                 adds `; Secure`.",
            ))),
        );
        components.add_security_scheme(
            "instructorSession",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                app::services::instructor::COOKIE_NAME,
                "An instructor's session, set by `POST /api/v1/instructor/login` (`Set-Cookie: \
                 oauthlab_instructor=...; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict`). It lasts 12 \
                 hours, until logout, or until the next login from the same browser. A site whose public \
                 URL is https names it `__Host-oauthlab_instructor` and adds `; Secure`.",
            ))),
        );
    }
}

/// What an operation may answer before its handler runs, added where the handler's
/// annotation does not say it: the request guard's (`guard.rs`) 413 and 429 on every
/// operation, 403, 408 and 415 on those that change something; `ApiPath`'s 400 on those
/// with a path parameter (a path that does not decode); and, where no 400 is said yet, the
/// guard's 400 for a query string of more than 50 parameters.
struct BeforeTheHandler;

impl Modify for BeforeTheHandler {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
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
                    shared.extend([
                        ("403", "CrossSite"),
                        ("408", "SlowBody"),
                        ("415", "UnsupportedMediaType"),
                    ]);
                }
                if path.contains('{') {
                    shared.push(("400", "BadPath"));
                }
                shared.push(("400", "TooManyQueryParams"));
                for (status, name) in shared {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
                }
            }
        }
    }
}

/// What utoipa's types cannot express, added in one place (last), through the
/// `extensions` each OpenAPI object has (serialized flat into it; a `HashMap`, so never
/// more than one key in one object, or the document's order would change from run to
/// run):
/// - `info.summary`;
/// - `components.parameters`: the path parameters several routes share, with the exercise
///   and step enums taken from the core, so they cannot drift;
/// - on every path that has a `{name}` they describe, a `parameters` list of `$ref`s to
///   them (the routes declare no path parameter of their own);
/// - a request body of `EmptyObject` is not required (utoipa makes a body optional only
///   for an `Option`, whose schema would then allow `null`, which is refused);
/// - every response header is `required` (always sent; utoipa's `Header` has no such
///   field).
struct Unexpressible;

impl Modify for Unexpressible {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let summary =
            "Check the steps of OAuth Lab's exercises and manage the learner's practice application.";
        openapi.info.extensions.get_or_insert_with(Default::default).insert("summary".into(), json!(summary));

        let empty = Ref::from_schema_name(EmptyBody::name()).ref_location;
        for item in openapi.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete];
            for operation in operations.into_iter().flatten() {
                if let Some(body) = operation.request_body.as_mut() {
                    let mut schemas = body.content.values().filter_map(|c| c.schema.as_ref());
                    if schemas.any(|s| matches!(s, RefOr::Ref(r) if r.ref_location == empty)) {
                        body.required = Some(Required::False);
                    }
                }
                operation.responses.responses.values_mut().for_each(headers_required);
            }
        }

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
        let components = openapi.components.get_or_insert_with(Default::default);
        components.responses.values_mut().for_each(headers_required);
        components.extensions.get_or_insert_with(Default::default).insert(
            "parameters".into(),
            Value::Object(parameters.into_iter().map(|(name, p)| (name.to_owned(), p)).collect()),
        );
    }
}

/// A response's headers moved to its `extensions`, each `required`.
fn headers_required(response: &mut RefOr<Response>) {
    let RefOr::T(response) = response else { return };
    if response.headers.is_empty() {
        return;
    }
    let headers: serde_json::Map<String, Value> = std::mem::take(&mut response.headers)
        .into_iter()
        .map(|(name, header)| {
            let mut header = serde_json::to_value(header).unwrap_or_default();
            header["required"] = json!(true);
            (name, header)
        })
        .collect();
    response.extensions.get_or_insert_with(Default::default).insert("headers".into(), Value::Object(headers));
}

/// Every step id of every exercise on offer, each once, in catalog order.
fn step_ids() -> Vec<&'static str> {
    let mut ids: Vec<&str> = Vec::new();
    for id in catalog().iter().flat_map(|e| e.steps.iter().map(|s| s.id)) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// The path parameters, by component name.
fn path_parameters() -> Vec<(&'static str, Value)> {
    let slugs: Vec<&str> = catalog().iter().map(|e| e.slug).collect();
    let steps = step_ids();
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
                "description": "The step: one of the ids `GET /api/v1/exercises` lists for the exercise, \
                                which must pass in that order (here, every exercise's ids).",
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

    /// Every enum of steps or exercises in the document is the core's list.
    #[test]
    fn the_enums_are_the_cores_steps_and_exercises() {
        let doc = document();
        let slugs: Vec<&str> = catalog().iter().map(|e| e.slug).collect();
        let schemas = &doc["components"]["schemas"];
        let steps = &doc["components"]["parameters"]["Step"]["schema"]["enum"];
        for exercise in catalog() {
            for step in &exercise.steps {
                assert!(steps.as_array().is_some_and(|s| s.contains(&json!(step.id))), "{}", step.id);
            }
        }
        assert_eq!(steps, &json!(step_ids()), "each once");
        assert_eq!(&schemas["StepStatus"]["properties"]["id"]["enum"], steps);
        assert_eq!(doc["components"]["parameters"]["Slug"]["schema"]["enum"], json!(slugs));
        let mut resets = slugs.clone();
        resets.push("all");
        assert_eq!(schemas["ResetRequest"]["properties"]["exercise"]["enum"], json!(resets));
    }

    /// Operations that change something answer 403 and 415 from the guard; every one
    /// answers 400 (a query of more than 50 parameters), 413 and 429, and the storage's 503
    /// where a handler reaches it.
    #[test]
    fn every_operation_documents_the_guards_answers() {
        let doc = document();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in ["get", "put", "post", "delete"] {
                let Some(responses) = item[method]["responses"].as_object() else { continue };
                let mut want = vec!["400", "413", "429"];
                if method != "get" {
                    want.extend(["403", "408", "415"]);
                }
                for status in want {
                    assert!(responses.contains_key(status), "{method} {path}: no {status}");
                }
                for (status, response) in responses {
                    let error = response["content"]["application/json"]["schema"]["$ref"]
                        == "#/components/schemas/Error";
                    assert!(
                        status.starts_with('2') || response["$ref"].is_string() || error,
                        "{method} {path}: {status} is not an Error"
                    );
                }
            }
        }
        for name in ["RateLimited", "ServerError"] {
            let retry_after = &doc["components"]["responses"][name]["headers"]["Retry-After"];
            assert_eq!(retry_after["required"], true, "{name}");
            assert_eq!(retry_after["schema"]["type"], "integer", "{name}");
        }
    }

    /// The document is the same each time it is made (`docs/openapi.json` would flap).
    #[test]
    fn the_document_is_made_the_same_each_time() {
        let first = ApiDoc::openapi().to_pretty_json().expect("json");
        for _ in 0..8 {
            assert!(ApiDoc::openapi().to_pretty_json().expect("json") == first);
        }
    }
}
