//! Step 2: the authorization and token endpoints, pasted as two lines (in that order, or
//! labelled `name: url` / `name=url`) or as the metadata's JSON, each compared with the
//! metadata read in step 1.

use serde_json::Value;
use url::Url;

use super::{labelled, lines, quoted, read_as, too_large, Difference, Paste, Progress, MAX_PASTE_BYTES};
use crate::json::parse_strict;
use crate::oauth::discovery::Metadata;
use crate::pasted::Invisible;
use crate::verdict::{show, Finding};

const INPUT: &str = "endpoints.input";
const JSON: &str = "endpoints.json";
const METADATA: &str = "endpoints.metadata";
const ISSUER: &str = "endpoints.issuer";
const SWAPPED: &str = "endpoints.swapped";
const AUTHORIZATION: &str = "endpoints.authorization";
const TOKEN: &str = "endpoints.token";

const HOW: &str = "paste the authorization endpoint on the first line and the token endpoint on the \
     second, or the metadata's JSON";

/// The two endpoints as pasted, and the issuer when metadata JSON was pasted.
#[derive(Debug, Default, PartialEq, Eq)]
struct Pasted {
    authorization: Option<String>,
    token: Option<String>,
    issuer: Option<String>,
    json: bool,
}

pub(super) fn check(input: &str, progress: &Progress) -> Vec<Finding> {
    let Some(metadata) = &progress.metadata else {
        return vec![Finding::fail(
            METADATA,
            "There is no metadata from step 1 on record to compare with: check your issuer in step 1 \
             again, then come back to this step.",
        )];
    };
    if let Some(finding) = too_large(INPUT, input, MAX_PASTE_BYTES, "two endpoints or a metadata document") {
        return vec![finding];
    }
    let pasted = match read(input) {
        Ok(pasted) => pasted,
        Err(finding) => return vec![finding],
    };
    let mut findings = Vec::new();
    if let Some(issuer) = &pasted.issuer {
        if Some(issuer) != progress.issuer.as_ref() {
            findings.push(Finding::fail(
                ISSUER,
                format!(
                    "This is the metadata of the issuer {}, not of yours ({}): paste the metadata of \
                     the issuer from step 1.",
                    quoted(issuer, 200),
                    show(progress.issuer.as_deref().unwrap_or_default(), 200)
                ),
            ));
        }
    }
    let (auth, token) = (&metadata.authorization_endpoint, &metadata.token_endpoint);
    if pasted.authorization.as_ref() == Some(token) && pasted.token.as_ref() == Some(auth) {
        findings.push(
            Finding::fail(
                SWAPPED,
                if pasted.json {
                    "The two endpoints are swapped: authorization_endpoint is where the browser goes to log \
                     in, token_endpoint where your application gets tokens."
                } else {
                    "The two endpoints are swapped: put the authorization endpoint (where the browser goes \
                     to log in) first and the token endpoint second."
                },
            )
            .with_details(
                "The browser is sent to the authorization endpoint (RFC 6749 §3.1); the application \
                 posts the code to the token endpoint (RFC 6749 §3.2).",
            ),
        );
        return findings;
    }
    let place = |first: bool| match (pasted.json, first) {
        (true, true) => "as authorization_endpoint in the JSON",
        (true, false) => "as token_endpoint in the JSON",
        (false, true) => "on the first line",
        (false, false) => "on the second line",
    };
    findings.push(compare(Endpoint::Authorization, pasted.authorization.as_deref(), metadata, place(true)));
    findings.push(compare(Endpoint::Token, pasted.token.as_deref(), metadata, place(false)));
    findings
}

/// Read the paste: metadata JSON, or lines.
fn read(input: &str) -> Result<Pasted, Finding> {
    if read_as(input, INPUT, HOW)? == Paste::Json {
        return read_json(input);
    }
    let mut pasted = Pasted::default();
    let mut values = Vec::new();
    for line in lines(input) {
        match labelled(line) {
            Some((name, value)) => match name.trim_end_matches("_endpoint").trim_end_matches("_url") {
                "authorization" | "authorize" | "auth" => pasted.authorization = Some(value.to_owned()),
                "token" => pasted.token = Some(value.to_owned()),
                // Another member of the metadata (issuer, jwks_uri...): not asked for.
                _ => {}
            },
            None => values.push(line),
        }
    }
    let open = usize::from(pasted.authorization.is_none()) + usize::from(pasted.token.is_none());
    if values.len() > open {
        return Err(Finding::fail(INPUT, format!("You pasted {} lines: {HOW}.", values.len() + 2 - open)));
    }
    let mut values = values.into_iter().map(str::to_owned);
    if pasted.authorization.is_none() {
        pasted.authorization = values.next();
    }
    if pasted.token.is_none() {
        pasted.token = values.next();
    }
    if pasted.authorization.is_none() && pasted.token.is_none() {
        return Err(Finding::fail(INPUT, format!("No endpoint was found in what you pasted: {HOW}.")));
    }
    Ok(pasted)
}

fn read_json(input: &str) -> Result<Pasted, Finding> {
    let document = match parse_strict(input) {
        Ok(Value::Object(document)) => document,
        Ok(_) => return Err(Finding::fail(JSON, format!("That JSON is not an object: {HOW}."))),
        Err(e) => {
            return Err(Finding::fail(JSON, format!("That is not valid JSON ({e}): {HOW}."))
                .with_details("Paste the metadata document whole, from its opening { to its closing }."))
        }
    };
    let text = |name: &str| document.get(name).and_then(Value::as_str).map(str::to_owned);
    Ok(Pasted {
        authorization: text("authorization_endpoint"),
        token: text("token_endpoint"),
        issuer: text("issuer"),
        json: true,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Authorization,
    Token,
}

impl Endpoint {
    fn id(self) -> &'static str {
        match self {
            Endpoint::Authorization => AUTHORIZATION,
            Endpoint::Token => TOKEN,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Endpoint::Authorization => "authorization endpoint",
            Endpoint::Token => "token endpoint",
        }
    }
    fn member(self) -> &'static str {
        match self {
            Endpoint::Authorization => "authorization_endpoint",
            Endpoint::Token => "token_endpoint",
        }
    }
    fn other(self) -> Endpoint {
        match self {
            Endpoint::Authorization => Endpoint::Token,
            Endpoint::Token => Endpoint::Authorization,
        }
    }
    fn of(self, metadata: &Metadata) -> &str {
        match self {
            Endpoint::Authorization => &metadata.authorization_endpoint,
            Endpoint::Token => &metadata.token_endpoint,
        }
    }
    fn details(self) -> &'static str {
        match self {
            Endpoint::Authorization => {
                "The authorization endpoint is where the browser is sent to log in and consent \
                 (RFC 6749 §3.1); the metadata lists it as authorization_endpoint (RFC 8414 §2)."
            }
            Endpoint::Token => {
                "The token endpoint is where the application exchanges a code or refresh token for \
                 tokens (RFC 6749 §3.2); the metadata lists it as token_endpoint (RFC 8414 §2)."
            }
        }
    }
}

/// One endpoint as pasted, compared with the metadata's.
fn compare(which: Endpoint, given: Option<&str>, metadata: &Metadata, place: &str) -> Finding {
    let (id, name, member) = (which.id(), which.name(), which.member());
    let expected = which.of(metadata);
    let fail = |message: String| Finding::fail(id, message).with_details(which.details());
    let Some(given) = given else {
        return fail(format!("The {name} is missing: paste it {place}."));
    };
    if let Some(invisible) = Invisible::find(given) {
        return fail(format!(
            "The {name} holds an invisible character: {}, then check again.",
            invisible.fix()
        ));
    }
    let shown = quoted(given, 200);
    if given == which.other().of(metadata) {
        return fail(format!(
            "{shown} is the {}, not the {name}: paste the metadata's {member} {place}.",
            which.other().name()
        ));
    }
    let Ok(url) = Url::parse(given) else {
        return fail(format!("{shown} is not an absolute URL: copy the {member} from the metadata."));
    };
    match Difference::between(given, expected) {
        Difference::Same => {
            return Finding::pass(id, format!("The {name} is the metadata's {member}."));
        }
        Difference::AddSlash => {
            return fail(format!(
                "Add the trailing / to the {name}: the metadata's is {}.",
                show(expected, 200)
            ))
        }
        Difference::RemoveSlash => {
            return fail(format!(
                "Remove the trailing / from the {name}: the metadata's is {}.",
                show(expected, 200)
            ))
        }
        Difference::Case => {
            return fail(format!(
                "The {name} differs from the metadata's in upper and lower case only: copy it exactly \
                 as the metadata writes it."
            ))
        }
        Difference::Scheme => {
            return fail(format!(
                "The {name} uses the scheme {}, but the metadata's does not: copy it with the \
                 metadata's scheme.",
                show(url.scheme(), 20)
            ))
        }
        Difference::Other => {}
    }
    let issuer = metadata.issuer.trim_end_matches('/');
    let same_origin = Url::parse(expected).is_ok_and(|e| e.origin() == url.origin());
    let under_issuer = |s: &str| s.starts_with(issuer);
    if !same_origin || (under_issuer(expected) && !under_issuer(given)) {
        return fail(format!(
            "{shown} belongs to another server or issuer than {}: copy the {member} from the metadata \
             of your issuer.",
            show(&metadata.issuer, 200)
        ));
    }
    fail(format!(
        "{shown} is not your server's {name}: copy the {member} from the metadata at {}.",
        show(&metadata.discovered_at, 200)
    ))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{check as check_step, Step};

    fn run(input: &str, steps_passed: usize, okta: bool) -> super::super::Outcome {
        let progress = if okta { okta_progress(steps_passed) } else { builtin_progress(steps_passed) };
        check_step(Step::Endpoints, input, &facts(&progress)).expect("step 2 is open")
    }

    const AUTH: &str = "http://127.0.0.1:3000/oauth2/authorize";
    const TOKEN_URL: &str = "http://127.0.0.1:3000/oauth2/token";

    #[test]
    fn the_two_endpoints_pass_in_every_accepted_form() {
        let inputs = [
            format!("{AUTH}\n{TOKEN_URL}"),
            format!("  {AUTH}  \r\n\r\n  {TOKEN_URL}\n"),
            format!("authorization_endpoint: {AUTH}\ntoken_endpoint: {TOKEN_URL}"),
            format!("token = {TOKEN_URL}\nAuthorization endpoint = {AUTH}"),
            format!("\"authorization_endpoint\": \"{AUTH}\",\n\"token_endpoint\": \"{TOKEN_URL}\","),
            format!("issuer: {BUILTIN}\nauthorization_endpoint: {AUTH}\ntoken_endpoint: {TOKEN_URL}"),
            format!("token_endpoint: {TOKEN_URL}\n{AUTH}"),
            builtin_metadata(BUILTIN),
        ];
        for input in inputs {
            let out = run(&input, 1, false);
            assert!(out.verdict.passed(), "{input}: {:#?}", out.verdict);
            said(&out);
            assert_eq!(out.progress.map(|p| p.steps_passed), Some(2));
        }
        let okta = format!("{OKTA}/v1/authorize\n{OKTA}/v1/token");
        assert!(run(&okta, 1, true).verdict.passed());
        assert!(run(&okta_metadata(), 2, true).verdict.passed());
    }

    #[test]
    fn each_endpoint_mistake_has_its_finding() {
        let o = OKTA;
        // (input, on the Okta server, the failed ids, part of what is said)
        let cases: Vec<(String, bool, Vec<&str>, &str)> = vec![
            ("".into(), false, vec!["endpoints.input"], "Nothing was pasted"),
            ("x".repeat(20_000), false, vec!["endpoints.input"], "16384"),
            (format!("{AUTH}\n{TOKEN_URL}\n{BUILTIN}/oauth2/jwks"), false, vec!["endpoints.input"], "3 lines"),
            (format!("{AUTH}\u{200B}\n{TOKEN_URL}"), false, vec!["endpoints.input"], "invisible"),
            ("issuer: x".into(), false, vec!["endpoints.input"], "No endpoint was found"),
            ("{\"authorization_endpoint\": ".into(), false, vec!["endpoints.json"], "not valid JSON"),
            ("{\"a\": 1, \"a\": 2}".into(), false, vec!["endpoints.json"], "appears twice"),
            (format!("{TOKEN_URL}\n{AUTH}"), false, vec!["endpoints.swapped"], "put the authorization endpoint"),
            (
                builtin_metadata(BUILTIN).replace("oauth2/authorize", "X").replace("oauth2/token", "oauth2/authorize").replace("X", "oauth2/token"),
                false,
                vec!["endpoints.swapped"],
                "authorization_endpoint is where the browser goes",
            ),
            (AUTH.into(), false, vec!["endpoints.token"], "token endpoint is missing: paste it on the second line"),
            (format!("token_endpoint: {TOKEN_URL}"), false, vec!["endpoints.authorization"], "on the first line"),
            (
                r#"{"issuer": "http://127.0.0.1:3000", "token_endpoint": "http://127.0.0.1:3000/oauth2/token"}"#.into(),
                false,
                vec!["endpoints.authorization"],
                "as authorization_endpoint in the JSON",
            ),
            (format!("{TOKEN_URL}\n{TOKEN_URL}"), false, vec!["endpoints.authorization"], "is the token endpoint, not the authorization endpoint"),
            (format!("{AUTH}\n{AUTH}"), false, vec!["endpoints.token"], "is the authorization endpoint, not the token endpoint"),
            (format!("{AUTH}/\n{TOKEN_URL}"), false, vec!["endpoints.authorization"], "Remove the trailing /"),
            (format!("{AUTH}\n{}", TOKEN_URL.replace("token", "Token")), false, vec!["endpoints.token"], "case only"),
            (format!("{AUTH}\n{}", TOKEN_URL.replace("http:", "https:")), false, vec!["endpoints.token"], "uses the scheme https"),
            (format!("{AUTH}\n/oauth2/token"), false, vec!["endpoints.token"], "not an absolute URL"),
            (format!("{AUTH}\nhttp://127.0.0.1:3000/token"), false, vec!["endpoints.token"], "is not your server's token endpoint"),
            (
                format!("{o}/v1/authorize\nhttps://dev-1.okta.com/oauth2/other/v1/token"),
                true,
                vec!["endpoints.token"],
                "belongs to another server or issuer",
            ),
            (
                format!("https://tenant.auth0.com/authorize\n{o}/v1/token"),
                true,
                vec!["endpoints.authorization"],
                "belongs to another server or issuer",
            ),
            (
                format!("{o}/v1/authorize\n{o}/v1/token/"),
                true,
                vec!["endpoints.token"],
                "Remove the trailing / from the token endpoint",
            ),
            (builtin_metadata("https://tenant.auth0.com/"), false, vec!["endpoints.issuer"], "not of yours"),
        ];
        for (input, okta, ids, part) in cases {
            let out = run(&input, 1, okta);
            assert_eq!(blocking(&out), ids, "{}: {:#?}", show(&input), out.verdict);
            assert!(out.progress.is_none());
            let all = said(&out);
            assert!(all.contains(part), "{}: {all}", show(&input));
        }
    }

    fn show(s: &str) -> String {
        crate::verdict::show(s, 120)
    }

    #[test]
    fn without_metadata_on_record_the_step_says_to_redo_step_1() {
        let progress = super::super::Progress { steps_passed: 1, ..Default::default() };
        let out = check_step(Step::Endpoints, AUTH, &facts(&progress)).expect("open");
        assert_eq!(blocking(&out), ["endpoints.metadata"]);
    }

    #[test]
    fn passing_step_2_again_says_step_3_needs_doing_again() {
        let out = run(&format!("{AUTH}\n{TOKEN_URL}"), 3, false);
        let note = out.verdict.find("progress.redo").expect("note");
        assert_eq!(note.message, "You checked step 2 again, so step 3 needs doing again.");
        assert_eq!(out.progress.map(|p| p.steps_passed), Some(2));
    }
}
