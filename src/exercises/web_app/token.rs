//! Step 5: the token response of the code exchange. Its shape is checked as Refresh
//! Tokens' step 4 checks it (without asking for a refresh token); then, on the built-in
//! server, the practice server's record says how the token came to be.

use serde_json::Value;

use super::{ClientAuth, Exchange, Facts};
use crate::exercises::refresh::response::{self, Purpose};
use crate::exercises::refresh::{
    token_sha256, DecodedJwt, IssuedGrant, Provider, SignatureCheck, TokenRecord,
};
use crate::oauth::jwt::{decode_unverified, UnverifiedJwt};
use crate::oauth::Scope;
use crate::verdict::{show, Finding};

/// What checking a response found, and what to keep when it passes.
#[derive(Default)]
pub(crate) struct Checked {
    pub findings: Vec<Finding>,
    pub record: Option<TokenRecord>,
    pub jwt: Option<DecodedJwt>,
}

/// How an exercise reads a refresh token in the response: a finding, and the token when
/// it is one.
pub(crate) type RefreshTokenWords = fn(Option<&Value>) -> (Option<Finding>, Option<&str>);

/// What an exercise's code exchange says in its own words: an error response, and a
/// refresh token in the response.
pub(crate) struct Words {
    pub error: fn(&Value, Option<&Value>) -> Finding,
    pub refresh_token: RefreshTokenWords,
}

/// A code exchange's response as read.
pub(crate) enum Read {
    /// It holds no access token, or is no token response: what was found.
    Stopped(Checked),
    /// It holds one: what was found, and the access token decoded when it is a JWT.
    Token(Checked, Option<UnverifiedJwt>),
}

/// The token response of a code exchange read and its shape checked, as Web Applications
/// and Single-Page Apps read it, with the record to keep when it holds an access token.
pub(crate) fn read(
    input: &str,
    provider: &Provider,
    signature: Option<&SignatureCheck>,
    now: i64,
    words: &Words,
) -> Read {
    let mut out = Checked::default();
    let object = match response::parse_object(input) {
        Ok(object) => object,
        Err(finding) => {
            out.findings.push(finding);
            return Read::Stopped(out);
        }
    };
    out.findings.push(Finding::pass("token.json", "The response is a JSON object."));
    if let Some(error) = object.get("error") {
        out.findings.push((words.error)(error, object.get("error_description")));
        return Read::Stopped(out);
    }
    out.findings.push(response::token_type(object.get("token_type")));
    let (finding, access_token) = response::access_token(object.get("access_token"), Purpose::Code);
    out.findings.push(finding);
    out.findings.push(response::expires_in(object.get("expires_in")));
    let (finding, refresh_token) = (words.refresh_token)(object.get("refresh_token"));
    out.findings.extend(finding);
    out.findings.push(scope(object.get("scope")));
    let Some(access_token) = access_token else {
        return Read::Stopped(out);
    };
    let jwt = decode_unverified(access_token);
    out.findings.extend(response::jwt_findings(jwt.as_ref(), Purpose::Code, provider, signature, now));
    out.record = Some(TokenRecord {
        access_token_sha256: token_sha256(access_token),
        refresh_token_sha256: refresh_token.map(token_sha256),
        scope: object.get("scope").and_then(Value::as_str).map(str::to_owned),
        sub: jwt.as_ref().and_then(|j| j.claim_str("sub")).map(str::to_owned),
        iat: jwt.as_ref().and_then(|j| j.claim_seconds("iat")),
    });
    Read::Token(out, jwt)
}

/// The end of a check that read a response: the decoded token kept for the page, the
/// record's `findings` added, and the completed note when nothing blocks.
pub(crate) fn finish(mut out: Checked, jwt: Option<UnverifiedJwt>, findings: Vec<Finding>) -> Checked {
    out.findings.extend(findings);
    out.jwt = jwt.map(|j| DecodedJwt { header: Value::Object(j.header), claims: Value::Object(j.claims) });
    if !out.findings.iter().any(Finding::is_blocking) {
        out.findings.push(Finding::info("exchange.completed", "You've completed the exercise!"));
    }
    out
}

pub(super) fn check(input: &str, facts: &Facts<'_>) -> Checked {
    let words = Words {
        error: |error, description| response::error_response(Purpose::Code, error, description),
        refresh_token,
    };
    match read(input, facts.provider, facts.signature, facts.now, &words) {
        Read::Token(out, jwt) => finish(out, jwt, exchange_findings(facts)),
        Read::Stopped(out) => out,
    }
}

/// A refresh token is not needed here: said when there is one.
pub(crate) fn refresh_token(value: Option<&Value>) -> (Option<Finding>, Option<&str>) {
    const ID: &str = "token.refresh_token";
    match value {
        None => (None, None),
        Some(Value::String(t)) if !t.is_empty() => (
            Some(
                Finding::info(
                    ID,
                    "The response also holds a refresh_token, which this exercise does not need: keep \
                     it as secret as the access token.",
                )
                .with_details("The Refresh Tokens exercise is about using one."),
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

pub(crate) fn scope(value: Option<&Value>) -> Finding {
    const ID: &str = "token.scope";
    match value {
        None => Finding::info(
            ID,
            "The response has no scope, which means the granted scope is the one requested.",
        )
        .with_details("A token response may leave scope out when it is the one requested (RFC 6749 §5.1)."),
        Some(Value::String(s)) => match Scope::parse(s) {
            Ok(scope) => {
                Finding::pass(ID, format!("The granted scope is \"{}\".", show(&scope.to_string(), 120)))
            }
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

/// How the token came to be, from the practice server's record, each mismatch with its
/// own finding; on another server, what could not be verified.
fn exchange_findings(facts: &Facts<'_>) -> Vec<Finding> {
    let Some(ex) = facts.exchange else {
        if facts.provider.builtin {
            return vec![Finding::fail(
                "exchange.issued",
                "The practice server never issued this access token: paste the response exactly as \
                 the practice server's token endpoint sent it.",
            )];
        }
        return vec![Finding::info(
            "exchange.unverified",
            "OAuth Lab cannot read this server's records, so only the response itself was checked: \
             the grant, client, client authentication, verifier and code behind the token could not \
             be verified.",
        )
        .with_details(
            "On the built-in practice server each of them is checked against how the server issued \
             the token.",
        )];
    };
    let mut findings = vec![
        grant(ex),
        client_auth(ex),
        verifier(ex, facts.progress.challenge.as_deref()),
        code(ex, facts),
        reused(ex),
    ];
    findings.extend(client(ex, facts.provider.client_id.as_deref()));
    findings.extend(revoked(ex));
    findings
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
             grant_type=authorization_code request with the code of step 4.",
        ),
        IssuedGrant::ClientCredentials => Finding::fail(
            ID,
            "This token came from the client_credentials grant, not from exchanging the code: paste the \
             response of the grant_type=authorization_code request with the code of step 4.",
        ),
    }
}

/// The client the token was issued to against `expected`, the application's client_id
/// when it is known.
pub(crate) fn client(ex: &Exchange, expected: Option<&str>) -> Option<Finding> {
    const ID: &str = "exchange.client";
    let expected = expected?;
    Some(if ex.client_id == expected {
        Finding::pass(ID, "The token was issued to your application.")
    } else {
        Finding::fail(
            ID,
            "This token was issued to another application: exchange the code with your own client_id \
             and client secret, as the command on this page does.",
        )
    })
}

pub(crate) fn client_auth(ex: &Exchange) -> Finding {
    const ID: &str = "exchange.client_auth";
    match ex.client_auth {
        ClientAuth::ClientSecretBasic => Finding::pass(
            ID,
            "The token request authenticated with your client secret in the Authorization header \
             (client_secret_basic).",
        )
        .with_details("RFC 6749 §2.3.1: every server supports HTTP Basic for confidential clients."),
        ClientAuth::ClientSecretPost => Finding::pass(
            ID,
            "The token request authenticated with your client secret in the body (client_secret_post).",
        )
        .with_details(
            "That works; RFC 6749 §2.3.1 prefers the Authorization header (client_secret_basic), \
             which every server supports.",
        ),
        ClientAuth::None => Finding::fail(
            ID,
            "The code was exchanged without your client secret, as a public client would: send the \
             secret with the token request (curl -u client_id:client_secret), as the command on this \
             page does.",
        )
        .with_details(
            "A web application's back end is a confidential client: its secret proves to the server \
             which application redeems the code (RFC 6749 §2.3.1, §4.1.3), on top of PKCE.",
        ),
    }
}

/// PKCE from the record: the challenge of the login behind the token against `ours`, the
/// challenge of the verifier that passed step 1.
pub(crate) fn verifier(ex: &Exchange, ours: Option<&str>) -> Finding {
    const ID: &str = "exchange.verifier";
    match (ex.code_challenge.as_deref(), ours) {
        (_, None) => Finding::fail(
            ID,
            "There is no code verifier from step 1 on record to compare with: check step 1 again, then \
             the steps after it.",
        ),
        (None, Some(_)) => Finding::fail(
            ID,
            "The login behind this token sent no code_challenge, so no verifier was checked: log in \
             with the URL of step 3 and exchange its code with the verifier of step 1.",
        )
        .with_details("Without PKCE a stolen code could be redeemed (RFC 7636 §1, RFC 9700 §2.1.1)."),
        (Some(sent), Some(ours)) if sent == ours => Finding::pass(
            ID,
            "The server checked the code_verifier against the challenge of your step 3 URL: it is the \
             verifier of step 1 (RFC 7636 §4.6).",
        ),
        (Some(_), Some(_)) => Finding::fail(
            ID,
            "This token comes from a login whose code_challenge is not your verifier's of step 1: log \
             in with the URL of step 3 and send the verifier of step 1 in the token request.",
        ),
    }
}

fn code(ex: &Exchange, facts: &Facts<'_>) -> Finding {
    const ID: &str = "exchange.code";
    match (ex.code_sha256.as_deref(), facts.progress.code_sha256.as_deref()) {
        (_, None) => Finding::fail(
            ID,
            "There is no code from step 4 on record to compare with: check step 4 again with the \
             address of your login.",
        ),
        (None, Some(_)) => Finding::info(
            ID,
            "The practice server kept no record of which code was exchanged, so whether it is the code \
             of step 4 could not be verified.",
        ),
        (Some(exchanged), Some(ours)) if exchanged == ours => {
            Finding::pass(ID, "The code exchanged is the code of step 4.")
        }
        (Some(_), Some(_)) => Finding::fail(
            ID,
            "This token was exchanged for another code than the one of step 4: exchange the code of the \
             address you pasted in step 4, or check step 4 again with the address of this login.",
        ),
    }
}

pub(crate) fn reused(ex: &Exchange) -> Finding {
    const ID: &str = "exchange.reused";
    if ex.code_redeemed_twice {
        Finding::fail(
            ID,
            "The code was exchanged twice, so the practice server revoked the tokens issued for it, \
             this one included: log in again and exchange the new code only once.",
        )
        .with_details(
            "A code works once: when it comes again, the server must refuse it and should revoke the \
             tokens already issued for it (RFC 6749 §4.1.2), since a second use suggests the code was \
             stolen.",
        )
    } else {
        Finding::pass(ID, "The code was exchanged once.")
    }
}

/// A token revoked for another reason than its code's second use.
pub(crate) fn revoked(ex: &Exchange) -> Option<Finding> {
    (ex.revoked && !ex.code_redeemed_twice).then(|| {
        Finding::fail(
            "exchange.revoked",
            "This token was revoked: log in again, exchange the new code, and paste that response.",
        )
        .with_details("It was revoked at the revocation endpoint, or with the other tokens of its login.")
    })
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
    fn step_5_names_each_mismatch_with_the_record() {
        type Change = fn(&mut Exchange);
        let cases: Vec<(Change, &[&str], &str)> = vec![
            (|_| {}, &[], ""),
            (|e| e.client_auth = ClientAuth::ClientSecretPost, &[], ""),
            (|e| e.grant = IssuedGrant::RefreshToken, &["exchange.grant"], "came from a refresh"),
            (|e| e.client_id = "lab-client-2".into(), &["exchange.client"], "issued to another application"),
            (|e| e.client_auth = ClientAuth::None, &["exchange.client_auth"], "as a public client would"),
            (|e| e.code_challenge = None, &["exchange.verifier"], "sent no code_challenge"),
            (
                |e| e.code_challenge = Some(crate::pkce::challenge_s256("other")),
                &["exchange.verifier"],
                "not your verifier's of step 1",
            ),
            (
                |e| e.code_sha256 = Some(crate::exercises::refresh::token_sha256("other-code")),
                &["exchange.code"],
                "another code than the one of step 4",
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
            let out = run_with(Step::TokenResponse, OPAQUE, &builtin(), &progress(4), Some(&ex));
            assert_eq!(blocking(&out), want, "{ex:?}");
            if let [id] = want {
                assert!(finding(&out, id).message.contains(says), "{}", finding(&out, id).message);
                assert_eq!(out.progress, None);
                assert_eq!(out.verdict.find("exchange.completed"), None);
            } else {
                assert_eq!(finding(&out, "exchange.completed").message, "You've completed the exercise!");
                assert_eq!(out.progress.map(|p| p.steps_passed), Some(5));
            }
        }
        let out = run_with(
            Step::TokenResponse,
            OPAQUE,
            &builtin(),
            &progress(4),
            Some(&Exchange { code_redeemed_twice: true, revoked: true, ..exchange() }),
        );
        let details = finding(&out, "exchange.reused").details.clone().unwrap_or_default();
        assert!(details.contains("RFC 6749 §4.1.2"), "{details}");
    }

    #[test]
    fn step_5_says_what_the_record_could_not_tell() {
        let ex = Exchange { code_sha256: None, ..exchange() };
        let out = run_with(Step::TokenResponse, OPAQUE, &builtin(), &progress(4), Some(&ex));
        assert!(out.verdict.passed());
        assert_eq!(finding(&out, "exchange.code").level, Level::Info);
        // Nothing on record for the steps it compares with.
        let p = Progress { code_sha256: None, challenge: None, ..progress(4) };
        let out = run_with(Step::TokenResponse, OPAQUE, &builtin(), &p, Some(&exchange()));
        assert_eq!(blocking(&out), ["exchange.verifier", "exchange.code"]);
    }

    #[test]
    fn step_5_on_the_practice_server_needs_its_record() {
        let out = run_with(Step::TokenResponse, OPAQUE, &builtin(), &progress(4), None);
        assert_eq!(blocking(&out), ["exchange.issued"]);
    }

    #[test]
    fn step_5_on_another_server_grades_the_json_and_says_what_was_not_verified() {
        let out = run_with(Step::TokenResponse, OPAQUE, &okta(), &progress(4), None);
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        let f = finding(&out, "exchange.unverified");
        assert_eq!((f.ok, f.level), (true, Level::Info));
        assert!(f.message.contains("could not be verified"));
        assert!(out.verdict.find("exchange.completed").is_some());
    }

    #[test]
    fn step_5_checks_the_responses_shape_without_asking_for_a_refresh_token() {
        let cases: Vec<(String, Vec<&str>, &str, &str)> = vec![
            (OPAQUE.into(), vec![], "token.access_token", "access_token is present"),
            (
                r#"{"access_token":"opaque-access-token-1234","token_type":"Bearer","refresh_token":"r-1","scope":"openid offline_access"}"#.into(),
                vec![],
                "token.refresh_token",
                "which this exercise does not need",
            ),
            (
                r#"{"access_token":"opaque-access-token-1234","token_type":"Bearer","scope":"openid"}"#.into(),
                vec![],
                "token.scope",
                "The granted scope is \"openid\".",
            ),
            ("opaque-access-token-1234".into(), vec!["token.json"], "token.json", "just a token"),
            ("[1]".into(), vec!["token.object"], "token.object", "an array"),
            (
                r#"{"error":"invalid_grant"}"#.into(),
                vec!["token.error"],
                "token.error",
                "log in again with the Log In link on this page and exchange the new code right away",
            ),
            (
                r#"{"access_token":"opaque-access-token-1234","token_type":"mac"}"#.into(),
                vec!["token.token_type"],
                "token.token_type",
                "Bearer",
            ),
            (r#"{"token_type":"Bearer"}"#.into(), vec!["token.access_token"], "token.access_token", "grant_type=authorization_code"),
            (
                r#"{"access_token":"opaque-access-token-1234","token_type":"Bearer","expires_in":"3600"}"#.into(),
                vec!["token.expires_in"],
                "token.expires_in",
                "the string \"3600\"",
            ),
            (
                r#"{"access_token":"opaque-access-token-1234","token_type":"Bearer","refresh_token":5}"#.into(),
                vec!["token.refresh_token"],
                "token.refresh_token",
                "non-empty string",
            ),
            (
                r#"{"access_token":"opaque-access-token-1234","token_type":"Bearer","scope":["openid"]}"#.into(),
                vec!["token.scope"],
                "token.scope",
                "must be a string",
            ),
            (
                format!("'{OPAQUE}'"),
                vec!["token.json"],
                "token.json",
                "The response is wrapped in quotes",
            ),
            (format!("{OPAQUE}\u{200B}"), vec!["token.json"], "token.json", "invisible character"),
            (format!("{{\"a\":\"{}\"}}", "x".repeat(40_000)), vec!["token.json"], "token.json", "longer than 32 KiB"),
        ];
        for (input, want, id, says) in cases {
            let out = run_with(Step::TokenResponse, &input, &builtin(), &progress(4), Some(&exchange()));
            assert_eq!(blocking(&out), want, "{input}: {:#?}", out.verdict.findings);
            let f = finding(&out, id);
            assert!(said(f).contains(says), "{input}: {}", said(f));
        }
    }

    #[test]
    fn step_5_reads_a_jwt_access_token() {
        let token = jwt(
            r#"{"alg":"RS256","kid":"k1"}"#,
            &format!(
                r#"{{"iss":"http://127.0.0.1:3000","sub":"u1","iat":{},"exp":{}}}"#,
                NOW - 7200,
                NOW - 3600
            ),
        );
        let input = format!(r#"{{"access_token":"{token}","token_type":"Bearer"}}"#);
        let provider = builtin();
        let p = progress(4);
        let ex = exchange();
        let signature = SignatureCheck::Verified { kid: "k1".into() };
        let facts = Facts {
            provider: &provider,
            progress: &p,
            now: NOW,
            exchange: Some(&ex),
            signature: Some(&signature),
        };
        let out = super::super::check(Step::TokenResponse, &input, &facts).expect("open");
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        assert!(finding(&out, "token.signature").ok && finding(&out, "token.iss").ok);
        let expired = finding(&out, "token.expired");
        assert_eq!(expired.level, Level::Warning);
        assert!(expired.message.starts_with("The access token expired 60 minutes ago: an application logs"));
        assert!(out.jwt.is_some());
        let record = out.progress.and_then(|p| p.token).expect("kept");
        assert_eq!((record.sub.as_deref(), record.iat), (Some("u1"), Some(NOW - 7200)));
        // Another issuer fails.
        let token = jwt(r#"{"alg":"RS256"}"#, r#"{"iss":"https://evil.example"}"#);
        let other = format!(r#"{{"access_token":"{token}","token_type":"Bearer"}}"#);
        let out = run_with(Step::TokenResponse, &other, &builtin(), &progress(4), Some(&ex));
        assert!(blocking(&out).contains(&"token.iss"));
    }
}
