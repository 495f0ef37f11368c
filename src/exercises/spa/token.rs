//! Step 4: the token response of the public client's code exchange. Its shape is checked
//! as Web Applications' step 5 checks it; then, on the built-in server, the practice
//! server's record says how the token came to be: by the public client, with no secret,
//! PKCE checked against step 1's verifier. Against another server, what the JSON and
//! the JWT show is graded, and what could not be verified is said.

use serde_json::Value;

use super::{ClientAuth, Exchange, Facts};
use crate::exercises::refresh::response::{self, Purpose};
use crate::exercises::refresh::IssuedGrant;
use crate::exercises::web_app::token as web_token;
use crate::oauth::jwt::UnverifiedJwt;
use crate::verdict::{show, Finding};

pub(super) use web_token::Checked;

pub(super) fn check(input: &str, facts: &Facts<'_>) -> Checked {
    let words = web_token::Words { error: error_response, refresh_token };
    match web_token::read(input, facts.provider, facts.signature, facts.now, &words) {
        web_token::Read::Token(out, jwt) => {
            let findings = exchange_findings(facts, jwt.as_ref());
            web_token::finish(out, jwt, findings)
        }
        web_token::Read::Stopped(out) => out,
    }
}

/// An error response, told as Web Applications tells it; `invalid_client` is, for a
/// public client, almost always a secret sent.
fn error_response(error: &Value, description: Option<&Value>) -> Finding {
    if error.as_str() != Some("invalid_client") {
        return response::error_response(Purpose::Code, error, description);
    }
    let said = description
        .and_then(Value::as_str)
        .filter(|d| !d.is_empty())
        .map(|d| format!("The server said: \"{}\". ", show(d.trim_end_matches('.'), 200)))
        .unwrap_or_default();
    Finding::fail(
        "token.error",
        "The token endpoint refused the client (invalid_client): send only client_id, the code, \
         redirect_uri and code_verifier, with no client secret and no Authorization header, then \
         paste the new response.",
    )
    .with_details(format!(
        "{said}invalid_client means client authentication failed (RFC 6749 §5.2). A public client \
         has no secret, and the practice server refuses one that is sent, in the body or in an \
         Authorization header; the other usual cause is the client_id of another application."
    ))
}

/// Why a browser app's refresh tokens rotate, and where it keeps its tokens.
const BROWSER_TOKENS: &str = "RFC 9700 §4.14 requires the server to bind a public client's refresh \
     tokens to the client or to rotate them: each refresh returns a new refresh token and \
     invalidates the old one, so a stolen one works at most once and its reuse is detected. Keep \
     tokens in the app's memory (a JavaScript variable, or a Web Worker), never in localStorage \
     or sessionStorage, which any script on the page can read after an XSS; for more protection, \
     a back end for the front end keeps them off the browser altogether.";

/// A refresh token is not needed here: when there is one, what a browser must do with it.
fn refresh_token(value: Option<&Value>) -> (Option<Finding>, Option<&str>) {
    const ID: &str = "token.refresh_token";
    match value {
        None => (None, None),
        Some(Value::String(t)) if !t.is_empty() => (
            Some(
                Finding::info(
                    ID,
                    "The response also holds a refresh_token: in a browser it must rotate on every \
                     use, and your app should keep it in memory, not in localStorage.",
                )
                .with_details(BROWSER_TOKENS),
            ),
            Some(t.as_str()),
        ),
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

/// How the token came to be, from the practice server's record, each mismatch with its
/// own finding; on another server, what the JWT shows and what could not be verified.
fn exchange_findings(facts: &Facts<'_>, jwt: Option<&UnverifiedJwt>) -> Vec<Finding> {
    let Some(ex) = facts.exchange else {
        if facts.provider.builtin {
            return vec![Finding::fail(
                "exchange.issued",
                "The practice server never issued this access token: paste the response exactly as \
                 the practice server's token endpoint sent it.",
            )];
        }
        let mut out: Vec<Finding> = jwt_client(jwt, facts).into_iter().collect();
        out.push(
            Finding::info(
                "exchange.unverified",
                "OAuth Lab cannot read this server's records, so only the response itself was \
                 checked: whether the public client made the exchange, without a secret and with \
                 your verifier, could not be verified.",
            )
            .with_details(
                "On the built-in practice server each of them is checked against how the server \
                 issued the token.",
            ),
        );
        return out;
    };
    let mut findings = vec![
        grant(ex),
        client(ex, facts),
        client_auth(ex),
        web_token::verifier(ex, facts.progress.challenge.as_deref()),
        web_token::reused(ex),
    ];
    findings.extend(web_token::revoked(ex));
    findings
}

/// Another server's JWT access token may name its client (`client_id`, RFC 9068 §2.2).
fn jwt_client(jwt: Option<&UnverifiedJwt>, facts: &Facts<'_>) -> Option<Finding> {
    const ID: &str = "token.client_id";
    let expected = facts.provider.client_id.as_deref()?;
    let claimed = jwt?.claim_str("client_id")?;
    Some(if claimed == expected {
        Finding::pass(ID, "The access token's client_id claim is your public client's.")
    } else {
        Finding::fail(
            ID,
            format!(
                "The access token was issued to client \"{}\", not your public client: exchange the \
                 code with the public client's client_id \"{}\".",
                show(claimed, 100),
                show(expected, 100)
            ),
        )
        .with_details("A JWT access token names the client it was issued to in client_id (RFC 9068 §2.2).")
    })
}

fn grant(ex: &Exchange) -> Finding {
    const ID: &str = "exchange.grant";
    match ex.grant {
        IssuedGrant::AuthorizationCode => {
            Finding::pass(ID, "The token comes from the authorization_code grant: your code was exchanged.")
        }
        IssuedGrant::RefreshToken => Finding::fail(
            ID,
            "This token came from a refresh, not from exchanging the code: paste the response of the \
             grant_type=authorization_code request for the code of your step 3 login.",
        ),
        IssuedGrant::ClientCredentials => Finding::fail(
            ID,
            "This token came from the client_credentials grant, not from exchanging the code: paste the \
             response of the grant_type=authorization_code request for the code of your step 3 login.",
        ),
    }
}

fn client(ex: &Exchange, facts: &Facts<'_>) -> Finding {
    const ID: &str = "exchange.client";
    let public = facts.provider.client_id.as_deref();
    if public == Some(ex.client_id.as_str()) {
        return Finding::pass(ID, "The token was issued to your public client.");
    }
    if facts.web_client_id == Some(ex.client_id.as_str()) {
        return Finding::fail(
            ID,
            "This token was issued to your confidential web client: log in with the public client's \
             URL of step 3 and exchange the code with the public client's client_id and no secret.",
        )
        .with_details(
            "A single-page app runs in the browser, where a secret cannot be kept, so it is \
             registered as a public client (token_endpoint_auth_method=none) and proves itself \
             with PKCE alone (RFC 6749 §2.1).",
        );
    }
    if public.is_none() && ex.client_auth == ClientAuth::None {
        // The public client's id is not known to the check: the record says it is public.
        return Finding::pass(ID, "The token was issued to a public client.");
    }
    Finding::fail(
        ID,
        "This token was issued to another application: exchange the code with your public \
         client's client_id, as the command on this page does.",
    )
}

fn client_auth(ex: &Exchange) -> Finding {
    const ID: &str = "exchange.client_auth";
    let sent = match ex.client_auth {
        ClientAuth::None => {
            return Finding::pass(
                ID,
                "The code was exchanged without a client secret, as a public client must.",
            )
            .with_details(
                "The token request carried only client_id, with PKCE's code_verifier proving it \
                 comes from the app that started the login (RFC 7636 §4.5).",
            );
        }
        ClientAuth::ClientSecretBasic => "in the Authorization header (client_secret_basic)",
        ClientAuth::ClientSecretPost => "in the body (client_secret_post)",
    };
    Finding::fail(
        ID,
        format!(
            "The token request sent a client secret {sent}, which a browser app does not have: send \
             only client_id with the code and code_verifier."
        ),
    )
    .with_details(super::NO_SECRET_WHY)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{ClientAuth, Exchange, Facts, Progress, Step};
    use crate::exercises::refresh::{IssuedGrant, SignatureCheck};
    use crate::verdict::Level;

    const OPAQUE: &str =
        r#"{"access_token":"opaque-access-token-1234","token_type":"Bearer","expires_in":3600}"#;

    #[test]
    fn step_4_names_each_mismatch_with_the_record() {
        type Change = fn(&mut Exchange);
        let cases: Vec<(Change, &[&str], &str)> = vec![
            (|_| {}, &[], ""),
            (|e| e.grant = IssuedGrant::RefreshToken, &["exchange.grant"], "came from a refresh"),
            (
                |e| e.client_id = WEB_CLIENT.into(),
                &["exchange.client"],
                "this token was issued to your confidential web client",
            ),
            (|e| e.client_id = "someone-else".into(), &["exchange.client"], "issued to another application"),
            (
                |e| e.client_auth = ClientAuth::ClientSecretBasic,
                &["exchange.client_auth"],
                "sent a client secret in the Authorization header",
            ),
            (
                |e| e.client_auth = ClientAuth::ClientSecretPost,
                &["exchange.client_auth"],
                "sent a client secret in the body",
            ),
            (
                |e| {
                    e.client_id = WEB_CLIENT.into();
                    e.client_auth = ClientAuth::ClientSecretBasic;
                },
                &["exchange.client", "exchange.client_auth"],
                "",
            ),
            (|e| e.code_challenge = None, &["exchange.verifier"], "sent no code_challenge"),
            (
                |e| e.code_challenge = Some(crate::pkce::challenge_s256("other")),
                &["exchange.verifier"],
                "not your verifier's of step 1",
            ),
            (
                |e| {
                    e.code_redeemed_twice = true;
                    e.revoked = true;
                },
                &["exchange.reused"],
                "exchanged twice",
            ),
            (|e| e.revoked = true, &["exchange.revoked"], "This token was revoked"),
        ];
        for (change, want, says) in cases {
            let mut ex = exchange();
            change(&mut ex);
            let out = run_with(Step::TokenResponse, OPAQUE, &builtin(), &progress(3), Some(&ex));
            assert_eq!(blocking(&out), want, "{ex:?}");
            if want.is_empty() {
                assert_eq!(finding(&out, "exchange.completed").message, "You've completed the exercise!");
                assert!(finding(&out, "exchange.client_auth").ok);
                assert_eq!(out.progress.map(|p| p.steps_passed), Some(4));
            } else {
                let first = finding(&out, want[0]);
                assert!(first.message.to_lowercase().contains(&says.to_lowercase()), "{}", first.message);
                assert_eq!(out.progress, None);
                assert_eq!(out.verdict.find("exchange.completed"), None);
            }
        }
    }

    #[test]
    fn step_4_without_step_1_on_record_names_the_verifier() {
        let p = Progress { challenge: None, ..progress(3) };
        let out = run_with(Step::TokenResponse, OPAQUE, &builtin(), &p, Some(&exchange()));
        assert_eq!(blocking(&out), ["exchange.verifier"]);
    }

    #[test]
    fn step_4_on_the_practice_server_needs_its_record() {
        let out = run_with(Step::TokenResponse, OPAQUE, &builtin(), &progress(3), None);
        assert_eq!(blocking(&out), ["exchange.issued"]);
    }

    #[test]
    fn step_4_with_the_public_clients_id_unknown_accepts_a_public_client_only() {
        let provider = crate::exercises::refresh::Provider { client_id: None, ..builtin() };
        let out = run_with(Step::TokenResponse, OPAQUE, &provider, &progress(3), Some(&exchange()));
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        let ex = Exchange { client_id: "x".into(), client_auth: ClientAuth::ClientSecretPost, ..exchange() };
        let out = run_with(Step::TokenResponse, OPAQUE, &provider, &progress(3), Some(&ex));
        assert_eq!(blocking(&out), ["exchange.client", "exchange.client_auth"]);
    }

    #[test]
    fn step_4_on_another_server_grades_the_json_and_the_jwt_and_says_what_was_not_verified() {
        let out = run_with(Step::TokenResponse, OPAQUE, &okta(), &progress(3), None);
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        let f = finding(&out, "exchange.unverified");
        assert_eq!((f.ok, f.level), (true, Level::Info));
        assert!(f.message.contains("could not be verified"));
        assert_eq!(out.verdict.find("token.client_id"), None, "no client id known");
        assert!(out.verdict.find("exchange.completed").is_some());
        // A JWT naming a client: compared with the public client's id, when known.
        let provider = crate::exercises::refresh::Provider { client_id: Some("spa-okta".into()), ..okta() };
        let iss = "https://dev-1.okta.com/oauth2/default";
        let cases = [("spa-okta", true), ("web-okta", false)];
        for (client, passes) in cases {
            let token = jwt(r#"{"alg":"RS256"}"#, &format!(r#"{{"iss":"{iss}","client_id":"{client}"}}"#));
            let input = format!(r#"{{"access_token":"{token}","token_type":"Bearer"}}"#);
            let out = run_with(Step::TokenResponse, &input, &provider, &progress(3), None);
            assert_eq!(out.verdict.passed(), passes, "{client}: {:#?}", out.verdict.findings);
            let f = finding(&out, "token.client_id");
            assert_eq!(f.ok, passes);
            if !passes {
                assert!(f.message.contains("\"web-okta\", not your public client"), "{}", f.message);
            }
        }
    }

    #[test]
    fn step_4_checks_the_responses_shape() {
        let cases: Vec<(String, Vec<&str>, &str, &str)> = vec![
            (OPAQUE.into(), vec![], "token.access_token", "access_token is present"),
            (
                r#"{"access_token":"opaque-access-token-1234","token_type":"Bearer","refresh_token":"r-1"}"#
                    .into(),
                vec![],
                "token.refresh_token",
                "must rotate on every use",
            ),
            (
                r#"{"access_token":"opaque-access-token-1234","token_type":"Bearer","refresh_token":"r-1"}"#
                    .into(),
                vec![],
                "token.refresh_token",
                "RFC 9700 §4.14",
            ),
            (
                r#"{"access_token":"opaque-access-token-1234","token_type":"Bearer","refresh_token":"r-1"}"#
                    .into(),
                vec![],
                "token.refresh_token",
                "never in localStorage",
            ),
            (
                r#"{"access_token":"opaque-access-token-1234","token_type":"Bearer","refresh_token":5}"#
                    .into(),
                vec!["token.refresh_token"],
                "token.refresh_token",
                "non-empty string",
            ),
            (
                r#"{"access_token":"opaque-access-token-1234","token_type":"Bearer","scope":"openid"}"#
                    .into(),
                vec![],
                "token.scope",
                "The granted scope is \"openid\".",
            ),
            ("opaque-access-token-1234".into(), vec!["token.json"], "token.json", "just a token"),
            ("[1]".into(), vec!["token.object"], "token.object", "an array"),
            (
                r#"{"error":"invalid_client","error_description":"a public client has none"}"#.into(),
                vec!["token.error"],
                "token.error",
                "with no client secret and no Authorization header",
            ),
            (
                r#"{"error":"invalid_client","error_description":"a public client has none"}"#.into(),
                vec!["token.error"],
                "token.error",
                "The server said: \"a public client has none\".",
            ),
            (
                r#"{"error":"invalid_grant"}"#.into(),
                vec!["token.error"],
                "token.error",
                "exchange the new code right away",
            ),
            (
                r#"{"access_token":"opaque-access-token-1234","token_type":"mac"}"#.into(),
                vec!["token.token_type"],
                "token.token_type",
                "Bearer",
            ),
            (
                r#"{"token_type":"Bearer"}"#.into(),
                vec!["token.access_token"],
                "token.access_token",
                "grant_type=authorization_code",
            ),
            (
                r#"{"access_token":"opaque-access-token-1234","token_type":"Bearer","expires_in":"3600"}"#
                    .into(),
                vec!["token.expires_in"],
                "token.expires_in",
                "the string \"3600\"",
            ),
            (format!("'{OPAQUE}'"), vec!["token.json"], "token.json", "The response is wrapped in quotes"),
            (format!("{OPAQUE}\u{200B}"), vec!["token.json"], "token.json", "invisible character"),
            (
                format!("{{\"a\":\"{}\"}}", "x".repeat(40_000)),
                vec!["token.json"],
                "token.json",
                "longer than 32 KiB",
            ),
        ];
        for (input, want, id, says) in cases {
            let out = run_with(Step::TokenResponse, &input, &builtin(), &progress(3), Some(&exchange()));
            assert_eq!(blocking(&out), want, "{input}: {:#?}", out.verdict.findings);
            let f = finding(&out, id);
            assert!(said(f).contains(says), "{input}: {}", said(f));
        }
        // No refresh token, no word about one.
        let out = run_with(Step::TokenResponse, OPAQUE, &builtin(), &progress(3), Some(&exchange()));
        assert_eq!(out.verdict.find("token.refresh_token"), None);
    }

    #[test]
    fn step_4_reads_a_jwt_access_token() {
        let token = jwt(
            r#"{"alg":"RS256","kid":"k1"}"#,
            &format!(
                r#"{{"iss":"http://127.0.0.1:3000","sub":"u1","iat":{},"exp":{}}}"#,
                NOW - 60,
                NOW + 3600
            ),
        );
        let input = format!(r#"{{"access_token":"{token}","token_type":"Bearer"}}"#);
        let provider = builtin();
        let p = progress(3);
        let ex = exchange();
        let signature = SignatureCheck::Verified { kid: "k1".into() };
        let facts = Facts {
            provider: &provider,
            web_client_id: Some(WEB_CLIENT),
            progress: &p,
            now: NOW,
            exchange: Some(&ex),
            signature: Some(&signature),
        };
        let out = super::super::check(Step::TokenResponse, &input, &facts).expect("open");
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        assert!(finding(&out, "token.signature").ok && finding(&out, "token.iss").ok);
        assert!(out.jwt.is_some());
        let record = out.progress.and_then(|p| p.token).expect("kept");
        assert_eq!((record.sub.as_deref(), record.iat), (Some("u1"), Some(NOW - 60)));
        // Another issuer fails.
        let token = jwt(r#"{"alg":"RS256"}"#, r#"{"iss":"https://evil.example"}"#);
        let other = format!(r#"{{"access_token":"{token}","token_type":"Bearer"}}"#);
        let out = run_with(Step::TokenResponse, &other, &builtin(), &progress(3), Some(&ex));
        assert!(blocking(&out).contains(&"token.iss"));
    }
}
