//! The instructors' JSON API (`../shared/spec/http-api.md`, "Instructors") and the
//! learners' class join. Instructor endpoints need the instructor session cookie: a
//! learner's cookie alone gets 401.

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tracing::instrument;

use app::services::instructor::{InstructorId, Instructors, COOKIE_NAME, SESSION_SECONDS};
use app::services::{cookie_value, Services};

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
    Ok(i.signed_in(cookie_value(headers, COOKIE_NAME)).await?)
}

#[derive(Deserialize)]
struct LoginBody {
    email: String,
    password: String,
}

#[instrument(skip_all)]
async fn login_post(
    State(i): State<Instructors>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    ApiJson(LoginBody { email, password }): ApiJson<LoginBody>,
) -> Result<Response, ApiError> {
    let client = extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    let token = i.login(&email, &password, cookie_value(&headers, COOKIE_NAME), client).await?;
    Ok(with_cookie(StatusCode::NO_CONTENT, &i.cookie(&token, SESSION_SECONDS)))
}

async fn logout_post(State(i): State<Instructors>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(token) = cookie_value(&headers, COOKIE_NAME) {
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

#[derive(Deserialize)]
struct ClassBody {
    name: String,
}

async fn classes_post(
    State(i): State<Instructors>,
    headers: HeaderMap,
    ApiJson(ClassBody { name }): ApiJson<ClassBody>,
) -> Result<Response, ApiError> {
    let who = instructor(&i, &headers).await?;
    let class = i.create_class(who, &name).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({
            "class_id": class.class_id, "name": class.name, "join_url": class.join_url,
        })),
    )
        .into_response())
}

async fn classes_get(State(i): State<Instructors>, headers: HeaderMap) -> Result<Response, ApiError> {
    let who = instructor(&i, &headers).await?;
    Ok(Json(i.classes(who).await?).into_response())
}

#[derive(Deserialize)]
struct LearnersQuery {
    class_id: Option<String>,
}

async fn learners_get(
    State(i): State<Instructors>,
    headers: HeaderMap,
    query: Result<ApiQuery<LearnersQuery>, ApiError>,
) -> Result<Response, ApiError> {
    let who = instructor(&i, &headers).await?;
    let ApiQuery(q) = query?;
    Ok(Json(i.learners(who, q.class_id.as_deref()).await?).into_response())
}

#[derive(Deserialize)]
struct ResetBody {
    exercise: String,
}

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

async fn class_csv_get(
    State(i): State<Instructors>,
    headers: HeaderMap,
    ApiPath(class_id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let who = instructor(&i, &headers).await?;
    let learners = i.learners(who, Some(&class_id)).await?;
    let mut csv = String::from("learner_id,display_name,exercise,steps_passed,completed,updated_at\r\n");
    for l in learners {
        let p = &l.exercises.refresh;
        csv.push_str(&format!(
            "{},{},refresh,{},{},{}\r\n",
            csv_field(&l.learner_id),
            csv_text(l.display_name.as_deref().unwrap_or("")),
            p.steps_passed,
            p.completed,
            p.updated_at.map(utc_timestamp).unwrap_or_default()
        ));
    }
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

#[derive(Deserialize)]
struct JoinBody {
    code: String,
    display_name: Option<String>,
}

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
    use super::{csv_field, csv_text};

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
