//! What the pages show, as sent from the server to the browser. No secret travels here
//! except the learner's own practice client secret and a verifier just generated for
//! them, both shown to that learner only.

use oauthlab::exercises::refresh::DecodedJwt;
use oauthlab::exercises::StepStatus;
use oauthlab::oauth::discovery::Metadata;
use oauthlab::verdict::Verdict;
use serde::{Deserialize, Serialize};

/// A secret shown to its owner (their client secret, a verifier just generated, a
/// command holding one): serialized as the plain string, but `Debug` prints none of it,
/// so a stray `{:?}` can't put it in a log.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

/// `{"id", "status"}` as the API returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = StepStatus))]
pub struct StepState {
    /// The step's id, as `GET /api/v1/exercises` lists it for the exercise.
    #[cfg_attr(feature = "ssr", schema(schema_with = step_id_schema))]
    pub id: String,
    #[cfg_attr(feature = "ssr", schema(inline))]
    pub status: StepStatus,
}

/// A step id: one of every exercise's on offer.
#[cfg(feature = "ssr")]
fn step_id_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let mut ids: Vec<&str> = Vec::new();
    for id in oauthlab::exercises::catalog().iter().flat_map(|e| e.steps.iter().map(|s| s.id)) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("The step's id, as `GET /api/v1/exercises` lists it for the exercise."))
        .enum_values(Some(ids))
        .build()
}

/// A learner's progress in an exercise: the exercise object of the API,
/// `{"slug", "completed", "steps"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Exercise))]
pub struct ExerciseState {
    #[cfg_attr(feature = "ssr", schema(examples("refresh")))]
    pub slug: String,
    /// True when every step passed.
    pub completed: bool,
    /// Every step, in order.
    pub steps: Vec<StepState>,
}

/// How many learners a class shows at once on the dashboard: a class of thousands stays
/// a light page, and a light live update.
pub const LEARNERS_PER_PAGE: u64 = 50;

/// The header in which the dashboard's live refresh names the rows it shows, as
/// `key:version` pairs separated by commas: the server sends a stub (`data-same`) for each
/// row still so, and only the rows that changed in full.
pub const ROWS_SHOWN_HEADER: &str = "x-oauthlab-rows";

/// The course as the home page shows it, with this learner's progress in each exercise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseData {
    pub items: Vec<CourseItem>,
}

impl CourseData {
    /// How many of the exercises on offer the learner has completed, and how many there are.
    pub fn completed_of_offered(&self) -> (usize, usize) {
        let offered = self.items.iter().filter(|i| i.offered);
        let completed = offered.clone().filter(|i| i.completed).count();
        (completed, offered.count())
    }
}

/// One exercise of the course, and how far this learner is in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseItem {
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// Roughly how long it takes.
    pub minutes: u32,
    /// False for an exercise still to come.
    pub offered: bool,
    pub steps: usize,
    pub steps_passed: usize,
    pub completed: bool,
    /// The one to do next: the first one on offer not completed.
    pub next: bool,
}

/// The last check of a step, kept so a page rendered after a plain form post shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LastCheck {
    pub verdict: Verdict,
    pub jwt: Option<DecodedJwt>,
}

impl LastCheck {
    pub fn passed(&self) -> bool {
        self.verdict.passed()
    }
}

/// One step card on an exercise page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepView {
    /// The step's id (`verifier`, `issuer`...), as in the API.
    pub id: String,
    pub title: String,
    /// 1-based, as the page shows it.
    pub number: usize,
    pub status: StepStatus,
    pub last: Option<LastCheck>,
    /// What the learner typed in a plain form post (JavaScript off) whose check failed,
    /// put back in the box once; never stored.
    pub typed: Option<Secret>,
}

/// A command shown with the secret masked, and in full on demand. Even masked it holds
/// the learner's code verifier, so `Debug` shows neither.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    pub masked: String,
    pub full: Secret,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Command(redacted)")
    }
}

impl Command {
    /// `full` with the field `name=placeholder` (as the command writes it, `-d
    /// name=placeholder`) holding `value` instead, quoted for the shell: for a value only
    /// the browser holds, filled in just before it is copied.
    pub fn fill(full: &str, name: &str, placeholder: &str, value: &str) -> String {
        let field = format!("-d {name}={placeholder}");
        let filled = format!("--data-urlencode {}", shell_quote(&format!("{name}={value}")));
        full.replace(&field, &filled)
    }
}

/// Where the authorization code goes in the token command, until the site knows it.
pub const CODE_PLACEHOLDER: &str = "YOUR_AUTHORIZATION_CODE";
/// Where the refresh token goes in the refresh command: the site keeps no copy of it
/// (with JavaScript on, *Copy* fills it in from the response pasted in step 4).
pub const REFRESH_TOKEN_PLACEHOLDER: &str = "YOUR_REFRESH_TOKEN";

/// Quote a value for a POSIX shell when it holds anything but safe characters.
pub fn shell_quote(value: &str) -> String {
    let safe = !value.is_empty()
        && !value.starts_with('~')
        && value.chars().all(|c| c.is_ascii_alphanumeric() || "-._~:/%@+=,".contains(c));
    if safe {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// The learner's application on the built-in practice authorization server, as the
/// dashboard shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PracticeApp {
    pub client_id: String,
    /// This learner's own secret.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub client_secret: Secret,
    #[cfg_attr(feature = "ssr", schema(schema_with = redirect_uris_schema))]
    pub redirect_uris: Vec<String>,
    /// `refresh_token` is listed when refresh tokens are enabled.
    #[cfg_attr(feature = "ssr", schema(schema_with = grant_types_schema))]
    pub grant_types: Vec<String>,
    pub refresh_tokens_enabled: bool,
    /// How the application's ID tokens are signed (OpenID Connect Dynamic Client
    /// Registration's name): RS256 unless the learner chose ES256.
    #[cfg_attr(feature = "ssr", schema(inline))]
    pub id_token_signed_response_alg: oauthlab::oauth::id_token::IdTokenAlg,
    /// Who logs in on the practice server's consent page: the subject of the tokens.
    #[cfg_attr(feature = "ssr", schema(inline))]
    pub user: oauthlab::practice_user::PracticeUser,
    /// The application's three clients: the confidential web client (the one above),
    /// the public client (a single-page app: no secret) and the service client (client
    /// credentials only).
    #[serde(default)]
    pub clients: Vec<PracticeClient>,
}

/// One client of the practice application, as a client registration (RFC 7591 §2)
/// names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PracticeClient {
    /// `web`, `public` or `service`.
    #[cfg_attr(feature = "ssr", schema(value_type = String, example = "public"))]
    pub kind: oauthlab::exercises::client_credentials::ClientKind,
    pub client_id: String,
    /// Absent for the public client, which has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub client_secret: Option<Secret>,
    /// Empty for the service client, which logs nobody in.
    pub redirect_uris: Vec<String>,
    /// `authorization_code` (and `refresh_token` when refresh tokens are on) for the web
    /// and public clients, `client_credentials` for the service client.
    pub grant_types: Vec<String>,
    /// `client_secret_basic` (the practice server takes `client_secret_post` too), or
    /// `none` for the public client.
    pub token_endpoint_auth_method: String,
    /// The public client's allowed origins: the token endpoint answers CORS for these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_origins: Option<Vec<String>>,
}

/// `redirect_uris`: absolute URLs.
#[cfg(feature = "ssr")]
fn redirect_uris_schema() -> utoipa::openapi::Array {
    use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uri))),
        )
        .examples([serde_json::json!(["http://127.0.0.1:3000/redirect"])])
        .build()
}

/// `grant_types`: the practice server's two grants.
#[cfg(feature = "ssr")]
fn grant_types_schema() -> utoipa::openapi::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["authorization_code", "refresh_token"])),
        )
        .description(Some("`refresh_token` is listed when refresh tokens are enabled."))
        .build()
}

/// Everything the exercise page renders.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExerciseData {
    pub exercise: ExerciseState,
    pub steps: Vec<StepView>,
    /// The verifier that passed step 1 (generated for the learner or pasted), held in
    /// memory for a while so the page can show it and fill it into the token command
    /// (never stored).
    pub generated_verifier: Option<Secret>,
    /// The learner's code challenge, once step 1 passed (not a secret).
    pub challenge: Option<String>,
    /// Step 3's URL once it passed: the *Log In* link.
    pub login_url: Option<String>,
    pub token_command: Option<Command>,
    pub refresh_command: Option<Command>,
    /// Machine-to-Machine: the practice API call of step 2.
    #[serde(default)]
    pub api_command: Option<Command>,
    pub authorization_endpoint: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub refresh_tokens_enabled: bool,
    /// How long an authorization code lives, in words ("5 minutes" on the practice
    /// server; "a short time" on another).
    pub code_lifetime: String,
    /// The authorization server the exercise runs against.
    pub server: ServerData,
    /// Getting Started: the metadata step 1 read (public facts), once it passed.
    pub metadata: Option<Metadata>,
}

impl ExerciseData {
    /// The card of the step called `id`.
    pub fn step(&self, id: &str) -> Option<&StepView> {
        self.steps.iter().find(|s| s.id == id)
    }
}

/// What the example application's redirect page shows after a login: the token
/// exchange command with the code it received filled in, and how long the code lives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedirectData {
    /// The exercise the login was for: `web-app` or `oidc` when the `state` is the one of
    /// its step 3, else `refresh`.
    pub exercise: String,
    /// The address the browser landed on, as Web Applications' step 4 takes it.
    pub callback_url: String,
    pub token_command: Command,
    /// How long the code lives, in words: "5 minutes" on the practice server.
    pub code_lifetime: String,
}

/// What the browser app's callback page (`/spa/callback`) shows after a login of Single-
/// Page Apps: the code exchange to make from the browser with `fetch()`, or with curl.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaCallbackData {
    pub token_endpoint: String,
    /// The token request's form fields, in order: the public client's, with the code and
    /// the learner's verifier (no secret: a public client has none).
    pub fields: Vec<(String, String)>,
    pub token_command: Command,
    /// How long the code lives, in words.
    pub code_lifetime: String,
    /// The `state` the browser came back with is the one of step 3's URL.
    pub state_matches: bool,
    /// The page knows the learner's verifier (step 1 passed in this browser session).
    pub has_verifier: bool,
}

impl std::fmt::Debug for SpaCallbackData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SpaCallbackData(redacted)")
    }
}

/// The authorization server a learner works against: the built-in practice server, or
/// their own (Okta, Auth0, Keycloak...) found from its issuer URL. Holds no secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Provider))]
pub struct ServerData {
    /// True for the built-in practice server.
    pub builtin: bool,
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub jwks_uri: Option<String>,
    /// Where the metadata was read (the learner's own server only).
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub discovered_at: Option<String>,
    /// The client id given for the learner's own server (step 3 checks it).
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub client_id: Option<String>,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub redirect_uri: Option<String>,
    /// The last attempt to set up a server of their own, with its findings.
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub last_attempt: Option<SetupAttempt>,
}

/// What the learner entered to set up their own server, and what was found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetupAttempt {
    pub issuer: String,
    pub client_id: String,
    pub redirect_uri: String,
    #[cfg_attr(feature = "ssr", schema(inline))]
    pub verdict: Verdict,
}

/// What an instructor action answers, with 401, when nobody is signed in as an
/// instructor: `InstructorError::NotSignedIn`'s message, which the dashboard page (in the
/// browser too) recognises to show the sign-in form instead.
pub const NOT_SIGNED_IN: &str = "Sign in as an instructor first.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filled_field_is_quoted_and_nothing_else_changes() {
        let full = "curl -X POST http://x/token \\\n  -d grant_type=refresh_token \\\n  -d refresh_token=YOUR_REFRESH_TOKEN";
        let filled = Command::fill(full, "refresh_token", REFRESH_TOKEN_PLACEHOLDER, "a'b&c");
        assert_eq!(
            filled,
            "curl -X POST http://x/token \\\n  -d grant_type=refresh_token \\\n  --data-urlencode 'refresh_token=a'\\''b&c'"
        );
        assert_eq!(Command::fill(full, "code", CODE_PLACEHOLDER, "x"), full, "no such field: unchanged");
    }
}
