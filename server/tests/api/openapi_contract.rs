//! Real answers of the API agree with the OpenAPI document the code generates: each
//! answer's status is documented for its operation, its body validates against the
//! documented schema (and has no property the schema does not name), and the headers the
//! document says are sent are sent.

use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::helpers::{client, TestApp};

/// The generated document, to check answers against.
struct Contract {
    doc: Value,
    /// `components.schemas`, each object schema closed (`additionalProperties: false`), so
    /// an undocumented property fails.
    closed: Value,
}

impl Contract {
    fn new() -> Self {
        let doc: Value =
            serde_json::from_str(server::http::openapi::document_json()).expect("the document is JSON");
        let mut closed = doc["components"]["schemas"].clone();
        close(&mut closed);
        Self { doc, closed }
    }

    /// Check the answer `res` of `method template` (a path of the document) against the
    /// document; its body, as JSON (a JSON string for a text body).
    async fn check(&self, method: &str, template: &str, res: Response) -> Value {
        let status = res.status();
        let what = format!("{} {template} answered {status}", method.to_uppercase());
        let operation = &self.doc["paths"][template][method];
        assert!(operation.is_object(), "{what}: the operation is not documented");
        let documented = self.resolve(&operation["responses"][status.as_str()]);
        assert!(documented.is_object(), "{what}: that status is not documented");

        for (name, header) in documented["headers"].as_object().into_iter().flatten() {
            if self.resolve(header)["required"] == true {
                assert!(res.headers().contains_key(name.as_str()), "{what}: no {name} header");
            }
        }
        let content_type =
            res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let text = res.text().await.expect("body");
        let Some(contents) = documented["content"].as_object() else {
            assert!(text.is_empty(), "{what}: a body where none is documented: {text}");
            return Value::Null;
        };
        let media = |t: &str| t.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        let (documented_type, content) = contents
            .iter()
            .find(|(t, _)| media(t) == media(&content_type))
            .unwrap_or_else(|| panic!("{what}: content type {content_type:?} is not documented"));
        let body = if media(documented_type) == "application/json" {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {text}"))
        } else {
            Value::String(text)
        };
        let errors = self.errors(&content["schema"], &body);
        assert!(errors.is_empty(), "{what}: the body does not match the document: {errors:#?}\n{body:#}");
        body
    }

    /// Why `body` does not match `schema` (a schema of the document: its `$ref`s resolve).
    fn errors(&self, schema: &Value, body: &Value) -> Vec<String> {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": {"schemas": self.closed},
            "allOf": [schema],
        });
        let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
        validator.iter_errors(body).map(|e| format!("{e} at {}", e.instance_path())).collect()
    }

    /// A `$ref` within the document, followed (once).
    fn resolve<'a>(&'a self, node: &'a Value) -> &'a Value {
        match node["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
            Some(pointer) => self.doc.pointer(pointer).unwrap_or(&Value::Null),
            None => node,
        }
    }
}

/// Every object schema with `properties` and no say on others gets
/// `additionalProperties: false`.
fn close(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            map.values_mut().for_each(close);
        }
        Value::Array(items) => items.iter_mut().for_each(close),
        _ => {}
    }
}

/// The check itself: a body with a property the document does not name, without one it
/// requires, or with a value outside an enum, does not match.
#[test]
fn the_contract_refuses_what_the_document_does_not_say() {
    let api = Contract::new();
    let verdict = json!({"$ref": "#/components/schemas/Verdict"});
    let finding = json!({"id": "verifier.format", "level": "error", "ok": true, "message": "Fine."});
    let exercise =
        json!({"slug": "refresh", "completed": false, "steps": [{"id": "verifier", "status": "current"}]});
    let good = json!({"passed": true, "findings": [finding], "exercise": exercise, "jwt": null});
    assert_eq!(api.errors(&verdict, &good), Vec::<String>::new());
    let mut cases = Vec::new();
    let mut extra = good.clone();
    extra["score"] = json!(1);
    cases.push(extra);
    let mut missing = good.clone();
    missing.as_object_mut().expect("object").remove("jwt");
    cases.push(missing);
    let mut level = good.clone();
    level["findings"][0]["level"] = json!("fatal");
    cases.push(level);
    let mut step = good.clone();
    step["exercise"]["steps"][0]["id"] = json!("verify");
    cases.push(step);
    let mut jwt = good.clone();
    jwt["jwt"] = json!({"header": {}, "claims": "x"});
    cases.push(jwt);
    for body in cases {
        assert!(!api.errors(&verdict, &body).is_empty(), "{body}");
    }
}

/// A learner's `exercises` is an object of progress by slug: each offered exercise is
/// required, and any other (one the site is about to offer) is progress too.
#[test]
fn a_learner_s_exercises_are_progress_by_slug() {
    let api = Contract::new();
    let row = json!({"$ref": "#/components/schemas/LearnerRow"});
    let progress = json!({"steps_passed": 2, "completed": false, "updated_at": 1_700_000_000});
    let exercises: serde_json::Map<String, Value> =
        oauthlab::exercises::catalog().iter().map(|e| (e.slug.to_owned(), progress.clone())).collect();
    let body = |exercises: Value| {
        json!({"learner_id": "Xq3v0Jk2hY7w9Lm4", "display_name": null, "class_id": "cls_a",
               "exercises": exercises, "server": null})
    };
    let mut two = exercises.clone();
    two.insert("getting-started".into(), progress.clone());
    assert_eq!(api.errors(&row, &body(Value::Object(two.clone()))), Vec::<String>::new());
    let mut missing = two.clone();
    missing.remove("refresh");
    let mut bad = two.clone();
    bad.insert("getting-started".into(), json!({"steps_passed": 2}));
    for exercises in [missing, bad] {
        let exercises = Value::Object(exercises);
        assert!(!api.errors(&row, &body(exercises.clone())).is_empty(), "{exercises}");
    }
}

/// `method path` with `body` (JSON unless it is a string, sent as it is), from `c`.
async fn send(app: &TestApp, c: &reqwest::Client, method: &str, path: &str, body: Option<Value>) -> Response {
    let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
    let req = c.request(method, app.url(path));
    let req = match body {
        Some(Value::String(raw)) => req.header("content-type", "application/json").body(raw),
        Some(body) => req.json(&body),
        None => req,
    };
    req.send().await.expect("send")
}

#[tokio::test]
async fn the_learners_answers_match_the_document() {
    let app = TestApp::spawn().await;
    let api = Contract::new();
    let c = &app.client;
    let check = "/api/v1/exercises/{slug}/steps/{step}/check";
    let provider = "/api/v1/exercises/{slug}/provider";

    let list = api.check("get", "/api/v1/exercises", app.get("/api/v1/exercises").await).await;
    assert_eq!(list[0]["slug"], "getting-started");
    for slug in ["getting-started", "web-app", "oidc"] {
        api.check("get", "/api/v1/exercises/{slug}", app.get(&format!("/api/v1/exercises/{slug}")).await)
            .await;
    }
    api.check("get", "/api/v1/exercises/{slug}", app.get("/api/v1/exercises/refresh").await).await;
    api.check("get", "/api/v1/exercises/{slug}", app.get("/api/v1/exercises/oauth").await).await;
    let undecodable =
        api.check("get", "/api/v1/exercises/{slug}", app.get("/api/v1/exercises/%FF").await).await;
    assert_eq!(undecodable["error"], "invalid_request");
    api.check("get", "/api/v1/practice/app", app.get("/api/v1/practice/app").await).await;
    let on = json!({"refresh_tokens_enabled": true});
    let app_json = api
        .check("put", "/api/v1/practice/app", send(&app, c, "put", "/api/v1/practice/app", Some(on)).await)
        .await;
    assert_eq!(app_json["grant_types"], json!(["authorization_code", "refresh_token"]));

    let pair = api
        .check("post", "/api/v1/pkce/generate", app.post_json("/api/v1/pkce/generate", &json!({})).await)
        .await;
    let verifier = pair["verifier"].as_str().expect("verifier").to_owned();
    let challenge = json!({"verifier": verifier});
    api.check("post", "/api/v1/pkce/challenge", app.post_json("/api/v1/pkce/challenge", &challenge).await)
        .await;
    let short = json!({"verifier": "short"});
    let err = api
        .check("post", "/api/v1/pkce/challenge", app.post_json("/api/v1/pkce/challenge", &short).await)
        .await;
    assert_eq!(err["error"], "invalid_verifier");

    // Errors: locked, unknown step, not JSON, not the body, not sent as JSON, foreign, too big.
    let locked = api.check("post", check, app.check("challenge", "x").await).await;
    assert_eq!(locked["error"], "step_locked");
    let path = "/api/v1/exercises/refresh/steps/verify/check";
    api.check("post", check, app.post_json(path, &json!({"input": "x"})).await).await;
    let path = "/api/v1/exercises/refresh/steps/verifier/check";
    let bad = api.check("post", check, send(&app, c, "post", path, Some(json!("{"))).await).await;
    assert_eq!(bad["error"], "invalid_json");
    let bad = api.check("post", check, app.post_json(path, &json!({"input": 1})).await).await;
    assert_eq!(bad["error"], "invalid_request");
    let form = c.post(app.url(path)).form(&[("input", "x")]).send().await.expect("post");
    assert_eq!(api.check("post", check, form).await["error"], "unsupported_media_type");
    let foreign = c
        .post(app.url(path))
        .header("origin", "https://evil.example")
        .json(&json!({"input": "x"}))
        .send()
        .await
        .expect("post");
    assert_eq!(api.check("post", check, foreign).await["error"], "cross_site");
    let big = json!({"input": "x".repeat(70 * 1024)});
    assert_eq!(api.check("post", check, app.post_json(path, &big).await).await["error"], "payload_too_large");

    // The steps, up to a token response whose access token is a JWT.
    let (verifier, _, url) = app.pass_first_three_steps().await;
    let tokens = app.exchange(&url, &verifier).await;
    let verdict = api.check("post", check, app.check("token-response", &tokens).await).await;
    assert_eq!(verdict["passed"], true, "{verdict}");
    assert!(verdict["jwt"]["claims"].is_object(), "{verdict}");
    let verdict = api.check("post", check, app.check("refresh-response", "not json").await).await;
    assert_eq!(verdict["passed"], false);

    // Another server that cannot be reached, and back.
    api.check("get", provider, app.get("/api/v1/exercises/refresh/provider").await).await;
    let nowhere = json!({"issuer": "http://127.0.0.1:9/oauth2/default", "client_id": "x"});
    let setup = send(&app, c, "put", "/api/v1/exercises/refresh/provider", Some(nowhere)).await;
    assert_eq!(api.check("put", provider, setup).await["passed"], false);
    let server = api.check("get", provider, app.get("/api/v1/exercises/refresh/provider").await).await;
    assert!(server["last_attempt"]["verdict"]["findings"].is_array(), "{server}");
    let builtin = send(&app, c, "delete", "/api/v1/exercises/refresh/provider", None).await;
    api.check("delete", provider, builtin).await;

    let reset = app.post_json("/api/v1/exercises/refresh/reset", &json!({})).await;
    api.check("post", "/api/v1/exercises/{slug}/reset", reset).await;
    let empty = send(&app, c, "post", "/api/v1/exercises/refresh/reset", None).await;
    api.check("post", "/api/v1/exercises/{slug}/reset", empty).await;
    api.check("get", "/api/v1/openapi.json", app.get("/api/v1/openapi.json").await).await;
}

#[tokio::test]
async fn the_instructors_answers_match_the_document() {
    let app = TestApp::spawn().await;
    let api = Contract::new();
    let (code, stderr) = crate::instructors::add_instructor(&app.database, "ada@example.org", "correct horse battery");
    assert_eq!(code, 0, "{stderr}");
    let ada = client();
    let login = "/api/v1/instructor/login";
    let wrong = json!({"email": "ada@example.org", "password": "wrong password"});
    api.check("post", login, send(&app, &ada, "post", login, Some(wrong)).await).await;
    let right = json!({"email": "ada@example.org", "password": "correct horse battery"});
    api.check("post", login, send(&app, &ada, "post", login, Some(right)).await).await;

    let classes = "/api/v1/instructor/classes";
    api.check("get", classes, send(&app, &app.client, "get", classes, None).await).await;
    let blank = json!({"name": " "});
    api.check("post", classes, send(&app, &ada, "post", classes, Some(blank)).await).await;
    let made = send(&app, &ada, "post", classes, Some(json!({"name": "Workshop"}))).await;
    let class = api.check("post", classes, made).await;
    let class_id = class["class_id"].as_str().expect("class_id").to_owned();
    let code = class["join_url"].as_str().and_then(|u| u.rsplit('/').next()).expect("code").to_owned();

    let join = "/api/v1/classes/join";
    api.check("post", join, app.post_json(join, &json!({"code": "nope"})).await).await;
    api.check(
        "post",
        join,
        app.post_json(join, &json!({"code": code, "display_name": "x".repeat(61)})).await,
    )
    .await;
    api.check("post", join, app.post_json(join, &json!({"code": code, "display_name": "Grace"})).await).await;
    app.pass_first_three_steps().await;
    api.check("get", classes, send(&app, &ada, "get", classes, None).await).await;

    let learners = "/api/v1/instructor/learners";
    let rows = api.check("get", learners, send(&app, &ada, "get", learners, None).await).await;
    assert_eq!(rows[0]["display_name"], "Grace");
    let learner_id = rows[0]["learner_id"].as_str().expect("learner_id").to_owned();
    let other = format!("{learners}?class_id=cls_nope");
    api.check("get", learners, send(&app, &ada, "get", &other, None).await).await;

    let csv = format!("/api/v1/instructor/classes/{class_id}/progress.csv");
    let text = api
        .check(
            "get",
            "/api/v1/instructor/classes/{class_id}/progress.csv",
            send(&app, &ada, "get", &csv, None).await,
        )
        .await;
    assert!(text.as_str().is_some_and(|t| t.contains("Grace")), "{text}");
    let template = "/api/v1/instructor/classes/{class_id}/progress.csv";
    let wide =
        api.check("get", template, send(&app, &ada, "get", &format!("{csv}?layout=wide"), None).await).await;
    assert!(wide.as_str().is_some_and(|t| t.contains("refresh steps_passed")), "{wide}");
    let tall =
        api.check("get", template, send(&app, &ada, "get", &format!("{csv}?layout=tall"), None).await).await;
    assert_eq!(tall["error"], "invalid_request");

    let learner_reset = "/api/v1/instructor/learners/{learner_id}/reset";
    let path = format!("/api/v1/instructor/learners/{learner_id}/reset");
    api.check(
        "post",
        learner_reset,
        send(&app, &ada, "post", &path, Some(json!({"exercise": "oauth"}))).await,
    )
    .await;
    api.check(
        "post",
        learner_reset,
        send(&app, &ada, "post", &path, Some(json!({"exercise": "refresh"}))).await,
    )
    .await;
    let class_reset = "/api/v1/instructor/classes/{class_id}/reset";
    let path = format!("/api/v1/instructor/classes/{class_id}/reset");
    api.check("post", class_reset, send(&app, &ada, "post", &path, Some(json!({"exercise": "all"}))).await)
        .await;
    let theirs = "/api/v1/instructor/classes/cls_nope/reset";
    api.check("post", class_reset, send(&app, &ada, "post", theirs, Some(json!({"exercise": "all"}))).await)
        .await;

    let logout = "/api/v1/instructor/logout";
    api.check("post", logout, send(&app, &ada, "post", logout, None).await).await;
    api.check("get", classes, send(&app, &ada, "get", classes, None).await).await;
}

#[tokio::test]
async fn throttled_and_storage_failure_answers_match_the_document() {
    let app = TestApp::spawn_with(|s| s.rate_limit = 1).await;
    let api = Contract::new();
    api.check("get", "/api/v1/exercises", app.get("/api/v1/exercises").await).await;
    let throttled = api.check("get", "/api/v1/exercises", app.get("/api/v1/exercises").await).await;
    assert_eq!(throttled["error"], "rate_limited");

    let app = TestApp::spawn().await;
    app.get_json("/api/v1/exercises/refresh").await;
    let pool = sqlx::SqlitePool::connect(&app.database).await.expect("db");
    sqlx::query("DROP TABLE progress").execute(&pool).await.expect("drop");
    pool.close().await;
    let failed =
        api.check("get", "/api/v1/exercises/{slug}", app.get("/api/v1/exercises/refresh").await).await;
    assert_eq!(failed["error"], "server_error");
}

/// The guard's 400 for a query of more than 50 parameters is documented on every
/// operation, those with a 400 of their own as well as those without.
#[tokio::test]
async fn a_query_past_the_limit_is_a_documented_400() {
    let app = TestApp::spawn().await;
    let api = Contract::new();
    let query = (0..51).map(|i| format!("p{i}=x")).collect::<Vec<_>>().join("&");
    let c = client();
    for (method, template, path) in [
        ("get", "/api/v1/exercises", "/api/v1/exercises"),
        ("get", "/api/v1/exercises/{slug}", "/api/v1/exercises/refresh"),
        ("post", "/api/v1/pkce/generate", "/api/v1/pkce/generate"),
        ("get", "/api/v1/instructor/learners", "/api/v1/instructor/learners"),
    ] {
        let res = send(&app, &c, method, &format!("{path}?{query}"), Some(json!({}))).await;
        let body = api.check(method, template, res).await;
        assert_eq!(body["error"], "invalid_request", "{method} {path}");
        assert!(body["message"].as_str().unwrap_or_default().contains("more than 50 query parameters"));
    }
}

/// Every operation the document lists is routed: called with sample path parameters and
/// no body, without an instructor session, it answers a status documented for it (not the
/// API's "no endpoint here" 404, nor 405).
#[tokio::test]
async fn every_documented_operation_is_routed_and_answers_a_documented_status() {
    let app = TestApp::spawn().await;
    let api = Contract::new();
    let samples =
        [("{slug}", "refresh"), ("{step}", "verifier"), ("{class_id}", "cls_x"), ("{learner_id}", "x")];
    let mut called = 0;
    for (template, item) in api.doc["paths"].as_object().expect("paths") {
        let path = samples.iter().fold(template.clone(), |p, (name, value)| p.replace(name, value));
        assert!(!path.contains('{'), "{template}: no sample for a parameter");
        for method in ["get", "put", "post", "delete"] {
            if !item[method].is_object() {
                continue;
            }
            let res = send(&app, &app.client, method, &path, None).await;
            let status = res.status();
            let body = api.check(method, template, res).await;
            assert!(
                status != 405
                    && body["message"] != "There is no API endpoint here; see /api/v1/openapi.json."
            );
            called += 1;
        }
    }
    assert!(called >= 21, "only {called} operations");
}
