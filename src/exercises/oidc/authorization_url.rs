//! Step 3: the authorization request, as Web Applications checks it (Refresh Tokens'
//! URL checks with its state rules), with this exercise's scope (`openid profile
//! email`) and `nonce` (required, not guessable, new for every login), and `max_age`
//! when one is sent.

use super::Facts;
use crate::exercises::refresh::authorization_url::{self, Rules, MAX_URL_CHARS, MAX_URL_PARAMS};
use crate::exercises::web_app::state::{self, MAX_STATE_CHARS, MIN_STATE_CHARS};
use crate::oauth::Scope;
use crate::verdict::Finding;
use crate::work::{self, Counted as _};

/// The scopes this exercise asks for, in order.
const SCOPES: [&str; 3] = ["openid", "profile", "email"];

/// What step 3 found, and what to keep when it passes.
pub(super) struct Checked {
    pub findings: Vec<Finding>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub max_age: Option<u64>,
}

const NONCE_WHY: &str = "The client sends a new random nonce with every login and keeps it; the \
     server copies it into the ID token, and the client refuses an ID token whose nonce is not the \
     one it sent. That stops an ID token from being replayed into another login (OIDC Core \
     §3.1.2.1, §15.5.2), but only if nobody can guess the nonce: at least 16 random characters.";

pub(super) fn check(input: &str, facts: &Facts<'_>) -> Checked {
    let progress = facts.progress;
    let used = &progress.used_states;
    let rules = Rules { state: &|value| state::findings(value, used), scope: &scope };
    let mut findings =
        authorization_url::check_with(input, facts.provider, progress.challenge.as_deref(), &rules);
    let parsed = findings.iter().any(|f| f.id == "url.parse" && f.ok);
    let mut out = Checked { findings: vec![], state: None, nonce: None, max_age: None };
    if !parsed {
        out.findings = findings;
        return out;
    }
    let params = params(input);
    let get = |name: &str| {
        params.iter().counted().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    };
    let placeholders = findings.iter().any(|f| f.id == "url.placeholders" && !f.ok);
    findings.extend(nonce(get("nonce"), &progress.used_nonces, placeholders));
    let (finding, max_age) = max_age(params.iter().find(|(k, _)| k == "max_age").map(|(_, v)| v.as_str()));
    findings.extend(finding);
    out.findings = findings;
    out.state = get("state").map(str::to_owned);
    out.nonce = get("nonce").map(str::to_owned);
    out.max_age = max_age;
    out
}

/// The query parameters of a URL that passed the URL checks (so it parses, within the
/// limits), at most [`MAX_URL_PARAMS`].
fn params(input: &str) -> Vec<(String, String)> {
    if input.len() > MAX_URL_CHARS * 4 {
        return vec![];
    }
    work::add(input.len());
    let Ok(url) = url::Url::parse(input) else {
        return vec![];
    };
    let params = url
        .query_pairs()
        .take(MAX_URL_PARAMS)
        .counted()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    params
}

/// This exercise's finding about scope: openid, profile and email, each missing one named.
pub(super) fn scope(value: Option<&str>) -> Option<Finding> {
    const ID: &str = "url.scope";
    let details = "openid makes the request an OpenID Connect one, so the token response carries an \
                   ID token (OIDC Core §3.1.2.1); profile and email ask for the name and email \
                   claims (OIDC Core §5.4).";
    let Some(v) = value else {
        return Some(
            Finding::fail(
                ID,
                "scope is missing: add scope=openid profile email (written openid+profile+email in the URL).",
            )
            .with_details(details),
        );
    };
    let scope = match Scope::parse(v) {
        Ok(scope) => scope,
        Err(e) => return Some(Finding::fail(ID, e.to_string()).with_details(e.details())),
    };
    let missing: Vec<&str> = SCOPES.into_iter().filter(|s| !scope.contains(s)).collect();
    Some(match missing.as_slice() {
        [] => Finding::pass(ID, "scope asks for openid, profile and email.").with_details(details),
        [first, ..] if *first == "openid" => Finding::fail(
            ID,
            "scope has no openid, and without it there is no ID token: add openid to the scope \
             (scope=openid profile email).",
        )
        .with_details(details),
        [one] => {
            Finding::fail(ID, format!("scope has no {one}: add it, so the scope is openid profile email."))
                .with_details(details)
        }
        _ => Finding::fail(
            ID,
            "scope has neither profile nor email: add both, so the scope is openid profile email.",
        )
        .with_details(details),
    })
}

/// The findings about the nonce (its first non-empty value), given the nonces used
/// before. When the URL still holds placeholders (named by `url.placeholders`), only
/// whether there is one is said.
fn nonce(value: Option<&str>, used: &[String], placeholders: bool) -> Vec<Finding> {
    let Some(v) = value else {
        return vec![Finding::fail(
            "url.nonce",
            "nonce is missing or empty: add nonce= with at least 16 random characters, and keep it \
             to compare with the nonce in the ID token.",
        )
        .with_details(format!(
            "{NONCE_WHY} The code flow makes nonce optional, but this exercise requires it, as a \
             careful client does."
        ))];
    };
    let len = v.chars().take(MAX_STATE_CHARS + 1).counted().count();
    if len > MAX_STATE_CHARS {
        return vec![Finding::fail(
            "url.nonce",
            format!(
                "nonce is longer than {MAX_STATE_CHARS} characters, the most this site keeps: use 16 \
                 to 64 random characters."
            ),
        )
        .with_details(NONCE_WHY)];
    }
    let mut out = vec![Finding::pass(
        "url.nonce",
        "nonce is present: keep it to compare with the nonce in the ID token.",
    )];
    if placeholders {
        return out;
    }
    out.push(match state::guessable(v, len) {
        Some(reason) => Finding::fail(
            "url.nonce_guessable",
            format!(
                "nonce {reason}, so an attacker could guess it: use at least {MIN_STATE_CHARS} \
                 random characters (Generate Random String makes some)."
            ),
        )
        .with_details(NONCE_WHY),
        None => Finding::pass(
            "url.nonce_guessable",
            "nonce looks random: at least 16 characters, and not a word or a pattern.",
        ),
    });
    work::add(used.len());
    out.push(if used.iter().any(|u| u == v) {
        Finding::fail(
            "url.nonce_reused",
            "nonce was already used for an earlier login: make a new random nonce for every \
             authorization request.",
        )
        .with_details(
            "An ID token carrying an old nonce may be one an attacker kept from that login: a nonce \
             used once is what lets the client refuse a replayed ID token (OIDC Core §15.5.2).",
        )
    } else {
        Finding::pass("url.nonce_reused", "nonce is new: no earlier login used it.")
    });
    out
}

/// The `max_age` parameter, when sent: a number of seconds, after which the ID token
/// must say when the user logged in (`auth_time`).
fn max_age(value: Option<&str>) -> (Option<Finding>, Option<u64>) {
    const ID: &str = "url.max_age";
    let Some(v) = value else {
        return (None, None);
    };
    let details = "max_age asks the server to make the user log in again when their last login is \
                   older than that many seconds; the ID token must then carry auth_time (OIDC Core \
                   §3.1.2.1, §2).";
    match v.parse::<u64>() {
        Ok(n) if v.len() <= 12 => (
            Some(
                Finding::pass(ID, format!("max_age is {n} seconds: the ID token must then carry auth_time."))
                    .with_details(details),
            ),
            Some(n),
        ),
        _ => (
            Some(
                Finding::fail(
                    ID,
                    "max_age must be a whole number of seconds, such as max_age=300: fix it or leave it out.",
                )
                .with_details(details),
            ),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{Progress, Step};

    fn step3(input: &str, progress: &Progress) -> super::super::Outcome {
        run(Step::AuthorizationUrl, input, &builtin(), progress)
    }

    #[test]
    fn a_url_as_the_exercise_asks_passes_and_keeps_state_nonce_and_max_age() {
        let out = step3(&good_url(), &progress(2));
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        for id in ["url.scope", "url.nonce", "url.nonce_guessable", "url.nonce_reused", "url.state"] {
            assert!(finding(&out, id).ok, "{id}");
        }
        let p = out.progress.expect("passed");
        assert_eq!((p.state.as_deref(), p.nonce.as_deref(), p.max_age), (Some(STATE), Some(NONCE), None));
        let out = step3(&format!("{}&max_age=300", good_url()), &progress(2));
        assert!(finding(&out, "url.max_age").ok);
        assert_eq!(out.progress.expect("passed").max_age, Some(300));
    }

    #[test]
    fn each_mistake_of_the_url_has_its_own_finding() {
        let plus = "scope=openid+profile+email";
        let cases: Vec<(String, &str, &str)> = vec![
            (good_url().replace(plus, "scope=profile+email"), "url.scope", "without it there is no ID token"),
            (good_url().replace(plus, "scope=email+profile"), "url.scope", "no openid"),
            (good_url().replace(plus, "scope=openid+email"), "url.scope", "scope has no profile"),
            (good_url().replace(plus, "scope=openid+profile"), "url.scope", "scope has no email"),
            (good_url().replace(plus, "scope=openid"), "url.scope", "neither profile nor email"),
            (good_url().replace(&format!("&{plus}"), ""), "url.scope", "scope is missing"),
            (good_url().replace(&format!("&nonce={NONCE}"), ""), "url.nonce", "nonce is missing"),
            (good_url().replace(&format!("nonce={NONCE}"), "nonce="), "url.nonce", "nonce is missing"),
            (url_with(STATE, &"n".repeat(513)), "url.nonce", "longer than 512"),
            (url_with(STATE, "my-nonce-value"), "url.nonce_guessable", "common words"),
            (url_with(STATE, "x7Kq2"), "url.nonce_guessable", "is only 5 characters"),
            (url_with(STATE, "1700000000"), "url.nonce_guessable", "only 10 characters"),
            (format!("{}&max_age=soon", good_url()), "url.max_age", "whole number of seconds"),
            (format!("{}&max_age=-1", good_url()), "url.max_age", "whole number"),
            (url_with("state", NONCE), "url.state_guessable", "common words"),
            (good_url().replace(&format!("&state={STATE}"), ""), "url.state", "state is missing"),
            (good_url().replace("client_id=lab-client-1", "client_id=other"), "url.client_id", ""),
            (good_url().replace("&code_challenge_method=S256", ""), "url.code_challenge_method", ""),
            (good_url().replace("response_type=code", "response_type=id_token"), "url.response_type", ""),
        ];
        for (input, id, says) in cases {
            let out = step3(&input, &progress(2));
            assert_eq!(blocking(&out), [id], "{input}: {:#?}", out.verdict.findings);
            let f = finding(&out, id);
            assert!(f.message.contains(says), "{}", f.message);
            assert!(f.details.as_deref().is_some_and(|d| !d.is_empty()) || id.starts_with("url.c"), "{id}");
            assert_eq!(out.progress, None);
        }
    }

    #[test]
    fn a_nonce_or_state_used_before_is_refused_and_a_replaced_one_remembered() {
        let p = Progress { used_nonces: vec![NONCE.to_owned()], ..progress(2) };
        let out = step3(&good_url(), &p);
        assert_eq!(blocking(&out), ["url.nonce_reused"]);
        assert!(finding(&out, "url.nonce_reused").message.contains("new random nonce"));
        let other = url_with("Hk2Lp9Qz4Wx7Nc1Vb6Rt", "Tq5Zm8Kc2Wp7Yr4Lx9Bn");
        let out = step3(&other, &progress(3));
        let p = out.progress.expect("passed");
        assert_eq!(p.used_nonces, [NONCE]);
        assert_eq!(p.used_states, [STATE]);
        assert_eq!(p.nonce.as_deref(), Some("Tq5Zm8Kc2Wp7Yr4Lx9Bn"));
        // The same URL again keeps its state and nonce usable.
        let out = step3(&good_url(), &progress(3));
        let p = out.progress.expect("passed");
        assert!(p.used_nonces.is_empty() && p.used_states.is_empty());
    }

    #[test]
    fn a_url_that_does_not_parse_gets_only_the_parse_finding() {
        for input in ["", "not a url", "http://[::1"] {
            let out = step3(input, &progress(2));
            assert_eq!(blocking(&out), ["url.parse"], "{input}");
            assert_eq!(out.verdict.findings.len(), 1);
        }
    }

    #[test]
    fn a_placeholder_nonce_is_named_once() {
        let out = step3(&url_with(STATE, "%7Bnonce%7D"), &progress(2));
        assert_eq!(blocking(&out), ["url.placeholders"], "{:#?}", out.verdict.findings);
        assert!(out.verdict.find("url.nonce_guessable").is_none());
    }
}
