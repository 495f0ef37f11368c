//! The Refresh Tokens exercise: its five steps and their checks.
//!
//! INTERFACE (fixed; the web layer is written against it): the types and `statuses`,
//! `completed`, `check`. The checks themselves live in this file (steps 1 and 2) and in
//! `refresh/authorization_url.rs` (step 3) and `refresh/response.rs` (steps 4 and 5),
//! each with table-driven tests next to it. Web Applications (`web_app.rs`) uses steps 1
//! and 2 (`verifier_findings`, `challenge_finding`), step 3 with its own rules for state
//! and scope (`authorization_url::check_with`), the token response's shape checks
//! (`response::Purpose::Code`) and `redo_note`.
//!
//! Finding ids, by step:
//! 1. `verifier.format`, `verifier.randomness` (warning), `verifier.secret` (info)
//! 2. `challenge.match`
//! 3. `url.parse`, `url.endpoint`, `url.fragment`, `url.invisible` and `url.quotes` (these
//!    three only when they fail), `url.duplicates`, `url.placeholders`,
//!    `url.secrets`, `url.response_type`, `url.client_id`, `url.redirect_uri`, `url.state` (may warn),
//!    `url.offline_access`, `url.code_challenge`, `url.code_challenge_method`
//! 4. `token.json`, `token.object`, `token.error`, `token.token_type`, `token.access_token`,
//!    `token.expires_in`, `token.refresh_token`, `token.scope`, `token.jwt` (info),
//!    `token.expired` (a warning in step 4, a failure in step 5)
//! 5. the ids of step 4, and `refresh.new_access_token`, `refresh.rotation` (info),
//!    `refresh.sub`, `refresh.iat` (may warn), `refresh.completed` (info)
//!
//! Any step that passes again while later steps had passed adds `progress.redo` (info):
//! which steps need doing again, and why.
//!
//! Every message is one sentence that names the fix; the explanation, the RFC section
//! and the usual causes go in the finding's details.

pub(crate) mod authorization_url;
#[cfg(test)]
mod properties;
pub(crate) mod response;

pub use authorization_url::{MAX_URL_CHARS, MAX_URL_PARAMS};
pub use response::MAX_RESPONSE_BYTES;

use serde::{Deserialize, Serialize};

use crate::oauth::ClientSecret;
use crate::pasted::{without_invisible, Invisible, Quotes};
use crate::pkce::{diagnose_challenge, ChallengeDiagnosis, Verifier};
use crate::verdict::{show, Finding, Verdict};
use crate::work::{self, Counted as _};

pub const SLUG: &str = "refresh";
pub const TITLE: &str = "Refresh Tokens";

steps! {
    /// The five steps, in the order they must pass.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum Step {
        Verifier => ("verifier", "Code verifier"),
        Challenge => ("challenge", "Code challenge"),
        AuthorizationUrl => ("authorization-url", "Authorization request"),
        TokenResponse => ("token-response", "Token response"),
        RefreshResponse => ("refresh-response", "Refresh token response"),
    }
}

pub fn info() -> super::ExerciseInfo {
    super::ExerciseInfo {
        slug: SLUG,
        title: TITLE,
        summary: "Get a refresh token with PKCE and offline_access, then use it to get a new access token.",
        minutes: 15,
        steps: Step::infos(),
    }
}

pub use super::StepStatus;

/// The authorization server the learner works against. For the built-in practice
/// server the web layer fills in the learner's own application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provider {
    /// `true` for the built-in practice server: plain `http` is accepted on loopback
    /// hosts, and `client_id` / `redirect_uris` must match the practice application.
    pub builtin: bool,
    /// Absolute URL of the authorization endpoint.
    pub authorization_endpoint: String,
    /// Absolute URL of the token endpoint (for the curl command).
    pub token_endpoint: String,
    /// The expected `client_id`, when known.
    pub client_id: Option<String>,
    /// The registered redirect URIs, when known (compared byte for byte).
    pub redirect_uris: Vec<String>,
    /// The application's client secret, when the site knows it (the practice
    /// application's): so step 3 can tell it pasted into the URL. Never serialized;
    /// `Debug` redacts it.
    #[serde(skip)]
    pub client_secret: Option<ClientSecret>,
    /// The issuer, when known: a JWT access token's `iss` must equal it.
    pub issuer: Option<String>,
    /// Whether the application may get refresh tokens, when the site knows it (the
    /// practice application's toggle); `None` for another server.
    #[serde(default)]
    pub refresh_tokens_enabled: Option<bool>,
}

/// What grading keeps between steps. No secrets: only the code challenge (never the
/// verifier) and SHA-256 digests of tokens (base64url, no padding).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// How many steps have passed, in order (0..=5).
    pub steps_passed: usize,
    /// S256 challenge of the verifier that passed step 1.
    pub challenge: Option<String>,
    /// The authorization URL that passed step 3 (it holds no secret).
    pub authorization_url: Option<String>,
    /// What step 4's token response was.
    pub token: Option<TokenRecord>,
    /// What step 5's refresh response was.
    pub refreshed: Option<TokenRecord>,
}

impl Progress {
    /// This progress with `step` and everything after it undone, as when the learner
    /// switches to another authorization server: what came before is kept.
    pub fn rewound_to(self, step: Step) -> Progress {
        let keep = self.steps_passed.min(step.index());
        Progress {
            steps_passed: keep,
            challenge: self.challenge.filter(|_| keep > Step::Verifier.index()),
            authorization_url: self.authorization_url.filter(|_| keep > Step::AuthorizationUrl.index()),
            token: self.token.filter(|_| keep > Step::TokenResponse.index()),
            refreshed: self.refreshed.filter(|_| keep > Step::RefreshResponse.index()),
        }
    }
}

/// Digests and facts of a token response that passed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub access_token_sha256: String,
    pub refresh_token_sha256: Option<String>,
    pub scope: Option<String>,
    /// `sub` and `iat` of the access token when it is a JWT.
    pub sub: Option<String>,
    pub iat: Option<i64>,
}

/// How the built-in practice server issued an access token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssuedGrant {
    AuthorizationCode,
    RefreshToken,
    /// The client credentials grant (RFC 6749 §4.4): a service's own token.
    ClientCredentials,
}

/// What the built-in practice server knows about an access token it issued: looked up
/// by the token's digest, so a pasted response can be told real or made up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issued {
    pub client_id: String,
    pub grant: IssuedGrant,
    /// The code challenge of the authorization request the token family started from.
    pub code_challenge: String,
    /// The scope the authorization request asked for. (The practice server leaves
    /// `offline_access` out of the scope it grants when refresh tokens are off.)
    pub requested_scope: String,
    /// Whether the application allowed refresh tokens when the token was issued.
    pub refresh_tokens_enabled: bool,
    /// The token was revoked: through the revocation endpoint, or with its whole family
    /// when a code or refresh token of the family was used twice.
    pub revoked: bool,
    /// The digest of the refresh token issued in the same response, if one was.
    pub refresh_token_sha256: Option<String>,
    /// Digests of the refresh tokens redeemed on the way to this token, newest first.
    pub refresh_ancestors: Vec<String>,
    /// How the client authenticated when it got the token (`client_secret_basic`,
    /// `client_secret_post`), when the server recorded it.
    #[serde(default)]
    pub client_auth: Option<String>,
    /// The digest ([`token_sha256`]) of the authorization code the token's family
    /// started from.
    #[serde(default)]
    pub code_sha256: Option<String>,
    /// The redirect URI of the authorization request the token's family started from,
    /// when the server recorded it.
    #[serde(default)]
    pub redirect_uri: Option<String>,
    /// The digest ([`token_sha256`]) of that request's OpenID Connect `nonce`, when it
    /// had one and the server recorded it.
    #[serde(default)]
    pub nonce_sha256: Option<String>,
    /// The scope granted (the `scope` of the token response), when the server recorded it.
    #[serde(default)]
    pub granted_scope: Option<String>,
    /// The PKCE `code_challenge_method` of that request (`S256`), when recorded.
    #[serde(default)]
    pub pkce_method: Option<String>,
    /// When the token was issued (Unix seconds), when recorded.
    #[serde(default)]
    pub issued_at: Option<i64>,
    /// The authorization code the token's family started from was sent to the token
    /// endpoint more than once (the server then revoked the family): told apart from a
    /// revocation for another reason.
    #[serde(default)]
    pub code_redeemed_twice: bool,
    /// The `resource` (RFC 8707) the token request named, when it named one.
    #[serde(default)]
    pub resource: Option<String>,
    /// The token's audience (`aud`), when the server recorded it.
    #[serde(default)]
    pub audience: Option<String>,
}

/// What a check may need to know besides the input.
#[derive(Clone, Debug)]
pub struct Facts<'a> {
    pub provider: &'a Provider,
    pub progress: &'a Progress,
    /// Unix seconds, passed in (checks never read a clock).
    pub now: i64,
    /// On the built-in server: what it issued as the pasted access token (`None` when it
    /// never issued it). Unused for other servers.
    pub issued: Option<&'a Issued>,
    /// The access token's signature checked against the provider's JWKS, when it is a
    /// JWT and the keys are known.
    pub signature: Option<&'a SignatureCheck>,
}

/// What checking a JWT access token's signature against the provider's JWKS found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum SignatureCheck {
    Verified {
        kid: String,
    },
    /// No published key has the token's `kid`.
    UnknownKey,
    Invalid,
    /// The server's JWKS could not be read (another server's, fetched over the network):
    /// why, for the learner.
    Unavailable {
        reason: String,
    },
}

/// The access token of a pasted token response, when there is one to look up: none in
/// a text over [`MAX_RESPONSE_BYTES`], which the check refuses.
pub fn pasted_access_token(input: &str) -> Option<String> {
    pasted_token(input, "access_token")
}

/// The token in field `field` of a pasted token response (`access_token`, `id_token`),
/// when there is one: none in a text over [`MAX_RESPONSE_BYTES`], which the check refuses.
pub fn pasted_token(input: &str, field: &str) -> Option<String> {
    let input = crate::pasted::trim(input);
    if input.len() > MAX_RESPONSE_BYTES {
        return None;
    }
    work::add(input.len());
    let value: serde_json::Value = serde_json::from_str(input).ok()?;
    value.get(field)?.as_str().filter(|t| !t.is_empty()).map(str::to_owned)
}

/// The decoded (not verified) header and claims of a JWT access token, to show the
/// learner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecodedJwt {
    /// Always a JSON object (`oauth::jwt::decode_unverified` accepts nothing else).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub header: serde_json::Value,
    /// Always a JSON object.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub claims: serde_json::Value,
}

/// The result of checking one step.
pub type Outcome = super::Outcome<Progress>;

/// Check `input` for `step`. Outer ASCII whitespace of the input is trimmed, by the one
/// rule of [`crate::pasted::trim`].
///
/// A step may be checked again after it passed; passing it again clears what the later
/// steps recorded (they depended on it) and makes the next step current.
pub fn check(step: Step, input: &str, facts: &Facts<'_>) -> Result<Outcome, StepLocked> {
    let progress = facts.progress;
    step.unlocked(progress.steps_passed)?;
    let input = crate::pasted::trim(input);
    Ok(match step {
        Step::Verifier => check_verifier(input, progress),
        Step::Challenge => check_challenge(input, progress),
        Step::AuthorizationUrl => {
            let mut findings = authorization_url::check(input, facts);
            // Only with a URL that is otherwise right: the warning is about logging in.
            if !findings.iter().any(Finding::is_blocking) {
                findings.extend(refresh_tokens_off(facts.provider));
            }
            finish(step, findings, progress, None, |p| {
                p.authorization_url = Some(input.to_owned());
            })
        }
        Step::TokenResponse | Step::RefreshResponse => {
            if let Some(finding) = response::too_large(input)
                .or_else(|| invisible_in_response(input))
                .or_else(|| quoted_response(input))
            {
                return Ok(finish(step, vec![finding], progress, None, |_| {}));
            }
            let checked = response::check(step, input, facts);
            finish(step, checked.findings, progress, checked.jwt, |p| {
                if step == Step::TokenResponse {
                    p.token = checked.record;
                } else {
                    p.refreshed = checked.record;
                }
            })
        }
    })
}

/// Step 3's warning, before the learner logs in, when the practice application's refresh
/// tokens are off: the login would work, but the server would issue no refresh token.
pub const REFRESH_TOKENS_OFF: &str = "url.refresh_tokens_off";

fn refresh_tokens_off(provider: &Provider) -> Option<Finding> {
    (provider.refresh_tokens_enabled == Some(false)).then(|| {
        Finding::warn(
            REFRESH_TOKENS_OFF,
            "Refresh tokens are off for your practice application: turn them on at the top of this page \
             before you log in, or the server will issue no refresh token.",
        )
    })
}

/// An invisible character between the parts of a pasted token response (a no-break space
/// at an edge, a zero-width space after a comma), which would otherwise be read as text
/// around the JSON. A leading byte order mark is left to the response check, which names
/// it.
pub(crate) fn invisible_in_response(input: &str) -> Option<Finding> {
    if input.starts_with('\u{FEFF}') {
        return None;
    }
    let invisible = crate::json::invisible_outside_strings(input)?;
    Some(
        Finding::fail(
            "token.json",
            format!(
                "That is not valid JSON because of an invisible character: {}, then check again.",
                invisible.fix()
            ),
        )
        .with_details("Between its parts JSON allows only spaces, tabs and line breaks (RFC 8259 §2)."),
    )
}

/// A token response wrapped in quotes (copied from a shell command or code), which is
/// not JSON; a JSON string is left to the response check, which says what it is.
pub(crate) fn quoted_response(input: &str) -> Option<Finding> {
    let quotes = Quotes::find(input).filter(|q| *q == Quotes::Surrounding)?;
    let inner = crate::pasted::trim(quotes.strip(input));
    let object = inner.starts_with('{') && inner.ends_with('}');
    work::add(input.len());
    if !object || serde_json::from_str::<serde_json::Value>(input).is_ok() {
        return None;
    }
    Some(Finding::fail(
        "token.json",
        format!(
            "The response {}: {}, and paste only the JSON object, from the opening {{ to the \
             closing }}.",
            quotes.problem(),
            quotes.fix()
        ),
    ))
}

/// The SHA-256 digest of a token as [`TokenRecord`] keeps it: base64url, no padding.
pub fn token_sha256(token: &str) -> String {
    // Same construction as an S256 challenge.
    crate::pkce::challenge_s256(token)
}

/// Build the outcome: on a pass, the new progress has `step` as the last passed step,
/// the later steps' records cleared, and `update` applied.
fn finish(
    step: Step,
    findings: Vec<Finding>,
    progress: &Progress,
    jwt: Option<DecodedJwt>,
    update: impl FnOnce(&mut Progress),
) -> Outcome {
    let mut verdict = Verdict::new(findings);
    let before = progress;
    let progress = verdict.passed().then(|| {
        let mut p = progress.clone();
        p.steps_passed = step.number();
        if step.index() < Step::AuthorizationUrl.index() {
            p.authorization_url = None;
        }
        if step.index() < Step::TokenResponse.index() {
            p.token = None;
        }
        if step.index() < Step::RefreshResponse.index() {
            p.refreshed = None;
        }
        update(&mut p);
        p
    });
    if let Some(note) = progress.as_ref().and_then(|after| redo(step, before, after)) {
        verdict.findings.push(note);
        verdict.sort();
    }
    Outcome { verdict, progress, jwt }
}

/// When `step` passed again while later steps had passed: they were undone, and say so
/// (for step 1, whether the verifier changed).
fn redo(step: Step, before: &Progress, after: &Progress) -> Option<Finding> {
    let verifier_changed = step == Step::Verifier && after.challenge != before.challenge;
    redo_note(step.number(), before.steps_passed, Step::ALL.len(), verifier_changed)
}

/// The `progress.redo` note of any exercise whose step 1 is the code verifier: step
/// `number` (1-based) passed again while `passed_before` of its `total` steps had passed,
/// so the later ones were undone. `None` when none had passed.
pub(crate) fn redo_note(
    number: usize,
    passed_before: usize,
    total: usize,
    verifier_changed: bool,
) -> Option<Finding> {
    let (from, to) = (number + 1, passed_before.min(total));
    if to < from {
        return None;
    }
    let steps = match to - from {
        0 => format!("step {from} needs"),
        1 => format!("steps {from} and {to} need"),
        _ => format!("steps {from} to {to} need"),
    };
    let (cause, why) = if verifier_changed {
        (
            "You changed your code verifier".to_owned(),
            "The authorization URL must carry the new verifier's challenge, and the token request \
             must send the new verifier, so what was done with the old one no longer counts.",
        )
    } else {
        (
            format!("You checked step {number} again"),
            "Each step builds on the ones before it, so passing a step again starts the steps after \
             it over.",
        )
    };
    Some(Finding::info("progress.redo", format!("{cause}, so {steps} doing again.")).with_details(why))
}

/// Fewer distinct characters than this in a verifier earns a warning. A random
/// 43-character verifier has about 32; a hex or all-digit one (fine) up to 16 or 10.
const MIN_DISTINCT_VERIFIER_CHARS: usize = 8;

fn check_verifier(input: &str, progress: &Progress) -> Outcome {
    let (findings, challenge) = verifier_findings(input);
    finish(Step::Verifier, findings, progress, None, |p| p.challenge = challenge)
}

/// Step 1 of any exercise with PKCE: the findings about a pasted code verifier, and its
/// S256 challenge when it passed (the verifier itself is never kept).
pub(crate) fn verifier_findings(input: &str) -> (Vec<Finding>, Option<String>) {
    let mut findings = Vec::new();
    let mut challenge = None;
    match Verifier::parse(input) {
        Ok(verifier) => {
            findings.push(Finding::pass(
                "verifier.format",
                format!(
                    "The code verifier is {} characters of A-Z a-z 0-9 - . _ ~, as RFC 7636 §4.1 \
                     asks.",
                    input.len()
                ),
            ));
            let distinct: std::collections::HashSet<char> = input.chars().counted().collect();
            if distinct.len() < MIN_DISTINCT_VERIFIER_CHARS {
                findings.push(
                    Finding::warn(
                        "verifier.randomness",
                        format!(
                            "The code verifier uses only {}, so it is easy to guess: generate it from \
                             32 random bytes encoded as base64url (Generate Random String does this).",
                            different_characters(distinct.len())
                        ),
                    )
                    .with_details(
                        "PKCE protects the code only if nobody can guess the verifier (RFC 7636 §7.1); \
                         a random one of 43 characters uses about 32 different characters.",
                    ),
                );
            }
            findings.push(
                Finding::info(
                    "verifier.secret",
                    "Keep the verifier secret: you'll need it for the token request at the end, and \
                     only there.",
                )
                .with_details(
                    "Only its challenge goes into the authorization URL; this site keeps the \
                     challenge, never the verifier.",
                ),
            );
            challenge = Some(verifier.challenge());
        }
        Err(e) => findings.push(Finding::fail("verifier.format", e.to_string()).with_details(e.details())),
    }
    (findings, challenge)
}

fn check_challenge(input: &str, progress: &Progress) -> Outcome {
    let finding = challenge_finding(input, progress.challenge.as_deref());
    finish(Step::Challenge, vec![finding], progress, None, |_| {})
}

/// Step 2 of any exercise with PKCE: a pasted code challenge against `expected`, the
/// challenge of the verifier that passed step 1 (`None`: none on record).
pub(crate) fn challenge_finding(input: &str, expected: Option<&str>) -> Finding {
    const ID: &str = "challenge.match";
    match expected {
        None => Finding::fail(
            ID,
            "There is no code verifier from step 1 on record to compare with: check your \
             verifier in step 1 again, then come back to this step.",
        ),
        Some(_) if input.is_empty() => Finding::fail(
            ID,
            "Nothing was pasted: paste the code challenge you computed, or click Calculate Hash.",
        )
        .with_details("Calculate Hash computes BASE64URL(SHA256(verifier)) from your verifier."),
        Some(expected) => match copied_along(input, expected) {
            Some(finding) => finding,
            None => match diagnose_challenge(input, expected) {
                ChallengeDiagnosis::Matches => Finding::pass(
                    ID,
                    "The code challenge is BASE64URL(SHA256(verifier)) of your verifier from step 1, \
                 without padding (RFC 7636 §4.2).",
                ),
                ChallengeDiagnosis::Malformed => Finding::fail(ID, ChallengeDiagnosis::Malformed.message())
                    .with_details(format!(
                        "What you pasted is {} long. {}",
                        characters(input.chars().counted().count()),
                        ChallengeDiagnosis::Malformed.details()
                    )),
                ChallengeDiagnosis::OtherString => Finding::fail(
                    ID,
                    "That is a well-formed S256 challenge, but of a different string than your \
                 verifier from step 1: hash exactly that verifier, with nothing around it, or click \
                 Calculate Hash.",
                )
                .with_details(ChallengeDiagnosis::OtherString.details()),
                other => Finding::fail(ID, other.message()).with_details(other.details()),
            },
        },
    }
}

/// Step 2's message for what copying brought along with the challenge (an invisible
/// character, quotes), saying whether it is the right challenge without it.
fn copied_along(input: &str, expected: &str) -> Option<Finding> {
    let (problem, cleaned, it) = if let Some(invisible) = Invisible::find(input) {
        let it = if invisible.count == 1 { "it" } else { "them" };
        (format!("holds an invisible character: {}", invisible.fix()), without_invisible(input), it)
    } else if let Some(quotes) = Quotes::find(input) {
        let it = if quotes == Quotes::Surrounding { "them" } else { "it" };
        (format!("{}: {}", quotes.problem(), quotes.fix()), quotes.strip(input).to_owned(), it)
    } else {
        return None;
    };
    let then = if diagnose_challenge(&cleaned, expected).is_match() {
        format!("; without {it}, this is the right challenge")
    } else {
        ", then check again".to_owned()
    };
    Some(Finding::fail("challenge.match", format!("The code challenge {problem}{then}.")))
}

fn different_characters(n: usize) -> String {
    crate::verdict::count(n as u64, "different character")
}

fn characters(n: usize) -> String {
    if n == 1 {
        "1 character".to_owned()
    } else {
        format!("{n} characters")
    }
}

/// Fixtures shared by the tests of this file and its submodules.
#[cfg(test)]
pub(crate) mod test_support {
    pub use crate::exercises::test_support::{blocking, finding};
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    pub const NOW: i64 = 1_700_000_000;
    /// The built-in practice application's client secret.
    pub const CLIENT_SECRET: &str = "pr4ctice-S3cret_0f-lab-client-1-xYz0123456789";

    /// The built-in practice server in development.
    pub fn builtin() -> Provider {
        Provider {
            builtin: true,
            authorization_endpoint: "http://127.0.0.1:3000/authorize".into(),
            token_endpoint: "http://127.0.0.1:3000/token".into(),
            client_id: Some("lab-client-1".into()),
            redirect_uris: vec!["http://127.0.0.1:3000/redirect".into()],
            issuer: Some("http://127.0.0.1:3000".into()),
            client_secret: Some(ClientSecret::new(CLIENT_SECRET)),
            refresh_tokens_enabled: Some(true),
        }
    }

    /// A learner's own Okta server.
    pub fn okta() -> Provider {
        Provider {
            builtin: false,
            authorization_endpoint: "https://dev-1.okta.com/oauth2/default/v1/authorize".into(),
            token_endpoint: "https://dev-1.okta.com/oauth2/default/v1/token".into(),
            client_id: None,
            redirect_uris: vec![],
            issuer: Some("https://dev-1.okta.com/oauth2/default".into()),
            client_secret: None,
            refresh_tokens_enabled: None,
        }
    }

    pub fn record(access_token: &str, refresh_token: Option<&str>) -> TokenRecord {
        TokenRecord {
            access_token_sha256: token_sha256(access_token),
            refresh_token_sha256: refresh_token.map(token_sha256),
            scope: Some("openid offline_access".into()),
            sub: None,
            iat: None,
        }
    }

    /// Progress with `steps_passed` steps passed and their records filled in.
    pub fn progress(steps_passed: usize) -> Progress {
        Progress {
            steps_passed,
            challenge: (steps_passed >= 1).then(|| CHALLENGE.to_owned()),
            authorization_url: (steps_passed >= 3).then(good_url),
            token: (steps_passed >= 4).then(|| record("access-one-aaaaaaaaaaaa", Some("refresh-one"))),
            refreshed: (steps_passed >= 5).then(|| record("access-two-bbbbbbbbbbbb", None)),
        }
    }

    pub fn good_url() -> String {
        format!(
            "http://127.0.0.1:3000/authorize?response_type=code&client_id=lab-client-1\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fredirect&state=Zq8xW2kLp0aBt\
             &scope=openid+offline_access&code_challenge={CHALLENGE}&code_challenge_method=S256"
        )
    }

    pub fn run(step: Step, input: &str, provider: &Provider, progress: &Progress) -> Outcome {
        let facts = Facts { provider, progress, now: NOW, issued: None, signature: None };
        check(step, input, &facts).expect("the step is not locked")
    }

    /// A finding's message and details together: what it says in all.
    pub fn said(finding: &Finding) -> String {
        format!("{} {}", finding.message, finding.details.as_deref().unwrap_or_default())
    }

    pub fn jwt(header: &str, claims: &str) -> String {
        format!("{}.{}.c2ln", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(claims))
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    #[test]
    fn rewinding_undoes_a_step_and_what_follows_and_keeps_what_came_before() {
        for passed in 0..=5 {
            for step in Step::ALL {
                let want = progress(passed.min(step.index()));
                assert_eq!(progress(passed).rewound_to(step), want, "{passed} passed, rewound to {step:?}");
            }
        }
    }

    #[test]
    fn statuses_follow_steps_passed() {
        use StepStatus::*;
        let cases = [
            (0, [Current, Locked, Locked, Locked, Locked]),
            (2, [Passed, Passed, Current, Locked, Locked]),
            (5, [Passed, Passed, Passed, Passed, Passed]),
        ];
        for (passed, want) in cases {
            assert_eq!(statuses(&progress(passed)), want, "{passed}");
            assert_eq!(completed(&progress(passed)), passed == 5);
        }
    }

    #[test]
    fn a_step_whose_predecessor_has_not_passed_is_locked() {
        let provider = builtin();
        let cases = [
            (0, Step::Challenge, Step::Verifier),
            (0, Step::RefreshResponse, Step::Verifier),
            (2, Step::TokenResponse, Step::AuthorizationUrl),
            (3, Step::RefreshResponse, Step::TokenResponse),
        ];
        for (passed, step, needed) in cases {
            let p = progress(passed);
            let facts = Facts { provider: &provider, progress: &p, now: NOW, issued: None, signature: None };
            let err = check(step, "anything", &facts).err();
            assert_eq!(err, Some(StepLocked { needed }), "{step:?} after {passed}");
        }
        assert_eq!(StepLocked { needed: Step::AuthorizationUrl }.to_string(), "Complete step 3 first.");
    }

    #[test]
    fn the_current_step_and_passed_steps_can_be_checked() {
        let provider = builtin();
        for passed in 0..=5 {
            let p = progress(passed);
            let facts = Facts { provider: &provider, progress: &p, now: NOW, issued: None, signature: None };
            for step in Step::ALL.iter().take(passed + 1) {
                assert!(check(*step, "", &facts).is_ok(), "{step:?} after {passed}");
            }
        }
    }

    #[test]
    fn step_3_warns_before_the_login_when_the_practice_apps_refresh_tokens_are_off() {
        let off = Provider { refresh_tokens_enabled: Some(false), ..builtin() };
        let out = run(Step::AuthorizationUrl, &good_url(), &off, &progress(2));
        assert!(out.verdict.passed(), "a warning, not a failure: {:#?}", out.verdict);
        let warning = finding(&out, REFRESH_TOKENS_OFF);
        assert!(!warning.ok && warning.level == crate::verdict::Level::Warning);
        assert!(warning.message.contains("turn them on"), "{}", warning.message);
        for provider in [builtin(), okta()] {
            let out = run(Step::AuthorizationUrl, &good_url(), &provider, &progress(2));
            assert!(out.verdict.find(REFRESH_TOKENS_OFF).is_none(), "{provider:?}");
        }
        let wrong = good_url().replace("S256", "plain");
        let out = run(Step::AuthorizationUrl, &wrong, &off, &progress(2));
        assert!(out.verdict.find(REFRESH_TOKENS_OFF).is_none(), "not with a URL that fails");
    }

    #[test]
    fn passing_step_1_records_the_challenge_not_the_verifier() {
        let out = run(Step::Verifier, &format!("  {VERIFIER}\n"), &builtin(), &progress(0));
        assert!(out.verdict.passed(), "{:#?}", out.verdict);
        let p = out.progress.clone().expect("passed");
        assert_eq!(p.steps_passed, 1);
        assert_eq!(p.challenge.as_deref(), Some(CHALLENGE));
        assert!(!serde_json::to_string(&p).unwrap_or_default().contains(VERIFIER));
        assert!(finding(&out, "verifier.secret").message.starts_with("Keep the verifier secret"));
        assert_eq!(out.jwt, None);
    }

    #[test]
    fn re_passing_a_step_clears_the_later_steps() {
        let provider = builtin();
        let other_verifier = crate::pkce::verifier_from_bytes(&[7; 32]);
        let cases: Vec<(Step, String, Progress)> = vec![
            (
                Step::Verifier,
                other_verifier.clone(),
                Progress {
                    steps_passed: 1,
                    challenge: Some(crate::pkce::challenge_s256(&other_verifier)),
                    ..Progress::default()
                },
            ),
            (
                Step::Challenge,
                CHALLENGE.into(),
                Progress { steps_passed: 2, challenge: Some(CHALLENGE.into()), ..Progress::default() },
            ),
            (
                Step::AuthorizationUrl,
                good_url(),
                Progress {
                    steps_passed: 3,
                    challenge: Some(CHALLENGE.into()),
                    authorization_url: Some(good_url()),
                    ..Progress::default()
                },
            ),
        ];
        for (step, input, want) in cases {
            let out = run(step, &input, &provider, &progress(5));
            assert_eq!(out.progress, Some(want), "{step:?}");
        }
    }

    #[test]
    fn a_changed_verifier_after_step_2_passed_says_the_later_steps_need_doing_again() {
        let other = crate::pkce::verifier_from_bytes(&[7; 32]);
        for (passed, steps) in [(2, "step 2 needs"), (3, "steps 2 and 3 need"), (5, "steps 2 to 5 need")] {
            let out = run(Step::Verifier, &other, &builtin(), &progress(passed));
            assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
            let f = finding(&out, "progress.redo");
            assert_eq!(f.message, format!("You changed your code verifier, so {steps} doing again."));
            assert!(f.ok && f.level == crate::verdict::Level::Info);
            assert!(f.details.as_deref().is_some_and(|d| d.contains("new verifier's challenge")));
            assert_eq!(out.progress.map(|p| p.steps_passed), Some(1));
        }
        // Only step 1 had passed: nothing to redo.
        assert_eq!(run(Step::Verifier, &other, &builtin(), &progress(1)).verdict.find("progress.redo"), None);
        // The same verifier again also starts the later steps over, and says so.
        let out = run(Step::Verifier, VERIFIER, &builtin(), &progress(4));
        assert_eq!(
            finding(&out, "progress.redo").message,
            "You checked step 1 again, so steps 2 to 4 need doing again."
        );
        // A later step passed again says the same of the steps after it.
        let out = run(Step::AuthorizationUrl, &good_url(), &builtin(), &progress(5));
        assert_eq!(
            finding(&out, "progress.redo").message,
            "You checked step 3 again, so steps 4 and 5 need doing again."
        );
        // A failed check undoes nothing, and says nothing about it.
        let out = run(Step::Verifier, "short", &builtin(), &progress(5));
        assert_eq!(out.verdict.find("progress.redo"), None);
    }

    #[test]
    fn a_failed_check_changes_no_progress() {
        let out = run(Step::Verifier, "too-short", &builtin(), &progress(5));
        assert!(!out.verdict.passed());
        assert_eq!(out.progress, None);
    }

    #[test]
    fn step_1_reports_bad_verifiers_precisely() {
        let with_plus = format!("{}+{}", &VERIFIER[..16], &VERIFIER[17..]);
        let cases: &[(&str, &str)] = &[
            ("", "The code verifier is empty"),
            ("abcdefghijkl", "The code verifier is 12 characters long; RFC 7636 §4.1 needs 43 to 128:"),
            (&with_plus, "Character 17 ('+') is not allowed in a code verifier"),
            (
                &format!("{VERIFIER}\u{200B}"),
                "The code verifier holds an invisible character: remove the invisible zero-width \
                 space (U+200B) at the end (often picked up when copying).",
            ),
            (&format!("\u{FEFF}{VERIFIER}"), "The code verifier holds an invisible character: remove the invisible byte order mark (U+FEFF) at the start"),
            (&format!("{VERIFIER}\u{A0}"), "The code verifier holds an invisible character: remove the invisible no-break space (U+00A0) at the end"),
        ];
        for (input, want) in cases {
            let out = run(Step::Verifier, input, &builtin(), &progress(0));
            assert_eq!(blocking(&out), ["verifier.format"], "{input:?}");
            let message = &finding(&out, "verifier.format").message;
            assert!(message.starts_with(want), "{message}");
            assert_eq!(out.progress, None);
        }
    }

    /// Step 1 and the PKCE helper (`Verifier::parse_pasted`, behind
    /// `POST /api/v1/pkce/challenge`) trim by the same rule, so they agree on every input.
    #[test]
    fn step_1_and_the_pkce_helper_trim_the_same_way() {
        let cases = [
            (format!(" {VERIFIER} "), true),
            (format!("\n\t{VERIFIER}\r\n"), true),
            (format!("\x0C{VERIFIER}"), true),
            (format!("{VERIFIER} x"), false),
            (format!("\u{A0}{VERIFIER}"), false),
            (format!("{VERIFIER}\u{3000}"), false),
            (" ".to_owned(), false),
        ];
        for (input, passes) in cases {
            let out = run(Step::Verifier, &input, &builtin(), &progress(0));
            assert_eq!(out.verdict.passed(), passes, "step 1, {input:?}");
            let helper = crate::pkce::Verifier::parse_pasted(&input);
            assert_eq!(helper.is_ok(), passes, "helper, {input:?}");
            match helper {
                Ok(v) => assert_eq!(Some(v.challenge()), out.progress.and_then(|p| p.challenge)),
                Err(e) => assert_eq!(finding(&out, "verifier.format").message, e.to_string(), "{input:?}"),
            }
        }
    }

    #[test]
    fn step_1_warns_about_a_verifier_anyone_could_guess() {
        let cases = [
            ("a".repeat(43), "The code verifier uses only 1 different character, so it is easy to guess"),
            ("ab".repeat(22), "The code verifier uses only 2 different characters, so it is easy to guess"),
            ("abcdefg".repeat(7), "The code verifier uses only 7 different characters,"),
        ];
        for (input, want) in cases {
            let out = run(Step::Verifier, &input, &builtin(), &progress(0));
            assert!(out.verdict.passed());
            let f = finding(&out, "verifier.randomness");
            assert_eq!(f.level, crate::verdict::Level::Warning);
            assert!(f.message.starts_with(want), "{}", f.message);
        }
        let hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let out = run(Step::Verifier, hex, &builtin(), &progress(0));
        assert_eq!(out.verdict.find("verifier.randomness"), None);
    }

    #[test]
    fn step_2_names_each_challenge_mistake() {
        use sha2::Digest as _;
        let hex: String = sha2::Sha256::digest(VERIFIER).iter().map(|b| format!("{b:02x}")).collect();
        let cases: Vec<(String, bool, &str)> = vec![
            (CHALLENGE.into(), true, "BASE64URL(SHA256(verifier))"),
            (format!("{CHALLENGE}="), false, "remove the trailing ="),
            (format!("{}=", CHALLENGE.replace('-', "+")), false, "standard base64"),
            (hex, false, "hex"),
            (VERIFIER.into(), false, "the code verifier itself"),
            (
                crate::pkce::challenge_s256("another string"),
                false,
                "different string than your verifier from step 1",
            ),
            ("not a challenge".into(), false, "What you pasted is 15 characters long."),
            (
                format!("\u{FEFF}{CHALLENGE}"),
                false,
                "The code challenge holds an invisible character: remove the invisible byte order \
                 mark (U+FEFF) at the start (often picked up when copying); without it, this is the \
                 right challenge.",
            ),
            (
                format!("\"{CHALLENGE}\""),
                false,
                "The code challenge is wrapped in quotes: remove the surrounding quotes; without \
                 them, this is the right challenge.",
            ),
            (format!("'{CHALLENGE}'"), false, "remove the surrounding quotes"),
            (
                format!("{CHALLENGE}\""),
                false,
                "The code challenge ends with a double quote: remove the double quote at the end; \
                 without it, this is the right challenge.",
            ),
            (
                "`abc`".to_owned(),
                false,
                "The code challenge is wrapped in quotes: remove the surrounding quotes, then check again.",
            ),
            (
                format!("{CHALLENGE}\u{200B}"),
                false,
                "remove the invisible zero-width space (U+200B) at the end",
            ),
            (
                format!("{}\u{A0}{}", &CHALLENGE[..10], &CHALLENGE[11..]),
                false,
                "remove the invisible no-break space (U+00A0) at character 11 (often picked up when \
                 copying), then check again.",
            ),
            (String::new(), false, "Nothing was pasted"),
        ];
        for (input, passes, want) in cases {
            let out = run(Step::Challenge, &input, &builtin(), &progress(1));
            assert_eq!(out.verdict.passed(), passes, "{input:?}");
            let f = finding(&out, "challenge.match");
            assert!(said(f).contains(want), "{input:?}: {}", said(f));
            if !passes {
                assert!(!said(f).contains(VERIFIER), "the verifier is never echoed");
            }
        }
        let ok = run(Step::Challenge, CHALLENGE, &builtin(), &progress(1));
        assert_eq!(ok.progress.map(|p| p.steps_passed), Some(2));
    }

    #[test]
    fn steps_4_and_5_name_an_invisible_character_around_the_json() {
        let good = r#"{"access_token":"x","token_type":"Bearer"}"#;
        let cases = [
            (format!("\u{A0}{good}"), "remove the invisible no-break space (U+00A0) at the start"),
            (format!("{good}\u{200B}\n"), "remove the invisible zero-width space (U+200B) at the end"),
            (
                good.replace(",", ",\n\u{2060}"),
                "remove the invisible word joiner (U+2060) at line 2, column 1",
            ),
        ];
        for step in [Step::TokenResponse, Step::RefreshResponse] {
            for (input, want) in &cases {
                let out = run(step, input, &builtin(), &progress(4));
                assert_eq!(blocking(&out), ["token.json"], "{input:?}");
                let message = &finding(&out, "token.json").message;
                assert!(
                    message.starts_with("That is not valid JSON because of an invisible character:"),
                    "{message}"
                );
                assert!(message.contains(want), "{message}");
                assert_eq!(out.progress, None);
            }
        }
        // Inside a string it is part of a value, for the response check to judge.
        let out = run(Step::TokenResponse, &good.replace("\"x\"", "\"x\u{A0}\""), &builtin(), &progress(3));
        assert!(finding(&out, "token.json").ok, "{:#?}", out.verdict.findings);
        // A leading byte order mark keeps the response check's own message.
        let out = run(Step::TokenResponse, &format!("\u{FEFF}{good}"), &builtin(), &progress(3));
        assert!(finding(&out, "token.json")
            .message
            .starts_with("The text starts with an invisible byte order mark"));
    }

    #[test]
    fn steps_4_and_5_say_to_remove_quotes_around_the_json() {
        let good = r#"{"access_token":"x","token_type":"Bearer"}"#;
        for input in [format!("'{good}'"), format!("\"{good}\""), format!("`\n{good}\n`")] {
            for step in [Step::TokenResponse, Step::RefreshResponse] {
                let out = run(step, &input, &builtin(), &progress(4));
                assert_eq!(blocking(&out), ["token.json"], "{input:?}");
                assert_eq!(
                    finding(&out, "token.json").message,
                    "The response is wrapped in quotes: remove the surrounding quotes, and paste only \
                     the JSON object, from the opening { to the closing }."
                );
            }
        }
        // A JSON string is valid JSON: the response check says what it is.
        let out = run(Step::TokenResponse, "\"{\\\"a\\\":1}\"", &builtin(), &progress(3));
        assert!(!finding(&out, "token.object").ok, "{:#?}", out.verdict.findings);
    }

    #[test]
    fn step_2_without_a_recorded_challenge_asks_to_redo_step_1() {
        let p = Progress { steps_passed: 1, ..Progress::default() };
        let out = run(Step::Challenge, CHALLENGE, &builtin(), &p);
        assert!(finding(&out, "challenge.match").message.contains("step 1"));
        assert!(!out.verdict.passed());
    }

    #[test]
    fn no_input_makes_any_step_panic() {
        let provider = builtin();
        let p = progress(5);
        let facts = Facts { provider: &provider, progress: &p, now: NOW, issued: None, signature: None };
        let mut inputs: Vec<String> = [
            "",
            " ",
            "\u{FEFF}",
            "é",
            "{",
            "}",
            "{}",
            "[]",
            "null",
            "\"\"",
            "=",
            "==",
            "https://",
            "http://[::1",
            "http://127.0.0.1:3000/authorize?é=é&{=}&YOUR_é=éYOUR_",
            "http://127.0.0.1:3000/authorize?state=é{&scope=%FF%FE&code_challenge=%00",
            "{\"error\":null}",
            "{\"access_token\":\"a.b.c\",\"token_type\":1}",
            "{\"access_token\":\"eyJ.eyJ.x\",\"expires_in\":1e999}",
            "{\"expires_in\":-0.0,\"scope\":\"\\u0000\"}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        inputs.push("[".repeat(10_000));
        inputs.push("{\"a\":".repeat(10_000));
        inputs.push(format!("{}{}", "\u{1F600}".repeat(200), "=".repeat(3)));
        for input in &inputs {
            for step in Step::ALL {
                let out = check(step, input, &facts);
                assert!(out.is_ok(), "{step:?}");
            }
        }
    }

    #[test]
    fn every_failure_message_says_how_to_fix_it() {
        // A smoke test over many failing inputs: messages are non-trivial sentences.
        let provider = builtin();
        let inputs = [
            (Step::Verifier, "x"),
            (Step::Challenge, "x"),
            (Step::AuthorizationUrl, "https://evil.example/authorize?response_type=token"),
            (Step::TokenResponse, "{\"token_type\":\"mac\"}"),
            (Step::RefreshResponse, "{\"error\":\"invalid_grant\"}"),
        ];
        for (step, input) in inputs {
            let out = run(step, input, &provider, &progress(4));
            for f in out.verdict.findings.iter().filter(|f| !f.ok) {
                assert!(f.message.len() > 40 && f.message.ends_with('.'), "{}: {}", f.id, f.message);
            }
        }
    }

    #[test]
    fn an_issued_record_from_before_the_whole_issuance_record_still_reads() {
        // As an older server wrote it: without how the client authenticated, the code, the
        // redirect URI, nonce, granted scope, PKCE method, issue time or a code's replay.
        let old = r#"{"client_id":"lab_a","grant":"authorization_code","code_challenge":"c",
            "requested_scope":"openid","refresh_tokens_enabled":false,"revoked":true,
            "refresh_token_sha256":null,"refresh_ancestors":[]}"#;
        let issued: Issued = serde_json::from_str(old).expect("an old record reads");
        assert_eq!((&issued.client_auth, &issued.code_sha256, &issued.redirect_uri), (&None, &None, &None));
        assert_eq!((&issued.nonce_sha256, &issued.granted_scope, &issued.pkce_method), (&None, &None, &None));
        assert_eq!((issued.issued_at, &issued.resource, &issued.audience), (None, &None, &None));
        assert!(
            issued.revoked && !issued.code_redeemed_twice,
            "revoked, not known to be for a replayed code"
        );
        let new = Issued { code_redeemed_twice: true, issued_at: Some(NOW), ..issued };
        let again: Issued = serde_json::from_str(&serde_json::to_string(&new).expect("json")).expect("reads");
        assert_eq!(again, new, "what is written reads back");
    }
}
