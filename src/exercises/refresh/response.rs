//! Steps 4 and 5: a pasted token response, and what step 5 adds about the refresh.
//!
//! No message ever holds a token: only digests are kept, and only member names, short
//! non-secret values (token_type, scope, expires_in) and the server's error text are
//! shown back.

use serde_json::{Map, Value};

use super::{
    show, token_sha256, DecodedJwt, Facts, Issued, IssuedGrant, Provider, SignatureCheck, Step, TokenRecord,
};
use crate::json::{parse_strict, JsonError, MAX_DEPTH};
use crate::oauth::jwt::decode_unverified;
use crate::oauth::{OAuthErrorCode, Scope};
use crate::verdict::Finding;
use crate::work::{self, Counted as _};

/// The longest token response steps 4 and 5 read, in bytes: a real one is a few KB, even
/// with JWTs in it. Longer text gets one `token.json` finding that names the limit.
pub const MAX_RESPONSE_BYTES: usize = 32 * 1024;

/// What checking a response found, and what to keep when it passes.
#[derive(Default)]
pub(super) struct Checked {
    pub findings: Vec<Finding>,
    /// Set when the response held a usable access token.
    pub record: Option<TokenRecord>,
    pub jwt: Option<DecodedJwt>,
}

/// What a token response is for, which decides a few of the words its checks use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// Refresh Tokens' step 4: a code exchange whose refresh token the next step uses.
    CodeForRefresh,
    /// Refresh Tokens' step 5: the refresh_token grant.
    Refresh,
    /// A code exchange that is the exercise's last step (Web Applications' step 5).
    Code,
    /// The client_credentials grant (Machine-to-Machine's step 1).
    ClientCredentials,
}

impl Purpose {
    fn of(step: Step) -> Purpose {
        if step == Step::RefreshResponse {
            Purpose::Refresh
        } else {
            Purpose::CodeForRefresh
        }
    }
}

const PASTE: &str =
    "paste the entire JSON response from the token endpoint, from the opening { to the closing }";

const WHOLE_RESPONSE: &str = "The token endpoint answers with one flat JSON object holding access_token, \
     token_type, expires_in, and usually refresh_token and scope (RFC 6749 §5.1).";

/// Check a response for step 4 or step 5 (which adds the `refresh.*` findings).
pub(super) fn check(step: Step, input: &str, facts: &Facts<'_>) -> Checked {
    let mut out = Checked::default();
    let object = match parse_object(input) {
        Ok(object) => object,
        Err(finding) => {
            out.findings.push(finding);
            return out;
        }
    };
    out.findings.push(Finding::pass("token.json", "The response is a JSON object."));
    if let Some(error) = object.get("error") {
        out.findings.push(error_response(Purpose::of(step), error, object.get("error_description")));
        return out;
    }
    let refreshing = step == Step::RefreshResponse;
    // Step 4's response again: that is all there is to say about it.
    if refreshing && repeats_step_4(&object, facts) {
        out.findings = vec![same_access_token()];
        return out;
    }
    out.findings.push(token_type(object.get("token_type")));
    let (finding, access_token) = access_token(object.get("access_token"), Purpose::of(step));
    out.findings.push(finding);
    out.findings.push(expires_in(object.get("expires_in")));
    let (finding, refresh_token) = refresh_token(object.get("refresh_token"), refreshing, facts);
    out.findings.extend(finding);
    let scope = scope(object.get("scope"), refreshing);
    // The practice server leaves offline_access out of the scope it grants while refresh
    // tokens are off: token.refresh_token says so, and the scope is no second mistake.
    let switched_off = facts.provider.builtin && facts.issued.is_some_and(|i| !i.refresh_tokens_enabled);
    if scope.ok || !switched_off {
        out.findings.push(scope);
    }

    let Some(access_token) = access_token else {
        return out;
    };
    let jwt = decode_unverified(access_token);
    out.findings.extend(jwt_findings(
        jwt.as_ref(),
        Purpose::of(step),
        facts.provider,
        facts.signature,
        facts.now,
    ));
    out.record = Some(TokenRecord {
        access_token_sha256: token_sha256(access_token),
        refresh_token_sha256: refresh_token.map(token_sha256),
        scope: object.get("scope").and_then(Value::as_str).map(str::to_owned),
        sub: jwt.as_ref().and_then(|j| j.claim_str("sub")).map(str::to_owned),
        iat: jwt.as_ref().and_then(|j| j.claim_seconds("iat")),
    });
    out.jwt = jwt.map(|j| DecodedJwt { header: Value::Object(j.header), claims: Value::Object(j.claims) });
    let step4 = facts.progress.token.as_ref();
    if facts.provider.builtin {
        out.findings.extend(issued_findings(step, facts));
    }

    if refreshing {
        if let Some(record) = &out.record {
            out.findings.extend(refresh_findings(record, step4, facts.provider.builtin));
        }
        if !out.findings.iter().any(Finding::is_blocking) {
            out.findings.push(Finding::info("refresh.completed", "You've completed the exercise!"));
        }
    }
    out
}

/// The finding for a pasted response longer than [`MAX_RESPONSE_BYTES`], which is not
/// read any further.
pub(crate) fn too_large(input: &str) -> Option<Finding> {
    (input.len() > MAX_RESPONSE_BYTES).then(|| {
        Finding::fail(
            "token.json",
            format!(
                "The response is longer than {} KiB ({MAX_RESPONSE_BYTES} bytes), the most this \
                 check reads: paste only the JSON response from the token endpoint.",
                MAX_RESPONSE_BYTES / 1024
            ),
        )
        .with_details("A token response is a few KB, even with JWTs in it.")
    })
}

/// The response's access token is step 4's.
fn repeats_step_4(object: &Map<String, Value>, facts: &Facts<'_>) -> bool {
    let pasted = object.get("access_token").and_then(Value::as_str).filter(|t| !t.is_empty());
    pasted
        .zip(facts.progress.token.as_ref())
        .is_some_and(|(t, old)| token_sha256(t) == old.access_token_sha256)
}

fn same_access_token() -> Finding {
    Finding::fail(
        "refresh.new_access_token",
        "That looks like the same access token as before: run the refresh command on this page and \
         paste its new response.",
    )
    .with_details(
        "Step 5 wants the response of the refresh_token grant: POST grant_type=refresh_token and the \
         refresh_token from step 4, with your client credentials, to the token endpoint.",
    )
}

/// A bare token: no spaces or JSON punctuation, token characters only, with a letter.
fn looks_like_a_bare_token(input: &str) -> bool {
    input.len() >= 16
        && input.chars().counted().any(|c| c.is_ascii_alphabetic())
        && input
            .chars()
            .counted()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/' | '='))
}

pub(crate) fn parse_object(input: &str) -> Result<Map<String, Value>, Finding> {
    const ID: &str = "token.json";
    let fail = |message: String| Err(Finding::fail(ID, message));
    if input.is_empty() {
        return fail(format!("Nothing was pasted: {PASTE}."));
    }
    if input.starts_with('\u{FEFF}') {
        return Err(Finding::fail(
            ID,
            "The text starts with an invisible byte order mark (U+FEFF): remove it and check again.",
        )
        .with_details(
            "JSON must not start with one (RFC 8259 §8.1): paste the response as plain text, or save \
             the file as UTF-8 without a byte order mark.",
        ));
    }
    if input.starts_with("HTTP/") {
        return fail(
            "That starts with the HTTP status line and headers: paste only the JSON body, from \
             the opening { to the closing }."
                .to_owned(),
        );
    }
    if input.starts_with("curl ") {
        return fail(
            "That is the curl command, not its output: run it and paste the JSON response it \
             prints."
                .to_owned(),
        );
    }
    if input.starts_with("https://") || input.starts_with("http://") {
        if input.contains("code=") {
            return fail(
                "That is the redirect with the authorization code, not a token response: put the \
                 code into the token command on this page, run it, and paste the JSON it prints."
                    .to_owned(),
            );
        }
        return fail(format!("That is a URL, not a token response: {PASTE}."));
    }
    if looks_like_a_bare_token(input) {
        let what = if input.starts_with("eyJ") { "a JWT" } else { "a token" };
        return Err(Finding::fail(
            ID,
            format!(
                "That looks like just {what}: paste the whole response, not just the access token, \
                 from the opening {{ to the closing }}."
            ),
        )
        .with_details(WHOLE_RESPONSE));
    }
    work::add(input.len());
    if !input.starts_with(['{', '[']) && input.contains("\"access_token\"") {
        return fail(format!("That looks like part of the response: {PASTE}, including both braces."));
    }
    let value = match parse_strict(input) {
        Ok(value) => value,
        Err(JsonError::Empty) => return fail(format!("Nothing was pasted: {PASTE}.")),
        Err(JsonError::Syntax { reason, line, column }) => {
            return fail(format!(
                "That is not valid JSON ({reason} at line {line}, column {column}): {PASTE}, \
                 exactly as the server sent it."
            ))
        }
        Err(JsonError::TooDeep { line, column }) => {
            return Err(Finding::fail(
                ID,
                format!(
                    "That JSON is nested more than {MAX_DEPTH} levels deep (at line {line}, column \
                     {column}): {PASTE}."
                ),
            )
            .with_details(WHOLE_RESPONSE))
        }
        Err(JsonError::DuplicateKey { key, path }) => {
            let inside = if path.is_empty() {
                String::new()
            } else {
                format!(" inside \"{}\"", show(&path.join("."), 60))
            };
            return Err(Finding::fail(
                ID,
                format!(
                    "The member \"{}\" appears twice{inside}: paste the response exactly as the server \
                     sent it, without editing it.",
                    show(&key, 40)
                ),
            )
            .with_details(
                "A token response names each member once: RFC 8259 §4 asks for unique names, and \
                 JSON readers disagree on which copy counts.",
            ));
        }
        Err(e @ JsonError::ByteOrderMark) => return fail(format!("That is not valid JSON: {e}.")),
    };
    let kind = match value {
        Value::Object(object) => return Ok(object),
        Value::String(_) => {
            return Err(Finding::fail(
                "token.object",
                "That is a JSON string, not the response object: paste the whole response, not just \
                 the access token, from the opening { to the closing }.",
            )
            .with_details(WHOLE_RESPONSE))
        }
        Value::Array(_) => "an array",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Null => "null",
    };
    Err(Finding::fail(
        "token.object",
        format!("That JSON is {kind}, but a token response is a JSON object (RFC 6749 §5.1): {PASTE}."),
    ))
}

pub(crate) fn error_response(purpose: Purpose, error: &Value, description: Option<&Value>) -> Finding {
    const ID: &str = "token.error";
    let said = description
        .and_then(Value::as_str)
        .filter(|d| !d.is_empty())
        .map(|d| {
            let end = if d.ends_with(['.', '!', '?']) { "" } else { "." };
            format!("The server said: \"{}\"{end} ", show(d, 200))
        })
        .unwrap_or_default();
    let Some(code) = error.as_str() else {
        return Finding::fail(
            ID,
            "The token endpoint returned an error response, not tokens: fix the request and paste \
             the new response.",
        )
        .with_details(format!("{said}Its error member is not even a string."));
    };
    let Some(known) = OAuthErrorCode::parse(code) else {
        return Finding::fail(
            ID,
            format!(
                "The token endpoint returned the error \"{}\" instead of tokens: read the server's \
                 description and documentation, fix the request, and paste the new response.",
                show(code, 60)
            ),
        )
        .with_details(format!(
            "{said}It is not one of the codes of RFC 6749 §5.2, so it is specific to this server."
        ));
    };
    let (fix, hint) = match (purpose, known) {
        (Purpose::Refresh, OAuthErrorCode::InvalidGrant) => (
            "send the newest refresh_token with grant_type=refresh_token, or redo step 4 for a new one",
            " In a refresh request this usually means the refresh token was already used (a \
             server that rotates refresh tokens accepts each one once), revoked or expired.",
        ),
        (Purpose::CodeForRefresh | Purpose::Code, OAuthErrorCode::InvalidGrant) => (
            "log in again with the Log In link on this page and exchange the new code right away",
            " Codes are single-use and short-lived: exchange each one once, with the verifier from \
             step 1 and the same redirect_uri.",
        ),
        (Purpose::Refresh, OAuthErrorCode::UnauthorizedClient) => (
            "enable the Refresh Token grant (offline access) for the application",
            " For this step, the application must be allowed to refresh.",
        ),
        (Purpose::Refresh, OAuthErrorCode::UnsupportedGrantType) => {
            ("send grant_type=refresh_token", " To refresh, the grant type is refresh_token.")
        }
        (Purpose::CodeForRefresh | Purpose::Code, OAuthErrorCode::UnsupportedGrantType) => (
            "send grant_type=authorization_code",
            " To exchange a code, the grant type is authorization_code.",
        ),
        (Purpose::ClientCredentials, OAuthErrorCode::UnsupportedGrantType) => (
            "send grant_type=client_credentials",
            " A service asks for its own token with the client_credentials grant (RFC 6749 §4.4.2).",
        ),
        (Purpose::ClientCredentials, OAuthErrorCode::UnauthorizedClient) => (
            "use the service client's client_id and secret, the one client allowed this grant",
            " The web and public clients may not use the client_credentials grant.",
        ),
        _ => (known.fix(), ""),
    };
    Finding::fail(
        ID,
        format!("The token endpoint returned {known} instead of tokens: {fix}, then paste the new response."),
    )
    .with_details(format!("{said}{}{hint}", known.explain()))
}

pub(crate) fn token_type(value: Option<&Value>) -> Finding {
    const ID: &str = "token.token_type";
    match value {
        None => Finding::fail(ID, "The response has no token_type: paste the whole response, unedited.")
            .with_details("Every token response includes token_type (RFC 6749 §5.1)."),
        Some(Value::String(t)) if t.eq_ignore_ascii_case("bearer") => {
            Finding::pass(ID, "token_type is Bearer (compared case-insensitively, RFC 6749 §5.1).")
        }
        Some(Value::String(t)) => Finding::fail(
            ID,
            format!(
                "token_type is \"{}\", but this exercise uses Bearer tokens: request an ordinary \
                 access token, without DPoP or another proof-of-possession set-up, and paste that \
                 response.",
                show(t, 30)
            ),
        )
        .with_details("Bearer tokens are the ones RFC 6750 defines: whoever holds one may use it."),
        Some(_) => Finding::fail(
            ID,
            "token_type must be the string \"Bearer\": paste the response exactly as the server \
             sent it.",
        )
        .with_details("RFC 6749 §5.1 defines token_type as a string."),
    }
}

pub(crate) fn access_token(value: Option<&Value>, purpose: Purpose) -> (Finding, Option<&str>) {
    const ID: &str = "token.access_token";
    let grant = match purpose {
        Purpose::Refresh => "refresh_token",
        Purpose::ClientCredentials => "client_credentials",
        Purpose::CodeForRefresh | Purpose::Code => "authorization_code",
    };
    match value {
        None => (
            Finding::fail(
                ID,
                format!(
                    "The response has no access_token: paste the whole response of the token \
                     request with grant_type={grant}."
                ),
            )
            .with_details("Every successful token response holds access_token (RFC 6749 §5.1)."),
            None,
        ),
        Some(Value::String(t)) if t.is_empty() => (
            Finding::fail(ID, "access_token is empty: paste the response exactly as the server sent it."),
            None,
        ),
        Some(Value::String(t)) => (
            Finding::pass(
                ID,
                "access_token is present (this site keeps only its SHA-256 digest, not the token).",
            ),
            Some(t.as_str()),
        ),
        Some(_) => (
            Finding::fail(
                ID,
                "access_token must be a string: paste the response exactly as the server sent it.",
            )
            .with_details("RFC 6749 §5.1 defines access_token as a string."),
            None,
        ),
    }
}

const EXPIRES_IN: &str =
    "RFC 6749 §5.1 defines expires_in as the access token's lifetime in seconds, a number.";

pub(crate) fn expires_in(value: Option<&Value>) -> Finding {
    const ID: &str = "token.expires_in";
    match value {
        None => Finding::info(
            ID,
            "The response has no expires_in, so the client cannot tell when the access token expires.",
        )
        .with_details("That is allowed (RFC 6749 §5.1), but a client then learns it from a failed request."),
        Some(Value::Number(n)) if n.as_f64().is_some_and(|s| s > 0.0) => {
            let unit = if n.as_f64() == Some(1.0) { "second" } else { "seconds" };
            Finding::pass(ID, format!("expires_in is {n} {unit}: the access token's lifetime."))
        }
        Some(Value::Number(n)) => Finding::fail(
            ID,
            format!(
                "expires_in is {n}, but it must be a positive number of seconds: paste the response \
                 exactly as the server sent it."
            ),
        )
        .with_details(EXPIRES_IN),
        Some(Value::String(s)) => {
            let (shown, fix) = if !s.is_empty() && s.len() <= 12 && s.chars().all(|c| c.is_ascii_digit()) {
                (format!("the string \"{s}\""), format!(", {s} without quotes"))
            } else {
                ("a string".to_owned(), String::new())
            };
            Finding::fail(
                ID,
                format!(
                    "expires_in is {shown}, but it must be a JSON number of seconds{fix}: paste the \
                     response unedited."
                ),
            )
            .with_details(format!("{EXPIRES_IN} A server that sends a string does not follow RFC 6749."))
        }
        Some(_) => Finding::fail(
            ID,
            "expires_in must be a positive JSON number of seconds, or left out: paste the response \
             exactly as the server sent it.",
        )
        .with_details(EXPIRES_IN),
    }
}

fn refresh_token<'a>(
    value: Option<&'a Value>,
    refreshing: bool,
    facts: &Facts<'_>,
) -> (Option<Finding>, Option<&'a str>) {
    const ID: &str = "token.refresh_token";
    match value {
        // Step 5: a new refresh token is optional; `refresh.rotation` says what happened.
        None if refreshing => (None, None),
        None if facts.provider.builtin && facts.issued.is_some() => {
            (Some(missing_refresh_token_on_the_practice_server(facts.issued)), None)
        }
        None => {
            let where_ = if facts.provider.builtin {
                "On the practice server, the switch for refresh tokens is at the top of this page."
            } else {
                "Okta: the application's Refresh Token grant type; Auth0: Allow Offline Access on the API."
            };
            (
                Some(
                    Finding::fail(
                        ID,
                        "The response has no refresh_token: enable refresh tokens (offline access) for \
                         the application and request the offline_access scope in step 3, then log in \
                         again and exchange the new code.",
                    )
                    .with_details(where_),
                ),
                None,
            )
        }
        Some(Value::String(t)) if !t.is_empty() => match facts.issued.filter(|_| facts.provider.builtin) {
            // On the built-in server: the refresh token must be the one issued with the
            // access token, not one from another response or made up.
            Some(issued) => match &issued.refresh_token_sha256 {
                Some(digest) if *digest == token_sha256(t) => (
                    Some(Finding::pass(
                        ID,
                        "refresh_token is the one the practice server issued with this access \
                         token (this site keeps only its SHA-256 digest, not the token).",
                    )),
                    Some(t.as_str()),
                ),
                Some(_) => (
                    Some(
                        Finding::fail(
                            ID,
                            "This refresh_token is not the one the practice server issued with this \
                             access token: paste the whole response of one token request, unchanged.",
                        )
                        .with_details("Tokens from different responses were put together."),
                    ),
                    None,
                ),
                None => {
                    let (because, fix, details) = why_no_refresh_token(Some(issued));
                    (
                        Some(
                            Finding::fail(
                                ID,
                                format!(
                                    "The practice server issued no refresh_token with this access \
                                     token, so the one pasted is not its own: it sent none{because}, \
                                     so {fix}."
                                ),
                            )
                            .with_details(details),
                        ),
                        None,
                    )
                }
            },
            None => (
                Some(Finding::pass(
                    ID,
                    "refresh_token is present (this site keeps only its SHA-256 digest, not the token).",
                )),
                Some(t.as_str()),
            ),
        },
        Some(_) => (
            Some(
                Finding::fail(
                    ID,
                    "refresh_token must be a non-empty string: paste the response exactly as the \
                     server sent it.",
                )
                .with_details("RFC 6749 §5.1 defines refresh_token as a string."),
            ),
            None,
        ),
    }
}

fn scope(value: Option<&Value>, refreshing: bool) -> Finding {
    const ID: &str = "token.scope";
    let whose = if refreshing { "The refreshed token's" } else { "The granted" };
    match value {
        None => Finding::info(
            ID,
            "The response has no scope, which means the granted scope is the one requested.",
        )
        .with_details("A token response may leave scope out when it is the one requested (RFC 6749 §5.1)."),
        Some(Value::String(s)) => match Scope::parse(s) {
            Ok(scope) if scope.contains("offline_access") => {
                Finding::pass(ID, format!("{whose} scope includes offline_access."))
            }
            Ok(scope) => Finding::fail(
                ID,
                format!(
                    "{whose} scope (\"{}\") does not include offline_access: request it in the \
                     authorization URL (step 3) and allow offline access for the application, \
                     then log in again.",
                    show(&scope.to_string(), 120)
                ),
            )
            .with_details("Without offline_access the server grants no refresh token."),
            Err(e) => Finding::fail(ID, e.to_string()).with_details(e.details()),
        },
        Some(_) => Finding::fail(
            ID,
            "scope must be a string of scopes separated by spaces: paste the response exactly as \
             the server sent it.",
        )
        .with_details("RFC 6749 §5.1 defines scope as a string."),
    }
}

fn duration(secs: i64) -> String {
    let (n, unit) = match secs {
        s if s < 120 => (s, "second"),
        s if s < 2 * 3600 => (s / 60, "minute"),
        s if s < 2 * 86_400 => (s / 3600, "hour"),
        s => (s / 86_400, "day"),
    };
    crate::verdict::count(u64::try_from(n).unwrap_or(0), unit)
}

/// The findings about an access token that may be a JWT: decoded (info), its signature
/// (when checked), `iss` (when the issuer is known) and whether it expired.
pub(crate) fn jwt_findings(
    jwt: Option<&crate::oauth::jwt::UnverifiedJwt>,
    purpose: Purpose,
    provider: &Provider,
    signature: Option<&SignatureCheck>,
    now: i64,
) -> Vec<Finding> {
    let Some(jwt) = jwt else {
        return vec![Finding::info(
            "token.jwt",
            "The access token is opaque (not a JWT): only the authorization server can read it, \
             which is fine.",
        )
        .with_details("OAuth does not say what an access token looks like.")];
    };
    let alg = jwt.alg().map(|a| format!(" (alg {})", show(a, 20))).unwrap_or_default();
    let shown = if matches!(signature, Some(SignatureCheck::Verified { .. })) {
        "shown decoded"
    } else {
        "shown decoded, but not verified"
    };
    let mut findings = vec![Finding::info(
        "token.jwt",
        format!("The access token is a JWT{alg}: its header and claims are {shown}."),
    )
    .with_details(
        "Anyone holding the token can read them; the API that receives it must check the \
             signature, iss, aud and exp.",
    )];
    findings.extend(signature.map(signature_finding));
    if let Some(issuer) = &provider.issuer {
        findings.push(match jwt.claim_str("iss") {
            Some(iss) if iss == issuer => {
                Finding::pass("token.iss", "iss names the authorization server you logged in with.")
            }
            Some(iss) => Finding::fail(
                "token.iss",
                format!(
                    "iss is \"{}\" but the authorization server is \"{}\": use a token from this \
                     server's token endpoint.",
                    show(iss, 80),
                    show(issuer, 80)
                ),
            )
            .with_details("This token comes from another server."),
            None => Finding::warn(
                "token.iss",
                "The JWT has no iss claim, so an API cannot tell which server issued it: configure \
                 the server to include iss.",
            )
            .with_details("RFC 9068 §2.2 requires iss in JWT access tokens."),
        });
    }
    if let Some(exp) = jwt.claim_seconds("exp").filter(|&exp| exp < now) {
        let ago = duration(now.saturating_sub(exp));
        let message = match purpose {
            Purpose::Refresh => format!(
                "The access token expired {ago} ago: refresh again and paste the new response right away."
            ),
            Purpose::CodeForRefresh => format!("The access token expired {ago} ago, which is what the refresh token is for: step 5 gets a new one."),
            Purpose::Code => format!(
                "The access token expired {ago} ago: an application logs the user in again (or uses a \
                 refresh token) to get a new one."
            ),
            Purpose::ClientCredentials => format!(
                "The access token expired {ago} ago: a service asks for a new one with the client \
                 credentials grant, so run the token request again and paste the new response."
            ),
        };
        // Step 4's tokens may age while the learner reads on; a refresh just made must
        // give a token that can still be used.
        findings.push(
            if purpose == Purpose::Refresh {
                Finding::fail("token.expired", message)
            } else {
                Finding::warn("token.expired", message)
            }
            .with_details("Its exp claim is in the past."),
        );
    }
    findings
}

fn signature_finding(check: &SignatureCheck) -> Finding {
    const ID: &str = "token.signature";
    match check {
        SignatureCheck::Verified { kid } => Finding::pass(
            ID,
            format!("The signature verifies with key {} from the server's JWKS.", show(kid, 40)),
        ),
        SignatureCheck::UnknownKey => Finding::fail(
            ID,
            "The JWT's kid is not among the server's published keys: paste a token this server \
             issued, unchanged.",
        ),
        SignatureCheck::Invalid => Finding::fail(
            ID,
            "The signature does not verify with the server's keys: paste the response exactly as the \
             token endpoint sent it.",
        )
        .with_details("The token was changed after it was issued."),
        SignatureCheck::Unavailable { reason } => Finding::warn(
            ID,
            "The signature was not checked because the server's JWKS could not be read: check again \
             in a moment.",
        )
        .with_details(format!(
            "Reading the JWKS gave \"{}\"; if it persists, check the server's jwks_uri.",
            show(reason, 200)
        )),
    }
}

/// Why the practice server sent no refresh token: it knows which of the two causes.
fn missing_refresh_token_on_the_practice_server(issued: Option<&Issued>) -> Finding {
    let (because, fix, details) = why_no_refresh_token(issued);
    Finding::fail("token.refresh_token", format!("The response has no refresh_token{because}: {fix}."))
        .with_details(details)
}

/// Why the practice server sent no refresh token, to follow "no refresh token"; what to
/// do about it; and the details.
fn why_no_refresh_token(issued: Option<&Issued>) -> (&'static str, &'static str, &'static str) {
    let offline = issued.is_some_and(|i| i.requested_scope.split(' ').any(|s| s == "offline_access"));
    let enabled = issued.is_some_and(|i| i.refresh_tokens_enabled);
    match (offline, enabled) {
        (false, false) => (
            ", for two reasons (refresh tokens are off for your practice application, and the \
             authorization request did not ask for the offline_access scope)",
            "turn refresh tokens on at the top of this page and add offline_access to the scope in \
             step 3, then log in again with the new URL and exchange the new code",
            "The practice server issues a refresh token only to an application that allows them, \
             and only when the authorization request asks for offline_access.",
        ),
        (false, true) => (
            " because the authorization request did not ask for the offline_access scope",
            "add offline_access to the scope in step 3, log in again and exchange the new code",
            "The practice server issues a refresh token only when the authorization request asks \
             for offline_access.",
        ),
        (true, false) => (
            " because refresh tokens are off for your practice application",
            "turn them on at the top of this page, then log in again and exchange a new code",
            "Like Okta and Auth0, the practice server issues refresh tokens only to an application \
             that allows them; the switch is also on the Practice app page.",
        ),
        (true, true) => (
            "",
            "log in again with the URL from step 3 and exchange the new code",
            "A refresh that asks for a narrower scope without offline_access gets none.",
        ),
    }
}

/// On the built-in server: was the pasted token really issued, to this learner's
/// application, in the way this step asks for?
fn issued_findings(step: Step, facts: &Facts<'_>) -> Vec<Finding> {
    const ID: &str = "token.issued";
    let Some(issued) = facts.issued else {
        return vec![Finding::fail(
            ID,
            "The practice server never issued this access token: paste \
             the response exactly as the practice server's token endpoint sent it.",
        )];
    };
    if facts.provider.client_id.as_deref() != Some(issued.client_id.as_str()) {
        return vec![Finding::fail(
            ID,
            "This token was issued to another application: use your own client_id and client \
             secret, as the command on this page does.",
        )];
    }
    if issued.revoked {
        let (when, redo) = match step {
            Step::RefreshResponse => (
                "a refresh token from the same login was used twice (this server rotates them, \
                 and a reused one looks like theft)",
                "start again from step 4 with a new login, then refresh once with the newest \
                 refresh_token",
            ),
            _ => (
                "its authorization code was used twice (each code works once)",
                "log in again with the Log In link on this page and exchange the new code once",
            ),
        };
        return vec![Finding::fail(ID, format!("The practice server revoked this token: {redo}."))
            .with_details(format!(
                "It revokes every token from the same login (RFC 9700 §4.14) when {when}, or when a \
                 token was revoked at the revocation endpoint."
            ))];
    }
    let mut findings = Vec::new();
    match step {
        Step::TokenResponse => {
            if issued.grant != IssuedGrant::AuthorizationCode {
                let from = match issued.grant {
                    IssuedGrant::ClientCredentials => "the client_credentials grant",
                    _ => "a refresh",
                };
                findings.push(Finding::fail(
                    ID,
                    format!(
                        "This response came from {from}, not from the authorization code \
                         exchange: paste the response of the grant_type=authorization_code request."
                    ),
                ));
            } else if facts.progress.challenge.as_deref() != Some(issued.code_challenge.as_str()) {
                findings.push(Finding::fail(
                    ID,
                    "This token comes from an authorization request whose code_challenge is not \
                     the one from your verifier in step 1: log in with the URL from step 3 and \
                     exchange that code, with that verifier.",
                ));
            } else {
                findings.push(Finding::pass(
                    ID,
                    "The practice server issued this token to your application, from a code \
                     whose challenge matches your verifier.",
                ));
            }
        }
        Step::RefreshResponse => {
            let step4_refresh = facts.progress.token.as_ref().and_then(|t| t.refresh_token_sha256.as_deref());
            if issued.grant != IssuedGrant::RefreshToken {
                findings.push(Finding::fail(
                    "refresh.grant",
                    "This token came from another authorization code exchange, not from the \
                     refresh token: run the refresh command on this page with the refresh_token \
                     from step 4 and paste its response.",
                ));
            } else if !step4_refresh.is_some_and(|r| issued.refresh_ancestors.iter().any(|a| a == r)) {
                findings.push(Finding::fail(
                    "refresh.grant",
                    "This token was refreshed from a refresh token that is not the one from \
                     step 4: use step 4's refresh_token (or check step 4 again with the \
                     response you are refreshing from).",
                ));
            } else {
                findings.push(Finding::pass(
                    "refresh.grant",
                    "The practice server issued this token from the refresh_token grant with \
                     step 4's refresh token.",
                ));
            }
        }
        _ => {}
    }
    findings
}

/// Step 5: compare with step 4's token. On the built-in server, where `refresh.grant`
/// proves the refresh, the JWT claims are not compared.
fn refresh_findings(new: &TokenRecord, old: Option<&TokenRecord>, builtin: bool) -> Vec<Finding> {
    let Some(old) = old else {
        return vec![Finding::fail(
            "refresh.new_access_token",
            "There is no token response from step 4 on record to compare with: check step 4 \
             again, then come back to this step.",
        )];
    };
    let mut findings = Vec::new();
    findings.push(if new.access_token_sha256 == old.access_token_sha256 {
        same_access_token()
    } else {
        Finding::pass("refresh.new_access_token", "This is a new access token, not step 4's.")
    });
    findings.push(Finding::info(
        "refresh.rotation",
        match (&new.refresh_token_sha256, &old.refresh_token_sha256) {
            (None, _) => {
                "The server did not send a new refresh token, so it does not rotate them: keep \
                 using the one from step 4 for the next refresh."
            }
            (Some(n), Some(o)) if n == o => {
                "The server sent back the same refresh token (it was not rotated): keep using it \
                 for the next refresh."
            }
            (Some(_), _) => {
                "The server rotated the refresh token: use the new one in this response for the next \
                 refresh, and discard the old one, which the server may have revoked (RFC 6749 §6)."
            }
        },
    ));
    if builtin {
        return findings;
    }
    if let (Some(n), Some(o)) = (&new.sub, &old.sub) {
        findings.push(if n == o {
            Finding::pass("refresh.sub", "The new access token is for the same user (sub) as step 4's.")
        } else {
            Finding::fail(
                "refresh.sub",
                "The new access token is for a different user than step 4's (its sub differs): \
                 use the refresh token from step 4 instead of logging in again as someone else.",
            )
        });
    }
    if let (Some(n), Some(o)) = (new.iat, old.iat) {
        findings.push(match n.cmp(&o) {
            std::cmp::Ordering::Greater => {
                Finding::pass("refresh.iat", "The new access token was issued after step 4's (iat).")
            }
            // iat counts whole seconds: a refresh scripted right after the exchange may
            // share its second.
            std::cmp::Ordering::Equal => Finding::warn(
                "refresh.iat",
                "The new access token's iat is the same second as step 4's: make sure you pasted the \
                 response of the refresh request.",
            )
            .with_details("That happens when the refresh runs right after the exchange."),
            std::cmp::Ordering::Less => Finding::fail(
                "refresh.iat",
                "The new access token was issued before step 4's (its iat is earlier): send the \
                 refresh_token grant with the refresh token from step 4 and paste that response.",
            )
            .with_details("So it is not the result of refreshing step 4's token."),
        });
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{Outcome, Progress, Provider, Step, TokenRecord};
    use crate::verdict::Level;

    const ACCESS: &str = "opaque-access-token-value-1234567890";
    const REFRESH: &str = "opaque-refresh-token-value-0987654321";

    fn response(access: &str, refresh: Option<&str>) -> String {
        let refresh = refresh.map(|r| format!(r#","refresh_token":"{r}""#)).unwrap_or_default();
        format!(
            r#"{{"token_type":"Bearer","expires_in":3600,"access_token":"{access}","scope":"openid offline_access"{refresh}}}"#
        )
    }

    // The response checks every server gets; the built-in server's extra checks on
    // what it issued are tested in `issued_tests`.
    fn step4(input: &str) -> Outcome {
        run(Step::TokenResponse, input, &okta(), &progress(3))
    }

    fn step5(input: &str) -> Outcome {
        run(Step::RefreshResponse, input, &okta(), &progress(4))
    }

    /// No message may hold a token from the input.
    fn assert_no_secrets(out: &Outcome, secrets: &[&str]) {
        for f in &out.verdict.findings {
            for s in secrets {
                assert!(!said(f).contains(s), "{} repeats a secret: {}", f.id, said(f));
            }
        }
    }

    #[test]
    fn a_complete_token_response_passes_and_keeps_only_digests() {
        let out = step4(&format!("\n{}\n", response(ACCESS, Some(REFRESH))));
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        let p = out.progress.clone().expect("passed");
        assert_eq!(p.steps_passed, 4);
        assert_eq!(
            p.token,
            Some(TokenRecord {
                access_token_sha256: super::token_sha256(ACCESS),
                refresh_token_sha256: Some(super::token_sha256(REFRESH)),
                scope: Some("openid offline_access".into()),
                sub: None,
                iat: None,
            })
        );
        assert_eq!(p.refreshed, None);
        let stored = serde_json::to_string(&p).unwrap_or_default();
        assert!(!stored.contains(ACCESS) && !stored.contains(REFRESH));
        assert!(finding(&out, "token.jwt").message.contains("opaque"));
        assert_eq!(out.jwt, None);
        assert_no_secrets(&out, &[ACCESS, REFRESH]);
    }

    /// A response padded with spaces inside the object, to `len` bytes in all.
    fn padded(len: usize) -> String {
        let good = response(ACCESS, Some(REFRESH));
        format!("{{{}{}", " ".repeat(len - good.len()), &good[1..])
    }

    #[test]
    fn a_response_over_32_kib_gets_one_finding_that_names_the_limit() {
        assert_eq!(super::MAX_RESPONSE_BYTES, 32 * 1024);
        let at_limit = padded(super::MAX_RESPONSE_BYTES);
        assert!(step4(&at_limit).verdict.passed(), "at the limit, the response is read");
        assert_eq!(crate::exercises::refresh::pasted_access_token(&at_limit).as_deref(), Some(ACCESS));

        let over = padded(super::MAX_RESPONSE_BYTES + 1);
        // Outer whitespace is trimmed first, so it never counts.
        assert!(step4(&format!("\n{at_limit}\n ")).verdict.passed());
        for out in [step4(&over), step5(&over), step4(&"x".repeat(1 << 20))] {
            assert_eq!(out.verdict.findings.len(), 1, "{:#?}", out.verdict.findings);
            let f = finding(&out, "token.json");
            assert!(
                !f.ok
                    && f.message.starts_with(
                        "The response is longer than 32 KiB (32768 bytes), the most this check reads"
                    ),
                "{}",
                f.message
            );
            assert_eq!(out.progress, None);
        }
        // The site does not look the token up either.
        assert_eq!(crate::exercises::refresh::pasted_access_token(&over), None);
    }

    #[test]
    fn nesting_past_the_depth_limit_is_named_with_its_value() {
        assert_eq!(crate::json::MAX_DEPTH, 128);
        let within = format!("{}{}", "[".repeat(127), "]".repeat(127));
        assert!(crate::json::parse_strict(&within).is_ok());
        let over = format!("{}{}", "[".repeat(128), "]".repeat(128));
        assert!(matches!(crate::json::parse_strict(&over), Err(crate::json::JsonError::TooDeep { .. })));
        let out = step4(&format!("{{\"a\":{over}}}"));
        let message = &finding(&out, "token.json").message;
        assert!(message.contains("nested more than 128 levels deep"), "{message}");
    }

    #[test]
    fn expires_in_reads_as_english() {
        for (value, says) in [(1, "expires_in is 1 second:"), (3600, "expires_in is 3600 seconds:")] {
            let f = super::expires_in(Some(&serde_json::json!(value)));
            assert!(f.ok && f.message.starts_with(says), "{}", f.message);
        }
    }

    #[test]
    fn token_type_is_compared_case_insensitively() {
        for t in ["bearer", "BEARER", "Bearer"] {
            let out = step4(&response(ACCESS, Some(REFRESH)).replace("Bearer", t));
            assert!(out.verdict.passed(), "{t}");
        }
    }

    /// Each bad response fails exactly one finding, whose message contains the text.
    #[test]
    fn bad_token_responses_fail_with_a_message_that_names_the_fix() {
        let good = response(ACCESS, Some(REFRESH));
        let deep = "[".repeat(10_000);
        let cases: Vec<(&str, String, &str, &str)> = vec![
            ("nothing", String::new(), "token.json", "Nothing was pasted"),
            (
                "missing refresh_token",
                response(ACCESS, None),
                "token.refresh_token",
                "enable refresh tokens (offline access) for the application and request the \
                 offline_access scope in step 3",
            ),
            (
                "only the access token",
                ACCESS.into(),
                "token.json",
                "paste the whole response, not just the access token",
            ),
            (
                "only a JWT access token",
                jwt(r#"{"alg":"RS256"}"#, r#"{"sub":"u"}"#),
                "token.json",
                "That looks like just a JWT: paste the whole response, not just the access token",
            ),
            (
                "the access token as a JSON string",
                format!("\"{ACCESS}\""),
                "token.object",
                "paste the whole response, not just the access token",
            ),
            (
                "a fragment without braces",
                format!(r#""access_token": "{ACCESS}", "token_type": "Bearer""#),
                "token.json",
                "including both braces",
            ),
            (
                "an error response",
                r#"{"error":"invalid_grant","error_description":"The code has expired."}"#.into(),
                "token.error",
                "already used",
            ),
            (
                "an unknown error",
                r#"{"error":"login_required"}"#.into(),
                "token.error",
                "The token endpoint returned the error \"login_required\"",
            ),
            (
                "expires_in as a string",
                good.replace("3600", "\"3600\""),
                "token.expires_in",
                "expires_in is the string \"3600\", but it must be a JSON number of seconds, \
                 3600 without quotes: paste the response unedited.",
            ),
            ("expires_in zero", good.replace("3600", "0"), "token.expires_in", "positive"),
            ("expires_in negative", good.replace("3600", "-5"), "token.expires_in", "positive"),
            ("a byte order mark", format!("\u{FEFF}{good}"), "token.json", "remove it"),
            (
                "a duplicate key",
                good.replace(r#""scope""#, r#""access_token":"x","scope""#),
                "token.json",
                "The member \"access_token\" appears twice",
            ),
            (
                "10 000 levels of nesting",
                deep.clone(),
                "token.json",
                "That JSON is nested more than 128 levels deep",
            ),
            (
                "5 000 levels of nested objects (within the size limit)",
                "{\"a\":".repeat(5_000),
                "token.json",
                "nested more than 128 levels deep",
            ),
            (
                "truncated JSON",
                good[..good.len() - 1].to_owned(),
                "token.json",
                "That is not valid JSON (EOF while parsing an object at line 1, column",
            ),
            ("an array", format!("[{good}]"), "token.object", "That JSON is an array"),
            ("a number", "42".into(), "token.object", "That JSON is a number"),
            (
                "HTTP headers",
                format!("HTTP/1.1 200 OK\nContent-Type: application/json\n\n{good}"),
                "token.json",
                "paste only the JSON body",
            ),
            (
                "the redirect URL",
                "http://127.0.0.1:3000/redirect?code=abc&state=xyz".into(),
                "token.json",
                "put the code into the token command on this page",
            ),
            (
                "the curl command",
                "curl -X POST http://127.0.0.1:3000/token -d grant_type=authorization_code".into(),
                "token.json",
                "run it and paste the JSON response",
            ),
            (
                "a MAC token",
                good.replace("Bearer", "mac"),
                "token.token_type",
                "token_type is \"mac\", but this exercise uses Bearer tokens",
            ),
            (
                "no token_type",
                good.replace(r#""token_type":"Bearer","#, ""),
                "token.token_type",
                "has no token_type",
            ),
            (
                "no access_token",
                good.replace(&format!(r#""access_token":"{ACCESS}","#), ""),
                "token.access_token",
                "has no access_token",
            ),
            (
                "an empty access_token",
                good.replace(ACCESS, ""),
                "token.access_token",
                "access_token is empty",
            ),
            (
                "a numeric access_token",
                good.replace(&format!("\"{ACCESS}\""), "12"),
                "token.access_token",
                "must be a string",
            ),
            (
                "a scope without offline_access",
                good.replace("openid offline_access", "openid profile"),
                "token.scope",
                "The granted scope (\"openid profile\") does not include offline_access",
            ),
            ("an empty refresh_token", good.replace(REFRESH, ""), "token.refresh_token", "non-empty string"),
        ];
        for (what, input, id, text) in cases {
            let out = step4(&input);
            assert_eq!(blocking(&out), [id], "{what}: {:#?}", out.verdict.findings);
            let message = said(finding(&out, id));
            assert!(message.contains(text), "{what}: {message}");
            assert_eq!(out.progress, None, "{what}");
            assert_no_secrets(&out, &[ACCESS, REFRESH]);
        }
    }

    #[test]
    fn every_oauth_error_is_explained_in_step_4_and_step_5() {
        for code in crate::oauth::OAuthErrorCode::ALL {
            let input = format!(r#"{{"error":"{code}"}}"#);
            for out in [step4(&input), step5(&input)] {
                assert_eq!(blocking(&out), ["token.error"]);
                let f = finding(&out, "token.error");
                assert!(f.details.as_deref().is_some_and(|d| d.contains(code.explain())), "{f:?}");
                assert!(f
                    .message
                    .starts_with(&format!("The token endpoint returned {code} instead of tokens: ")));
            }
        }
        let out = step5(r#"{"error":"invalid_grant"}"#);
        assert!(
            finding(&out, "token.error").message.contains("use the newest refresh_token")
                || finding(&out, "token.error").message.contains("send the newest refresh_token")
        );
        let out = step4(r#"{"error":{"code":1}}"#);
        assert!(said(finding(&out, "token.error")).contains("not even a string"));
        // The server's own words come first in the details, quoted.
        let out = step4(r#"{"error":"invalid_grant","error_description":"Code expired. Log in again"}"#);
        let details = finding(&out, "token.error").details.clone().unwrap_or_default();
        assert!(
            details.starts_with("The server said: \"Code expired. Log in again\". invalid_grant:"),
            "{details}"
        );
        // The masked command run as shown fails client authentication: say where the
        // working one is.
        let out = step4(r#"{"error":"invalid_client","error_description":"Client authentication failed."}"#);
        let message = &finding(&out, "token.error").message;
        assert!(message.contains("Copy button") && message.contains("real secret"), "{message}");
    }

    #[test]
    fn a_jwt_access_token_is_decoded_and_its_claims_recorded() {
        let token = jwt(
            r#"{"alg":"RS256","kid":"k1"}"#,
            &format!(r#"{{"sub":"user-1","iat":{},"exp":{}}}"#, NOW - 60, NOW + 3540),
        );
        let out = step4(&response(&token, Some(REFRESH)));
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        let jwt = out.jwt.clone().expect("decoded");
        assert_eq!(jwt.header["kid"], "k1");
        assert_eq!(jwt.claims["sub"], "user-1");
        let f = finding(&out, "token.jwt");
        assert!(f.ok && f.level == Level::Info && f.message.contains("a JWT (alg RS256)"));
        assert_eq!(out.verdict.find("token.expired"), None);
        let record = out.progress.and_then(|p| p.token).expect("recorded");
        assert_eq!((record.sub.as_deref(), record.iat), (Some("user-1"), Some(NOW - 60)));
        assert_no_secrets(&step4(&response(&token, Some(REFRESH))), &[&token]);
    }

    #[test]
    fn an_expired_jwt_is_a_warning() {
        let token = jwt(r#"{"alg":"RS256"}"#, &format!(r#"{{"exp":{}}}"#, NOW - 7200));
        let out = step4(&response(&token, Some(REFRESH)));
        assert!(out.verdict.passed());
        let f = finding(&out, "token.expired");
        assert_eq!(f.level, Level::Warning);
        assert!(f.message.contains("expired 2 hours ago"), "{}", f.message);
    }

    #[test]
    fn an_expired_jwt_fails_step_5() {
        let token = jwt(r#"{"alg":"RS256"}"#, &format!(r#"{{"exp":{}}}"#, NOW - 90));
        let out = step5(&response(&token, None));
        assert_eq!(blocking(&out), ["token.expired"]);
        let message = &finding(&out, "token.expired").message;
        assert!(message.contains("refresh again and paste the new response right away"), "{message}");
    }

    #[test]
    fn re_passing_step_4_clears_step_5() {
        let out = run(Step::TokenResponse, &response(ACCESS, Some(REFRESH)), &okta(), &progress(5));
        let p = out.progress.expect("passed");
        assert_eq!((p.steps_passed, p.refreshed), (4, None));
        assert!(p.authorization_url.is_some() && p.challenge.is_some());
    }

    #[test]
    fn a_refresh_response_completes_the_exercise() {
        let out = step5(&response("access-two-new-000000000000", None));
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        assert_eq!(finding(&out, "refresh.completed").message, "You've completed the exercise!");
        assert!(finding(&out, "refresh.rotation").message.contains("did not send a new refresh token"));
        assert_eq!(out.verdict.find("token.refresh_token"), None, "optional in step 5");
        let p = out.progress.expect("passed");
        assert_eq!(p.steps_passed, 5);
        assert_eq!(p.token, progress(4).token, "step 4's record stays");
        assert_eq!(
            p.refreshed.map(|r| r.access_token_sha256),
            Some(super::token_sha256("access-two-new-000000000000"))
        );
    }

    #[test]
    fn step_5_says_whether_the_refresh_token_was_rotated() {
        let cases = [
            (None, "did not send a new refresh token"),
            (Some("refresh-one"), "same refresh token"),
            (Some("refresh-two"), "rotated the refresh token"),
        ];
        for (refresh, want) in cases {
            let out = step5(&response("access-two-new-000000000000", refresh));
            let f = finding(&out, "refresh.rotation");
            assert!(f.ok && f.level == Level::Info && f.message.contains(want), "{}", f.message);
        }
    }

    #[test]
    fn the_same_access_token_in_step_5_fails() {
        let out = step5(&response("access-one-aaaaaaaaaaaa", Some("refresh-two")));
        assert_eq!(blocking(&out), ["refresh.new_access_token"]);
        assert_eq!(
            finding(&out, "refresh.new_access_token").message,
            "That looks like the same access token as before: run the refresh command on this page and \
             paste its new response."
        );
        assert_eq!(out.verdict.find("refresh.completed"), None);
        assert_eq!(out.progress, None);
    }

    #[test]
    fn step_5_compares_sub_and_iat_of_jwts() {
        let token =
            |sub: &str, iat: i64| jwt(r#"{"alg":"RS256"}"#, &format!(r#"{{"sub":"{sub}","iat":{iat}}}"#));
        let mut p = progress(4);
        if let Some(t) = p.token.as_mut() {
            t.sub = Some("user-1".into());
            t.iat = Some(NOW - 600);
        }
        let check = |input: String| run(Step::RefreshResponse, &input, &okta(), &p);

        let out = check(response(&token("user-1", NOW), None));
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        assert!(finding(&out, "refresh.sub").ok && finding(&out, "refresh.iat").ok);

        let out = check(response(&token("user-2", NOW), None));
        assert_eq!(blocking(&out), ["refresh.sub"]);
        assert!(!finding(&out, "refresh.sub").message.contains("user-2"));

        let out = check(response(&token("user-1", NOW - 600), None));
        assert!(out.verdict.passed());
        assert_eq!(finding(&out, "refresh.iat").level, Level::Warning);
        assert!(finding(&out, "refresh.iat").message.contains("same second"));
        assert!(out.verdict.find("refresh.completed").is_some());

        let out = check(response(&token("user-1", NOW - 601), None));
        assert_eq!(blocking(&out), ["refresh.iat"]);
        assert!(finding(&out, "refresh.iat").message.contains("issued before step 4's"));
        assert_eq!(out.progress, None);
    }

    #[test]
    fn step_5_without_a_step_4_record_asks_to_redo_step_4() {
        let p = Progress { token: None, ..progress(4) };
        let out = run(Step::RefreshResponse, &response("new-access-token-0000", None), &okta(), &p);
        assert_eq!(blocking(&out), ["refresh.new_access_token"]);
        assert!(finding(&out, "refresh.new_access_token").message.contains("step 4"));
    }

    #[test]
    fn a_missing_refresh_token_on_another_server_names_its_setting() {
        let provider = Provider { builtin: false, ..okta() };
        let out = run(Step::TokenResponse, &response(ACCESS, None), &provider, &progress(3));
        let message = said(finding(&out, "token.refresh_token"));
        assert!(message.contains("Refresh Token grant type") && message.contains("Allow Offline Access"));
        assert!(message.contains("request the offline_access scope"));
    }
}

#[cfg(test)]
mod issued_tests {
    use super::super::test_support::*;
    use super::super::{check, token_sha256, Facts, Issued, IssuedGrant, Outcome, Progress, Step};
    use crate::verdict::Level;

    const RESPONSE: &str = r#"{"token_type":"Bearer","expires_in":900,"access_token":"at-1","refresh_token":"rt-1","scope":"offline_access"}"#;
    const REFRESHED: &str = r#"{"token_type":"Bearer","expires_in":900,"access_token":"at-2","refresh_token":"rt-2","scope":"offline_access"}"#;

    fn issued(grant: IssuedGrant) -> Issued {
        Issued {
            client_id: builtin().client_id.unwrap_or_default(),
            grant,
            code_challenge: progress(3).challenge.unwrap_or_default(),
            requested_scope: "openid offline_access".into(),
            refresh_tokens_enabled: true,
            revoked: false,
            refresh_token_sha256: Some(token_sha256("rt-1")),
            refresh_ancestors: vec![],
            client_auth: Some("client_secret_basic".into()),
            code_sha256: None,
            redirect_uri: None,
            nonce_sha256: None,
            granted_scope: None,
            pkce_method: None,
            issued_at: None,
            code_redeemed_twice: false,
            resource: None,
            audience: None,
        }
    }

    fn run_with(step: Step, input: &str, progress: &Progress, issued: Option<&Issued>) -> Outcome {
        let provider = builtin();
        let facts = Facts { provider: &provider, progress, now: NOW, issued, signature: None };
        check(step, input, &facts).expect("unlocked")
    }

    fn step5_progress() -> Progress {
        let mut p = progress(4);
        p.token = Some(record("at-1", Some("rt-1")));
        p
    }

    #[test]
    fn step_4_passes_only_for_a_token_the_practice_server_issued_from_this_challenge() {
        let ok = issued(IssuedGrant::AuthorizationCode);
        let mut other_client = ok.clone();
        other_client.client_id = "someone-else".into();
        let mut other_challenge = ok.clone();
        other_challenge.code_challenge =
            crate::pkce::challenge_s256("another-verifier-another-verifier-0123456789");
        let refreshed = issued(IssuedGrant::RefreshToken);
        let cases: [(Option<&Issued>, bool, &str); 5] = [
            (Some(&ok), true, "to your application"),
            (None, false, "never issued"),
            (Some(&other_client), false, "another application"),
            (Some(&other_challenge), false, "code_challenge"),
            (Some(&refreshed), false, "from a refresh"),
        ];
        for (issued, passes, says) in cases {
            let out = run_with(Step::TokenResponse, RESPONSE, &progress(3), issued);
            assert_eq!(out.verdict.passed(), passes, "{issued:?}");
            let f = out.verdict.find("token.issued").expect("token.issued");
            assert!(f.message.contains(says), "{}", f.message);
        }
    }

    #[test]
    fn the_refresh_token_must_be_the_one_issued_with_the_access_token() {
        let ok = issued(IssuedGrant::AuthorizationCode);
        let mut another = ok.clone();
        another.refresh_token_sha256 = Some(token_sha256("rt-from-another-login"));
        let mut none = ok.clone();
        none.refresh_token_sha256 = None;
        none.refresh_tokens_enabled = false;
        let cases: [(&Issued, bool, &str); 3] = [
            (&ok, true, "the one the practice server issued with this access token"),
            (&another, false, "Tokens from different responses"),
            (&none, false, "not its own: it sent none because refresh tokens are off"),
        ];
        for (issued, passes, says) in cases {
            for (step, progress, input) in [
                (Step::TokenResponse, progress(3), RESPONSE.to_owned()),
                (Step::RefreshResponse, step5_progress(), RESPONSE.replace("at-1", "at-2")),
            ] {
                let mut issued = issued.clone();
                if step == Step::RefreshResponse {
                    issued.grant = IssuedGrant::RefreshToken;
                    issued.refresh_ancestors = vec![token_sha256("rt-1")];
                }
                let out = run_with(step, &input, &progress, Some(&issued));
                let f = out.verdict.find("token.refresh_token").expect("token.refresh_token");
                assert_eq!((f.ok, out.verdict.passed()), (passes, passes), "{step:?} {issued:?}");
                assert!(said(f).contains(says), "{}", said(f));
            }
        }
    }

    #[test]
    fn a_revoked_token_passes_neither_step_and_the_message_says_why() {
        let mut code = issued(IssuedGrant::AuthorizationCode);
        code.revoked = true;
        let out = run_with(Step::TokenResponse, RESPONSE, &progress(3), Some(&code));
        assert!(!out.verdict.passed());
        let f = out.verdict.find("token.issued").expect("token.issued");
        assert!(said(f).contains("authorization code was used twice"), "{}", said(f));
        let mut refreshed = issued(IssuedGrant::RefreshToken);
        refreshed.revoked = true;
        refreshed.refresh_token_sha256 = Some(token_sha256("rt-2"));
        refreshed.refresh_ancestors = vec![token_sha256("rt-1")];
        let out = run_with(Step::RefreshResponse, REFRESHED, &step5_progress(), Some(&refreshed));
        assert!(!out.verdict.passed());
        let f = out.verdict.find("token.issued").expect("token.issued");
        assert!(said(f).contains("refresh token from the same login was used twice"), "{}", said(f));
    }

    #[test]
    fn step_4s_response_pasted_again_in_step_5_is_told_only_that_it_is_the_same_token() {
        let step4 = issued(IssuedGrant::AuthorizationCode);
        let out = run_with(Step::RefreshResponse, RESPONSE, &step5_progress(), Some(&step4));
        assert!(!out.verdict.passed());
        let same = out.verdict.find("refresh.new_access_token").expect("refresh.new_access_token");
        assert!(!same.ok && same.message.contains("same access token as before"), "{}", same.message);
        assert!(out.verdict.find("refresh.grant").is_none(), "no second, contradicting reason");
        assert_eq!(out.verdict.findings.len(), 1, "{:#?}", out.verdict.findings);
    }

    /// Step 4's response pasted again in step 5, on any server, and however it has aged:
    /// the one finding is that it is the same response, with no advice that only follows
    /// from it (its token expired, it came from a code exchange, its refresh token...).
    #[test]
    fn step_4s_response_again_in_step_5_gets_only_the_same_response_finding() {
        let expired = jwt(
            r#"{"alg":"ES256","kid":"k1"}"#,
            &format!(r#"{{"sub":"s","iat":{},"exp":{}}}"#, NOW - 7200, NOW - 6300),
        );
        let body = format!(
            r#"{{"token_type":"Bearer","expires_in":900,"access_token":"{expired}","refresh_token":"rt-1","scope":"openid"}}"#
        );
        let mut p = step5_progress();
        p.token = Some(record(&expired, Some("rt-1")));
        let step4 = issued(IssuedGrant::AuthorizationCode);
        for (provider, issued) in [(builtin(), Some(&step4)), (builtin(), None), (okta(), None)] {
            let facts = Facts { provider: &provider, progress: &p, now: NOW, issued, signature: None };
            let out = check(Step::RefreshResponse, &body, &facts).expect("unlocked");
            let ids: Vec<_> = out.verdict.findings.iter().map(|f| f.id.as_str()).collect();
            assert_eq!(ids, ["refresh.new_access_token"], "{:#?}", out.verdict.findings);
            assert!(!out.verdict.passed() && out.progress.is_none());
        }
        // Not step 4's token: the response is judged in full.
        let other = body.replace(&expired, "at-other");
        let facts = Facts { provider: &okta(), progress: &p, now: NOW, issued: None, signature: None };
        let out = check(Step::RefreshResponse, &other, &facts).expect("unlocked");
        assert!(out.verdict.find("token.scope").is_some_and(|f| !f.ok), "{:#?}", out.verdict.findings);
    }

    #[test]
    fn on_the_practice_server_a_proven_refresh_is_not_second_guessed_by_its_claims() {
        let token = |jti: &str| {
            jwt(r#"{"alg":"ES256","kid":"k1"}"#, &format!(r#"{{"sub":"s","iat":{NOW},"jti":"{jti}"}}"#))
        };
        let body = |t: &str, rt: &str| {
            format!(
                r#"{{"token_type":"Bearer","expires_in":900,"access_token":"{t}","refresh_token":"{rt}","scope":"offline_access"}}"#
            )
        };
        let (old, new) = (token("one"), token("two"));
        let step4 = run_with(
            Step::TokenResponse,
            &body(&old, "rt-1"),
            &progress(3),
            Some(&issued(IssuedGrant::AuthorizationCode)),
        );
        let progress = step4.progress.expect("step 4 passes");
        assert!(progress.token.as_ref().is_some_and(|t| t.iat == Some(NOW)));
        let mut refreshed = issued(IssuedGrant::RefreshToken);
        refreshed.refresh_token_sha256 = Some(token_sha256("rt-2"));
        refreshed.refresh_ancestors = vec![token_sha256("rt-1")];
        let out = run_with(Step::RefreshResponse, &body(&new, "rt-2"), &progress, Some(&refreshed));
        assert!(out.verdict.passed(), "{:?}", out.verdict);
        assert!(out.verdict.find("refresh.grant").is_some_and(|f| f.ok));
        assert!(out.verdict.find("refresh.iat").is_none(), "the same second is no cause for doubt here");
    }

    #[test]
    fn the_jwt_note_does_not_call_a_verified_token_unverified() {
        use super::super::SignatureCheck;
        let token = jwt(r#"{"alg":"ES256","kid":"k1"}"#, r#"{"sub":"s"}"#);
        let body = format!(
            r#"{{"token_type":"Bearer","expires_in":900,"access_token":"{token}","refresh_token":"rt-1","scope":"offline_access"}}"#
        );
        let ok = issued(IssuedGrant::AuthorizationCode);
        for (signature, says_unverified) in
            [(Some(SignatureCheck::Verified { kid: "k1".into() }), false), (None, true)]
        {
            let facts = Facts {
                provider: &builtin(),
                progress: &progress(3),
                now: NOW,
                issued: Some(&ok),
                signature: signature.as_ref(),
            };
            let out = check(Step::TokenResponse, &body, &facts).expect("unlocked");
            let note = out.verdict.find("token.jwt").expect("token.jwt");
            assert_eq!(note.message.contains("not verified"), says_unverified, "{}", note.message);
        }
    }

    #[test]
    fn a_missing_refresh_token_names_which_of_the_two_causes_it_is() {
        let no_rt = r#"{"token_type":"Bearer","expires_in":900,"access_token":"at-1","scope":"openid"}"#;
        let cases = [
            ("openid", true, "did not ask for the offline_access scope"),
            ("openid offline_access", false, "refresh tokens are off"),
            ("openid", false, "two reasons"),
        ];
        for (scope, enabled, says) in cases {
            let mut i = issued(IssuedGrant::AuthorizationCode);
            i.requested_scope = scope.into();
            i.refresh_tokens_enabled = enabled;
            let out = run_with(Step::TokenResponse, no_rt, &progress(3), Some(&i));
            let f = out.verdict.find("token.refresh_token").expect("finding");
            assert!(!f.ok && f.message.contains(says), "{scope} {enabled}: {}", f.message);
        }
    }

    /// With refresh tokens off, the practice server grants no refresh token and leaves
    /// offline_access out of the scope: one finding says why, not a second about the scope.
    #[test]
    fn refresh_tokens_off_fail_step_4_once_not_again_for_the_scope() {
        let no_rt = r#"{"token_type":"Bearer","expires_in":900,"access_token":"at-1","scope":"openid"}"#;
        let mut off = issued(IssuedGrant::AuthorizationCode);
        off.refresh_tokens_enabled = false;
        off.refresh_token_sha256 = None;
        let out = run_with(Step::TokenResponse, no_rt, &progress(3), Some(&off));
        assert_eq!(blocking(&out), ["token.refresh_token"], "{:#?}", out.verdict.findings);
        assert!(finding(&out, "token.refresh_token")
            .message
            .contains("turn them on at the top of this page"));
        // With refresh tokens on, a scope without offline_access is the learner's to fix.
        let on = issued(IssuedGrant::AuthorizationCode);
        let with_rt = no_rt.replace(r#""scope""#, r#""refresh_token":"rt-1","scope""#);
        let out = run_with(Step::TokenResponse, &with_rt, &progress(3), Some(&on));
        assert_eq!(blocking(&out), ["token.scope"], "{:#?}", out.verdict.findings);
    }

    #[test]
    fn step_5_passes_only_for_the_refresh_grant_of_step_4s_refresh_token() {
        let mut ok = issued(IssuedGrant::RefreshToken);
        ok.refresh_token_sha256 = Some(token_sha256("rt-2"));
        ok.refresh_ancestors = vec![token_sha256("rt-1")];
        let mut later = ok.clone();
        later.refresh_ancestors = vec![token_sha256("rt-2"), token_sha256("rt-1")];
        let mut unrelated = ok.clone();
        unrelated.refresh_ancestors = vec![token_sha256("rt-other")];
        let code = issued(IssuedGrant::AuthorizationCode);
        let cases: [(&Issued, bool, &str); 4] = [
            (&ok, true, "step 4's refresh token"),
            (&later, true, "step 4's refresh token"),
            (&unrelated, false, "not the one from step 4"),
            (&code, false, "another authorization code exchange"),
        ];
        for (issued, passes, says) in cases {
            let out = run_with(Step::RefreshResponse, REFRESHED, &step5_progress(), Some(issued));
            assert_eq!(out.verdict.passed(), passes, "{issued:?}");
            let f = out.verdict.find("refresh.grant").expect("refresh.grant");
            assert!(f.message.contains(says), "{}", f.message);
        }
    }

    #[test]
    fn a_jwt_is_checked_for_its_signature_and_issuer() {
        use super::super::SignatureCheck;
        let token = jwt(
            r#"{"alg":"ES256","typ":"at+jwt","kid":"k1"}"#,
            r#"{"iss":"http://127.0.0.1:3000","sub":"s"}"#,
        );
        let foreign = jwt(r#"{"alg":"ES256","kid":"k1"}"#, r#"{"iss":"https://evil.example","sub":"s"}"#);
        let body = |t: &str| {
            format!(
                r#"{{"token_type":"Bearer","expires_in":900,"access_token":"{t}","refresh_token":"rt-1","scope":"offline_access"}}"#
            )
        };
        let ok = issued(IssuedGrant::AuthorizationCode);
        let verified = SignatureCheck::Verified { kid: "k1".into() };
        let cases: [(&str, Option<&SignatureCheck>, &str, bool); 5] = [
            (&token, Some(&verified), "token.signature", true),
            (&token, Some(&SignatureCheck::Invalid), "token.signature", false),
            (&token, Some(&SignatureCheck::UnknownKey), "token.signature", false),
            (&token, None, "token.iss", true),
            (&foreign, None, "token.iss", false),
        ];
        for (t, signature, id, ok_expected) in cases {
            let provider = builtin();
            let p = progress(3);
            let facts = Facts { provider: &provider, progress: &p, now: NOW, issued: Some(&ok), signature };
            let out = check(Step::TokenResponse, &body(t), &facts).expect("unlocked");
            let f = out.verdict.find(id).unwrap_or_else(|| panic!("{id} missing"));
            assert_eq!(f.ok, ok_expected, "{id}: {}", f.message);
            assert_eq!(out.verdict.passed(), ok_expected, "{id}");
        }
        // Keys that can't be fetched are a warning: the check still passes, and says why.
        let provider = builtin();
        let p = progress(3);
        let unavailable = SignatureCheck::Unavailable { reason: "HTTP 503".into() };
        let facts = Facts {
            provider: &provider,
            progress: &p,
            now: NOW,
            issued: Some(&ok),
            signature: Some(&unavailable),
        };
        let out = check(Step::TokenResponse, &body(&token), &facts).expect("unlocked");
        let f = out.verdict.find("token.signature").expect("token.signature");
        assert!(out.verdict.passed() && !f.ok && f.level == Level::Warning, "{f:?}");
        assert!(said(f).contains("HTTP 503") && f.message.contains("not checked"), "{}", said(f));
    }

    #[test]
    fn pasted_access_token_finds_the_token_to_look_up() {
        assert_eq!(super::super::pasted_access_token(RESPONSE).as_deref(), Some("at-1"));
        for bad in ["", "nope", "{}", r#"{"access_token": 5}"#, r#"{"access_token": ""}"#] {
            assert_eq!(super::super::pasted_access_token(bad), None, "{bad}");
        }
    }
}
