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

// ---------------------------------------------------------------------------------------
// Linear work: doubling an input at most doubles the elements a parser or check visits
// (counted by `crate::work`), give or take a small constant. A check that compares every
// element with every other one visits four times as many when the input doubles, and
// fails these properties.
//
// A step check is compared on inputs it answers alike (the same findings hold and fail):
// another path may visit each element a different number of times (a verifier too short
// alone is long enough doubled, and is then hashed). The doublings below are built to
// stay on one path: a list of JSON members, scopes or parameters doubled with renamed
// copies.

/// The slack allowed over twice the work: a few elements for a path that differs at its
/// very end (a closing brace read, a trailing character found). Work bounded whatever the
/// input (quoting at most so many characters of it in a message) is not counted.
const SLACK: u64 = 64;

/// `work(doubled) <= 2 * work(single) + SLACK`, as a proptest assertion, when `f` says
/// both took the same path (it returns a description of its path, or nothing).
macro_rules! at_most_doubles {
    ($what:expr, $single:expr, $doubled:expr, $f:expr) => {{
        let f = $f;
        let (single, doubled) = (&$single, &$doubled);
        let ((path1, w1), (path2, w2)) =
            (crate::work::measure(|| f(single)), crate::work::measure(|| f(doubled)));
        prop_assert!(
            path1 != path2 || w2 <= 2 * w1 + SLACK,
            "{}: work {w1} on {} bytes, {w2} on {} bytes",
            $what,
            single.len(),
            doubled.len()
        );
    }};
}

/// The path a step check took: which findings held and which failed, and the first
/// words of each message, which tell its branches apart ("The URL still holds the
/// placeholder", "That is not a valid URL").
fn path(out: Result<super::Outcome, super::StepLocked>) -> String {
    let findings = out.map(|o| o.verdict.findings).unwrap_or_default();
    let start = |m: &str| m.split(' ').take(3).collect::<Vec<_>>().join(" ");
    findings.iter().map(|f| format!("{}:{}:{} ", f.id, f.ok, start(&f.message))).collect()
}

/// Reads a text and says which path it took (see [`at_most_doubles`]).
type Reader = Box<dyn Fn(&str) -> String>;
/// Reads a text; compared on every input.
type Parser = Box<dyn Fn(&str)>;

/// Every parser and check that reads pasted text, by name.
fn readers() -> Vec<(&'static str, Reader)> {
    let parsers: Vec<(&'static str, Parser)> = vec![
        ("Verifier::parse", Box::new(|x| drop(Verifier::parse(x)))),
        ("Verifier::parse_pasted", Box::new(|x| drop(Verifier::parse_pasted(x)))),
        ("json::parse_strict", Box::new(|x| drop(crate::json::parse_strict(x)))),
        ("json::invisible_outside_strings", Box::new(|x| _ = crate::json::invisible_outside_strings(x))),
        ("Scope::parse", Box::new(|x| drop(crate::oauth::Scope::parse(x)))),
        ("ClientId::parse", Box::new(|x| drop(crate::oauth::ClientId::parse(x)))),
        ("RedirectUri::parse", Box::new(|x| drop(crate::oauth::RedirectUri::parse(x)))),
        ("Issuer::parse", Box::new(|x| drop(Issuer::parse(x, Reach::Public)))),
        ("discovery::application", Box::new(|x| drop(crate::oauth::discovery::application(x, x)))),
        ("Invisible::find", Box::new(|x| _ = crate::pasted::Invisible::find(x))),
        ("without_invisible", Box::new(|x| drop(crate::pasted::without_invisible(x)))),
        ("text::is_unprintable", Box::new(|x| _ = crate::text::is_unprintable(x))),
        ("text::visible_name", Box::new(|x| _ = crate::text::visible_name(x))),
        ("pasted_access_token", Box::new(|x| drop(super::pasted_access_token(x)))),
    ];
    // A parser is compared on every input.
    let mut readers: Vec<(&'static str, Reader)> = parsers
        .into_iter()
        .map(|(name, f)| {
            let f: Reader = Box::new(move |x| {
                f(x);
                String::new()
            });
            (name, f)
        })
        .collect();
    // The diagnosis names the path: the expected challenge itself is recognised at once.
    readers.push((
        "diagnose_challenge",
        Box::new(|x| format!("{:?}", crate::pkce::diagnose_challenge(x, CHALLENGE))),
    ));
    // A JWT is decoded only when it has three parts (and a text with one dot has three
    // doubled).
    readers.push((
        "jwt::decode_unverified",
        Box::new(|x| {
            drop(crate::oauth::jwt::decode_unverified(x));
            x.split('.').count().to_string()
        }),
    ));
    for step in Step::ALL {
        readers.push((
            step.slug(),
            Box::new(move |x| {
                let (provider, progress) = (builtin(), progress(5));
                let facts = Facts {
                    provider: &provider,
                    progress: &progress,
                    now: NOW,
                    issued: None,
                    signature: None,
                };
                path(check(step, x, &facts))
            }),
        ));
    }
    readers
}

/// JSON text: scalars, and arrays and objects of them a few levels deep.
fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        "[a-zA-Z0-9 é\u{200B}\\\\\"]{0,12}".prop_map(|s| serde_json::Value::String(s).to_string()),
    ];
    leaf.prop_recursive(3, 32, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..4).prop_map(|m| {
                let members: Vec<String> = m.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", members.join(","))
            }),
        ]
    })
}

/// Members of one JSON object, with distinct names; [`written`] with two prefixes gives
/// two sets of them, all names distinct.
fn members() -> impl Strategy<Value = std::collections::BTreeMap<String, String>> {
    proptest::collection::btree_map("[a-z0-9_]{1,10}", json_value(), 0..24)
}

fn written(members: &std::collections::BTreeMap<String, String>, prefix: &str) -> String {
    members.iter().map(|(k, v)| format!("\"{prefix}{k}\":{v}")).collect::<Vec<_>>().join(",")
}

/// Joined by `sep`, leaving out empty parts.
fn joined(parts: &[String], sep: &str) -> String {
    parts.iter().filter(|p| !p.is_empty()).cloned().collect::<Vec<_>>().join(sep)
}

/// Query parameters: values with the characters that reach each check (placeholders,
/// quotes, percent-encoded invisible characters, the verifier, the client secret), and
/// names of OAuth parameters too when `oauth`.
fn query_params(oauth: bool) -> impl Strategy<Value = Vec<(String, String)>> {
    let oauth_weight = if oauth { 1 } else { 0 };
    let name = prop_oneof![
        3 => "[a-z][a-z_]{0,7}",
        oauth_weight => proptest::sample::select(&REQUIRED[..]).prop_map(str::to_owned),
        oauth_weight => Just("client_secret".to_owned()),
    ];
    let value = prop_oneof![
        3 => "[A-Za-z0-9._~-]{0,16}",
        1 => Just("%E2%80%8Bx%C2%A0".to_owned()),
        1 => Just("%22quoted%22".to_owned()),
        1 => Just("%7BYOUR_CLIENT_ID%7D".to_owned()),
        1 => Just(VERIFIER.to_owned()),
        1 => Just(CLIENT_SECRET.to_owned()),
    ];
    // At most 24, so twice as many (and one more) stay within step 3's limit of 50. Often
    // near that many with short plain values, where work that grows with the square of
    // the number of parameters stands out most from the work on each value.
    prop_oneof![
        proptest::collection::vec((name.clone(), value), 0..=24),
        proptest::collection::vec((name, "[a-z]{0,2}"), 16..=24),
    ]
}

fn step3_url(query: &str) -> String {
    format!("{}?{query}", builtin().authorization_endpoint)
}

/// The parameters as a query; `renamed`, with the first letter of each name in
/// capitals, so the names differ from the originals but not in length.
fn query(params: &[(String, String)], renamed: bool) -> String {
    let name = |n: &str| match n.chars().next() {
        Some(first) if renamed => format!("{}{}", first.to_ascii_uppercase(), &n[first.len_utf8()..]),
        _ => n.to_owned(),
    };
    params.iter().map(|(n, v)| format!("{}={v}", name(n))).collect::<Vec<_>>().join("&")
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn doubling_any_input_at_most_doubles_the_work(x in any_input()) {
        let doubled = format!("{x}{x}");
        for (name, f) in readers() {
            at_most_doubles!(name, x, doubled, |s: &String| f(s));
        }
    }

    #[test]
    fn doubling_the_elements_of_a_json_array_at_most_doubles_the_work(
        elements in proptest::collection::vec(json_value(), 1..24),
    ) {
        let e = elements.join(",");
        let (single, doubled) = (format!("[{e}]"), format!("[{e},{e}]"));
        at_most_doubles!("parse_strict", single, doubled, |s: &String| { drop(crate::json::parse_strict(s)); String::new() });
    }

    #[test]
    fn doubling_the_members_of_an_object_at_most_doubles_the_work(m in members()) {
        let (a, b) = (written(&m, "a"), written(&m, "b"));
        let (single, doubled) = (format!("{{{a}}}"), format!("{{{}}}", joined(&[a.clone(), b.clone()], ",")));
        at_most_doubles!("parse_strict", single, doubled, |s: &String| { drop(crate::json::parse_strict(s)); String::new() });
        // The same members in a token response, for steps 4 and 5.
        let response = |extra: &str| {
            let members = joined(&[extra.to_owned()], ",");
            let comma = if members.is_empty() { "" } else { "," };
            format!(r#"{{"access_token":"opaque-token","token_type":"Bearer"{comma}{members}}}"#)
        };
        let (single, doubled) = (response(&a), response(&joined(&[a.clone(), b.clone()], ",")));
        for step in [Step::TokenResponse, Step::RefreshResponse] {
            at_most_doubles!(step.slug(), single, doubled, |s: &String| path(Ok(run(step, s, &builtin(), &progress(5)))));
        }
        // And in a JWT's claims.
        let (single, doubled) = (
            jwt(r#"{"alg":"none"}"#, &format!("{{{a}}}")),
            jwt(r#"{"alg":"none"}"#, &format!("{{{}}}", joined(&[a, b], ","))),
        );
        at_most_doubles!("decode_unverified", single, doubled, |s: &String| { drop(crate::oauth::jwt::decode_unverified(s)); String::new() });
    }

    #[test]
    fn doubling_a_long_name_over_a_long_array_at_most_doubles_the_work(
        name in "[a-z]{1,64}",
        elements in proptest::collection::vec(json_value(), 1..32),
    ) {
        // Everything doubles: the name that encloses the array, and the array.
        let e = elements.join(",");
        let single = format!(r#"{{"{name}":[{e}]}}"#);
        let doubled = format!(r#"{{"{name}{name}":[{e},{e}]}}"#);
        at_most_doubles!("parse_strict", single, doubled, |s: &String| { drop(crate::json::parse_strict(s)); String::new() });
    }

    #[test]
    fn doubling_the_scopes_at_most_doubles_the_work(tokens in proptest::collection::vec("[a-z:._-]{1,12}", 0..64)) {
        let scopes = |prefix: &str| tokens.iter().map(|t| format!("{prefix}{t}")).collect::<Vec<_>>().join(" ");
        let (single, doubled) = (scopes("a"), format!("{} {}", scopes("a"), scopes("b")));
        at_most_doubles!("Scope::parse", single, doubled, |s: &String| { drop(crate::oauth::Scope::parse(s)); String::new() });
        // In a token response, for steps 4 and 5.
        let response = |scope: &str| format!(r#"{{"access_token":"opaque-token","token_type":"Bearer","scope":"{scope}"}}"#);
        let (single, doubled) = (response(&single), response(&doubled));
        for step in [Step::TokenResponse, Step::RefreshResponse] {
            at_most_doubles!(step.slug(), single, doubled, |s: &String| path(Ok(run(step, s, &builtin(), &progress(5)))));
        }
    }

    #[test]
    fn doubling_the_parameters_of_a_url_at_most_doubles_the_work(params in query_params(false)) {
        // Renamed copies: twice as many parameters, all names distinct. Only the endpoint
        // is not doubled (a part left alone would hide a check that does more than double).
        let first = query(&params, false);
        let (single, doubled) = (step3_url(&first), step3_url(&joined(&[first.clone(), query(&params, true)], "&")));
        at_most_doubles!("step 3", single, doubled, |s: &String| path(Ok(run(Step::AuthorizationUrl, s, &builtin(), &progress(2)))));
    }

    #[test]
    fn repeating_the_parameters_of_a_url_at_most_doubles_the_work(params in query_params(true)) {
        // The same parameters again, OAuth's among them: each one repeated. The first half
        // repeats one already, so both halves fail url.duplicates alike.
        let mut params = params;
        params.extend(params.first().cloned());
        let q = query(&params, false);
        let (single, doubled) = (step3_url(&q), step3_url(&format!("{q}&{q}")));
        at_most_doubles!("step 3", single, doubled, |s: &String| path(Ok(run(Step::AuthorizationUrl, s, &builtin(), &progress(2)))));
    }
}

// ---------------------------------------------------------------------------------------
// Bounded answers: whatever a learner pastes, however long, the verdict stays small.

/// Long inputs: fragments repeated up to well past every limit.
fn long_input() -> impl Strategy<Value = String> {
    prop_oneof![
        (fragmented(), 1usize..4000).prop_map(|(s, n)| s.repeat(n).chars().take(200_000).collect()),
        // Step 3 at its limits: up to as many parameters as it reads, with long names, each
        // repeated and its value quoted, a placeholder and an invisible character, so each
        // is named in four findings (without the verdict's limits, over 18 KB).
        (proptest::collection::vec(("[A-Z][A-Z_]{24,39}", "[a-z]{0,4}"), 16..=25), 1usize..=2).prop_map(
            |(p, times)| {
                let q = p.iter().map(|(n, v)| vec![format!("{n}=%22%7B{v}%7D%E2%80%8B%22"); times].join("&"));
                format!("{}?{}", builtin().authorization_endpoint, q.collect::<Vec<_>>().join("&"))
            }
        ),
        // Steps 4 and 5 at their limit: long member names and values.
        ("[a-zA-Z0-9\"\\\\\u{0}\u{1F980}]{0,200}", 1usize..200).prop_map(|(s, n)| {
            let value = serde_json::Value::String(s.repeat(n)).to_string();
            format!(r#"{{"error":{value},"error_description":{value},"token_type":{value},"scope":{value}}}"#)
        }),
    ]
}

// Messages: every finding's message is one sentence that names the fix, with no backtick;
// the rest is in its details.

use super::{Issued, IssuedGrant, SignatureCheck};
use crate::verdict::{not_one_sentence, Finding};

/// Inputs that go wrong in every way the checks know, for each step.
fn bad_inputs() -> Vec<(Step, String)> {
    let good = good_url();
    let response = |access: &str, extra: &str| {
        format!(
            r#"{{"token_type":"Bearer","expires_in":3600,"access_token":"{access}","scope":"openid offline_access"{extra}}}"#
        )
    };
    let mut inputs: Vec<(Step, String)> = [
        "",
        "x",
        "abcdefghijkl",
        &"~".repeat(200),
        &format!("{}+{}", &VERIFIER[..16], &VERIFIER[17..]),
        &format!("{VERIFIER} x"),
        &format!("{}–{}", &VERIFIER[..5], &VERIFIER[6..]),
        &format!("{VERIFIER}\u{200B}"),
        &format!("\"{VERIFIER}\""),
        &format!("{VERIFIER}'"),
        &"a".repeat(43),
        VERIFIER,
        &crate::pkce::verifier_from_bytes(&[9; 32]),
    ]
    .iter()
    .map(|s| (Step::Verifier, s.to_string()))
    .collect();
    use sha2::Digest as _;
    let hex: String = sha2::Sha256::digest(VERIFIER).iter().map(|b| format!("{b:02x}")).collect();
    for challenge in [
        String::new(),
        CHALLENGE.to_owned(),
        format!("{CHALLENGE}="),
        format!("{}=", CHALLENGE.replace('-', "+")),
        hex,
        VERIFIER.to_owned(),
        crate::pkce::challenge_s256("another string"),
        "not a challenge".to_owned(),
        format!("\u{FEFF}{CHALLENGE}"),
        format!("'{CHALLENGE}'"),
        format!("{CHALLENGE}\""),
    ] {
        inputs.push((Step::Challenge, challenge));
    }
    let urls = [
        String::new(),
        "x".repeat(5000),
        format!("{good}{}", (0..60).map(|i| format!("&p{i}=1")).collect::<String>()),
        format!("\u{FEFF}{good}"),
        format!("\"{good}\""),
        good.replace('&', "&amp;"),
        good.replace("&state", "\n&state"),
        "/authorize?response_type=code".to_owned(),
        "https://[::1/authorize".to_owned(),
        "mailto:me@example.com".to_owned(),
        "https://<your-domain>/authorize?response_type=code".to_owned(),
        good.replacen("127.0.0.1", "evil.example", 1),
        good.replace("/authorize?", "/Authorize/?"),
        good.replace(":3000/authorize", ":3001/authorize"),
        good.replacen("http://", "https://", 1),
        format!("{good}#top"),
        good.replace("method=S256", "method=S256%E2%80%8B"),
        good.replace("state=Zq8xW2kLp0aBt", "state=%22Zq8xW2kLp0aBt%22"),
        format!("{good}&state=again&scope=profile"),
        good.replace("client_id=lab-client-1", "client_id={YOUR_CLIENT_ID}")
            .replace("state=Zq8xW2kLp0aBt", "state=<state>"),
        good.replace("http://127.0.0.1:3000/authorize", "http://YOUR_DOMAIN/authorize"),
        format!("{good}&client_secret={CLIENT_SECRET}&code_verifier={VERIFIER}&password=x&refresh_token=y"),
        format!("{good}&{CLIENT_SECRET}"),
        good.replace("Zq8xW2kLp0aBt", CLIENT_SECRET),
        good.replace("response_type=code", "response_type=token"),
        good.replace("response_type=code", "response_type=Code"),
        good.replace("response_type=code&", ""),
        good.replace("client_id=lab-client-1&", ""),
        good.replace("client_id=lab-client-1", "client_id=lab-client-2"),
        good.replace("client_id=lab-client-1", "client_id=lab%0Aclient"),
        good.replace("%2Fredirect", "%2Fredirect%2F"),
        good.replace("%2Fredirect", "%2FRedirect"),
        good.replace("http%3A%2F%2F127.0.0.1%3A3000%2Fredirect", "%2Fredirect"),
        good.replace("%2Fredirect", "%2Fredirect%23x"),
        good.replace("&redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fredirect", ""),
        good.replace("&state=Zq8xW2kLp0aBt", ""),
        good.replace("Zq8xW2kLp0aBt", "abc"),
        good.replace("Zq8xW2kLp0aBt", "xxxxxxxxxx"),
        good.replace("openid+offline_access", "openid+profile"),
        good.replace("openid+offline_access", "openid%2Boffline_access"),
        good.replace("openid+offline_access", "OFFLINE_ACCESS"),
        good.replace("openid+offline_access", "openid%09x"),
        good.replace("&scope=openid+offline_access", ""),
        good.replace(&format!("&code_challenge={CHALLENGE}"), ""),
        good.replace(CHALLENGE, &crate::pkce::challenge_s256("another verifier")),
        good.replace(CHALLENGE, VERIFIER),
        good.replace(CHALLENGE, &format!("{CHALLENGE}%3D")),
        good.replace(CHALLENGE, "short"),
        good.replace("method=S256", "method=s256"),
        good.replace("method=S256", "method=plain"),
        good.replace("method=S256", "method=SHA256"),
        good.replace("&code_challenge_method=S256", ""),
        good.clone(),
    ];
    inputs.extend(urls.into_iter().map(|u| (Step::AuthorizationUrl, u)));
    let jwt_token = jwt(
        r#"{"alg":"RS256","kid":"k1"}"#,
        &format!(r#"{{"iss":"https://evil.example","sub":"u","iat":{},"exp":{}}}"#, NOW - 7200, NOW - 3600),
    );
    let mut responses = vec![
        String::new(),
        "\u{FEFF}{}".to_owned(),
        "HTTP/1.1 200 OK\n\n{}".to_owned(),
        "curl -X POST http://127.0.0.1:3000/token".to_owned(),
        "http://127.0.0.1:3000/redirect?code=abc&state=xyz".to_owned(),
        "https://example.com/".to_owned(),
        "opaque-access-token-value-1234567890".to_owned(),
        jwt_token.clone(),
        r#""access_token": "x", "token_type": "Bearer""#.to_owned(),
        "{\"a\" 1}".to_owned(),
        "{\"a\":\u{A0}1}".to_owned(),
        "[".repeat(300),
        r#"{"access_token":"x","access_token":"y"}"#.to_owned(),
        r#""a string""#.to_owned(),
        "[1]".to_owned(),
        "\u{A0}{\"access_token\":\"x\"}".to_owned(),
        "'{\"access_token\":\"x\"}'".to_owned(),
        r#"{"error":{"code":1}}"#.to_owned(),
        r#"{"error":"login_required","error_description":"Log in first. Then retry"}"#.to_owned(),
        r#"{}"#.to_owned(),
        r#"{"token_type":"mac","access_token":"","expires_in":"3600","refresh_token":"","scope":"openid"}"#
            .to_owned(),
        r#"{"token_type":1,"access_token":2,"expires_in":-5,"refresh_token":3,"scope":4}"#.to_owned(),
        r#"{"token_type":"Bearer","access_token":"x","expires_in":"soon","scope":"a\tb"}"#.to_owned(),
        r#"{"token_type":"Bearer","access_token":"x","expires_in":true}"#.to_owned(),
        response("access-one-aaaaaaaaaaaa", r#","refresh_token":"refresh-one""#),
        response("access-two-cccccccccccc", r#","refresh_token":"refresh-one""#),
        response("access-two-cccccccccccc", r#","refresh_token":"refresh-two""#),
        response("access-two-cccccccccccc", ""),
        response(&jwt_token, r#","refresh_token":"r""#),
        response(&jwt(r#"{"alg":"none"}"#, r#"{"sub":"v","iat":1}"#), ""),
    ];
    for code in crate::oauth::OAuthErrorCode::ALL {
        responses.push(format!(r#"{{"error":"{code}","error_description":"The code is wrong. Try again"}}"#));
        responses.push(format!(r#"{{"error":"{code}"}}"#));
    }
    for r in responses {
        inputs.push((Step::TokenResponse, r.clone()));
        inputs.push((Step::RefreshResponse, r));
    }
    inputs
}

/// What the practice server could say it issued, in every way that matters to a message.
fn issued_variants() -> Vec<Option<Issued>> {
    let base = Issued {
        client_id: "lab-client-1".into(),
        grant: IssuedGrant::AuthorizationCode,
        code_challenge: CHALLENGE.into(),
        requested_scope: "openid offline_access".into(),
        refresh_tokens_enabled: true,
        revoked: false,
        refresh_token_sha256: Some(super::token_sha256("r")),
        refresh_ancestors: vec![],
        client_auth: Some("client_secret_basic".into()),
        code_sha256: None,
        redirect_uri: None,
        nonce_sha256: None,
        granted_scope: None,
        pkce_method: None,
        issued_at: None,
        code_redeemed_twice: false,
        resource: None,
        audience: None,
    };
    let mut out = vec![None, Some(base.clone())];
    out.push(Some(Issued { client_id: "someone-else".into(), ..base.clone() }));
    out.push(Some(Issued { revoked: true, ..base.clone() }));
    out.push(Some(Issued { grant: IssuedGrant::RefreshToken, ..base.clone() }));
    out.push(Some(Issued { code_challenge: "other".into(), ..base.clone() }));
    for (scope, enabled) in [("openid", false), ("openid", true), ("openid offline_access", false)] {
        out.push(Some(Issued {
            requested_scope: scope.into(),
            refresh_tokens_enabled: enabled,
            refresh_token_sha256: None,
            ..base.clone()
        }));
    }
    out
}

/// Every finding the checks give over the corpus, on both kinds of server.
fn corpus_findings() -> Vec<Finding> {
    let signatures = [
        None,
        Some(SignatureCheck::Verified { kid: "k1".into() }),
        Some(SignatureCheck::UnknownKey),
        Some(SignatureCheck::Invalid),
        Some(SignatureCheck::Unavailable { reason: "HTTP 503. Try later".into() }),
    ];
    let mut all = Vec::new();
    for (step, input) in bad_inputs() {
        for provider in [
            builtin(),
            super::Provider { refresh_tokens_enabled: Some(false), ..builtin() },
            okta(),
            super::Provider { client_id: Some("0oaOTHER".into()), ..okta() },
        ] {
            for passed in [1, 2, 3, 4, 5] {
                let mut p = progress(passed);
                if let Some(token) = p.token.as_mut().filter(|_| passed == 5) {
                    // Step 4's record with a JWT's claims.
                    (token.sub, token.iat) = (Some("u".into()), Some(NOW));
                }
                let facts =
                    Facts { provider: &provider, progress: &p, now: NOW, issued: None, signature: None };
                if let Ok(out) = check(step, &input, &facts) {
                    all.extend(out.verdict.findings);
                }
            }
            if matches!(step, Step::TokenResponse | Step::RefreshResponse) {
                let p = progress(4);
                for issued in issued_variants() {
                    for signature in &signatures {
                        let facts = Facts {
                            provider: &provider,
                            progress: &p,
                            now: NOW,
                            issued: issued.as_ref(),
                            signature: signature.as_ref(),
                        };
                        if let Ok(out) = check(step, &input, &facts) {
                            all.extend(out.verdict.findings);
                        }
                    }
                }
            }
        }
    }
    all.extend(provider_findings());
    all
}

/// Setting up an own server: the issuer, its metadata and the application.
fn provider_findings() -> Vec<Finding> {
    use crate::oauth::discovery::{application, refused, review, Fetched};
    let mut all = Vec::new();
    for input in [
        "",
        "dev-1.okta.com",
        "http://dev-1.okta.com",
        "ftp://dev-1.okta.com",
        "https://dev-1.okta.com/?x=1",
        "https://me:pw@dev-1.okta.com/",
        "http://localhost:8080/realms/lab",
        "https://10.0.0.7/realms/lab",
        "https://[::ffff:127.0.0.1]/",
    ] {
        if let Err(reason) = Issuer::parse(input, Reach::Public) {
            all.extend(refused(reason).findings);
        }
    }
    let issuer = Issuer::parse("https://dev-1.okta.com/oauth2/default", Reach::Public).expect("valid");
    let doc = |extra: &str| {
        let i = "https://dev-1.okta.com/oauth2/default";
        format!(
            r#"{{"issuer": "{i}", "authorization_endpoint": "{i}/authorize", "token_endpoint": "{i}/token"{extra}}}"#
        )
    };
    let fetched = [
        vec![Fetched::Status(404), Fetched::Status(302), Fetched::Failed("timed out. Retry".into())],
        vec![Fetched::Document("<html>".into())],
        vec![Fetched::Document(doc(r#", "jwks_uri": "https://dev-1.okta.com/keys""#))],
        vec![Fetched::Document(doc(
            r#", "code_challenge_methods_supported": ["plain"], "grant_types_supported": ["authorization_code"], "scopes_supported": ["openid"]"#,
        ))],
        vec![Fetched::Document(doc("").replace("https://dev-1.okta.com/oauth2/default/token", "http://x/t"))],
        vec![Fetched::Document(doc("").replace(
            "\"issuer\": \"https://dev-1.okta.com/oauth2/default\"",
            "\"issuer\": \"https://other.example\"",
        ))],
    ];
    for attempts in fetched {
        let attempts: Vec<_> = issuer.metadata_urls().into_iter().zip(attempts).collect();
        all.extend(review(&issuer, &attempts, Reach::Public).0.findings);
    }
    for (client_id, redirect_uri) in
        [("0oa1", "https://app.example/cb"), ("0oa\u{7f}", "/cb"), ("", "https://a#b")]
    {
        all.extend(application(client_id, redirect_uri).0);
    }
    all
}

#[test]
fn every_message_is_one_sentence_without_backticks() {
    let findings = corpus_findings();
    assert!(findings.len() > 2000, "the corpus reaches every check: {}", findings.len());
    let bad: Vec<String> = findings
        .iter()
        .filter_map(not_one_sentence)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(bad.is_empty(), "{} messages are not one sentence:\n{}", bad.len(), bad.join("\n"));
    // Every kind of finding the checks give shows up, failed ones with their fix.
    let ids: std::collections::BTreeSet<&str> =
        findings.iter().filter(|f| !f.ok).map(|f| f.id.as_str()).collect();
    for id in [
        "verifier.format",
        "challenge.match",
        "url.parse",
        "url.endpoint",
        "url.fragment",
        "url.invisible",
        "url.quotes",
        "url.duplicates",
        "url.placeholders",
        "url.secrets",
        "url.response_type",
        "url.client_id",
        "url.redirect_uri",
        "url.state",
        "url.offline_access",
        "url.code_challenge",
        "url.code_challenge_method",
        "url.refresh_tokens_off",
        "token.json",
        "token.object",
        "token.error",
        "token.token_type",
        "token.access_token",
        "token.expires_in",
        "token.refresh_token",
        "token.scope",
        "token.iss",
        "token.signature",
        "token.expired",
        "token.issued",
        "refresh.new_access_token",
        "refresh.grant",
        "refresh.sub",
        "refresh.iat",
        "provider.issuer",
        "provider.metadata",
        "provider.issuer_match",
        "provider.endpoints",
        "provider.pkce",
        "provider.refresh_token",
        "provider.offline_access",
        "provider.jwks",
        "provider.client_id",
        "provider.redirect_uri",
    ] {
        assert!(ids.contains(id), "the corpus fails {id}");
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn the_answer_to_any_check_stays_under_the_verdict_limit(input in prop_oneof![any_input(), long_input()]) {
        let provider = builtin();
        let progress = progress(5);
        let facts = Facts { provider: &provider, progress: &progress, now: NOW, issued: None, signature: None };
        for step in Step::ALL {
            let Ok(out) = check(step, &input, &facts) else { continue };
            let size = serde_json::to_string(&out.verdict).map(|s| s.len()).unwrap_or(usize::MAX);
            prop_assert!(size <= crate::verdict::MAX_VERDICT_BYTES, "{}: {size} bytes", step.slug());
            prop_assert!(out.verdict.findings.len() <= crate::verdict::MAX_FINDINGS);
        }
        let refused = match Issuer::parse(&input, Reach::Public) {
            Err(reason) => crate::oauth::discovery::refused(reason),
            Ok(_) => crate::verdict::Verdict::default(),
        };
        let size = serde_json::to_string(&refused).map(|s| s.len()).unwrap_or(usize::MAX);
        prop_assert!(size <= crate::verdict::MAX_VERDICT_BYTES, "provider: {size} bytes");
    }

    /// On any input without a backtick of its own, every message ends as a sentence does
    /// and holds no backtick.
    #[test]
    fn every_message_on_any_input_ends_as_a_sentence(input in fragmented().prop_map(|s| s.replace('`', "'"))) {
        let provider = builtin();
        for passed in [0, 2, 3, 4] {
            let p = progress(passed);
            let facts = Facts { provider: &provider, progress: &p, now: NOW, issued: None, signature: None };
            for step in Step::ALL {
                for f in check(step, &input, &facts).map(|o| o.verdict.findings).unwrap_or_default() {
                    prop_assert!(!f.message.contains('`'), "{}: {}", f.id, f.message);
                    prop_assert!(f.message.ends_with('.') || f.message.ends_with('!'), "{}: {}", f.id, f.message);
                }
            }
        }
    }
}
