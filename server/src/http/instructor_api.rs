//! The instructors' JSON API (`../shared/spec/http-api.md`, "Instructors") and the
//! learners' class join. Instructor endpoints need the instructor session cookie: a
//! learner's cookie alone gets 401.

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tracing::instrument;
use utoipa::{IntoParams, ToSchema};

use app::services::instructor::{
    ClassSummary, InstructorId, Instructors, LearnerRow, ALL_EXERCISES, SESSION_SECONDS,
};
use app::services::Services;

use super::{ApiError, ApiJson, ApiPath, ApiQuery, ApiState, Learner};

/// The instructors' endpoints and the learners' class join.
pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/instructor/login", post(login_post))
        .route("/instructor/logout", post(logout_post))
        .route("/instructor/classes", get(classes_get).post(classes_post))
        .route("/instructor/classes/{class_id}/reset", post(class_reset_post))
        .route("/instructor/classes/{class_id}/progress.csv", get(class_csv_get))
        .route("/instructor/learners", get(learners_get))
        .route("/instructor/learners/{learner_id}/reset", post(learner_reset_post))
        .route("/classes/join", post(join_post))
}

/// The signed-in instructor, from their cookie.
async fn instructor(i: &Instructors, headers: &HeaderMap) -> Result<InstructorId, ApiError> {
    Ok(i.signed_in(i.cookie_in(headers)).await?)
}

#[derive(Deserialize, ToSchema)]
#[schema(as = InstructorLogin)]
struct LoginBody {
    /// Compared without case and outer whitespace.
    email: String,
    #[schema(format = Password)]
    password: String,
}

/// Sign in as an instructor
///
/// Checks the email (case-insensitive) and password and starts a new instructor session:
/// the response sets the `oauthlab_instructor` cookie. A session this browser already had
/// ends once the login succeeds; a failed login leaves it as it was. Failed logins are
/// limited in a sliding window of 15 minutes: after 5 for an email from one client address,
/// further attempts for that email from that address get 429 with `Retry-After` (other
/// addresses are not affected); after 20 from one address, its attempts for any email do;
/// after 100 for an email from all addresses together, everyone's attempts for it do. An
/// attempt counts from when it starts; a successful one does not count.
#[utoipa::path(
    post, path = "/api/v1/instructor/login", tag = "instructor", operation_id = "instructorLogin",
    security(()),
    request_body(content = LoginBody, example = json!({"email": "ada@example.org", "password": "correct horse battery staple"})),
    responses(
        (status = 204, description = "Signed in.",
         headers(("Set-Cookie" = String, description = "The session: `oauthlab_instructor=<token>; Path=/; \
          Max-Age=43200; HttpOnly; SameSite=Strict`; when the public URL is https, named \
          `__Host-oauthlab_instructor` and with `; Secure`."))),
        (status = 400, response = super::openapi::responses::BadRequest),
        (status = 401, description = "`invalid_credentials`: no instructor has this email and password.",
         body = super::ErrorBody, example = json!({"error": "invalid_credentials", "message": "Wrong email or password."})),
        (status = 503, response = super::openapi::responses::ServerError),
    ),
)]
#[instrument(skip_all)]
async fn login_post(
    State(i): State<Instructors>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    ApiJson(LoginBody { email, password }): ApiJson<LoginBody>,
) -> Result<Response, ApiError> {
    let client = extensions.get::<app::services::ClientAddr>().map(|c| c.0);
    let token = i.login(&email, &password, i.cookie_in(&headers), client).await?;
    Ok(with_cookie(StatusCode::NO_CONTENT, &i.cookie(&token, SESSION_SECONDS)))
}

/// End the instructor session
///
/// Ends the session of the `oauthlab_instructor` cookie, if any, and clears the cookie.
/// Succeeds without a session too.
#[utoipa::path(
    post, path = "/api/v1/instructor/logout", tag = "instructor", operation_id = "instructorLogout",
    security((), ("instructorSession" = [])),
    request_body(content = super::openapi::responses::EmptyBody, description = "`{}`; the body is not read.",
                 example = json!({})),
    responses(
        (status = 204, description = "Signed out.",
         headers(("Set-Cookie" = String, description = "Clears the cookie: `oauthlab_instructor=; Path=/; \
          Max-Age=0; HttpOnly; SameSite=Strict` (`__Host-oauthlab_instructor` and `; Secure` when \
          the public URL is https)."))),
        (status = 503, response = super::openapi::responses::ServerError),
    ),
)]
async fn logout_post(State(i): State<Instructors>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(token) = i.cookie_in(&headers) {
        i.logout(token).await?;
    }
    Ok(with_cookie(StatusCode::NO_CONTENT, &i.cookie("", 0)))
}

/// An empty answer that sets the instructor cookie to `cookie`.
fn with_cookie(status: StatusCode, cookie: &str) -> Response {
    let mut res = status.into_response();
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().insert(SET_COOKIE, v);
    }
    res
}

#[derive(Deserialize, ToSchema)]
#[schema(as = ClassCreate)]
struct ClassBody {
    /// 1 to 100 characters after trimming outer whitespace, not only invisible ones, and no
    /// control or format characters (Unicode category Cf: zero-width spaces, text-direction
    /// marks...).
    name: String,
}

/// A class just made.
#[derive(Serialize, ToSchema)]
#[schema(as = ClassCreated)]
struct ClassCreated {
    #[schema(examples("cls_q1w2e3r4t5y6"))]
    class_id: String,
    name: String,
    /// `<public URL>/join/<join code>`: learners open it to join.
    #[schema(format = Uri)]
    join_url: String,
}

/// Make a class
///
/// Learners join it by opening `join_url` in their browser, or with
/// `POST /api/v1/classes/join`.
#[utoipa::path(
    post, path = "/api/v1/instructor/classes", tag = "instructor", operation_id = "createClass",
    security(("instructorSession" = [])),
    request_body(content = ClassBody, example = json!({"name": "Tuesday workshop"})),
    responses(
        (status = 201, description = "The new class.", body = ClassCreated,
         example = json!({
             "class_id": "cls_q1w2e3r4t5y6",
             "name": "Tuesday workshop",
             "join_url": "http://127.0.0.1:3000/join/Zx8kP0aBcD3e",
         })),
        (status = 400, description = "The body is not JSON (`invalid_json`) or not `{\"name\": <string>}`, or the \
         name is not 1 to 100 characters after trimming, shows nothing (only whitespace and invisible \
         characters), or holds control or format characters such as line breaks, zero-width spaces or \
         text-direction marks (`invalid_request`).",
         body = super::ErrorBody,
         example = json!({"error": "invalid_request", "message": "A class needs a name of 1 to 100 characters."})),
        (status = 401, response = super::openapi::responses::Unauthorized),
        (status = 503, response = super::openapi::responses::ServerError),
    ),
)]
async fn classes_post(
    State(i): State<Instructors>,
    headers: HeaderMap,
    ApiJson(ClassBody { name }): ApiJson<ClassBody>,
) -> Result<Response, ApiError> {
    let who = instructor(&i, &headers).await?;
    let class = i.create_class(who, &name).await?;
    let created = ClassCreated { class_id: class.class_id, name: class.name, join_url: class.join_url };
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// This instructor's classes
#[utoipa::path(
    get, path = "/api/v1/instructor/classes", tag = "instructor", operation_id = "listClasses",
    security(("instructorSession" = [])),
    responses(
        (status = 200, description = "The classes, oldest first, each with its number of learners.",
         body = Vec<ClassSummary>),
        (status = 401, response = super::openapi::responses::Unauthorized),
        (status = 503, response = super::openapi::responses::ServerError),
    ),
)]
async fn classes_get(State(i): State<Instructors>, headers: HeaderMap) -> Result<Response, ApiError> {
    let who = instructor(&i, &headers).await?;
    Ok(Json(i.classes(who).await?).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct LearnersQuery {
    /// Only the learners of this class, which must be one of this instructor's.
    #[param(nullable = false)]
    class_id: Option<String>,
}

/// The learners of this instructor's classes, with their progress
#[utoipa::path(
    get, path = "/api/v1/instructor/learners", tag = "instructor", operation_id = "listLearners",
    security(("instructorSession" = [])),
    params(LearnersQuery),
    responses(
        (status = 200, description = "The learners, in the order they joined, each with their progress in \
         every exercise the site offers (`exercises`, keyed by slug).", body = Vec<LearnerRow>),
        (status = 400, description = "`invalid_request`: the query string could not be read.",
         body = super::ErrorBody,
         example = json!({"error": "invalid_request", "message": "Failed to deserialize query string."})),
        (status = 401, response = super::openapi::responses::Unauthorized),
        (status = 404, response = super::openapi::responses::NotYours),
        (status = 503, response = super::openapi::responses::ServerError),
    ),
)]
async fn learners_get(
    State(i): State<Instructors>,
    headers: HeaderMap,
    query: Result<ApiQuery<LearnersQuery>, ApiError>,
) -> Result<Response, ApiError> {
    let who = instructor(&i, &headers).await?;
    let ApiQuery(q) = query?;
    Ok(Json(i.learners(who, q.class_id.as_deref()).await?).into_response())
}

#[derive(Deserialize, ToSchema)]
#[schema(as = ResetRequest)]
struct ResetBody {
    #[schema(schema_with = reset_exercise_schema)]
    exercise: String,
}

/// `exercise`: an exercise's slug, or `all`.
fn reset_exercise_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let mut names: Vec<&str> = oauthlab::exercises::catalog().iter().map(|e| e.slug).collect();
    names.push(ALL_EXERCISES);
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(names))
        .description(Some("An exercise's slug, or `all` for every exercise."))
        .build()
}

/// Forget one learner's progress in an exercise
#[utoipa::path(
    post, path = "/api/v1/instructor/learners/{learner_id}/reset", tag = "instructor", operation_id = "resetLearner",
    security(("instructorSession" = [])),
    request_body(content = ResetBody, description = "The exercise to reset.", example = json!({"exercise": "refresh"})),
    responses(
        (status = 204, description = "The learner's progress is gone; their first step is current again."),
        (status = 400, response = super::openapi::responses::BadResetRequest),
        (status = 401, response = super::openapi::responses::Unauthorized),
        (status = 404, response = super::openapi::responses::NotYours),
        (status = 503, response = super::openapi::responses::ServerError),
    ),
)]
async fn learner_reset_post(
    State(i): State<Instructors>,
    State(services): State<Services>,
    headers: HeaderMap,
    ApiPath(learner_id): ApiPath<String>,
    ApiJson(ResetBody { exercise }): ApiJson<ResetBody>,
) -> Result<StatusCode, ApiError> {
    let who = instructor(&i, &headers).await?;
    i.reset_learner(&services, who, &learner_id, &exercise).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Forget the progress of every learner of a class in an exercise
#[utoipa::path(
    post, path = "/api/v1/instructor/classes/{class_id}/reset", tag = "instructor", operation_id = "resetClass",
    security(("instructorSession" = [])),
    request_body(content = ResetBody, description = "The exercise to reset.", example = json!({"exercise": "refresh"})),
    responses(
        (status = 204, description = "The progress of every learner of the class is gone."),
        (status = 400, response = super::openapi::responses::BadResetRequest),
        (status = 401, response = super::openapi::responses::Unauthorized),
        (status = 404, response = super::openapi::responses::NotYours),
        (status = 503, response = super::openapi::responses::ServerError),
    ),
)]
async fn class_reset_post(
    State(i): State<Instructors>,
    State(services): State<Services>,
    headers: HeaderMap,
    ApiPath(class_id): ApiPath<String>,
    ApiJson(ResetBody { exercise }): ApiJson<ResetBody>,
) -> Result<StatusCode, ApiError> {
    let who = instructor(&i, &headers).await?;
    i.reset_class(&services, who, &class_id, &exercise).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A CSV field, quoted when needed.
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// A free-text CSV field (a name someone typed), with formula characters defused for
/// spreadsheets. Not for ids: they hold only safe characters, and base64url ones may start
/// with `-`, which must stay as it is for the id to be used again.
fn csv_text(value: &str) -> String {
    // OWASP's list of characters a spreadsheet reads as the start of a formula.
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        csv_field(&format!("'{value}"))
    } else {
        csv_field(value)
    }
}

/// Unix seconds as an ISO 8601 UTC timestamp (`2023-11-14T22:13:20Z`), which
/// spreadsheets read as a date.
fn utc_timestamp(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct CsvQuery {
    /// `rows` (the default): one row per learner and exercise. `wide`: one row per learner,
    /// with a group of columns per exercise.
    #[param(nullable = false, inline)]
    layout: Option<CsvLayout>,
}

/// How the class export lays out its rows.
#[derive(Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum CsvLayout {
    #[default]
    Rows,
    Wide,
}

/// A class's progress as CSV
///
/// One row per learner and exercise the site offers (`exercise` is its slug: every
/// exercise of `GET /api/v1/exercises`, in that order, for each learner, one not started
/// with `0,false,` and no date), the learners in the order they joined, under the header
/// `learner_id,display_name,exercise,steps_passed,completed,updated_at`; lines end in CRLF.
/// `display_name` is empty when the learner gave none; `completed` is `true` or `false`;
/// `updated_at` is an ISO 8601 UTC timestamp (`2025-01-01T10:00:00Z`), empty before the
/// first change. Fields with a comma, quote or line break are quoted, and a `display_name`
/// starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` so
/// spreadsheets do not run it as a formula. `learner_id` is always as the API gives it (it
/// may start with `-`).
///
/// With `?layout=wide`, one row per learner instead, with three columns per exercise the
/// site offers, in the order of `GET /api/v1/exercises`: the header is
/// `learner_id,display_name` then, for each exercise, `<slug> steps_passed,<slug>
/// completed,<slug> updated_at` (`refresh steps_passed,refresh completed,refresh
/// updated_at` ...), with the same values as above.
#[utoipa::path(
    get, path = "/api/v1/instructor/classes/{class_id}/progress.csv", tag = "instructor",
    operation_id = "classProgressCsv",
    security(("instructorSession" = [])),
    params(CsvQuery),
    responses(
        (status = 200, description = "The CSV, as a download.", body = String, content_type = "text/csv; charset=utf-8",
         headers(("Content-Disposition" = String, description = "`attachment; filename=\"<class_id>-progress.csv\"`.")),
         example = json!("learner_id,display_name,exercise,steps_passed,completed,updated_at\r\nXq3v0Jk2hY7w9Lm4,Ada,refresh,5,true,2025-01-01T10:00:00Z\r\n")),
        (status = 400, description = "`invalid_request`: the path or the query string could not be read (a \
         `layout` other than `rows` or `wide`, a path that is not UTF-8 once percent-decoded, or more than 50 \
         query parameters).",
         body = super::ErrorBody,
         example = json!({"error": "invalid_request", "message": "Failed to deserialize query string: layout: unknown variant `tall`, expected `rows` or `wide`"})),
        (status = 401, response = super::openapi::responses::Unauthorized),
        (status = 404, response = super::openapi::responses::NotYours),
        (status = 503, response = super::openapi::responses::ServerError),
    ),
)]
async fn class_csv_get(
    State(i): State<Instructors>,
    headers: HeaderMap,
    ApiPath(class_id): ApiPath<String>,
    query: Result<ApiQuery<CsvQuery>, ApiError>,
) -> Result<Response, ApiError> {
    let who = instructor(&i, &headers).await?;
    let ApiQuery(q) = query?;
    let learners = i.learners(who, Some(&class_id)).await?;
    let csv = progress_csv(&learners, q.layout.unwrap_or_default());
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{class_id}-progress.csv\""),
            ),
        ],
        csv,
    )
        .into_response())
}

/// The class export of `learners`, laid out as `layout` says (see [`class_csv_get`]).
fn progress_csv(learners: &[LearnerRow], layout: CsvLayout) -> String {
    let catalog = oauthlab::exercises::catalog();
    let values = |p: &app::services::instructor::ExerciseProgress| {
        format!("{},{},{}", p.steps_passed, p.completed, p.updated_at.map(utc_timestamp).unwrap_or_default())
    };
    let mut csv = match layout {
        CsvLayout::Rows => "learner_id,display_name,exercise,steps_passed,completed,updated_at".to_owned(),
        CsvLayout::Wide => std::iter::once("learner_id,display_name".to_owned())
            .chain(catalog.iter().map(|e| {
                let slug = e.slug;
                format!("{slug} steps_passed,{slug} completed,{slug} updated_at")
            }))
            .collect::<Vec<_>>()
            .join(","),
    };
    csv.push_str("\r\n");
    for l in learners {
        let (id, name) = (csv_field(&l.learner_id), csv_text(l.display_name.as_deref().unwrap_or("")));
        match layout {
            CsvLayout::Rows => {
                for e in &catalog {
                    let slug = csv_field(e.slug);
                    csv.push_str(&format!("{id},{name},{slug},{}\r\n", values(&l.exercises.of(e.slug))));
                }
            }
            CsvLayout::Wide => {
                csv.push_str(&format!("{id},{name}"));
                for e in &catalog {
                    csv.push_str(&format!(",{}", values(&l.exercises.of(e.slug))));
                }
                csv.push_str("\r\n");
            }
        }
    }
    csv
}

#[derive(Deserialize, ToSchema)]
#[schema(as = JoinRequest)]
struct JoinBody {
    /// The class's join code, the last part of its `join_url`.
    code: String,
    /// Shown to the instructor; at most 60 characters after trimming, and no control or
    /// format characters (Unicode category Cf: zero-width spaces, text-direction marks...).
    /// Blank, only invisible characters, or absent: none.
    #[schema(max_length = 60)]
    display_name: Option<String>,
}

/// Join a class as this learner
///
/// Makes the learner of this session a learner of the class whose join code is `code` (the
/// last part of its `join_url`; outer whitespace is ignored). Opening the join URL in a
/// browser does the same (a client without the session cookie is first sent back to the
/// same URL with one, and a HEAD request never joins). A learner is in one class at a time:
/// joining another moves them there (their progress stays). Joining without a display name
/// keeps the one given before.
#[utoipa::path(
    post, path = "/api/v1/classes/join", tag = "classes", operation_id = "joinClass",
    request_body(content = JoinBody, example = json!({"code": "Zx8kP0aBcD3e", "display_name": "Ada"})),
    responses(
        (status = 204, description = "The learner is in the class."),
        (status = 400, description = "The body is not JSON (`invalid_json`) or not `{\"code\": <string>, \
         \"display_name\"?: <string>}`, or the display name is over 60 characters or holds control or format \
         characters such as line breaks, zero-width spaces or text-direction marks (`invalid_request`).",
         body = super::ErrorBody,
         example = json!({"error": "invalid_request", "message": "A display name has at most 60 characters."})),
        (status = 404, description = "`not_found`: no class has this join code.", body = super::ErrorBody,
         example = json!({"error": "not_found", "message": "There is no such class or learner among yours."})),
        (status = 503, response = super::openapi::responses::ServerError),
    ),
)]
async fn join_post(
    State(i): State<Instructors>,
    Learner(learner): Learner,
    ApiJson(JoinBody { code, display_name }): ApiJson<JoinBody>,
) -> Result<StatusCode, ApiError> {
    i.join(&learner, &code, display_name.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::{csv_field, csv_text, progress_csv, CsvLayout};
    use app::services::instructor::{ExerciseProgress, LearnerExercises, LearnerRow};

    #[test]
    fn the_export_has_each_offered_exercise_as_rows_or_as_columns() {
        let catalog = oauthlab::exercises::catalog();
        let progress =
            ExerciseProgress { steps_passed: 2, completed: false, updated_at: Some(1_700_000_000) };
        let row = |id: &str, name: Option<&str>, exercises: LearnerExercises| LearnerRow {
            learner_id: id.into(),
            display_name: name.map(str::to_owned),
            class_id: "cls_a".into(),
            exercises: exercises.offered(),
            server: None,
        };
        let all = LearnerExercises(catalog.iter().map(|e| (e.slug.to_owned(), progress.clone())).collect());
        let learners = [row("amy", Some("=Amy"), all), row("bo", None, LearnerExercises::default())];

        let rows = progress_csv(&learners, CsvLayout::Rows);
        let mut want = vec!["learner_id,display_name,exercise,steps_passed,completed,updated_at".to_owned()];
        want.extend(catalog.iter().map(|e| format!("amy,'=Amy,{},2,false,2023-11-14T22:13:20Z", e.slug)));
        want.extend(catalog.iter().map(|e| format!("bo,,{},0,false,", e.slug)));
        assert_eq!(rows, want.iter().map(|l| format!("{l}\r\n")).collect::<String>());

        let wide = progress_csv(&learners, CsvLayout::Wide);
        let lines: Vec<&str> = wide.split_terminator("\r\n").collect();
        let header: Vec<String> = catalog
            .iter()
            .flat_map(|e| ["steps_passed", "completed", "updated_at"].map(|c| format!("{} {c}", e.slug)))
            .collect();
        assert_eq!(lines[0], format!("learner_id,display_name,{}", header.join(",")));
        assert_eq!(lines[1], format!("amy,'=Amy{}", ",2,false,2023-11-14T22:13:20Z".repeat(catalog.len())));
        assert_eq!(lines[2], format!("bo,{}", ",0,false,".repeat(catalog.len())));
        assert_eq!(lines.len(), 3);
        assert!(
            lines[0].starts_with("learner_id,display_name,") && lines[0].contains("refresh steps_passed")
        );
    }

    #[test]
    fn timestamps_are_iso_8601_utc() {
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_700_000_000, "2023-11-14T22:13:20Z"),
            (1_798_761_599, "2026-12-31T23:59:59Z"),
            (-1, "1969-12-31T23:59:59Z"),
        ];
        for (unix, want) in cases {
            assert_eq!(super::utc_timestamp(unix), want, "{unix}");
        }
    }

    #[test]
    fn csv_text_is_quoted_and_formulas_defused() {
        assert_eq!(csv_text("Ada"), "Ada");
        assert_eq!(csv_text("Lovelace, Ada"), "\"Lovelace, Ada\"");
        assert_eq!(csv_text("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_text("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_text("-2+3"), "'-2+3");
        assert_eq!(csv_text("\t=1+1"), "'\t=1+1");
        assert_eq!(csv_text("\r=1"), "\"'\r=1\"");
    }

    #[test]
    fn csv_ids_are_kept_as_they_are() {
        assert_eq!(csv_field("-NKd3xQ_aZ09-bc"), "-NKd3xQ_aZ09-bc");
        assert_eq!(csv_field("cls_a,b"), "\"cls_a,b\"");
    }
}
