//! The Getting Started exercise: the learner finds their authorization server's facts,
//! its issuer, its two endpoints and the key that signs its access tokens.
//!
//! INTERFACE (the web layer is written against it): the types, [`issuer_to_fetch`],
//! [`statuses`], [`completed`], [`check`]. Step 1's check lives in this file; step 2's in
//! `getting_started/endpoints.rs`, step 3's in `getting_started/signing_key.rs`, each with
//! table-driven tests next to it.
//!
//! The service parses step 1's input with [`issuer_to_fetch`], fetches
//! [`Issuer::metadata_urls`] in order up to the first document, and passes what each fetch
//! gave in [`Facts::discovery`]; for step 3 it fetches the JWKS at the `jwks_uri` of
//! `progress.metadata` and passes it in [`Facts::jwks`].
//!
//! Finding ids, by step:
//! 1. `issuer.url`, `issuer.metadata`, `issuer.match`, `issuer.trailing_slash` (in place of
//!    `issuer.match` when only a trailing `/` differs), `issuer.endpoints`,
//!    `issuer.jwks_uri` (may warn)
//! 2. `endpoints.input`, `endpoints.json`, `endpoints.metadata`, `endpoints.issuer` (only
//!    for pasted metadata JSON naming another issuer), `endpoints.swapped` (alone, in place
//!    of the two below), `endpoints.authorization`, `endpoints.token`
//! 3. `signing_key.input`, `signing_key.jwks`, `signing_key.kid`, `signing_key.use`,
//!    `signing_key.alg`, `signing_key.current` (info when it can't be verified)
//!
//! Any step that passes again while later steps had passed adds `progress.redo` (info).
//!
//! Every message is one sentence that names the fix; the explanation and the RFC section
//! go in the finding's details.

mod endpoints;
#[cfg(test)]
mod properties;
mod signing_key;

use serde::{Deserialize, Serialize};

use crate::oauth::discovery::{self, Fetched, Issuer, Metadata, Reach};
use crate::pasted::{Invisible, Quotes};
use crate::verdict::{show, Finding, Verdict};

pub const SLUG: &str = "getting-started";
pub const TITLE: &str = "Getting Started";

/// The longest issuer URL read, in bytes (real ones are under 200).
pub const MAX_ISSUER_BYTES: usize = 2048;
/// The longest paste read in steps 2 and 3, in bytes: room for a whole metadata document
/// (Keycloak's is about 7 KB), far more than two URLs or a key.
pub const MAX_PASTE_BYTES: usize = 16 * 1024;

steps! {
    /// The three steps, in the order they must pass.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum Step {
        Issuer => ("issuer", "Issuer"),
        Endpoints => ("endpoints", "Endpoints"),
        SigningKey => ("signing-key", "Signing key"),
    }
}

pub fn info() -> super::ExerciseInfo {
    super::ExerciseInfo {
        slug: SLUG,
        title: TITLE,
        summary: "Find your authorization server's issuer, endpoints and signing key in its metadata.",
        minutes: 10,
        steps: Step::infos(),
    }
}

pub use super::StepStatus;

/// What grading keeps between steps (nothing secret: all of it is public metadata).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// How many steps have passed, in order (0..=3).
    pub steps_passed: usize,
    /// The issuer that passed step 1, exactly as pasted (and as the metadata names it).
    pub issuer: Option<String>,
    /// Its metadata, read in step 1: step 2 compares with its endpoints, step 3 reads its
    /// `jwks_uri`.
    pub metadata: Option<Metadata>,
}

impl Progress {
    /// This progress with `step` and everything after it undone: what came before is kept.
    pub fn rewound_to(self, step: Step) -> Progress {
        let keep = self.steps_passed.min(step.index());
        let issuer_kept = keep > Step::Issuer.index();
        Progress {
            steps_passed: keep,
            issuer: self.issuer.filter(|_| issuer_kept),
            metadata: self.metadata.filter(|_| issuer_kept),
        }
    }
}

/// What a check may need to know besides the input.
#[derive(Clone, Debug)]
pub struct Facts<'a> {
    pub progress: &'a Progress,
    /// What the site may reach (loopback `http` issuers only with [`Reach::Loopback`]).
    pub reach: Reach,
    /// `true` on the built-in practice server.
    pub builtin: bool,
    /// Step 1: what fetching the pasted issuer's metadata documents gave, in the order of
    /// [`Issuer::metadata_urls`], up to the first document.
    pub discovery: Option<&'a [(String, Fetched)]>,
    /// Step 3: what fetching `progress.metadata.jwks_uri` gave.
    pub jwks: Option<&'a Fetched>,
    /// Step 3, on the built-in server: the `kid` of the key that signs access tokens now.
    /// `None` on another server, where which key signs now can't be known.
    pub signing_kid: Option<&'a str>,
}

/// The result of checking one step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub verdict: Verdict,
    /// The new progress when the check passed (later steps are cleared: they depended on
    /// this one); `None` when it failed, so nothing is lost.
    pub progress: Option<Progress>,
}

const ISSUER_URL: &str = "issuer.url";
const ISSUER_METADATA: &str = "issuer.metadata";
const ISSUER_MATCH: &str = "issuer.match";
const ISSUER_TRAILING_SLASH: &str = "issuer.trailing_slash";
const ISSUER_ENDPOINTS: &str = "issuer.endpoints";
const ISSUER_JWKS_URI: &str = "issuer.jwks_uri";

/// Step 1's input as an issuer whose metadata may be fetched (outer ASCII whitespace
/// trimmed), or the verdict saying why it is not one (`issuer.url`).
pub fn issuer_to_fetch(input: &str, reach: Reach) -> Result<Issuer, Verdict> {
    let input = crate::pasted::trim(input);
    let refuse = |finding: Finding| Verdict::new(vec![finding]);
    if let Some(finding) = too_large(ISSUER_URL, input, MAX_ISSUER_BYTES, "an issuer URL") {
        return Err(refuse(finding));
    }
    if let Some(invisible) = Invisible::find(input) {
        return Err(refuse(Finding::fail(
            ISSUER_URL,
            format!("The issuer URL holds an invisible character: {}, then check again.", invisible.fix()),
        )));
    }
    if let Some(quotes) = Quotes::find(input) {
        return Err(refuse(Finding::fail(
            ISSUER_URL,
            format!("The issuer URL {}: {}, then check again.", quotes.problem(), quotes.fix()),
        )));
    }
    if let Some(quote) = input.chars().find(|c| ['"', '\u{201C}', '\u{201D}'].contains(c)) {
        let name = crate::pasted::quote_name(quote).unwrap_or("quote");
        return Err(refuse(Finding::fail(
            ISSUER_URL,
            format!("The issuer URL holds a {name}, which no URL has: remove it, then check again."),
        )));
    }
    Issuer::parse(input, reach).map_err(|reason| {
        refuse(Finding::fail(ISSUER_URL, reason).with_details(
            "The issuer is the URL that identifies your authorization server: an https URL with no \
             query or fragment (RFC 8414 §2). Its metadata is read from it.",
        ))
    })
}

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
        Step::Issuer => {
            let (findings, found) = check_issuer(input, facts);
            finish(step, findings, progress, |p| {
                if let Some(metadata) = found {
                    p.issuer = Some(input.to_owned());
                    p.metadata = Some(metadata);
                }
            })
        }
        Step::Endpoints => finish(step, endpoints::check(input, progress), progress, |_| {}),
        Step::SigningKey => finish(step, signing_key::check(input, facts), progress, |_| {}),
    })
}

/// A finding for a paste over `max` bytes, naming the limit; checked before any parsing.
fn too_large(id: &str, input: &str, max: usize, what: &str) -> Option<Finding> {
    (input.len() > max).then(|| {
        Finding::fail(
            id,
            format!(
                "That is {} bytes, more than the {max} this step reads for {what}: paste only what the \
                 step asks for.",
                input.len()
            ),
        )
    })
}

/// Step 1: the issuer, its metadata, and the metadata's `issuer` compared exactly.
fn check_issuer(input: &str, facts: &Facts<'_>) -> (Vec<Finding>, Option<Metadata>) {
    if let Err(verdict) = issuer_to_fetch(input, facts.reach) {
        return (verdict.findings, None);
    }
    let mut findings =
        vec![Finding::pass(ISSUER_URL, format!("{} is a well-formed issuer URL.", quoted(input, 200)))];
    let Some(attempts) = facts.discovery else {
        findings.push(Finding::fail(
            ISSUER_METADATA,
            "The server's metadata was not fetched: check the issuer again in a moment.",
        ));
        return (findings, None);
    };
    let found = match discovery::found(attempts, facts.reach) {
        Ok(found) => found,
        Err((message, details)) => {
            findings.push(Finding::fail(ISSUER_METADATA, message).with_details(format!(
                "{details} Metadata is read at the issuer's well-known paths: RFC 8414 §3.1 \
                 (/.well-known/oauth-authorization-server), then OpenID Connect Discovery §4 \
                 (/.well-known/openid-configuration)."
            )));
            return (findings, None);
        }
    };
    findings.push(Finding::pass(ISSUER_METADATA, format!("Metadata read from {}.", show(&found.at, 200))));
    findings.push(issuer_match(input, &found.issuer, &found.at));

    let problems: Vec<&str> = [&found.authorization_endpoint, &found.token_endpoint]
        .into_iter()
        .filter_map(|r| r.as_ref().err().map(String::as_str))
        .collect();
    findings.push(if problems.is_empty() {
        Finding::pass(ISSUER_ENDPOINTS, "The metadata lists the authorization_endpoint and token_endpoint.")
    } else {
        Finding::fail(
            ISSUER_ENDPOINTS,
            format!(
                "The metadata can't be used ({}): use a server whose metadata lists both endpoints as \
                 https URLs.",
                problems.join("; ")
            ),
        )
        .with_details("Step 2 asks for these two endpoints; RFC 8414 §2 requires both for the code flow.")
    });
    findings.push(match &found.jwks_uri {
        Some(Ok(_)) => Finding::pass(ISSUER_JWKS_URI, "The metadata lists a jwks_uri, where step 3's keys are."),
        Some(Err(why)) => Finding::warn(
            ISSUER_JWKS_URI,
            format!("The metadata's {why}, so step 3 can't be done on this server: use the built-in practice server for it."),
        ),
        None => Finding::warn(
            ISSUER_JWKS_URI,
            "The metadata has no jwks_uri, so step 3 can't be done on this server: use the built-in \
             practice server for it.",
        )
        .with_details("jwks_uri is where a server publishes the public keys that verify its tokens (RFC 8414 §2)."),
    });

    let passed = !findings.iter().any(Finding::is_blocking);
    let metadata = match (passed, found.authorization_endpoint, found.token_endpoint) {
        (true, Ok(authorization_endpoint), Ok(token_endpoint)) => Some(Metadata {
            issuer: found.issuer,
            authorization_endpoint,
            token_endpoint,
            jwks_uri: found.jwks_uri.and_then(Result::ok),
            discovered_at: found.at,
        }),
        _ => None,
    };
    (findings, metadata)
}

const EXACT_ISSUER: &str = "The metadata's issuer must be identical to the issuer URL it was read \
     for (RFC 8414 §3.3), and clients compare a token's iss with it as a plain string (RFC 9068 \
     §4), so one character more or less makes every token look forged.";

/// `issuer.match`, or `issuer.trailing_slash` when only a trailing `/` differs.
fn issuer_match(input: &str, named: &str, at: &str) -> Finding {
    let (named_shown, at) = (quoted(named, 200), show(at, 200));
    let fail = |id: &str, message: String| Finding::fail(id, message).with_details(EXACT_ISSUER);
    match Difference::between(input, named) {
        Difference::Same => Finding::pass(ISSUER_MATCH, "The metadata names exactly this issuer."),
        Difference::AddSlash => fail(
            ISSUER_TRAILING_SLASH,
            format!("Add the trailing / to the issuer: the metadata at {at} names it {named_shown}."),
        ),
        Difference::RemoveSlash => fail(
            ISSUER_TRAILING_SLASH,
            format!("Remove the trailing / from the issuer: the metadata at {at} names it {named_shown}."),
        ),
        Difference::Case => fail(
            ISSUER_MATCH,
            format!(
                "The issuer differs from the metadata's {named_shown} in upper and lower case only: \
                 enter it exactly as the metadata writes it."
            ),
        ),
        Difference::Scheme => fail(
            ISSUER_MATCH,
            format!(
                "The issuer's scheme differs from the metadata's {named_shown}: enter it with the \
                 scheme the metadata gives."
            ),
        ),
        Difference::Other => fail(
            ISSUER_MATCH,
            format!(
                "The metadata at {at} names the issuer {named_shown}, not {}: enter the issuer \
                 exactly as the metadata gives it.",
                quoted(input, 200)
            ),
        ),
    }
}

/// How a pasted URL differs from the one expected, told from the most precise difference
/// to the least.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Difference {
    Same,
    /// The expected one has a trailing `/` the pasted one lacks.
    AddSlash,
    /// The pasted one has a trailing `/` (or more) the expected one lacks.
    RemoveSlash,
    /// Only upper and lower case differ.
    Case,
    /// Only the scheme differs (`http` for `https`), case aside.
    Scheme,
    Other,
}

impl Difference {
    fn between(given: &str, expected: &str) -> Difference {
        crate::work::add(given.len().min(expected.len()));
        if given == expected {
            return Difference::Same;
        }
        if given.trim_end_matches('/') == expected.trim_end_matches('/') {
            return if given.len() < expected.len() { Difference::AddSlash } else { Difference::RemoveSlash };
        }
        if given.eq_ignore_ascii_case(expected) {
            return Difference::Case;
        }
        match (given.split_once("://"), expected.split_once("://")) {
            (Some((_, a)), Some((_, b))) if a.eq_ignore_ascii_case(b) => Difference::Scheme,
            _ => Difference::Other,
        }
    }
}

/// How a paste of step 2 or 3 is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Paste {
    /// It starts as a JSON object (a metadata document, a JWK...).
    Json,
    /// Lines or `name: value` pieces.
    Text,
}

/// How to read `input` (already trimmed), or the finding `id` that refuses it: nothing
/// pasted (`how` says what to paste), or an invisible character in text.
fn read_as(input: &str, id: &str, how: &str) -> Result<Paste, Finding> {
    if input.is_empty() {
        return Err(Finding::fail(id, format!("Nothing was pasted: {how}.")));
    }
    if input.starts_with('{') || input.starts_with('\u{FEFF}') {
        return Ok(Paste::Json);
    }
    if let Some(invisible) = crate::pasted::Invisible::find(input) {
        return Err(Finding::fail(
            id,
            format!("What you pasted holds an invisible character: {}, then check again.", invisible.fix()),
        ));
    }
    Ok(Paste::Text)
}

/// A text's lines, each without its outer ASCII whitespace, a trailing comma and
/// surrounding quotes (as copied from JSON); empty ones left out.
fn lines(input: &str) -> impl Iterator<Item = &str> {
    use crate::work::Counted as _;
    input.lines().counted().map(unquoted).filter(|l| !l.is_empty())
}

/// Pasted text to quote inside a message: in double quotes, cut by [`show`], any double
/// quote of its own shown as a single one (so the quoted value ends where it seems to).
fn quoted(s: &str, max: usize) -> String {
    let shown = show(s, max).replace(['"', '\u{201C}', '\u{201D}'], "'");
    format!("\"{shown}\"")
}

/// A piece of pasted text without outer ASCII whitespace, a trailing comma, and one pair
/// of surrounding double or single quotes (when there is no other quote of the kind
/// between them: `"name": "value"` keeps its quotes).
fn unquoted(s: &str) -> &str {
    crate::work::add(1);
    let s = s.trim_ascii().trim_end_matches(',').trim_ascii();
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|s| s.strip_suffix(q)).filter(|i| !i.contains(q)) {
            return inner.trim_ascii();
        }
    }
    s
}

/// `name: value` or `name = value` where the name is words (letters, spaces, `_`, `-`,
/// quotes): the name lowercased with spaces and `-` as `_`, and the value. `None` for a
/// line that is only a value (a URL, a kid).
fn labelled(line: &str) -> Option<(String, &str)> {
    let at = line.find([':', '='])?;
    if line[at..].starts_with("://") {
        return None; // a URL
    }
    let (name, value) = (&line[..at], unquoted(&line[at + 1..]));
    let name = name.trim_ascii().trim_matches(['"', '\'']).trim_ascii();
    crate::work::add(name.len());
    let words = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic() || " _-".contains(c));
    (words && !value.is_empty()).then(|| (name.to_ascii_lowercase().replace([' ', '-'], "_"), value))
}

/// Build the outcome: on a pass, the new progress has `step` as the last passed step,
/// the later steps' records cleared, and `update` applied.
fn finish(
    step: Step,
    findings: Vec<Finding>,
    before: &Progress,
    update: impl FnOnce(&mut Progress),
) -> Outcome {
    let mut verdict = Verdict::new(findings);
    let progress = verdict.passed().then(|| {
        let mut p = before.clone().rewound_to(step);
        p.steps_passed = step.number();
        update(&mut p);
        p
    });
    if let Some(note) = progress.as_ref().and_then(|after| redo(step, before, after)) {
        verdict.findings.push(note);
        verdict.sort();
    }
    Outcome { verdict, progress }
}

/// When `step` passed again while later steps had passed: they were undone, and say so.
fn redo(step: Step, before: &Progress, after: &Progress) -> Option<Finding> {
    let (from, to) = (step.number() + 1, before.steps_passed.min(Step::ALL.len()));
    if to < from {
        return None;
    }
    let steps = if from == to { format!("step {from} needs") } else { format!("steps {from} and {to} need") };
    let cause = if step == Step::Issuer && after.issuer != before.issuer {
        "You changed the issuer".to_owned()
    } else {
        format!("You checked step {} again", step.number())
    };
    Some(Finding::info("progress.redo", format!("{cause}, so {steps} doing again.")).with_details(
        "Each step builds on the ones before it, so passing a step again starts the steps after it over.",
    ))
}

/// Fixtures shared by the tests of this file and its submodules: the built-in practice
/// server's metadata and JWKS (as server/src/practice/metadata.rs serves them) and an
/// Okta-like server's.
#[cfg(test)]
mod test_support {
    pub use crate::exercises::test_support::{blocking};
    use super::*;

    pub const BUILTIN: &str = "http://127.0.0.1:3000";
    pub const OKTA: &str = "https://dev-1.okta.com/oauth2/default";
    pub const CURRENT_KID: &str = "k3Zq8xW2kLp0aBt";
    pub const RETIRED_KID: &str = "j9Ya7vV1jKo9zAs";

    pub fn builtin_metadata(issuer: &str) -> String {
        format!(
            r#"{{"issuer": "{issuer}",
                "authorization_endpoint": "{BUILTIN}/oauth2/authorize",
                "token_endpoint": "{BUILTIN}/oauth2/token",
                "jwks_uri": "{BUILTIN}/oauth2/jwks",
                "revocation_endpoint": "{BUILTIN}/oauth2/revoke",
                "introspection_endpoint": "{BUILTIN}/oauth2/introspect",
                "scopes_supported": ["openid", "offline_access", "profile"],
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "id_token_signing_alg_values_supported": ["ES256"],
                "authorization_response_iss_parameter_supported": true}}"#
        )
    }

    pub fn okta_metadata() -> String {
        format!(
            r#"{{"issuer": "{OKTA}",
                "authorization_endpoint": "{OKTA}/v1/authorize",
                "token_endpoint": "{OKTA}/v1/token",
                "jwks_uri": "{OKTA}/v1/keys",
                "response_types_supported": ["code", "token"],
                "code_challenge_methods_supported": ["S256"]}}"#
        )
    }

    pub fn builtin_jwks() -> String {
        format!(
            r#"{{"keys": [
                {{"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                  "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", "kid": "{CURRENT_KID}",
                  "use": "sig", "alg": "ES256"}},
                {{"kty": "EC", "crv": "P-256", "x": "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
                  "y": "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM", "kid": "{RETIRED_KID}",
                  "use": "sig", "alg": "ES256"}}]}}"#
        )
    }

    pub fn builtin_progress(steps_passed: usize) -> Progress {
        Progress {
            steps_passed,
            issuer: Some(BUILTIN.into()),
            metadata: Some(Metadata {
                issuer: BUILTIN.into(),
                authorization_endpoint: format!("{BUILTIN}/oauth2/authorize"),
                token_endpoint: format!("{BUILTIN}/oauth2/token"),
                jwks_uri: Some(format!("{BUILTIN}/oauth2/jwks")),
                discovered_at: format!("{BUILTIN}/.well-known/oauth-authorization-server"),
            }),
        }
    }

    pub fn okta_progress(steps_passed: usize) -> Progress {
        Progress {
            steps_passed,
            issuer: Some(OKTA.into()),
            metadata: Some(Metadata {
                issuer: OKTA.into(),
                authorization_endpoint: format!("{OKTA}/v1/authorize"),
                token_endpoint: format!("{OKTA}/v1/token"),
                jwks_uri: Some(format!("{OKTA}/v1/keys")),
                discovered_at: format!("{OKTA}/.well-known/oauth-authorization-server"),
            }),
        }
    }

    /// Facts for the built-in server with nothing fetched.
    pub fn facts(progress: &Progress) -> Facts<'_> {
        Facts {
            progress,
            reach: Reach::Loopback,
            builtin: true,
            discovery: None,
            jwks: None,
            signing_kid: Some(CURRENT_KID),
        }
    }

    /// Every finding's message and details, and its one-sentence shape, checked; returns
    /// all that was said.
    pub fn said(outcome: &Outcome) -> String {
        let mut all = String::new();
        for f in &outcome.verdict.findings {
            assert_eq!(crate::verdict::not_one_sentence(f), None, "{f:?}");
            all.push_str(&format!("{} {} | ", f.message, f.details.as_deref().unwrap_or_default()));
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    fn step1(input: &str, reach: Reach, fetched: Vec<Fetched>) -> Outcome {
        let progress = Progress::default();
        let attempts: Vec<(String, Fetched)> = match Issuer::parse(input.trim(), reach) {
            Ok(issuer) => issuer.metadata_urls().into_iter().zip(fetched).collect(),
            Err(_) => vec![],
        };
        let facts = Facts { discovery: Some(&attempts), reach, ..facts(&progress) };
        check(Step::Issuer, input, &facts).expect("step 1 is never locked")
    }

    #[test]
    fn steps_have_stable_ids_and_numbers() {
        for step in Step::ALL {
            assert_eq!(Step::from_slug(step.slug()), Some(step));
            let json = serde_json::to_string(&step).expect("serializes");
            assert_eq!(json, format!("\"{}\"", step.slug()));
        }
        assert_eq!(Step::ALL.map(Step::number), [1, 2, 3]);
        assert_eq!(Step::from_slug("signing_key"), None);
        let info = info();
        assert_eq!((info.slug, info.steps.len()), ("getting-started", 3));
        assert!(info.summary.ends_with('.') && !info.summary.contains(". "));
        let first = &super::super::course()[0];
        assert_eq!(
            (first.slug, first.title, first.summary, first.minutes),
            (SLUG, TITLE, info.summary, info.minutes)
        );
    }

    #[test]
    fn statuses_follow_steps_passed_and_locked_steps_say_which_first() {
        use StepStatus::*;
        assert_eq!(statuses(&Progress::default()), [Current, Locked, Locked]);
        assert_eq!(statuses(&builtin_progress(2)), [Passed, Passed, Current]);
        assert!(completed(&builtin_progress(3)) && !completed(&builtin_progress(2)));
        let progress = Progress::default();
        let err = check(Step::SigningKey, "x", &facts(&progress)).expect_err("locked");
        assert_eq!(err, StepLocked { needed: Step::Issuer });
        assert_eq!(err.to_string(), "Complete step 1 first.");
    }

    #[test]
    fn rewinding_keeps_only_what_came_before() {
        assert_eq!(builtin_progress(3).rewound_to(Step::Issuer), Progress::default());
        assert_eq!(builtin_progress(3).rewound_to(Step::SigningKey), builtin_progress(2));
        assert_eq!(builtin_progress(1).rewound_to(Step::SigningKey), builtin_progress(1));
    }

    #[test]
    fn the_issuer_passes_when_the_metadata_names_it_exactly() {
        let out = step1(
            &format!(" {BUILTIN}\n"),
            Reach::Loopback,
            vec![Fetched::Document(builtin_metadata(BUILTIN))],
        );
        assert!(out.verdict.passed(), "{:#?}", out.verdict);
        said(&out);
        let progress = out.progress.expect("passed");
        assert_eq!(progress, builtin_progress(1));

        // Okta: the RFC 8414 path gives 404, the appended one the document.
        let out = step1(OKTA, Reach::Public, vec![Fetched::Status(404), Fetched::Document(okta_metadata())]);
        assert!(out.verdict.passed(), "{:#?}", out.verdict);
        let metadata = out.progress.and_then(|p| p.metadata).expect("metadata");
        assert_eq!(metadata.discovered_at, format!("{OKTA}/.well-known/oauth-authorization-server"));
        assert_eq!(metadata.jwks_uri, Some(format!("{OKTA}/v1/keys")));
    }

    /// (input, reach, what was fetched, the failed ids, part of what is said)
    type IssuerCase = (String, Reach, Vec<Fetched>, Vec<&'static str>, &'static str);

    #[test]
    fn each_issuer_mistake_has_its_finding() {
        let doc = |issuer: &str| vec![Fetched::Document(builtin_metadata(issuer))];
        let okta = |issuer: &str| vec![Fetched::Document(okta_metadata().replacen(OKTA, issuer, 1))];
        let cases: Vec<IssuerCase> = vec![
            (
                "".into(),
                Reach::Loopback,
                vec![],
                vec![ISSUER_URL],
                "Enter your authorization server's issuer",
            ),
            ("dev-1.okta.com".into(), Reach::Public, vec![], vec![ISSUER_URL], "not an absolute URL"),
            ("http://dev-1.okta.com".into(), Reach::Public, vec![], vec![ISSUER_URL], "must use TLS"),
            (BUILTIN.into(), Reach::Public, vec![], vec![ISSUER_URL], "public internet"),
            (format!("{OKTA}?x=1"), Reach::Public, vec![], vec![ISSUER_URL], "no query"),
            (format!("{OKTA}\u{200B}"), Reach::Public, vec![], vec![ISSUER_URL], "invisible"),
            (format!("\"{OKTA}\""), Reach::Public, vec![], vec![ISSUER_URL], "remove the surrounding quotes"),
            (
                format!("{OKTA}\u{201D}x"),
                Reach::Public,
                vec![],
                vec![ISSUER_URL],
                "holds a curly double quote",
            ),
            (
                format!("https://a.example/{}", "p".repeat(3000)),
                Reach::Public,
                vec![],
                vec![ISSUER_URL],
                "2048",
            ),
            (
                OKTA.into(),
                Reach::Public,
                vec![Fetched::Status(404), Fetched::Status(404), Fetched::Failed("timed out".into())],
                vec![ISSUER_METADATA],
                "timed out",
            ),
            (OKTA.into(), Reach::Public, vec![Fetched::Status(302)], vec![ISSUER_METADATA], "redirect"),
            (
                OKTA.into(),
                Reach::Public,
                vec![Fetched::Document("<html>".into())],
                vec![ISSUER_METADATA],
                "RFC 8414 §3.1",
            ),
            (
                format!("{BUILTIN}/"),
                Reach::Loopback,
                doc(BUILTIN),
                vec![ISSUER_TRAILING_SLASH],
                "Remove the trailing /",
            ),
            (
                BUILTIN.into(),
                Reach::Loopback,
                doc(&format!("{BUILTIN}/")),
                vec![ISSUER_TRAILING_SLASH],
                "Add the trailing /",
            ),
            (
                format!("{OKTA}/"),
                Reach::Public,
                okta(OKTA),
                vec![ISSUER_TRAILING_SLASH],
                "Remove the trailing /",
            ),
            (OKTA.replace("default", "Default"), Reach::Public, okta(OKTA), vec![ISSUER_MATCH], "case only"),
            (
                "https://127.0.0.1:3000".into(),
                Reach::Loopback,
                doc(BUILTIN),
                vec![ISSUER_MATCH],
                "scheme differs from the metadata's \"http://127.0.0.1:3000\"",
            ),
            (
                format!("{OKTA}2"),
                Reach::Public,
                okta(OKTA),
                vec![ISSUER_MATCH],
                "names the issuer \"https://dev-1.okta.com/oauth2/default\", not",
            ),
            (
                OKTA.into(),
                Reach::Public,
                vec![Fetched::Document(
                    okta_metadata().replace(&format!("{OKTA}/v1/token"), "http://dev-1.okta.com/t"),
                )],
                vec![ISSUER_ENDPOINTS],
                "token_endpoint (http://dev-1.okta.com/t) does not use https",
            ),
            (
                OKTA.into(),
                Reach::Public,
                vec![Fetched::Document(format!(r#"{{"issuer": "{OKTA}", "token_endpoint": "{OKTA}/t"}}"#))],
                vec![ISSUER_ENDPOINTS],
                "authorization_endpoint is missing",
            ),
        ];
        for (input, reach, fetched, ids, part) in cases {
            let out = step1(&input, reach, fetched);
            assert_eq!(blocking(&out), ids, "{input}: {:#?}", out.verdict);
            assert!(out.progress.is_none());
            let all = said(&out);
            assert!(all.contains(part), "{input}: {all}");
        }
    }

    #[test]
    fn a_server_without_usable_keys_passes_step_1_with_a_warning() {
        let no_jwks = okta_metadata().replace(&format!(r#""jwks_uri": "{OKTA}/v1/keys","#), "");
        let bad_jwks = okta_metadata().replace(&format!("{OKTA}/v1/keys"), "http://dev-1.okta.com/keys");
        for (doc, part) in [(no_jwks, "has no jwks_uri"), (bad_jwks, "does not use https")] {
            let out = step1(OKTA, Reach::Public, vec![Fetched::Document(doc)]);
            assert!(out.verdict.passed(), "{:#?}", out.verdict);
            let warning = out.verdict.find(ISSUER_JWKS_URI).expect("warned");
            assert!(!warning.ok && warning.message.contains(part), "{warning:?}");
            said(&out);
            assert_eq!(out.progress.and_then(|p| p.metadata).map(|m| m.jwks_uri), Some(None));
        }
    }

    #[test]
    fn nothing_fetched_fails_without_panicking() {
        let progress = Progress::default();
        let out =
            check(Step::Issuer, OKTA, &Facts { reach: Reach::Public, ..facts(&progress) }).expect("open");
        assert_eq!(blocking(&out), [ISSUER_METADATA]);
    }

    #[test]
    fn passing_step_1_again_clears_the_later_steps_and_says_so() {
        let before = okta_progress(3);
        let attempts = vec![("u".to_owned(), Fetched::Document(builtin_metadata(BUILTIN)))];
        let facts = Facts { discovery: Some(&attempts), ..facts(&before) };
        let out = check(Step::Issuer, BUILTIN, &facts).expect("open");
        assert_eq!(out.progress.as_ref().map(|p| p.steps_passed), Some(1));
        let note = out.verdict.find("progress.redo").expect("redo note");
        assert_eq!(note.message, "You changed the issuer, so steps 2 and 3 need doing again.");
        said(&out);
    }

    #[test]
    fn differences_are_told_apart() {
        use Difference::*;
        let cases = [
            ("https://a.example/x", "https://a.example/x", Same),
            ("https://a.example", "https://a.example/", AddSlash),
            ("https://a.example//", "https://a.example", RemoveSlash),
            ("https://A.example", "https://a.example", Case),
            ("http://a.example", "https://a.example", Scheme),
            ("https://b.example", "https://a.example", Other),
            ("a", "b", Other),
        ];
        for (given, expected, want) in cases {
            assert_eq!(Difference::between(given, expected), want, "{given} vs {expected}");
        }
    }
}
