//! Property tests of this exercise's checks, with few cases (its rules are mostly the
//! other exercises', whose own property tests go further): no input makes one panic, an
//! answer stays within the verdict's bounds and shows no secret back, and the work of
//! step 3 and step 4 is linear in their input (as `src/work.rs` counts it).

use proptest::prelude::*;
use proptest::test_runner::Config;

use super::test_support::*;
use super::{check, Exchange, Facts, Outcome, Step};

/// The slack allowed over twice the work, for a path that differs at its very end.
const SLACK: u64 = 64;

fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: None, ..Config::default() }
}

fn any_input() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,120}",
        "[a-zA-Z0-9_~.&=?%#:/{}\",-]{0,160}",
        ".{0,60}",
        "[a-z0-9=&_]{0,60}".prop_map(|q| format!("{}&{q}", good_url())),
    ]
}

fn run_step(step: Step, input: &str, exchange: Option<&Exchange>) -> Outcome {
    let (provider, progress) = (builtin(), progress(4));
    let facts = Facts {
        provider: &provider,
        web_client_id: Some(WEB_CLIENT),
        progress: &progress,
        now: NOW,
        exchange,
        signature: None,
    };
    check(step, input, &facts).expect("step 4 passed, so no step is locked")
}

/// The findings by id, whether each held, and the first words of its message.
fn path(out: &Outcome) -> String {
    let start = |m: &str| m.split(' ').take(3).collect::<Vec<_>>().join(" ");
    out.verdict.findings.iter().map(|f| format!("{}:{}:{} ", f.id, f.ok, start(&f.message))).collect()
}

fn at_most_doubles(step: Step, single: &str, doubled: &str) -> Result<(), TestCaseError> {
    let ex = exchange();
    let f = |s: &str| path(&run_step(step, s, Some(&ex)));
    let ((p1, w1), (p2, w2)) = (crate::work::measure(|| f(single)), crate::work::measure(|| f(doubled)));
    prop_assert!(
        p1 != p2 || w2 <= 2 * w1 + SLACK,
        "{step:?}: work {w1} on {} bytes, {w2} on {} bytes",
        single.len(),
        doubled.len()
    );
    Ok(())
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn no_step_check_panics_and_every_answer_stays_bounded(input in any_input()) {
        let ex = exchange();
        for exchange in [None, Some(&ex)] {
            for step in Step::ALL {
                let out = run_step(step, &input, exchange);
                let bytes = serde_json::to_string(&out.verdict).map(|s| s.len()).unwrap_or(usize::MAX);
                prop_assert!(bytes <= crate::verdict::MAX_VERDICT_BYTES);
                for f in &out.verdict.findings {
                    prop_assert!(!said(f).contains(VERIFIER), "{} shows the verifier", f.id);
                }
            }
        }
    }

    #[test]
    fn doubling_a_state_at_most_doubles_the_work(state in "[A-Za-z0-9_-]{1,120}") {
        let (single, doubled) = (url_with_state(&state), url_with_state(&format!("{state}{state}")));
        at_most_doubles(Step::AuthorizationUrl, &single, &doubled)?;
    }

    #[test]
    fn doubling_a_responses_description_at_most_doubles_the_work(text in "[a-zA-Z0-9 .,-]{1,120}") {
        let response = |d: &str| format!(r#"{{"error":"invalid_client","error_description":"{d}"}}"#);
        at_most_doubles(Step::TokenResponse, &response(&text), &response(&format!("{text}{text}")))?;
    }
}
