//! Step 1: the token response of the client credentials grant. Its shape is checked as
//! Refresh Tokens' step 4 checks it (a refresh token fails here: RFC 6749 §4.4.3); then,
//! on the built-in server, the practice server's record says how the token came to be;
//! on another server, the JWT's claims say what they can.

use serde_json::Value;

use super::{ClientKind, Facts, Grant, GrantType, READ_SCOPE, WRITE_SCOPE};
use crate::exercises::refresh::response::{self, Purpose};
use crate::exercises::refresh::{token_sha256, DecodedJwt, TokenRecord};
use crate::oauth::jwt::{decode_unverified, UnverifiedJwt};
use crate::oauth::Scope;
use crate::verdict::{show, Finding};

/// What checking a response found, and what to keep when it passes.
#[derive(Default)]
pub(super) struct Checked {
    pub findings: Vec<Finding>,
    pub record: Option<TokenRecord>,
    pub jwt: Option<DecodedJwt>,
}

/// The most audiences of a JWT looked at.
const MAX_AUDIENCES: usize = 16;

pub(super) fn check(input: &str, facts: &Facts<'_>) -> Checked {
    let mut out = Checked::default();
    let object = match response::parse_object(input) {
        Ok(object) => object,
        Err(finding) => {
            out.findings.push(finding);
            return out;
        }
    };
    out.findings.push(Finding::pass("token.json", "The response is a JSON object."));
    if let Some(error) = object.get("error") {
        out.findings.push(response::error_response(
            Purpose::ClientCredentials,
            error,
            object.get("error_description"),
        ));
        return out;
    }
    out.findings.push(response::token_type(object.get("token_type")));
    let (finding, access_token) =
        response::access_token(object.get("access_token"), Purpose::ClientCredentials);
    out.findings.push(finding);
    out.findings.push(response::expires_in(object.get("expires_in")));
    let has_refresh_token = object.get("refresh_token").is_some();
    out.findings.extend(refresh_token(object.get("refresh_token")));
    let (finding, scope) = scope_member(object.get("scope"));
    out.findings.push(finding);
    let Some(access_token) = access_token else {
        return out;
    };
    let jwt = decode_unverified(access_token);
    out.findings.extend(response::jwt_findings(
        jwt.as_ref(),
        Purpose::ClientCredentials,
        facts.provider,
        facts.signature,
        facts.now,
    ));
    let jwt_scope = jwt.as_ref().and_then(|j| j.claim_str("scope"));
    let sub = match facts.grant {
        Some(g) => Some(g.client_id.clone()),
        None => jwt.as_ref().and_then(|j| j.claim_str("sub")).map(str::to_owned),
    };
    out.record = Some(TokenRecord {
        access_token_sha256: token_sha256(access_token),
        refresh_token_sha256: None,
        scope: scope.or(jwt_scope).map(str::to_owned),
        sub,
        iat: jwt.as_ref().and_then(|j| j.claim_seconds("iat")),
    });
    match facts.grant {
        Some(grant) => out.findings.extend(grant_findings(grant, facts, has_refresh_token)),
        None if facts.provider.builtin => out.findings.push(Finding::fail(
            "grant.issued",
            "The practice server never issued this access token: paste the response exactly as the \
             practice server's token endpoint sent it.",
        )),
        None => out.findings.extend(unverified_findings(jwt.as_ref(), scope.or(jwt_scope), facts)),
    }
    out.jwt = jwt.map(|j| DecodedJwt { header: Value::Object(j.header), claims: Value::Object(j.claims) });
    if !out.findings.iter().any(Finding::is_blocking) {
        out.findings.push(Finding::info(
            "grant.completed",
            "Your service has its own token for the API: use it in step 2.",
        ));
    }
    out
}

/// A refresh token must not come with a client credentials token: said when there is one.
fn refresh_token(value: Option<&Value>) -> Option<Finding> {
    value.map(|_| {
        Finding::fail(
            "token.refresh_token",
            "The response holds a refresh_token, which a client credentials response should not: \
             get the token with grant_type=client_credentials from the service client, and paste \
             that response.",
        )
        .with_details(
            "A service can ask for a new token with its own credentials at any time, so RFC 6749 \
             §4.4.3 says a refresh token should not be included; a refresh token usually means \
             the token came from a user's login.",
        )
    })
}

/// The response's `scope` member, checked for its shape, and its value when it is one.
fn scope_member(value: Option<&Value>) -> (Finding, Option<&str>) {
    const ID: &str = "token.scope";
    match value {
        None => (
            Finding::info(
                ID,
                "The response has no scope, which means the granted scope is the one requested.",
            )
            .with_details(
                "A token response may leave scope out when it is the one requested (RFC 6749 §5.1).",
            ),
            None,
        ),
        Some(Value::String(s)) => match Scope::parse(s) {
            Ok(scope) => (
                Finding::pass(ID, format!("The granted scope is \"{}\".", show(&scope.to_string(), 120))),
                Some(s.as_str()),
            ),
            Err(e) => (Finding::fail(ID, e.to_string()).with_details(e.details()), None),
        },
        Some(_) => (
            Finding::fail(
                ID,
                "scope must be a string of scopes separated by spaces: paste the response exactly as \
                 the server sent it.",
            )
            .with_details("RFC 6749 §5.1 defines scope as a string."),
            None,
        ),
    }
}

/// How the token came to be, from the practice server's record, each mismatch with its
/// own finding.
fn grant_findings(grant: &Grant, facts: &Facts<'_>, response_had_refresh_token: bool) -> Vec<Finding> {
    let mut findings = vec![grant_type(grant), client(grant, facts)];
    findings.extend(resource(grant, facts));
    findings.push(least_scope("grant.scope", grant.scope.as_deref()));
    if grant.refresh_token_issued && !response_had_refresh_token {
        findings.push(
            Finding::fail(
                "grant.refresh_token",
                "The server issued a refresh token with this access token that the pasted response \
                 leaves out: get a token with grant_type=client_credentials and paste its response \
                 unedited.",
            )
            .with_details("The client credentials grant issues no refresh token (RFC 6749 §4.4.3)."),
        );
    }
    findings
}

fn grant_type(grant: &Grant) -> Finding {
    const ID: &str = "grant.type";
    match grant.grant {
        GrantType::ClientCredentials => {
            Finding::pass(ID, "The token comes from the client_credentials grant.")
                .with_details("A service authenticates as itself, with no user involved (RFC 6749 §4.4).")
        }
        GrantType::AuthorizationCode => Finding::fail(
            ID,
            "This token came from a login, not from the client credentials grant: POST \
             grant_type=client_credentials with the service client's id and secret to the token \
             endpoint.",
        )
        .with_details(
            "A token from the authorization code flow acts for the user who logged in; a service \
             acting for itself asks for its own token (RFC 6749 §4.4.2).",
        ),
        GrantType::RefreshToken => Finding::fail(
            ID,
            "This token came from a refresh, not from the client credentials grant: POST \
             grant_type=client_credentials with the service client's id and secret to the token \
             endpoint.",
        )
        .with_details("The client credentials grant needs no refresh token (RFC 6749 §4.4.3)."),
    }
}

fn client(grant: &Grant, facts: &Facts<'_>) -> Finding {
    const ID: &str = "grant.client";
    let other = |kind: &str| {
        Finding::fail(
            ID,
            format!(
                "This token was issued to your {kind}, not to the service client: use the service \
                 client's client_id and secret from your practice dashboard."
            ),
        )
        .with_details(
            "Each client gets only the grants it was registered for: the service client is the one \
             meant for the client credentials grant (RFC 6749 §2.1, §4.4).",
        )
    };
    match grant.client_kind {
        ClientKind::Web => other("web application"),
        ClientKind::Public => other("public client (the single-page app)"),
        ClientKind::Service => match facts.service_client_id {
            Some(expected) if expected != grant.client_id => Finding::fail(
                ID,
                "This token was issued to another service client: use your own service client's \
                 client_id and secret from your practice dashboard.",
            ),
            _ => Finding::pass(ID, "The token was issued to your service client."),
        },
    }
}

/// The token is for the API: the request named it as `resource` (or `audience`), and the
/// token's `aud` is it.
fn resource(grant: &Grant, facts: &Facts<'_>) -> Option<Finding> {
    const ID: &str = "grant.resource";
    let expected = facts.resource?;
    let details = "RFC 8707 §2: the resource parameter names the API the token is for, and the server \
                   puts it in the token's aud (RFC 9068 §3), so no other API accepts the token.";
    Some(match (grant.resource.as_deref(), grant.audience.as_deref()) {
        (None, _) => Finding::fail(
            ID,
            format!(
                "The token request named no resource: add resource={} (or audience) to it, so the \
                 token is for the practice API only.",
                show(expected, 120)
            ),
        )
        .with_details(details),
        (Some(asked), _) if asked != expected => Finding::fail(
            ID,
            format!(
                "The token request asked for the resource \"{}\": ask for resource={}, the practice \
                 API's identifier, exactly.",
                show(asked, 120),
                show(expected, 120)
            ),
        )
        .with_details(details),
        (Some(_), Some(aud)) if aud != expected => Finding::fail(
            ID,
            format!(
                "The token's aud is \"{}\", not the practice API: ask for resource={} and paste the \
                 new response.",
                show(aud, 120),
                show(expected, 120)
            ),
        )
        .with_details(details),
        (Some(_), _) => {
            Finding::pass(ID, "The token is for the practice API (its aud is the resource you named).")
                .with_details(details)
        }
    })
}

/// Least privilege: only `reports:read`, which the API call needs.
fn least_scope(id: &str, scope: Option<&str>) -> Finding {
    let details = "A token should carry only the scope its use needs (RFC 9700 §2.3): reading reports \
                   needs reports:read, and a leaked token with reports:write could change them.";
    let parsed = scope.map(Scope::parse);
    match parsed {
        None => Finding::fail(
            id,
            format!("The token has no scope: ask for scope={READ_SCOPE} in the token request."),
        )
        .with_details(details),
        Some(Err(e)) => Finding::fail(id, e.to_string()).with_details(e.details()),
        Some(Ok(scope)) => {
            let read = scope.contains(READ_SCOPE);
            let write = scope.contains(WRITE_SCOPE);
            let others = scope.iter().filter(|s| *s != READ_SCOPE && *s != WRITE_SCOPE).count();
            if read && !write && others == 0 {
                Finding::pass(id, format!("The token has only {READ_SCOPE}, the least the call needs."))
                    .with_details(details)
            } else if write {
                Finding::fail(
                    id,
                    format!(
                        "The token also has {WRITE_SCOPE}, which reading reports does not need: ask for \
                         scope={READ_SCOPE} only."
                    ),
                )
                .with_details(details)
            } else if !read {
                Finding::fail(
                    id,
                    format!(
                        "The token's scope \"{}\" lacks {READ_SCOPE}: ask for scope={READ_SCOPE} in the \
                         token request.",
                        show(&scope.to_string(), 120)
                    ),
                )
                .with_details(details)
            } else {
                Finding::fail(
                    id,
                    format!(
                        "The token's scope \"{}\" holds more than the call needs: ask for \
                         scope={READ_SCOPE} only.",
                        show(&scope.to_string(), 120)
                    ),
                )
                .with_details(details)
            }
        }
    }
}

/// On another server: what the JWT shows (its `aud`, `sub` and `client_id`, and the
/// least scope when it uses the practice API's names), and what could not be verified.
fn unverified_findings(jwt: Option<&UnverifiedJwt>, scope: Option<&str>, facts: &Facts<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(jwt) = jwt {
        findings.push(audience(jwt, facts.resource));
        let client_id = jwt.claim_str("client_id");
        findings.push(match client_id {
            None => Finding::warn(
                "token.client_id",
                "The JWT has no client_id claim, so an API cannot tell which client holds it: \
                 configure the server to include client_id.",
            )
            .with_details("RFC 9068 §2.2 requires client_id in JWT access tokens."),
            Some(id) => match facts.service_client_id {
                Some(expected) if expected != id => Finding::fail(
                    "token.client_id",
                    format!(
                        "The token was issued to the client \"{}\": get it with your service client's \
                         client_id and secret.",
                        show(id, 80)
                    ),
                ),
                _ => Finding::pass(
                    "token.client_id",
                    format!("The token was issued to the client \"{}\".", show(id, 80)),
                ),
            },
        });
        findings.push(match (jwt.claim_str("sub"), client_id) {
            (Some(sub), Some(id)) if sub == id => Finding::pass(
                "token.sub",
                "The token's sub is its client_id: it stands for the service itself.",
            )
            .with_details("RFC 9068 §2.2: without a user, sub names the client."),
            (Some(_), Some(_)) => Finding::fail(
                "token.sub",
                "The token's sub is not its client_id, so it stands for a user who logged in: get the \
                 token with grant_type=client_credentials instead.",
            )
            .with_details("RFC 9068 §2.2: in a client credentials token, sub names the client."),
            (None, _) => Finding::warn(
                "token.sub",
                "The JWT has no sub claim, so an API cannot tell who the token stands for: configure \
                 the server to include sub.",
            )
            .with_details("RFC 9068 §2.2 requires sub in JWT access tokens."),
            (Some(_), None) => Finding::info(
                "token.sub",
                "Without a client_id claim, whether sub names the service could not be verified.",
            ),
        });
    }
    // The least-scope rule uses the practice API's scope names; another API's are its own.
    let scope = scope.unwrap_or_default();
    if scope.split(' ').any(|s| s == READ_SCOPE || s == WRITE_SCOPE) {
        findings.push(least_scope("token.least_scope", Some(scope)));
    }
    let seen = if jwt.is_some() { "the JWT's claims were" } else { "the response was" };
    findings.push(
        Finding::info(
            "grant.unverified",
            format!(
                "OAuth Lab cannot read this server's records, so only {seen} checked: the grant, \
                 client and resource behind the token could not be verified."
            ),
        )
        .with_details(
            "On the built-in practice server each of them is checked against how the server issued \
             the token.",
        ),
    );
    findings
}

/// The JWT's `aud`: present, and the resource when it is known.
fn audience(jwt: &UnverifiedJwt, resource: Option<&str>) -> Finding {
    const ID: &str = "token.aud";
    let details = "RFC 9068 §2.2 requires aud, the API the token is for (the resource of RFC 8707).";
    let audiences: Vec<&str> = match jwt.claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().take(MAX_AUDIENCES).filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if audiences.is_empty() {
        return Finding::warn(
            ID,
            "The JWT names no audience, so any API could accept it: ask for the token with a resource \
             (or audience) parameter.",
        )
        .with_details(details);
    }
    match resource {
        Some(expected) if !audiences.contains(&expected) => Finding::fail(
            ID,
            format!(
                "The token's aud does not name {}: ask for the token with resource={} and paste the new \
                 response.",
                show(expected, 120),
                show(expected, 120)
            ),
        )
        .with_details(details),
        _ => {
            Finding::pass(ID, format!("The token is for \"{}\" (its aud).", show(&audiences.join(" "), 120)))
                .with_details(details)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{check, Facts, Step};
    use super::*;
    use crate::verdict::Level;

    fn step1(input: &str, grant: Option<&Grant>) -> crate::exercises::client_credentials::Outcome {
        run(Step::TokenResponse, input, &Default::default(), grant, None)
    }

    #[test]
    fn the_response_asked_for_passes_with_every_finding_said() {
        let g = grant();
        let out = step1(&response(), Some(&g));
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        for id in [
            "token.json",
            "token.token_type",
            "token.access_token",
            "token.expires_in",
            "token.scope",
            "grant.type",
            "grant.client",
            "grant.resource",
            "grant.scope",
        ] {
            assert!(finding(&out, id).ok, "{id}");
        }
        assert_eq!(finding(&out, "token.jwt").level, Level::Info);
        assert_eq!(finding(&out, "grant.completed").level, Level::Info);
        assert_eq!(out.verdict.find("token.refresh_token"), None);
        assert_eq!(out.verdict.find("grant.unverified"), None);
    }

    #[test]
    fn each_mistake_in_the_record_is_named() {
        let write = Grant { scope: Some(format!("{READ_SCOPE} {WRITE_SCOPE}")), ..grant() };
        let cases: Vec<(Grant, &str, &str)> = vec![
            (
                Grant { grant: GrantType::AuthorizationCode, ..grant() },
                "grant.type",
                "This token came from a login, not from the client credentials grant",
            ),
            (Grant { grant: GrantType::RefreshToken, ..grant() }, "grant.type", "came from a refresh"),
            (Grant { client_kind: ClientKind::Web, ..grant() }, "grant.client", "your web application"),
            (Grant { client_kind: ClientKind::Public, ..grant() }, "grant.client", "public client"),
            (
                Grant { client_id: "lab-service-2".into(), ..grant() },
                "grant.client",
                "another service client",
            ),
            (Grant { resource: None, audience: None, ..grant() }, "grant.resource", "named no resource"),
            (
                Grant { resource: Some("https://api.example".into()), ..grant() },
                "grant.resource",
                "\"https://api.example\"",
            ),
            (
                Grant { audience: Some("https://api.example".into()), ..grant() },
                "grant.resource",
                "aud is \"https://api.example\"",
            ),
            (write, "grant.scope", "also has reports:write"),
            (Grant { scope: Some(WRITE_SCOPE.into()), ..grant() }, "grant.scope", "also has reports:write"),
            (Grant { scope: Some("openid".into()), ..grant() }, "grant.scope", "lacks reports:read"),
            (Grant { scope: Some(format!("{READ_SCOPE} openid")), ..grant() }, "grant.scope", "more than"),
            (Grant { scope: None, ..grant() }, "grant.scope", "has no scope"),
            (Grant { refresh_token_issued: true, ..grant() }, "grant.refresh_token", "leaves out"),
        ];
        for (g, id, says) in cases {
            let out = step1(&response(), Some(&g));
            assert_eq!(blocking(&out), [id], "{g:?}");
            assert!(finding(&out, id).message.contains(says), "{}", finding(&out, id).message);
            assert_eq!(out.progress, None);
            assert_eq!(out.verdict.find("grant.completed"), None);
        }
    }

    #[test]
    fn a_refresh_token_in_the_response_fails_on_any_server() {
        let input = response().replace("\"scope\"", "\"refresh_token\":\"rt-123\",\"scope\"");
        let g = Grant { refresh_token_issued: true, ..grant() };
        let out = step1(&input, Some(&g));
        assert_eq!(blocking(&out), ["token.refresh_token"], "said once, not twice");
        assert!(said(finding(&out, "token.refresh_token")).contains("RFC 6749 §4.4.3"));
        let provider = okta();
        let p = Default::default();
        let out = run_facts(Step::TokenResponse, &input, &facts(&provider, &p, None, None));
        assert_eq!(blocking(&out), ["token.refresh_token"]);
    }

    #[test]
    fn a_token_the_practice_server_never_issued_fails() {
        let out = step1(&response(), None);
        assert_eq!(blocking(&out), ["grant.issued"]);
    }

    #[test]
    fn the_shape_of_the_response_is_checked_as_refresh_tokens_checks_it() {
        let cases = [
            ("", "token.json"),
            ("{\"access_token\":", "token.json"),
            ("[1]", "token.object"),
            (r#"{"error":"unsupported_grant_type"}"#, "token.error"),
            (r#"{"access_token":"opaque-service-token-1234","token_type":"DPoP"}"#, "token.token_type"),
            (r#"{"token_type":"Bearer"}"#, "token.access_token"),
            (
                r#"{"access_token":"opaque-service-token-1234","token_type":"Bearer","expires_in":-1}"#,
                "token.expires_in",
            ),
            (
                r#"{"access_token":"opaque-service-token-1234","token_type":"Bearer","scope":7}"#,
                "token.scope",
            ),
        ];
        let g = grant();
        for (input, id) in cases {
            let out = step1(input, Some(&g));
            assert!(blocking(&out).contains(&id), "{input}: {:#?}", out.verdict.findings);
            assert_eq!(out.progress, None);
        }
        let out = step1(r#"{"error":"unsupported_grant_type"}"#, Some(&g));
        assert!(finding(&out, "token.error").message.contains("grant_type=client_credentials"));
        let out = step1(r#"{"token_type":"Bearer"}"#, Some(&g));
        assert!(finding(&out, "token.access_token").message.contains("grant_type=client_credentials"));
        // Quoted, too large, or with an invisible character: named before parsing.
        let quoted = format!("'{}'", response());
        let large = format!("{{\"pad\":\"{}\"}}", "x".repeat(crate::exercises::refresh::MAX_RESPONSE_BYTES));
        let invisible = response().replace(",\"token_type\"", ",\u{200B}\"token_type\"");
        for input in [quoted, large, invisible] {
            assert_eq!(blocking(&step1(&input, Some(&g))), ["token.json"]);
        }
    }

    #[test]
    fn progress_keeps_the_digest_and_never_the_token() {
        let g = grant();
        let out = step1(&response(), Some(&g));
        let p = out.progress.expect("passed");
        let record = p.token.expect("kept");
        assert_eq!(record.access_token_sha256, token_sha256(TOKEN));
        assert_eq!(record.sub.as_deref(), Some(SERVICE), "the record's client is the sub");
        assert!(!serde_json::to_string(&record).expect("serializes").contains(TOKEN));
    }

    fn other_server(claims: &str, scope: &str) -> crate::exercises::client_credentials::Outcome {
        let token = jwt(r#"{"alg":"RS256","typ":"at+jwt"}"#, claims);
        let input = format!(
            r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":3600,"scope":"{scope}"}}"#
        );
        let provider = okta();
        let p = Default::default();
        let facts = Facts {
            provider: &provider,
            progress: &p,
            now: NOW,
            resource: Some("api://reports"),
            service_client_id: None,
            grant: None,
            signature: None,
            receipt: None,
        };
        run_facts(Step::TokenResponse, &input, &facts)
    }

    const ISS: &str = "https://dev-1.okta.com/oauth2/default";

    #[test]
    fn on_another_server_the_jwt_is_graded_and_the_rest_said_unverified() {
        let good = format!(
            r#"{{"iss":"{ISS}","aud":"api://reports","sub":"svc-1","client_id":"svc-1","exp":{}}}"#,
            NOW + 60
        );
        let out = other_server(&good, "reports:read");
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        for id in ["token.aud", "token.sub", "token.client_id", "token.least_scope"] {
            assert!(finding(&out, id).ok, "{id}");
        }
        let f = finding(&out, "grant.unverified");
        assert_eq!((f.ok, f.level), (true, Level::Info));
        assert_eq!(out.progress.expect("passed").token.expect("kept").sub.as_deref(), Some("svc-1"));
        // An array aud naming the resource passes too.
        let out =
            other_server(&good.replace("\"api://reports\"", "[\"x\",\"api://reports\"]"), "reports:read");
        assert!(finding(&out, "token.aud").ok);
        // Another API's scope names are its own: no least-scope rule.
        let out = other_server(&good, "read:things");
        assert_eq!(out.verdict.find("token.least_scope"), None);
        assert!(out.verdict.passed());

        let cases = [
            (good.replace("api://reports", "api://other"), "reports:read", "token.aud", Level::Error),
            (good.replace(r#""aud":"api://reports","#, ""), "reports:read", "token.aud", Level::Warning),
            (
                good.replace(r#""sub":"svc-1""#, r#""sub":"user-42""#),
                "reports:read",
                "token.sub",
                Level::Error,
            ),
            (good.replace(r#""sub":"svc-1","#, ""), "reports:read", "token.sub", Level::Warning),
            (good.replace(r#""client_id":"svc-1","#, ""), "reports:read", "token.client_id", Level::Warning),
            (good.clone(), "reports:read reports:write", "token.least_scope", Level::Error),
        ];
        for (claims, scope, id, level) in cases {
            let out = other_server(&claims, scope);
            let f = finding(&out, id);
            assert_eq!((f.ok, f.level), (false, level), "{claims} {scope}: {}", f.message);
            assert_eq!(out.verdict.passed(), level != Level::Error);
            assert!(out.verdict.find("grant.unverified").is_some());
        }
        // Not a JWT: only the response, and said so.
        let provider = okta();
        let p = Default::default();
        let out = run_facts(Step::TokenResponse, &response(), &facts(&provider, &p, None, None));
        assert!(out.verdict.passed());
        assert!(finding(&out, "grant.unverified").message.contains("only the response was checked"));
    }

    #[test]
    fn a_known_service_client_is_compared_on_another_server() {
        let token = jwt(r#"{"alg":"RS256"}"#, r#"{"sub":"web-1","client_id":"web-1","aud":"x"}"#);
        let input = format!(r#"{{"access_token":"{token}","token_type":"Bearer"}}"#);
        let provider = okta();
        let p = Default::default();
        let facts = Facts { service_client_id: Some("svc-1"), ..facts(&provider, &p, None, None) };
        let out = check(Step::TokenResponse, &input, &facts).expect("unlocked");
        assert_eq!(blocking(&out), ["token.client_id"]);
    }
}
