//! Property tests: no check panics on any input, and step 3 passes every valid
//! authorization URL built from random parts and refuses each kind of mistake.
//! Case counts are fixed here (no `PROPTEST_CASES`), and failures are not persisted.

use proptest::prelude::*;
use proptest::test_runner::Config;

use super::test_support::*;
use super::{check, Facts, Progress, Step};
use crate::oauth::discovery::{Issuer, Reach};
use crate::pkce::{verifier_from_bytes, Verifier};

fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: None, ..Config::default() }
}

/// Pieces of URLs, JSON and JWTs, so random strings reach deep into the parsers.
const FRAGMENTS: &[&str] = &[
    "http://",
    "https://",
    "127.0.0.1:3000",
    "[::1]",
    "/authorize",
    "?",
    "&",
    "=",
    "#",
    "%",
    "%2",
    "%20",
    "%FF",
    "%E2%80%8B",
    "+",
    "response_type",
    "code",
    "token",
    "client_id",
    "lab-client-1",
    "redirect_uri",
    "http%3A%2F%2F127.0.0.1%3A3000%2Fredirect",
    "scope",
    "openid",
    "offline_access",
    "state",
    "code_challenge",
    "code_challenge_method",
    "S256",
    "plain",
    CHALLENGE,
    VERIFIER,
    CLIENT_SECRET,
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "\\",
    "\\u",
    "\\ud800",
    "\\u00",
    "\"access_token\"",
    "\"token_type\"",
    "\"Bearer\"",
    "\"expires_in\"",
    "\"refresh_token\"",
    "\"scope\"",
    "\"error\"",
    "\"invalid_grant\"",
    "null",
    "true",
    "false",
    "-",
    "0",
    "1e999",
    "-0.0",
    "3600",
    "1.5",
    "99999999999999999999",
    ".",
    "eyJhbGciOiJSUzI1NiJ9",
    "eyJzdWIiOiJ4In0",
    "e30",
    "c2ln",
    "\u{200B}",
    "\u{FEFF}",
    "\u{201C}",
    "\u{201D}",
    "'",
    " ",
    "\n",
    "\t",
    "é",
    "🦀",
    "YOUR_CLIENT_ID",
    "{CLIENT_ID}",
    "<state>",
    "\u{0}",
];

/// A string built from fragments and random characters.
fn fragmented() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::sample::select(FRAGMENTS).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
        1 => "[a-zA-Z0-9_.~-]{0,12}",
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

/// Any string: arbitrary Unicode, or fragments.
fn any_input() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), fragmented()]
}

/// A JWT-shaped string: base64url of JSON-ish text in each part.
fn jwt_like() -> impl Strategy<Value = String> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    proptest::collection::vec(fragmented(), 1..4)
        .prop_map(|parts| parts.iter().map(|p| URL_SAFE_NO_PAD.encode(p)).collect::<Vec<_>>().join("."))
}

fn check_every_step(input: &str) {
    let provider = builtin();
    for passed in [0, 2, 3, 4, 5] {
        let progress = progress(passed);
        let facts =
            Facts { provider: &provider, progress: &progress, now: NOW, issued: None, signature: None };
        for step in Step::ALL {
            let _ = check(step, input, &facts);
        }
    }
    let other = okta();
    let progress = progress(4);
    let facts = Facts { provider: &other, progress: &progress, now: NOW, issued: None, signature: None };
    for step in Step::ALL {
        let _ = check(step, input, &facts);
    }
}

fn parse_everything(input: &str) {
    let _ = Verifier::parse_pasted(input);
    let _ = Verifier::parse(input);
    let _ = crate::json::parse_strict(input);
    let _ = crate::json::invisible_outside_strings(input);
    let _ = crate::oauth::jwt::decode_unverified(input);
    let _ = Issuer::parse(input, Reach::Public);
    let _ = Issuer::parse(input, Reach::Loopback);
    let _ = crate::pasted::trim(input);
    let _ = crate::pasted::without_invisible(input);
    if let Some(quotes) = crate::pasted::Quotes::find(input) {
        let _ = (quotes.problem(), quotes.fix(), quotes.strip(input));
    }
    if let Some(invisible) = crate::pasted::Invisible::find(input) {
        let _ = (invisible.name(), invisible.fix(), invisible.percent_encoded());
    }
    let _ = crate::pkce::diagnose_challenge(input, CHALLENGE).message();
    let _ = crate::oauth::Scope::parse(input);
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn no_parser_panics(input in any_input()) {
        parse_everything(&input);
    }

    #[test]
    fn no_parser_panics_on_jwt_like_text(input in jwt_like()) {
        parse_everything(&input);
        let _ = crate::oauth::jwt::decode_unverified(&input);
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn no_step_check_panics(input in any_input()) {
        check_every_step(&input);
    }

    #[test]
    fn no_step_check_panics_on_a_url_with_random_tails(tail in fragmented()) {
        check_every_step(&format!("{}{tail}", good_url()));
        check_every_step(&format!("{}&{tail}", good_url()));
    }

    #[test]
    fn no_step_check_panics_on_json_like_responses(inner in fragmented(), jwt in jwt_like()) {
        check_every_step(&format!("{{{inner}}}"));
        check_every_step(&format!(
            r#"{{"access_token":"{jwt}","token_type":"Bearer","expires_in":3600,"refresh_token":"r{inner}","scope":"openid offline_access"}}"#
        ));
    }
}

/// The parts of a valid authorization URL for the built-in practice application.
#[derive(Clone, Debug)]
struct Parts {
    verifier: String,
    state: String,
    extra_scopes: Vec<String>,
    /// Where offline_access goes among the scopes.
    offline_at: usize,
    /// A permutation of the parameters' order.
    order: Vec<usize>,
}

const SCOPE_WORDS: &[&str] = &["openid", "profile", "email", "api.read", "api:write", "address", "phone"];

fn parts() -> impl Strategy<Value = Parts> {
    let scope = prop_oneof![
        proptest::sample::select(SCOPE_WORDS).prop_map(str::to_owned),
        "[a-z][a-z0-9._:-]{0,11}",
    ];
    (
        any::<[u8; 32]>(),
        "[a-z0-9][A-Za-z0-9_~.-]{15,40}",
        proptest::collection::vec(scope, 0..4),
        0usize..5,
        Just((0..7).collect::<Vec<usize>>()).prop_shuffle(),
    )
        .prop_map(|(bytes, state, extra_scopes, offline_at, order)| Parts {
            verifier: verifier_from_bytes(&bytes),
            state,
            offline_at: offline_at.min(extra_scopes.len()),
            extra_scopes,
            order,
        })
}

impl Parts {
    fn challenge(&self) -> String {
        Verifier::parse(&self.verifier).expect("a generated verifier is valid").challenge()
    }

    fn scope(&self) -> String {
        let mut scopes = self.extra_scopes.clone();
        scopes.insert(self.offline_at, "offline_access".to_owned());
        scopes.join(" ")
    }

    /// The parameters, in their random order.
    fn params(&self) -> Vec<(String, String)> {
        let provider = builtin();
        let all = [
            ("response_type", "code".to_owned()),
            ("client_id", provider.client_id.clone().unwrap_or_default()),
            ("redirect_uri", provider.redirect_uris[0].clone()),
            ("scope", self.scope()),
            ("state", self.state.clone()),
            ("code_challenge", self.challenge()),
            ("code_challenge_method", "S256".to_owned()),
        ];
        self.order.iter().map(|&i| (all[i].0.to_owned(), all[i].1.clone())).collect()
    }

    /// The learner's progress after step 2 with this verifier.
    fn progress(&self) -> Progress {
        Progress { steps_passed: 2, challenge: Some(self.challenge()), ..Progress::default() }
    }
}

fn url_from(params: &[(String, String)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        query.append_pair(name, value);
    }
    format!("{}?{}", builtin().authorization_endpoint, query.finish())
}

fn step3(parts: &Parts, params: &[(String, String)]) -> super::Outcome {
    run(Step::AuthorizationUrl, &url_from(params), &builtin(), &parts.progress())
}

/// Replace the value of parameter `name`.
fn with(params: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    params.iter().map(|(n, v)| (n.clone(), if n == name { value.to_owned() } else { v.clone() })).collect()
}

const REQUIRED: [&str; 7] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
];

/// A misspelling of `name`: a character dropped, doubled, changed in case, or `_`/`-` swapped.
fn misspell(name: &str, how: usize, at: usize) -> String {
    let chars: Vec<char> = name.chars().collect();
    let at = at % chars.len();
    let mut out = chars.clone();
    match how % 4 {
        0 => {
            out.remove(at);
        }
        1 => out.insert(at, chars[at]),
        2 => out[at] = if chars[at] == '_' { '-' } else { chars[at].to_ascii_uppercase() },
        _ => out.push('s'),
    }
    out.into_iter().collect()
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn a_valid_url_from_random_parts_passes(parts in parts(), percent_20 in any::<bool>()) {
        let mut url = url_from(&parts.params());
        if percent_20 {
            // The serializer writes a space as `+` and a real `+` as `%2B`: both encodings
            // of the spaces between scopes must pass.
            url = url.replace('+', "%20");
        }
        let out = run(Step::AuthorizationUrl, &url, &builtin(), &parts.progress());
        prop_assert!(out.verdict.passed(), "{url}\n{:#?}", out.verdict.findings);
    }

    #[test]
    fn a_required_parameter_removed_repeated_or_misspelt_fails(
        parts in parts(),
        which in 0usize..7,
        how in 0usize..3,
        misspelling in 0usize..4,
        at in 0usize..32,
    ) {
        let name = REQUIRED[which];
        let params = parts.params();
        let mutated: Vec<(String, String)> = match how {
            0 => params.iter().filter(|(n, _)| n != name).cloned().collect(),
            1 => {
                let mut p = params.clone();
                let copy = p.iter().find(|(n, _)| n == name).cloned().expect("present");
                p.push(copy);
                p
            }
            _ => {
                let wrong = misspell(name, misspelling, at);
                prop_assume!(wrong != name);
                params.iter().map(|(n, v)| (if n == name { wrong.clone() } else { n.clone() }, v.clone())).collect()
            }
        };
        let out = step3(&parts, &mutated);
        prop_assert!(!out.verdict.passed(), "{} passed", url_from(&mutated));
    }

    #[test]
    fn a_wrong_value_fails(parts in parts(), other in any::<[u8; 32]>(), kind in 0usize..7, text in "[a-z0-9-]{1,12}") {
        let params = parts.params();
        let mutated = match kind {
            0 => {
                let challenge = Verifier::parse(&verifier_from_bytes(&other)).expect("valid").challenge();
                prop_assume!(challenge != parts.challenge());
                with(&params, "code_challenge", &challenge)
            }
            1 => with(&params, "code_challenge_method", "plain"),
            2 => with(&params, "code_challenge_method", "s256"),
            3 => with(&params, "response_type", "token"),
            4 => with(&params, "client_id", &format!("lab-client-{text}")),
            5 => with(&params, "redirect_uri", &format!("http://127.0.0.1:3000/{text}")),
            _ => {
                let scope: Vec<&str> = parts.extra_scopes.iter().map(String::as_str).filter(|s| *s != "offline_access").collect();
                with(&params, "scope", &scope.join(" "))
            }
        };
        prop_assume!(mutated != params);
        let out = step3(&parts, &mutated);
        prop_assert!(!out.verdict.passed(), "{} passed", url_from(&mutated));
    }
}

/// The verifier's challenge from the fixed test vector (RFC 7636 appendix B) is what the
/// tests above compute through `Verifier::challenge`.
#[test]
fn the_challenge_helper_matches_the_rfc_vector() {
    assert_eq!(Verifier::parse(VERIFIER).expect("valid").challenge(), CHALLENGE);
}
