//! The authorization endpoint (RFC 6749 §4.1.1–4.1.2, RFC 7636 §4.3–4.4): a plain HTML
//! consent form for the signed-in learner, or a redirect once consent was given.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use oauthlab::exercises::client_credentials::ClientKind;
use oauthlab::exercises::refresh::token_sha256;
use oauthlab::oauth::OAuthErrorCode;
use oauthlab::pkce::is_well_formed_challenge;

use super::error::OAuthError;
use super::params::Params;
use super::{random_secret, Practice, SCOPES};
use crate::shared::html::{self, escape};
use crate::storage::{CodeRecord, Consent};
use app::services::{now_unix, LearnerId};

/// A valid authorization request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub code_challenge: String,
    /// OpenID Connect's `nonce`, echoed in the ID token.
    pub nonce: Option<String>,
    /// OpenID Connect's `prompt` (Core §3.1.2.1).
    pub prompt: Prompt,
    /// OpenID Connect's `max_age`: the most seconds since the user last logged in
    /// (consented) before they must again.
    pub max_age: Option<i64>,
}

/// What `prompt` asks for. `login` counts as `consent`: the practice user logs in by
/// consenting. `select_account` changes nothing (there is one practice user).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Prompt {
    /// No `prompt`: the consent page only when consent is missing or too old.
    #[default]
    Default,
    /// `none`: never a page; an error when consent would be needed.
    None,
    /// `consent` or `login`: the consent page every time.
    Consent,
}

/// The `prompt` values this server knows (OpenID Connect Core §3.1.2.1).
pub const PROMPT_VALUES: [&str; 4] = ["none", "login", "consent", "select_account"];

/// The longest `max_age` read: ten years, in seconds. Any longer means the same.
const MAX_AGE_LIMIT: i64 = 10 * 365 * 24 * 3600;

/// Read `prompt`: space-separated values, `none` alone.
fn prompt(value: Option<&str>) -> Result<Prompt, String> {
    let Some(value) = value else { return Ok(Prompt::Default) };
    let values: Vec<&str> = value.split(' ').filter(|v| !v.is_empty()).collect();
    if let Some(unknown) = values.iter().find(|v| !PROMPT_VALUES.contains(v)) {
        return Err(format!(
            "Unknown prompt value {:?}; this server knows {} (OpenID Connect Core §3.1.2.1).",
            unknown.chars().take(40).collect::<String>(),
            PROMPT_VALUES.join(", ")
        ));
    }
    if values.contains(&"none") {
        return if values.len() == 1 {
            Ok(Prompt::None)
        } else {
            Err("prompt=none cannot be combined with other values (OpenID Connect Core §3.1.2.1).".into())
        };
    }
    Ok(if values.iter().any(|v| *v == "login" || *v == "consent") {
        Prompt::Consent
    } else {
        Prompt::Default
    })
}

/// Read `max_age`: a whole number of seconds, 0 or more.
fn max_age(value: Option<&str>) -> Result<Option<i64>, String> {
    let Some(value) = value else { return Ok(None) };
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(
            "max_age must be a whole number of seconds, 0 or more (OpenID Connect Core §3.1.2.1).".into()
        );
    }
    // Digits only: too large to read means longer than the limit.
    Ok(Some(value.parse::<i64>().map_or(MAX_AGE_LIMIT, |s| s.min(MAX_AGE_LIMIT))))
}

/// Why a request is refused: on a page when the client or redirect URI can't be trusted,
/// else by redirecting back with `error` (RFC 6749 §4.1.2.1).
#[derive(Debug, PartialEq, Eq)]
pub enum Rejection {
    Page(String),
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        code: OAuthErrorCode,
        description: String,
    },
    /// An OpenID Connect error for `prompt=none` (Core §3.1.2.6): `consent_required` or
    /// `login_required`, also sent back by redirect.
    Oidc {
        redirect_uri: String,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

/// Check an authorization request. `registered` is the client's redirect URIs, `None`
/// when the client is unknown.
pub fn validate(params: &Params, registered: Option<&[String]>) -> Result<AuthRequest, Rejection> {
    let page = |m: &str| Rejection::Page(m.to_owned());
    let client_id = match params.get("client_id") {
        Err(_) => return Err(page("client_id appears more than once in the request.")),
        Ok(None) => return Err(page("The request has no client_id.")),
        Ok(Some(id)) => id.to_owned(),
    };
    let Some(registered) = registered else {
        return Err(page("There is no application with this client_id on the practice server: copy it from the Practice app page."));
    };
    let redirect_uri = match params.get("redirect_uri") {
        Err(_) => return Err(page("redirect_uri appears more than once in the request.")),
        Ok(None) => return Err(page("The request has no redirect_uri.")),
        Ok(Some(uri)) if !registered.iter().any(|r| r == uri) => {
            return Err(Rejection::Page(format!(
                "This redirect_uri is not registered for the application. It must equal one of these, byte for byte: {}",
                registered.join(", ")
            )))
        }
        Ok(Some(uri)) => uri.to_owned(),
    };
    let state = params.get("state").ok().flatten().map(str::to_owned);
    let back = |code, description: String| Rejection::Redirect {
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        code,
        description,
    };
    if let Some(name) = params.repeated() {
        return Err(back(
            OAuthErrorCode::InvalidRequest,
            format!("The {name} parameter appears more than once (RFC 6749 §3.1)."),
        ));
    }
    match params.get("response_type").ok().flatten() {
        Some("code") => {}
        None => {
            return Err(back(
                OAuthErrorCode::InvalidRequest,
                "response_type is missing: use response_type=code.".into(),
            ))
        }
        Some(_) => {
            return Err(back(
                OAuthErrorCode::UnsupportedResponseType,
                "Only response_type=code is supported.".into(),
            ))
        }
    }
    let code_challenge = match params.get("code_challenge").ok().flatten() {
        None => {
            return Err(back(
                OAuthErrorCode::InvalidRequest,
                "code_challenge is missing: this server requires PKCE (RFC 7636 §4.4.1).".into(),
            ))
        }
        Some(c) if !is_well_formed_challenge(c) => {
            return Err(back(
                OAuthErrorCode::InvalidRequest,
                "code_challenge is not a base64url SHA-256 hash (43 characters, no padding).".into(),
            ))
        }
        Some(c) => c.to_owned(),
    };
    match params.get("code_challenge_method").ok().flatten() {
        Some("S256") => {}
        None => {
            return Err(back(
                OAuthErrorCode::InvalidRequest,
                "code_challenge_method is missing, which means plain; this server supports only S256.".into(),
            ))
        }
        Some(_) => {
            return Err(back(
                OAuthErrorCode::InvalidRequest,
                "Transform algorithm not supported: code_challenge_method must be S256.".into(),
            ))
        }
    }
    let scope = params.get("scope").ok().flatten().unwrap_or("openid");
    let scopes: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
    if let Some(unknown) = scopes.iter().find(|s| !SCOPES.contains(s)) {
        return Err(back(
            OAuthErrorCode::InvalidScope,
            format!("Unknown scope {unknown:?}; this server knows {}.", SCOPES.join(", ")),
        ));
    }
    let nonce = match params.get("nonce") {
        Ok(nonce) => nonce.map(str::to_owned),
        Err(_) => return Err(back(OAuthErrorCode::InvalidRequest, "nonce appears more than once.".into())),
    };
    let prompt = prompt(params.get("prompt").ok().flatten())
        .map_err(|description| back(OAuthErrorCode::InvalidRequest, description))?;
    let max_age = max_age(params.get("max_age").ok().flatten())
        .map_err(|description| back(OAuthErrorCode::InvalidRequest, description))?;
    Ok(AuthRequest {
        client_id,
        redirect_uri,
        scope: scopes.join(" "),
        state,
        code_challenge,
        nonce,
        prompt,
        max_age,
    })
}

/// A page of the practice server.
fn page(title: &str, body: &str) -> String {
    html::page(
        &format!("{title} · OAuth Lab practice server"),
        "<span>Practice authorization server</span>",
        body,
    )
}

impl Rejection {
    fn into_response(self, issuer: &str) -> Response {
        match self {
            Rejection::Page(message) => (
                StatusCode::BAD_REQUEST,
                Html(page(
                    "Invalid request",
                    &format!(
                        "<section class=\"panel\" data-testid=\"authorize-error\"><h1>This authorization request cannot be trusted</h1>\
                         <p class=\"error-box\">{}</p><p>The practice server does not redirect back when the client or \
                         redirect URI is wrong, so nobody can be sent to an unregistered address.</p>\
                         <p><a href=\"/exercises/refresh\">Back to the exercise</a></p></section>",
                        escape(&message)
                    ),
                )),
            )
                .into_response(),
            Rejection::Redirect { redirect_uri, state, code, description } => {
                Rejection::Oidc { redirect_uri, state, error: code.as_str(), description }.into_response(issuer)
            }
            Rejection::Oidc { redirect_uri, state, error, description } => {
                let mut pairs = vec![("error", error.to_owned()), ("error_description", description)];
                pairs.extend(state.map(|s| ("state", s)));
                pairs.push(("iss", issuer.to_owned()));
                redirect(&redirect_uri, &pairs, StatusCode::FOUND)
            }
        }
    }
}

fn redirect(uri: &str, pairs: &[(&str, String)], status: StatusCode) -> Response {
    let Ok(mut url) = url::Url::parse(uri) else {
        return OAuthError::server_error().into_response();
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
    }
    let mut res = status.into_response();
    if let Ok(v) = HeaderValue::from_str(url.as_str()) {
        res.headers_mut().insert(LOCATION, v);
    }
    res
}

impl Practice {
    /// A valid request, and whether its application may get refresh tokens.
    async fn check(&self, params: &Params) -> Result<(AuthRequest, bool), Response> {
        let client_id = params.get("client_id").ok().flatten().unwrap_or_default();
        let app = self.apps.find_client(client_id).await.map_err(|e| OAuthError::from(e).into_response())?;
        let kind = app.as_ref().map(|(_, _, kind)| *kind);
        if kind == Some(ClientKind::Service) {
            // It has no redirect URI to send the error to (RFC 6749 §4.1.2.1).
            return Err(Rejection::Page(
                "unauthorized_client: this is the service client, which uses the client_credentials grant \
                 only and never logs anyone in. Use the web or public client of the Practice app page."
                    .into(),
            )
            .into_response(&self.issuer));
        }
        let registered = self.redirect_uris_of(kind.unwrap_or(ClientKind::Web));
        let refresh_tokens = app.as_ref().is_some_and(|(_, app, _)| app.refresh_tokens_enabled);
        validate(params, app.map(|_| registered.as_slice()))
            .map(|req| (req, refresh_tokens))
            .map_err(|r| r.into_response(&self.issuer))
    }

    /// Make a code and send the browser back with it.
    async fn grant(&self, learner: &LearnerId, req: &AuthRequest, status: StatusCode) -> Response {
        let code = random_secret();
        let now = now_unix();
        let record = CodeRecord {
            code_sha256: token_sha256(&code),
            client_id: req.client_id.clone(),
            learner_id: learner.as_str().to_owned(),
            redirect_uri: req.redirect_uri.clone(),
            scope: req.scope.clone(),
            code_challenge: req.code_challenge.clone(),
            nonce: req.nonce.clone(),
            expires_at: now + self.lifetimes.code,
        };
        if let Err(err) = self.codes.insert_code(&record, now).await {
            return OAuthError::from(err).into_response();
        }
        let mut pairs = vec![("code", code)];
        pairs.extend(req.state.clone().map(|s| ("state", s)));
        pairs.push(("iss", self.issuer.clone()));
        redirect(&req.redirect_uri, &pairs, status)
    }
}

fn covers(granted: &str, asked: &str) -> bool {
    asked.split(' ').all(|s| granted.split(' ').any(|g| g == s))
}

pub async fn authorize_get(
    State(p): State<Practice>,
    Extension(learner): Extension<LearnerId>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = match Params::parse(query.unwrap_or_default().as_bytes()) {
        Ok(params) => params,
        Err(too_many) => return Rejection::Page(too_many.to_string()).into_response(&p.issuer),
    };
    let (req, refresh_tokens) = match p.check(&params).await {
        Ok(checked) => checked,
        Err(res) => return res,
    };
    let consent = match p.consents.consent(learner.as_str(), &req.client_id).await {
        Ok(consent) => consent,
        Err(err) => return OAuthError::from(err).into_response(),
    };
    match needs_consent(&req, consent.as_ref(), now_unix()) {
        None => p.grant(&learner, &req, StatusCode::FOUND).await,
        Some(why) if req.prompt == Prompt::None => Rejection::Oidc {
            redirect_uri: req.redirect_uri,
            state: req.state,
            error: why.error(),
            description: why.description().into(),
        }
        .into_response(&p.issuer),
        Some(_) => {
            let user = oauthlab::practice_user::practice_user(&p.secrets.user_digest(learner.as_str()));
            consent_page(&params, &req, refresh_tokens, &user)
        }
    }
}

/// Why the consent page must be shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsentNeeded {
    /// Never consented to this client, or not to every scope asked for.
    Missing,
    /// `prompt=consent` or `prompt=login`.
    Asked,
    /// The last login (consent) is older than `max_age`.
    TooOld,
}

impl ConsentNeeded {
    /// The OpenID Connect error for `prompt=none` (Core §3.1.2.6).
    pub fn error(self) -> &'static str {
        match self {
            ConsentNeeded::TooOld => "login_required",
            ConsentNeeded::Missing | ConsentNeeded::Asked => "consent_required",
        }
    }

    fn description(self) -> &'static str {
        match self {
            ConsentNeeded::TooOld => {
                "prompt=none, but the practice user last logged in longer ago than max_age allows: \
                 send the request without prompt=none to log in again."
            }
            ConsentNeeded::Missing | ConsentNeeded::Asked => {
                "prompt=none, but the practice user has not consented to these scopes for this \
                 application: send the request without prompt=none to show the consent page."
            }
        }
    }
}

/// Whether the request needs the consent page, given the last consent: it does when there
/// is none covering the scope, when `prompt` asks for it, or when the consent is older
/// than `max_age` (`max_age=0` always: the user logs in again).
pub fn needs_consent(req: &AuthRequest, consent: Option<&Consent>, now: i64) -> Option<ConsentNeeded> {
    let Some(consent) = consent.filter(|c| covers(&c.scope, &req.scope)) else {
        return Some(ConsentNeeded::Missing);
    };
    if req.prompt == Prompt::Consent {
        return Some(ConsentNeeded::Asked);
    }
    if req.max_age.is_some_and(|max_age| now.saturating_sub(consent.at) >= max_age) {
        return Some(ConsentNeeded::TooOld);
    }
    None
}

/// What the application will receive if the learner allows: an access token always, an
/// ID token for `openid`, and a refresh token only for `offline_access` on an application
/// whose refresh tokens are on (else it says why there will be none).
pub fn what_the_app_receives(scope: &str, refresh_tokens: bool) -> Vec<String> {
    let asked = |name: &str| scope.split(' ').any(|s| s == name);
    let mut items = vec!["an access token, to call APIs as you".to_owned()];
    if asked("openid") {
        items.push("an ID token, which says who you are".to_owned());
    }
    items.push(match (asked("offline_access"), refresh_tokens) {
        (true, true) => "a refresh token, to get new access tokens while you are away".to_owned(),
        (true, false) => {
            "no refresh token: refresh tokens are off for this application, although it asks for \
                          offline_access (turn them on in the exercise, then log in again)"
                .to_owned()
        }
        (false, _) => "no refresh token: the application did not ask for offline_access".to_owned(),
    });
    items
}

fn consent_page(
    params: &Params,
    req: &AuthRequest,
    refresh_tokens: bool,
    user: &oauthlab::practice_user::PracticeUser,
) -> Response {
    let hidden: String = params
        .pairs()
        .filter(|(k, _)| *k != "decision")
        .map(|(k, v)| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", escape(k), escape(v)))
        .collect();
    let scopes: String = req
        .scope
        .split(' ')
        .map(|s| {
            let what = match s {
                "openid" => "know who you are",
                "profile" => "see your profile",
                "email" => "see your email address",
                "offline_access" => "keep access while you are away (a refresh token)",
                _ => "",
            };
            format!("<li><code>{}</code>: {}</li>", escape(s), what)
        })
        .collect();
    let receives: String = what_the_app_receives(&req.scope, refresh_tokens)
        .iter()
        .map(|item| {
            let none = if item.starts_with("no ") { " class=\"consent-none\"" } else { "" };
            format!("<li{none}>{}</li>", escape(item))
        })
        .collect();
    let body = format!(
        "<section class=\"panel\" data-testid=\"consent\"><p class=\"eyebrow\">Practice authorization server</p>\
         <h1>My Web App wants to access your account</h1>\
         <p>Application <code>{}</code> asks to:</p><ul>{scopes}</ul>\
         <h2>If you allow, it will receive</h2><ul data-testid=\"consent-receives\">{receives}</ul>\
         <form method=\"post\" action=\"/oauth2/authorize\">{hidden}\
         <button class=\"button\" type=\"submit\" name=\"decision\" value=\"allow\">Allow</button> \
         <button class=\"button button--secondary\" type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\
         </form><p class=\"hint\" data-testid=\"consent-user\">You are logged in as your practice user, \
         {} ({}). Once you allow, \
         the next login with these scopes sends you back at once. Deny sends you back with \
         error=access_denied, as a real server does.</p></section>",
        escape(&req.client_id),
        escape(&user.name),
        escape(&user.email)
    );
    Html(page("Allow access", &body)).into_response()
}

pub async fn authorize_post(
    State(p): State<Practice>,
    Extension(learner): Extension<LearnerId>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !crate::shared::is_form(&headers) {
        return Rejection::Page("The consent form must be posted as a form.".into()).into_response(&p.issuer);
    }
    let params = match Params::parse(&body) {
        Ok(params) => params,
        Err(too_many) => return Rejection::Page(too_many.to_string()).into_response(&p.issuer),
    };
    let (req, _) = match p.check(&params).await {
        Ok(checked) => checked,
        Err(res) => return res,
    };
    match params.get("decision").ok().flatten() {
        Some("allow") => {
            if let Err(err) =
                p.consents.save_consent(learner.as_str(), &req.client_id, &req.scope, now_unix()).await
            {
                return OAuthError::from(err).into_response();
            }
            p.grant(&learner, &req, StatusCode::SEE_OTHER).await
        }
        _ => Rejection::Redirect {
            redirect_uri: req.redirect_uri,
            state: req.state,
            code: OAuthErrorCode::AccessDenied,
            description: "The user denied the request.".into(),
        }
        .into_response(&p.issuer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REDIRECT: &str = "http://127.0.0.1:3000/redirect";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn good() -> String {
        format!(
            "response_type=code&client_id=lab_a&redirect_uri={}&scope=openid+offline_access&state=xyzxyzxyz\
             &code_challenge={CHALLENGE}&code_challenge_method=S256",
            url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
        )
    }

    fn run(query: &str) -> Result<AuthRequest, Rejection> {
        validate(&Params::parse(query.as_bytes()).expect("params"), Some(&[REDIRECT.to_owned()]))
    }

    fn redirect_code(r: Result<AuthRequest, Rejection>) -> Option<OAuthErrorCode> {
        match r {
            Err(Rejection::Redirect { code, state, .. }) => {
                assert_eq!(state.as_deref(), Some("xyzxyzxyz"), "state goes back");
                Some(code)
            }
            _ => None,
        }
    }

    #[test]
    fn the_consent_page_says_whether_a_refresh_token_comes() {
        let has_refresh = |items: Vec<String>| items.iter().any(|i| i.starts_with("a refresh token"));
        assert!(has_refresh(what_the_app_receives("openid offline_access", true)));
        let off = what_the_app_receives("openid offline_access", false);
        assert!(!has_refresh(off.clone()));
        assert!(off.iter().any(|i| i.contains("refresh tokens are off")), "{off:?}");
        let not_asked = what_the_app_receives("openid", true);
        assert!(not_asked.iter().any(|i| i.contains("did not ask for offline_access")), "{not_asked:?}");
        assert!(not_asked.iter().any(|i| i.starts_with("an ID token")));
        assert!(!what_the_app_receives("offline_access", true).iter().any(|i| i.starts_with("an ID token")));
    }

    #[test]
    fn prompt_and_max_age_are_read_and_odd_values_refused() {
        assert_eq!(prompt(None), Ok(Prompt::Default));
        assert_eq!(prompt(Some("none")), Ok(Prompt::None));
        assert_eq!(prompt(Some("consent")), Ok(Prompt::Consent));
        assert_eq!(prompt(Some("login")), Ok(Prompt::Consent), "login is consent here");
        assert_eq!(prompt(Some("select_account")), Ok(Prompt::Default));
        assert!(prompt(Some("none consent")).is_err());
        assert!(prompt(Some("always")).is_err());
        assert_eq!(max_age(Some("0")), Ok(Some(0)));
        assert_eq!(
            max_age(Some("99999999999999999999999")),
            Ok(Some(MAX_AGE_LIMIT)),
            "too long means the limit"
        );
        for bad in ["-1", "1.5", "an hour", " 3"] {
            assert!(max_age(Some(bad)).is_err(), "{bad}");
        }
        let req = run(&format!("{}&prompt=none&max_age=60", good())).expect("valid");
        assert_eq!((req.prompt, req.max_age), (Prompt::None, Some(60)));
        assert_eq!(
            redirect_code(run(&format!("{}&prompt=never", good()))),
            Some(OAuthErrorCode::InvalidRequest)
        );
    }

    #[test]
    fn consent_is_needed_when_missing_asked_for_or_older_than_max_age() {
        let req = run(&good()).expect("valid");
        let given = |scope: &str, at| Consent { scope: scope.into(), at };
        let now = 1_000;
        assert_eq!(needs_consent(&req, None, now), Some(ConsentNeeded::Missing));
        assert_eq!(
            needs_consent(&req, Some(&given("openid", 900)), now),
            Some(ConsentNeeded::Missing),
            "a scope short"
        );
        assert_eq!(needs_consent(&req, Some(&given("openid offline_access", 900)), now), None);
        let asked = AuthRequest { prompt: Prompt::Consent, ..req.clone() };
        assert_eq!(
            needs_consent(&asked, Some(&given("openid offline_access", 900)), now),
            Some(ConsentNeeded::Asked)
        );
        let recent = AuthRequest { max_age: Some(100), ..req.clone() };
        assert_eq!(needs_consent(&recent, Some(&given("openid offline_access", 901)), now), None);
        assert_eq!(
            needs_consent(&recent, Some(&given("openid offline_access", 900)), now),
            Some(ConsentNeeded::TooOld)
        );
        let zero = AuthRequest { max_age: Some(0), ..req };
        assert_eq!(
            needs_consent(&zero, Some(&given("openid offline_access", now)), now),
            Some(ConsentNeeded::TooOld),
            "max_age=0: always log in again"
        );
        assert_eq!(ConsentNeeded::TooOld.error(), "login_required");
        assert_eq!(ConsentNeeded::Missing.error(), "consent_required");
    }

    #[test]
    fn a_good_request_is_accepted() {
        let req = run(&good()).expect("valid");
        assert_eq!(req.scope, "openid offline_access");
        assert_eq!(req.code_challenge, CHALLENGE);
    }

    #[test]
    fn an_untrusted_client_or_redirect_uri_gets_a_page_never_a_redirect() {
        assert!(matches!(
            validate(&Params::parse(good().as_bytes()).expect("params"), None),
            Err(Rejection::Page(_))
        ));
        for query in [
            good().replace("client_id=lab_a", ""),
            good().replace("redirect_uri=", "redirect_uri=x"),
            good().replace("%2Fredirect", "%2Fredirect%2F"),
            format!("{}&redirect_uri=x", good()),
            format!("{}&client_id=lab_b", good()),
        ] {
            assert!(matches!(run(&query), Err(Rejection::Page(_))), "{query}");
        }
    }

    #[test]
    fn other_errors_redirect_back_with_the_rfc_code() {
        use OAuthErrorCode::*;
        let cases = [
            (good().replace("&code_challenge_method=S256", ""), InvalidRequest),
            (good().replace("method=S256", "method=plain"), InvalidRequest),
            (good().replace("method=S256", "method=s256"), InvalidRequest),
            (good().replace(&format!("&code_challenge={CHALLENGE}"), ""), InvalidRequest),
            (good().replace(CHALLENGE, "short"), InvalidRequest),
            (good().replace("response_type=code", "response_type=token"), UnsupportedResponseType),
            (good().replace("response_type=code&", ""), InvalidRequest),
            (format!("{}&scope=openid", good()), InvalidRequest),
            (good().replace("scope=openid", "scope=admin"), InvalidScope),
        ];
        for (query, code) in cases {
            assert_eq!(redirect_code(run(&query)), Some(code), "{query}");
        }
    }
}
