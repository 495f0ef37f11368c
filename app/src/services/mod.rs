//! The server side of every learner action, shared by the server functions behind the
//! pages and by the JSON API: load what grading needs, call the pure core, store the
//! result. Storage sits behind the small traits in [`store`]; the server crate gives
//! the SQLite versions, and [`memory`] the in-memory ones used by tests.

mod client_credentials;
pub mod exercises;
pub mod failure;
pub mod flash;
mod getting_started;
pub mod instructor;
pub mod memory;
mod oidc;
mod refresh;
mod spa;
pub mod store;
mod web_app;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use oauthlab::exercises::refresh::Provider;
use oauthlab::oauth::discovery::{self, Fetched, Issuer, Reach};
use oauthlab::oauth::ClientSecret;
use oauthlab::pkce;
use oauthlab::verdict::{Finding, Verdict};

pub use crate::model::{shell_quote, CODE_PLACEHOLDER, REFRESH_TOKEN_PLACEHOLDER};
use crate::model::{
    Command, ExerciseState, LastCheck, PracticeApp, PracticeClient, RedirectData, Secret, ServerData,
    SetupAttempt,
};
pub use exercises::Exercise;
use flash::PageViews;
use store::{
    or_log, ClientSecrets, Fetcher, IssuedTokens, JwtVerifier, LearnerReads, LearnerState, OwnServer,
    PracticeAppRecord, PracticeAppStore, ProgressStore, ServerChoice, ServerChoiceStore, StoreError,
    StoredProgress,
};

/// Who is asking: derived from the learner's session cookie (a digest of it, so the
/// cookie itself is never stored). The server's middleware puts it in the request.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LearnerId(pub String);

impl LearnerId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A browser's own form post or page load (JavaScript off, or not yet run): it accepts
/// HTML. A hydrated page's call to a server function does not.
pub fn accepts_html(headers: &http::HeaderMap) -> bool {
    headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
}

/// The browser says the request was started by another site (`Sec-Fetch-Site:
/// cross-site`): a link followed from elsewhere, or a form posted from there.
pub fn sent_from_another_site(headers: &http::HeaderMap) -> bool {
    headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site")
}

/// The value of cookie `name`, when the request has one.
pub fn cookie_value<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// What a server function or handler reads from the request to find the learner.
pub fn learner_from_parts(parts: &http::request::Parts) -> Option<LearnerId> {
    parts.extensions.get::<LearnerId>().cloned()
}

/// The address a request came from: the peer's, or, for a connection from a trusted
/// proxy, the client address it forwarded. The server's middleware puts it in the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub std::net::IpAddr);

impl ClientAddr {
    /// What limits per client count against: see [`limit_key`].
    pub fn limit_key(self) -> std::net::IpAddr {
        limit_key(self.0)
    }
}

/// The key a per-client limit counts against: an IPv4 address as it is (also when written
/// IPv4-mapped, `::ffff:a.b.c.d`); an IPv6 address by its /64, the block one household or
/// machine gets, so that hopping between its addresses gains nothing.
pub fn limit_key(ip: std::net::IpAddr) -> std::net::IpAddr {
    match ip.to_canonical() {
        std::net::IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !u128::from(u64::MAX);
            std::net::IpAddr::V6(prefix.into())
        }
        v4 => v4,
    }
}

/// The client address a request came from, when the server knows it.
pub fn client_from_parts(parts: &http::request::Parts) -> Option<std::net::IpAddr> {
    parts.extensions.get::<ClientAddr>().map(|c| c.0)
}

/// Why a learner action did not complete.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// An earlier step has not passed: the message says which to complete first.
    #[error("{0}")]
    Locked(String),
    /// Input refused before anything was done with it (past a length limit).
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The longest issuer URL a learner may set up, in characters.
pub const MAX_ISSUER_CHARS: usize = 2048;
/// The longest client id a learner may give for their own server, in characters.
pub const MAX_CLIENT_ID_CHARS: usize = 256;
/// The longest redirect URI a learner may give for their own server, in characters.
pub const MAX_REDIRECT_URI_CHARS: usize = 2048;

/// `value` (called `what`) is at most `max` characters; counted no further than needed.
fn within(what: &str, value: &str, max: usize) -> Result<(), ServiceError> {
    if value.chars().nth(max).is_some() {
        return Err(ServiceError::Invalid(format!(
            "The {what} is longer than {max} characters: paste only the {what}, then try again."
        )));
    }
    Ok(())
}

/// A check's result with the exercise's state after it.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    pub verdict: Verdict,
    pub last: LastCheck,
    pub exercise: ExerciseState,
}

/// Everything a learner action needs, cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub progress: Arc<dyn ProgressStore>,
    /// Progress, application and server choice read together (see [`LearnerReads`]).
    pub reads: Arc<dyn LearnerReads>,
    pub apps: Arc<dyn PracticeAppStore>,
    pub secrets: Arc<dyn ClientSecrets>,
    pub issued: Arc<dyn IssuedTokens>,
    /// The practice API's receipts, which Machine-to-Machine's step 2 grades.
    pub receipts: Arc<dyn store::Receipts>,
    pub verifier: Arc<dyn JwtVerifier>,
    /// Which server each learner works against.
    pub servers: Arc<dyn ServerChoiceStore>,
    /// Reads other servers' metadata.
    pub fetcher: Arc<dyn Fetcher>,
    /// The site's public URL without a trailing slash; the practice server's issuer.
    pub public_url: String,
    pub flash: Arc<dyn PageViews>,
    /// The practice server's authorization code lifetime, in seconds, as pages say it.
    pub code_lifetime: i64,
}

/// Grant types of a practice application, as the dashboard lists them.
fn grant_types(refresh_tokens_enabled: bool) -> Vec<String> {
    let mut grants = vec!["authorization_code".to_owned()];
    if refresh_tokens_enabled {
        grants.push("refresh_token".to_owned());
    }
    grants
}

/// The one redirect URI every practice application has registered: the example app's
/// landing page.
pub fn practice_redirect_uri(public_url: &str) -> String {
    format!("{public_url}/redirect")
}

pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Services {
    pub fn authorization_endpoint(&self) -> String {
        format!("{}/oauth2/authorize", self.public_url)
    }
    pub fn token_endpoint(&self) -> String {
        format!("{}/oauth2/token", self.public_url)
    }
    pub fn redirect_uri(&self) -> String {
        practice_redirect_uri(&self.public_url)
    }

    /// This learner's practice application, made on first use.
    pub async fn practice_app(&self, learner: &LearnerId) -> Result<PracticeApp, StoreError> {
        let record = self.apps.get_or_create(learner).await?;
        Ok(self.practice_app_view(learner, record))
    }

    fn practice_app_view(&self, learner: &LearnerId, record: store::PracticeAppRecord) -> PracticeApp {
        use oauthlab::exercises::client_credentials::ClientKind;
        let site_origin = store::origin_of(&self.public_url).unwrap_or_else(|| self.public_url.clone());
        let secret = |id: &str| Some(Secret::new(self.secrets.secret_for(id)));
        let clients = vec![
            PracticeClient {
                kind: ClientKind::Web,
                client_id: record.client_id.clone(),
                client_secret: secret(&record.client_id),
                redirect_uris: vec![self.redirect_uri()],
                grant_types: grant_types(record.refresh_tokens_enabled),
                token_endpoint_auth_method: "client_secret_basic".into(),
                allowed_origins: None,
            },
            PracticeClient {
                kind: ClientKind::Public,
                client_id: record.public_client_id.clone(),
                client_secret: None,
                redirect_uris: vec![oauthlab::exercises::spa::redirect_uri(&self.public_url)],
                grant_types: grant_types(record.refresh_tokens_enabled),
                token_endpoint_auth_method: "none".into(),
                allowed_origins: Some(record.allowed_origins(&site_origin)),
            },
            PracticeClient {
                kind: ClientKind::Service,
                client_id: record.service_client_id.clone(),
                client_secret: secret(&record.service_client_id),
                redirect_uris: vec![],
                grant_types: vec!["client_credentials".into()],
                token_endpoint_auth_method: "client_secret_basic".into(),
                allowed_origins: None,
            },
        ];
        PracticeApp {
            user: oauthlab::practice_user::practice_user(&self.secrets.user_digest(learner.as_str())),
            client_secret: Secret::new(self.secrets.secret_for(&record.client_id)),
            client_id: record.client_id,
            redirect_uris: vec![self.redirect_uri()],
            grant_types: grant_types(record.refresh_tokens_enabled),
            refresh_tokens_enabled: record.refresh_tokens_enabled,
            clients,
            id_token_signed_response_alg: record.id_token_alg,
        }
    }

    /// Set the public client's allowed origins from what the learner typed (see
    /// [`store::parse_allowed_origins`]): `Err` with the fix when a line is no origin.
    pub async fn set_allowed_origins(
        &self,
        learner: &LearnerId,
        text: &str,
    ) -> Result<Result<PracticeApp, store::BadOrigin>, StoreError> {
        let origins = match store::parse_allowed_origins(text) {
            Ok(origins) => origins,
            Err(bad) => return Ok(Err(bad)),
        };
        self.apps.get_or_create(learner).await?;
        let record = self.apps.set_allowed_origins(learner, &origins).await?;
        Ok(Ok(self.practice_app_view(learner, record)))
    }

    /// The dashboard's *ID token signing* setting (`id_token_signed_response_alg`).
    pub async fn set_id_token_alg(
        &self,
        learner: &LearnerId,
        alg: store::IdTokenAlg,
    ) -> Result<PracticeApp, StoreError> {
        self.apps.get_or_create(learner).await?;
        let record = self.apps.set_id_token_alg(learner, alg).await?;
        Ok(self.practice_app_view(learner, record))
    }

    /// The seeds' toggle: *Refresh Token* grant (Okta) / *Allow Offline Access* (Auth0).
    pub async fn set_refresh_tokens(
        &self,
        learner: &LearnerId,
        enabled: bool,
    ) -> Result<PracticeApp, StoreError> {
        let before = self.apps.get_or_create(learner).await?;
        let record = self.apps.set_refresh_tokens(learner, enabled).await?;
        if before.refresh_tokens_enabled != enabled {
            self.forget_verdicts_about_refresh_tokens(learner).await?;
        }
        Ok(self.practice_app_view(learner, record))
    }

    /// The learner's practice application: the one read, or else made now (first use).
    async fn app_or_create(
        &self,
        learner: &LearnerId,
        read: Option<PracticeAppRecord>,
    ) -> Result<PracticeAppRecord, StoreError> {
        match read {
            Some(app) => Ok(app),
            None => self.apps.get_or_create(learner).await,
        }
    }

    /// The server the learner works against, as the checks see it, and the learner's
    /// own server when that is the one (from the choice and application read).
    async fn provider(
        &self,
        learner: &LearnerId,
        choice: ServerChoice,
        app: Option<PracticeAppRecord>,
    ) -> Result<(Provider, Option<OwnServer>), StoreError> {
        if let Some(own) = choice.own {
            let provider = Provider {
                builtin: false,
                authorization_endpoint: own.metadata.authorization_endpoint.clone(),
                token_endpoint: own.metadata.token_endpoint.clone(),
                client_id: own.client_id.clone(),
                redirect_uris: own.redirect_uri.iter().cloned().collect(),
                issuer: Some(own.metadata.issuer.clone()),
                // Never asked for: the learner keeps it.
                client_secret: None,
                refresh_tokens_enabled: None,
            };
            return Ok((provider, Some(own)));
        }
        let app = self.app_or_create(learner, app).await?;
        let provider = Provider {
            builtin: true,
            authorization_endpoint: self.authorization_endpoint(),
            token_endpoint: self.token_endpoint(),
            // Derived, so step 3 can tell it pasted into the URL; never stored.
            client_secret: Some(ClientSecret::new(self.secrets.secret_for(&app.client_id))),
            client_id: Some(app.client_id),
            redirect_uris: vec![self.redirect_uri()],
            issuer: Some(self.public_url.clone()),
            refresh_tokens_enabled: Some(app.refresh_tokens_enabled),
        };
        Ok((provider, None))
    }

    /// Which servers a learner may set up: loopback ones only when this site itself
    /// runs on a loopback address (a learner's own machine).
    pub fn reach(&self) -> Reach {
        Reach::for_site(&self.public_url)
    }

    /// The server the learner works against, and their last attempt to set one up.
    pub async fn server(&self, learner: &LearnerId) -> Result<ServerData, StoreError> {
        let choice = self.servers.load(learner).await?;
        Ok(self.server_view(choice))
    }

    fn server_view(&self, choice: ServerChoice) -> ServerData {
        let last_attempt = choice.last_attempt;
        match choice.own {
            Some(own) => ServerData {
                builtin: false,
                issuer: own.metadata.issuer,
                authorization_endpoint: own.metadata.authorization_endpoint,
                token_endpoint: own.metadata.token_endpoint,
                jwks_uri: own.metadata.jwks_uri,
                discovered_at: Some(own.metadata.discovered_at),
                client_id: own.client_id,
                redirect_uri: own.redirect_uri,
                last_attempt,
            },
            None => ServerData {
                builtin: true,
                issuer: self.public_url.clone(),
                authorization_endpoint: self.authorization_endpoint(),
                token_endpoint: self.token_endpoint(),
                jwks_uri: Some(format!("{}/oauth2/jwks", self.public_url)),
                discovered_at: None,
                client_id: None,
                redirect_uri: Some(self.redirect_uri()),
                last_attempt,
            },
        }
    }

    /// What fetching `issuer`'s metadata documents gave, in the order of
    /// [`Issuer::metadata_urls`], up to the first metadata document.
    async fn fetch_metadata(&self, issuer: &Issuer) -> Vec<(String, Fetched)> {
        let mut attempts = Vec::new();
        for url in issuer.metadata_urls() {
            let fetched = self.fetcher.get(&url).await;
            let found = matches!(&fetched, Fetched::Document(body) if discovery::is_metadata_document(body));
            attempts.push((url, fetched));
            if found {
                break;
            }
        }
        attempts
    }

    /// Set up the learner's own server from its issuer URL: read its metadata and judge
    /// it. Only a server that passes replaces the current one; either way the attempt is
    /// kept for the page to show. Switching servers starts steps 3-5 over.
    pub async fn set_own_server(
        &self,
        learner: &LearnerId,
        issuer: &str,
        client_id: &str,
        redirect_uri: &str,
    ) -> Result<ServerData, ServiceError> {
        // Checked before anything is fetched or stored: the attempt keeps what was typed.
        within("issuer URL", issuer, MAX_ISSUER_CHARS)?;
        within("client ID", client_id, MAX_CLIENT_ID_CHARS)?;
        within("redirect URI", redirect_uri, MAX_REDIRECT_URI_CHARS)?;
        let (mut verdict, metadata) = match Issuer::parse(issuer, self.reach()) {
            Err(reason) => (discovery::refused(reason), None),
            Ok(parsed) => {
                let attempts = self.fetch_metadata(&parsed).await;
                discovery::review(&parsed, &attempts, self.reach())
            }
        };
        let (app_findings, client, redirect) = discovery::application(client_id, redirect_uri);
        verdict.findings.extend(app_findings);
        verdict.sort();
        let mut choice = self.servers.load(learner).await?;
        if let (true, Some(metadata)) = (verdict.passed(), metadata) {
            let own = OwnServer { metadata, client_id: client, redirect_uri: redirect };
            if choice.own.as_ref() != Some(&own) {
                if let Some(note) = self.rewind(learner).await? {
                    verdict.findings.push(note);
                    // In its place among the others, and within the verdict's bounds.
                    verdict.sort();
                }
            }
            choice.own = Some(own);
        }
        choice.last_attempt = Some(SetupAttempt {
            issuer: issuer.to_owned(),
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            verdict,
        });
        self.servers.save(learner, &choice).await?;
        Ok(self.server_view(choice))
    }

    /// Back to the built-in practice server.
    pub async fn use_builtin_server(&self, learner: &LearnerId) -> Result<ServerData, StoreError> {
        let choice = self.servers.load(learner).await?;
        if choice.own.is_some() {
            self.rewind(learner).await?;
        }
        let choice = ServerChoice::default();
        self.servers.save(learner, &choice).await?;
        Ok(self.server_view(choice))
    }

    /// The steps graded against the server in use (from the authorization URL on) were
    /// graded against another: undo them in every exercise that has them, and say so when
    /// any had passed.
    async fn rewind(&self, learner: &LearnerId) -> Result<Option<Finding>, StoreError> {
        use oauthlab::exercises::{oidc, refresh, spa, web_app};
        let mut undone = Vec::new();
        let from = web_app::Step::AuthorizationUrl.index();
        if self
            .rewind_exercise(learner, Exercise::WebApp, from, |p: web_app::Progress| {
                p.rewound_to(web_app::Step::AuthorizationUrl)
            })
            .await?
        {
            undone.push(web_app::TITLE);
        }
        let from = spa::Step::AuthorizationUrl.index();
        if self
            .rewind_exercise(learner, Exercise::Spa, from, |p: spa::Progress| {
                p.rewound_to(spa::Step::AuthorizationUrl)
            })
            .await?
        {
            undone.push(spa::TITLE);
        }
        let from = refresh::Step::AuthorizationUrl.index();
        if self
            .rewind_exercise(learner, Exercise::Refresh, from, |p: refresh::Progress| {
                p.rewound_to(refresh::Step::AuthorizationUrl)
            })
            .await?
        {
            undone.push(refresh::TITLE);
        }
        let from = oidc::Step::AuthorizationUrl.index();
        if self
            .rewind_exercise(learner, Exercise::Oidc, from, |p: oidc::Progress| {
                p.rewound_to(oidc::Step::AuthorizationUrl)
            })
            .await?
        {
            undone.push(oidc::TITLE);
        }
        let message = match undone.as_slice() {
            [] => return Ok(None),
            [only] => format!(
                "{only}: the steps from the authorization URL on start over against this server; your code \
                 verifier and challenge are kept."
            ),
            several => format!(
                "{}: the steps from the authorization URL on start over against this server; your code \
                 verifiers and challenges are kept.",
                oauthlab::verdict::and_list(several)
            ),
        };
        Ok(Some(Finding::info("provider.progress", message)))
    }

    /// Undo the steps of `exercise` from the one at `from` on (its progress as
    /// `rewound_to` leaves it) and their verdicts and decoded tokens; nothing is written
    /// when nothing changes. Whether any of those steps had passed.
    async fn rewind_exercise<P>(
        &self,
        learner: &LearnerId,
        exercise: Exercise,
        from: usize,
        rewound_to: impl FnOnce(P) -> P,
    ) -> Result<bool, StoreError>
    where
        P: serde::Serialize + serde::de::DeserializeOwned + Default + Clone,
    {
        let stored = self.progress.load(learner, exercise.slug()).await?;
        let undone = stored.steps_passed() > from;
        // Compared as the exercise's own progress: nothing stored reads as its default.
        let before: StoredProgress<P> = stored.typed()?;
        let ids = exercise.step_ids();
        let kept = |id: &String| ids.iter().position(|i| i == id).is_some_and(|i| i < from);
        let rewound = StoredProgress {
            last: before
                .last
                .iter()
                .filter(|(id, _)| kept(id))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            progress: rewound_to(before.progress.clone()),
            tokens_kept: before.tokens_kept && from > 0,
        }
        .erased()?;
        let before = before.erased()?;
        or_log("page views", self.flash.forget_tokens(learner, exercise.slug(), from).await);
        if rewound != before {
            self.progress.save(learner, exercise.slug(), &rewound).await?;
        }
        Ok(undone)
    }
}

/// The values a learner's token and refresh commands are made of.
struct CommandValues {
    token_endpoint: String,
    client_id: String,
    redirect_uri: String,
    /// How the client authenticates at the token endpoint.
    auth: CommandAuth,
}

/// How a command's client authenticates.
#[derive(Clone, Debug, PartialEq, Eq)]
enum CommandAuth {
    /// With this secret: the practice application's, the learner's own.
    Secret(String),
    /// With a secret the learner fills in: their application's on their own server.
    SecretToFill,
    /// Not at all: a public client (a browser app) has no secret, and sends none.
    Public,
}

impl CommandValues {
    /// On the learner's own server the client id and redirect URI are those of the URL
    /// that passed step 3, and the secret is theirs to fill in.
    fn new(
        server: &ServerData,
        app: &PracticeApp,
        login_url: Option<&str>,
        default_redirect: String,
    ) -> Self {
        let secret = CommandAuth::Secret(app.client_secret.expose().to_owned());
        Self::for_client(server, &app.client_id, secret, login_url, default_redirect)
    }

    /// For the client `client_id` of the practice server (authenticating with `auth`), or
    /// on the learner's own server the client of the URL that passed step 3.
    fn for_client(
        server: &ServerData,
        client_id: &str,
        auth: CommandAuth,
        login_url: Option<&str>,
        default_redirect: String,
    ) -> Self {
        let from_url = |name| login_url.and_then(|u| query_value(u, name));
        let (client_id, redirect_uri, auth) = if server.builtin {
            let redirect_uri = from_url("redirect_uri").unwrap_or(default_redirect);
            (client_id.to_owned(), redirect_uri, auth)
        } else {
            let client_id = from_url("client_id").or_else(|| server.client_id.clone());
            let redirect_uri = from_url("redirect_uri").or_else(|| server.redirect_uri.clone());
            let auth = if auth == CommandAuth::Public { auth } else { CommandAuth::SecretToFill };
            (
                client_id.unwrap_or_else(|| "YOUR_CLIENT_ID".to_owned()),
                redirect_uri.unwrap_or_else(|| "YOUR_REDIRECT_URI".to_owned()),
                auth,
            )
        };
        Self { token_endpoint: server.token_endpoint.clone(), client_id, redirect_uri, auth }
    }

    fn secret(&self) -> Option<&str> {
        match &self.auth {
            CommandAuth::Secret(secret) => Some(secret),
            CommandAuth::SecretToFill | CommandAuth::Public => None,
        }
    }

    /// The code exchange's form fields, in the order the command sends them.
    fn token_fields(&self, verifier: Option<&str>, code: Option<&str>) -> Vec<(&'static str, String)> {
        token_fields(&self.redirect_uri, &self.client_id, self.auth != CommandAuth::Public, verifier, code)
    }

    fn token_command(&self, verifier: Option<&str>, code: Option<&str>) -> Command {
        command(&self.token_endpoint, self.token_fields(verifier, code), self.secret())
    }

    fn refresh_command(&self) -> Command {
        refresh_command(&self.token_endpoint, &self.client_id, self.secret())
    }
}

/// The longest authorization code the redirect page fills into a command: the practice
/// server's are 43 characters, and other servers' well under this.
pub const MAX_CODE_CHARS: usize = 2048;

impl Services {
    /// What the example application's redirect page shows for the `code` it received
    /// (with `state`): the token exchange command, filled in with it and the learner's
    /// other values of the exercise the login was for.
    pub async fn redirect_view(
        &self,
        learner: &LearnerId,
        code: &str,
        state: Option<&str>,
        iss: Option<&str>,
    ) -> Result<RedirectData, ServiceError> {
        within("authorization code", code, MAX_CODE_CHARS)?;
        within("state", state.unwrap_or_default(), MAX_CODE_CHARS)?;
        within("iss", iss.unwrap_or_default(), MAX_ISSUER_CHARS)?;
        let exercise = self.login_exercise(learner, state).await?;
        let LearnerState { progress: stored, app, choice } =
            self.reads.learner_state(learner, exercise.slug()).await?;
        let app = self.practice_app_view(learner, self.app_or_create(learner, app).await?);
        let server = self.server_view(choice);
        let login_url = stored.progress.get("authorization_url").and_then(|u| u.as_str());
        let values = CommandValues::new(&server, &app, login_url, self.redirect_uri());
        let verifier = or_log("page views", self.flash.peek_verifier(learner, exercise.slug()).await);
        let mut landed = url::form_urlencoded::Serializer::new(String::new());
        landed.append_pair("code", code);
        for (name, value) in [("state", state), ("iss", iss)] {
            if let Some(value) = value {
                landed.append_pair(name, value);
            }
        }
        Ok(RedirectData {
            exercise: exercise.slug().to_owned(),
            callback_url: format!("{}?{}", self.redirect_uri(), landed.finish()),
            token_command: values.token_command(verifier.as_deref(), Some(code)),
            code_lifetime: self.code_lifetime_words(server.builtin),
        })
    }

    /// The exercise whose step 3 started the login that came back with `state`: the one
    /// of those that check the state (Web Applications, OpenID Connect) whose URL passed
    /// with it (its current state, or the one its login just used); else Refresh Tokens.
    async fn login_exercise(&self, learner: &LearnerId, state: Option<&str>) -> Result<Exercise, StoreError> {
        let Some(state) = state.filter(|s| !s.is_empty()) else { return Ok(Exercise::Refresh) };
        for exercise in [Exercise::WebApp, Exercise::Oidc] {
            let stored = self.progress.load(learner, exercise.slug()).await?;
            let current = stored.progress.get("state").and_then(|s| s.as_str());
            let used = stored.progress.get("used_states").and_then(|u| u.get(0)).and_then(|s| s.as_str());
            if current == Some(state) || used == Some(state) {
                return Ok(exercise);
            }
        }
        Ok(Exercise::Refresh)
    }

    /// How long an authorization code lives, as pages say it: the practice server's real
    /// lifetime; another server's is its own.
    fn code_lifetime_words(&self, builtin: bool) -> String {
        if builtin {
            duration_words(self.code_lifetime)
        } else {
            "a short time".to_owned()
        }
    }
}

/// `300` seconds as "5 minutes", `90` as "90 seconds".
pub fn duration_words(seconds: i64) -> String {
    if seconds > 0 && seconds % 60 == 0 {
        oauthlab::verdict::count(seconds.unsigned_abs() / 60, "minute")
    } else {
        oauthlab::verdict::count(seconds.unsigned_abs(), "second")
    }
}

/// A verifier from 32 bytes of the operating system's randomness.
pub fn random_verifier() -> String {
    let bytes: [u8; 32] = rand::random();
    pkce::verifier_from_bytes(&bytes)
}

/// The value of query parameter `name` in an authorization URL that passed step 3.
fn query_value(authorization_url: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(authorization_url).ok()?;
    let value = url.query_pairs().find(|(k, _)| k == name)?.1.into_owned();
    Some(value)
}

const MASK: &str = "••••••••";

/// `-d name=value` as the seeds show it, or `--data-urlencode` when the value holds a
/// character that a form body would read differently (`&`, `+`, `%`, ...). With `mask`,
/// the client secret is shown as dots.
fn curl(endpoint: &str, fields: &[(&str, String)], mask: bool) -> String {
    let mut out = format!("curl -X POST {}", shell_quote(endpoint));
    for (name, value) in fields {
        let plain = value.chars().all(|c| c.is_ascii_alphanumeric() || "-._~:/".contains(c));
        let flag = if plain { "-d" } else { "--data-urlencode" };
        let field = if mask && *name == "client_secret" {
            format!("{name}={MASK}")
        } else {
            shell_quote(&format!("{name}={value}"))
        };
        out.push_str(&format!(" \\\n  {flag} {field}"));
    }
    out
}

/// With `secret` (the practice application's), the command is shown masked and in full;
/// without (another server's application), it holds a placeholder and nothing to mask.
fn command(endpoint: &str, fields: Vec<(&str, String)>, secret: Option<&str>) -> Command {
    let fields: Vec<_> = fields
        .into_iter()
        .map(|(k, v)| {
            (k, if k == "client_secret" { secret.unwrap_or(SECRET_PLACEHOLDER).to_owned() } else { v })
        })
        .collect();
    let full = curl(endpoint, &fields, false);
    let masked = if secret.is_some() { curl(endpoint, &fields, true) } else { full.clone() };
    Command { masked, full: Secret::new(full) }
}

const SECRET_PLACEHOLDER: &str = "YOUR_CLIENT_SECRET";

/// The token request of step 4, filled in with the learner's values.
pub fn token_command(
    endpoint: &str,
    redirect_uri: &str,
    client_id: &str,
    client_secret: Option<&str>,
    verifier: Option<&str>,
    code: Option<&str>,
) -> Command {
    command(endpoint, token_fields(redirect_uri, client_id, true, verifier, code), client_secret)
}

/// The code exchange's form fields; `client_secret` (filled in by [`command`]) only for a
/// confidential client.
fn token_fields(
    redirect_uri: &str,
    client_id: &str,
    confidential: bool,
    verifier: Option<&str>,
    code: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("grant_type", "authorization_code".to_owned()),
        ("redirect_uri", redirect_uri.to_owned()),
        ("client_id", client_id.to_owned()),
    ];
    if confidential {
        fields.push(("client_secret", String::new()));
    }
    fields.push(("code_verifier", verifier.unwrap_or("YOUR_CODE_VERIFIER").to_owned()));
    fields.push(("code", code.unwrap_or(CODE_PLACEHOLDER).to_owned()));
    fields
}

/// Where a learner puts an access token in a command that calls an API with it.
pub const ACCESS_TOKEN_PLACEHOLDER: &str = "ACCESS_TOKEN";

/// `curl URL -H 'Authorization: Bearer ACCESS_TOKEN'`: a call with a bearer token in
/// the header (RFC 6750 §2.1), the token the learner's to put in.
fn bearer_command(url: &str) -> Command {
    let text = format!(
        "curl {} \\\n  -H {}",
        shell_quote(url),
        shell_quote(&format!("Authorization: Bearer {ACCESS_TOKEN_PLACEHOLDER}"))
    );
    Command { masked: text.clone(), full: Secret::new(text) }
}

/// The refresh request of step 5.
pub fn refresh_command(endpoint: &str, client_id: &str, client_secret: Option<&str>) -> Command {
    let fields = vec![
        ("grant_type", "refresh_token".to_owned()),
        ("client_id", client_id.to_owned()),
        ("client_secret", String::new()),
        ("refresh_token", REFRESH_TOKEN_PLACEHOLDER.to_owned()),
    ];
    command(endpoint, fields, client_secret)
}

#[cfg(test)]
mod tests;
