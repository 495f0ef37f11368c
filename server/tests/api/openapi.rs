//! The OpenAPI document the site serves describes the API it actually has.

use serde_json::Value;

use crate::helpers::TestApp;

async fn openapi(app: &TestApp) -> Value {
    let res = app.get("/api/v1/openapi.json").await;
    assert_eq!(res.status(), 200);
    let content_type =
        res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(content_type.starts_with("application/json"), "{content_type}");
    res.json().await.expect("the OpenAPI document is JSON")
}

#[tokio::test]
async fn openapi_json_is_served_and_lists_every_api_route() {
    let app = TestApp::spawn().await;
    let doc = openapi(&app).await;
    let version = doc["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3.1"), "{version}");

    let routes = [
        ("/api/v1/exercises", "get"),
        ("/api/v1/exercises/{slug}", "get"),
        ("/api/v1/exercises/{slug}/steps/{step}/check", "post"),
        ("/api/v1/exercises/{slug}/reset", "post"),
        ("/api/v1/exercises/{slug}/provider", "get"),
        ("/api/v1/exercises/{slug}/provider", "put"),
        ("/api/v1/exercises/{slug}/provider", "delete"),
        ("/api/v1/pkce/generate", "post"),
        ("/api/v1/pkce/challenge", "post"),
        ("/api/v1/practice/app", "get"),
        ("/api/v1/practice/app", "put"),
        ("/api/v1/openapi.json", "get"),
        ("/api/v1/instructor/login", "post"),
        ("/api/v1/instructor/logout", "post"),
        ("/api/v1/instructor/classes", "get"),
        ("/api/v1/instructor/classes", "post"),
        ("/api/v1/instructor/learners", "get"),
        ("/api/v1/instructor/learners/{learner_id}/reset", "post"),
        ("/api/v1/instructor/classes/{class_id}/reset", "post"),
        ("/api/v1/instructor/classes/{class_id}/progress.csv", "get"),
        ("/api/v1/classes/join", "post"),
    ];
    for (path, method) in routes {
        let operation = &doc["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is documented");
        assert!(operation["responses"].is_object(), "{method} {path} has responses");
    }
    let instructor_cookie = &doc["components"]["securitySchemes"]["instructorSession"];
    assert_eq!(instructor_cookie["in"], "cookie");
    assert_eq!(instructor_cookie["name"], "oauthlab_instructor");
}

#[tokio::test]
async fn the_documented_steps_are_the_steps_of_the_exercise() {
    let app = TestApp::spawn().await;
    let doc = openapi(&app).await;
    let documented = &doc["components"]["parameters"]["Step"]["schema"]["enum"];
    let exercises = app.get_json("/api/v1/exercises").await;
    for exercise in exercises.as_array().expect("exercises") {
        for step in exercise["steps"].as_array().expect("steps") {
            assert!(documented.as_array().is_some_and(|d| d.contains(&step["id"])), "{step}");
        }
    }
}

#[tokio::test]
async fn every_documented_get_route_answers_without_a_5xx() {
    let app = TestApp::spawn().await;
    let doc = openapi(&app).await;
    let paths = doc["paths"].as_object().expect("paths");
    let mut called = 0;
    for (path, item) in paths {
        if path.contains('{') || !item["get"].is_object() {
            continue;
        }
        let res = app.get(path).await;
        let status = res.status();
        assert!(status.as_u16() < 500, "GET {path}: {status}");
        assert!(item["get"]["responses"][status.as_str()].is_object(), "GET {path}: {status} is documented");
        called += 1;
    }
    assert!(called >= 3, "only {called} GET routes without parameters");
}

/// `docs/openapi.json` is the document the code generates, and the one the site serves.
#[tokio::test]
async fn docs_openapi_json_is_the_generated_document() {
    let generated = server::http::openapi::document_json();
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
    let committed = std::fs::read_to_string(file).expect("docs/openapi.json");
    assert!(
        committed == generated,
        "docs/openapi.json is stale: it is not the document the code generates. Run `make openapi` and \
         commit docs/openapi.json."
    );
    let app = TestApp::spawn().await;
    let served = app.get("/api/v1/openapi.json").await.text().await.expect("text");
    assert!(served == generated, "GET /api/v1/openapi.json serves the generated document");
}
