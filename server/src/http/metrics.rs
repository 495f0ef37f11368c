//! Prometheus metrics, off unless `serve --metrics-addr` names a listener of their own:
//! that listener serves `GET /metrics` and nothing else; the site's never does.
//!
//! - `oauthlab_http_requests_total` and `oauthlab_http_request_duration_seconds`
//!   (a histogram), by the matched route template (`unmatched` when none), method and
//!   status: label values come from the router, never from the raw path.
//! - `oauthlab_checks_total`, by exercise, step and verdict (counted where checks are
//!   kept, `app::services::exercises`).
//! - `oauthlab_db_pool_connections` and `oauthlab_db_pool_idle_connections`, read from
//!   the database pool at each scrape.

use std::sync::OnceLock;

use axum::extract::{MatchedPath, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::storage::Db;

/// The process's recorder, once installed (metrics are on).
static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();

/// Latency buckets, in seconds: from a cached asset to a slow check of a learner's server.
const LATENCY_BUCKETS: &[f64] = &[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Install the recorder (once per process; later calls keep the first).
pub fn install() -> anyhow::Result<PrometheusHandle> {
    if let Some(handle) = RECORDER.get() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("oauthlab_http_request_duration_seconds".into()),
            LATENCY_BUCKETS,
        )?
        .install_recorder()?;
    Ok(RECORDER.get_or_init(|| handle).clone())
}

/// Bind `addr` for the metrics and serve them there in the background, over `db`'s pool.
/// Returns the address bound (another port than asked for when it was 0).
pub async fn listen(addr: std::net::SocketAddr, db: Db) -> anyhow::Result<std::net::SocketAddr> {
    use anyhow::Context;
    let handle = install()?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} for metrics (--metrics-addr)"))?;
    let bound = listener.local_addr().context("the metrics listener has no address")?;
    let app = Router::new().route("/metrics", axum::routing::get(scrape)).with_state((handle, db));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::warn!(error = %e, "the metrics listener stopped");
        }
    });
    Ok(bound)
}

/// `GET /metrics`: the pool gauges as of now, then everything in the text format.
async fn scrape(State((handle, db)): State<(PrometheusHandle, Db)>) -> Response {
    metrics::gauge!("oauthlab_db_pool_connections").set(f64::from(db.pool.size()));
    metrics::gauge!("oauthlab_db_pool_idle_connections").set(db.pool.num_idle() as f64);
    handle.run_upkeep();
    ([(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render()).into_response()
}

/// Count and time every request by route template, method and status; a pass-through
/// while metrics are off.
pub async fn track(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if RECORDER.get().is_none() {
        return next.run(req).await;
    }
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let method = method_label(req.method());
    let started = std::time::Instant::now();
    let res = next.run(req).await;
    let labels = [
        ("route", route.unwrap_or_else(|| "unmatched".to_owned())),
        ("method", method.to_owned()),
        ("status", res.status().as_u16().to_string()),
    ];
    metrics::counter!("oauthlab_http_requests_total", &labels).increment(1);
    metrics::histogram!("oauthlab_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    res
}

/// The method, from a fixed list: any other is `other` (methods are client-chosen).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
