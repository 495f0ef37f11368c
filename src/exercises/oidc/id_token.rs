//! Step 4: the token response of the code exchange, read as Web Applications reads it
//! (`web_app::token::read`), and its ID token verified as a relying party must (OIDC
//! Core §3.1.3.7): signature, `alg`, `iss`, `aud` and `azp`, `exp`, `iat`, `nonce`,
//! `at_hash` and, when step 3 sent `max_age`, `auth_time`; each failed check its own
//! finding. On the built-in server the practice server's record says how the tokens
//! came to be; against another server, what could not be verified is said.

use serde_json::Value;

use super::{Exchange, Facts, IdClaims, MAX_CLAIM_CHARS};
use crate::exercises::refresh::response::{self, Purpose};
use crate::exercises::refresh::{token_sha256, DecodedJwt, IssuedGrant, SignatureCheck, TokenRecord};
use crate::exercises::web_app::token as web_token;
use crate::oauth::jwt::{decode_unverified, UnverifiedJwt};
use crate::oauth::left_half_hash;
use crate::verdict::{show, Finding};
use crate::work::{self, Counted as _};

/// The most characters of a subject (OIDC Core §2: at most 255 ASCII characters).
const MAX_SUB_CHARS: usize = 255;
/// The clock skew allowed for `iat` and `auth_time`, in seconds.
const SKEW: i64 = 300;
/// The most audiences read from `aud`.
const MAX_AUDIENCES: usize = 32;

/// What checking step 4 found, and what to keep when it passes.
#[derive(Default)]
pub(super) struct Checked {
    pub findings: Vec<Finding>,
    pub record: Option<TokenRecord>,
    pub jwt: Option<DecodedJwt>,
    pub id_token: Option<DecodedJwt>,
    pub claims: Option<IdClaims>,
}

pub(super) fn check(input: &str, facts: &Facts<'_>) -> Checked {
    let words = web_token::Words {
        error: |error, description| response::error_response(Purpose::Code, error, description),
        refresh_token: web_token::refresh_token,
    };
    let (read, access_jwt) = match web_token::read(input, facts.provider, facts.signature, facts.now, &words)
    {
        web_token::Read::Token(out, jwt) => (out, jwt),
        web_token::Read::Stopped(out) => {
            return Checked { findings: out.findings, ..Checked::default() };
        }
    };
    let mut out = Checked {
        findings: read.findings,
        record: read.record,
        jwt: access_jwt.map(decoded),
        ..Checked::default()
    };
    // The response parsed as an object with an access token to get here.
    let object = response::parse_object(input).unwrap_or_default();
    let access_token = object.get("access_token").and_then(Value::as_str).unwrap_or_default();
    let (findings, id_token, claims) = id_token_findings(object.get("id_token"), access_token, facts);
    out.findings.extend(findings);
    out.findings.extend(exchange_findings(facts));
    out.id_token = id_token.map(decoded);
    out.claims = claims;
    out
}

fn decoded(jwt: UnverifiedJwt) -> DecodedJwt {
    DecodedJwt { header: Value::Object(jwt.header), claims: Value::Object(jwt.claims) }
}

const NO_ID_TOKEN: &str = "A server sends an ID token only when the authorization request's scope \
     holds openid, and in the response of the authorization_code grant (OIDC Core §3.1.3.3); a \
     refresh may leave it out.";

/// The ID token's findings, the decoded token, and its claims to keep when it passes.
fn id_token_findings(
    value: Option<&Value>,
    access_token: &str,
    facts: &Facts<'_>,
) -> (Vec<Finding>, Option<UnverifiedJwt>, Option<IdClaims>) {
    const ID: &str = "id_token.present";
    let token = match value {
        None => {
            return (
                vec![Finding::fail(
                    ID,
                    "The response has no id_token, so the scope had no openid or this is not the code \
                     exchange: add openid to the scope of step 3, log in again and paste the response \
                     of the grant_type=authorization_code request.",
                )
                .with_details(NO_ID_TOKEN)],
                None,
                None,
            )
        }
        Some(Value::String(t)) if !t.is_empty() => t.as_str(),
        Some(_) => {
            return (
                vec![Finding::fail(
                    ID,
                    "id_token must be a non-empty string (a JWT): paste the response exactly as the \
                     server sent it.",
                )
                .with_details("OIDC Core §3.1.3.3: the id_token member holds the ID token, a JWT.")],
                None,
                None,
            )
        }
    };
    let mut findings = vec![Finding::pass(ID, "The response holds an id_token.")];
    let Some(jwt) = decode_unverified(token) else {
        work::add(token.len());
        let message = if token.split('.').counted().count() == 5 {
            "The id_token is encrypted (a JWE), which this site cannot read: register the client \
             without ID token encryption and log in again."
        } else {
            "The id_token is not a signed JWT (three base64url parts, a JSON header and JSON claims): \
             paste the response exactly as the server sent it."
        };
        findings.push(
            Finding::fail("id_token.jwt", message)
                .with_details("An ID token is a JWT, signed with JWS (OIDC Core §2)."),
        );
        return (findings, None, None);
    };
    let typ = jwt.header.get("typ").and_then(Value::as_str).unwrap_or_default();
    findings.push(if typ.eq_ignore_ascii_case("at+jwt") || typ.eq_ignore_ascii_case("application/at+jwt") {
        Finding::fail(
            "id_token.jwt",
            "The id_token's header says typ at+jwt, which marks an access token: paste the response \
             exactly as the server sent it, with the ID token it issued.",
        )
        .with_details(
            "RFC 9068 §2.1 marks JWT access tokens with typ at+jwt, so they are never taken for ID tokens.",
        )
    } else {
        Finding::pass("id_token.jwt", "The id_token is a JWT: its header and claims are shown decoded.")
            .with_details("Anyone holding it can read them; the client must verify it before trusting them.")
    });
    let alg = jwt.alg().unwrap_or_default();
    findings.push(alg_finding(alg, facts));
    if !(alg == "none" || alg.starts_with("HS")) {
        findings.push(signature(facts));
    }
    findings.push(iss(&jwt, facts));
    findings.extend(aud(&jwt, facts));
    findings.push(exp(&jwt, facts.now));
    findings.push(iat(&jwt, facts.now));
    let (finding, sub) = sub(&jwt);
    findings.push(finding);
    findings.push(nonce(&jwt, facts));
    findings.push(at_hash(&jwt, alg, access_token));
    findings.extend(auth_time(&jwt, facts));
    let kept = |name: &str| {
        jwt.claim_str(name)
            .filter(|v| v.chars().take(MAX_CLAIM_CHARS + 1).counted().count() <= MAX_CLAIM_CHARS)
    };
    let claims = sub.map(|sub| IdClaims {
        sub,
        name: kept("name").map(str::to_owned),
        email: kept("email").map(str::to_owned),
    });
    (findings, Some(jwt), claims)
}

const MUST: &str = "OIDC Core §3.1.3.7 lists what a client must check before it trusts an ID token.";

fn alg_finding(alg: &str, facts: &Facts<'_>) -> Finding {
    const ID: &str = "id_token.alg";
    match alg {
        "RS256" | "ES256" => Finding::pass(
            ID,
            format!("The ID token is signed with {alg}, with a key the server publishes in its JWKS."),
        )
        .with_details(
            "OIDC Core §3.1.3.7 (items 6 and 7): the client verifies it with the server's public key.",
        ),
        "none" => Finding::fail(
            ID,
            "The ID token is not signed (alg none), so anyone could have written it: a client must refuse \
             it, so make the server sign ID tokens with RS256.",
        )
        .with_details(format!(
            "{MUST} An unsigned ID token proves nothing (OIDC Core §3.1.3.7 item 7, RFC 8725 §3.1)."
        )),
        "" => Finding::fail(
            ID,
            "The ID token's header has no alg: paste the response exactly as the server sent it.",
        )
        .with_details(MUST),
        a if a.starts_with("HS") => Finding::fail(
            ID,
            format!(
                "The ID token is signed with {}, a MAC keyed with the client secret, not with the \
                 server's key: register the client for RS256 ID tokens (the default) and log in again.",
                show(a, 20)
            ),
        )
        .with_details(format!(
            "{MUST} With an HS algorithm anyone who knows the client secret can write an ID token; \
             RS256 (or ES256) lets the client verify it with the server's published keys."
        )),
        a if facts.provider.builtin => Finding::fail(
            ID,
            format!(
                "The ID token is signed with {}, which the practice server does not use: paste the \
                 response exactly as the practice server sent it.",
                show(a, 20)
            ),
        ),
        a => Finding::warn(
            ID,
            format!(
                "The ID token is signed with {}: this site checks RS256 and ES256 best, so configure the \
                 server to use one of them if you can.",
                show(a, 20)
            ),
        )
        .with_details(
            "RS256 is the one every OpenID Connect server must support (OpenID Connect Discovery §3).",
        ),
    }
}

fn signature(facts: &Facts<'_>) -> Finding {
    const ID: &str = "id_token.signature";
    match facts.id_token_signature {
        Some(SignatureCheck::Verified { kid }) => Finding::pass(
            ID,
            format!("The ID token's signature verifies with key {} from the server's JWKS.", show(kid, 40)),
        )
        .with_details("OIDC Core §3.1.3.7 item 6."),
        Some(SignatureCheck::UnknownKey) => Finding::fail(
            ID,
            "The ID token's kid is not among the server's published keys: paste a response this server \
             sent, unchanged.",
        )
        .with_details(format!("{MUST} The key is found in the server's JWKS by the token's kid.")),
        Some(SignatureCheck::Invalid) => Finding::fail(
            ID,
            "The ID token's signature does not verify with the server's keys, so a client must refuse \
             it: paste the response exactly as the token endpoint sent it.",
        )
        .with_details(format!(
            "{MUST} The token was changed after it was issued, or another server signed it."
        )),
        Some(SignatureCheck::Unavailable { reason }) => Finding::warn(
            ID,
            "The ID token's signature was not checked because the server's JWKS could not be read: check \
             again in a moment.",
        )
        .with_details(format!(
            "Reading the JWKS gave \"{}\"; if it persists, check the server's jwks_uri.",
            show(reason, 200)
        )),
        None if facts.provider.builtin => Finding::info(
            ID,
            "The ID token's signature could not be verified here, which is a fault of this site, not of \
             your answer.",
        ),
        None => Finding::info(
            ID,
            "The ID token's signature was not verified, because this server's keys are not known here.",
        )
        .with_details("A client verifies it with the key of the server's JWKS named by the token's kid."),
    }
}

fn iss(jwt: &UnverifiedJwt, facts: &Facts<'_>) -> Finding {
    const ID: &str = "id_token.iss";
    let details = "OIDC Core §3.1.3.7 item 2: iss must equal the issuer of the server's metadata exactly.";
    let claimed = jwt.claim_str("iss");
    match (claimed, facts.provider.issuer.as_deref()) {
        (None, _) => Finding::fail(
            ID,
            "The ID token has no iss, so a client must refuse it: paste the response exactly as the server \
             sent it.",
        )
        .with_details(details),
        (Some(iss), Some(issuer)) if iss == issuer => {
            Finding::pass(ID, "iss is the issuer you log in with.").with_details(details)
        }
        (Some(iss), Some(issuer)) if iss.trim_end_matches('/') == issuer.trim_end_matches('/') => {
            Finding::fail(
                ID,
                format!(
                    "iss is \"{}\" but the issuer is \"{}\": they differ only by a trailing slash, which is \
                 enough for a client to refuse it, so use a server whose iss is its issuer exactly.",
                    show(iss, 100),
                    show(issuer, 100)
                ),
            )
            .with_details(details)
        }
        (Some(iss), Some(issuer)) => Finding::fail(
            ID,
            format!(
                "iss is \"{}\" but the issuer is \"{}\": log in with this server and paste its response.",
                show(iss, 100),
                show(issuer, 100)
            ),
        )
        .with_details(details),
        (Some(iss), None) => Finding::info(
            ID,
            format!("iss is \"{}\"; the issuer is not known here, so it was not compared.", show(iss, 100)),
        )
        .with_details(details),
    }
}

/// `aud` (and `azp` when there are several audiences or one is given).
fn aud(jwt: &UnverifiedJwt, facts: &Facts<'_>) -> Vec<Finding> {
    const ID: &str = "id_token.aud";
    let details = "OIDC Core §3.1.3.7 item 3: aud must contain the client's client_id; a token for \
                   another client must be refused.";
    let audiences: Vec<&str> = match jwt.claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => {
            let strings: Vec<&str> =
                list.iter().take(MAX_AUDIENCES).counted().filter_map(Value::as_str).collect();
            if strings.is_empty() || list.iter().take(MAX_AUDIENCES).any(|v| !v.is_string()) {
                return vec![Finding::fail(
                    ID,
                    "aud must be a string or an array of strings: paste the response exactly as the server \
                     sent it.",
                )
                .with_details(details)];
            }
            strings
        }
        None => {
            return vec![Finding::fail(
                ID,
                "The ID token has no aud, so a client cannot tell it was meant for it: paste the response \
                 exactly as the server sent it.",
            )
            .with_details(details)]
        }
        Some(_) => {
            return vec![Finding::fail(
            ID,
            "aud must be a string or an array of strings: paste the response exactly as the server sent it.",
        )
        .with_details(details)]
        }
    };
    let Some(client) = facts.provider.client_id.as_deref() else {
        return vec![Finding::info(
            ID,
            "Your client_id is not known here, so whether aud names your client could not be checked.",
        )
        .with_details(details)];
    };
    let mut out = vec![if audiences.contains(&client) {
        Finding::pass(ID, "aud names your client.").with_details(details)
    } else {
        Finding::fail(
            ID,
            format!(
                "aud is \"{}\", not your client_id \"{}\": this ID token was issued to another client, so \
                 log in with your client_id.",
                show(&audiences.join(" "), 100),
                show(client, 100)
            ),
        )
        .with_details(details)
    }];
    const AZP: &str = "id_token.azp";
    let azp_details = "OIDC Core §3.1.3.7 items 4 and 5: azp names the party the ID token was issued to, \
                       and must be the client_id when present.";
    match jwt.claims.get("azp") {
        Some(Value::String(azp)) if azp == client => {
            out.push(Finding::pass(AZP, "azp is your client_id.").with_details(azp_details));
        }
        Some(azp) => out.push(
            Finding::fail(
                AZP,
                format!(
                    "azp is {}, not your client_id \"{}\": this ID token was issued to another client, so \
                     log in with your client_id.",
                    show(&azp.to_string(), 100),
                    show(client, 100)
                ),
            )
            .with_details(azp_details),
        ),
        None if audiences.len() > 1 => out.push(
            Finding::warn(
                AZP,
                "The ID token has several audiences but no azp, so which of them it was issued to is not \
                 said: configure the server to include azp.",
            )
            .with_details(azp_details),
        ),
        None => {}
    }
    out
}

fn exp(jwt: &UnverifiedJwt, now: i64) -> Finding {
    const ID: &str = "id_token.exp";
    let details = "OIDC Core §3.1.3.7 item 9: the current time must be before exp.";
    match jwt.claim_seconds("exp") {
        None => Finding::fail(
            ID,
            "The ID token has no exp, so a client must refuse it: paste the response exactly as the server \
             sent it.",
        )
        .with_details(details),
        Some(exp) if exp <= now => Finding::fail(
            ID,
            format!(
                "The ID token expired {} ago, so a client must refuse it: log in again with a new URL in step \
                 3 and paste the new response right away.",
                ago(now.saturating_sub(exp))
            ),
        )
        .with_details(details),
        Some(_) => Finding::pass(ID, "The ID token has not expired.").with_details(details),
    }
}

fn ago(secs: i64) -> String {
    let (n, unit) = match secs {
        s if s < 120 => (s, "second"),
        s if s < 2 * 3600 => (s / 60, "minute"),
        s if s < 2 * 86_400 => (s / 3600, "hour"),
        s => (s / 86_400, "day"),
    };
    crate::verdict::count(u64::try_from(n).unwrap_or(0), unit)
}

fn iat(jwt: &UnverifiedJwt, now: i64) -> Finding {
    const ID: &str = "id_token.iat";
    let details = "OIDC Core §2 requires iat; §3.1.3.7 item 10 lets a client refuse a token issued too \
                   long ago or in the future.";
    match jwt.claim_seconds("iat") {
        None => Finding::fail(
            ID,
            "The ID token has no iat: paste the response exactly as the server sent it, or configure the \
             server to include iat.",
        )
        .with_details(details),
        Some(iat) if iat > now.saturating_add(SKEW) => Finding::warn(
            ID,
            "The ID token's iat is in the future, so the server's clock is ahead: check the server's clock.",
        )
        .with_details(details),
        Some(_) => Finding::pass(ID, "The ID token says when it was issued (iat).").with_details(details),
    }
}

/// `sub`, and the subject to keep when it is one.
fn sub(jwt: &UnverifiedJwt) -> (Finding, Option<String>) {
    const ID: &str = "id_token.sub";
    let details = "OIDC Core §2: sub is the user's identifier at the issuer, at most 255 ASCII \
                   characters, never reassigned; a client keys its users by iss and sub.";
    match jwt.claim_str("sub").filter(|s| !s.is_empty()) {
        None => (
            Finding::fail(ID, "The ID token has no sub: paste the response exactly as the server sent it.")
                .with_details(details),
            None,
        ),
        Some(s) if s.chars().take(MAX_SUB_CHARS + 1).counted().count() > MAX_SUB_CHARS => (
            Finding::fail(
                ID,
                "The ID token's sub is longer than 255 characters, more than OpenID Connect allows: \
                 configure the server to issue shorter subject identifiers.",
            )
            .with_details(details),
            None,
        ),
        Some(s) => (
            Finding::pass(ID, format!("The user's subject (sub) is \"{}\".", show(s, 100)))
                .with_details(details),
            Some(s.to_owned()),
        ),
    }
}

fn nonce(jwt: &UnverifiedJwt, facts: &Facts<'_>) -> Finding {
    const ID: &str = "id_token.nonce";
    let details = "OIDC Core §3.1.3.7 item 11 (and §15.5.2): the ID token's nonce must be the one the \
                   client sent, which is how a replayed ID token, taken from another login, is caught.";
    let Some(ours) = facts.progress.nonce.as_deref() else {
        return Finding::fail(
            ID,
            "There is no nonce from step 3 on record to compare with: check step 3 again, then log in with \
             its URL.",
        );
    };
    match jwt.claims.get("nonce") {
        None => Finding::fail(
            ID,
            "The ID token has no nonce, so replay protection is gone: log in with the URL of step 3, \
             which sends one, and paste that login's response.",
        )
        .with_details(details),
        Some(Value::String(n)) if n == ours => {
            Finding::pass(ID, "The ID token's nonce is the one of step 3.").with_details(details)
        }
        Some(_) => Finding::fail(
            ID,
            "The ID token's nonce is not the one of step 3, as a replayed token's would be: log in with \
             the URL of step 3 and paste the response of that login.",
        )
        .with_details(details),
    }
}

fn at_hash(jwt: &UnverifiedJwt, alg: &str, access_token: &str) -> Finding {
    const ID: &str = "id_token.at_hash";
    let details = "at_hash is the base64url left half of the hash of the access token's ASCII, with the \
                   hash of the ID token's alg (SHA-256 for RS256 and ES256), binding the two tokens \
                   (OIDC Core §3.1.3.8, §3.2.2.9).";
    let Some(claimed) = jwt.claims.get("at_hash") else {
        return Finding::info(
            ID,
            "The ID token has no at_hash, which the code flow makes optional, so nothing binds it to the \
             access token.",
        )
        .with_details(details);
    };
    let Some(want) = left_half_hash(alg, access_token) else {
        return Finding::info(
            ID,
            format!("at_hash could not be computed for alg {}, so it was not checked.", show(alg, 20)),
        )
        .with_details(details);
    };
    if claimed.as_str() == Some(want.as_str()) {
        Finding::pass(ID, "at_hash matches the access token: the two come from the same response.")
            .with_details(details)
    } else {
        Finding::fail(
            ID,
            "at_hash does not match the access_token of this response, so the two were not issued \
             together: paste one response, unedited, as the token endpoint sent it.",
        )
        .with_details(details)
    }
}

/// `auth_time`, when step 3 sent `max_age`.
fn auth_time(jwt: &UnverifiedJwt, facts: &Facts<'_>) -> Option<Finding> {
    const ID: &str = "id_token.auth_time";
    let max_age = facts.progress.max_age?;
    let details = "When the request sends max_age, the ID token must carry auth_time, and the client \
                   checks that the login is no older than max_age (OIDC Core §3.1.2.1, §3.1.3.7 item 13).";
    let max_age = i64::try_from(max_age).unwrap_or(i64::MAX);
    Some(match jwt.claim_seconds("auth_time") {
        None => Finding::fail(
            ID,
            "The ID token has no auth_time although step 3 sent max_age: configure the server to include \
             auth_time, or take max_age out of step 3's URL.",
        )
        .with_details(details),
        Some(at) if facts.now.saturating_sub(at) > max_age.saturating_add(SKEW) => Finding::warn(
            ID,
            "The user logged in longer ago than max_age allows, so the server should have asked them to \
             log in again: check how the server honours max_age.",
        )
        .with_details(details),
        Some(_) => {
            Finding::pass(ID, "auth_time says the login is recent enough for max_age.").with_details(details)
        }
    })
}

/// How the tokens came to be, from the practice server's record, each mismatch with its
/// own finding; on another server, what could not be verified.
fn exchange_findings(facts: &Facts<'_>) -> Vec<Finding> {
    let Some(ex) = facts.exchange else {
        if facts.provider.builtin {
            return vec![Finding::fail(
                "exchange.issued",
                "The practice server never issued this access token: paste the response exactly as the \
                 practice server's token endpoint sent it.",
            )];
        }
        return vec![Finding::info(
            "exchange.unverified",
            "OAuth Lab cannot read this server's records, so only the response and its ID token were \
             checked: the grant, client, client authentication, verifier and nonce behind them could not \
             be verified.",
        )
        .with_details("On the built-in practice server each of them is checked against how the server issued the tokens.")];
    };
    let mut findings = vec![
        grant(ex),
        web_token::client_auth(ex),
        web_token::verifier(ex, facts.progress.challenge.as_deref()),
        web_token::reused(ex),
        recorded_nonce(facts),
    ];
    findings.extend(web_token::client(ex, facts.provider.client_id.as_deref()));
    findings.extend(web_token::revoked(ex));
    findings
}

fn grant(ex: &Exchange) -> Finding {
    const ID: &str = "exchange.grant";
    match ex.grant {
        IssuedGrant::AuthorizationCode => {
            Finding::pass(ID, "The tokens come from the authorization_code grant: your code was exchanged.")
        }
        IssuedGrant::RefreshToken => Finding::fail(
            ID,
            "This token came from a refresh, not from exchanging the code: paste the response of the \
             grant_type=authorization_code request for the code of your step 3 login.",
        )
        .with_details(NO_ID_TOKEN),
        IssuedGrant::ClientCredentials => Finding::fail(
            ID,
            "This token came from the client_credentials grant, which logs no user in: paste the \
             response of the grant_type=authorization_code request for the code of your step 3 login.",
        )
        .with_details(NO_ID_TOKEN),
    }
}

/// The nonce the practice server recorded for the login behind the token.
fn recorded_nonce(facts: &Facts<'_>) -> Finding {
    const ID: &str = "exchange.nonce";
    let ours = facts.progress.nonce.as_deref().map(token_sha256);
    match (facts.nonce_sha256, ours) {
        (None, _) => Finding::info(
            ID,
            "The practice server kept no nonce for the login behind this token, so only the ID token's \
             nonce was compared.",
        ),
        (Some(recorded), Some(ours)) if recorded == ours => {
            Finding::pass(ID, "The login behind this token sent the nonce of step 3.")
        }
        (Some(_), _) => Finding::fail(
            ID,
            "The login behind this token sent another nonce than step 3's: log in with the URL of step 3 \
             and exchange that login's code.",
        )
        .with_details("The practice server records a digest of each authorization request's nonce."),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::super::test_support::*;
    use super::super::{Facts, Outcome, Progress, Step};
    use crate::exercises::refresh::{IssuedGrant, SignatureCheck};
    use crate::exercises::web_app::{ClientAuth, Exchange};
    use crate::verdict::Level;

    fn step4(input: &str, progress: &Progress) -> Outcome {
        run(Step::TokenResponse, input, &builtin(), progress)
    }

    fn with(change: impl FnOnce(&mut Value)) -> String {
        let mut claims = id_claims();
        change(&mut claims);
        response_with(&claims)
    }

    #[test]
    fn each_failed_check_of_the_id_token_has_its_own_finding() {
        type Change = fn(&mut Value);
        let cases: Vec<(Change, &str, &str)> = vec![
            (|c| c["iss"] = "https://evil.example".into(), "id_token.iss", "log in with this server"),
            (|c| c["iss"] = "http://127.0.0.1:3000/".into(), "id_token.iss", "trailing slash"),
            (|c| _ = c.as_object_mut().map(|o| o.remove("iss")), "id_token.iss", "has no iss"),
            (|c| c["aud"] = "someone-else".into(), "id_token.aud", "issued to another client"),
            (|c| c["aud"] = json!(["someone-else", "other"]), "id_token.aud", "\"someone-else other\""),
            (|c| c["aud"] = json!(7), "id_token.aud", "string or an array"),
            (|c| _ = c.as_object_mut().map(|o| o.remove("aud")), "id_token.aud", "has no aud"),
            (|c| c["azp"] = "someone-else".into(), "id_token.azp", "azp is \"someone-else\""),
            (|c| c["exp"] = json!(NOW - 90), "id_token.exp", "expired 90 seconds ago"),
            (|c| c["exp"] = json!(NOW), "id_token.exp", "expired 0 seconds ago"),
            (|c| _ = c.as_object_mut().map(|o| o.remove("exp")), "id_token.exp", "has no exp"),
            (|c| _ = c.as_object_mut().map(|o| o.remove("iat")), "id_token.iat", "has no iat"),
            (|c| _ = c.as_object_mut().map(|o| o.remove("sub")), "id_token.sub", "has no sub"),
            (|c| c["sub"] = "s".repeat(256).into(), "id_token.sub", "longer than 255"),
            (|c| _ = c.as_object_mut().map(|o| o.remove("nonce")), "id_token.nonce", "replay protection"),
            (|c| c["nonce"] = "another-nonce-Zx81Lq".into(), "id_token.nonce", "replayed token"),
            (
                |c| c["at_hash"] = "77QmUPtjPfzWtF2AnpK9RQ".into(),
                "id_token.at_hash",
                "were not issued together",
            ),
        ];
        for (change, id, says) in cases {
            let out = step4(&with(change), &progress(3));
            assert_eq!(blocking(&out), [id], "{id}: {:#?}", out.verdict.findings);
            let f = finding(&out, id);
            assert!(f.message.contains(says), "{id}: {}", f.message);
            assert!(f.details.as_deref().is_some_and(|d| d.contains("OIDC Core")), "{id}");
            assert_eq!(out.progress, None);
            assert!(out.id_token.is_some(), "shown decoded even when it fails");
        }
    }

    #[test]
    fn several_audiences_need_azp_and_a_future_iat_is_a_warning() {
        let out = step4(&with(|c| c["aud"] = json!([CLIENT, "https://api.example"])), &progress(3));
        assert!(out.verdict.passed());
        assert_eq!(finding(&out, "id_token.azp").level, Level::Warning);
        let several = |c: &mut Value| {
            c["aud"] = json!([CLIENT, "https://api.example"]);
            c["azp"] = CLIENT.into();
        };
        let out = step4(&with(several), &progress(3));
        assert!(finding(&out, "id_token.azp").ok);
        let out = step4(&with(|c| c["iat"] = json!(NOW + 3_600)), &progress(3));
        assert!(out.verdict.passed());
        assert_eq!(finding(&out, "id_token.iat").level, Level::Warning);
        // One audience and no azp: azp is not mentioned.
        let out = step4(&good_response(), &progress(3));
        assert!(out.verdict.find("id_token.azp").is_none());
    }

    #[test]
    fn the_alg_is_named_when_it_is_not_one_a_client_should_take() {
        let cases = [
            (r#"{"alg":"none"}"#, "not signed (alg none)", false),
            (r#"{"alg":"HS256"}"#, "HS256, a MAC keyed with the client secret", false),
            (r#"{"typ":"JWT"}"#, "has no alg", false),
            (r#"{"alg":"PS384"}"#, "which the practice server does not use", false),
            (r#"{"alg":"ES256","kid":"k1"}"#, "signed with ES256", true),
        ];
        for (header, says, ok) in cases {
            let mut claims = id_claims();
            claims["at_hash"] = crate::oauth::left_half_hash("ES256", ACCESS_TOKEN).into();
            let token = jwt(header, &claims.to_string());
            let response = json!({"access_token": ACCESS_TOKEN, "token_type": "Bearer", "id_token": token});
            let out = step4(&response.to_string(), &progress(3));
            let f = finding(&out, "id_token.alg");
            assert_eq!(f.ok, ok, "{header}");
            assert!(f.message.contains(says), "{}", f.message);
            let signature_said = out.verdict.find("id_token.signature").is_some();
            assert_eq!(signature_said, !header.contains("none") && !header.contains("HS"), "{header}");
        }
        // Another server's other algorithm is a warning.
        let provider = crate::exercises::refresh::Provider { client_id: Some(CLIENT.into()), ..okta() };
        let mut claims = id_claims();
        claims["iss"] = provider.issuer.clone().into();
        claims["at_hash"] = crate::oauth::left_half_hash("PS384", ACCESS_TOKEN).into();
        let response = json!({"access_token": ACCESS_TOKEN, "token_type": "Bearer", "id_token": jwt(r#"{"alg":"PS384"}"#, &claims.to_string())});
        let p = progress(3);
        let out = run_facts(Step::TokenResponse, &response.to_string(), &facts(&provider, &p, None, None));
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        assert_eq!(finding(&out, "id_token.alg").level, Level::Warning);
        assert!(finding(&out, "id_token.at_hash").ok, "SHA-384 for PS384");
    }

    #[test]
    fn each_signature_result_is_said() {
        let (provider, p, ex) = (builtin(), progress(3), exchange());
        let cases = [
            (Some(SignatureCheck::Invalid), false, Level::Error, "does not verify"),
            (Some(SignatureCheck::UnknownKey), false, Level::Error, "not among the server's published keys"),
            (
                Some(SignatureCheck::Unavailable { reason: "timed out".into() }),
                false,
                Level::Warning,
                "could not be read",
            ),
            (Some(SignatureCheck::Verified { kid: "k1".into() }), true, Level::Error, "verifies with key k1"),
            (None, true, Level::Info, "fault of this site"),
        ];
        for (check, ok, level, says) in cases {
            let out = run_facts(
                Step::TokenResponse,
                &good_response(),
                &facts(&provider, &p, Some(&ex), check.as_ref()),
            );
            let f = finding(&out, "id_token.signature");
            assert_eq!((f.ok, f.level), (ok, level), "{check:?}");
            assert!(f.message.contains(says), "{}", f.message);
        }
    }

    #[test]
    fn a_missing_or_broken_id_token_is_named() {
        let no_id =
            json!({"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 60}).to_string();
        let cases = [
            (no_id, "id_token.present", "scope had no openid or this is not the code exchange"),
            (
                json!({"access_token": ACCESS_TOKEN, "token_type": "Bearer", "id_token": ""}).to_string(),
                "id_token.present",
                "non-empty string",
            ),
            (
                json!({"access_token": ACCESS_TOKEN, "token_type": "Bearer", "id_token": "a.b.c.d.e"})
                    .to_string(),
                "id_token.jwt",
                "encrypted (a JWE)",
            ),
            (
                json!({"access_token": ACCESS_TOKEN, "token_type": "Bearer", "id_token": "opaque"})
                    .to_string(),
                "id_token.jwt",
                "not a signed JWT",
            ),
            (
                json!({"access_token": ACCESS_TOKEN, "token_type": "Bearer",
                       "id_token": jwt(r#"{"alg":"RS256","typ":"at+jwt"}"#, &id_claims().to_string())})
                .to_string(),
                "id_token.jwt",
                "typ at+jwt",
            ),
        ];
        for (input, id, says) in cases {
            let out = step4(&input, &progress(3));
            assert_eq!(blocking(&out), [id], "{input}");
            assert!(finding(&out, id).message.contains(says), "{}", finding(&out, id).message);
        }
        // An error response stops at the error, as in Web Applications.
        let out = step4(r#"{"error":"invalid_grant"}"#, &progress(3));
        assert_eq!(blocking(&out), ["token.error"]);
    }

    #[test]
    fn auth_time_is_required_when_step_3_sent_max_age() {
        let p = Progress { max_age: Some(300), ..progress(3) };
        let out = step4(&good_response(), &p);
        assert_eq!(blocking(&out), ["id_token.auth_time"]);
        assert!(finding(&out, "id_token.auth_time").message.contains("take max_age out"));
        let out = step4(&with(|c| c["auth_time"] = json!(NOW - 60)), &p);
        assert!(out.verdict.passed() && finding(&out, "id_token.auth_time").ok);
        let out = step4(&with(|c| c["auth_time"] = json!(NOW - 3_600)), &p);
        assert!(out.verdict.passed());
        assert_eq!(finding(&out, "id_token.auth_time").level, Level::Warning);
        let out = step4(&good_response(), &progress(3));
        assert!(out.verdict.find("id_token.auth_time").is_none());
    }

    #[test]
    fn no_at_hash_is_an_info() {
        let out = step4(&with(|c| _ = c.as_object_mut().map(|o| o.remove("at_hash"))), &progress(3));
        assert!(out.verdict.passed());
        assert_eq!(finding(&out, "id_token.at_hash").level, Level::Info);
    }

    #[test]
    fn step_4_names_each_mismatch_with_the_record() {
        type Change = fn(&mut Exchange);
        let cases: Vec<(Change, &str, &str)> = vec![
            (|e| e.grant = IssuedGrant::RefreshToken, "exchange.grant", "came from a refresh"),
            (|e| e.client_id = "lab-spa-1".into(), "exchange.client", "another application"),
            (|e| e.client_auth = ClientAuth::None, "exchange.client_auth", "without your client secret"),
            (|e| e.code_challenge = None, "exchange.verifier", "sent no code_challenge"),
            (|e| e.code_redeemed_twice = true, "exchange.reused", "exchanged twice"),
            (|e| e.revoked = true, "exchange.revoked", "was revoked"),
        ];
        let (provider, p) = (builtin(), progress(3));
        for (change, id, says) in cases {
            let mut ex = exchange();
            change(&mut ex);
            let out =
                run_facts(Step::TokenResponse, &good_response(), &facts(&provider, &p, Some(&ex), None));
            assert_eq!(blocking(&out), [id], "{id}: {:#?}", out.verdict.findings);
            assert!(finding(&out, id).message.contains(says), "{}", finding(&out, id).message);
        }
        let ex = exchange();
        let other = crate::exercises::refresh::token_sha256("another-nonce");
        let f = Facts { nonce_sha256: Some(&other), ..facts(&provider, &p, Some(&ex), None) };
        let out = run_facts(Step::TokenResponse, &good_response(), &f);
        assert_eq!(blocking(&out), ["exchange.nonce"]);
        let f = Facts { nonce_sha256: None, ..facts(&provider, &p, Some(&ex), None) };
        let out = run_facts(Step::TokenResponse, &good_response(), &f);
        assert!(out.verdict.passed());
        assert_eq!(finding(&out, "exchange.nonce").level, Level::Info);
        let out = run_facts(Step::TokenResponse, &good_response(), &facts(&provider, &p, None, None));
        assert_eq!(blocking(&out), ["exchange.issued"]);
    }
}
