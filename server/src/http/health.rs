//! `GET /healthz`, for load balancers and orchestrators: 200 `ok` when the database
//! answers `SELECT 1` within [`HEALTH_TIMEOUT`], 503 `database unavailable` when not.
//! Served outside the session, the guard and the rate limit (see `startup::router`): a
//! probe gets no cookie and is never turned away for probing often.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::storage::Db;

/// How long the database may take to answer the probe.
pub const HEALTH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

pub async fn healthz(State(db): State<Db>) -> Response {
    let (status, body) = match tokio::time::timeout(HEALTH_TIMEOUT, db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok\n"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: the database did not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
        Err(_) => {
            tracing::warn!(seconds = HEALTH_TIMEOUT.as_secs(), "health check: the database timed out");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    };
    (status, [(CACHE_CONTROL, "no-store"), (CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}
