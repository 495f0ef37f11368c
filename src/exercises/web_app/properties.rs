//! Property tests of this exercise's checks: no input makes one panic, an answer stays
//! within the verdict's bounds, and the work they do is linear in their input (doubling
//! an input that takes the same path at most doubles the work, as `src/work.rs` counts
//! it), as Refresh Tokens' `refresh/properties.rs` shows of its own.

use proptest::prelude::*;
use proptest::test_runner::Config;

use super::test_support::*;
use super::{check, Exchange, Facts, Outcome, Step, StepLocked};

/// The slack allowed over twice the work, for a path that differs at its very end.
const SLACK: u64 = 64;

fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: None, ..Config::default() }
}

/// Any text, mostly of the characters URLs, JSON and states are made of.
fn any_input() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,120}",
        "[a-zA-Z0-9_~.&=?%#:/{}\",-]{0,160}",
        ".{0,60}",
        "[a-z0-9=&]{0,40}".prop_map(|q| format!("http://127.0.0.1:3000/redirect?{q}")),
    ]
}

/// Any text, without the callback-like URLs of [`any_input`]: doubling one of those
/// makes a URL whose query holds a URL, which step 3 reads on a longer (linear) path
/// than its first words tell apart.
fn text() -> impl Strategy<Value = String> {
    prop_oneof!["[ -~]{0,120}", "[a-zA-Z0-9_~.&=%{}\",-]{0,160}", ".{0,60}"]
}

/// The findings a check gave, by id, whether each held, and the first words of its
/// message, which tell the branches apart.
fn path(out: Result<Outcome, StepLocked>) -> String {
    let findings = out.map(|o| o.verdict.findings).unwrap_or_default();
    let start = |m: &str| m.split(' ').take(3).collect::<Vec<_>>().join(" ");
    findings.iter().map(|f| format!("{}:{}:{} ", f.id, f.ok, start(&f.message))).collect()
}

fn run_step(step: Step, input: &str, exchange: Option<&Exchange>) -> Outcome {
    let (provider, progress) = (builtin(), progress(5));
    let facts = Facts { provider: &provider, progress: &progress, now: NOW, exchange, signature: None };
    check(step, input, &facts).expect("step 5 passed, so no step is locked")
}

/// `work(doubled) <= 2 * work(single) + SLACK` for `step`, when both took one path.
fn at_most_doubles(step: Step, single: &str, doubled: &str) -> Result<(), TestCaseError> {
    let ex = exchange();
    let f = |s: &str| path(Ok(run_step(step, s, Some(&ex))));
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
    #![proptest_config(config(64))]

    #[test]
    fn no_step_check_panics_and_every_answer_stays_bounded(input in any_input()) {
        let ex = exchange();
        for exchange in [None, Some(&ex)] {
            for step in Step::ALL {
                let out = run_step(step, &input, exchange);
                let bytes = serde_json::to_string(&out.verdict).map(|s| s.len()).unwrap_or(usize::MAX);
                prop_assert!(bytes <= crate::verdict::MAX_VERDICT_BYTES);
                for f in &out.verdict.findings {
                    prop_assert!(!f.message.contains(CODE), "{} shows the code", f.id);
                }
            }
        }
    }

    #[test]
    fn doubling_any_input_at_most_doubles_the_work(x in text()) {
        let doubled = format!("{x}{x}");
        for step in Step::ALL {
            at_most_doubles(step, &x, &doubled)?;
        }
    }

    #[test]
    fn doubling_a_state_at_most_doubles_the_work(state in "[A-Za-z0-9_-]{1,120}") {
        let (single, doubled) = (url_with_state(&state), url_with_state(&format!("{state}{state}")));
        at_most_doubles(Step::AuthorizationUrl, &single, &doubled)?;
    }

    #[test]
    fn doubling_the_parameters_of_a_callback_at_most_doubles_the_work(
        params in proptest::collection::vec(("[a-z_]{1,10}", "[A-Za-z0-9%._-]{0,20}"), 0..20),
    ) {
        let query = |renamed: &str| -> Vec<String> {
            params.iter().map(|(k, v)| format!("{k}{renamed}={v}")).collect()
        };
        let one = query("").join("&");
        let two = [query(""), query("2")].concat().join("&");
        let tail = format!("code={CODE}&state={STATE}");
        let (single, doubled) = (
            format!("http://127.0.0.1:3000/redirect?{one}&{tail}"),
            format!("http://127.0.0.1:3000/redirect?{two}&{tail}"),
        );
        at_most_doubles(Step::Callback, &single, &doubled)?;
    }
}
