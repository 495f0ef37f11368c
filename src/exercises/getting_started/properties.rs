//! Property tests: no check panics on any input, and the work each step does grows
//! linearly with its input (doubling an input at most doubles the elements visited,
//! counted by `crate::work`, give or take a small constant).

use proptest::prelude::*;
use proptest::test_runner::Config;

use super::test_support::*;
use super::{check, issuer_to_fetch, Facts, Outcome, Progress, Step};
use crate::oauth::discovery::{Fetched, Reach};

fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: None, ..Config::default() }
}

const FRAGMENTS: &[&str] = &[
    "http://",
    "https://",
    "127.0.0.1:3000",
    "/oauth2/authorize",
    "/oauth2/token",
    "/",
    "{",
    "}",
    "[",
    "]",
    ":",
    "=",
    ",",
    ";",
    "\"",
    "\n",
    " ",
    "kid",
    "alg",
    "ES256",
    "RS256",
    "es256",
    "keys",
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    CURRENT_KID,
    RETIRED_KID,
    "\u{200B}",
    "\u{FEFF}",
    "é",
    "null",
];

fn any_input() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => proptest::sample::select(FRAGMENTS).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
    ];
    prop_oneof![any::<String>(), proptest::collection::vec(piece, 0..40).prop_map(|p| p.concat())]
}

fn run(step: Step, input: &str) -> Outcome {
    let progress = builtin_progress(step.index());
    let attempts = vec![("u".to_owned(), Fetched::Document(builtin_metadata(BUILTIN)))];
    let jwks = Fetched::Document(builtin_jwks());
    let facts = Facts { discovery: Some(&attempts), jwks: Some(&jwks), ..facts(&progress) };
    check(step, input, &facts).expect("open")
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    /// On any input without a backtick of its own (a message may quote the input).
    fn no_step_panics_and_every_message_is_one_sentence(input in any_input().prop_map(|s| s.replace('`', "'"))) {
        for step in Step::ALL {
            let out = run(step, &input);
            for f in &out.verdict.findings {
                prop_assert_eq!(crate::verdict::not_one_sentence(f), None, "{:?}", f);
            }
            prop_assert_eq!(out.progress.is_some(), out.verdict.passed());
        }
        let _ = issuer_to_fetch(&input, Reach::Public);
    }
}

/// The slack allowed over twice the work.
const SLACK: u64 = 64;

/// Work on `single` and on `doubled`: the second at most twice the first, plus slack.
fn at_most_doubles(step: Step, single: &str, doubled: &str) {
    let path = |out: &Outcome| -> Vec<(String, bool)> {
        out.verdict.findings.iter().map(|f| (f.id.clone(), f.ok)).collect()
    };
    let (a, w1) = crate::work::measure(|| run(step, single));
    let (b, w2) = crate::work::measure(|| run(step, doubled));
    assert_eq!(path(&a), path(&b), "{step:?}: the doubled input takes the same path");
    assert!(
        w2 <= 2 * w1 + SLACK,
        "{step:?}: work {w1} on {} bytes, {w2} on {} bytes",
        single.len(),
        doubled.len()
    );
}

#[test]
fn work_grows_linearly_with_the_input() {
    let endpoints = "http://127.0.0.1:3000/oauth2/authorize\nhttp://127.0.0.1:3000/oauth2/token\n";
    for n in [8, 40] {
        // Lines of other metadata members, ignored, around the two endpoints.
        let other = |n: usize| {
            (0..n)
                .map(|i| format!("member_{}: https://a.example/{i}\n", "x".repeat(i % 7)))
                .collect::<String>()
        };
        at_most_doubles(
            Step::Endpoints,
            &format!("{}{endpoints}", other(n)),
            &format!("{}{endpoints}", other(2 * n)),
        );
        // Metadata JSON with more members.
        let json = |n: usize| {
            let extra: String = (0..n).map(|i| format!(r#", "m{i}": ["a", "b"]"#)).collect();
            builtin_metadata(BUILTIN).replacen('{', &format!("{{\"z\": 0{extra},"), 1)
        };
        at_most_doubles(Step::Endpoints, &json(n), &json(2 * n));
        // Key members that are not asked for.
        let key = |n: usize| {
            let extra: String = (0..n).map(|i| format!("kty{}: EC\n", "y".repeat(i % 5))).collect();
            format!("{extra}kid: {CURRENT_KID}\nalg: ES256")
        };
        at_most_doubles(Step::SigningKey, &key(n), &key(2 * n));
        // An issuer with a long path, answered by metadata naming another issuer.
        let issuer = |n: usize| format!("http://127.0.0.1:3000/{}", "p/".repeat(n));
        at_most_doubles(Step::Issuer, &issuer(n), &issuer(2 * n));
    }
    let _ = Progress::default();
}
