//! Building the application: state, router, and serving.

use std::sync::Arc;

use anyhow::Context;
use axum::extract::FromRef;
use axum::middleware;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::trace::TraceLayer;

use app::services::instructor::Instructors;
use app::services::store::Fetcher;
use app::services::Services;
use app::{shell, App};

use crate::config::Settings;
use crate::http::client::client_addr;
use crate::http::guard::{guard, GuardState, RateLimiter};
use crate::http::ApiState;
use crate::practice::{Lifetimes, Practice};
use crate::remote::{HttpFetcher, TokenVerifier};
use crate::session::{join_link_needs_a_session, learner_session, SessionSettings};
use crate::shared::connections::Connections;
use crate::shared::keys::KeyRing;
use crate::storage::{Db, JobClaims, KeyedThrottle, LearnerHousekeeping, SealedPageViews, ServerKey};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub services: Services,
    pub guard: GuardState,
    pub session: SessionSettings,
    pub practice: Practice,
    pub housekeeping: Housekeeping,
    pub instructors: Instructors,
    pub connections: Connections,
    /// The database itself, for `/healthz`.
    pub db: Db,
}

/// The practice server over `db`, its client secrets and signing keys derived from `key`.
fn practice(public_url: &str, lifetimes: Lifetimes, db: &Db, key: ServerKey) -> Practice {
    Practice {
        issuer: public_url.to_owned(),
        apps: Arc::new(db.clone()),
        secrets: Arc::new(key.clone()),
        codes: Arc::new(db.clone()),
        tokens: Arc::new(db.clone()),
        consents: Arc::new(db.clone()),
        receipts: Arc::new(db.clone()),
        keys: KeyRing::new(Arc::new(db.clone()), key, lifetimes.access_token),
        lifetimes,
    }
}

/// What the server forgets every hour: codes and tokens long dead, learners inactive for
/// `forget_learners_after` days who are in no class, and short-lived rows (expired page
/// views, login attempts out of the throttle's window, old resets).
#[derive(Clone)]
pub struct Housekeeping {
    pub practice: Practice,
    pub learners: Arc<dyn LearnerHousekeeping>,
    /// Who runs it this hour, when several instances share the database.
    pub claims: Arc<dyn JobClaims>,
    pub forget_learners_after: u32,
}

/// What one round of housekeeping forgot.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Forgotten {
    pub codes_and_tokens: u64,
    pub learners: u64,
    /// Page views, login attempts and throttle keys, resets.
    pub short_lived: u64,
}

impl Housekeeping {
    /// The housekeeping of the site whose database is `database` and server key
    /// `key_file` (beside the database when `None`), for the command line.
    pub async fn of_database(
        database: &str,
        forget_learners_after: u32,
        key_file: Option<&std::path::Path>,
    ) -> anyhow::Result<Self> {
        let (db, key) = open_storage(database, key_file).await?;
        let practice = practice("", Lifetimes::default(), &db, key);
        Ok(Self { practice, learners: Arc::new(db.clone()), claims: Arc::new(db), forget_learners_after })
    }

    /// One round, as of `now`.
    pub async fn run(&self, now: i64) -> Result<Forgotten, app::services::store::StoreError> {
        let codes_and_tokens = self.practice.forget_dead(now).await?;
        let idle_before = now - i64::from(self.forget_learners_after) * 24 * 3600;
        let learners = self.learners.forget_idle_learners(idle_before).await?;
        let short_lived = self.learners.forget_short_lived(now).await?;
        Ok(Forgotten { codes_and_tokens, learners, short_lived })
    }
}

impl AppState {
    /// Open the database (migrating it) and the server key kept beside it.
    /// Open the database and the server key; the first signing key is made here, at the
    /// first start.
    pub async fn open(settings: &Settings) -> anyhow::Result<Self> {
        let (db, key) = open_storage(&settings.database, settings.server_key_file.as_deref()).await?;
        let state = Self::new(settings, db, key)?;
        state
            .practice
            .keys
            .current(app::services::now_unix())
            .await
            .map_err(|e| anyhow::anyhow!("cannot make the signing key: {e}"))?;
        // The RSA key takes a moment to derive: on a blocking thread now, not on the
        // first login.
        let keys = state.practice.keys.clone();
        tokio::spawn(async move {
            if let Err(e) = keys.current_rsa(app::services::now_unix()).await {
                tracing::warn!(error = %e, "cannot derive the RSA signing key yet");
            }
        });
        Ok(state)
    }

    /// The state over an open database; an error when the HTTP client for learners'
    /// servers can't be made.
    pub fn new(settings: &Settings, db: Db, key: ServerKey) -> anyhow::Result<Self> {
        let secrets: Arc<ServerKey> = Arc::new(key.clone());
        let page_views = SealedPageViews::new(db.clone(), &key);
        let throttle = KeyedThrottle::new(db.clone(), &key);
        let session = SessionSettings::for_site(&settings.public_url, key.clone());
        let practice = practice(&settings.public_url, settings.lifetimes, &db, key);
        let housekeeping = Housekeeping {
            practice: practice.clone(),
            learners: Arc::new(db.clone()),
            claims: Arc::new(db.clone()),
            forget_learners_after: settings.forget_learners_after,
        };
        let reach = oauthlab::oauth::discovery::Reach::for_site(&settings.public_url);
        let fetcher: Arc<dyn Fetcher> = Arc::new(
            HttpFetcher::new(reach).context("cannot make the HTTP client that reads learners' servers")?,
        );
        let services = Services {
            progress: Arc::new(db.clone()),
            reads: Arc::new(db.clone()),
            apps: Arc::new(db.clone()),
            secrets,
            issued: Arc::new(db.clone()),
            receipts: Arc::new(db.clone()),
            verifier: Arc::new(TokenVerifier::new(practice.keys.clone(), fetcher.clone())),
            servers: Arc::new(db.clone()),
            fetcher,
            public_url: settings.public_url.clone(),
            flash: Arc::new(page_views),
            code_lifetime: settings.lifetimes.code,
        };
        let leptos_options = LeptosOptions::builder()
            .output_name("oauthlab")
            .site_root(settings.site_root.as_str())
            .site_pkg_dir("pkg")
            // Hashed asset names when the build made them (hash.txt next to the binary).
            .hash_files(crate::shared::html::asset_hashes().is_some())
            .site_addr(settings.addr)
            .build();
        let public_origin = url::Url::parse(&settings.public_url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default();
        Ok(Self {
            leptos_options,
            services,
            guard: GuardState {
                public_origin,
                limiter: RateLimiter::new(settings.rate_limit),
                proxies: settings.trusted_proxies.clone(),
            },
            session,
            practice,
            housekeeping,
            connections: Connections::new(
                Connections::TOTAL,
                Connections::PER_CLIENT,
                settings.trusted_proxies.clone(),
            ),
            instructors: Instructors {
                // Counted and remembered in the database, so every instance agrees.
                throttle: Arc::new(throttle),
                resets: Arc::new(db.clone()),
                ..Instructors::new(Arc::new(db.clone()), &settings.public_url)
            },
            db,
        })
    }
}

/// The database and the server key: in `key_file` when given, else kept next to the
/// database (`<file>.key`), else (an in-memory database) a fresh one. PostgreSQL has no
/// file to keep it beside: there the key file must be given.
async fn open_storage(database: &str, key_file: Option<&std::path::Path>) -> anyhow::Result<(Db, ServerKey)> {
    if key_file.is_none() && crate::storage::Backend::of_url(database) == crate::storage::Backend::Postgres {
        anyhow::bail!(
            "on PostgreSQL, give --server-key-file PATH (or OAUTHLAB_SERVER_KEY_FILE): every instance \
             sharing the database must read the same key file (it is made, mode 0600, when missing)"
        );
    }
    let db = Db::open(database).await?;
    let key = match (key_file, Db::file_of(database)) {
        (Some(path), _) => ServerKey::load_or_create(path)?,
        (None, Some(file)) => ServerKey::load_or_create(&crate::storage::key_beside(&file))?,
        (None, None) => ServerKey::random(),
    };
    Ok((db, key))
}

/// The practice server's signing keys in `database`, for the command line.
pub async fn key_ring(database: &str, key_file: Option<&std::path::Path>) -> anyhow::Result<KeyRing> {
    let (db, key) = open_storage(database, key_file).await?;
    Ok(KeyRing::new(Arc::new(db), key, crate::practice::Lifetimes::default().access_token))
}

/// Log method and path only: queries may hold codes or state.
fn span_for(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
}

/// Server functions answer every error with 500, including arguments they could not
/// decode. Every error the functions raise themselves sets its own status (see
/// `app::api`), so a 500 left here is a request that did not decode: the client's.
async fn server_fn_errors(req: axum::extract::Request, next: middleware::Next) -> axum::response::Response {
    let is_server_fn =
        req.uri().path().strip_prefix(app::api::PREFIX).is_some_and(|rest| rest.starts_with('/'));
    let mut res = next.run(req).await;
    if is_server_fn && res.status() == axum::http::StatusCode::INTERNAL_SERVER_ERROR {
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    res
}

/// `/exercises/refresh/` is `/exercises/refresh`: a GET or HEAD of a path with a trailing
/// slash is sent to the path without it. A path that would then start with `//` (another
/// host, to a browser) is left to the 404 page.
async fn trailing_slash(req: axum::extract::Request, next: middleware::Next) -> axum::response::Response {
    use axum::http::{header::LOCATION, HeaderValue, Method, StatusCode};
    use axum::response::IntoResponse;
    let path = req.uri().path();
    let trimmed = path.trim_end_matches('/');
    let redirect = path.len() > 1
        && path.ends_with('/')
        && trimmed.starts_with('/')
        && !trimmed.starts_with("//")
        && !trimmed.starts_with("/\\")
        && matches!(*req.method(), Method::GET | Method::HEAD);
    if redirect {
        let location = match req.uri().query() {
            Some(query) => format!("{trimmed}?{query}"),
            None => trimmed.to_owned(),
        };
        if let Ok(location) = HeaderValue::from_str(&location) {
            return (StatusCode::PERMANENT_REDIRECT, [(LOCATION, location)]).into_response();
        }
    }
    next.run(req).await
}

/// Headers every answer carries: no page of the site (the consent page above all) may be
/// framed by another site, and a URL holding a code or state is never sent to another
/// site as a Referer.
async fn security_headers(req: axum::extract::Request, next: middleware::Next) -> axum::response::Response {
    use axum::http::header::{
        HeaderValue, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
    };
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.entry(CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static("frame-ancestors 'none'"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    res
}

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let services = state.services.clone();
    let instructors = state.instructors.clone();
    let options = state.leptos_options.clone();
    let (page_services, page_instructors) = (services.clone(), instructors.clone());
    Router::new()
        .nest(
            "/api/v1",
            crate::http::routes().with_state(ApiState { services, instructors: instructors.clone() }),
        )
        .merge(crate::practice::routes().with_state(state.practice.clone()))
        .merge(crate::http::assets::pkg_routes(&state.leptos_options.site_root))
        .merge(crate::http::assets::icon_route(&state.leptos_options.site_root))
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(page_services.clone());
                provide_context(page_instructors.clone());
            },
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(server_fn_errors))
        .layer(middleware::from_fn(trailing_slash))
        .layer(middleware::from_fn_with_state(state.guard.clone(), guard))
        .layer(middleware::from_fn(join_link_needs_a_session))
        // Outside the guard, so a first response that turns a request away sets the
        // learner's cookie too.
        .layer(middleware::from_fn_with_state(state.session.clone(), learner_session))
        // Added after the session, the guard and the rate limit, so none of them applies:
        // a probe gets no cookie and is never limited.
        .route("/healthz", axum::routing::get(crate::http::health::healthz))
        .layer(middleware::from_fn(security_headers))
        // Outside the guard and everything else that needs the client's address.
        .layer(middleware::from_fn_with_state(state.guard.proxies.clone(), client_addr))
        .layer(crate::http::assets::compression())
        .layer(TraceLayer::new_for_http().make_span_with(span_for))
        // Outermost: every answer counted and timed by its route (when metrics are on).
        .layer(middleware::from_fn(crate::http::metrics::track))
        .with_state(state)
}

/// How often housekeeping runs, on whichever instance claims it first.
pub const HOUSEKEEPING_EVERY: i64 = 3600;
/// How often each instance asks whether housekeeping is due.
const HOUSEKEEPING_ASKED_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// Every hour, the housekeeping (see [`Housekeeping`]): each instance asks every five
/// minutes, and the one that claims the job runs it, so several instances sharing the
/// database run it once an hour between them.
async fn housekeeping_every_hour(housekeeping: Housekeeping) {
    let mut asking = tokio::time::interval(HOUSEKEEPING_ASKED_EVERY);
    loop {
        asking.tick().await;
        let now = app::services::now_unix();
        match housekeeping.claims.claim("housekeeping", now, HOUSEKEEPING_EVERY).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "cannot claim housekeeping");
                continue;
            }
        }
        match housekeeping.run(now).await {
            Ok(Forgotten { codes_and_tokens: 0, learners: 0, short_lived: 0 }) => {}
            Ok(f) => tracing::info!(
                codes_and_tokens = f.codes_and_tokens,
                learners = f.learners,
                short_lived = f.short_lived,
                "housekeeping"
            ),
            Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
        }
    }
}

/// How long a client may take to send a request's headers.
pub const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Serve until SIGTERM or Ctrl-C: each connection within the limits of
/// [`Connections`] (a connection over one is closed at once), a request's headers within
/// [`HEADER_TIMEOUT`] (the guard bounds the body's time). On a stop, no new connection
/// is taken, and open ones finish the request they are on.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> anyhow::Result<()> {
    let forget = tokio::spawn(housekeeping_every_hour(state.housekeeping.clone()));
    let _stop_forgetting = AbortOnDrop(forget);
    let connections = state.connections.clone();
    let app = router(state);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut stop = std::pin::pin!(shutdown());
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment, then go on.
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let Some(admitted) = connections.admit(peer.ip()) else {
            continue; // Over a limit: dropped, closed before a byte is read.
        };
        let app = app.clone();
        let mut stop_rx = stop_rx.clone();
        tokio::spawn(async move {
            let _admitted = admitted;
            let service = hyper_util::service::TowerToHyperService::new(tower::ServiceExt::map_request(
                app,
                move |req: axum::http::Request<hyper::body::Incoming>| {
                    let mut req = req.map(axum::body::Body::new);
                    req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                    req
                },
            ));
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
            let conn = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service).with_upgrades();
            let mut conn = std::pin::pin!(conn);
            let stopping = async move {
                // The guard of the value is dropped here, before anything else waits.
                let _ = stop_rx.wait_for(|stop| *stop).await.map(|_| ());
            };
            tokio::select! {
                _ = conn.as_mut() => {}
                () = stopping => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    // No new connection from here: the port is closed while open ones finish.
    drop(listener);
    let _ = stop_tx.send(true);
    // Let open connections finish the request they are on, for a while.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while connections.open() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Ok(())
}

/// Ends a background task when serving ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
