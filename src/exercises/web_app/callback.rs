//! Step 4: the address the browser landed on after the login (the redirect URI with
//! `code`, `state` and `iss`, or with an `error`).
//!
//! The code is a secret: no message shows it, and only its SHA-256 digest is kept.

use url::Url;

use super::Facts;
use crate::exercises::refresh::{token_sha256, MAX_URL_CHARS, MAX_URL_PARAMS};
use crate::oauth::OAuthErrorCode;
use crate::pasted::{Invisible, Quotes};
use crate::verdict::{show, Finding};
use crate::work::{self, Counted as _};

/// What checking a callback found, and the digest of its code.
pub(super) struct Checked {
    pub findings: Vec<Finding>,
    pub code_sha256: Option<String>,
}

const CSRF: &str = "Your application keeps the state it sent and refuses a callback that brings back \
     another: that stops an attacker from making the user's browser finish a login the attacker \
     started (RFC 6749 §10.12, RFC 9700 §4.7).";

pub(super) fn check(input: &str, facts: &Facts<'_>) -> Checked {
    let mut out = Checked { findings: Vec::new(), code_sha256: None };
    let url = match parse(input, facts) {
        Ok(url) => url,
        Err(finding) => {
            out.findings.push(finding);
            return out;
        }
    };
    let params: Vec<(String, String)> = url
        .query_pairs()
        .take(MAX_URL_PARAMS + 1)
        .counted()
        .map(|(k, v)| {
            work::add(k.len() + v.len());
            (k.into_owned(), v.into_owned())
        })
        .collect();
    if params.len() > MAX_URL_PARAMS {
        out.findings.push(Finding::fail(
            "callback.parse",
            format!(
                "The address has more than {MAX_URL_PARAMS} parameters, the most this check reads: \
                 paste the address the browser landed on after you logged in, unedited."
            ),
        ));
        return out;
    }
    let get = |name: &str| params.iter().counted().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if get("code_challenge").is_some() || get("response_type").is_some() {
        out.findings.push(Finding::fail(
            "callback.parse",
            "That is an authorization URL, not the address the browser landed on: open the URL of \
             step 3 with Log In, log in, and paste the address of the page you land on.",
        ));
        return out;
    }
    out.findings.push(Finding::pass("callback.parse", "The address is a complete URL."));
    out.findings.extend(redirect_uri(input, facts));
    out.findings.push(state(get("state"), facts));
    out.findings.extend(iss(get("iss"), facts));
    if let Some(error) = get("error") {
        out.findings.push(error_callback(error, get("error_description")));
        return out;
    }
    let (finding, code) = code(get("code"), &url);
    out.findings.push(finding);
    out.code_sha256 = code.map(token_sha256);
    out
}

fn expected_start(facts: &Facts<'_>) -> String {
    match facts.provider.redirect_uris.as_slice() {
        [] => "your redirect URI".to_owned(),
        uris => uris.iter().map(|r| format!("\"{}\"", show(r, 200))).collect::<Vec<_>>().join(" or "),
    }
}

fn parse(input: &str, facts: &Facts<'_>) -> Result<Url, Finding> {
    const ID: &str = "callback.parse";
    let start = expected_start(facts);
    if input.is_empty() {
        return Err(Finding::fail(
            ID,
            format!(
                "Nothing was pasted: log in with the Log In link of step 3 and paste the full address \
                 the browser lands on, which starts with {start}."
            ),
        ));
    }
    if input.chars().take(MAX_URL_CHARS + 1).counted().count() > MAX_URL_CHARS {
        return Err(Finding::fail(
            ID,
            format!(
                "The address is longer than {MAX_URL_CHARS} characters, the most this check reads: \
                 paste only the address the browser landed on, which starts with {start}."
            ),
        ));
    }
    if let Some(invisible) = Invisible::find(input) {
        return Err(Finding::fail(
            ID,
            format!("The address holds an invisible character: {}, then check again.", invisible.fix()),
        ));
    }
    if let Some(quotes) = Quotes::find(input) {
        return Err(Finding::fail(
            ID,
            format!("The address {}: {}, then check again.", quotes.problem(), quotes.fix()),
        ));
    }
    work::add(input.len());
    if input.contains("&amp;") {
        return Err(Finding::fail(
            ID,
            "The address has &amp; where & belongs: copy it from the browser's address bar instead.",
        ));
    }
    if let Some((i, _)) = input.chars().counted().enumerate().find(|(_, c)| c.is_whitespace()) {
        return Err(Finding::fail(
            ID,
            format!(
                "The address contains a space or a line break (character {}): copy it from the \
                 browser's address bar in one piece.",
                i + 1
            ),
        ));
    }
    work::add(input.len());
    Url::parse(input).map_err(|e| {
        Finding::fail(
            ID,
            format!(
                "That is not a complete URL ({e}): copy the whole address from the browser's address \
                 bar after you log in, starting with {start}."
            ),
        )
    })
}

/// The address without its query and fragment is a registered redirect URI.
fn redirect_uri(input: &str, facts: &Facts<'_>) -> Option<Finding> {
    const ID: &str = "callback.redirect_uri";
    let registered = &facts.provider.redirect_uris;
    if registered.is_empty() {
        return None;
    }
    let base = input.split(['?', '#']).next().unwrap_or_default();
    work::add(base.len() * registered.len());
    if registered.iter().any(|r| r == base) {
        return Some(Finding::pass(ID, "The address is your registered redirect URI."));
    }
    let near = |f: &dyn Fn(&str) -> bool| registered.iter().any(|r| f(r));
    let hint = if near(&|r| r.trim_end_matches('/') == base.trim_end_matches('/')) {
        " (only a trailing slash differs)"
    } else if near(&|r| r.eq_ignore_ascii_case(base)) {
        " (only upper and lower case differ)"
    } else {
        ""
    };
    Some(
        Finding::fail(
            ID,
            format!(
                "The address starts with \"{}\", not with your redirect URI{hint}: paste the address \
                 the browser landed on after you logged in, which starts with {}.",
                show(base, 120),
                expected_start(facts)
            ),
        )
        .with_details(
            "The authorization server sends the browser back to the redirect_uri of the authorization \
             request, which must be a registered one (RFC 6749 §3.1.2).",
        ),
    )
}

fn state(value: Option<&str>, facts: &Facts<'_>) -> Finding {
    const ID: &str = "callback.state";
    let Some(sent) = facts.progress.state.as_deref() else {
        return Finding::fail(
            ID,
            "There is no state from step 3 on record to compare with: check step 3 again, then log \
             in with its URL.",
        );
    };
    match value.filter(|v| !v.is_empty()) {
        None => Finding::fail(
            ID,
            "The address has no state, though your authorization URL sent one: paste the whole \
             address the browser landed on, including its state.",
        )
        .with_details(format!(
            "The server must send the state back unchanged (RFC 6749 §4.1.2). {CSRF} A callback without \
             it must be refused."
        )),
        Some(v) if v == sent => Finding::pass(
            ID,
            "state is the one of step 3, so this callback answers your own request and its code may \
             be exchanged.",
        )
        .with_details(CSRF),
        Some(v) => Finding::fail(
            ID,
            "The state that came back is not the one of step 3, which is how an application catches a \
             forged login (CSRF): do not exchange this code, and paste the address of a login made \
             with the URL of step 3.",
        )
        .with_details(format!(
            "It came back as \"{}\" but step 3 sent \"{}\". {CSRF} Here it usually means the address \
             is from an earlier login or from another authorization URL.",
            show(v, 40),
            show(sent, 40)
        )),
    }
}

/// `iss` (RFC 9207) against the issuer, when it is known.
fn iss(value: Option<&str>, facts: &Facts<'_>) -> Option<Finding> {
    const ID: &str = "callback.iss";
    const WHY: &str = "With iss, a client that uses several authorization servers can tell which one \
         sent the code, and so cannot be tricked into sending it to another (a mix-up attack, \
         RFC 9207 §2.4).";
    let provider = facts.provider;
    let Some(issuer) = provider.issuer.as_deref() else {
        return value.map(|_| {
            Finding::info(
                ID,
                "The address holds iss, but the issuer of this server is not known here, so it was not \
                 compared: compare it yourself with the issuer in the server's metadata.",
            )
            .with_details(WHY)
        });
    };
    Some(match value {
        Some(v) if v == issuer => {
            Finding::pass(ID, "iss names your authorization server (RFC 9207).").with_details(WHY)
        }
        Some(v) => Finding::fail(
            ID,
            format!(
                "iss is \"{}\" but your authorization server is \"{}\": do not exchange this code, and \
                 log in again with the URL of step 3.",
                show(v, 80),
                show(issuer, 80)
            ),
        )
        .with_details(format!("{WHY} A client must refuse a response whose iss is not the issuer it asked.")),
        None if provider.builtin => Finding::fail(
            ID,
            "The address has no iss, though the practice server always sends one: paste the whole \
             address the browser landed on, unedited.",
        )
        .with_details(WHY),
        None => Finding::warn(
            ID,
            "The address has no iss, so nothing says which server sent the code: if your server \
             supports RFC 9207 (authorization_response_iss_parameter_supported in its metadata), \
             check that iss comes back.",
        )
        .with_details(WHY),
    })
}

/// An error callback: what it means and what to do.
fn error_callback(error: &str, description: Option<&str>) -> Finding {
    const ID: &str = "callback.error";
    let said = description
        .filter(|d| !d.is_empty())
        .map(|d| format!("The server said: \"{}\". ", show(d, 200)))
        .unwrap_or_default();
    let Some(known) = OAuthErrorCode::parse(error) else {
        return Finding::fail(
            ID,
            format!(
                "The server sent the error \"{}\" instead of a code: read its description, correct the \
                 authorization URL of step 3, and log in again.",
                show(error, 60)
            ),
        )
        .with_details(format!(
            "{said}It is not one of the codes of RFC 6749 §4.1.2.1, so it is specific to this server."
        ));
    };
    let fix = match known {
        OAuthErrorCode::AccessDenied => "log in again with the Log In link and allow access",
        OAuthErrorCode::InvalidRequest => {
            "compare each parameter of the authorization URL with step 3's checks (one is missing, \
             repeated or malformed), then log in again"
        }
        OAuthErrorCode::UnauthorizedClient => {
            "allow the authorization code grant for your application, then log in again"
        }
        OAuthErrorCode::UnsupportedResponseType => "use response_type=code in step 3, then log in again",
        OAuthErrorCode::InvalidScope => {
            "ask only for scopes the server offers in step 3's URL, then log in again"
        }
        other => other.fix(),
    };
    Finding::fail(ID, format!("The server answered {known} instead of a code: {fix}."))
        .with_details(format!("{said}{}", known.explain()))
}

fn code<'a>(value: Option<&'a str>, url: &Url) -> (Finding, Option<&'a str>) {
    const ID: &str = "callback.code";
    match value.filter(|v| !v.is_empty()) {
        Some(code) => (
            Finding::pass(
                ID,
                "The address holds an authorization code (this site keeps only its SHA-256 digest).",
            )
            .with_details("Exchange it once, soon: codes are single-use and short-lived (RFC 6749 §4.1.2)."),
            Some(code),
        ),
        None if url.fragment().is_some_and(|f| f.contains("code=")) => (
            Finding::fail(
                ID,
                "The code came after a # (in the fragment), where a web application's server never \
                 sees it: leave response_mode out of the authorization URL, and log in again.",
            )
            .with_details("In the authorization code flow the code comes in the query (RFC 6749 §4.1.2)."),
            None,
        ),
        None => (
            Finding::fail(
                ID,
                "The address has no code: paste the whole address the browser landed on after you \
                 logged in, including its code.",
            ),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{Progress, Step};
    use crate::exercises::refresh::token_sha256;
    use crate::verdict::Level;

    const ISS: &str = "iss=http%3A%2F%2F127.0.0.1%3A3000";

    fn at(query: &str) -> String {
        format!("http://127.0.0.1:3000/redirect?{query}")
    }

    #[test]
    fn step_4_passes_a_callback_and_keeps_only_the_codes_digest() {
        let out = run(Step::Callback, &format!(" {}\n", callback_url()), &builtin(), &progress(3));
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        for id in
            ["callback.parse", "callback.redirect_uri", "callback.state", "callback.code", "callback.iss"]
        {
            assert!(finding(&out, id).ok, "{id}");
        }
        let p = out.progress.expect("passed");
        assert_eq!(p.code_sha256, Some(token_sha256(CODE)));
        assert_eq!(p.used_states, [STATE]);
        for f in &out.verdict.findings {
            assert!(!said(f).contains(CODE), "{}", f.id);
        }
    }

    #[test]
    fn step_4_names_each_mistake() {
        let authorize = good_url();
        let cases: Vec<(String, &str, &str)> = vec![
            (String::new(), "callback.parse", "Nothing was pasted"),
            (format!("\"{}\"", callback_url()), "callback.parse", "The address is wrapped in quotes"),
            (format!("{}\u{200B}", callback_url()), "callback.parse", "The address holds an invisible character"),
            (callback_url().replace('&', "&amp;"), "callback.parse", "&amp;"),
            (callback_url().replace("code=", "code= "), "callback.parse", "contains a space"),
            ("/redirect?code=x".to_owned(), "callback.parse", "That is not a complete URL"),
            (format!("http://127.0.0.1:3000/{}", "a".repeat(5000)), "callback.parse", "longer than 4096"),
            (authorize, "callback.parse", "That is an authorization URL"),
            (
                callback_url().replace("/redirect", "/redirect/"),
                "callback.redirect_uri",
                "not with your redirect URI (only a trailing slash differs)",
            ),
            (
                callback_url().replace("127.0.0.1:3000/redirect", "localhost:3000/callback"),
                "callback.redirect_uri",
                "starts with \"http://localhost:3000/callback\"",
            ),
            (at(&format!("code={CODE}&{ISS}")), "callback.state", "The address has no state"),
            (
                at(&format!("code={CODE}&state=Nw8rT2yQ6vB1xK5mZ3pJ&{ISS}")),
                "callback.state",
                "do not exchange this code",
            ),
            (at(&format!("state={STATE}&{ISS}")), "callback.code", "The address has no code"),
            (
                format!("http://127.0.0.1:3000/redirect?state={STATE}&{ISS}#code=abc"),
                "callback.code",
                "in the fragment",
            ),
            (at(&format!("code={CODE}&state={STATE}")), "callback.iss", "though the practice server always sends one"),
            (
                at(&format!("code={CODE}&state={STATE}&iss=https%3A%2F%2Fevil.example")),
                "callback.iss",
                "iss is \"https://evil.example\" but your authorization server is",
            ),
            (
                at(&format!("error=access_denied&state={STATE}&{ISS}")),
                "callback.error",
                "The server answered access_denied instead of a code: log in again with the Log In link and allow access.",
            ),
            (
                at(&format!("error=invalid_scope&error_description=Unknown+scope&state={STATE}&{ISS}")),
                "callback.error",
                "ask only for scopes the server offers",
            ),
            (
                at(&format!("error=consent_required&state={STATE}&{ISS}")),
                "callback.error",
                "The server sent the error \"consent_required\" instead of a code",
            ),
        ];
        for (input, id, want) in cases {
            let out = run(Step::Callback, &input, &builtin(), &progress(3));
            assert_eq!(blocking(&out), [id], "{input}: {:#?}", out.verdict.findings);
            let f = finding(&out, id);
            assert!(f.message.contains(want), "{input}: {}", f.message);
            assert!(!said(f).contains(CODE), "{id} shows the code");
            assert_eq!(out.progress, None);
        }
    }

    #[test]
    fn step_4_explains_a_wrong_state_as_csrf() {
        let input = at(&format!("code={CODE}&state=Nw8rT2yQ6vB1xK5mZ3pJ&{ISS}"));
        let out = run(Step::Callback, &input, &builtin(), &progress(3));
        let f = finding(&out, "callback.state");
        assert!(f.message.contains("CSRF"), "{}", f.message);
        let details = f.details.as_deref().unwrap_or_default();
        assert!(details.contains("RFC 6749 §10.12") && details.contains(STATE), "{details}");
        // An error callback with a wrong state is named for both.
        let input = at(&format!("error=access_denied&state=Nw8rT2yQ6vB1xK5mZ3pJ&{ISS}"));
        let out = run(Step::Callback, &input, &builtin(), &progress(3));
        assert_eq!(blocking(&out), ["callback.state", "callback.error"]);
        let details = finding(&out, "callback.error").details.clone().unwrap_or_default();
        assert!(details.contains("Deny was clicked"), "{details}");
    }

    #[test]
    fn step_4_without_a_state_on_record_asks_to_redo_step_3() {
        let p = Progress { state: None, ..progress(3) };
        let out = run(Step::Callback, &callback_url(), &builtin(), &p);
        assert_eq!(blocking(&out), ["callback.state"]);
        assert!(finding(&out, "callback.state").message.contains("check step 3 again"));
    }

    #[test]
    fn on_another_server_a_missing_iss_is_a_warning() {
        let mut okta = okta();
        okta.redirect_uris = vec!["https://app.example/callback".into()];
        let p = Progress { state: Some(STATE.into()), ..progress(3) };
        let base = "https://app.example/callback";
        let out = run(Step::Callback, &format!("{base}?code={CODE}&state={STATE}"), &okta, &p);
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        assert_eq!(finding(&out, "callback.iss").level, Level::Warning);
        let iss = "https%3A%2F%2Fdev-1.okta.com%2Foauth2%2Fdefault";
        let out = run(Step::Callback, &format!("{base}?code={CODE}&state={STATE}&iss={iss}"), &okta, &p);
        assert!(finding(&out, "callback.iss").ok);
        // Issuer unknown: iss is not compared, and said.
        okta.issuer = None;
        let out = run(Step::Callback, &format!("{base}?code={CODE}&state={STATE}&iss=x"), &okta, &p);
        assert_eq!(finding(&out, "callback.iss").level, Level::Info);
        assert!(out.verdict.passed());
        // No registered redirect URI known: not compared.
        okta.redirect_uris.clear();
        let out = run(
            Step::Callback,
            &format!("https://elsewhere.example/cb?code={CODE}&state={STATE}"),
            &okta,
            &p,
        );
        assert!(out.verdict.passed());
        assert_eq!(out.verdict.find("callback.redirect_uri"), None);
    }
}
