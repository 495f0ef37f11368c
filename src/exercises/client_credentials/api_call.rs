//! Step 2: the practice API's answer to `GET <site>/practice-api/reports`, a JSON object
//! with the token's `sub`, `scope` and a one-time `receipt`. On the built-in server the
//! practice API's record of the receipt says how the call was made: with step 1's token,
//! in the `Authorization: Bearer` header, and not pasted before.

use serde_json::{Map, Value};

use super::{Facts, Receipt, TokenVia};
use crate::json::{parse_strict, JsonError};
use crate::verdict::{show, Finding};
use crate::work;

/// The longest pasted API response read: the practice API's answer is well under 1 KiB.
pub const MAX_API_RESPONSE_BYTES: usize = 16 * 1024;

const PASTE: &str = "paste the JSON body the practice API answered, from the opening { to the closing }";

/// The receipt of a pasted response (already trimmed), when there is one.
pub(super) fn pasted_receipt(input: &str) -> Option<String> {
    if input.len() > MAX_API_RESPONSE_BYTES {
        return None;
    }
    work::add(input.len());
    let value: Value = serde_json::from_str(input).ok()?;
    value.get("receipt")?.as_str().filter(|r| !r.is_empty()).map(str::to_owned)
}

pub(super) fn check(input: &str, facts: &Facts<'_>) -> Vec<Finding> {
    let object = match parse(input) {
        Ok(object) => object,
        Err(finding) => return vec![finding],
    };
    let mut findings = vec![Finding::pass("api.json", "The response is a JSON object.")];
    if let Some(error) = object.get("error") {
        findings.push(error_body(error));
        return findings;
    }
    let receipt = object.get("receipt");
    findings.push(match receipt {
        Some(Value::String(r)) if !r.is_empty() => {
            Finding::pass("api.receipt", "The response holds a receipt.")
        }
        Some(_) => Finding::fail(
            "api.receipt",
            "The receipt must be a non-empty string: paste the response exactly as the practice API sent it.",
        ),
        None => Finding::fail(
            "api.receipt",
            format!("The response has no receipt: call GET /practice-api/reports and {PASTE}."),
        )
        .with_details(
            "Each answer of the practice API holds a one-time receipt that tells how the call was made.",
        ),
    });
    findings.push(sub(object.get("sub"), facts));
    findings.push(scope(object.get("scope")));
    match facts.receipt {
        Some(receipt) => findings.extend(receipt_findings(receipt, facts)),
        None if facts.provider.builtin => {
            if matches!(object.get("receipt"), Some(Value::String(r)) if !r.is_empty()) {
                findings.push(Finding::fail(
                    "api.issued",
                    "The practice API never handed out this receipt: call the API again and paste its \
                     response unedited.",
                ));
            }
        }
        None => findings.push(
            Finding::info(
                "api.unverified",
                "OAuth Lab cannot read this API's records, so only the response itself was checked: \
                 which token made the call, and how, could not be verified.",
            )
            .with_details("On the built-in practice server the receipt tells both."),
        ),
    }
    if !findings.iter().any(Finding::is_blocking) {
        findings.push(Finding::info("api.completed", "You've completed the exercise!"));
    }
    findings
}

fn parse(input: &str) -> Result<Map<String, Value>, Finding> {
    const ID: &str = "api.json";
    let fail = |message: String| Err(Finding::fail(ID, message));
    if input.len() > MAX_API_RESPONSE_BYTES {
        return fail(format!(
            "The response is longer than {} KiB, the most this check reads: {PASTE}.",
            MAX_API_RESPONSE_BYTES / 1024
        ));
    }
    if input.is_empty() {
        return fail(format!("Nothing was pasted: {PASTE}."));
    }
    if input.starts_with("HTTP/") {
        return fail(format!("That starts with the HTTP status line and headers: {PASTE}."));
    }
    if input.starts_with("curl ") {
        return fail(
            "That is the curl command, not its output: run it and paste the JSON it prints.".to_owned(),
        );
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
                "The member \"{}\" appears twice: paste the response exactly as the practice API sent it.",
                show(&key, 40)
            ))
        }
        Err(e) => return fail(format!("That is not valid JSON ({e}): {PASTE}.")),
    };
    match value {
        Value::Object(object) => Ok(object),
        _ => Err(Finding::fail(
            "api.object",
            format!("That JSON is not an object, as the practice API answers: {PASTE}."),
        )),
    }
}

/// The API refused the call: what its error says to do.
fn error_body(error: &Value) -> Finding {
    const ID: &str = "api.error";
    let details = "A protected resource answers 401 invalid_token or 403 insufficient_scope with a \
                   WWW-Authenticate header (RFC 6750 §3.1).";
    match error.as_str() {
        Some("invalid_token") => Finding::fail(
            ID,
            "The practice API refused the token as invalid_token: send the access token of step 1, \
             unexpired, as Authorization: Bearer, and paste the new response.",
        ),
        Some("insufficient_scope") => Finding::fail(
            ID,
            "The practice API answered insufficient_scope: get a token with scope=reports:read in \
             step 1, then call the API with it.",
        ),
        Some("invalid_request") => Finding::fail(
            ID,
            "The practice API answered invalid_request: send the token once, in the Authorization: \
             Bearer header, and paste the new response.",
        ),
        _ => Finding::fail(
            ID,
            "The practice API answered with an error, not the reports: send the access token of step 1 \
             as Authorization: Bearer, and paste the new response.",
        ),
    }
    .with_details(details)
}

fn sub(value: Option<&Value>, facts: &Facts<'_>) -> Finding {
    const ID: &str = "api.sub";
    let ours = facts.progress.token.as_ref().and_then(|t| t.sub.as_deref());
    match value {
        Some(Value::String(s)) => match ours {
            Some(expected) if expected != s => Finding::fail(
                ID,
                format!(
                    "The API saw the token of \"{}\", not of your service client: call it with the \
                     access token of step 1.",
                    show(s, 80)
                ),
            )
            .with_details("In a client credentials token, sub is the client id (RFC 9068 §2.2)."),
            _ => Finding::pass(ID, format!("The API saw the token of \"{}\".", show(s, 80))),
        },
        _ => Finding::fail(ID, format!("The response has no sub string: {PASTE}, unedited.")),
    }
}

fn scope(value: Option<&Value>) -> Finding {
    const ID: &str = "api.scope";
    match value {
        Some(Value::String(s)) => Finding::pass(ID, format!("The API saw the scope \"{}\".", show(s, 120))),
        _ => Finding::fail(ID, format!("The response has no scope string: {PASTE}, unedited.")),
    }
}

fn receipt_findings(receipt: &Receipt, facts: &Facts<'_>) -> Vec<Finding> {
    let ours = facts.progress.token.as_ref().map(|t| t.access_token_sha256.as_str());
    let token = if ours == Some(receipt.token_sha256.as_str()) {
        Finding::pass("api.token", "The call was made with the access token of step 1.")
    } else {
        Finding::fail(
            "api.token",
            "The call was made with another token than step 1's: call the API with the access token of \
             step 1, or check step 1 again with the token you used.",
        )
    };
    let bearer = match receipt.via {
        TokenVia::Header => {
            Finding::pass("api.bearer", "The token went in the Authorization: Bearer header.")
                .with_details("RFC 6750 §2.1, the way every resource server supports.")
        }
        TokenVia::Query => Finding::fail(
            "api.bearer",
            "The token went in the URL's query: send it in the Authorization: Bearer header instead.",
        )
        .with_details(
            "A token in a URL ends up in logs, browser history and Referer headers, so RFC 6750 §2.3 \
             allows it only when nothing else works, and RFC 9700 §2.4 says not to.",
        ),
    };
    let mut findings = vec![token, bearer];
    if receipt.used {
        findings.push(
            Finding::fail(
                "api.used",
                "This receipt was already used: call the API again and paste its new response.",
            )
            .with_details("Each receipt counts once, so a response cannot be passed on."),
        );
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{Facts, Outcome, Step};
    use super::*;
    use crate::exercises::refresh::token_sha256;
    use crate::verdict::Level;

    fn step2(input: &str, receipt: Option<&Receipt>) -> Outcome {
        run(Step::ApiResponse, input, &progress(1), None, receipt)
    }

    #[test]
    fn the_answer_of_a_call_with_step_1s_token_passes() {
        let r = receipt();
        let out = step2(&api_response(), Some(&r));
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        for id in ["api.json", "api.receipt", "api.sub", "api.scope", "api.token", "api.bearer"] {
            assert!(finding(&out, id).ok, "{id}");
        }
        assert_eq!(finding(&out, "api.completed").level, Level::Info);
        assert_eq!(out.verdict.find("api.used"), None);
    }

    #[test]
    fn each_mistake_in_the_receipt_is_named() {
        let cases = [
            (
                Receipt { token_sha256: token_sha256("another-token"), ..receipt() },
                "api.token",
                "another token",
            ),
            (Receipt { via: TokenVia::Query, ..receipt() }, "api.bearer", "Authorization: Bearer"),
            (Receipt { used: true, ..receipt() }, "api.used", "already used"),
        ];
        for (r, id, says) in cases {
            let out = step2(&api_response(), Some(&r));
            assert_eq!(blocking(&out), [id], "{r:?}");
            assert!(finding(&out, id).message.contains(says));
            assert_eq!(out.progress, None);
        }
        let out = step2(&api_response(), Some(&Receipt { via: TokenVia::Query, ..receipt() }));
        assert!(said(finding(&out, "api.bearer")).contains("RFC 6750 §2.3"));
    }

    #[test]
    fn a_receipt_the_practice_api_never_handed_out_fails() {
        let out = step2(&api_response(), None);
        assert_eq!(blocking(&out), ["api.issued"]);
    }

    #[test]
    fn the_shape_of_the_answer_is_named() {
        let r = receipt();
        let cases = [
            ("", "api.json"),
            ("{", "api.json"),
            ("HTTP/1.1 200 OK", "api.json"),
            ("curl -H x", "api.json"),
            (r#"{"a":1,"a":2}"#, "api.json"),
            ("[]", "api.object"),
            (r#"{"error":"invalid_token"}"#, "api.error"),
            (r#"{"error":"insufficient_scope"}"#, "api.error"),
            (r#"{"sub":"lab-service-1","scope":"reports:read"}"#, "api.receipt"),
            (r#"{"sub":"lab-service-1","scope":"reports:read","receipt":5}"#, "api.receipt"),
            (r#"{"scope":"reports:read","receipt":"rcpt-9f8e7d6c5b4a"}"#, "api.sub"),
            (r#"{"sub":"lab-web-1","scope":"reports:read","receipt":"rcpt-9f8e7d6c5b4a"}"#, "api.sub"),
            (r#"{"sub":"lab-service-1","receipt":"rcpt-9f8e7d6c5b4a"}"#, "api.scope"),
        ];
        for (input, id) in cases {
            let out = step2(input, Some(&r));
            assert_eq!(blocking(&out), [id], "{input}: {:#?}", out.verdict.findings);
        }
        let out = step2(r#"{"error":"insufficient_scope"}"#, Some(&r));
        assert!(finding(&out, "api.error").message.contains("scope=reports:read"));
        let large = format!(r#"{{"pad":"{}"}}"#, "x".repeat(MAX_API_RESPONSE_BYTES));
        assert_eq!(blocking(&step2(&large, Some(&r))), ["api.json"]);
        let invisible = api_response().replace(",\"scope\"", ",\u{200B}\"scope\"");
        assert_eq!(blocking(&step2(&invisible, Some(&r))), ["api.json"]);
    }

    #[test]
    fn on_another_server_the_answer_is_checked_and_the_call_said_unverified() {
        let provider = okta();
        let p = progress(1);
        let facts = Facts { resource: None, service_client_id: None, ..facts(&provider, &p, None, None) };
        let out = run_facts(Step::ApiResponse, &api_response(), &facts);
        assert!(out.verdict.passed(), "{:#?}", out.verdict.findings);
        let f = finding(&out, "api.unverified");
        assert_eq!((f.ok, f.level), (true, Level::Info));
    }
}
