//! Steps 5 and 6: the ID token's claims as the learner decoded them, and the UserInfo
//! response, each compared with the claims step 4 kept (`sub`, `email`, `name`).

use serde_json::{Map, Value};

use super::{Facts, IdClaims};
use crate::json::{parse_strict, JsonError};
use crate::verdict::{show, Finding};
use crate::work::{self, Counted as _};

/// The longest pasted claims or UserInfo response read: either is well under 2 KiB.
pub const MAX_CLAIMS_BYTES: usize = 16 * 1024;

/// What a pasted text is read as: the words of one step.
struct Paste {
    /// The finding ids' prefix: `claims` or `userinfo`.
    prefix: &'static str,
    /// What to paste, to follow a colon.
    what: &'static str,
    /// What to say of a pasted JWT.
    jwt: &'static str,
}

const CLAIMS: Paste = Paste {
    prefix: "claims",
    what:
        "paste the ID token's claims, the JSON object of its middle part, from the opening { to the closing }",
    jwt: "That is the encoded ID token: decode it (base64url-decode the part between the two dots, or use \
          the decoder on this page) and paste the claims JSON it holds.",
};

const USERINFO: Paste = Paste {
    prefix: "userinfo",
    what: "paste the JSON body /oauth2/userinfo answered, from the opening { to the closing }",
    jwt: "That is a JWT, not the UserInfo response: call /oauth2/userinfo with the access token of step 4 \
          in an Authorization: Bearer header and paste the JSON it answers.",
};

fn parse(input: &str, paste: &Paste) -> Result<Map<String, Value>, Finding> {
    let id = if paste.prefix == "claims" { "claims.json" } else { "userinfo.json" };
    let what = paste.what;
    let fail = |message: String| Err(Finding::fail(id, message));
    if input.len() > MAX_CLAIMS_BYTES {
        return fail(format!(
            "The text is longer than {} KiB, the most this check reads: {what}.",
            MAX_CLAIMS_BYTES / 1024
        ));
    }
    if input.is_empty() {
        return fail(format!("Nothing was pasted: {what}."));
    }
    work::add(input.len());
    if input.starts_with("eyJ")
        && input.split('.').counted().count() >= 3
        && !input.contains(char::is_whitespace)
    {
        return fail(paste.jwt.to_owned());
    }
    if input.starts_with("HTTP/") {
        return fail(format!("That starts with the HTTP status line and headers: {what}."));
    }
    if input.starts_with("curl ") {
        return fail(format!("That is the curl command, not its output: run it, then {what}."));
    }
    if let Some(invisible) = crate::json::invisible_outside_strings(input) {
        return fail(format!(
            "That is not valid JSON because of an invisible character: {}, then check again.",
            invisible.fix()
        ));
    }
    work::add(input.len());
    let value = match parse_strict(input) {
        Ok(value) => value,
        Err(JsonError::DuplicateKey { key, .. }) => {
            return fail(format!(
                "The member \"{}\" appears twice: paste the JSON exactly as you got it, unedited.",
                show(&key, 40)
            ))
        }
        Err(e) => return fail(format!("That is not valid JSON ({e}): {what}.")),
    };
    match value {
        Value::Object(object) => Ok(object),
        _ => Err(Finding::fail(
            if paste.prefix == "claims" { "claims.object" } else { "userinfo.object" },
            format!("That JSON is not an object: {what}."),
        )),
    }
}

/// Step 5: the ID token's claims, as the learner decoded them.
pub(super) fn check_id_token_claims(input: &str, facts: &Facts<'_>) -> Vec<Finding> {
    let object = match parse(input, &CLAIMS) {
        Ok(object) => object,
        Err(finding) => return vec![finding],
    };
    let mut findings = vec![Finding::pass("claims.json", "The claims are a JSON object.")];
    // A decoded token shown as header and claims (or payload): its claims.
    let claims = ["claims", "payload"]
        .into_iter()
        .find_map(|k| object.get(k).and_then(Value::as_object).filter(|_| object.contains_key("header")))
        .unwrap_or(&object);
    if let Some(finding) = not_the_id_tokens(claims, facts) {
        findings.push(finding);
        return findings;
    }
    let Some(kept) = facts.progress.claims.as_ref() else {
        findings.push(no_claims_kept("claims.sub"));
        return findings;
    };
    findings.push(sub("claims.sub", claims, kept, "step 4's ID token"));
    findings.extend(same("claims.email", "email", claims, kept.email.as_deref(), true));
    findings.extend(same("claims.name", "name", claims, kept.name.as_deref(), true));
    findings.push(
        Finding::info(
            "claims.which_token",
            "The ID token tells your app who logged in and is never sent to an API; an API gets the \
             access token (typ at+jwt), sent as Authorization: Bearer.",
        )
        .with_details(
            "An ID token's aud is your client (OIDC Core §2), so an API that accepted it would take a \
             token meant for someone else; a JWT access token says typ at+jwt in its header (RFC 9068 \
             §2.1), so the two cannot be confused, and the API checks its own aud (RFC 9068 §4).",
        ),
    );
    findings
}

/// What the pasted object is when it is not the ID token's claims: the token response,
/// a JWT header, or the access token's payload.
fn not_the_id_tokens(claims: &Map<String, Value>, facts: &Facts<'_>) -> Option<Finding> {
    const ID: &str = "claims.token";
    if claims.contains_key("id_token") || claims.contains_key("access_token") {
        return Some(Finding::fail(
            ID,
            "That is the token response: decode its id_token and paste the claims, the JSON of the middle \
             part.",
        ));
    }
    if claims.contains_key("alg") && !claims.contains_key("sub") {
        return Some(Finding::fail(
            ID,
            "That is the JWT's header: paste the claims, the JSON of the part between the two dots.",
        ));
    }
    if !claims.contains_key("iss") && !claims.contains_key("aud") {
        return Some(
            Finding::fail(
                ID,
                "That has no iss and no aud, so it is not a token's claims (the UserInfo response, perhaps): \
                 decode the id_token of step 4's response and paste its claims.",
            )
            .with_details("An ID token always carries iss, sub, aud, exp and iat (OIDC Core §2)."),
        );
    }
    work::add(claims.len());
    let client = facts.provider.client_id.as_deref();
    let aud_is_client = match (claims.get("aud"), client) {
        (Some(Value::String(a)), Some(c)) => a == c,
        (Some(Value::Array(list)), Some(c)) => list.iter().take(32).counted().any(|a| a.as_str() == Some(c)),
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(_), Some(_)) => false,
    };
    let access = claims.contains_key("scope")
        || claims.contains_key("client_id")
        || (!aud_is_client && !claims.contains_key("nonce"));
    access.then(|| {
        Finding::fail(
            ID,
            "That is the access token's payload: decode the id_token of step 4's response, not the \
             access_token, and paste its claims.",
        )
        .with_details(
            "An access token names its API in aud and carries scope and client_id (RFC 9068 §2.2); an ID \
             token names your client in aud and carries the nonce of your login (OIDC Core §2).",
        )
    })
}

fn no_claims_kept(id: &str) -> Finding {
    Finding::fail(
        id,
        "There are no ID token claims from step 4 on record to compare with: check step 4 again with the \
         token response.",
    )
}

/// `sub` equals the one step 4 kept.
fn sub(id: &str, object: &Map<String, Value>, kept: &IdClaims, whose: &str) -> Finding {
    match object.get("sub") {
        Some(Value::String(s)) if *s == kept.sub => {
            Finding::pass(id, format!("sub is the one of {whose}: \"{}\".", show(s, 100)))
        }
        Some(Value::String(s)) => Finding::fail(
            id,
            format!(
                "sub is \"{}\" but {whose} has \"{}\": paste the claims of the same login.",
                show(s, 100),
                show(&kept.sub, 100)
            ),
        ),
        _ => Finding::fail(id, format!("There is no sub: paste all the claims of {whose}.")),
    }
}

/// A claim equal to the one step 4 kept; `required` fails a missing or different one,
/// otherwise it is a warning.
fn same(
    id: &str,
    name: &str,
    object: &Map<String, Value>,
    kept: Option<&str>,
    required: bool,
) -> Option<Finding> {
    let pasted = object.get(name);
    let Some(kept) = kept else {
        return pasted.map(|_| {
            Finding::info(id, format!("The ID token of step 4 had no {name} to compare this {name} with."))
        });
    };
    Some(match pasted {
        Some(Value::String(v)) if v == kept => Finding::pass(id, format!("{name} is \"{}\".", show(v, 100))),
        Some(v) => {
            let message = format!(
                "{name} is {} but the ID token of step 4 has \"{}\": paste the claims of step 4's ID token, \
                 unedited.",
                show(&v.to_string(), 100),
                show(kept, 100)
            );
            if required {
                Finding::fail(id, message)
            } else {
                Finding::warn(
                    id,
                    format!(
                        "UserInfo's {name} is {} but the ID token's is \"{}\": the user may have changed it, \
                         so show the newer one.",
                        show(&v.to_string(), 100),
                        show(kept, 100)
                    ),
                )
            }
        }
        None if required => Finding::fail(
            id,
            format!("There is no {name}, which step 4's ID token has: paste all its claims."),
        ),
        None => Finding::info(
            id,
            format!("UserInfo has no {name}, so the access token's scope may lack {}.", scope_of(name)),
        )
        .with_details("OIDC Core §5.4: the profile scope asks for name, the email scope for email."),
    })
}

fn scope_of(claim: &str) -> &'static str {
    if claim == "email" {
        "email"
    } else {
        "profile"
    }
}

/// Step 6: the UserInfo response.
pub(super) fn check_userinfo(input: &str, facts: &Facts<'_>) -> Vec<Finding> {
    let object = match parse(input, &USERINFO) {
        Ok(object) => object,
        Err(finding) => return vec![finding],
    };
    let mut findings = vec![Finding::pass("userinfo.json", "The response is a JSON object.")];
    if let Some(error) = object.get("error") {
        findings.push(error_body(error));
        return findings;
    }
    let Some(kept) = facts.progress.claims.as_ref() else {
        findings.push(no_claims_kept("userinfo.sub"));
        return findings;
    };
    findings.push(match object.get("sub") {
        Some(Value::String(s)) if *s == kept.sub => {
            Finding::pass("userinfo.sub", format!("UserInfo's sub is the ID token's: \"{}\".", show(s, 100)))
                .with_details(SUB_WHY)
        }
        Some(Value::String(s)) => Finding::fail(
            "userinfo.sub",
            format!(
                "UserInfo's sub is \"{}\" but the ID token's is \"{}\", so a client must not use this \
                 response: call UserInfo with the access token of step 4's response.",
                show(s, 100),
                show(&kept.sub, 100)
            ),
        )
        .with_details(SUB_WHY),
        _ => Finding::fail(
            "userinfo.sub",
            "The response has no sub, which UserInfo always returns: paste the JSON exactly as \
             /oauth2/userinfo answered.",
        )
        .with_details(SUB_WHY),
    });
    findings.extend(same("userinfo.email", "email", &object, kept.email.as_deref(), false));
    findings.extend(same("userinfo.name", "name", &object, kept.name.as_deref(), false));
    if !findings.iter().any(Finding::is_blocking) {
        findings.push(Finding::info("userinfo.completed", "You've completed the exercise!"));
    }
    findings
}

const SUB_WHY: &str = "OIDC Core §5.3.4: the sub of the UserInfo response must be verified to equal \
     the ID token's; when it differs the response must not be used, since the access token may have \
     been substituted.";

/// UserInfo refused the call (RFC 6750 §3.1): what its error says to do.
fn error_body(error: &Value) -> Finding {
    const ID: &str = "userinfo.error";
    let details = "The UserInfo endpoint is a protected resource: it answers 401 invalid_token or 403 \
                   insufficient_scope with a WWW-Authenticate header (RFC 6750 §3.1, OIDC Core §5.3.3).";
    match error.as_str() {
        Some("invalid_token") => Finding::fail(
            ID,
            "UserInfo refused the access token (invalid_token), usually because it expired: send step 4's \
             access token as Authorization: Bearer, or when it has expired run the exchange again from a \
             new login and check step 4 with its response.",
        ),
        Some("insufficient_scope") => Finding::fail(
            ID,
            "UserInfo answered insufficient_scope, because the access token's scope has no openid: add \
             openid to the scope of step 3, log in again and call UserInfo with the new access token.",
        ),
        Some("invalid_request") => Finding::fail(
            ID,
            "UserInfo answered invalid_request: send the access token once, in the Authorization: Bearer \
             header, and paste the new response.",
        ),
        Some(other) => Finding::fail(
            ID,
            format!(
                "UserInfo answered with the error \"{}\": send step 4's access token as Authorization: \
                 Bearer and paste the new response.",
                show(other, 60)
            ),
        ),
        None => Finding::fail(
            ID,
            "UserInfo answered with an error, not the user's claims: send step 4's access token as \
             Authorization: Bearer and paste the new response.",
        ),
    }
    .with_details(details)
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::super::test_support::*;
    use super::super::{Outcome, Progress, Step};
    use crate::verdict::Level;

    fn step5(input: &str) -> Outcome {
        run(Step::IdTokenClaims, input, &builtin(), &progress(4))
    }

    fn step6(input: &str) -> Outcome {
        run(Step::UserinfoResponse, input, &builtin(), &progress(5))
    }

    fn claims_with(change: impl FnOnce(&mut Value)) -> String {
        let mut claims = id_claims();
        change(&mut claims);
        claims.to_string()
    }

    #[test]
    fn the_id_tokens_claims_pass_with_the_note_on_which_token_goes_to_an_api() {
        let out = step5(&id_claims().to_string());
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        for id in ["claims.sub", "claims.email", "claims.name"] {
            assert!(finding(&out, id).ok, "{id}");
        }
        let note = finding(&out, "claims.which_token");
        assert_eq!(note.level, Level::Info);
        assert!(
            note.message.contains("access token (typ at+jwt)")
                && note.message.contains("never sent to an API")
        );
        // A decoded token shown as header and claims reads its claims.
        let shown = json!({"header": {"alg": "RS256"}, "claims": id_claims()}).to_string();
        assert!(step5(&shown).verdict.passed());
        assert_eq!(out.progress.expect("passed").steps_passed, 5);
    }

    #[test]
    fn each_mistake_in_the_pasted_claims_is_named() {
        let access_payload =
            json!({"iss": "http://127.0.0.1:3000", "sub": SUB, "aud": "http://127.0.0.1:3000/practice-api",
                                    "scope": "openid profile email", "client_id": CLIENT, "exp": NOW + 60})
            .to_string();
        let no_scope_access = json!({"sub": SUB, "aud": "https://api.example", "exp": NOW + 60}).to_string();
        let cases: Vec<(String, &str, &str)> = vec![
            (id_token(&id_claims()), "claims.json", "That is the encoded ID token: decode it"),
            (good_response(), "claims.token", "That is the token response"),
            (r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#.to_owned(), "claims.token", "the JWT's header"),
            (access_payload, "claims.token", "That is the access token's payload"),
            (no_scope_access, "claims.token", "access token's payload"),
            (
                json!({"sub": SUB, "name": NAME, "email": EMAIL}).to_string(),
                "claims.token",
                "the UserInfo response",
            ),
            (claims_with(|c| c["sub"] = "someone-else".into()), "claims.sub", "sub is \"someone-else\""),
            (
                claims_with(|c| _ = c.as_object_mut().map(|o| o.remove("sub"))),
                "claims.sub",
                "There is no sub",
            ),
            (
                claims_with(|c| c["email"] = "x@example.com".into()),
                "claims.email",
                "email is \"x@example.com\"",
            ),
            (
                claims_with(|c| _ = c.as_object_mut().map(|o| o.remove("email"))),
                "claims.email",
                "There is no email",
            ),
            (claims_with(|c| c["name"] = json!(7)), "claims.name", "name is 7"),
            ("".to_owned(), "claims.json", "Nothing was pasted"),
            ("{".to_owned(), "claims.json", "not valid JSON"),
            ("[1]".to_owned(), "claims.object", "not an object"),
            ("curl -H x".to_owned(), "claims.json", "curl command"),
            (format!("{{\"a\":\"{}\"}}", "x".repeat(20_000)), "claims.json", "longer than 16 KiB"),
        ];
        for (input, id, says) in cases {
            let out = step5(&input);
            assert_eq!(blocking(&out), [id], "{input}: {:#?}", out.verdict.findings);
            assert!(finding(&out, id).message.contains(says), "{id}: {}", finding(&out, id).message);
            assert_eq!(out.progress, None);
        }
    }

    #[test]
    fn the_userinfo_response_passes_when_its_sub_is_the_id_tokens() {
        let body = json!({"sub": SUB, "name": NAME, "email": EMAIL, "email_verified": true}).to_string();
        let out = step6(&body);
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        assert!(finding(&out, "userinfo.sub").ok);
        assert_eq!(finding(&out, "userinfo.completed").message, "You've completed the exercise!");
        let p = out.progress.expect("passed");
        assert!(super::super::completed(&p));
    }

    #[test]
    fn each_mistake_in_the_userinfo_response_is_named() {
        let cases: Vec<(String, &str, &str, Level, bool)> = vec![
            (
                json!({"sub": "other", "name": NAME}).to_string(),
                "userinfo.sub",
                "must not use this response",
                Level::Error,
                false,
            ),
            (json!({"name": NAME}).to_string(), "userinfo.sub", "has no sub", Level::Error, false),
            (
                r#"{"error":"invalid_token","error_description":"expired"}"#.to_owned(),
                "userinfo.error",
                "run the exchange again",
                Level::Error,
                false,
            ),
            (
                r#"{"error":"insufficient_scope"}"#.to_owned(),
                "userinfo.error",
                "add openid",
                Level::Error,
                false,
            ),
            (
                r#"{"error":"invalid_request"}"#.to_owned(),
                "userinfo.error",
                "Authorization: Bearer",
                Level::Error,
                false,
            ),
            (
                r#"{"error":"server_error"}"#.to_owned(),
                "userinfo.error",
                "\"server_error\"",
                Level::Error,
                false,
            ),
            (r#"{"error":7}"#.to_owned(), "userinfo.error", "not the user's claims", Level::Error, false),
            (id_token(&id_claims()), "userinfo.json", "call /oauth2/userinfo", Level::Error, false),
            ("HTTP/1.1 200 OK".to_owned(), "userinfo.json", "status line", Level::Error, false),
            (
                json!({"sub": SUB, "name": "Ada L.", "email": EMAIL}).to_string(),
                "userinfo.name",
                "may have changed it",
                Level::Warning,
                false,
            ),
            (
                json!({"sub": SUB, "name": NAME}).to_string(),
                "userinfo.email",
                "scope may lack email",
                Level::Info,
                true,
            ),
            (
                json!({"sub": SUB, "email": EMAIL}).to_string(),
                "userinfo.name",
                "scope may lack profile",
                Level::Info,
                true,
            ),
        ];
        for (input, id, says, level, ok) in cases {
            let out = step6(&input);
            let f = finding(&out, id);
            assert_eq!((f.level, f.ok), (level, ok), "{input}");
            assert!(f.message.contains(says), "{id}: {}", f.message);
            let blocks = level == Level::Error && !ok;
            assert_eq!(out.verdict.passed(), !blocks, "{input}");
            if id == "userinfo.error" {
                assert!(f.details.as_deref().is_some_and(|d| d.contains("RFC 6750 §3.1")));
            }
        }
    }

    #[test]
    fn without_step_4s_claims_on_record_steps_5_and_6_say_to_check_step_4_again() {
        let p = Progress { claims: None, ..progress(5) };
        let out = run(Step::IdTokenClaims, &id_claims().to_string(), &builtin(), &p);
        assert_eq!(blocking(&out), ["claims.sub"]);
        let out = run(Step::UserinfoResponse, &json!({"sub": SUB}).to_string(), &builtin(), &p);
        assert_eq!(blocking(&out), ["userinfo.sub"]);
        assert!(finding(&out, "userinfo.sub").message.contains("check step 4 again"));
    }
}
